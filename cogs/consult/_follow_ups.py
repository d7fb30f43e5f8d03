"""The consultation flow's follow-ups: a check-in a consultant booked comes round.

A layer of ``ConsultFlow`` (see ``cogs.consult._flow_base``), above the opening hours and
below the checks and actions (``_flow``). The rules are in ``bot.consultations.follow_ups``;
the commands and the cancel button are in ``_follow_up_cog``. Run by the follow-up loop once the
start-up check is done (``reconciled``), so the two never make a thread for the same request:

1. the request's side is one transaction (``FollowUpService.fire``): the follow-up is picked
   once, and the request it goes to is found or opened, claimed by the consultant when they are
   still staff for its type;
2. then Discord: the thread (the old one unarchived, or a new one), the member told there with
   every crisis line (or by DM when the request waits in the queue), the consultant pinged in the
   type's queue channel with their note; a request that waits gets its card as usual;
3. ``finish`` marks it done. One fired but never finished (the bot stopped between 1 and 3) is
   delivered by the next process's first run: at most that once more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.consultations import (
    Consultation,
    Fired,
    FollowUp,
    FollowUpOutcome,
    FollowUpService,
    Status,
)
from bot.crisis import reminder
from bot.guild_config import GuildConfig
from bot.timezones import DEFAULT
from bot.ui import crisis_embed
from cogs._names import Names
from cogs.consult import _embeds as render
from cogs.consult import _follow_up_render as say
from cogs.consult._hours import OpeningHours
from cogs.consult._threads import pinged

if TYPE_CHECKING:
    from bot.bot import SupportBot
    from bot.services import Services

log = logging.getLogger(__name__)


class FollowUpFlow(OpeningHours):
    """Follow-ups coming round (see the module docstring)."""

    def __init__(
        self, bot: SupportBot, services: Services, *, add_member_backoff: Sequence[float]
    ) -> None:
        super().__init__(bot, services, add_member_backoff=add_member_backoff)
        self.reconciled = asyncio.Event()
        """Set once the start-up check has run (successfully or not)."""
        self._firing = asyncio.Lock()
        self._fired_here: set[int] = set()
        """Follow-ups this process fired: the others in ``fired`` state were interrupted."""

    @property
    def follow_ups(self) -> FollowUpService:
        return self.services.follow_ups

    async def reconcile(self) -> None:
        try:
            await super().reconcile()
        finally:
            self.reconciled.set()

    async def zone_for(self, guild_id: int, user_id: int, config: GuildConfig) -> tuple[str, bool]:
        """The time zone someone keeps in this server (their milestone's), else the server's;
        and whether it is their own."""
        milestone = await self.services.milestones.get(guild_id, user_id)
        if milestone is not None:
            return milestone.timezone, True
        return config.timezone or DEFAULT, False

    async def thread_of(self, guild: discord.Guild, thread_id: int) -> discord.Thread | None:
        """A request's thread, if it still exists."""
        return await self._existing_thread(guild, thread_id)

    # ------------------------------------------------------------------ the loop

    async def fire_follow_ups(self) -> None:
        """Deliver what an earlier process fired but never finished, then fire what is due."""
        async with self._firing:
            guilds = {g.id: g for g in self.bot.guilds if not g.unavailable}
            for fired in await self.follow_ups.interrupted(guilds):
                if fired.follow_up.id in self._fired_here:
                    continue
                self._fired_here.add(fired.follow_up.id)
                log.info("follow_up.resumed id=%s", fired.follow_up.id)
                try:
                    await self._deliver_once(guilds[fired.follow_up.guild_id], fired)
                except (discord.HTTPException, discord.ClientException):
                    log.exception("follow_up.deliver_failed id=%s", fired.follow_up.id)
            for due in await self.follow_ups.due(self.now(), guilds):
                try:
                    await self._fire(guilds[due.guild_id], due)
                except (discord.HTTPException, discord.ClientException):
                    log.exception("follow_up.fire_failed id=%s", due.id)

    async def _fire(self, guild: discord.Guild, due: FollowUp) -> None:
        config = await self.configs.get(guild.id)
        if not config.consultations_ready:
            return  # it comes round once the server is set up again
        present = await self._is_here(guild, due.member_id)
        if present is None:
            return  # Discord didn't say: the next run asks again
        claimer = None
        if present and due.staff_id:
            still_staff = await self._still_staff(guild, config, due)
            if still_staff is None:
                return
            claimer = due.staff_id if still_staff else None
        thread_id = None
        if present and due.thread_id is not None:
            thread = await self._existing_thread(guild, due.thread_id)
            thread_id = thread.id if thread is not None else None
        fired = await self.follow_ups.fire(
            due.id, self.now(), member_present=present, claimer_id=claimer, thread_id=thread_id
        )
        if fired is None:
            return  # cancelled meanwhile, or fired by someone else
        self._fired_here.add(due.id)
        await self._deliver_once(guild, fired)

    async def _is_here(self, guild: discord.Guild, user_id: int) -> bool | None:
        """Whether someone is in the server (None: Discord didn't answer)."""
        if guild.get_member(user_id) is not None:
            return True
        try:
            await guild.fetch_member(user_id)
        except discord.NotFound:
            return False
        except discord.HTTPException:
            return None
        return True

    async def _still_staff(
        self, guild: discord.Guild, config: GuildConfig, follow_up: FollowUp
    ) -> bool | None:
        """Whether the consultant is still staff for the request's type (None: unknown)."""
        try:
            member = guild.get_member(follow_up.staff_id) or await guild.fetch_member(
                follow_up.staff_id
            )
        except discord.NotFound:
            return False
        except discord.HTTPException:
            return None
        covers = await self.covered(member, config, admin=False)
        return covers.covers(follow_up.type_id)

    async def _deliver_once(self, guild: discord.Guild, fired: Fired) -> None:
        try:
            await self._deliver(guild, fired)
        finally:
            await self.follow_ups.finish(fired.follow_up.id, self.now())

    # ------------------------------------------------------------------ Discord's side

    async def _deliver(self, guild: discord.Guild, fired: Fired) -> None:
        follow_up, request = fired.follow_up, fired.request
        config = await self.configs.get(guild.id)
        if request is None:  # the member left (or their request was erased since)
            await self._notice(guild, config, say.member_left_notice(follow_up), follow_up)
            return
        routed, _kind = await self.routed(config, request)
        if (
            follow_up.outcome is FollowUpOutcome.CLAIMED
            and request.status is Status.CLAIMED
            and request.claimed_by == follow_up.staff_id
        ):
            await self._reopen_with_consultant(guild, config, routed, follow_up, request)
        elif request.status is Status.CLAIMED:  # the member's own request, with someone
            thread = await self._thread_for(guild, request)
            told = thread is not None and await self._tell_in_thread(
                thread, follow_up, request, reopened=False
            )
            if not told:
                await self._tell_by_dm(guild, follow_up, request)
            shown = thread.id if told and thread is not None else None
            names = await self._people_of(guild, follow_up, request)
            notice = say.active_notice(follow_up, request, thread_id=shown, names=names)
            await self._notice(guild, routed, notice, follow_up)
        elif request.status is Status.OPEN:
            await self._waiting(guild, config, routed, follow_up, request)
        else:  # closed in between (a delivery resumed after a restart)
            names = await self._people_of(guild, follow_up, request)
            notice = say.ended_notice(follow_up, request, names)
            await self._notice(guild, routed, notice, follow_up)

    async def _reopen_with_consultant(
        self,
        guild: discord.Guild,
        config: GuildConfig,
        routed: GuildConfig,
        follow_up: FollowUp,
        request: Consultation,
    ) -> None:
        opened = await self.ensure_thread(guild, routed, request)
        if isinstance(opened, str):  # no thread: back to the queue, as a failed claim is
            undone = await self.service.undo_claim(
                request.id, follow_up.staff_id, opened, self.now()
            )
            await self.tell_admins(
                guild, config, f"Request #{request.number}: {render.describe_problem(opened)}"
            )
            problem = render.describe_problem(opened) or opened
            why = say.no_thread(problem)
            await self._waiting(guild, config, routed, follow_up, undone or request, why=why)
            return
        await self._tell_in_thread(opened.thread, follow_up, opened.consultation, reopened=True)
        names = await self._people_of(guild, follow_up, opened.consultation)
        await self._notice(
            guild,
            routed,
            say.claimed_notice(follow_up, opened.consultation, opened.thread.id, names),
            follow_up,
        )

    async def _waiting(
        self,
        guild: discord.Guild,
        config: GuildConfig,
        routed: GuildConfig,
        follow_up: FollowUp,
        request: Consultation,
        *,
        why: str | None = None,
    ) -> None:
        """The follow-up's request waits in the queue: its card (a new one), the member told by
        DM, and a line for staff saying why (``why``; by default the consultant is gone)."""
        if request.card_message_id is None:
            await self.post_card(guild, config, request)
        await self._tell_by_dm(guild, follow_up, request)
        names = await self._people_of(guild, follow_up, request)
        if follow_up.outcome is FollowUpOutcome.ACTIVE:
            text = say.active_notice(follow_up, request, thread_id=None, names=names)
        elif follow_up.outcome is FollowUpOutcome.QUEUE:
            text = say.queue_notice(follow_up, request, say.consultant_gone(follow_up), names)
        else:  # their thread could not be made, or someone put it back in the queue since
            text = say.queue_notice(follow_up, request, why or say.RELEASED, names)
        pinged = follow_up if follow_up.outcome is not FollowUpOutcome.QUEUE else None
        await self._notice(guild, routed, text, pinged)

    async def _people_of(
        self, guild: discord.Guild, follow_up: FollowUp, request: Consultation
    ) -> Names:
        """The display names a staff notice about a follow-up shows (looked up now)."""
        return await self.names(
            guild, (follow_up.member_id, follow_up.staff_id, request.claimed_by)
        )

    async def _tell_in_thread(
        self, thread: discord.Thread, follow_up: FollowUp, request: Consultation, *, reopened: bool
    ) -> bool:
        # A private thread: the server's region, never the member's own.
        code = await self.bot.crisis_region(follow_up.member_id, thread.guild.id, private=False)
        try:
            if thread.archived:
                await thread.edit(archived=False)
            await thread.send(
                say.checking_in_message(
                    follow_up, request, reopened=reopened, reminder=reminder(self.bot.crisis, code)
                ),
                embed=crisis_embed(self.bot.crisis, code),
                allowed_mentions=discord.AllowedMentions(  # never a DM request's member
                    users=[discord.Object(user) for user in pinged(request)]
                ),
            )
        except discord.HTTPException:
            log.warning("follow_up.thread_notice_failed id=%s", follow_up.id)
            return False
        return True

    async def _tell_by_dm(
        self, guild: discord.Guild, follow_up: FollowUp, request: Consultation
    ) -> bool:
        try:
            channel = await self.bot.create_dm(discord.Object(follow_up.member_id))
            await channel.send(
                say.checking_in_dm(follow_up, request, guild.name),
                embed=crisis_embed(  # a DM: the member's own region
                    self.bot.crisis,
                    await self.bot.crisis_region(follow_up.member_id, guild.id, private=True),
                ),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as error:
            log.info("follow_up.member_dm_failed id=%s status=%s", follow_up.id, error.status)
            return False
        return True

    async def _notice(
        self,
        guild: discord.Guild,
        config: GuildConfig,
        text: str,
        ping: FollowUp | None,
    ) -> None:
        """A line in the type's queue channel, pinging the consultant who booked ``ping``."""
        channel = guild.get_channel(config.queue_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            return
        users = [discord.Object(ping.staff_id)] if ping is not None and ping.staff_id else []
        try:
            await channel.send(text, allowed_mentions=discord.AllowedMentions(users=users or False))
        except discord.HTTPException:
            log.warning("follow_up.notice_failed guild=%s", guild.id)
