"""What quiet threads say (pure functions): the check-in, the automatic close, the reminder to
the claimer, ``/ticket hold`` and the card's "on hold" field."""

from __future__ import annotations

import datetime as dt

from bot.consultations import Consultation
from cogs.consult._embeds import format_wait

HOLD_FIELD = "⏸ On hold"
HOLD_VALUE = "No check-in and no automatic close while it is quiet (`/ticket hold` to resume)."


def _hours(count: int) -> str:
    if count % 24 == 0 and count >= 48:
        return f"{count // 24} days"
    return "an hour" if count == 1 else f"{count} hours"


def nudge_message(request: Consultation, close_hours: int) -> str:
    """The gentle check-in in the thread (sent with every crisis line): warm, short, no
    pressure; says when the request would close, if the server closes quiet ones."""
    text = (
        f"Hi <@{request.member_id}>, just checking in on request #{request.number}. We're "
        "still here whenever you're ready, there's no rush. You can write here any time."
    )
    if close_hours:
        text += (
            f" If it stays quiet, I'll close this request in about {_hours(close_hours)}; "
            "you can always ask again with `/consult`."
        )
    return text + " If things feel heavy right now, the lines below are free and open any time."


def auto_closed_message(request: Consultation) -> str:
    """The thread's last message when the bot closes a quiet request (with the crisis lines)."""
    return (
        f"<@{request.member_id}>, I've closed request #{request.number} for now, as it's been "
        "quiet for a while. That's completely okay. Whenever you'd like to talk again, use "
        "`/consult`: you can start a new request straight away. If you need help right now, "
        "the lines below are free and open any time."
    )


def auto_closed_log_line(request: Consultation) -> str:
    """The log channel's line: ids and times only, as every close's."""
    if request.first_claimed_at is not None:
        waited = f"waited {format_wait(request.first_claimed_at - request.created_at)}"
        waited += " to be claimed"
    else:  # pragma: no cover - only claimed requests are closed this way
        waited = "never claimed"
    return (
        f"📁 Request #{request.number} closed by the bot: no reply from the member after a "
        f"check-in (outcome: no reply) · {waited}"
    )


def staff_reminder(request: Consultation, claimer_id: int, now: dt.datetime) -> str:
    """In the type's queue channel, pinging the claimer only."""
    since = request.awaiting_staff_since or now
    return (
        f"<@{claimer_id}>, <@{request.member_id}> wrote in request #{request.number} "
        f"(<#{request.thread_id}>) {format_wait(now - since)} ago and is waiting for a reply."
    )


def hold_notice(request: Consultation) -> str:
    """In the thread (the member sees it): what the hold means for them."""
    if request.on_hold:
        return (
            f"Request #{request.number} is on hold: it stays open for as long as it's needed, "
            "and I won't check in or close it while it's quiet."
        )
    return (
        f"Request #{request.number} is no longer on hold. Take your time: if it goes quiet for "
        "a while, I'll check in gently."
    )


def hold_reply(request: Consultation, *, changed: bool) -> str:
    """The staff member's private answer to ``/ticket hold``."""
    if request.on_hold:
        head = "is now on hold" if changed else "was already on hold"
        return (
            f"Request #{request.number} {head}: no check-in and no automatic close while it is "
            "quiet (reminders to reply still come). `/ticket hold state:off` takes it off."
        )
    if not changed:
        return f"Request #{request.number} wasn't on hold. `/ticket hold` puts it on hold."
    return (
        f"Request #{request.number} is no longer on hold: its quiet time counts from now. "
        "`/ticket hold` puts it on hold again."
    )
