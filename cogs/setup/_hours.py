"""``/setup hours set|clear`` and ``/setup closure add|remove|list``: working hours, what a
request does out of hours, and closed periods (holidays).

Subcommand groups of ``/setup`` (Manage Server, checked again at run time). The rules are in
``bot.consultations.hours``, the storage in ``bot.consultations.holds``. The server's hours
(and the default type's) are columns of ``guild_config``; a type's own hours are a row of
``consult_type_hours``; a type without one follows the server's.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from bot.bot import SupportBot
from bot.consultations import ConsultType, Hours, HoursMode, HoursService, server_hours
from bot.consultations.hours import CLOSURE_MESSAGE, describe, read_days, store_days
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.services import Services
from bot.timezones import validate_timezone
from bot.ui import escape, send_ephemeral
from cogs._checks import require_manager
from cogs._components import defer
from cogs._zone_choices import timezone_choices

log = logging.getLogger(__name__)

ACTION = "change the working hours"
MODE_CHOICES = [
    app_commands.Choice(name="notice: accept, and tell them when staff are back", value="notice"),
    app_commands.Choice(name="hold: nobody is pinged until opening time", value="hold"),
    app_commands.Choice(name="route: ping the on-call role instead", value="route"),
]
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d")


def _guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    require_manager(interaction, action=ACTION)
    assert interaction.guild is not None  # /setup is guild-only
    return interaction.guild


def _role_line(hours: Hours) -> str:
    line = describe(hours)
    if hours.mode is HoursMode.ROUTE:
        role = hours.oncall_role_id
        line += f" → <@&{role}>" if role else " → no on-call role set"
    return line


async def hours_lines(
    hours: HoursService, config: GuildConfig, types: Sequence[ConsultType], now: dt.datetime
) -> list[str]:
    """``/setup show``'s working hours: the server's, each type's own, and closures."""
    lines = [f"Server (and General): {_role_line(server_hours(config))}"]
    for kind in types:
        own = await hours.type_hours(kind.id)
        if own is not None:
            lines.append(f"{escape(kind.name, 40)}: {_role_line(own)}")
    for closure in await hours.closures(config.guild_id, now):
        lines.append(
            f"Closed {discord.utils.format_dt(closure.starts_at, 'f')} – "
            f"{discord.utils.format_dt(closure.ends_at, 'f')} (#{closure.id})"
        )
    return lines


def _role_warning(guild: discord.Guild, role_id: int | None, where: str) -> str | None:
    if role_id is None:
        return f"{where} is in route mode but has no on-call role: use `/setup hours set`."
    role = guild.get_role(role_id)
    if role is None:
        return f"The on-call role of {where} no longer exists: use `/setup hours set`."
    if not role.mentionable and not guild.me.guild_permissions.mention_everyone:
        return (
            f"I can't ping {role.mention} (for {where} out of hours): make it mentionable, or "
            "give my role **Mention @everyone, @here and All Roles**."
        )
    return None


async def hours_warnings(
    hours: HoursService, guild: discord.Guild, config: GuildConfig, types: Sequence[ConsultType]
) -> list[str]:
    """What will not work with the hours set here: route mode's role, missing or unpingable."""
    found: list[tuple[str, Hours]] = [("the server", server_hours(config))]
    for kind in types:
        own = await hours.type_hours(kind.id)
        if own is not None:
            found.append((f"“{escape(kind.name, 40)}”", own))
    warnings = []
    for where, set_hours in found:
        if set_hours.mode is HoursMode.ROUTE:
            role = set_hours.oncall_role_id or config.hours_oncall_role_id
            warning = _role_warning(guild, role, where)
            if warning:
                warnings.append(warning)
    return warnings


def _moment(typed: str, zone: str | None, *, end: bool) -> dt.datetime:
    """A date ("2026-12-25") or date and time ("2026-12-25 18:00") in the server's zone; a
    date alone as an end means the end of that day."""
    text = typed.strip()
    for pattern in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
        if pattern == "%Y-%m-%d" and end:
            parsed += dt.timedelta(days=1)
        return parsed.replace(tzinfo=Hours(timezone=zone).zone()).astimezone(dt.UTC)
    raise UserFacingError(
        f"I couldn't read “{escape(text, 40)}” as a date. Please write it like `2026-12-24` or "
        "`2026-12-24 18:00` (in the server's time zone). Nothing was saved."
    )


