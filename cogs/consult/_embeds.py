"""What people see about consultation requests: pure functions of domain objects.

No I/O here. Member text (notes, preferred times, close reasons) is always passed through
``bot.ui.escape`` and cut to Discord's limits; mentions in what we render never ping, because
the bot's allowed_mentions are none (only the staff-role alert opts in, for that role).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import discord

from bot import limits
from bot.consultations import (
    TOPIC_LABELS,
    AlreadyClaimedError,
    AlreadyHoldsError,
    CloseKind,
    Consultation,
    ConsultType,
    NotTheClaimerError,
    NotYourTypeError,
    OverCapError,
    QueueStats,
    StaffNote,
    Status,
    Urgency,
    open_requests,
)
from bot.crisis import REMINDER
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.i18n import ENGLISH
from bot.i18n.messages import say
from bot.ui import CALM, QUIET, URGENT, WARM, add_field, embed, escape, shorten
from cogs._names import Names, person
from cogs.consult._kinds import about, not_your_type, what_about
from cogs.consult._kinds import scope_line as scope_line
from cogs.consult._problems import NEEDED_PERMISSIONS as NEEDED_PERMISSIONS
from cogs.consult._problems import describe_problem as describe_problem
from cogs.consult._who import member_ref

PAGE_SIZE = 10
"""Requests per /queue page: 10 lines of ~200 characters stay far below the 4096 limit."""


def refusal(error: UserFacingError) -> str:
    """What staff read for a refusal: the domain's ids of a staff member become a mention."""
    if isinstance(error, AlreadyClaimedError):
        return f"Request #{error.number} was already claimed by <@{error.claimed_by}>."
    if isinstance(error, AlreadyHoldsError):
        return f"<@{error.staff_id}> already has request #{error.number}."
    if isinstance(error, OverCapError) and error.transfer:
        return (
            f"<@{error.staff_id}> already has {open_requests(error.count)}, which is this "
            f"server's cap of {error.cap} per person, so they can't take this one."
        )
    if isinstance(error, NotTheClaimerError):
        return (
            f"Only <@{error.claimed_by}>, who claimed request #{error.number}, or a "
            f"server admin can {error.action} it."
        )
    if isinstance(error, NotYourTypeError):
        return not_your_type(error)
    return error.message


URGENCY_BADGES: dict[Urgency, str] = {
    Urgency.URGENT: "🔴 urgent",
    Urgency.SOON: "🟠 soon",
    Urgency.ROUTINE: "🟢 routine",
}


def ts(moment: dt.datetime, style: str = "R") -> str:
    """A Discord timestamp: every reader sees it in their own time zone (and it stays fresh)."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def format_wait(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def _header(consultation: Consultation) -> str:
    return f"Request #{consultation.number} · {URGENCY_BADGES[consultation.urgency]}"


def _status_line(consultation: Consultation, names: Names | None) -> str:
    if consultation.status is Status.OPEN:
        line = f"Waiting since {ts(consultation.created_at)}"
    elif consultation.status is Status.CLAIMED:
        line = f"Claimed by {person(consultation.claimed_by or 0, names)}"
        if consultation.thread_id:
            line += f" · <#{consultation.thread_id}>"
    elif consultation.status is Status.CANCELLED:
        line = "Cancelled by the member"
    elif consultation.close_kind is CloseKind.THREAD_DELETED:
        line = "Closed: its private thread was deleted"
    elif consultation.close_kind is CloseKind.CARD_DELETED:
        line = "Closed: its queue card was deleted"
    elif consultation.closed_by_bot:
        line = "Closed by the bot: no reply after a check-in"
    else:
        closer = consultation.closed_by
        if closer is not None and closer == consultation.member_id and consultation.alias:
            line = f"Closed by {member_ref(consultation)} (the member)"
        else:
            line = f"Closed by {person(closer, names)}" if closer else "Closed"
    if consultation.member_left:
        line += "\n⚠ The member has left the server."
    return line


BY_DM = (
    "The member wrote to the bot in a DM and talks there: they won't be in the thread. "
    "Answer with `/reply` in it."
)


def card_embed(
    consultation: Consultation,
    flag: tuple[str, str] | None = None,
    kind: ConsultType | None = None,
    names: Names | None = None,
) -> discord.Embed:
    """The staff card in the queue channel; ``flag`` is an extra field (name, value) while it
    is active, such as "routine requests paused for this member"; ``kind`` its type; ``names``
    the display names shown beside the member's, claimer's and closer's mentions."""
    colour = {
        Status.OPEN: URGENT if consultation.urgency is Urgency.URGENT else WARM,
        Status.CLAIMED: CALM,
    }.get(consultation.status, QUIET)
    result = embed(_header(consultation), _status_line(consultation, names), colour=colour)
    add_field(result, "Member", member_ref(consultation, names), inline=True)
    add_field(result, *about(consultation, kind), inline=True)
    add_field(result, "Opened", ts(consultation.created_at, "f"), inline=True)
    if consultation.preferred_time:
        add_field(
            result,
            "Preferred time",
            escape(consultation.preferred_time, limits.EMBED_FIELD_VALUE),
        )
    if consultation.note and consultation.active:
        add_field(result, "Note from the member", escape(consultation.note, 1000))
    if consultation.by_dm and consultation.active:
        add_field(result, "By DM", BY_DM)
    if flag is not None and consultation.active:
        add_field(result, *flag)
    problem = describe_problem(consultation.problem)
    if problem and consultation.active:
        add_field(result, "⚠ Needs attention", problem)
    return result


