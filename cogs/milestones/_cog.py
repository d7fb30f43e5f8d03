"""Milestones: count your days, privately unless you choose to share, and let the group
cheer when you reach one."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Literal
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.bot import SupportBot
from bot.crisis import top_line
from bot.errors import UserFacingError
from bot.milestones import (
    Milestone,
    MilestoneMark,
    MilestoneRepository,
    parse_start_date,
    resolve_zone,
    today_in,
)
from bot.services import Services
from bot.ui import WARM, add_field, embed, escape, send_ephemeral
from cogs._components import defer
from cogs._handoff import SUPPORT_TEXT, consult_button_view
from cogs._zone_choices import timezone_choices

log = logging.getLogger(__name__)


CELEBRATION_CHECK_SECONDS = 60 * 60


def render_milestone(milestone: Milestone, now: dt.datetime) -> discord.Embed:
    today = milestone.today(now)
    progress = milestone.progress(now)
    label = f" ({escape(milestone.label, 40)})" if milestone.label else ""
    day_word = "day" if progress.days == 1 else "days"
    result = embed(
        f"{progress.days} {day_word}{label}",
        f"Counting from {milestone.start_date.isoformat()} in {milestone.timezone}.",
        colour=WARM,
    )
    if progress.reached is not None:
        add_field(result, "Milestone reached", progress.reached.name, inline=True)
    to_go = progress.days_to_next(today)
    add_field(
        result,
        "Next milestone",
        f"{progress.next.name} on {progress.next.date.isoformat()} "
        f"({to_go} day{'s' if to_go != 1 else ''} to go)",
        inline=True,
    )
    add_field(
        result,
        "Celebrations",
        "On: the group will cheer when you reach a milestone."
        if milestone.celebrate
        else "Off. `/milestone celebrate on` lets the group cheer you on.",
    )
    return result


def celebration_text(user_id: int, mark: MilestoneMark) -> str:
    return (
        f"🎉 <@{user_id}> reached **{mark.name}** today. Every day counts; we're cheering for you!"
    )


@app_commands.guild_only()
class Milestones(commands.GroupCog, group_name="milestone"):
    """Count your days and celebrate milestones, privately unless you choose to share."""

    def __init__(self, bot: SupportBot, services: Services) -> None:
        self.bot = bot
        self.services = services
        super().__init__()

    def _repo(self) -> MilestoneRepository:
        return self.services.milestones

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Started here rather than in cog_load, so loading the extension never needs a login.
        if not self.celebrations.is_running():
            self.celebrations.start()

    async def cog_unload(self) -> None:
        self.celebrations.cancel()

    async def _require(self, interaction: discord.Interaction[SupportBot]) -> Milestone:
        assert interaction.guild_id is not None
        found = await self._repo().get(interaction.guild_id, interaction.user.id)
        if found is None:
            raise UserFacingError(
                "You haven't set a start date yet. Use `/milestone set date:YYYY-MM-DD` "
                "whenever you like."
            )
        return found

    @app_commands.command(name="set")
    @app_commands.describe(
        date="Your start date, as YYYY-MM-DD (today or earlier)",
        label='What it is for, if you like, e.g. "alcohol" (only you see it)',
        timezone="Your time zone, e.g. Europe/London (pick from the list; default: the server's)",
    )
    @app_commands.autocomplete(timezone=timezone_choices)
    async def set_(
        self,
        interaction: discord.Interaction[SupportBot],
        date: app_commands.Range[str, 1, 20],
        label: app_commands.Range[str, 1, 40] | None = None,
        timezone: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        """Set the date your count starts from."""
        assert interaction.guild_id is not None
        now = discord.utils.utcnow()
        config = await self.services.configs.get(interaction.guild_id)
        zone_name = resolve_zone(timezone, config.timezone)
        start = parse_start_date(date, today_in(ZoneInfo(zone_name), now))
        await defer(interaction)
        saved = await self._repo().set(
            interaction.guild_id,
            interaction.user.id,
            start_date=start,
            timezone=zone_name,
            label=label,
            now=now,
        )
        await send_ephemeral(
            interaction, "Saved. Only you can see this.", embed=render_milestone(saved, now)
        )

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction[SupportBot]) -> None:
        """See your days and your next milestone (only you see it)."""
        milestone = await self._require(interaction)
        await send_ephemeral(interaction, embed=render_milestone(milestone, discord.utils.utcnow()))

    @app_commands.command(name="reset")
    async def reset(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Start your count again from today."""
        assert interaction.guild_id is not None
        await self._require(interaction)
        await defer(interaction)
        await self._repo().reset(
            interaction.guild_id, interaction.user.id, now=discord.utils.utcnow()
        )
        result = embed(
            "Your count starts again today",
            "Thank you for being honest; that takes courage. A reset doesn't erase the days "
            "you had or what you learned in them. Many people in recovery start again, and "
            "keep going. Today is day one, and you're not alone in it.",
            colour=WARM,
        )
        add_field(result, "If you'd like support", SUPPORT_TEXT)
        region = await self.bot.crisis_region(
            interaction.user.id, interaction.guild_id, private=True
        )
        add_field(result, "If you need someone now", top_line(self.bot.crisis, region))
        await send_ephemeral(interaction, embed=result, view=consult_button_view(urgent=False))

    @app_commands.command(name="share")
    @app_commands.describe(include_label="Also show what your milestone is for")
    async def share(
        self, interaction: discord.Interaction[SupportBot], include_label: bool = False
    ) -> None:
        """Share your days with the group in this channel (only when you choose to)."""
        milestone = await self._require(interaction)
        progress = milestone.progress(discord.utils.utcnow())
        label = f" ({escape(milestone.label, 40)})" if include_label and milestone.label else ""
        day_word = "day" if progress.days == 1 else "days"
        await interaction.response.send_message(
            f"🎉 {interaction.user.mention} is sharing a milestone: **{progress.days} {day_word}**"
            f"{label}. One day at a time!",
            allowed_mentions=discord.AllowedMentions.none(),
        )
        log.info("milestone.shared guild=%s user=%s", interaction.guild_id, interaction.user.id)

    @app_commands.command(name="celebrate")
    @app_commands.describe(choice="on: the group cheers when you reach a milestone; off: private")
    async def celebrate(
        self, interaction: discord.Interaction[SupportBot], choice: Literal["on", "off"]
    ) -> None:
        """Choose whether the group celebrates your milestones in the celebration channel."""
        assert interaction.guild_id is not None
        await self._require(interaction)
        await defer(interaction)
        await self._repo().set_celebrate(
            interaction.guild_id, interaction.user.id, choice == "on", now=discord.utils.utcnow()
        )
        config = await self.services.configs.get(interaction.guild_id)
        if choice == "off":
            text = "Celebrations are off. Your milestones stay private."
        elif config.celebrate_channel_id is None:
            text = (
                "Saved. This server has no celebration channel yet, so nothing will be posted "
                "until an admin sets one with `/setup`."
            )
        else:
            text = (
                f"Celebrations are on: I'll cheer in <#{config.celebrate_channel_id}> when you "
                "reach your next milestone. Turn it off any time with `/milestone celebrate off`."
            )
        await send_ephemeral(interaction, text)

    @app_commands.command(name="clear")
    async def clear(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Delete your start date and milestone settings from this server."""
        assert interaction.guild_id is not None
        await defer(interaction)
        removed = await self._repo().clear(interaction.guild_id, interaction.user.id)
        await send_ephemeral(
            interaction,
            "Deleted. Nothing of your milestone is kept."
            if removed
            else "There was nothing to delete.",
        )

    # -------------------------------------------------------------- celebrations

    @tasks.loop(seconds=CELEBRATION_CHECK_SECONDS)
    async def celebrations(self) -> None:
        try:
            await self._celebrate_due(discord.utils.utcnow())
        except Exception:
            log.exception("milestone.celebrations_failed")

    @celebrations.before_loop
    async def _before_celebrations(self) -> None:
        await self.bot.wait_until_ready()

    async def _celebrate_due(self, now: dt.datetime) -> None:
        repo = self._repo()
        configs = self.services.configs
        for milestone, mark in await repo.due_celebrations(now):
            guild = self.bot.get_guild(milestone.guild_id)
            if guild is None:
                continue
            config = await configs.get(guild.id)
            channel = (
                guild.get_channel(config.celebrate_channel_id)
                if config.celebrate_channel_id
                else None
            )
            if not isinstance(channel, discord.abc.Messageable):
                continue
            if not await repo.mark_celebrated(guild.id, milestone.user_id, mark.number):
                continue
            try:
                await channel.send(celebration_text(milestone.user_id, mark))
                log.info(
                    "milestone.celebrated guild=%s user=%s n=%d",
                    guild.id,
                    milestone.user_id,
                    mark.number,
                )
            except discord.HTTPException as error:
                log.warning(
                    "milestone.celebration_failed guild=%s status=%s", guild.id, error.status
                )
