"""What admins read about consultation types: pure functions of the domain's values."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot import limits
from bot.consultations import MAX_TYPES, ConsultType
from bot.ui import QUIET, WARM, add_field, embed, escape

ROUTING_NOTE = (
    "Members choose among the types when they use `/consult`, and each request goes to its "
    "type's staff role and channels. A panel posted earlier keeps its old buttons: run "
    "`/setup panel` again for an up-to-date one."
)
"""Said wherever types are administered: what a change does for members and staff."""


def title(kind: ConsultType, limit: int = 80) -> str:
    """The type's emoji (validated, so shown as it is) and its escaped name."""
    name = escape(kind.name, limit)
    return f"{kind.emoji} {name}" if kind.emoji else name


def _role(role_id: int | None) -> str:
    return f"<@&{role_id}>" if role_id else "none"


def _channel(channel_id: int | None) -> str:
    return f"<#{channel_id}>" if channel_id else "the server's"


def details(kind: ConsultType) -> str:
    """Everything about one type, in a few short lines (well within a field's limit)."""
    response = escape(kind.response_time_text, 160) if kind.response_time_text else "the server's"
    return "\n".join(
        [
            escape(kind.description, 120),
            f"Staff: {_role(kind.staff_role_id)}",
            f"Queue channel: {_channel(kind.queue_channel_id)}",
            f"Consultation channel: {_channel(kind.consult_channel_id)}",
            f"Expected response: {response}",
            f"Urgent requests also ping: {_role(kind.urgent_fallback_role_id)}",
        ]
    )


def render_types(types: Sequence[ConsultType]) -> discord.Embed:
    """``/setup type list``: every type of the server, in order, one field each."""
    result = embed(
        f"Consultation types ({len(types)} of {MAX_TYPES})",
        ROUTING_NOTE
        if types
        else "None yet: add one with `/setup type add`. Until then every request goes to "
        "the staff role of `/setup consultations`.",
        colour=QUIET,
    )
    for number, kind in enumerate(types, 1):
        add_field(result, f"{number}. {title(kind)}", details(kind))
    return result


def render_type(kind: ConsultType, warnings: Sequence[str] = ()) -> discord.Embed:
    """One type, after it was added or changed, with what will not work yet."""
    result = embed(title(kind), details(kind), colour=WARM if warnings else QUIET)
    if warnings:
        add_field(result, "Needs attention", "\n".join(f"⚠️ {w}" for w in warnings))
    return result


def types_field(types: Sequence[ConsultType]) -> tuple[str, str]:
    """``/setup show``'s compact list: one line a type, within a field's limit (the rest are
    counted, with where to see them)."""
    name = f"Consultation types ({len(types)} of {MAX_TYPES})"
    if not types:
        return name, "None: every request goes to the staff role above (`/setup type add`)."
    lines: list[str] = []
    room = limits.EMBED_FIELD_VALUE - 60  # kept for the "and N more" line
    for index, kind in enumerate(types):
        line = f"{title(kind, 60)} · {_role(kind.staff_role_id)}"
        if kind.queue_channel_id or kind.consult_channel_id:
            line += " · own channels"
        if room - len(line) - 1 < 0:
            lines.append(f"…and {len(types) - index} more: see `/setup type list`.")
            break
        room -= len(line) + 1
        lines.append(line)
    return name, "\n".join(lines)
