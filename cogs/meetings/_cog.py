"""Group meetings from the server's scheduled events: /meetings, reminders, /meeting format."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.bot import SupportBot
from bot.errors import UserFacingError
from bot.meetings import (
    Meeting,
    MeetingFormat,
    due_reminders,
    next_reminder_at,
    reminder_nonce,
    upcoming,
)
from bot.services import Services
from bot.ui import add_field, embed, escape, send_ephemeral
from cogs._components import defer

log = logging.getLogger(__name__)

SHOWN = 10
MIN_SLEEP = 30.0
MAX_SLEEP = 3600.0
"""The reminder task sleeps until the next reminder is due, between these many seconds;
a new or changed scheduled event wakes it early to plan again."""


def to_meeting(event: discord.ScheduledEvent) -> Meeting:
    return Meeting(
        id=event.id,
        guild_id=event.guild_id,
        name=event.name,
        start=event.start_time,
        end=event.end_time,
        active=event.status == discord.EventStatus.active,
        url=event.url,
        description=event.description,
    )


def guild_meetings(guild: discord.Guild) -> list[Meeting]:
    return [
        to_meeting(event)
        for event in guild.scheduled_events
        if event.status in (discord.EventStatus.scheduled, discord.EventStatus.active)
    ]


def _when(moment: dt.datetime) -> str:
    stamp = int(moment.timestamp())
    return f"<t:{stamp}:F> (<t:{stamp}:R>)"


def render_meetings(meetings: list[Meeting], meeting_format: MeetingFormat) -> discord.Embed:
    if not meetings:
        result = embed(
            "Meetings in the next 7 days",
            "No meetings are scheduled in the next 7 days. Staff add meetings as server "
            "events; they will show up here. You are welcome to talk in the group any time.",
        )
    else:
        result = embed(
            "Meetings in the next 7 days",
            "Times are shown in your own time zone. Tap **Event details** and choose "
            "**Interested** to get Discord's own reminder.",
        )
        for meeting in meetings[:SHOWN]:
            lines = ["**Happening now**" if meeting.active else _when(meeting.start)]
            if meeting.description:
                lines.append(escape(meeting.description, 200))
            lines.append(f"[Event details]({meeting.url})")
            add_field(result, escape(meeting.name, 200), "\n".join(lines))
    add_field(
        result,
        "How meetings run",
        f"{meeting_format.summary}\n`/meeting format` shows the full run-sheet.",
    )
    return result


def render_format(meeting_format: MeetingFormat) -> discord.Embed:
    result = embed(meeting_format.title, meeting_format.intro)
    for step in meeting_format.steps:
        name = f"{step.name} ({step.minutes} min)" if step.minutes else step.name
        add_field(result, name, step.text)
    add_field(result, "Closing", meeting_format.closing)
    return result


def reminder_text(meeting: Meeting) -> str:
    return (
        f"⏰ **{escape(meeting.name, 200)}** starts {_when(meeting.start)}. "
        f"Everyone is welcome, and listening is enough. [Event details]({meeting.url})"
    )


class Meetings(commands.Cog):
    def __init__(self, bot: SupportBot, meeting_format: MeetingFormat, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.meeting_format = meeting_format
        self._last_run: dt.datetime | None = None

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Started here rather than in cog_load, so loading the extension never needs a login.
        if not self.reminders.is_running():
            self.reminders.start()

    async def cog_unload(self) -> None:
        self.reminders.cancel()

    @app_commands.command(name="meetings")
    @app_commands.guild_only()
    @app_commands.describe(remind="Get a DM before meetings you mark Interested (on or off)")
    async def meetings_command(
        self,
        interaction: discord.Interaction[SupportBot],
        remind: Literal["on", "off"] | None = None,
    ) -> None:
        """Upcoming group meetings in the next 7 days, in your own time zone."""
        guild = interaction.guild
        if guild is None:
            raise UserFacingError("Please use this inside the support server.")
        now = discord.utils.utcnow()
        note = None
        if remind is not None:
            await defer(interaction)
            await self.services.meeting_optins.choose(
                guild.id, interaction.user.id, remind == "on", now=now
            )
            note = (
                "DM reminders are on: I'll message you before meetings you mark **Interested**."
                if remind == "on"
                else "DM reminders are off."
            )
        meetings = upcoming(guild_meetings(guild), now)
        await send_ephemeral(
            interaction, note, embed=render_meetings(meetings, self.meeting_format)
        )

    meeting = app_commands.Group(
        name="meeting", description="How our group meetings run", guild_only=True
    )

    @meeting.command(name="format")
    async def format_command(self, interaction: discord.Interaction[SupportBot]) -> None:
        """The run-sheet of a text meeting, so anyone can host one."""
        await send_ephemeral(interaction, embed=render_format(self.meeting_format))

    # ---------------------------------------------------------------- reminders

    @tasks.loop(seconds=MIN_SLEEP)
    async def reminders(self) -> None:
        now = discord.utils.utcnow()
        self._last_run = now
        wake = now + dt.timedelta(seconds=MAX_SLEEP)
        for guild in list(self.bot.guilds):
            try:
                next_at = await self._remind_guild(guild, now)
            except Exception:
                log.exception("meetings.reminder_failed guild=%s", guild.id)
                continue
            if next_at is not None:
                wake = min(wake, next_at)
        seconds = min(max((wake - now).total_seconds(), MIN_SLEEP), MAX_SLEEP)
        self.reminders.change_interval(seconds=seconds)

    @reminders.before_loop
    async def _before_reminders(self) -> None:
        await self.bot.wait_until_ready()

    def _plan_again_soon(self) -> None:
        """A meeting was added or moved: wake within ``MIN_SLEEP`` to plan its reminder."""
        if self._last_run is None or not self.reminders.is_running():
            return
        now = discord.utils.utcnow()
        planned = self.reminders.next_iteration
        if planned is not None and planned <= now + dt.timedelta(seconds=MIN_SLEEP):
            return
        since_last = (now - self._last_run).total_seconds()
        self.reminders.change_interval(seconds=since_last + MIN_SLEEP)

    @commands.Cog.listener()
    async def on_scheduled_event_create(self, event: discord.ScheduledEvent) -> None:
        self._plan_again_soon()

    @commands.Cog.listener()
    async def on_guild_config_changed(self, guild_id: int, fields: frozenset[str]) -> None:
        if fields & {"meeting_reminder_minutes", "meetings_channel_id"}:
            self._plan_again_soon()

    @commands.Cog.listener()
    async def on_scheduled_event_update(
        self, before: discord.ScheduledEvent, after: discord.ScheduledEvent
    ) -> None:
        self._plan_again_soon()

    async def _remind_guild(self, guild: discord.Guild, now: dt.datetime) -> dt.datetime | None:
        """Send the reminders due now; returns when this server's next one is due."""
        meetings = guild_meetings(guild)
        if not meetings:
            return None
        config = await self.services.configs.get(guild.id)
        minutes = config.meeting_reminder_minutes
        due = due_reminders(meetings, now, minutes)
        if due and not await self._send_reminders(guild, due, config.meetings_channel_id, now):
            return now  # a post failed for a passing reason: try again soon
        return next_reminder_at(meetings, now, minutes)

    async def _send_reminders(
        self, guild: discord.Guild, due: list[Meeting], channel_id: int | None, now: dt.datetime
    ) -> bool:
        """Post (and DM) the due reminders, each once; False if one should be tried again."""
        channel = guild.get_channel(channel_id) if channel_id else None
        optins = self.services.meeting_optins
        log_ = self.services.reminder_log
        all_sent = True
        for meeting in due:
            if not await log_.claim(meeting, now):
                continue
            if isinstance(channel, discord.abc.Messageable):
                try:
                    await channel.send(reminder_text(meeting), nonce=reminder_nonce(meeting))
                    log.info("meetings.reminded guild=%s event=%s", guild.id, meeting.id)
                except discord.HTTPException as error:
                    log.warning(
                        "meetings.reminder_post_failed guild=%s event=%s status=%s",
                        guild.id,
                        meeting.id,
                        error.status,
                    )
                    if error.status >= 500 or error.status == 429:
                        # Discord had a bad moment: post it on the next pass, DMs included.
                        await log_.release(meeting)
                        all_sent = False
                        continue
            await self._dm_interested(guild, meeting, await optins.user_ids(guild.id))
        return all_sent

    async def _dm_interested(self, guild: discord.Guild, meeting: Meeting, opted: set[int]) -> None:
        if not opted:
            return
        event = guild.get_scheduled_event(meeting.id)
        if event is None:
            return
        text = f"{reminder_text(meeting)}\n(You asked for this in {escape(guild.name, 100)}. "
        text += "Turn it off with `/meetings remind:off`.)"
        async for user in event.users(limit=None):
            if user.id not in opted:
                continue
            try:
                await user.send(text)
                log.info("meetings.dm_reminded guild=%s user=%s", guild.id, user.id)
            except discord.HTTPException as error:
                log.info("meetings.dm_failed user=%s status=%s", user.id, error.status)
