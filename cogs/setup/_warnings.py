"""What will not work with a server's setup, in plain words for the admin: ``/setup show``'s
checks (roles, channels and my permissions in them), read from ``cogs.setup._plan``."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.consultations import ConsultType
from bot.guild_config import GuildConfig
from bot.permissions import FEATURES, invite_permissions, label
from bot.ui import escape
from cogs.setup._plan import CHECKED, CONSULT, QUEUE, ChannelPlan


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


def type_warnings(
    guild: discord.Guild, config: GuildConfig, types: Sequence[ConsultType]
) -> list[str]:
    """What will not work for each consultation type: its roles and its own channels, checked
    as the server's queue and consultation channels are (a channel a type leaves unset is the
    server's, checked by ``setup_warnings``)."""
    warnings: list[str] = []
    for kind in types:
        name = f"**{escape(kind.name, 80)}**"
        staff = guild.get_role(kind.staff_role_id)
        if staff is None:
            warnings.append(
                f"The staff role of the type {name} no longer exists: choose another with "
                "`/setup type edit`."
            )
        fallback_id = kind.urgent_fallback_role_id
        if fallback_id and guild.get_role(fallback_id) is None:
            warnings.append(f"The urgent fallback role of the type {name} no longer exists.")
        for plan, channel_id in (
            (QUEUE, kind.queue_channel_id),
            (CONSULT, kind.consult_channel_id),
        ):
            if not channel_id:
                continue
            channel = guild.get_channel(channel_id)
            if channel is None:
                warnings.append(f"The {plan.label.lower()} of the type {name} no longer exists.")
            else:
                warnings += _channel_warnings(guild, config, plan, channel, staff)
    return list(dict.fromkeys(warnings))
