"""What people see of the consultation blocklist: pure functions of domain values.

A blocked member is told warmly that requests are paused (and until when), never why, and
always gets the crisis lines and the urgent button beside this. Staff leads see the reasons in
``/consult-block list``; the log channel gets ids and times only, never a reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import discord

from bot import limits
from bot.consultations import ConsultBlock
from bot.privacy import ERASED_ID
from bot.ui import QUIET, WARM, add_field, embed, escape
from cogs._names import Names, person
from cogs.consult._embeds import ts

BLOCK_PAGE_SIZE = 8
"""Blocks per ``/consult-block list`` page: 8 of the longest (a 100-character name, a
300-character reason escaped to at most 400) stay under Discord's 6,000 per message."""

NAME_LIMIT = 100
REASON_SHOWN = 400


def until_words(until: dt.datetime | None) -> str:
    """ "until <date> (<in 3 days>)", or "until a staff lead lifts it"."""
    if until is None:
        return "until a staff lead lifts it"
    return f"until {ts(until, 'f')} ({ts(until)})"


def paused_embed(until: dt.datetime | None) -> discord.Embed:
    """What a member whose requests are paused reads when they ask (with the crisis lines)."""
    if until is None:
        when = "for now"
        after = ""
    else:
        when = f"until {ts(until, 'F')} ({ts(until)})"
        after = " After that, you can ask again."
    return embed(
        "Requests are paused for you right now",
        f"Requests to talk with a consultant are paused for you in this server {when}.{after} "
        "You are still welcome in the group, and everything else here works as usual.\n\n"
        "**If you are struggling right now**, press *Talk to a consultant now* below and staff "
        "will see it straight away. The crisis lines below are free and open any time.",
        colour=WARM,
    )


def card_flag(block: ConsultBlock) -> tuple[str, str]:
    """The field on a staff card whose member is blocked (an urgent request still comes)."""
    return (
        "⏸ Routine requests paused for this member",
        "This member is blocked from routine requests (reason visible to staff leads via "
        f"`/consult-block list`), {until_words(block.expires_at)}. Urgent requests always "
        "reach you.",
    )


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _by(staff_id: int, names: Names | None = None) -> str:
    if staff_id == ERASED_ID:
        return "a staff lead (who has since erased their data)"
    return person(staff_id, names)


def added_reply(block: ConsultBlock, *, replaced: bool) -> str:
    again = " This replaces their earlier block." if replaced else ""
    return (
        f"Routine consultation requests are paused for <@{block.member_id}> "
        f"{until_words(block.expires_at)}.{again} When they ask, they are told kindly, with "
        "the crisis lines; an urgent request from them still reaches staff, flagged on its card."
    )


def removed_reply(member_id: int, block: ConsultBlock | None, now: dt.datetime) -> str:
    if block is None:
        return f"<@{member_id}> isn't blocked from consultation requests here."
    if not block.active(now):
        return f"<@{member_id}>'s block had already ended; it is removed now."
    return f"Consultation requests are open again for <@{member_id}>."


def added_log_line(block: ConsultBlock) -> str:
    """The log channel's line: ids and times, never the reason."""
    return (
        f"⏸ Routine consultation requests paused for <@{block.member_id}> by "
        f"{_by(block.blocked_by)}, {until_words(block.expires_at)}. Urgent requests still "
        "reach staff."
    )


def removed_log_line(block: ConsultBlock, by: int) -> str:
    return f"▶ Consultation requests open again for <@{block.member_id}> (lifted by <@{by}>)."


def list_embed(
    blocks: Sequence[ConsultBlock],
    names: Mapping[int, str | None],
    *,
    total: int,
    page: int,
    pages: int,
) -> discord.Embed:
    """One page of ``/consult-block list`` (staff leads only: it shows the reasons).

    ``names`` holds each blocked member's (and blocker's) display name, None for one no
    longer in the server; a member missing from it is shown by mention only."""
    shown_as = Names(
        {i: name for i, name in names.items() if name},
        frozenset(i for i, name in names.items() if name is None),
    )
    if total == 0:
        return embed(
            "Consultation blocks",
            "Nobody is blocked from consultation requests in this server.",
            colour=QUIET,
        )
    people = "1 member is" if total == 1 else f"{total} members are"
    result = embed(
        "Consultation blocks",
        f"{people} blocked from routine requests here; urgent requests still reach staff. "
        "`/consult-block remove` lifts a block."
        + (f"\nPage {page + 1} of {pages}." if pages > 1 else ""),
        colour=WARM,
    )
    for block in blocks:
        if block.member_id not in names:
            title = "(name not available right now)"
        else:
            name = names[block.member_id]
            title = escape(name, NAME_LIMIT) if name else "(no longer in the server)"
        reason = (
            f"Reason: {escape(block.reason, REASON_SHOWN)}" if block.reason else "No reason given."
        )
        add_field(
            result,
            title,
            f"<@{block.member_id}> · blocked by {_by(block.blocked_by, shown_as)} "
            f"{ts(block.created_at, 'd')}\n"
            f"{_first_upper(until_words(block.expires_at))}\n{reason}",
        )
    while len(result) > limits.EMBED_TOTAL and result.fields:  # never reached at 8 a page
        result.remove_field(-1)
    return result
