"""The consultation flow's quiet threads: the times of each request's thread, the gentle check-in,
the automatic close and the reminder to the claimer (the rules: ``bot.consultations.quiet``).

A layer of ``ConsultFlow`` (see ``cogs.consult._flow_base``), above ``Closing``: the automatic
close is saved in the domain and then goes through ``finish_close`` like every close. Run by the
quiet-threads loop (``_quiet_cog``, every minute) once the start-up check is done:

1. **Read before acting.** The first run of a process (and the first after a new gateway
   session, when Discord may not have replayed every message) reads, for each claimed request
   it did not see claimed, its thread's latest messages (none when the thread's last message is
   no newer than what is on record) and keeps the member's and staff's latest times. A request
   whose thread could not be read is left alone, and read again the next minute: quiet time
   that built up while the bot was away is never acted on before the thread was read.
2. **Then each server** with the check-in or the reminder on: the closes due, the check-ins,
   the reminders; each saved first (a conditional update that checks it is still due), then
   posted. A check-in that could not be posted is unsaved, so it is tried again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.consultations import Consultation, HoldChange, QuietService, Status
from bot.guild_config import GuildConfig
from bot.ui import crisis_embed
from cogs.consult import _quiet_render as say
from cogs.consult._closing import Closing

if TYPE_CHECKING:
    from bot.bot import SupportBot
    from bot.services import Services

log = logging.getLogger(__name__)

COUNTED = (discord.MessageType.default, discord.MessageType.reply)
"""The messages that count as someone writing (not Discord's notices: a pin, someone added)."""
HISTORY_LIMIT = 50
"""How many of a thread's latest messages the start-up check reads (one call)."""


def is_request_thread(channel: Any, bot_id: int | None) -> bool:
    """A private thread the bot made: where request threads are (cheap, no database)."""
    return (
        isinstance(channel, discord.Thread)
        and channel.type is discord.ChannelType.private_thread
        and bot_id is not None
        and channel.owner_id == bot_id
    )


def counts(message: discord.Message) -> bool:
    """Someone (not a bot, not a webhook) writing a message of their own."""
    return not message.author.bot and message.webhook_id is None and message.type in COUNTED


class QuietFlow(Closing):
    """Quiet threads (see the module docstring)."""

    def __init__(
        self, bot: SupportBot, services: Services, *, add_member_backoff: Sequence[float]
    ) -> None:
        super().__init__(bot, services, add_member_backoff=add_member_backoff)
        self._quiet_lock = asyncio.Lock()
        self._unread: dict[int, set[int]] = {}
        """Per server, the claimed requests whose thread is still to be read before acting."""
        self._read_all = True
        """The next run first marks every claimed request to be read (a start, a new session)."""

    @property
    def quiet(self) -> QuietService:
        return self.services.quiet

    def read_threads_again(self) -> None:
        """A new gateway session: messages may have been missed meanwhile."""
        self._read_all = True

    # ------------------------------------------------------------------ the thread's times

    async def thread_message(self, message: discord.Message) -> None:
        """Discord's message event: in one of my private threads, someone's message is kept as
        a time (the member's or staff's), if it is a claimed request's thread."""
        if not counts(message):
            return
        user = self.bot.user
        if not is_request_thread(message.channel, user.id if user is not None else None):
            return
        await self.quiet.record(message.channel.id, message.author.id, message.created_at)

    async def staff_replied(self, thread_id: int, staff_id: int) -> None:
        """A saved reply the bot posted for a staff member counts as their message."""
        await self.quiet.record(thread_id, staff_id, self.now())

    async def _read_thread(self, guild: discord.Guild, request: Consultation) -> bool:
        """Bring the request's times up to date from its thread's latest messages (one call,
        none when nothing newer than what is on record was written); False when the thread
        could not be read."""
        thread = await self._thread_for(guild, request)
        if thread is None:
            return False
        known = [
            moment
            for moment in (
                request.member_last_at,
                request.staff_last_at,
                request.nudged_at,
                request.claimed_at,
            )
            if moment is not None
        ]
        last = thread.last_message_id
        if last is None or (
            known and discord.utils.snowflake_time(last) < max(known) + dt.timedelta(seconds=1)
        ):
            return True
        member_at: dt.datetime | None = None
        staff_at: dt.datetime | None = None
        try:
            async for message in thread.history(limit=HISTORY_LIMIT):
                if not counts(message):
                    continue
                if message.author.id == request.member_id:
                    member_at = member_at or message.created_at
                else:
                    staff_at = staff_at or message.created_at
                if member_at is not None and staff_at is not None:
                    break
        except discord.HTTPException as error:
            log.info("quiet.thread_unread id=%s status=%s", request.id, error.status)
            return False
        await self.quiet.reconcile(request.id, member_at, staff_at)
        return True

    # ------------------------------------------------------------------ the loop

    async def check_quiet(self) -> None:
        """One run of the loop (see the module docstring)."""
        async with self._quiet_lock:
            if self._read_all:
                self._read_all = False
                self._unread = {}
                for request in await self.service.active():
                    if request.status is Status.CLAIMED and request.thread_id is not None:
                        self._unread.setdefault(request.guild_id, set()).add(request.id)
            for guild in list(self.bot.guilds):
                if guild.unavailable:
                    continue
                config = await self.configs.get(guild.id)
                if not config.consultations_ready or not (
                    config.quiet_nudge_hours or config.staff_reply_minutes
                ):
                    continue
                await self._check_guild(guild, config)

    async def _check_guild(self, guild: discord.Guild, config: GuildConfig) -> None:
        unread = self._unread.get(guild.id, set())
        for request_id in sorted(unread):
            request = await self.service.get(request_id)
            if request is None or request.status is not Status.CLAIMED:
                unread.discard(request_id)  # closed or released since: nothing to read
            elif await self._read_thread(guild, request):
                unread.discard(request_id)
        due = await self.quiet.due(guild.id, self.now(), config)
        # A DM request's conversation is in the member's DM, which these don't read (yet).
        for request in due.close:
            if request.id not in unread and not request.by_dm:
                await self._close_quiet(guild, config, request)
        for request in due.nudge:
            if request.id not in unread and not request.by_dm:
                await self._nudge(guild, config, request)
        for request in due.remind:
            if request.id not in unread:
                await self._remind_claimer(guild, config, request)

    async def _nudge(
        self, guild: discord.Guild, config: GuildConfig, request: Consultation
    ) -> None:
        marked = await self.quiet.mark_nudged(request.id, self.now(), config)
        if marked is None or marked.nudged_at is None:
            return
        thread = await self._thread_for(guild, marked)
        if thread is None or not await self._post_nudge(thread, marked, config):
            await self.quiet.unmark_nudged(marked.id, marked.nudged_at)

    async def _post_nudge(
        self, thread: discord.Thread, request: Consultation, config: GuildConfig
    ) -> bool:
        try:
            if thread.archived:
                await thread.edit(archived=False)
            await thread.send(
                say.nudge_message(request, config.quiet_close_hours),
                embed=crisis_embed(self.bot.crisis, config.crisis_region),  # the server's
                allowed_mentions=discord.AllowedMentions(users=[discord.Object(request.member_id)]),
            )
        except discord.HTTPException as error:
            log.info("quiet.nudge_failed id=%s status=%s", request.id, error.status)
            return False
        return True

    async def _close_quiet(
        self, guild: discord.Guild, config: GuildConfig, request: Consultation
    ) -> None:
        closed = await self.quiet.close_quiet(request.id, self.now(), config)
        if closed is None:
            return
        thread = await self._thread_for(guild, closed)
        if thread is not None and thread.archived:  # archived by itself: opened to say goodbye
            try:
                await thread.edit(archived=False)
            except discord.HTTPException:
                log.info("quiet.unarchive_failed id=%s", closed.id)
        await self.finish_close(guild, closed)

    async def _remind_claimer(
        self, guild: discord.Guild, config: GuildConfig, request: Consultation
    ) -> None:
        """The claimer, pinged in the request's type's queue channel (staff only)."""
        claimer = request.claimed_by
        routed, _kind = await self.routed(config, request)
        channel = guild.get_channel(routed.queue_channel_id or 0)
        if claimer is None or not isinstance(channel, discord.TextChannel):
            return
        now = self.now()
        if not await self.quiet.mark_reminded(request, now, config):
            return
        try:
            await channel.send(
                say.staff_reminder(request, claimer, now),
                allowed_mentions=discord.AllowedMentions(users=[discord.Object(claimer)]),
            )
        except discord.HTTPException as error:
            log.warning("quiet.staff_reminder_failed id=%s status=%s", request.id, error.status)

    # ------------------------------------------------------------------ /ticket hold

    async def hold(
        self, guild: discord.Guild, request: Consultation, hold: bool | None
    ) -> HoldChange:
        """Put the request on hold or take it off (None: the other way); the card and the
        thread are told when it changed."""
        change = await self.quiet.set_hold(guild.id, request.id, hold, self.now())
        if change.changed:
            await self.refresh_card(guild, change.consultation)
            notice = say.hold_notice(change.consultation)
            await self._post_in_thread(guild, change.consultation, notice)
        return change