def card_content(consultation: Consultation, staff_role_id: int | None) -> str:
    """The card's message text: pings the staff role for an urgent request only."""
    if consultation.urgency is Urgency.URGENT and staff_role_id and consultation.active:
        return f"<@&{staff_role_id}> Urgent request #{consultation.number}: someone is struggling."
    return f"Request #{consultation.number}"


def staff_back_line(back: dt.datetime | None, language: str = ENGLISH) -> str | None:
    """The "Working hours" line; ``back`` from ``OpeningHours.staff_back`` (None: no line)."""
    if back is None:
        return None
    return say(language, "consult.back", when=ts(back, "F"), relative=ts(back))


def receipt_embed(
    consultation: Consultation,
    position: int | None,
    config: GuildConfig,
    back_at: dt.datetime | None,
    *,
    created: bool,
    kind: ConsultType | None = None,
    reminder: str = REMINDER,
    language: str = ENGLISH,
) -> discord.Embed:
    """What the member sees right after asking (or asking again); ``config`` as the request's
    type sees it (its expected response), ``kind`` the type, ``back_at`` ``staff_back_line``'s.
    The bot's words are in ``language`` (``reminder`` too: the caller's); the server's own
    (its expected response, a type's name) stay as written."""
    key = "consult.receipt.new" if created else "consult.receipt.existing"
    title = say(language, key, number=consultation.number)
    opening = say(language, f"{key}_opening")
    colour = URGENT if consultation.urgency is Urgency.URGENT else CALM
    result = embed(title, opening, colour=colour, language=language)
    _member_fields(
        result, consultation, position, config, back_at, kind, reminder=reminder, language=language
    )
    return result


def status_embed(
    consultation: Consultation | None,
    position: int | None,
    config: GuildConfig,
    back_at: dt.datetime | None,
    kind: ConsultType | None = None,
    names: Names | None = None,
    reminder: str = REMINDER,
    language: str = ENGLISH,
) -> discord.Embed:
    """``/consult-status``: ``names`` shows the claimer's display name beside the mention."""
    not_emergency = say(language, "consult.not_emergency")
    if consultation is None:
        result = embed(
            say(language, "consult.none_yet"),
            say(language, "consult.none_yet_text"),
            language=language,
        )
        add_field(result, not_emergency, reminder)
        return result
    number = consultation.number
    if not consultation.active:
        ended = "cancelled" if consultation.status is Status.CANCELLED else "closed"
        title = say(language, f"consult.{ended}", number=number)
        result = embed(title, say(language, "consult.start_new"), colour=QUIET, language=language)
        add_field(result, not_emergency, reminder)
        return result
    result = embed(say(language, "consult.yours", number=number), colour=CALM, language=language)
    fields = (consultation, position, config, back_at, kind, names)
    _member_fields(result, *fields, reminder=reminder, language=language)
    return result


def _member_fields(
    result: discord.Embed,
    consultation: Consultation,
    position: int | None,
    config: GuildConfig,
    back_at: dt.datetime | None,
    kind: ConsultType | None = None,
    names: Names | None = None,
    *,
    reminder: str = REMINDER,
    language: str = ENGLISH,
) -> None:
    status = say(language, "consult.status")
    if consultation.status is Status.CLAIMED:
        thread = f"<#{consultation.thread_id}>"
        where = say(language, "consult.in_thread", thread=thread) if consultation.thread_id else ""
        who = person(consultation.claimed_by or 0, names)
        add_field(result, status, say(language, "consult.with_you", person=who, where=where))
    else:
        ahead = (
            say(language, "consult.next")
            if position == 1
            else say(language, "consult.position", position=position)
        )
        add_field(result, status, say(language, "consult.waiting", ahead=ahead))
        expected = escape(config.expected_response, 300)
        add_field(result, say(language, "consult.expected"), expected)
        back = staff_back_line(back_at, language)
        if back:
            add_field(result, say(language, "consult.hours"), back)
    add_field(result, *about(consultation, kind, language), inline=True)
    urgency = say(language, f"consult.urgency.{consultation.urgency}")
    add_field(result, say(language, "consult.how_urgent"), urgency, inline=True)
    none = say(language, "consult.no_note")
    note = escape(consultation.note, 1000) if consultation.note else none
    add_field(result, say(language, "consult.your_note"), note)
    add_field(result, say(language, "consult.not_emergency"), reminder)


