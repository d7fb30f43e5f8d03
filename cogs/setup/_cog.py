"""/setup: the admin configures the bot for one server, inside Discord."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits
from bot.bot import SupportBot
from bot.consultations import (
    CLAIM_CAP_MAX,
    QUIET_HOURS_MAX,
    STAFF_REPLY_MINUTES_MAX,
    ConsultType,
    check_quiet_settings,
)
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig, GuildConfigRepository, SafetyReply
from bot.services import Services
from bot.snippets import MAX_SNIPPETS
from bot.text import TextField, sanitise
from bot.timezones import validate_timezone
from bot.ui import add_field, send_ephemeral
from cogs._checks import require_manager
from cogs._components import defer
from cogs._crisis_regions import parse_region, region_choices
from cogs._handoff import panel_view
from cogs._zone_choices import timezone_choices
from cogs.setup._hours import ClosureCommands, HoursCommands, hours_lines, hours_warnings
from cogs.setup._panel import panel_embed, require_panel_permissions
from cogs.setup._questions import QuestionCommands, forms_field
from cogs.setup._quickstart import missing_permission_sentence, needed_permissions, run_quickstart
from cogs.setup._show import RESPONSE_TIME_LIMIT, render_setup
from cogs.setup._types import TypeCommands
from cogs.setup._warnings import setup_warnings, type_warnings

log = logging.getLogger(__name__)

RESPONSE_TIME = TextField("response time", RESPONSE_TIME_LIMIT, one_line=True)


CLEARABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "log_channel": ("Log channel", ("log_channel_id",)),
    "response_time": ("Expected response text", ("response_time_text",)),
    "working_hours": ("Working hours", ("work_start_hour", "work_end_hour", "hours_days")),
    "timezone": ("Time zone (back to UTC)", ("timezone",)),
    "welcome_channel": ("Welcome channel", ("welcome_channel_id",)),
    "meetings_channel": ("Meetings channel", ("meetings_channel_id",)),
    "member_role": ("Member role (guidelines gate)", ("member_role_id",)),
    "celebrate_channel": ("Celebration channel", ("celebrate_channel_id",)),
    "claim_cap": ("Cap on requests per staff member (no cap)", ("claim_cap",)),
    "crisis_region": ("Crisis lines country (back to the United States)", ("crisis_region",)),
}
"""What ``/setup clear`` can empty: the choice, its label, and the columns it sets to NULL.

