"""What people read about follow-ups: pure functions of the domain's values.

Times are Discord timestamps (``<t:…>``), which every reader sees in their own time zone; the
zone the time was typed in is named where staff book it. The consultant's note is staff-only:
it is shown in staff channels and replies, escaped, never in the member's thread or DM.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import discord

from bot import limits
from bot.consultations import Consultation, FollowUp, FollowUpState
from bot.crisis import REMINDER
from bot.timezones import load_zone
from bot.ui import QUIET, add_field, embed, escape, shorten
from cogs._names import Names, person
from cogs.consult._embeds import ts

DUE_TITLE = "Follow-ups due (next 24 h)"
NOTE_SHOWN = 600
"""The most of a note a staff message quotes (characters, after escaping)."""


def when(moment: dt.datetime) -> str:
    """ "<date and time> (<in 3 days>)", each in the reader's own time zone."""
    return f"{ts(moment, 'F')} ({ts(moment, 'R')})"


def _booker(follow_up: FollowUp, names: Names | None = None) -> str:
    return person(follow_up.staff_id, names) if follow_up.staff_id else "a staff member"


def _note(follow_up: FollowUp) -> str:
    if not follow_up.note:
        return ""
    quoted = escape(follow_up.note, NOTE_SHOWN).replace("\n", "\n> ")
    return f"\nNote from booking it:\n> {quoted}"


def _cut(text: str) -> str:
    return shorten(text, limits.MESSAGE_CONTENT)


# --------------------------------------------------------------------------- booking


def booked_reply(follow_up: FollowUp, *, zone_is_members: bool, staff_zone: str | None) -> str:
    """To the staff member who booked it (private)."""
    local = follow_up.due_at.astimezone(load_zone(follow_up.timezone))
    whose = (
        "their time zone"
        if zone_is_members
        else "the server's time zone: they haven't saved their own"
    )
    text = (
        f"Follow-up booked with <@{follow_up.member_id}> for **{local:%a %d %b %Y, %H:%M}** "
        f"in {follow_up.timezone} ({whose}): {when(follow_up.due_at)} on your own clock."
    )
    if staff_zone is not None and staff_zone != follow_up.timezone:
        mine = follow_up.due_at.astimezone(load_zone(staff_zone))
        text += f" In your saved time zone ({staff_zone}) that is {mine:%a %d %b, %H:%M}."
    return _cut(
        text
        + " Then I'll open this conversation again with you and ping you"
        + (" with your note" if follow_up.note else "")
        + ". They were told here and can cancel it; `/queue follow-ups` lists yours."
    )


def booked_message(follow_up: FollowUp) -> str:
    """In the request's thread, to the member (it pings them), above the cancel button."""
    return _cut(
        f"<@{follow_up.member_id}>, {_booker(follow_up)} booked a check-in with you for "
        f"{when(follow_up.due_at)}. When it comes round, I'll open this conversation again and "
        "let you both know. If that time doesn't suit you, the button below cancels it; that's "
        "completely fine. If you need someone sooner, `/consult` and `/crisis` are always here."
    )


def cancelled_notice(follow_up: FollowUp, actor_id: int) -> str:
    """In the thread once it is cancelled (pinging no one)."""
    return f"<@{actor_id}> cancelled the check-in that was booked for {ts(follow_up.due_at, 'F')}."


def cancelled_reply(follow_up: FollowUp, *, by_member: bool) -> str:
    if by_member:
        return (
            f"Cancelled: the check-in for {ts(follow_up.due_at, 'F')} won't happen, and "
            f"{_booker(follow_up)} can see that. Whenever you'd like to talk, `/consult` is "
            "here, and `/crisis` lists free lines open any time."
        )
    return (
        f"Cancelled the check-in with <@{follow_up.member_id}> for "
        f"{ts(follow_up.due_at, 'F')}; they can see that in their thread."
    )


# --------------------------------------------------------------------------- when it comes round


def checking_in_message(
    follow_up: FollowUp, request: Consultation, *, reopened: bool, reminder: str = REMINDER
) -> str:
    """In the thread, to the member (it pings them); sent with every crisis line. ``reopened``:
    the conversation was opened again for it (else it is the member's own open request)."""
    if reopened:
        where = ", so this conversation is open again"
    elif request.claimed_by not in (None, follow_up.staff_id):
        where = f", and <@{request.claimed_by}> is here with you"
    else:
        where = ""
    return _cut(
        f"Hi <@{follow_up.member_id}>, {_booker(follow_up)} asked to check in with you "
        f"today{where}. How have things been? Reply whenever you're ready; there's no rush. If "
        "you need someone right now, the lines below are free and open any time.\n-# " + reminder
    )


def checking_in_dm(follow_up: FollowUp, request: Consultation, server_name: str) -> str:
    """By DM, when there is no thread with staff to say it in (the request is waiting)."""
    return _cut(
        f"Hi, {_booker(follow_up)} from the staff team in {escape(server_name, 100)} asked to "
        f"check in with you today. Your request #{request.number} is waiting for the next "
        "staff member, who will join you in a private thread there. If you'd rather not, "
        "`/consult-cancel` in the server withdraws it. If you need someone right now, the "
        "lines below are free and open any time."
    )


