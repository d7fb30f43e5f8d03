"""What ``/setup show`` (and every saved ``/setup`` command) shows: pure functions."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.bot import describe_where
from bot.consultations import ConsultType
from bot.guild_config import GuildConfig, SafetyReply
from bot.incidents import Incident
from bot.ui import QUIET, WARM, add_field, embed, escape
from cogs.setup._type_render import types_field

RESPONSE_TIME_LIMIT = 100


def _mention_channel(config_id: int | None) -> str:
    return f"<#{config_id}>" if config_id else "not set"


def _mention_role(role_id: int | None) -> str:
    return f"<@&{role_id}>" if role_id else "not set"


_REPLY_NAMES = {SafetyReply.DM: "by DM", SafetyReply.CHANNEL: "in the channel"}


def quiet_lines(config: GuildConfig) -> list[str]:
    """``/setup conversations``: what a quiet claimed conversation gets, and staff reminders."""
    if config.quiet_nudge_hours:
        quiet = f"Quiet conversations: a check-in after {config.quiet_nudge_hours} h without a "
        quiet += "message from the member · " + (
            f"closed {config.quiet_close_hours} h after it (no reply)"
            if config.quiet_close_hours
            else "never closed automatically"
        )
    else:
        quiet = "Quiet conversations: no check-in, never closed automatically"
    reply = (
        f"Remind the claimer after {config.staff_reply_minutes} min without a reply"
        if config.staff_reply_minutes
        else "Reminder to reply to the member: off"
    )
    return [quiet, reply]


def describe_incident(incident: Incident) -> str:
    """One line of ``/setup show``'s list."""
    when = discord.utils.format_dt(incident.first_at, "f")
    times = (
        f" · {incident.count} times, last {discord.utils.format_dt(incident.last_at, 't')}"
        if incident.count > 1
        else ""
    )
    return (
        f"{when} · {incident.kind.value} in `{describe_where(incident.where)}` "
        f"· `{incident.error_id}`{times}"
    )


def render_setup(
    guild: discord.Guild,
    config: GuildConfig,
    warnings: list[str],
    incidents: Sequence[Incident] = (),
    types: Sequence[ConsultType] = (),
    hours_lines: Sequence[str] = (),
) -> discord.Embed:
    """``hours_lines``: the working hours of the server, of each type and the closures
    (``cogs.setup._hours``), shown by ``/setup show``."""
    result = embed("Setup for this server", colour=WARM if warnings else QUIET)
    hours = (
        f"{config.work_start_hour:02d}:00–{config.work_end_hour:02d}:00 {config.timezone or 'UTC'}"
        f" · out of hours: {config.hours_mode}"
        if config.work_start_hour is not None and config.work_end_hour is not None
        else "not set (always on)"
    )
    add_field(
        result,
        "Consultations",
        "\n".join(
            [
                f"Staff role: {_mention_role(config.staff_role_id)}",
                f"Queue channel: {_mention_channel(config.queue_channel_id)}",
                f"Consultation channel: {_mention_channel(config.consult_channel_id)}",
                f"Log channel: {_mention_channel(config.log_channel_id)}",
                f"Expected response: {escape(config.expected_response, RESPONSE_TIME_LIMIT)}",
                f"Working hours: {hours}",
                f"Cooldown after a request: {config.cooldown_minutes} min · "
                f"cap {config.hourly_cap}/hour",
                f"Re-ping unclaimed after {config.reminder_minutes} min "
                f"(urgent {config.urgent_reminder_minutes} min)",
                "Cap per staff member: "
                + (f"{config.claim_cap} open requests" if config.claim_cap else "none")
                + f" · on call to claim: {'required' if config.require_oncall else 'not required'}",
                *quiet_lines(config),
            ]
        ),
    )
    add_field(result, *types_field(types))
    if hours_lines:
        add_field(result, "Working hours and closures", "\n".join(hours_lines)[:1024])
    add_field(
        result,
        "Group",
        "\n".join(
            [
                f"Welcome channel: {_mention_channel(config.welcome_channel_id)}"
                f" · DM instead: {'yes' if config.welcome_dm else 'no'}"
                f" · ping newcomer: {'yes' if config.welcome_ping else 'no'}",
                f"Meetings channel: {_mention_channel(config.meetings_channel_id)}"
                f" · remind {config.meeting_reminder_minutes} min before",
                f"Member role after agreeing to guidelines: {_mention_role(config.member_role_id)}",
                f"Milestone celebrations: {_mention_channel(config.celebrate_channel_id)}",
                f"Crisis-language safety net: {'on' if config.safety_enabled else 'off'}"
                f" · reaches members {_REPLY_NAMES[config.safety_reply]}",
                f"Crisis lines shown first: {config.crisis_region or 'US (the default)'}"
                " · `/setup crisis`; members can pick their own in `/crisis`",
            ]
        ),
    )
    add_field(
        result,
        "Needs attention" if warnings else "Checks",
        "\n".join(f"⚠️ {w}" for w in warnings) if warnings else "Everything looks ready.",
    )
    if incidents:
        add_field(
            result,
            "Recent problems (since the bot started; details in its log under each id)",
            "\n".join(describe_incident(incident) for incident in incidents),
        )
    return result
