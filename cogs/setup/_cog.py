"""/setup: the admin configures the bot for one server, inside Discord."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import SupportBot
from bot.consultations import CLAIM_CAP_MAX
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig, GuildConfigRepository, SafetyReply
from bot.permissions import FEATURES, invite_permissions, label
from bot.services import Services
from bot.text import TextField, sanitise
from bot.timezones import validate_timezone
from bot.ui import escape, send_ephemeral
from cogs._checks import require_manager
from cogs._components import defer
from cogs._zone_choices import timezone_choices
from cogs.setup._plan import CHECKED, CONSULT, QUEUE, ChannelPlan
from cogs.setup._quickstart import missing_permission_sentence, needed_permissions, run_quickstart
from cogs.setup._show import RESPONSE_TIME_LIMIT, render_setup

log = logging.getLogger(__name__)

RESPONSE_TIME = TextField("response time", RESPONSE_TIME_LIMIT, one_line=True)


def lacking(channel: discord.abc.GuildChannel, names: Sequence[str]) -> list[str]:
    """Which of ``names`` I lack in ``channel``; a hidden channel is only "View Channel",
    since hiding it denies everything else too."""
    mine = channel.permissions_for(channel.guild.me)
    if "view_channel" in names and not mine.view_channel:
        return ["view_channel"]
    return [name for name in names if not getattr(mine, name)]


def server_permission_warnings(granted: discord.Permissions) -> list[str]:
    """Every invite permission my role lacks server-wide, with what needs it."""
    warnings = []
    for permission in invite_permissions():
        if not getattr(granted, permission.name):
            needs = "; ".join(f.what for f in FEATURES if permission.name in f.permissions)
            warnings.append(f"My role lacks **{permission.label}**, needed for {needs}.")
    return warnings


def _channel(guild: discord.Guild, channel_id: int | None) -> discord.abc.GuildChannel | None:
    return guild.get_channel(channel_id) if channel_id else None


def setup_warnings(guild: discord.Guild, config: GuildConfig, safety_net_on: bool) -> list[str]:
    """What will not work with this configuration, in plain words for the admin.

    The channel checks read ``cogs.setup._plan`` (what I need in each channel, which are
    staff-only), the table ``/setup quickstart`` builds from.
    """
    warnings: list[str] = []
    me = guild.me
    staff = guild.get_role(config.staff_role_id) if config.staff_role_id else None
    if not config.consultations_ready:
        warnings.append("Consultations are off until a staff role and both channels are set.")
    if config.staff_role_id and staff is None:
        warnings.append(
            "The staff role no longer exists: choose another with `/setup consultations`."
        )
    for plan in CHECKED:
        channel_id = getattr(config, plan.column)
        channel = _channel(guild, channel_id)
        if channel_id and channel is None:
            warnings.append(f"The {plan.label.lower()} no longer exists.")
        elif channel is not None:
            warnings += _channel_warnings(guild, config, plan, channel, staff)
    if config.member_role_id:
        gate = guild.get_role(config.member_role_id)
        if gate is None:
            warnings.append("The member role for the guidelines gate no longer exists.")
        elif gate >= me.top_role:
            warnings.append(f"My role must be above {escape(gate.name, 80)} to give it to members.")
    warnings += server_permission_warnings(me.guild_permissions)
    if config.safety_enabled and not safety_net_on:
        warnings.append(
            "The safety net is on here, but the bot runs with SAFETY_NET=false, "
            "so it reads nothing."
        )
    return warnings


def _channel_warnings(
    guild: discord.Guild,
    config: GuildConfig,
    plan: ChannelPlan,
    channel: discord.abc.GuildChannel,
    staff: discord.Role | None,
) -> list[str]:
    """What stops one channel doing its job, from its row of the plan."""
    warnings: list[str] = []
    if plan.staff_only:
        if channel.permissions_for(guild.default_role).view_channel:
            warnings.append(f"{channel.mention} is visible to @everyone: make it staff-only.")
        elif staff is not None and not channel.permissions_for(staff).view_channel:
            warnings.append(f"The staff role cannot see {channel.mention}.")
    # The queue and consultation channels are named by mention alone (as they always were).
    where = (
        channel.mention
        if plan in (QUEUE, CONSULT)
        else f"the {plan.label.lower()} {channel.mention}"
    )
    for name in lacking(channel, plan.bot_needs):
        warnings.append(f"I lack **{label(name)}** in {where}.")
    if plan.members_view:
        warnings += _consult_channel_warnings(guild, config, channel, staff)
    return warnings


def _consult_channel_warnings(
    guild: discord.Guild,
    config: GuildConfig,
    consult: discord.abc.GuildChannel,
    staff: discord.Role | None,
) -> list[str]:
    """What stops private threads working (or keeping private) in the consultation channel."""
    warnings: list[str] = []
    # Members see it through @everyone, or through the role the guidelines gate gives them.
    gate = guild.get_role(config.member_role_id) if config.member_role_id else None
    viewers = [guild.default_role] + ([gate] if gate is not None else [])
    if not any(consult.permissions_for(role).view_channel for role in viewers):
        warnings.append(
            f"Members cannot view {consult.mention}; they must, to join their private thread."
        )
    if consult.permissions_for(guild.default_role).manage_threads:
        # Every role inherits it, so one warning says it all.
        warnings.append(
            f"@everyone can manage threads in {consult.mention}, so every member can read "
            "every private consultation."
        )
        return warnings
    for role in guild.roles:
        if role == staff or role.is_default() or role.managed:
            continue
        if consult.permissions_for(role).manage_threads and not role.permissions.administrator:
            warnings.append(
                f"The role {escape(role.name, 80)} can manage threads in {consult.mention}, "
                "so it can read every private consultation."
            )
    return warnings


CLEARABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "log_channel": ("Log channel", ("log_channel_id",)),
    "response_time": ("Expected response text", ("response_time_text",)),
    "working_hours": ("Working hours", ("work_start_hour", "work_end_hour")),
    "timezone": ("Time zone (back to UTC)", ("timezone",)),
    "welcome_channel": ("Welcome channel", ("welcome_channel_id",)),
    "meetings_channel": ("Meetings channel", ("meetings_channel_id",)),
    "member_role": ("Member role (guidelines gate)", ("member_role_id",)),
    "celebrate_channel": ("Celebration channel", ("celebrate_channel_id",)),
    "claim_cap": ("Cap on requests per staff member (no cap)", ("claim_cap",)),
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

    def _repo(self) -> GuildConfigRepository:
        return self.services.configs

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
        warnings = setup_warnings(interaction.guild, config, self.bot.settings.safety_net)
        await interaction.followup.send(
            "Saved.", embed=render_setup(interaction.guild, config, warnings), ephemeral=True
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
        warnings = setup_warnings(guild, config, self.bot.settings.safety_net)
        await send_ephemeral(
            interaction, "\n".join(lines), embed=render_setup(guild, config, warnings)
        )

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Show this server's setup and what still needs attention."""
        require_manager(interaction)
        assert interaction.guild is not None
        config = await self._repo().get(interaction.guild.id)
        warnings = setup_warnings(interaction.guild, config, self.bot.settings.safety_net)
        incidents = self.bot.incidents.recent(interaction.guild.id)
        await interaction.response.send_message(
            embed=render_setup(interaction.guild, config, warnings, incidents), ephemeral=True
        )