def _about(follow_up: FollowUp, names: Names | None = None) -> str:
    return (
        f"the follow-up {_booker(follow_up, names)} booked with "
        f"{person(follow_up.member_id, names)} (after request #{follow_up.number})"
    )


def claimed_notice(
    follow_up: FollowUp, request: Consultation, thread_id: int, names: Names | None = None
) -> str:
    """In the type's queue channel, pinging the consultant; ``names`` (here and in the other
    staff notices) shows the people's display names beside their mentions."""
    return _cut(
        f"<@{follow_up.staff_id}> It's time for {_about(follow_up, names)}: request "
        f"#{request.number} is open again with you in <#{thread_id}>.{_note(follow_up)}"
    )


def active_notice(
    follow_up: FollowUp,
    request: Consultation,
    *,
    thread_id: int | None,
    names: Names | None = None,
) -> str:
    """The member already had an open or claimed request: the follow-up went there."""
    claimer = person(request.claimed_by or 0, names)
    if request.claimed_by is not None and thread_id is not None:
        where = (
            f"They already have request #{request.number} with {claimer}, so I "
            f"posted the check-in in <#{thread_id}>."
        )
    elif request.claimed_by is not None:
        where = (
            f"They already have request #{request.number} with {claimer}; I "
            "couldn't post in its thread, so I told them by DM if I could."
        )
    else:
        where = (
            f"They already have request #{request.number} waiting in the queue: claim it from "
            "its card or `/queue list`."
        )
    return _cut(f"It's time for {_about(follow_up, names)}. {where}{_note(follow_up)}")


RELEASED = "it was put back in the queue since"


def no_thread(problem: str) -> str:
    return f"I couldn't open its private thread ({problem})"


def consultant_gone(follow_up: FollowUp) -> str:
    if follow_up.staff_id:
        return f"<@{follow_up.staff_id}> is no longer on the staff team for it"
    return "the staff member who booked it is no longer available"


def queue_notice(
    follow_up: FollowUp, request: Consultation, why: str, names: Names | None = None
) -> str:
    """A new request waiting in the queue for the follow-up: what it is, and ``why``."""
    return _cut(
        f"Request #{request.number} is {_about(follow_up, names)}, but {why}, so it is waiting for "
        f"someone to claim it.{_note(follow_up)}"
    )


def member_left_notice(follow_up: FollowUp) -> str:
    return _cut(
        f"It was time for {_about(follow_up)}, but they have left the server, so nothing was "
        f"opened.{_note(follow_up)}"
    )


def ended_notice(follow_up: FollowUp, request: Consultation, names: Names | None = None) -> str:
    """A follow-up delivered after a restart whose request was closed in between."""
    return _cut(
        f"It was time for {_about(follow_up, names)}; request #{request.number} it opened was "
        f"closed in the meantime.{_note(follow_up)}"
    )


# --------------------------------------------------------------------------- lists


def due_lines(
    items: Sequence[FollowUp], total: int, now: dt.datetime, names: Names | None = None
) -> str:
    """``/queue list``'s section: overdue ones (not yet delivered) first, each on one line,
    with ``names``' display names beside the member's and the booker's mentions."""
    lines = []
    for item in items:
        if item.state is FollowUpState.FIRED:
            state = "opening now"
        elif item.due_at <= now:
            state = f"⚠ overdue, due {ts(item.due_at)}"
        else:
            state = f"due {ts(item.due_at)}"
        lines.append(
            shorten(
                f"{state} · {person(item.member_id, names)} · after request #{item.number} · "
                f"booked by {_booker(item, names)}",
                200,
            )
        )
    if total > len(items):
        lines.append(f"and {total - len(items)} more")
    return "\n".join(lines)


def add_due_section(
    target: discord.Embed,
    items: Sequence[FollowUp],
    total: int,
    now: dt.datetime,
    names: Names | None = None,
) -> None:
    if items:
        add_field(target, DUE_TITLE, due_lines(items, total, now, names))


def own_list_embed(items: Sequence[FollowUp], names: Names | None = None) -> discord.Embed:
    """``/queue follow-ups``: the caller's booked check-ins, numbered for the buttons, each
    member with ``names``' display name."""
    if not items:
        return embed(
            "Your follow-ups",
            "You have no check-ins booked here. Book one with `/ticket follow-up` in a "
            "request's thread.",
            colour=QUIET,
        )
    lines = [
        shorten(
            f"**{n}.** {when(item.due_at)} · {person(item.member_id, names)} · "
            f"after request #{item.number}" + (f" · {escape(item.note, 80)}" if item.note else ""),
            300,
        )
        for n, item in enumerate(items, 1)
    ]
    return embed("Your follow-ups", "\n".join(lines), colour=QUIET)


def member_list_embed(items: Sequence[FollowUp], names: Names | None = None) -> discord.Embed:
    """``/consult-status``: the check-ins booked with the member, numbered for the buttons,
    each consultant with ``names``' display name (so the member knows who it is)."""
    lines = [
        f"**{n}.** {when(item.due_at)} with {_booker(item, names)}"
        for n, item in enumerate(items, 1)
    ]
    result = embed("Check-ins booked with you", "\n".join(lines))
    add_field(
        result,
        "Not a good time?",
        "You can cancel any of them below; nobody will mind.",
    )
    return result