class HoursCommands(app_commands.Group):
    """``/setup hours``: built once by the setup cog."""

    def __init__(self, bot: SupportBot, services: Services) -> None:
        super().__init__(name="hours", description="Working hours and out-of-hours requests")
        self.bot = bot
        self.services = services

    async def _kind(self, guild: discord.Guild, name: str | None) -> ConsultType | None:
        if name is None:
            return None
        kind = await self.services.consult_types.find(guild.id, name)
        if kind is None:
            raise UserFacingError(
                "There is no consultation type of that name here: `/setup type list` shows "
                "them. Nothing was changed."
            )
        return kind

    async def type_choices(
        self, interaction: discord.Interaction[SupportBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild is None:
            return []
        typed = current.casefold().strip()
        return [
            app_commands.Choice(name=kind.name, value=kind.name)
            for kind in await self.services.consult_types.list(interaction.guild.id)
            if typed in kind.name.casefold()
        ][:25]

    async def _answer(self, interaction: discord.Interaction[Any], guild: discord.Guild) -> None:
        config = await self.services.configs.get(guild.id)
        types = await self.services.consult_types.list(guild.id)
        lines = await hours_lines(self.services.hours, config, types, discord.utils.utcnow())
        warnings = await hours_warnings(self.services.hours, guild, config, types)
        await send_ephemeral(
            interaction,
            "Saved. Working hours:\n"
            + "\n".join(f"• {line}" for line in lines)
            + "".join(f"\n⚠️ {warning}" for warning in warnings)
            + "\nUrgent requests always go through at once, and members out of hours always "
            "see the crisis lines.",
        )

    @app_commands.command(name="set")
    @app_commands.describe(
        start="Hour staff start (0-23), in the time zone",
        end="Hour staff finish (0-23; before start runs past midnight)",
        days="Optional: days open, e.g. mon-fri or mon,wed,fri (else kept; every day at first)",
        timezone="Optional: time zone, e.g. Europe/London (pick from the list)",
        mode="Optional: what a request out of hours does (else kept; notice at first)",
        oncall_role="Optional: the role route mode pings out of hours",
        type="Optional: a consultation type with hours of its own (else the server's)",
    )
    @app_commands.choices(mode=MODE_CHOICES)
    @app_commands.autocomplete(timezone=timezone_choices)
    async def set_hours(
        self,
        interaction: discord.Interaction[SupportBot],
        start: app_commands.Range[int, 0, 23],
        end: app_commands.Range[int, 0, 23],
        days: app_commands.Range[str, 1, 60] | None = None,
        timezone: app_commands.Range[str, 1, 64] | None = None,
        mode: app_commands.Choice[str] | None = None,
        oncall_role: discord.Role | None = None,
        type: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Set when staff are on duty, and what a request out of hours does."""
        guild = _guild(interaction)
        if mode is not None and mode.value not in {m.value for m in HoursMode}:
            raise UserFacingError("I don't know that mode. Nothing was changed.")
        if oncall_role is not None and oncall_role.is_default():
            raise UserFacingError("@everyone can't be the on-call role. Nothing was changed.")
        open_days = read_days(days) if days is not None else None
        zone = validate_timezone(timezone) if timezone is not None else None
        await defer(interaction)
        kind = await self._kind(guild, type)
        now = discord.utils.utcnow()
        if kind is None:
            changes: dict[str, Any] = {"work_start_hour": start, "work_end_hour": end}
            if open_days is not None:
                changes["hours_days"] = store_days(open_days)
            if zone is not None:
                changes["timezone"] = zone
            if mode is not None:
                changes["hours_mode"] = mode.value
            if oncall_role is not None:
                changes["hours_oncall_role_id"] = oncall_role.id
            await self.services.configs.update(guild.id, now, **changes)
            self.bot.dispatch("guild_config_changed", guild.id, frozenset(changes))
        else:
            kept = await self.services.hours.type_hours(kind.id) or Hours()
            await self.services.hours.set_type_hours(
                kind.id,
                Hours(
                    start,
                    end,
                    open_days if open_days is not None else kept.days,
                    zone or kept.timezone,
                    HoursMode(mode.value) if mode is not None else kept.mode,
                    oncall_role.id if oncall_role is not None else kept.oncall_role_id,
                ),
            )
        log.info(
            "setup.hours_set guild=%s user=%s type=%s",
            guild.id,
            interaction.user.id,
            kind.id if kind else None,
        )
        await self._answer(interaction, guild)

    @app_commands.command(name="clear")
    @app_commands.describe(
        type="Optional: a type, to follow the server's hours again (else the server's hours)"
    )
    async def clear_hours(
        self,
        interaction: discord.Interaction[SupportBot],
        type: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Stop using working hours (for the server, or a type's own)."""
        guild = _guild(interaction)
        await defer(interaction)
        kind = await self._kind(guild, type)
        if kind is None:
            changes = dict.fromkeys(
                ("work_start_hour", "work_end_hour", "hours_days", "hours_oncall_role_id")
            )
            changes_mode = {"hours_mode": HoursMode.NOTICE.value}
            await self.services.configs.update(
                guild.id, discord.utils.utcnow(), **changes, **changes_mode
            )
            self.bot.dispatch("guild_config_changed", guild.id, frozenset(changes))
        else:
            await self.services.hours.clear_type_hours(kind.id)
        log.info("setup.hours_cleared guild=%s user=%s", guild.id, interaction.user.id)
        await self._answer(interaction, guild)

    set_hours.autocomplete("type")(type_choices)
    clear_hours.autocomplete("type")(type_choices)


class ClosureCommands(app_commands.Group):
    """``/setup closure``: closed periods, when every request is out of hours."""

    def __init__(self, bot: SupportBot, services: Services) -> None:
        super().__init__(name="closure", description="Closed periods such as holidays")
        self.bot = bot
        self.services = services

    @app_commands.command(name="add")
    @app_commands.describe(
        start="First day (2026-12-24) or moment (2026-12-24 18:00), in the server's time zone",
        end="Last day (to its end) or the moment it ends, the same way",
        message="What members asking then are told, e.g. 'We're closed for the holidays.'",
    )
    async def add(
        self,
        interaction: discord.Interaction[SupportBot],
        start: app_commands.Range[str, 1, 20],
        end: app_commands.Range[str, 1, 20],
        message: app_commands.Range[str, 1, CLOSURE_MESSAGE],
    ) -> None:
        """Close consultations for a period; requests then wait as out of hours."""
        guild = _guild(interaction)
        config = await self.services.configs.get(guild.id)
        starts = _moment(start, config.timezone, end=False)
        ends = _moment(end, config.timezone, end=True)
        await defer(interaction)
        closure = await self.services.hours.add_closure(
            guild.id, starts, ends, message, discord.utils.utcnow()
        )
        mode = HoursMode(config.hours_mode)
        what = {
            HoursMode.HOLD: "held until it ends (urgent ones still go through)",
            HoursMode.ROUTE: "sent to the on-call role",
            HoursMode.NOTICE: "accepted with your message",
        }[mode]
        await send_ephemeral(
            interaction,
            f"Closed from {discord.utils.format_dt(closure.starts_at, 'F')} to "
            f"{discord.utils.format_dt(closure.ends_at, 'F')} (#{closure.id}). Requests then "
            f"are {what}; members see your message and the crisis lines.",
        )

    @app_commands.command(name="remove")
    @app_commands.describe(number="The closure's number, from /setup closure list")
    async def remove(
        self, interaction: discord.Interaction[SupportBot], number: app_commands.Range[int, 1]
    ) -> None:
        """Remove a closed period."""
        guild = _guild(interaction)
        if not await self.services.hours.remove_closure(guild.id, number):
            raise UserFacingError(
                f"There is no closure #{number} here. `/setup closure list` shows them."
            )
        await send_ephemeral(interaction, f"Removed closure #{number}.")

    @app_commands.command(name="list")
    async def list_closures(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Show the closed periods that haven't ended."""
        guild = _guild(interaction)
        closures = await self.services.hours.closures(guild.id, discord.utils.utcnow())
        if not closures:
            await send_ephemeral(
                interaction, "No closed periods are set. Add one with `/setup closure add`."
            )
            return
        lines = [
            f"#{c.id} · {discord.utils.format_dt(c.starts_at, 'f')} – "
            f"{discord.utils.format_dt(c.ends_at, 'f')} · {escape(c.message, 120)}"
            for c in closures
        ]
        await send_ephemeral(interaction, "\n".join(lines))
