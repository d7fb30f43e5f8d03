"""The consultation flow's answers to Discord events, start-up and timers.

A layer of ``ConsultFlow`` (see ``cogs.consult._flow_base``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import discord

from bot import limits
from bot.consultations import Consultation, Status, Urgency
from bot.guild_config import GuildConfig
from bot.ui import shorten
from cogs.consult import _dm_render as dm_render
from cogs.consult import _embeds as render
from cogs.consult._roster import pinged_staff
from cogs.consult._threads import NOT_ADDED_PROBLEMS, Threads
from cogs.consult._who import member_ref

log = logging.getLogger(__name__)


class Events(Threads):
    """Members and staff leaving or coming back, threads and cards deleted by hand, the
    start-up reconciliation and the reminders."""

    async def member_left(self, guild_id: int, user_id: int) -> None:
        self.seen_leaving(guild_id, user_id)  # their cards say they left, not their name
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
                routed, _kind = await self.routed(config, consultation)
                await self.tell_staff(guild, routed, render.member_left_message(consultation))
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
        config, _kind = await self.routed(config, consultation)  # its type's queue channel
        await self._post_in_thread(
            guild,
            consultation,
            f"{member_ref(consultation)}, the staff member who was with you {member_reason}, "
            f"so request #{consultation.number} is back in the queue in its original place. "
            "Someone else will join you here soon. If you need help right now, use `/crisis`.",
            ping=[consultation.member_id],
        )
        if consultation.by_dm:  # the member talks in their DM: told there
            await self.tell_member(guild, consultation, dm_render.back_in_queue(consultation))
        await self.refresh_card(guild, consultation)
        await self.tell_staff(
            guild,
            config,
            f"{staff_reason}, so request #{consultation.number} is back in the queue and needs "
            "someone to claim it.",
        )

    async def member_returned(self, guild_id: int, user_id: int) -> None:
        self.forget_seen(guild_id, user_id)  # looked up afresh: their name and roles
        consultation = await self.service.member_returned(guild_id, user_id, self.now())
        guild = self.bot.get_guild(guild_id)
        if consultation is not None and guild is not None:
            await self.refresh_card(guild, consultation)

    async def thread_deleted(self, guild_id: int, thread_id: int) -> None:
        closed = await self.service.thread_gone(thread_id, self.now())
        guild = self.bot.get_guild(guild_id)
        if closed is None or guild is None:
            return
        config, _kind = await self.routed(await self.configs.get(guild_id), closed)
        await self.refresh_card(guild, closed)
        await self.tell_staff(
            guild,
            config,
            f"The private thread of request #{closed.number} was deleted, so the request is "
            f"closed. {member_ref(closed)} can open a new one with `/consult`.",
        )
        if closed.by_dm:  # the member talks in their DM: told there
            line = await self.member_reminder(guild, closed.member_id)
            await self.tell_member(guild, closed, dm_render.closed_dm(closed, guild.name, line))
        await self.log_closed(guild, closed)

    # ------------------------------------------------------------------ start-up and timers

    async def reconcile(self) -> None:
        """Check open and claimed requests against Discord after a start or restart.

        A guild that is unavailable (an outage) or not in the cache is left alone. A thread
        that is gone closes its request; a claimed request without a thread gets one; a
        waiting request whose card never made it gets its card.
        """
        held = await self.services.hours.held_ids()  # released by the release loop only
        for consultation in await self.service.active():
            if consultation.id in held:
                continue
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
            routed, _kind = await self.routed(config, consultation)  # its type's channel
            result = await self.ensure_thread(guild, routed, consultation)
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
            await self.refresh_card(guild, result.consultation)
            log.info("consultation.reconcile_thread_created id=%s", consultation.id)
        elif consultation.card_message_id is None and await self.post_card(
            guild, config, consultation
        ):
            log.info("consultation.reconcile_card_posted id=%s", consultation.id)

    async def _remind(
        self,
        guild: discord.Guild,
        config: GuildConfig,
        marked: list[Consultation],
        now: dt.datetime,
    ) -> None:
        """One reminder in the queue channel of these requests' type (``config`` as it sees
        it): its on-call staff by name; its role when nobody is, or when one is urgent."""
        channel = guild.get_channel(config.queue_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            return
        listed = ", ".join(
            f"#{c.number} ({render.URGENCY_BADGES[c.urgency]}, waiting "
            f"{render.format_wait(c.waited(now))})"
            for c in marked[:15]
        )
        more = f" and {len(marked) - 15} more" if len(marked) > 15 else ""
        roster, _names = await self.on_call(guild, config)
        users = pinged_staff(roster)
        role = not users or any(c.urgency is Urgency.URGENT for c in marked)
        mentions = ([f"<@&{config.staff_role_id}>"] if role else []) + [f"<@{u}>" for u in users]
        who = " ".join(mentions)
        try:
            await channel.send(
                shorten(
                    f"{who} Still waiting for someone: {listed}{more}. "
                    "`/queue next` claims the first one.",
                    limits.MESSAGE_CONTENT,
                ),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False,
                    users=[discord.Object(u) for u in users] if users else False,
                    roles=[discord.Object(config.staff_role_id or 0)] if role else False,
                    replied_user=False,
                ),
            )
        except discord.HTTPException:
            log.warning("consultation.reminder_failed guild=%s", guild.id)

    async def send_reminders(self) -> None:
        """Re-ping staff about requests waiting too long (once per interval), one reminder per
        consultation type in its queue channel: the on-call staff by name when anyone is on
        call, and the staff role when nobody is or one of the requests is urgent."""
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
            if not isinstance(guild.get_channel(config.queue_channel_id or 0), discord.TextChannel):
                continue
            marked = await self.service.mark_reminded(due, now)
            if not marked:
                continue
            by_type: dict[int | None, list[Consultation]] = {}
            for consultation in marked:
                by_type.setdefault(consultation.type_id, []).append(consultation)
            for group in by_type.values():
                routed, _kind = await self.routed(config, group[0])
                await self._remind(guild, routed, group, now)
            log.info("consultation.reminded guild=%s count=%d", guild_id, len(marked))
