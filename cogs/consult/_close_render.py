"""What people see at the end of a conversation: the outcome staff pick, the member's own
close, the feedback question and what staff read of the answers. Pure functions of domain
values; member text (a comment, a display name) is escaped and cut to Discord's limits.

The outcome is staff bookkeeping: it is offered only to staff and never appears in anything
the member is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import discord
from discord import app_commands

from bot import limits
from bot.consultations import (
    DEFAULT_TYPE_NAME,
    FEEDBACK_DAYS,
    OUTCOME_LABELS,
    Audience,
    Comment,
    Consultation,
    FeedbackStats,
    Outcome,
    OutcomeCounts,
)
from bot.crisis import REMINDER
from bot.ui import QUIET, add_field, embed, escape, shorten
from cogs._names import Names, person
from cogs.consult._embeds import format_wait
from cogs.consult._who import member_ref

OUTCOME_CHOICES = [
    app_commands.Choice(name=OUTCOME_LABELS[outcome], value=outcome.value) for outcome in Outcome
]
"""The outcomes as ``/ticket close``'s choices (Discord allows 25)."""

AUDIENCE_LABELS: dict[Audience, str] = {
    Audience.CONSULTANT: "My consultant and the team leads",
    Audience.LEADS: "Only the team leads",
}
AUDIENCE_NOTES: dict[Audience, str] = {
    Audience.CONSULTANT: "the staff member who was with you and the team leads",
    Audience.LEADS: "only the team leads",
}


def outcome_select(custom_id: str, *, required: bool) -> discord.ui.Select[discord.ui.View]:
    """A menu of the outcomes (in the close form, or after a close without one)."""
    return discord.ui.Select(
        custom_id=custom_id,
        placeholder="Where did the conversation lead?",
        required=required,
        options=[
            discord.SelectOption(label=shorten(label, limits.SELECT_LABEL), value=outcome.value)
            for outcome, label in OUTCOME_LABELS.items()
        ],
    )


def parse_outcome(value: object) -> Outcome | None:
    """An outcome from a form's or menu's value (a list of one string), or None."""
    first = value[0] if isinstance(value, list) and value else value
    try:
        return Outcome(first) if isinstance(first, str) else None
    except ValueError:
        return None


def closed_reply(consultation: Consultation, *, asked: bool) -> str:
    """To the staff member who closed; ``asked``: no outcome was chosen, the menu follows."""
    text = f"Request #{consultation.number} is closed."
    if consultation.outcome is not None:
        return f"{text} Outcome recorded: {OUTCOME_LABELS[consultation.outcome]}."
    if asked:
        text += (
            " Where did the conversation lead? Choose an outcome below for the group's "
            "records (only staff see it; the member never does)."
        )
    return text


def outcome_saved(consultation: Consultation) -> str:
    outcome = consultation.outcome
    label = OUTCOME_LABELS[outcome] if outcome is not None else "none"
    return f"Thank you. Outcome of request #{consultation.number}: {label}."


# --------------------------------------------------------------------------- the member's close

MEMBER_CLOSE_LABEL = "Close my request"
STAFF_PRESSED = (
    'Thank you for looking after this request. "Close my request" is for the member; staff '
    "close a request with `/ticket close` in this thread (it asks for the outcome too)."
)
NOT_YOURS = (
    "This button is for the member who asked for this conversation. If you'd like to talk "
    "with a consultant yourself, `/consult` is there for you."
)


def confirm_member_close(consultation: Consultation) -> str:
    return (
        f"Close request #{consultation.number}? Your consultant will be told here, and the "
        "thread will be locked. Whenever you'd like to talk again, `/consult` is there."
    )


def member_closed_reply(consultation: Consultation) -> str:
    return (
        f"Request #{consultation.number} is closed. Thank you for talking with us. Whenever "
        "you'd like to talk again, use `/consult`; if you need help right now, `/crisis` lists "
        "free lines open any time."
    )


def member_closed_message(consultation: Consultation, consultant_id: int) -> str:
    """In the thread: the member closed it (the consultant is pinged: staff are told here)."""
    return (
        f"{member_ref(consultation)} closed request #{consultation.number}. <@{consultant_id}>, "
        "thank you for being with them.\nWhenever you'd like to talk again, use `/consult`. If "
        "you need help right now, `/crisis` lists free lines open any time."
    )


