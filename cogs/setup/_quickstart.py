"""``/setup quickstart``: make (or adopt) the Staff role and the five channels, set as
``cogs.setup._plan`` says, and report what was done, one line each.

It never deletes or renames anything. What the server's configuration already points at is
left exactly as it is ("already set"); a role or channel found by its expected name is adopted
and only the overwrites it lacks are added; anything else is created. Running it twice changes
nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.guild_config import GuildConfig
from bot.permissions import label
from cogs.setup._plan import QUICKSTART_CHANNELS, STAFF_ROLE_NAME, ChannelPlan

log = logging.getLogger(__name__)

Target = discord.Role | discord.Member


class QuickstartRefused(Exception):
    """Discord refused a step; ``sentence`` says which permission to give me."""

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


@dataclass
class Outcome:
    """What quickstart did: the lines for the admin and the configuration to store."""

    lines: list[str] = field(default_factory=list)
    changes: dict[str, int] = field(default_factory=dict)
    problem: str | None = None


def _named(items: Sequence[Any], name: str) -> Any | None:
    """The first item with this name, ignoring case (Discord lowercases channel names)."""
    wanted = name.casefold()
    return next((item for item in items if item.name.casefold() == wanted), None)


def wanted_overwrites(
    guild: discord.Guild, plan: ChannelPlan, staff: discord.Role
) -> dict[Target, dict[str, bool]]:
    """The overwrites a new channel of this plan gets (flag name → allowed), mine first."""
    wanted: dict[Target, dict[str, bool]] = {guild.me: dict.fromkeys(plan.bot_needs, True)}
    if plan.staff_only:
        wanted[staff] = {"view_channel": True}
        wanted[guild.default_role] = {"view_channel": False}
    if plan.staff_manage_threads:
        wanted[staff] = {**wanted.get(staff, {}), "manage_threads": True}
        if guild.default_role.permissions.manage_threads:
            wanted[guild.default_role] = {"manage_threads": False}
    return _only_granted(guild.me, wanted)


def missing_overwrites(
    channel: discord.TextChannel, plan: ChannelPlan, staff: discord.Role
) -> dict[Target, dict[str, bool]]:
    """What an adopted channel lacks of its plan, judged as ``/setup show`` judges it; mine
    first, @everyone last (hiding the channel first would lock me out of it)."""
    guild = channel.guild
    me = guild.me
    everyone = channel.permissions_for(guild.default_role)
    hide = plan.staff_only and everyone.view_channel
    mine = channel.permissions_for(me)
    lacking = [name for name in plan.bot_needs if not getattr(mine, name)]
    if (
        hide
        and channel.overwrites_for(me).view_channel is not True
        and "view_channel" in plan.bot_needs
    ):
        lacking = ["view_channel", *(name for name in lacking if name != "view_channel")]
    missing: dict[Target, dict[str, bool]] = {}
    if lacking:
        missing[me] = dict.fromkeys(lacking, True)
    staff_flags: dict[str, bool] = {}
    if plan.staff_only and (
        not channel.permissions_for(staff).view_channel
        or (hide and channel.overwrites_for(staff).view_channel is not True)
    ):
        staff_flags["view_channel"] = True
    if plan.staff_manage_threads and not channel.permissions_for(staff).manage_threads:
        staff_flags["manage_threads"] = True
    if staff_flags:
        missing[staff] = staff_flags
    everyone_flags: dict[str, bool] = {}
    if hide:
        everyone_flags["view_channel"] = False
    if plan.staff_manage_threads and everyone.manage_threads:
        everyone_flags["manage_threads"] = False
    if everyone_flags:
        missing[guild.default_role] = everyone_flags
    return _only_granted(me, missing)


def _only_granted(
    me: discord.Member, overwrites: dict[Target, dict[str, bool]]
) -> dict[Target, dict[str, bool]]:
    """Discord lets me allow or deny only what I hold myself server-wide; what I lack is left
    to ``/setup show``'s warnings."""
    mine = me.guild_permissions
    kept = {
        target: {
            name: value
            for name, value in flags.items()
            if mine.administrator or getattr(mine, name)
        }
        for target, flags in overwrites.items()
    }
    return {target: flags for target, flags in kept.items() if flags}


def _as_overwrite(
    flags: dict[str, bool], base: discord.PermissionOverwrite | None = None
) -> discord.PermissionOverwrite:
    overwrite = discord.PermissionOverwrite(**dict(base or discord.PermissionOverwrite()))
    overwrite.update(**flags)
    return overwrite


def _describe(flags: dict[Target, dict[str, bool]], staff: discord.Role) -> str:
    """ "hidden from @everyone; Staff: View Channel; me: Send Messages" for the report."""
    parts = []
    for target, values in flags.items():
        if isinstance(target, discord.Role) and target.is_default():
            who = "@everyone"
        elif target == staff:
            who = staff.mention
        else:
            who = "me"
        allowed = [label(name) for name, on in values.items() if on]
        denied = [label(name) for name, on in values.items() if not on]
        if allowed:
            parts.append(f"{who} may {', '.join(allowed)}")
        if denied:
            parts.append(f"{who} may not {', '.join(denied)}")
    return "; ".join(parts)


