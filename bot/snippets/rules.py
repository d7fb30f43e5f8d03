"""Saved replies' rules: names, placeholders, the safe-messaging check, the length once sent
and what the placeholders are filled with (see ``bot.snippets``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from bot.consultations.hours import Hours, describe_days
from bot.safe_messaging import first_breach
from bot.snippets.values import (
    FRAGMENT,
    HOURS_WORST,
    MEMBER_WORST,
    MESSAGE_LIMIT,
    NAME_LIMIT,
    NAME_WORST,
    SERVER_WORST,
    SNIPPET_NAME,
    SNIPPET_TEXT,
    BadNameError,
    Placeholder,
    StrayBraceError,
    TextTooLongError,
    UnclosedBraceError,
    UnknownPlaceholderError,
    UnsafeTextError,
)
from bot.text import sanitise_required

_PLACEHOLDER = re.compile("\\{(" + "|".join(p.value for p in Placeholder) + ")\\}")
_BRACE = re.compile(r"[{}]")
_NAME = re.compile(r"[\w-]+")

# --------------------------------------------------------------------------- the rules


def check_name(typed: str) -> str:
    """A name as typed, cleaned at the text boundary and checked (see ``bot.snippets``)."""
    name = sanitise_required(typed, SNIPPET_NAME)
    bad = next((ch for ch in name if not _NAME.fullmatch(ch)), None)
    if bad is not None:
        raise BadNameError(name, "it has a space" if bad.isspace() else f"it has “{bad}”")
    if name != name.lower():
        raise BadNameError(name, f"names are lowercase (try `{name.lower()}`)")
    return name


def lookup_name(typed: str) -> str:
    """A name as typed to find a saved reply: cleaned and lowercased, never refused (a name
    that could not be saved finds nothing)."""
    return " ".join(typed.split()).lower()[: NAME_LIMIT * 2]


def placeholders(text: str) -> list[Placeholder]:
    """Every placeholder of ``text`` in order; refuses an unknown one and a brace that is not
    part of one, naming it."""
    found: list[Placeholder] = []
    at = 0
    while (brace := _BRACE.search(text, at)) is not None:
        start = brace.start()
        if brace.group() == "}":
            raise StrayBraceError(text[max(0, start - FRAGMENT + 1) : start + 1])
        end = text.find("}", start + 1)
        reopened = text.find("{", start + 1)
        if end == -1 or -1 < reopened < end:
            raise UnclosedBraceError(text[start : start + FRAGMENT])
        name = text[start + 1 : end]
        try:
            found.append(Placeholder(name))
        except ValueError:
            raise UnknownPlaceholderError(name) from None
        at = end + 1
    return found


def compose(staff_name: str, text: str) -> str:
    """The message staff send: their name (already escaped by the cog), then the text."""
    return f"**{staff_name}** (staff):\n{text}"


PREFIX_WORST = len(compose("x" * NAME_WORST, ""))
"""The longest name part of a sent message."""


def worst_length(text: str, *, crisis: str) -> int:
    """The longest ``text`` can be once sent (``compose``): the longest name before it, each
    placeholder at its longest, and the crisis lines as they are now."""
    worst = {
        Placeholder.MEMBER: MEMBER_WORST,
        Placeholder.STAFF: NAME_WORST,
        Placeholder.SERVER: SERVER_WORST,
        Placeholder.CRISIS: len(crisis),
        Placeholder.HOURS: HOURS_WORST,
    }
    counts = Counter(placeholders(text))
    bare = len(text) - sum((len(p.value) + 2) * n for p, n in counts.items())
    return PREFIX_WORST + bare + sum(worst[p] * n for p, n in counts.items())


def check_text(typed: str, *, crisis: str) -> str:
    """A text as typed, cleaned at the text boundary and checked: its placeholders, the
    safe-messaging rules and its worst length once sent (``crisis``: the crisis lines as the
    ``{crisis}`` placeholder is filled)."""
    text = sanitise_required(typed, SNIPPET_TEXT)
    placeholders(text)
    breach = first_breach(text)
    if breach is not None:
        raise UnsafeTextError(breach.words, breach.concern)
    worst = worst_length(text, crisis=crisis)
    if worst > MESSAGE_LIMIT:
        raise TextTooLongError(worst)
    return text


def fill(text: str, values: Mapping[Placeholder, str]) -> str:
    """``text`` with every placeholder replaced by its value, in one pass (a value that looks
    like a placeholder, a server named "{crisis}" say, stays as it is)."""
    return _PLACEHOLDER.sub(lambda found: values[Placeholder(found.group(1))], text)


def hours_text(hours: Hours) -> str:
    """``{hours}``: when staff are here for a kind of request, in a member's words."""
    if not hours.set:
        return "This group has no set hours: staff answer as soon as they can."
    days = describe_days(hours.days)
    on = days if days == "every day" else f"on {days}"
    zone = hours.timezone or "UTC"
    if hours.start_hour == hours.end_hour:
        return f"Staff are here all day {on} ({zone} time)."
    return f"Staff are here {hours.start_hour:02d}:00–{hours.end_hour:02d}:00 ({zone} time), {on}."
