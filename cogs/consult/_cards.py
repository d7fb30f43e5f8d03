"""The consultation flow's staff side in channels: the queue card and notices to staff.

A layer of ``ConsultFlow`` (see ``cogs.consult._flow_base``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot.consultations import Answer, Consultation, ConsultType, OnCall, Status
from bot.crisis import reminder
from bot.guild_config import GuildConfig
from bot.ui import add_field
from cogs._names import Names
from cogs.consult import _embeds as render
from cogs.consult import _quiet_render as quiet_render
from cogs.consult._answers import add_answer_fields
from cogs.consult._block_render import card_flag
from cogs.consult._flow_base import CARD_PERMISSIONS, FlowBase, missing_permissions
from cogs.consult._roster import add_roster, card_pings
from cogs.consult._views import card_view
from cogs.consult._who import member_ref, people_of

log = logging.getLogger(__name__)


def card_people(consultation: Consultation) -> tuple[int | None, ...]:
    """Whom a staff card names: its member, whoever claimed it and whoever closed it."""
    return (*people_of(consultation), consultation.claimed_by, consultation.closed_by)


class Cards(FlowBase):
    """The staff card of a request, and plain notices to staff, admins and the member."""

    async def post_card(
        self,
        guild: discord.Guild,
        config: GuildConfig,
        consultation: Consultation,
        *,
        route_role_id: int | None = None,
    ) -> bool:
        """Post the staff card in its type's queue channel, pinging whoever of its staff is on
        call, and its staff role (and fallback role) for an urgent request (``_roster``);
        ``route_role_id``: out of hours in route mode, the on-call role it pings as well."""
        config, kind = await self.routed(config, consultation)
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
        roster, names = await self.on_call(guild, config, also=card_people(consultation))
        fallback = kind.urgent_fallback_role_id if kind is not None else None
        content, pings = card_pings(consultation, config, roster, fallback, route_role_id)
        try:
            message = await channel.send(
                content=content,
                embed=self.card(
                    config,
                    consultation,
                    roster,
                    names,
                    await self._flag(consultation),
                    kind,
                    await self.answers_of(consultation),
                ),
                view=card_view(consultation),
                allowed_mentions=pings,
            )
        except discord.Forbidden:
            await self._card_problem(guild, config, consultation, "card:forbidden")
            return False
        except discord.HTTPException:
            log.warning("consultation.card_failed id=%s guild=%s", consultation.id, guild.id)
            await self.service.set_problem(consultation.id, "card:discord_error")
            return False
        saved = await self.service.set_card(consultation.id, channel.id, message.id)
        if consultation.problem and consultation.problem.startswith("card:"):
            await self.service.set_problem(consultation.id, None)
        if (saved.status, saved.claimed_by) != (
            consultation.status,
            consultation.claimed_by,
        ):
            # Claimed (or closed) while the card was on its way, before anyone could find the
            # card to update it: bring it up to date now, or it would keep offering Claim.
            await self.refresh_card(guild, saved)
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
        config, kind = await self.routed(await self.configs.get(guild.id), consultation)
        people = card_people(consultation)
        roster, names = (
            await self.on_call(guild, config, also=people)
            if consultation.status is Status.OPEN
            else (None, await self.names(guild, people))
        )
        flag = await self._flag(consultation)
        answers = await self.answers_of(consultation)
        try:
            await channel.get_partial_message(consultation.card_message_id).edit(
                embed=self.card(config, consultation, roster, names, flag, kind, answers),
                view=view,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.NotFound:
            await self.card_deleted(guild, consultation.card_message_id)
        except discord.HTTPException:
            log.warning("consultation.card_update_failed id=%s", consultation.id)

    async def _flag(self, consultation: Consultation) -> tuple[str, str] | None:
        """The card's "routine requests paused" field while its member is blocked (an urgent
        request from them still comes; staff should know)."""
        if not consultation.active:
            return None
        try:
            block = await self.blocks.active_for(
                consultation.guild_id, consultation.member_id, self.now()
            )
        except Exception as error:  # best effort: the card itself must still reach staff
            log.warning(
                "consult_block.flag_failed id=%s error=%s", consultation.id, type(error).__name__
            )
            return None
        return None if block is None else card_flag(block)

    async def answers_of(self, consultation: Consultation) -> tuple[Answer, ...]:
        """An active request's answers to its type's own questions (none for a type that asks
        today's note and time: those are the request's own fields). Best effort: the card
        itself must still reach staff."""
        if consultation.type_id is None or not consultation.active:
            return ()
        try:
            form = await self.intake.form(consultation.guild_id, consultation.type_id)
            return await self.intake.answers(consultation.id) if form.own else ()
        except Exception as error:
            log.warning(
                "consultation.answers_failed id=%s error=%s", consultation.id, type(error).__name__
            )
            return ()

    @staticmethod
    def card(
        config: GuildConfig,
        consultation: Consultation,
        roster: OnCall | None,
        names: Names | None,
        flag: tuple[str, str] | None = None,
        kind: ConsultType | None = None,
        answers: Sequence[Answer] = (),
    ) -> discord.Embed:
        """The card's embed; a waiting request's shows who is on call (as of this update), and
        ``flag`` is the blocklist's field while the member's routine requests are paused;
        ``answers`` (an active request's) come last, within the embed's limits; ``names``
        (``card_people``'s and the roster's) are shown beside their mentions."""
        card = render.card_embed(consultation, flag, kind, names)
        if consultation.on_hold and consultation.active:
            add_field(card, quiet_render.HOLD_FIELD, quiet_render.HOLD_VALUE)
        if roster is not None and names is not None and consultation.status is Status.OPEN:
            card = add_roster(card, roster, names, config.claim_cap)
        return add_answer_fields(card, answers) if consultation.active else card

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

    async def log_line(self, guild: discord.Guild, text: str, *, event: str) -> None:
        """One line in the log channel, when one is set (a staff action such as a block)."""
        config = await self.configs.get(guild.id)
        channel = guild.get_channel(config.log_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            return
        try:
            await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException:
            log.warning("%s.log_failed guild=%s", event, guild.id)

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

    async def card_deleted(self, guild: discord.Guild, message_id: int) -> None:
        consultation = await self.service.card_gone(message_id, self.now())
        if consultation is None:
            return
        config, _kind = await self.routed(await self.configs.get(guild.id), consultation)
        if consultation.status is Status.CLOSED:
            code = await self.bot.crisis_region(consultation.member_id, guild.id, private=True)
            line = reminder(self.bot.crisis, code)  # a DM: the member's own region
            told = await self.tell_member(
                guild, consultation, render.card_deleted_dm(guild.name, line)
            )
            await self.tell_staff(
                guild,
                config,
                f"The queue card of request #{consultation.number} was deleted, so the request "
                f"is closed. {member_ref(consultation)} can open a new one with `/consult`"
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