def needed_permissions(guild: discord.Guild, config: GuildConfig) -> list[str]:
    """The server-wide permissions I lack for what this run will do, before doing any of it."""
    needs: list[str] = []
    staff = _configured_role(guild, config) or _named(guild.roles, STAFF_ROLE_NAME)
    if staff is None:
        needs.append("manage_roles")
    for plan in QUICKSTART_CHANNELS:
        if _configured(guild, config, plan) is not None:
            continue
        found = _named(guild.text_channels, plan.name)
        if found is None:
            needs.append("manage_channels")
        elif staff is not None and missing_overwrites(found, plan, staff):
            needs.append("manage_roles")
    mine = guild.me.guild_permissions
    return [
        name for name in dict.fromkeys(needs) if not (mine.administrator or getattr(mine, name))
    ]


def _configured_role(guild: discord.Guild, config: GuildConfig) -> discord.Role | None:
    return guild.get_role(config.staff_role_id) if config.staff_role_id else None


def _configured(
    guild: discord.Guild, config: GuildConfig, plan: ChannelPlan
) -> discord.abc.GuildChannel | None:
    channel_id = getattr(config, plan.column)
    return guild.get_channel(channel_id) if channel_id else None


def missing_permission_sentence(names: Sequence[str]) -> str:
    wanted = " and ".join(f"**{label(name)}**" for name in names)
    return (
        f"I need the {wanted} permission{'s' if len(names) > 1 else ''} for this: give them to "
        "my role (Server Settings → Roles), then run `/setup quickstart` again. You can take "
        "them away afterwards. Nothing was changed."
    )


async def run_quickstart(guild: discord.Guild, config: GuildConfig, *, reason: str) -> Outcome:
    """Create or adopt everything; stops at the first refusal, keeping what was done."""
    outcome = Outcome()
    try:
        staff = await _staff_role(guild, config, outcome, reason)
        for plan in QUICKSTART_CHANNELS:
            await _channel(guild, config, plan, staff, outcome, reason)
    except QuickstartRefused as refused:
        outcome.problem = refused.sentence
    return outcome


async def _staff_role(
    guild: discord.Guild, config: GuildConfig, outcome: Outcome, reason: str
) -> discord.Role:
    current = _configured_role(guild, config)
    if current is not None:
        outcome.lines.append(f"Staff role {current.mention}: already set.")
        return current
    found: discord.Role | None = _named(guild.roles, STAFF_ROLE_NAME)
    if found is not None:
        outcome.lines.append(f"Staff role {found.mention}: adopted.")
        outcome.changes["staff_role_id"] = found.id
        return found
    try:
        role: discord.Role = await guild.create_role(name=STAFF_ROLE_NAME, reason=reason)
    except discord.Forbidden:
        raise QuickstartRefused(_refused("create the Staff role", "manage_roles")) from None
    except discord.HTTPException:
        raise QuickstartRefused(_trouble("create the Staff role")) from None
    log.info("setup.quickstart_created guild=%s role=%s", guild.id, role.id)
    outcome.lines.append(f"Staff role {role.mention}: created (give it to your consultants).")
    outcome.changes["staff_role_id"] = role.id
    return role


async def _channel(
    guild: discord.Guild,
    config: GuildConfig,
    plan: ChannelPlan,
    staff: discord.Role,
    outcome: Outcome,
    reason: str,
) -> None:
    current = _configured(guild, config, plan)
    if current is not None:
        outcome.lines.append(f"{plan.label} {current.mention}: already set.")
        return
    found = _named(guild.text_channels, plan.name)
    if found is not None:
        missing = missing_overwrites(found, plan, staff)
        for target, flags in missing.items():
            try:
                await found.set_permissions(
                    target,
                    overwrite=_as_overwrite(flags, found.overwrites_for(target)),
                    reason=reason,
                )
            except discord.Forbidden:
                raise QuickstartRefused(
                    _refused(f"set who can see {found.mention}", "manage_roles")
                ) from None
            except discord.HTTPException:
                raise QuickstartRefused(_trouble(f"set who can see {found.mention}")) from None
        added = f" (added: {_describe(missing, staff)})" if missing else ""
        outcome.lines.append(f"{plan.label} {found.mention}: adopted{added}.")
        outcome.changes[plan.column] = found.id
        return
    overwrites: dict[Target | discord.Object, discord.PermissionOverwrite] = {
        target: _as_overwrite(flags)
        for target, flags in wanted_overwrites(guild, plan, staff).items()
        if flags
    }
    try:
        created = await guild.create_text_channel(plan.name, overwrites=overwrites, reason=reason)
    except discord.Forbidden:
        raise QuickstartRefused(_refused(f"create #{plan.name}", "manage_channels")) from None
    except discord.HTTPException:
        raise QuickstartRefused(_trouble(f"create #{plan.name}")) from None
    log.info("setup.quickstart_created guild=%s channel=%s", guild.id, created.id)
    private = " (staff only)" if plan.staff_only else ""
    outcome.lines.append(f"{plan.label} {created.mention}: created{private}.")
    outcome.changes[plan.column] = created.id


def _refused(action: str, permission: str) -> str:
    return (
        f"Discord did not let me {action}: please check that my role has **{label(permission)}** "
        "and sits above the roles it sets, then run `/setup quickstart` again (what is done "
        "stays done)."
    )


def _trouble(action: str) -> str:
    return (
        f"Discord had a problem when I tried to {action}: please run `/setup quickstart` again "
        "in a moment (what is done stays done)."
    )