def queue_embed(
    items: Sequence[Consultation],
    *,
    page: int,
    pages: int,
    waiting: int,
    claimed: int,
    now: dt.datetime,
    names: Mapping[int, str] | None = None,
    scope: str | None = None,
    people: Names | None = None,
) -> discord.Embed:
    """One page of the waiting queue: never more than PAGE_SIZE lines, each naming its type
    (``names``; the topic for the default type) and its member (``people``: display names);
    ``scope`` says which types are shown."""
    summary = f"{waiting} waiting · {claimed} with a staff member"
    if scope:
        summary += f"\n{scope}"
    if not items:
        return embed("Consultation queue", f"{summary}\n\nNobody is waiting right now.")
    lines = []
    for consultation in items:
        line = (
            f"**#{consultation.number}** {URGENCY_BADGES[consultation.urgency]} · "
            f"{what_about(consultation, names)} · waiting "
            f"{format_wait(consultation.waited(now))} · "
        )
        if consultation.member_left:  # said once, not as their name too
            line += f"{member_ref(consultation)} · left the server"
        else:
            line += member_ref(consultation, people)
        if consultation.problem:
            line += " · ⚠ " + (describe_problem(consultation.problem) or "")
        lines.append(shorten(line, 380))
    result = embed("Consultation queue", summary + "\n\n" + "\n".join(lines))
    result.set_footer(text=f"Page {page + 1} of {pages} · urgent first, then longest waiting")
    return result


def stats_embed(
    stats: QueueStats, scope: str | None = None, names: Names | None = None
) -> discord.Embed:
    def wait(value: dt.timedelta | None) -> str:
        return "no data yet" if value is None else format_wait(value)

    result = embed("Queue stats", scope or "")
    add_field(result, "Waiting", str(stats.waiting), inline=True)
    add_field(result, "With staff", str(stats.claimed), inline=True)
    add_field(result, "Closed today", str(stats.closed_today), inline=True)
    add_field(result, f"Median wait to claim ({stats.days} days)", wait(stats.median_wait_to_claim))
    add_field(result, f"Median time to close ({stats.days} days)", wait(stats.median_wait_to_close))
    staff = "\n".join(
        f"{person(count.staff_id, names)}: {count.claims} claimed, {count.closes} closed"
        for count in stats.per_staff
    )
    add_field(result, f"Per staff member ({stats.days} days)", staff or "no activity yet")
    return result


def notes_embed(
    consultation: Consultation, notes: Sequence[StaffNote], names: Names | None = None
) -> discord.Embed:
    result = embed(
        f"Staff notes on request #{consultation.number}",
        "Only staff can see these." if notes else "No notes yet. Add one with `/ticket note`.",
        colour=QUIET,
    )
    budget = limits.EMBED_TOTAL - 600
    for note in reversed(notes):  # newest first, as many as fit
        author = f"{person(note.author_id, names)}: "
        value = author + escape(note.body, limits.EMBED_FIELD_VALUE - len(author))
        name = f"{note.created_at:%Y-%m-%d %H:%M} UTC"
        if len(value) + len(name) > budget or len(result.fields) >= limits.EMBED_FIELDS:
            break
        budget -= len(value) + len(name)
        add_field(result, name, value)
    return result


def opening_marker(number: int | None) -> str:
    """Text only ``opening_message`` writes: how ``ConsultFlow.opening_message`` recognises the
    opening message in a thread saved before its id was kept (migration 0009), for an erasure
    to remove the note it quoted. Newer threads keep the id: a later message may say this too."""
    return f"your request #{number} " if number is not None else "your request #"


def opening_message(consultation: Consultation, reminder: str = REMINDER) -> str:
    note = (
        f"\n> {escape(consultation.note, 600).replace(chr(10), chr(10) + '> ')}"
        if consultation.note
        else ""
    )
    return shorten(
        f"Hi <@{consultation.member_id}>, <@{consultation.claimed_by}> from the staff team is here "
        f"for {opening_marker(consultation.number)}"
        f"({TOPIC_LABELS[consultation.topic].lower()})."
        f"{note}\n\nThis thread is private: only the two of you and the server's moderators can "
        "read it. Take your time.\n-# " + reminder,
        limits.MESSAGE_CONTENT,
    )


