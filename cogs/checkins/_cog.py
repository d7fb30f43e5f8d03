"""Private check-ins: the member's own data, private by default.

``/checkin`` and ``/checkin-history`` are two commands because Discord does not let a
command with options (``/checkin mood:…``) also have sub-commands (``history``).
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import Literal
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot import checkin_chart
from bot.bot import SupportBot
from bot.checkins import (
    CRAVING_MAX,
    HIGH_CRAVING,
    MOOD_MAX,
    NOTE_LIMIT,
    CheckIn,
    History,
)
from bot.checkins import sparkline as spark
from bot.crisis import CrisisResources, top_line
from bot.services import Services
from bot.ui import CALM, WARM, add_field, embed, escape, send_ephemeral
from cogs._components import defer
from cogs._handoff import SUPPORT_TEXT
from cogs.checkins._outreach import STAFF_NEEDS_SERVER, deliver, render_choice
from cogs.checkins._support import support_view

log = logging.getLogger(__name__)


MOOD_WORDS = {1: "really hard", 2: "hard", 3: "okay", 4: "good", 5: "great"}
SUPPORT_TEXT_DM = (
    "The button below (or `/coping`) has ideas for a hard moment. To talk privately with a "
    "consultant from the group, use `/consult` inside the group's server. If you are in danger "
    "right now, use `/crisis`: the lines there are free and open any time."
)


async def chart_file(history: History) -> discord.File | None:
    """The history as a PNG attachment with its numbers as alt text, drawn off the event
    loop; ``None`` (the text sparkline instead) when Pillow is absent or drawing failed."""
    try:
        png = await asyncio.to_thread(checkin_chart.render_png, history)
    except Exception:
        log.exception("checkin.chart_failed days=%d", len(history.days))
        return None
    if png is None:
        return None
    return discord.File(
        io.BytesIO(png),
        filename=checkin_chart.FILENAME,
        description=checkin_chart.describe(history),
    )


async def server_zone(bot: SupportBot, guild_id: int | None) -> ZoneInfo:
    if guild_id is None:
        return ZoneInfo("UTC")
    return (await bot.services.configs.get(guild_id)).zone()


# ------------------------------------------------------------------------- rendering


CRISIS_LINE_NAME = "If you need someone now"


def render_checkin(
    checkin: CheckIn,
    crisis: CrisisResources,
    *,
    in_server: bool = True,
    region: str | None = None,
) -> discord.Embed:
    """The saved check-in; a hard day also gets support and the top crisis line inline."""
    if checkin.needs_support:
        opening = (
            "Thank you for checking in. It sounds like today is heavy, and it took something "
            "to say so. You don't have to carry it alone."
        )
    elif checkin.mood >= 4:
        opening = "Thank you for checking in. It's good to hear today feels better."
    else:
        opening = "Thank you for checking in. Showing up counts, every day."
    result = embed("Check-in saved", opening, colour=WARM if checkin.needs_support else CALM)
    line = f"Mood {checkin.mood}/{MOOD_MAX} ({MOOD_WORDS[checkin.mood]})"
    if checkin.craving is not None:
        line += f" · craving {checkin.craving}/{CRAVING_MAX}"
    if checkin.note:
        line += " · note saved"
    add_field(result, "Today", line)
    if checkin.needs_support:
        add_field(result, "If you'd like support", SUPPORT_TEXT if in_server else SUPPORT_TEXT_DM)
        add_field(result, CRISIS_LINE_NAME, top_line(crisis, region))
    add_field(
        result, "Private", "Only you can see your check-ins. `/checkin-history` shows trends."
    )
    return result


def coping_topic(checkin: CheckIn) -> str:
    """Which coping tips to offer: cravings when they are strong, else stress."""
    if checkin.craving is not None and checkin.craving >= HIGH_CRAVING:
        return "cravings"
    return "stress"


def render_history(history: History, *, chart: bool = False) -> discord.Embed:
    """The history's numbers; with ``chart`` the picture is the attached PNG, else the
    text sparkline stands in for it."""
    days = len(history.days)
    if history.checkins == 0:
        return embed(
            f"Your last {days} days",
            f"No check-ins in the last {days} days yet. Whenever you're ready, `/checkin` "
            "takes a few seconds, and only you will see it.",
        )
    first, last = history.days[0].day, history.days[-1].day
    if chart:
        result = embed(
            f"Your last {days} days",
            f"{first:%d %b} → {last:%d %b} (today). Mood is on top, craving below; a gap is a "
            "day without a check-in.",
        )
        result.set_image(url=f"attachment://{checkin_chart.FILENAME}")
    else:
        mood_line = spark([d.mood for d in history.days], 1, MOOD_MAX)
        craving_line = spark([d.craving for d in history.days], 0, CRAVING_MAX)
        lines = f"mood    {mood_line}\ncraving {craving_line}"
        result = embed(
            f"Your last {days} days",
            f"{first:%d %b} → {last:%d %b} (today). Taller is higher; `·` is a day without a "
            f"check-in.\n```\n{lines}\n```",
        )
    if history.mood_average is not None:
        add_field(result, "Average mood", f"{history.mood_average:.1f} / {MOOD_MAX}", inline=True)
    if history.craving_average is not None:
        add_field(
            result, "Average craving", f"{history.craving_average:.1f} / {CRAVING_MAX}", inline=True
        )
    add_field(
        result,
        "Check-ins",
        f"{history.checkins} on {history.days_checked_in} of {days} days",
        inline=True,
    )
    if history.streak >= 2:
        streak = f"{history.streak} days in a row. Nice work showing up for yourself."
    elif history.streak == 1:
        streak = "You checked in today or yesterday. Every check-in counts."
    else:
        streak = "Any day is a good day to check in again."
    add_field(result, "Streak", streak)
    if history.recent_notes:
        notes = "\n".join(f"{day:%d %b}: {escape(note, 300)}" for day, note in history.recent_notes)
        add_field(result, "Your recent notes", notes)
    return result


# ---------------------------------------------------------------------------- cogs


class Checkins(commands.Cog):
    def __init__(self, bot: SupportBot, services: Services) -> None:
        self.bot = bot
        self.services = services

    @app_commands.command(name="checkin")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(
        mood="How are you today? 1 is really hard, 5 is great",
        craving="How strong are cravings? 0 is none, 10 is overwhelming",
        note="A private note for yourself (up to 300 characters)",
    )
    async def checkin(
        self,
        interaction: discord.Interaction[SupportBot],
        mood: app_commands.Range[int, 1, 5],
        craving: app_commands.Range[int, 0, 10] | None = None,
        note: app_commands.Range[str, 1, NOTE_LIMIT] | None = None,
    ) -> None:
        """A private daily check-in: mood, cravings and a note only you can see."""
        await defer(interaction)
        service = self.services.checkins
        saved = await service.record(
            interaction.user.id,
            mood=mood,
            craving=craving,
            note=note,
            now=discord.utils.utcnow(),
            zone=await server_zone(self.bot, interaction.guild_id),
            guild_id=interaction.guild_id,
        )
        in_server = interaction.guild_id is not None
        view = (
            support_view(coping_topic(saved), in_server=in_server) if saved.needs_support else None
        )
        await send_ephemeral(
            interaction,
            embed=render_checkin(
                saved,
                self.bot.crisis,
                in_server=in_server,
                region=await self.bot.crisis_region(
                    interaction.user.id, interaction.guild_id, private=True
                ),
            ),
            view=view,
        )
        if saved.needs_support:
            await self._outreach(interaction)

    async def _outreach(self, interaction: discord.Interaction[SupportBot]) -> None:
        """The outreach a low check-in may set off. The check-in is already saved and
        answered, so a failure here is logged, never shown as "please try again"."""
        try:
            due = await self.services.outreach.after_low_checkin(interaction.user.id)
            if due is not None:
                await deliver(self.bot, interaction, due)
        except Exception:
            log.exception("outreach.error user=%s", interaction.user.id)

    @app_commands.command(name="checkin-outreach")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(
        choice="on: a private message to you; staff: that, and staff are told you asked; off: none"
    )
    async def checkin_outreach(
        self,
        interaction: discord.Interaction[SupportBot],
        choice: Literal["on", "staff", "off"],
    ) -> None:
        """After 3 hard check-ins in a row, a gentle private message with support. Off unless
        you turn it on."""
        in_server = interaction.guild_id is not None
        if choice == "staff" and not in_server:
            await send_ephemeral(interaction, STAFF_NEEDS_SERVER)
            return
        await defer(interaction)
        saved = await self.services.outreach.choose(
            interaction.user.id,
            on=choice != "off",
            staff_guild_id=interaction.guild_id if choice == "staff" else None,
            now=discord.utils.utcnow(),
        )
        await send_ephemeral(interaction, render_choice(saved, in_server=in_server))

    @app_commands.command(name="checkin-history")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(days="How many days to show")
    async def checkin_history(
        self, interaction: discord.Interaction[SupportBot], days: Literal[14, 30, 90] = 14
    ) -> None:
        """Your check-ins over the last 14, 30 or 90 days, as a small private chart."""
        await defer(interaction)
        history = await self.services.checkins.history(
            interaction.user.id,
            now=discord.utils.utcnow(),
            zone=await server_zone(self.bot, interaction.guild_id),
            days=days,
        )
        file = await chart_file(history) if history.checkins else None
        await send_ephemeral(
            interaction, embed=render_history(history, chart=file is not None), file=file
        )
