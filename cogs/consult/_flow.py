"""The consultation queue's Discord side effects, in one place.

Order of effects everywhere: commit the database change first, then touch Discord. When
Discord fails (a missing permission, a 5xx after discord.py's retries) the request is still
saved and visible in ``/queue`` with a note saying what went wrong, and the start-up
reconciliation (or the next claim) finishes the missing step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import discord

from bot.consultations import (
    Consultation,
    ConsultBlock,
    Coverage,
    Outcome,
    RequestsPausedError,
    SealedAnswer,
    Status,
    Topic,
    Urgency,
    type_names,
)
from bot.crisis import reminder
from bot.errors import NotConfiguredError, StaffOnlyError, UserFacingError
from bot.guild_config import GuildConfig
from bot.ui import crisis_embed, send_ephemeral
from cogs._components import defer
from cogs.consult import _dm_render as dm_render
from cogs.consult import _embeds as render
from cogs.consult import _follow_up_render as follow_up_render
from cogs.consult._block_render import paused_embed
from cogs.consult._flow_base import is_staff_member
from cogs.consult._hours_render import hours_embed
from cogs.consult._quiet import QuietFlow
from cogs.consult._views import member_request_view, pager_view, paused_view
from cogs.consult._who import member_ref

log = logging.getLogger(__name__)


def is_admin(interaction: discord.Interaction[Any]) -> bool:
    permissions = interaction.permissions
    return permissions.administrator or permissions.manage_guild


@contextlib.contextmanager
def staff_named() -> Iterator[None]:
    """Around a claim, release or transfer: a refusal that names a staff member by id gets the
    mention staff read (``render.refusal``); its type is kept, so callers still tell them apart."""
    try:
        yield
    except UserFacingError as error:
        error.message = render.refusal(error)
        raise


class ConsultFlow(QuietFlow):
    """What happens in Discord when a request is created, claimed, released or closed.

    The layers below (``cogs.consult._flow_base``) post cards, run threads and answer events;
    this one holds the checks and the actions of members and staff."""

    # ------------------------------------------------------------------ checks

    async def ready_config(self, guild_id: int | None, *, member_facing: bool) -> GuildConfig:
        """The server's configuration, or a polite "an admin must run /setup" refusal."""
        if guild_id is None:
            # A member can meet a "Talk to a consultant" button in a DM (the /iop reflection,
            # an older check-in reply): they may be struggling, so the refusal shows help.
            if member_facing:
                raise UserFacingError(
                    "Talking to a consultant happens inside the group's server, not in a DM: "
                    "use `/consult` there. If you need help right now, these lines are free "
                    "and open any time.",
                    show_crisis=True,
                )
            raise UserFacingError("Please use this inside the support server, not in a DM.")
        config = await self.configs.get(guild_id)
        if not config.consultations_ready:
            if member_facing:
                raise NotConfiguredError(
                    "Talking to a consultant isn't set up on this server yet: an admin needs to "
                    "run `/setup` first. If you need help right now, these lines are free and "
                    "open any time.",
                    show_crisis=True,
                )
            raise NotConfiguredError()
        return config

    async def require_staff(
        self, interaction: discord.Interaction[Any]
    ) -> tuple[GuildConfig, discord.Member]:
        """Runtime staff check (commands *and* buttons): the staff role or a consultation
        type's staff role, or Administrator."""
        config, user, _covers = await self.require_scope(interaction)
        return config, user

    async def require_scope(
        self, interaction: discord.Interaction[Any]
    ) -> tuple[GuildConfig, discord.Member, Coverage]:
        """The staff check, with the kinds of request this staff member covers."""
        # Mutation testing: ``member_facing=None`` in place of False is equivalent (falsy).
        config = await self.ready_config(interaction.guild_id, member_facing=False)
        user = interaction.user
        covers = (
            await self.covered(user, config, admin=interaction.permissions.administrator)
            if isinstance(user, discord.Member)
            else Coverage()
        )
        if not isinstance(user, discord.Member) or not covers.anything:
            log.info("consultation.staff_only user=%s guild=%s", user.id, interaction.guild_id)
            raise StaffOnlyError()
        return config, user, covers

    async def claimer_unavailable(self, guild: discord.Guild, consultation: Consultation) -> bool:
        """True when the claimer has left the server or lost the staff role."""
        # Mutation testing: the first return is unreachable (both callers pass only a request
        # someone else has claimed), and ``get_member(None)`` in place of the claimer only
        # skips the cache, as ``fetch_member`` answers the same (see CONTRIBUTING.md).
        if consultation.claimed_by is None:
            return False
        config = await self.configs.get(guild.id)
        try:
            member = guild.get_member(consultation.claimed_by) or await guild.fetch_member(
                consultation.claimed_by
            )
        except discord.NotFound:
            return True
        except discord.HTTPException:
            return False
        return not is_staff_member(member, config)

    # ------------------------------------------------------------------ member side

    async def submit(
        self,
        interaction: discord.Interaction[Any],
        *,
        topic: Topic,
        urgency: Urgency,
        note: str | None,
        preferred_time: str | None,
        type_id: int | None = None,
        answers: Sequence[SealedAnswer] = (),
    ) -> None:
        """The member sent the form (of the type ``type_id``; None: the server's only queue):
        save, answer them, then tell staff."""
        await defer(interaction)
        config = await self.ready_config(interaction.guild_id, member_facing=True)
        assert interaction.guild is not None
        now = self.now()
        try:
            result = await self.service.create(
                guild_id=interaction.guild.id,
                member_id=interaction.user.id,
                topic=topic,
                urgency=urgency,
                note=note,
                preferred_time=preferred_time,
                now=now,
                config=config,
                type_id=type_id,
                answers=answers,
            )
        except RequestsPausedError as paused:  # a block added while the form was open
            log.info(
                "consult_block.refused guild=%s member=%s step=submit",
                interaction.guild.id,
                interaction.user.id,
            )
            await self.tell_paused(interaction, paused.until)
            return
        consultation = result.consultation
        routed, kind = await self.routed(config, consultation)
        outside = await self.outside_hours(config, consultation, now) if result.created else None
        # a new request: the hours part below says when staff are back, by the type's hours
        back_at = None if result.created else await self.staff_back(config, consultation, now)
        region = await self.bot.crisis_region(
            interaction.user.id, interaction.guild_id, private=True
        )
        language = await self.language(interaction)
        crisis = self.bot.library.crisis_in(language)
        embeds = [
            render.receipt_embed(
                consultation,
                result.position,
                routed,
                back_at,
                created=result.created,
                kind=kind,
                reminder=reminder(crisis, region, language),
                language=language,
            )
        ]
        urgent = urgency is Urgency.URGENT or consultation.urgency is Urgency.URGENT
        if outside is not None:
            mode = self.applied_mode(consultation, outside)
            embeds.append(hours_embed(outside, mode=mode, urgent=urgent))
        if urgent or outside is not None:  # every out-of-hours reply has the crisis lines
            embeds.append(crisis_embed(crisis, region, language))
        view = None if result.created else member_request_view(consultation)
        try:
            await interaction.followup.send(
                embeds=embeds, view=view or discord.utils.MISSING, ephemeral=True
            )
        finally:  # staff hear of the request even when the member's receipt could not be sent
            if result.created:
                await self.deliver(interaction.guild, config, consultation, outside)

    async def refuse_paused(
        self, interaction: discord.Interaction[Any], block: ConsultBlock
    ) -> None:
        """The member's routine requests are paused here (``block`` is running): tell them (the
        first step of asking: ``/consult``, the panel's button). The form is checked again
        when it is sent, inside the request's own transaction."""
        log.info(
            "consult_block.refused guild=%s member=%s block=%s step=ask",
            block.guild_id,
            block.member_id,
            block.id,
        )
        await self.tell_paused(interaction, block.expires_at)

    async def tell_paused(
        self, interaction: discord.Interaction[Any], until: dt.datetime | None
    ) -> None:
        """The warm "requests are paused" reply: until when, the urgent button and, always,
        every crisis line."""
        await send_ephemeral(
            interaction,
            embeds=[
                paused_embed(until),
                crisis_embed(
                    self.bot.crisis,
                    await self.bot.crisis_region(
                        interaction.user.id, interaction.guild_id, private=True
                    ),
                ),
            ],
            view=paused_view(),
        )

    async def open_for_member(
        self,
        guild: discord.Guild,
        member_id: int,
        *,
        topic: Topic = Topic.CRISIS,
        urgency: Urgency = Urgency.URGENT,
    ) -> Consultation | None:
        """Open (or find) a request on a member's behalf, e.g. from the crisis safety net,
        and alert staff. Returns None when the server isn't set up; never raises for limits:
        the safety net must not fail because a queue is busy."""
        config = await self.configs.get(guild.id)
        if not config.consultations_ready:
            return None
        try:
            result = await self.service.create(
                guild_id=guild.id,
                member_id=member_id,
                topic=topic,
                urgency=urgency,
                now=self.now(),
                config=config,
            )
        except UserFacingError:
            log.info("consultation.assisted_open_refused guild=%s member=%s", guild.id, member_id)
            return await self.service.active_for_member(guild.id, member_id)
        if result.created:
            await self.post_card(guild, config, result.consultation)
        return result.consultation

    # ------------------------------------------------------------------ staff actions

    async def claim(
        self,
        interaction: discord.Interaction[Any],
        config: GuildConfig,
        request_id: int,
    ) -> Consultation:
        """Claim (after the caller deferred): exactly one winner gets the thread."""
        guild = interaction.guild
        assert guild is not None
        admin = is_admin(interaction)  # admins are exempt from the cap and from on-call
        assert isinstance(interaction.user, discord.Member)
        covers = await self.covered(
            interaction.user, config, admin=interaction.permissions.administrator
        )
        with staff_named():
            consultation = await self.service.claim(
                guild.id,
                request_id,
                interaction.user.id,
                self.now(),
                cap=None if admin else config.claim_cap,
                require_oncall=config.require_oncall and not admin,
                covers=covers,
            )
        routed, _kind = await self.routed(config, consultation)  # the type's consult channel
        result = await self.ensure_thread(guild, routed, consultation)
        if isinstance(result, str):
            undone = await self.service.undo_claim(
                consultation.id, interaction.user.id, result, self.now()
            )
            await self.refresh_card(guild, undone or consultation)
            await self.tell_admins(
                guild,
                config,
                f"Request #{consultation.number}: {render.describe_problem(result)}",
            )
            raise UserFacingError(
                f"{render.describe_problem(result)} Request #{consultation.number} is saved and "
                "back in the queue in its place; try again once that is fixed."
            )
        await self.refresh_card(guild, result.consultation)
        if result.consultation.by_dm:  # the member is told in their DM, where they talk
            told = dm_render.claimed_dm(result.consultation, guild.name)
            await self.tell_member(guild, result.consultation, told)
        return result.consultation

    async def release(self, interaction: discord.Interaction[Any], request_id: int) -> Consultation:
        guild = interaction.guild
        assert guild is not None
        current = await self.service.get_in_guild(guild.id, request_id)
        override = is_admin(interaction) or (
            current.claimed_by not in (None, interaction.user.id)
            and await self.claimer_unavailable(guild, current)
        )
        with staff_named():
            released = await self.service.release(
                guild.id, request_id, interaction.user.id, self.now(), override=override
            )
        await self._post_in_thread(
            guild,
            released,
            f"{member_ref(released)}, request #{released.number} is back in the queue, in its "
            "original place. Another staff member will join you here soon. If you need help "
            "right now, use `/crisis`.",
            ping=[released.member_id],
        )
        await self.refresh_card(guild, released)
        return released

    async def close(
        self,
        interaction: discord.Interaction[Any],
        request_id: int,
        reason: str,
        outcome: Outcome | None = None,
    ) -> Consultation:
        """A staff close, with the outcome staff chose (None: the reply asks for one)."""
        guild = interaction.guild
        assert guild is not None
        closed = await self.service.close(
            guild.id, request_id, interaction.user.id, reason, self.now(), outcome=outcome
        )
        await self.finish_close(guild, closed)
        return closed

    async def update_note(
        self, guild: discord.Guild, member_id: int, note: str | None
    ) -> Consultation:
        """The member changed their note: save it, redraw the card, and tell the thread."""
        updated = await self.service.update_note(guild.id, member_id, note, self.now())
        await self.refresh_card(guild, updated)
        if updated.status is Status.CLAIMED:
            await self._post_in_thread(guild, updated, render.note_updated_message(updated))
        return updated

    async def cancel(self, guild: discord.Guild, member_id: int) -> Consultation:
        """The member withdraws their waiting request: update the card and log it."""
        cancelled = await self.service.cancel(guild.id, member_id, self.now())
        await self.refresh_card(guild, cancelled)
        await self.log_closed(guild, cancelled)
        return cancelled

    async def transfer(
        self, interaction: discord.Interaction[Any], config: GuildConfig, to: discord.Member
    ) -> Consultation:
        guild = interaction.guild
        assert guild is not None
        current = await self.request_in_thread(interaction)
        routed, _kind = await self.routed(config, current)
        if to.bot or not is_staff_member(to, routed):
            raise UserFacingError(f"{to.mention} isn't on the staff team, so they can't take it.")
        override = is_admin(interaction) or (
            current.claimed_by not in (None, interaction.user.id)
            and await self.claimer_unavailable(guild, current)
        )
        # The cap holds for the receiver unless an admin hands it on or receives it; being on
        # call does not: a handover is arranged between two people (README, Consultation).
        exempt = is_admin(interaction) or to.guild_permissions.manage_guild
        with staff_named():
            moved = await self.service.transfer(
                guild.id,
                current.id,
                interaction.user.id,
                to.id,
                self.now(),
                override=override,
                cap=None if exempt else config.claim_cap,
            )
        thread = await self._thread_for(guild, moved)
        if thread is not None and not await self._add_to_thread(thread, to.id, moved):
            log.warning("consultation.transfer_add_failed id=%s", moved.id)
        await self._post_in_thread(
            guild,
            moved,
            f"{member_ref(moved)}, <@{to.id}> from the staff team is taking over request "
            f"#{moved.number} and will continue with you here.",
            ping=[moved.member_id, to.id],
        )
        await self.refresh_card(guild, moved)
        return moved

    async def request_in_thread(self, interaction: discord.Interaction[Any]) -> Consultation:
        """The request whose private thread this command was used in."""
        consultation = None
        if isinstance(interaction.channel, discord.Thread):
            consultation = await self.service.by_thread(interaction.channel.id)
        if consultation is None or consultation.guild_id != interaction.guild_id:
            raise UserFacingError(
                "Please use this inside a consultation's private thread. `/queue list` shows "
                "the open requests."
            )
        return consultation

    # ------------------------------------------------------------------ replies

    async def queue_page(
        self, guild_id: int, page: int, covers: Coverage | None = None
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        """One page of ``/queue list`` (re-read on every click, in one read), clamped to the
        pages there are; only the types ``covers`` reaches (None: all), each row naming its
        type and its member (with their display name), then the follow-ups due."""
        shown = await self.service.queue_page(
            guild_id, page=page, size=render.PAGE_SIZE, covers=covers
        )
        kinds = await self.types.list(guild_id)
        now = self.now()
        due, total = await self.follow_ups.due_soon(guild_id, now, covers)
        people = await self.names(
            self.bot.get_guild(guild_id),
            (
                *(c.member_id for c in shown.items),
                *(f.member_id for f in due),
                *(f.staff_id for f in due),
            ),
        )
        embed = render.queue_embed(
            shown.items,
            page=shown.page,
            pages=shown.pages,
            waiting=shown.waiting,
            claimed=shown.claimed,
            now=now,
            names=type_names(kinds),
            scope=render.scope_line(kinds, covers),
            people=people,
        )
        follow_up_render.add_due_section(embed, due, total, now, people)
        return embed, pager_view(shown.page, shown.pages)

    async def show_existing(
        self,
        interaction: discord.Interaction[Any],
        consultation: Consultation,
        config: GuildConfig,
        position: int | None,
    ) -> None:
        """The member's open or claimed request, at ``position`` (read with it), instead of
        a second form."""
        routed, kind = await self.routed(config, consultation)
        back_at = await self.staff_back(config, consultation, self.now())
        language = await self.language(interaction)
        await send_ephemeral(
            interaction,
            embed=render.receipt_embed(
                consultation,
                position,
                routed,
                back_at,
                created=False,
                kind=kind,
                reminder=await self.reminder_for(interaction, language),
                language=language,
            ),
            view=member_request_view(consultation),
        )