def card_deleted_dm(server_name: str, reminder: str = REMINDER) -> str:
    """To a member whose waiting request was closed because staff deleted its card."""
    return shorten(
        f"Your request to talk to a consultant in {escape(server_name, 100)} was closed by the "
        "staff team before anyone picked it up. If you still want to talk, `/consult` in the "
        "server opens a new one; you are welcome to ask again.\n-# " + reminder,
        limits.MESSAGE_CONTENT,
    )


def rejoined_message(consultation: Consultation) -> str:
    return (
        f"<@{consultation.claimed_by}> from the staff team has picked up request "
        f"#{consultation.number} and will continue here with you."
    )


def claimed_reply(consultation: Consultation) -> str:
    """To the staff member who claimed (by button or `/queue next`)."""
    text = (
        f"You claimed request #{consultation.number}. Your private thread with the member: "
        f"<#{consultation.thread_id}>"
    )
    if consultation.problem == "thread:member_not_added":
        text += (
            f"\n⚠ Discord kept failing when I tried to add {member_ref(consultation)} to the "
            "thread, so they can't see it yet. Mention them in the thread to add them; I'll "
            "also try again when I next start."
        )
    elif consultation.problem == "thread:claimer_not_added":
        text += (
            "\n⚠ Discord kept failing when I tried to add you to the thread. Open it from the "
            "link above; I'll also try again when I next start."
        )
    return text


def people_added_message(consultation: Consultation) -> str:
    """In the thread, once someone who could not be added at the claim is in it."""
    return (
        f"{member_ref(consultation)}, this is your private thread for request "
        f"#{consultation.number}. <@{consultation.claimed_by}> from the staff team is here with "
        "you. Sorry for the delay: Discord had a problem when it was opened."
    )


def note_updated_message(consultation: Consultation) -> str:
    """In the thread: the member changed their note (no one is pinged)."""
    if not consultation.note:
        return f"{member_ref(consultation)} removed their note on request #{consultation.number}."
    quoted = escape(consultation.note, 1000).replace("\n", "\n> ")
    return shorten(
        f"{member_ref(consultation)} updated their note on request #{consultation.number}:"
        f"\n> {quoted}",
        limits.MESSAGE_CONTENT,
    )


def released_reply(consultation: Consultation) -> str:
    """To the staff member who released (by button or `/ticket release`)."""
    return f"Request #{consultation.number} is back in the queue, in its place."


def closing_message(consultation: Consultation) -> str:
    reason = escape(consultation.close_reason or "", 300)
    return shorten(
        f"{member_ref(consultation)}, request #{consultation.number} is now closed"
        + (f": {reason}" if reason else ".")
        + "\nThank you for talking with us. Whenever you'd like to talk again, use `/consult`. "
        "If you need help right now, `/crisis` lists free lines open any time.",
        limits.MESSAGE_CONTENT,
    )


def released_message(consultation: Consultation, *, left: bool = False) -> str:
    who = "The staff member who was helping you has left the server" if left else "Your request"
    joined = f"{who}; " if left else f"{who} #{consultation.number} is "
    middle = "your request is back in the queue" if left else "back in the queue"
    return (
        f"{member_ref(consultation)}, {joined}{middle}, in its original place. Another staff "
        "member will join you here soon. If you need help right now, use `/crisis`."
    )


_ENDINGS: dict[CloseKind, str] = {
    CloseKind.RESOLVED: "closed",
    CloseKind.CANCELLED: "cancelled",
    CloseKind.THREAD_DELETED: "closed (its private thread was deleted)",
    CloseKind.CARD_DELETED: "closed (its queue card was deleted)",
}


def closed_log_line(consultation: Consultation) -> str:
    """The log channel's one line about a request that ended: its number, how it ended, who
    ended it and how long it waited. Ids and times only: never the member's note or the reason."""
    ended_at = consultation.closed_at or consultation.created_at
    how = _ENDINGS.get(consultation.close_kind or CloseKind.RESOLVED, "closed")
    if consultation.closed_by is None:
        who = "by someone in Discord (the server's audit log shows who)"
    elif consultation.closed_by == consultation.member_id:
        who = f"by {member_ref(consultation)} (the member)"
    else:
        who = f"by <@{consultation.closed_by}>"
    if consultation.first_claimed_at is not None:
        waited = f"waited {format_wait(consultation.first_claimed_at - consultation.created_at)}"
        waited += " to be claimed"
    else:
        waited = f"waited {format_wait(ended_at - consultation.created_at)}, never claimed"
    return f"📁 Request #{consultation.number} {how} {who} · {waited}"


def member_left_message(consultation: Consultation) -> str:
    return (
        f"The member who opened request #{consultation.number} has left the server. The "
        "request stays until a staff member closes it."
    )
