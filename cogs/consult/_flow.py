"""The consultation queue's Discord side effects, in one place.

Order of effects everywhere: commit the database change first, then touch Discord. When
Discord fails (a missing permission, a 5xx after discord.py's retries) the request is still
saved and visible in ``/queue`` with a note saying what went wrong, and the start-up
reconciliation (or the next claim) finishes the missing step.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot import limits
from bot.consultations import (
    Consultation,
    ConsultationService,
    Status,
    Topic,
    Urgency,
)
from bot.errors import NotConfiguredError, StaffOnlyError, UserFacingError
from bot.guild_config import GuildConfig, GuildConfigRepository
from bot.ui import QUIET, crisis_embed, embed, send_ephemeral, shorten
from cogs._components import defer
from cogs.consult import _embeds as render
from cogs.consult._views import card_view, member_request_view, pager_view

if TYPE_CHECKING:
    from bot.bot import SupportBot
    from bot.services import Services

log = logging.getLogger(__name__)

THREAD_PERMISSIONS = render.NEEDED_PERMISSIONS["thread"]
CARD_PERMISSIONS = render.NEEDED_PERMISSIONS["card"]
THREAD_ARCHIVE_MINUTES: Literal[10080] = (
    10080  # a week: a quiet conversation doesn't vanish overnight
)


def missing_permissions(channel: discord.abc.GuildChannel, codes: Sequence[str]) -> list[str]:
    granted = channel.permissions_for(channel.guild.me)
    return [code for code in codes if not getattr(granted, code)]


ADD_MEMBER_BACKOFF_SECONDS = (0.25, 0.75)
"""Waits between tries when Discord fails (5xx, 429) to add someone to a thread: three tries."""
MEMBER_NOT_ADDED = "thread:member_not_added"
CLAIMER_NOT_ADDED = "thread:claimer_not_added"
NOT_ADDED_PROBLEMS = (MEMBER_NOT_ADDED, CLAIMER_NOT_ADDED)

ADOPT_CLOCK_MARGIN = dt.timedelta(minutes=1)
"""How far Discord's clock (a thread's id) may be behind ours (the claim's time)."""


def thread_name(consultation: Consultation) -> str:
    return f"request-{consultation.number}"


def _unsaved_thread(
    channel: discord.TextChannel, consultation: Consultation
) -> discord.Thread | None:
    """A thread I made for this claim but never saved (I stopped between the two), if any.

    Only for a claim that has no thread yet, and only a private thread of mine with this
    request's name made after the claim: request numbers are unique in a server, but a reset
    database starts them again, and an older ``request-<n>`` is someone else's conversation.
    """
    if consultation.thread_id is not None or consultation.claimed_at is None:
        return None
    me = channel.guild.me.id
    since = consultation.claimed_at - ADOPT_CLOCK_MARGIN
    return next(
        (
            thread
            for thread in channel.threads
            if thread.name == thread_name(consultation)
            and thread.owner_id == me
            and thread.type is discord.ChannelType.private_thread
            and not thread.archived
            and discord.utils.snowflake_time(thread.id) >= since
        ),
        None,
    )


def is_admin(interaction: discord.Interaction[Any]) -> bool:
    permissions = interaction.permissions
    return permissions.administrator or permissions.manage_guild


def is_staff_member(member: discord.Member, config: GuildConfig) -> bool:
    if config.staff_role_id is not None and member.get_role(config.staff_role_id) is not None:
        return True
    return member.guild_permissions.administrator


class ConsultFlow:
    """What happens in Discord when a request is created, claimed, released or closed."""

    def __init__(self, bot: SupportBot, services: Services) -> None:
        self.bot = bot
        self.services = services

    @property
    def service(self) -> ConsultationService:
        # Read on use: the extension can load (e.g. to inspect commands) before storage opens.
        return self.services.consultations

    @property
    def configs(self) -> GuildConfigRepository:
        return self.services.configs

    @staticmethod
    def now() -> dt.datetime:
        return discord.utils.utcnow()

    # ------------------------------------------------------------------ erasure

    async def close_erased(
        self,
        *,
        number: int | None,
        card: tuple[int, int] | None,
        thread_id: int | None,
        notice: str,
        opening_note: str,
    ) -> None:
        """A member's data was erased while their request was open (the privacy feature).

        The queue card (``card``: channel and message id) becomes a short closed notice; the
        thread gets ``notice``, loses the member's note from my opening message (replaced by
        ``opening_note``) and is locked. Each step on its own: one refusal must not stop the
        others. What people wrote in the thread is theirs and stays (Discord keeps it).
        """
        shown = f" #{number}" if number is not None else ""
        if card is not None:
            channel = self.bot.get_channel(card[0])
            if isinstance(channel, discord.TextChannel):
                try:
                    await channel.get_partial_message(card[1]).edit(
                        content=None,
                        embed=embed(f"Request{shown} closed", notice, colour=QUIET),
                        view=None,
                    )
                except discord.HTTPException as error:
                    log.warning(
                        "privacy.card_update_failed guild=%s status=%s",
                        channel.guild.id,
                        error.status,
                    )
        thread = self.bot.get_channel(thread_id) if thread_id else None
        if not isinstance(thread, discord.Thread):
            return
        # The notice goes first, as sending also reopens a thread that archived itself.
        steps: tuple[tuple[str, Callable[[], Awaitable[object]]], ...] = (
            ("thread_notice", partial(thread.send, notice)),
            (
                "opening_note",
                partial(self._remove_opening_note, thread, number, opening_note),
            ),
            ("thread_lock", partial(thread.edit, archived=True, locked=True)),
        )
        for step, action in steps:
            try:
                await action()
            except discord.HTTPException as error:
                log.warning(
                    "privacy.%s_failed guild=%s status=%s", step, thread.guild.id, error.status
                )

    async def opening_message(
        self, thread: discord.Thread, number: int | None
    ) -> discord.Message | None:
        """My opening message in request ``number``'s thread (``render.opening_marker``)."""
        me = thread.guild.me
        marker = render.opening_marker(number)
        async for message in thread.history(limit=20, oldest_first=True):
            if (
                message.author.id == me.id
                and message.type is discord.MessageType.default
                and marker in message.content
            ):
                return message
        return None

    async def _remove_opening_note(
        self, thread: discord.Thread, number: int | None, replacement: str
    ) -> None:
        message = await self.opening_message(thread, number)
        if message is None:
            return
        await message.edit(
            content=f"Request #{number}: {replacement}"
            if number is not None
            else replacement.capitalize(),
            allowed_mentions=discord.AllowedMentions.none(),
        )

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
        """Runtime staff check (commands *and* buttons): the staff role, or Administrator."""
        # Mutation testing: ``member_facing=None`` in place of False is equivalent (falsy).
        config = await self.ready_config(interaction.guild_id, member_facing=False)
        user = interaction.user
        if not isinstance(user, discord.Member) or not (
            is_staff_member(user, config) or interaction.permissions.administrator
        ):
            log.info("consultation.staff_only user=%s guild=%s", user.id, interaction.guild_id)
            raise StaffOnlyError()
        return config, user

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
    ) -> None:
        """The member sent the form: save, answer them, then tell staff."""
        await defer(interaction)
        config = await self.ready_config(interaction.guild_id, member_facing=True)
        assert interaction.guild is not None
        now = self.now()
        result = await self.service.create(
            guild_id=interaction.guild.id,
            member_id=interaction.user.id,
            topic=topic,
            urgency=urgency,
            note=note,
            preferred_time=preferred_time,
            now=now,
            config=config,
        )
        consultation = result.consultation
        embeds = [
            render.receipt_embed(consultation, result.position, config, now, created=result.created)
        ]
        if urgency is Urgency.URGENT or consultation.urgency is Urgency.URGENT:
            embeds.append(crisis_embed(self.bot.crisis))
        view = None if result.created else member_request_view(consultation)
        try:
            await interaction.followup.send(
                embeds=embeds, view=view or discord.utils.MISSING, ephemeral=True
            )
        finally:  # staff hear of the request even when the member's receipt could not be sent
            if result.created:
                await self.post_card(interaction.guild, config, consultation)

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

    # ------------------------------------------------------------------ the card

    async def post_card(
        self, guild: discord.Guild, config: GuildConfig, consultation: Consultation
    ) -> bool:
        """Post the staff card (pinging the staff role for urgent requests only)."""
        channel = guild.get_channel(config.queue_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            await self._card_problem(guild, config, consultation, "card:no_channel")
            return False
        missing = missing_permissions(channel, CARD_PERMISSIONS)
        if missing:
            await self._card_problem(
                guild, config, consultation, "card:missing:" + ",".join(missing)
            )
            return False
        ping = consultation.urgency is Urgency.URGENT and config.staff_role_id is not None
        try:
            message = await channel.send(
                content=render.card_content(consultation, config.staff_role_id),
                embed=render.card_embed(consultation),
                view=card_view(consultation),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False,
                    users=False,
                    roles=[discord.Object(config.staff_role_id or 0)] if ping else False,
                    replied_user=False,
                ),
            )
        except discord.Forbidden:
            await self._card_problem(guild, config, consultation, "card:forbidden")
            return False
        except discord.HTTPException:
            log.warning("consultation.card_failed id=%s guild=%s", consultation.id, guild.id)
            await self.service.set_problem(consultation.id, "card:discord_error")
            return False
        await self.service.set_card(consultation.id, channel.id, message.id)
        if consultation.problem and consultation.problem.startswith("card:"):
            await self.service.set_problem(consultation.id, None)
        return True

    async def _card_problem(
        self, guild: discord.Guild, config: GuildConfig, consultation: Consultation, problem: str
    ) -> None:
        log.warning(
            "consultation.card_failed id=%s guild=%s problem=%s", consultation.id, guild.id, problem
        )
        await self.service.set_problem(consultation.id, problem)
        text = (
            f"Request #{consultation.number} is saved and waiting in `/queue list`, but "
            f"{render.describe_problem(problem)}"
        )
        await self.tell_admins(guild, config, text)

    async def refresh_card(self, guild: discord.Guild, consultation: Consultation) -> None:
        """Bring the card up to date; a card deleted by hand is noted, never fatal."""
        if consultation.card_channel_id is None or consultation.card_message_id is None:
            return
        channel = guild.get_channel(consultation.card_channel_id)
        if not isinstance(channel, discord.TextChannel):
            return
        view = card_view(consultation)
        try:
            await channel.get_partial_message(consultation.card_message_id).edit(
                embed=render.card_embed(consultation),
                view=view,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.NotFound:
            await self.card_deleted(guild, consultation.card_message_id)
        except discord.HTTPException:
            log.warning("consultation.card_update_failed id=%s", consultation.id)

    async def tell_staff(self, guild: discord.Guild, config: GuildConfig, text: str) -> None:
        """A plain notice in the staff queue channel (no pings)."""
        channel = guild.get_channel(config.queue_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            return
        try:
            await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.warning("consultation.notice_failed guild=%s", guild.id)

    async def tell_admins(self, guild: discord.Guild, config: GuildConfig, text: str) -> None:
        """A set-up problem: the log channel if there is one, else the queue channel."""
        channel = guild.get_channel(config.log_channel_id or 0)
        if isinstance(channel, discord.TextChannel):
            try:
                await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
                return
            except discord.HTTPException:
                log.warning("consultation.log_notice_failed guild=%s", guild.id)
        await self.tell_staff(guild, config, text)

    async def log_closed(self, guild: discord.Guild, consultation: Consultation) -> None:
        """One line in the log channel (when one is set) about a request that ended."""
        config = await self.configs.get(guild.id)
        channel = guild.get_channel(config.log_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            return
        try:
            await channel.send(
                render.closed_log_line(consultation),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            log.warning("consultation.close_log_failed id=%s guild=%s", consultation.id, guild.id)

    # ------------------------------------------------------------------ the thread

    async def ensure_thread(
        self, guild: discord.Guild, config: GuildConfig, consultation: Consultation
    ) -> discord.Thread | str:
        """The request's private thread with the member and claimer in it, or a problem code."""
        assert consultation.claimed_by is not None
        if consultation.thread_id is not None:
            thread = await self._existing_thread(guild, consultation.thread_id)
            if thread is not None:
                try:
                    await thread.edit(archived=False, locked=False)
                    await self._add_people(thread, consultation)
                    await thread.send(
                        render.rejoined_message(consultation),
                        allowed_mentions=discord.AllowedMentions(
                            users=[discord.Object(consultation.claimed_by)]
                        ),
                    )
                    return thread
                except discord.HTTPException:
                    log.warning("consultation.thread_reuse_failed id=%s", consultation.id)
            await self.service.forget_thread(consultation.id, consultation.thread_id)
        channel = guild.get_channel(config.consult_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            return "thread:no_channel"
        missing = missing_permissions(channel, THREAD_PERMISSIONS)
        if missing:
            return "thread:missing:" + ",".join(missing)
        thread = _unsaved_thread(channel, consultation)
        if thread is not None:
            log.info("consultation.thread_adopted id=%s thread=%s", consultation.id, thread.id)
        else:
            try:
                thread = await channel.create_thread(
                    name=thread_name(consultation),
                    type=discord.ChannelType.private_thread,
                    invitable=False,
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                    reason=f"Consultation request {consultation.number}",
                )
            except discord.Forbidden:
                missing = missing_permissions(channel, THREAD_PERMISSIONS)
                return "thread:missing:" + ",".join(missing) if missing else "thread:forbidden"
            except discord.HTTPException:
                log.warning("consultation.thread_failed id=%s guild=%s", consultation.id, guild.id)
                return "thread:discord_error"
        if not await self.service.attach_thread(
            consultation.id, consultation.claimed_by, thread.id
        ):
            log.info("consultation.thread_orphaned id=%s thread=%s", consultation.id, thread.id)
        fresh = await self.service.get(consultation.id) or consultation
        await self._add_people(thread, consultation)
        try:
            await thread.send(
                render.opening_message(fresh),
                allowed_mentions=discord.AllowedMentions(
                    users=[
                        discord.Object(consultation.member_id),
                        discord.Object(consultation.claimed_by),
                    ]
                ),
            )
        except discord.HTTPException:
            log.warning("consultation.thread_setup_incomplete id=%s", consultation.id)
        return thread

    async def _add_to_thread(
        self, thread: discord.Thread, user_id: int, consultation: Consultation
    ) -> bool:
        """Add someone to the thread, trying again (briefly) while Discord fails; False if
        they could not be added. A refusal (403, 404) is not retried: it would not change."""
        for attempt in range(len(ADD_MEMBER_BACKOFF_SECONDS) + 1):
            try:
                await thread.add_user(discord.Object(user_id))
                return True
            except discord.HTTPException as error:
                log.warning(
                    "consultation.thread_add_failed id=%s user=%s status=%s attempt=%d",
                    consultation.id,
                    user_id,
                    error.status,
                    attempt + 1,
                )
                if attempt == len(ADD_MEMBER_BACKOFF_SECONDS) or not (
                    error.status >= 500 or error.status == 429
                ):
                    return False
                await asyncio.sleep(ADD_MEMBER_BACKOFF_SECONDS[attempt])
        return False  # pragma: no cover - the loop always returns

    async def _add_people(self, thread: discord.Thread, consultation: Consultation) -> bool:
        """Add the member and the claimer; a failure is saved as the request's problem (shown
        to the claimer and on the card) and repaired at start-up. True when both are in."""
        assert consultation.claimed_by is not None
        problem = None
        if not await self._add_to_thread(thread, consultation.member_id, consultation):
            problem = MEMBER_NOT_ADDED
        if not await self._add_to_thread(thread, consultation.claimed_by, consultation):
            problem = problem or CLAIMER_NOT_ADDED
        if problem is not None:
            await self.service.set_problem(consultation.id, problem)
        return problem is None

    async def _repair_people(self, thread: discord.Thread, consultation: Consultation) -> None:
        """Start-up: add whoever could not be added when the request was claimed."""
        if not await self._add_people(thread, consultation):
            log.warning("consultation.reconcile_people_still_missing id=%s", consultation.id)
            return
        await self.service.set_problem(consultation.id, None)
        fresh = await self.service.get(consultation.id) or consultation
        try:
            await thread.send(
                render.people_added_message(fresh),
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(consultation.member_id)]
                ),
            )
        except discord.HTTPException:
            log.warning("consultation.thread_notice_failed id=%s", consultation.id)
        await self.refresh_card(thread.guild, fresh)
        log.info("consultation.reconcile_people_added id=%s", consultation.id)

    async def _existing_thread(self, guild: discord.Guild, thread_id: int) -> discord.Thread | None:
        thread = guild.get_thread(thread_id)
        if thread is not None:
            return thread
        try:
            channel = await guild.fetch_channel(thread_id)
        except discord.HTTPException:
            return None
        return channel if isinstance(channel, discord.Thread) else None

    async def _thread_for(
        self, guild: discord.Guild, consultation: Consultation
    ) -> discord.Thread | None:
        if consultation.thread_id is None:
            return None
        return await self._existing_thread(guild, consultation.thread_id)

    async def _post_in_thread(
        self,
        guild: discord.Guild,
        consultation: Consultation,
        text: str,
        *,
        ping: Sequence[int] = (),
    ) -> None:
        thread = await self._thread_for(guild, consultation)
        if thread is None:
            return
        try:
            if thread.archived:
                await thread.edit(archived=False)
            await thread.send(
                text,
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(user_id) for user_id in ping] or False
                ),
            )
        except discord.HTTPException:
            log.warning("consultation.thread_notice_failed id=%s", consultation.id)

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
        consultation = await self.service.claim(
            guild.id, request_id, interaction.user.id, self.now()
        )
        result = await self.ensure_thread(guild, config, consultation)
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
        claimed = await self.service.get(consultation.id) or consultation
        await self.refresh_card(guild, claimed)
        return claimed

    async def release(self, interaction: discord.Interaction[Any], request_id: int) -> Consultation:
        guild = interaction.guild
        assert guild is not None
        current = await self.service.get_in_guild(guild.id, request_id)
        override = is_admin(interaction) or (
            current.claimed_by not in (None, interaction.user.id)
            and await self.claimer_unavailable(guild, current)
        )
        released = await self.service.release(
            guild.id, request_id, interaction.user.id, self.now(), override=override
        )
        await self._post_in_thread(
            guild,
            released,
            f"<@{released.member_id}>, request #{released.number} is back in the queue, in its "
            "original place. Another staff member will join you here soon. If you need help "
            "right now, use `/crisis`.",
            ping=[released.member_id],
        )
        await self.refresh_card(guild, released)
        return released

    async def close(
        self, interaction: discord.Interaction[Any], request_id: int, reason: str
    ) -> Consultation:
        guild = interaction.guild
        assert guild is not None
        closed = await self.service.close(
            guild.id, request_id, interaction.user.id, reason, self.now()
        )
        thread = await self._thread_for(guild, closed)
        if thread is not None:
            try:
                await thread.send(
                    render.closing_message(closed),
                    allowed_mentions=discord.AllowedMentions(
                        users=[discord.Object(closed.member_id)]
                    ),
                )
                await thread.edit(archived=True, locked=True)
            except discord.HTTPException:
                log.warning("consultation.thread_close_failed id=%s", closed.id)
        await self.refresh_card(guild, closed)
        await self.log_closed(guild, closed)
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
        if to.bot or not is_staff_member(to, config):
            raise UserFacingError(f"{to.mention} isn't on the staff team, so they can't take it.")
        override = is_admin(interaction) or (
            current.claimed_by not in (None, interaction.user.id)
            and await self.claimer_unavailable(guild, current)
        )
        moved = await self.service.transfer(
            guild.id, current.id, interaction.user.id, to.id, self.now(), override=override
        )
        thread = await self._thread_for(guild, moved)
        if thread is not None and not await self._add_to_thread(thread, to.id, moved):
            log.warning("consultation.transfer_add_failed id=%s", moved.id)
        await self._post_in_thread(
            guild,
            moved,
            f"<@{moved.member_id}>, <@{to.id}> from the staff team is taking over request "
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

    # ------------------------------------------------------------------ events

    async def member_left(self, guild_id: int, user_id: int) -> None:
        outcome = await self.service.member_left(guild_id, user_id, self.now())
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return
        config = await self.configs.get(guild_id)
        for consultation in outcome.marked:
            await self._post_in_thread(
                guild, consultation, render.member_left_message(consultation)
            )
            await self.refresh_card(guild, consultation)
            if consultation.status is Status.OPEN:
                await self.tell_staff(guild, config, render.member_left_message(consultation))
        for consultation in outcome.released:
            await self._announce_released(
                guild,
                config,
                consultation,
                member_reason="has left the server",
                staff_reason=f"<@{user_id}> left the server",
            )

    async def release_claims_of(self, staff_id: int, guild_id: int | None) -> None:
        """Before a staff member's data is erased: every request they hold goes back to the
        queue, and its member and the staff are told (as when staff leave the server)."""
        released = await self.service.release_claims_of(staff_id, guild_id, self.now())
        for consultation in released:
            guild = self.bot.get_guild(consultation.guild_id)
            if guild is None:
                continue
            config = await self.configs.get(consultation.guild_id)
            await self._announce_released(
                guild,
                config,
                consultation,
                member_reason="is no longer available",
                staff_reason="The staff member who held it asked for their data to be erased",
            )

    async def _announce_released(
        self,
        guild: discord.Guild,
        config: GuildConfig,
        consultation: Consultation,
        *,
        member_reason: str,
        staff_reason: str,
    ) -> None:
        await self._post_in_thread(
            guild,
            consultation,
            f"<@{consultation.member_id}>, the staff member who was with you {member_reason}, "
            f"so request #{consultation.number} is back in the queue in its original place. "
            "Someone else will join you here soon. If you need help right now, use `/crisis`.",
            ping=[consultation.member_id],
        )
        await self.refresh_card(guild, consultation)
        await self.tell_staff(
            guild,
            config,
            f"{staff_reason}, so request #{consultation.number} is back in the queue and needs "
            "someone to claim it.",
        )

    async def member_returned(self, guild_id: int, user_id: int) -> None:
        consultation = await self.service.member_returned(guild_id, user_id, self.now())
        guild = self.bot.get_guild(guild_id)
        if consultation is not None and guild is not None:
            await self.refresh_card(guild, consultation)

    async def thread_deleted(self, guild_id: int, thread_id: int) -> None:
        closed = await self.service.thread_gone(thread_id, self.now())
        guild = self.bot.get_guild(guild_id)
        if closed is None or guild is None:
            return
        config = await self.configs.get(guild_id)
        await self.refresh_card(guild, closed)
        await self.tell_staff(
            guild,
            config,
            f"The private thread of request #{closed.number} was deleted, so the request is "
            f"closed. <@{closed.member_id}> can open a new one with `/consult`.",
        )
        await self.log_closed(guild, closed)

    async def card_deleted(self, guild: discord.Guild, message_id: int) -> None:
        consultation = await self.service.card_gone(message_id, self.now())
        if consultation is None:
            return
        config = await self.configs.get(guild.id)
        if consultation.status is Status.CLOSED:
            told = await self.tell_member(guild, consultation, render.card_deleted_dm(guild.name))
            await self.tell_staff(
                guild,
                config,
                f"The queue card of request #{consultation.number} was deleted, so the request "
                f"is closed. <@{consultation.member_id}> can open a new one with `/consult`"
                + (" (I told them by DM)." if told else " (I couldn't DM them)."),
            )
            await self.log_closed(guild, consultation)

    async def tell_member(
        self, guild: discord.Guild, consultation: Consultation, text: str
    ) -> bool:
        """A best-effort DM to the member about their request; False if it can't be sent."""
        try:
            channel = await self.bot.create_dm(discord.Object(consultation.member_id))
            await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as error:
            log.info(
                "consultation.member_dm_failed id=%s guild=%s status=%s code=%s",
                consultation.id,
                guild.id,
                error.status,
                error.code,
            )
            return False
        return True

    # ------------------------------------------------------------------ start-up and timers

    async def reconcile(self) -> None:
        """Check open and claimed requests against Discord after a start or restart.

        A guild that is unavailable (an outage) or not in the cache is left alone. A thread
        that is gone closes its request; a claimed request without a thread gets one; a
        waiting request whose card never made it gets its card.
        """
        for consultation in await self.service.active():
            guild = self.bot.get_guild(consultation.guild_id)
            if guild is None or guild.unavailable:
                log.info("consultation.reconcile_skipped guild=%s", consultation.guild_id)
                continue
            try:
                await self._reconcile_one(guild, consultation)
            except Exception:
                log.exception("consultation.reconcile_failed id=%s", consultation.id)

    async def _reconcile_one(self, guild: discord.Guild, consultation: Consultation) -> None:
        config = await self.configs.get(guild.id)
        if not config.consultations_ready:
            return
        if consultation.status is Status.CLAIMED:
            if consultation.thread_id is not None:
                thread: Any = guild.get_thread(consultation.thread_id)
                if thread is None:
                    try:
                        thread = await guild.fetch_channel(consultation.thread_id)
                    except discord.NotFound:
                        await self.thread_deleted(guild.id, consultation.thread_id)
                        return
                    except discord.HTTPException:
                        log.info("consultation.reconcile_thread_unknown id=%s", consultation.id)
                        return
                if isinstance(thread, discord.Thread) and consultation.problem in (
                    NOT_ADDED_PROBLEMS
                ):
                    await self._repair_people(thread, consultation)
                return
            result = await self.ensure_thread(guild, config, consultation)
            if isinstance(result, str):
                undone = await self.service.undo_claim(
                    consultation.id, consultation.claimed_by or 0, result, self.now()
                )
                await self.refresh_card(guild, undone or consultation)
                await self.tell_admins(
                    guild,
                    config,
                    f"Request #{consultation.number}: {render.describe_problem(result)}",
                )
                return
            fresh = await self.service.get(consultation.id) or consultation
            await self.refresh_card(guild, fresh)
            log.info("consultation.reconcile_thread_created id=%s", consultation.id)
        elif consultation.card_message_id is None and await self.post_card(
            guild, config, consultation
        ):
            log.info("consultation.reconcile_card_posted id=%s", consultation.id)

    async def send_reminders(self) -> None:
        """Re-ping the staff role about requests waiting too long (once per interval)."""
        now = self.now()
        for guild_id in await self.service.guilds_with_waiting():
            guild = self.bot.get_guild(guild_id)
            if guild is None or guild.unavailable:
                continue
            config = await self.configs.get(guild_id)
            if not config.consultations_ready:
                continue
            due = await self.service.due_reminders(guild_id, now, config)
            if not due:
                continue
            channel = guild.get_channel(config.queue_channel_id or 0)
            if not isinstance(channel, discord.TextChannel):
                continue
            marked = await self.service.mark_reminded(due, now)
            if not marked:
                continue
            listed = ", ".join(
                f"#{c.number} ({render.URGENCY_BADGES[c.urgency]}, waiting "
                f"{render.format_wait(c.waited(now))})"
                for c in marked[:15]
            )
            more = f" and {len(marked) - 15} more" if len(marked) > 15 else ""
            try:
                await channel.send(
                    shorten(
                        f"<@&{config.staff_role_id}> Still waiting for someone: {listed}{more}. "
                        "`/queue next` claims the first one.",
                        limits.MESSAGE_CONTENT,
                    ),
                    allowed_mentions=discord.AllowedMentions(
                        everyone=False,
                        users=False,
                        roles=[discord.Object(config.staff_role_id or 0)],
                        replied_user=False,
                    ),
                )
            except discord.HTTPException:
                log.warning("consultation.reminder_failed guild=%s", guild_id)
            log.info("consultation.reminded guild=%s count=%d", guild_id, len(marked))

    # ------------------------------------------------------------------ replies

    async def queue_page(
        self, guild_id: int, page: int
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        """One page of ``/queue list`` (re-read on every click), clamped to the pages there are."""
        waiting, claimed = await self.service.counts(guild_id)
        pages = max(1, -(-waiting // render.PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        items = await self.service.waiting(
            guild_id, limit=render.PAGE_SIZE, offset=page * render.PAGE_SIZE
        )
        embed = render.queue_embed(
            items, page=page, pages=pages, waiting=waiting, claimed=claimed, now=self.now()
        )
        return embed, pager_view(page, pages)

    async def show_existing(
        self,
        interaction: discord.Interaction[Any],
        consultation: Consultation,
        config: GuildConfig,
    ) -> None:
        position = await self.service.position(consultation)
        await send_ephemeral(
            interaction,
            embed=render.receipt_embed(consultation, position, config, self.now(), created=False),
            view=member_request_view(consultation),
        )