Every other ``/setup`` command keeps what it is not given, so this is the one way to clear."""


def given(**values: Any) -> dict[str, Any]:
    """The options the admin actually filled in (an empty option leaves the setting as it is)."""
    return {key: value for key, value in values.items() if value is not None}


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Setup(commands.GroupCog, group_name="setup"):
    """Set the bot up for this server (Manage Server)."""

    def __init__(self, bot: SupportBot, services: Services | None = None) -> None:
        self.bot = bot
        self.services = bot.services if services is None else services
        super().__init__()
        self.types = TypeCommands(bot, self.services)
        assert self.app_command is not None  # a GroupCog always has its group
        self.app_command.add_command(self.types)  # /setup type add|edit|remove|list
        self.app_command.add_command(QuestionCommands(bot, self.services))  # /setup question
        self.app_command.add_command(HoursCommands(bot, self.services))  # /setup hours set|clear
        self.app_command.add_command(ClosureCommands(bot, self.services))  # add|remove|list

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.types.buttons)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.types.buttons)

    def _repo(self) -> GuildConfigRepository:
        return self.services.configs

    async def _checked(
        self, guild: discord.Guild, config: GuildConfig
    ) -> tuple[list[str], tuple[ConsultType, ...]]:
        """What will not work here (the server's setup, then its types), and its types."""
        types = await self.services.consult_types.list(guild.id)
        warnings = setup_warnings(guild, config, self.bot.settings.safety_net)
        warnings += type_warnings(guild, config, types)
        warnings += await hours_warnings(self.services.hours, guild, config, types)
        return list(dict.fromkeys(warnings)), types

    async def _save(self, interaction: discord.Interaction[SupportBot], **changes: Any) -> None:
        require_manager(interaction)
        assert interaction.guild is not None
        await defer(interaction)
        config = await self._repo().update(interaction.guild.id, discord.utils.utcnow(), **changes)
        log.info(
            "setup.updated guild=%s user=%s fields=%s",
            interaction.guild.id,
            interaction.user.id,
            ",".join(sorted(changes)),
        )
        # Other features listen for this (e.g. meeting reminders re-plan with new minutes).
        self.bot.dispatch("guild_config_changed", interaction.guild.id, frozenset(changes))
        warnings, types = await self._checked(interaction.guild, config)
        await interaction.followup.send(
            "Saved.",
            embed=render_setup(interaction.guild, config, warnings, types=types),
            ephemeral=True,
        )

    @app_commands.command(name="consultations")
    @app_commands.describe(
        staff_role="The role whose members can claim consultation requests",
        queue_channel="A staff-only channel where new requests appear",
        consult_channel="Where private consultation threads are made (members must see it)",
        log_channel="Optional: where ended requests and set-up problems are logged",
        response_time="What members are told, e.g. 'usually within a few hours'",
        work_start="Optional: hour staff start (0-23), in the time zone below",
        work_end="Optional: hour staff finish (1-24)",
        timezone="Time zone for working hours, e.g. Europe/London (pick from the list)",
    )
    @app_commands.autocomplete(timezone=timezone_choices)
    async def consultations(
        self,
        interaction: discord.Interaction[SupportBot],
        staff_role: discord.Role,
        queue_channel: discord.TextChannel,
        consult_channel: discord.TextChannel,
        log_channel: discord.TextChannel | None = None,
        response_time: app_commands.Range[str, 1, RESPONSE_TIME_LIMIT] | None = None,
        work_start: app_commands.Range[int, 0, 23] | None = None,
        work_end: app_commands.Range[int, 1, 24] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
    ) -> None:
        """Choose the staff role and channels for the consultation queue (the rest is kept)."""
        if (work_start is None) != (work_end is None):
            raise UserFacingError("Please give both work_start and work_end, or neither.")
        zone = validate_timezone(timezone) if timezone is not None else None
        changes: dict[str, Any] = {
            "staff_role_id": staff_role.id,
            "queue_channel_id": queue_channel.id,
            "consult_channel_id": consult_channel.id,
            **given(
                log_channel_id=log_channel.id if log_channel else None,
                work_start_hour=work_start,
                work_end_hour=work_end,
            ),
        }
        response_text = sanitise(response_time, RESPONSE_TIME)  # refused when too long
        if response_text is not None:
            changes["response_time_text"] = response_text
        if zone is not None:
            changes["timezone"] = zone
        await self._save(interaction, **changes)

    @app_commands.command(name="limits")
    @app_commands.describe(
        cooldown_minutes="Minutes a member waits after a request closes before opening another",
        hourly_cap="Most new requests per hour for the whole server",
        reminder_minutes="Re-ping staff when a request waits this long unclaimed",
        urgent_reminder_minutes="Same, for urgent requests",
        claim_cap="Most requests one staff member may hold at once (admins exempt)",
        require_oncall="Staff must use /oncall on before claiming (admins exempt)",
    )
    async def limits(
        self,
        interaction: discord.Interaction[SupportBot],
        cooldown_minutes: app_commands.Range[int, 0, 1440] | None = None,
        hourly_cap: app_commands.Range[int, 1, 1000] | None = None,
        reminder_minutes: app_commands.Range[int, 1, 1440] | None = None,
        urgent_reminder_minutes: app_commands.Range[int, 1, 1440] | None = None,
        claim_cap: app_commands.Range[int, 1, CLAIM_CAP_MAX] | None = None,
        require_oncall: bool | None = None,
    ) -> None:
        """Set cooldowns, the hourly cap, staff reminders and each staff member's load."""
        await self._save(
            interaction,
            **given(
                cooldown_minutes=cooldown_minutes,
                hourly_cap=hourly_cap,
                reminder_minutes=reminder_minutes,
                urgent_reminder_minutes=urgent_reminder_minutes,
                claim_cap=claim_cap,
                require_oncall=require_oncall,
            ),
        )

    @app_commands.command(name="conversations")
    @app_commands.describe(
        quiet_nudge_hours="Hours without a message from the member before I check in (0: off)",
        quiet_close_hours="Hours after that check-in before I close it as 'no reply' (0: never)",
        staff_reply_minutes="Remind the claimer when the member's message waits this long (0: off)",
    )
    async def conversations(
        self,
        interaction: discord.Interaction[SupportBot],
        quiet_nudge_hours: app_commands.Range[int, 0, QUIET_HOURS_MAX] | None = None,
        quiet_close_hours: app_commands.Range[int, 0, QUIET_HOURS_MAX] | None = None,
        staff_reply_minutes: app_commands.Range[int, 0, STAFF_REPLY_MINUTES_MAX] | None = None,
    ) -> None:
        """When a claimed conversation goes quiet: a check-in, an automatic close, reminders."""
        require_manager(interaction)
        assert interaction.guild is not None
        changes = given(
            quiet_nudge_hours=quiet_nudge_hours,
            quiet_close_hours=quiet_close_hours,
            staff_reply_minutes=staff_reply_minutes,
        )
        current = await self._repo().get(interaction.guild.id)
        check_quiet_settings(
            changes.get("quiet_nudge_hours", current.quiet_nudge_hours),
            changes.get("quiet_close_hours", current.quiet_close_hours),
            changes.get("staff_reply_minutes", current.staff_reply_minutes),
        )
        await self._save(interaction, **changes)

    @app_commands.command(name="group")
    @app_commands.describe(
        welcome_channel="Where new members are welcomed",
        welcome_dm="Welcome new members by DM instead of in the channel",
        welcome_ping="Mention the newcomer in the welcome (nobody else is ever pinged)",
        meetings_channel="Where meeting reminders are posted",
        meeting_reminder_minutes="Minutes before a meeting to post a reminder",
        member_role="Role given when a member agrees to the guidelines",
        celebrate_channel="Where opted-in milestones are celebrated",
    )
    async def group(
        self,
        interaction: discord.Interaction[SupportBot],
        welcome_channel: discord.TextChannel | None = None,
        welcome_dm: bool | None = None,
        welcome_ping: bool | None = None,
        meetings_channel: discord.TextChannel | None = None,
        meeting_reminder_minutes: app_commands.Range[int, 1, 1440] | None = None,
        member_role: discord.Role | None = None,
        celebrate_channel: discord.TextChannel | None = None,
    ) -> None:
        """Choose the welcome, meetings and celebration channels and the member role."""
        await self._save(
            interaction,
            **given(
                welcome_channel_id=welcome_channel.id if welcome_channel else None,
                welcome_dm=welcome_dm,
                welcome_ping=welcome_ping,
                meetings_channel_id=meetings_channel.id if meetings_channel else None,
                meeting_reminder_minutes=meeting_reminder_minutes,
                member_role_id=member_role.id if member_role else None,
                celebrate_channel_id=celebrate_channel.id if celebrate_channel else None,
            ),
        )

    @app_commands.command(name="safety")
    @app_commands.describe(
        state="on: read messages here for crisis language and offer help",
        reply="How a member is reached: by DM (private, the default) or in the channel",
    )
    @app_commands.choices(
        reply=[
            app_commands.Choice(
                name="by DM (a neutral note here if their DMs are closed)", value="dm"
            ),
            app_commands.Choice(
                name="in the channel, as a reply everyone can see", value="channel"
            ),
        ]
    )
    async def safety(
        self,
        interaction: discord.Interaction[SupportBot],
        state: bool | None = None,
        reply: str | None = None,
    ) -> None:
        """Turn the crisis-language safety net on or off, and choose how members are reached."""
        if reply is not None and reply not in {choice.value for choice in SafetyReply}:
            raise UserFacingError("Please choose dm or channel for reply. Nothing was saved.")
        await self._save(interaction, **given(safety_enabled=state, safety_reply=reply))

    @app_commands.command(name="crisis")
    @app_commands.describe(region="The country whose crisis lines members here see first")
    async def crisis(
        self, interaction: discord.Interaction[SupportBot], region: str | None = None
    ) -> None:
        """Choose whose crisis lines members here see first (each can pick their own in /crisis).

        Args:
            region: The country whose crisis lines members here see first
        """
        code = parse_region(self.bot.crisis, region)
        await self._save(interaction, **given(crisis_region=code))

    @crisis.autocomplete("region")
    async def _crisis_region_autocomplete(
        self, interaction: discord.Interaction[SupportBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return region_choices(self.bot.crisis, current)

    @app_commands.command(name="clear")
    @app_commands.describe(setting="The setting to empty (the others stay as they are)")
    @app_commands.choices(
        setting=[
            app_commands.Choice(name=label, value=key) for key, (label, _) in CLEARABLE.items()
        ]
    )
    async def clear(
        self, interaction: discord.Interaction[SupportBot], setting: app_commands.Choice[str]
    ) -> None:
        """Empty one optional setting, such as the log channel or the working hours."""
        if setting.value not in CLEARABLE:  # a stale command from an older version
            raise UserFacingError("I don't know that setting. Nothing was changed.")
        _, columns = CLEARABLE[setting.value]
        await self._save(interaction, **dict.fromkeys(columns))

    @app_commands.command(name="quickstart")
    async def quickstart(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Create (or reuse) the Staff role and the channels the bot needs, ready to use."""
        require_manager(interaction)
        guild = interaction.guild
        assert guild is not None
        await defer(interaction)
        config = await self._repo().get(guild.id)
        lacking_here = needed_permissions(guild, config)
        if lacking_here:
            await send_ephemeral(interaction, missing_permission_sentence(lacking_here))
            return
        outcome = await run_quickstart(
            guild, config, reason=f"/setup quickstart by {interaction.user.id}"
        )
        if outcome.changes:
            config = await self._repo().update(guild.id, discord.utils.utcnow(), **outcome.changes)
            self.bot.dispatch("guild_config_changed", guild.id, frozenset(outcome.changes))
        log.info(
            "setup.quickstart guild=%s user=%s fields=%s refused=%s",
            guild.id,
            interaction.user.id,
            ",".join(sorted(outcome.changes)) or "none",
            outcome.problem is not None,
        )
        lines = ["**Quickstart**", *(f"• {line}" for line in outcome.lines)]
        if outcome.problem is not None:
            lines.append(outcome.problem)
        else:
            lines.append(
                "Nothing was deleted or renamed. Next: give the Staff role to your consultants "
                "(and to yourself, to see the staff channels)."
            )
        warnings, types = await self._checked(guild, config)
        await send_ephemeral(
            interaction, "\n".join(lines), embed=render_setup(guild, config, warnings, types=types)
        )

    @app_commands.command(name="panel")
    @app_commands.describe(channel="Where members should see the panel, e.g. a welcome channel")
    async def panel(
        self, interaction: discord.Interaction[SupportBot], channel: discord.TextChannel
    ) -> None:
        """Post a panel with a button for each kind of consultation (run again for a new one)."""
        require_manager(interaction)
        assert interaction.guild is not None
        require_panel_permissions(channel)
        await defer(interaction)
        kinds = await self.services.consult_types.list(interaction.guild.id)
        try:
            message = await channel.send(
                embed=panel_embed(kinds),
                view=panel_view(kinds),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as error:
            log.warning("setup.panel_failed guild=%s status=%s", interaction.guild.id, error.status)
            raise UserFacingError(
                f"Discord didn't let me post in {channel.mention} just now. Please check my "
                "permissions there and try again. Nothing was posted."
            ) from error
        log.info("setup.panel_posted guild=%s channel=%s", interaction.guild.id, channel.id)
        buttons = f"{len(kinds)} button{'s' if len(kinds) != 1 else ''}" if kinds else "one button"
        await send_ephemeral(
            interaction,
            f"Posted the panel in {channel.mention} ({message.jump_url}) with {buttons}. "
            "Its buttons keep working after a restart. After changing the consultation types, "
            "run `/setup panel` again for an up-to-date one.",
        )

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Show this server's setup and what still needs attention."""
        require_manager(interaction)
        assert interaction.guild is not None
        config = await self._repo().get(interaction.guild.id)
        warnings, types = await self._checked(interaction.guild, config)
        incidents = self.bot.incidents.recent(interaction.guild.id)
        hours = await hours_lines(self.services.hours, config, types, discord.utils.utcnow())
        shown = render_setup(interaction.guild, config, warnings, incidents, types, hours)
        if types:  # each type's form (read once, then kept)
            forms = [(t, await self.services.intake.form(t.guild_id, t.id)) for t in types]
            name, value = forms_field(forms)
            if (
                len(shown) + len(name) + min(len(value), limits.EMBED_FIELD_VALUE)
                < limits.EMBED_TOTAL
            ):
                add_field(shown, name, value)
        saved = await self.services.snippets.count(interaction.guild.id)
        line = f"{saved} of {MAX_SNIPPETS} (`/snippet list`)"
        if len(shown) + len("Saved replies") + len(line) < limits.EMBED_TOTAL:
            add_field(shown, "Saved replies", line)
        await interaction.response.send_message(embed=shown, ephemeral=True)