def member_closed_log_line(consultation: Consultation, member_name: str | None) -> str:
    """The log channel's line: ids and a display name, never anything the member wrote."""
    name = f" ({escape(member_name, 100)})" if member_name else ""
    if consultation.first_claimed_at is not None:
        waited = format_wait(consultation.first_claimed_at - consultation.created_at)
        waited = f"waited {waited} to be claimed"
    else:  # pragma: no cover - a member closes only a request someone claimed
        waited = "never claimed"
    return (
        f"📁 Request #{consultation.number} closed by the member, {member_ref(consultation)}"
        f"{name}, with Close my request · {waited}"
    )


# --------------------------------------------------------------------------- the feedback question


def feedback_question(
    consultation: Consultation, server_name: str, *, in_thread: bool, reminder: str = REMINDER
) -> str:
    """ "How did this go?", by DM (or, when DMs are closed, in the thread)."""
    where = (
        f"{member_ref(consultation)}, one last question about request #{consultation.number}"
        if in_thread
        else (
            f"Hi, this is the support bot of {escape(server_name, 100)}. Your request "
            f"#{consultation.number} is closed; one last question"
        )
    )
    return shorten(
        f"{where}: **how did this go?** Choose from 1 (not helpful) to 5 (very helpful). "
        "It is optional, your answer is private (only the team leads see it; other staff see "
        f"only totals), and you can add a short comment after. It stays open for "
        f"{FEEDBACK_DAYS} days.\n-# " + reminder,
        limits.MESSAGE_CONTENT,
    )


def rated_reply(rating: int) -> str:
    return (
        f"Thank you for telling us (you chose {rating} of 5). If you'd like, you can add a "
        "short comment, and choose who may read it."
    )


def commented_reply(audience: Audience) -> str:
    return f"Thank you. Your comment is saved; {AUDIENCE_NOTES[audience]} can read it."


# --------------------------------------------------------------------------- what staff read


def _outcome_lines(counts: OutcomeCounts) -> str:
    lines = [
        f"{OUTCOME_LABELS[outcome]}: {counts.counts[outcome]}"
        for outcome in Outcome
        if counts.counts.get(outcome)
    ]
    if counts.unrecorded:
        lines.append(f"None recorded: {counts.unrecorded}")
    return "\n".join(lines) or "no staff closes yet"


def _average(count: int, mean: float) -> str:
    return f"{mean:.1f} of 5 from {count} {'rating' if count == 1 else 'ratings'}"


def add_close_stats(
    result: discord.Embed,
    outcomes: Sequence[OutcomeCounts],
    ratings: FeedbackStats,
    names: Mapping[int, str],
    people: Names | None = None,
) -> discord.Embed:
    """``/queue stats``' outcomes (counts only, per period) and ratings (averages per type,
    ``names`` the types'; per staff member only when ``ratings.per_staff`` is there: a staff
    lead reads it, with ``people``'s display names)."""
    for counts in outcomes:
        add_field(result, f"Outcomes ({counts.days} days)", _outcome_lines(counts))
    per_type = "\n".join(
        f"{escape(names.get(a.key, DEFAULT_TYPE_NAME) if a.key else DEFAULT_TYPE_NAME, 60)}: "
        f"{_average(a.count, a.mean)}"
        for a in ratings.per_type
    )
    add_field(result, f"Feedback ({ratings.days} days)", per_type or "no ratings yet")
    if ratings.per_staff is not None:
        per_staff = "\n".join(
            f"{person(a.key or 0, people)}: {_average(a.count, a.mean)}" for a in ratings.per_staff
        )
        add_field(
            result,
            f"Feedback per staff member ({ratings.days} days, leads only)",
            per_staff or "no ratings yet",
        )
    return result


def comments_embed(
    comments: Sequence[Comment], *, lead: bool, names: Names | None = None
) -> discord.Embed:
    """``/queue feedback``: the newest comments the reader may see. A lead sees each rating,
    the consultant and who the member let read it; a consultant only the words shared with
    them (no rating: per-person figures are for the leads)."""
    if lead:
        intro = "Members' comments after their conversations, newest first (leads only)."
    else:
        intro = "Comments members chose to share with you after your conversations."
    result = embed("Feedback", intro if comments else "No comments yet.", colour=QUIET)
    budget = limits.EMBED_TOTAL - 400
    for comment in comments:
        text = escape(comment.text, 600)
        name = f"Request #{comment.number} · {comment.written_at:%Y-%m-%d}"
        if lead:
            who = person(comment.staff_id, names) if comment.staff_id else "a former staff member"
            shared = "shared with them" if comment.audience is Audience.CONSULTANT else "leads only"
            text = f"{comment.rating} of 5 · {who} · {shared}\n{text}"
        if len(text) + len(name) > budget or len(result.fields) >= limits.EMBED_FIELDS:
            break
        budget -= len(text) + len(name)
        add_field(result, name, text)
    return result
