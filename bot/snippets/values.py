"""Saved replies' limits, placeholders and refusals (see ``bot.snippets``)."""

from __future__ import annotations

import enum
import re

from bot.errors import UserFacingError
from bot.limits import MESSAGE_CONTENT
from bot.safe_messaging import Concern
from bot.text import TextField

MAX_SNIPPETS = 50
NAME_LIMIT = 32
TEXT_LIMIT = 2000
MESSAGE_LIMIT = MESSAGE_CONTENT

SNIPPET_NAME = TextField("saved reply's name", NAME_LIMIT, required=True, one_line=True)
SNIPPET_TEXT = TextField("saved reply", TEXT_LIMIT, required=True)


class Placeholder(enum.StrEnum):
    """What a text may carry in braces, filled in when it is sent."""

    MEMBER = "member"
    STAFF = "staff"
    SERVER = "server"
    CRISIS = "crisis"
    HOURS = "hours"


PLACEHOLDER_HELP: dict[Placeholder, str] = {
    Placeholder.MEMBER: "the member, mentioned (they are notified)",
    Placeholder.STAFF: "your display name",
    Placeholder.SERVER: "the server's name",
    Placeholder.CRISIS: "the crisis lines",
    Placeholder.HOURS: "when staff are here for this kind of request",
}

MEMBER_WORST = len(str(2**63 - 1)) + 3
"""The longest member mention the cog writes: the largest id there can be, in its three marks."""
NAME_WORST = 64
"""A display name (32 characters) escaped for markdown is cut to this (``bot.ui.escape``)."""
SERVER_WORST = 200
"""A server's name (100 characters) escaped for markdown is cut to this."""
HOURS_WORST = 120
"""The longest ``hours_text`` (checked for every time zone in the tests)."""

FRAGMENT = 24
"""The most of a typed text a refusal quotes back."""


# --------------------------------------------------------------------------- refusals


class SnippetRefusedError(UserFacingError):
    """A saved reply that cannot be saved, changed or sent as asked."""


def _shown(text: str) -> str:
    """A piece of what was typed, safe inside a sentence: one line, no backticks, short."""
    flat = re.sub(r"\s+", " ", text.replace("`", "'"))
    return flat if len(flat) <= FRAGMENT else flat[: FRAGMENT - 1] + "…"


class BadNameError(SnippetRefusedError):
    def __init__(self, name: str, problem: str) -> None:
        super().__init__(
            f"“{_shown(name)}” can't be the name of a saved reply: {problem}. A name is 1–32 "
            "lowercase letters, digits, - and _, like `welcome` or `after-hours`."
        )


class UnknownPlaceholderError(SnippetRefusedError):
    def __init__(self, name: str) -> None:
        meant = name.strip().lower()
        hint = (
            f" (write it as `{{{meant}}}`: lowercase, no spaces)"
            if meant in set(Placeholder)
            else ""
        )
        super().__init__(
            f"`{{{_shown(name)}}}` isn't a placeholder I know{hint}. The ones a saved reply can "
            "use are {member}, {staff}, {server}, {crisis} and {hours}. Nothing was saved."
        )
        self.name = name


class UnclosedBraceError(SnippetRefusedError):
    def __init__(self, fragment: str) -> None:
        super().__init__(
            f"The `{{` in “{_shown(fragment)}” is never closed with `}}`. Placeholders look "
            "like {member}, and a saved reply can't have braces of its own. Nothing was saved."
        )
        self.fragment = fragment


class StrayBraceError(SnippetRefusedError):
    def __init__(self, fragment: str) -> None:
        super().__init__(
            f"The `}}` in “{_shown(fragment)}” has no `{{` before it. Placeholders look like "
            "{member}, and a saved reply can't have braces of its own. Nothing was saved."
        )
        self.fragment = fragment


SAFE_MESSAGING_REASONS: dict[Concern, str] = {
    Concern.WORDING: (
        "we speak of suicide as “died by suicide” or “took their own life”, never as a crime, "
        "a success or a failure"
    ),
    Concern.METHOD: "nothing members read may describe a method or means of harm",
    Concern.CARE: (
        "peer support never diagnoses anyone or tells a member which care they need; a "
        "consultant talks it through with them instead"
    ),
    Concern.LABEL: "we describe people, not labels: “a person in recovery”, “someone who drinks”",
    Concern.SHAME: "a test result is “negative” or “positive”, never words that shame",
}


class UnsafeTextError(SnippetRefusedError):
    def __init__(self, words: str, concern: Concern) -> None:
        super().__init__(
            f"This text has “{_shown(words)}”, which the group's safe-messaging rules keep out "
            f"of what members read: {SAFE_MESSAGING_REASONS[concern]}. Please reword it "
            "(the rules are strict on purpose, and catch some harmless phrases too). Nothing "
            "was saved."
        )
        self.concern = concern


class TextTooLongError(SnippetRefusedError):
    def __init__(self, worst: int) -> None:
        super().__init__(
            f"Sent with your name before it and every placeholder filled in, this text could "
            f"be {worst:,} characters long, and Discord allows {MESSAGE_LIMIT:,} in one "
            f"message. Please shorten it by {worst - MESSAGE_LIMIT:,} characters ({{crisis}} "
            f"and {{hours}} are the longest placeholders). Nothing was saved."
        )
        self.worst = worst


class TooLongToSendError(SnippetRefusedError):
    def __init__(self, name: str, length: int) -> None:
        super().__init__(
            f"Filled in, the saved reply `{name}` would be {length:,} characters, more than "
            f"the {MESSAGE_LIMIT:,} Discord allows in one message (the crisis lines may have "
            "grown since it was saved). Nothing was sent. A staff lead can shorten it with "
            "`/snippet edit`."
        )


class TooManySnippetsError(SnippetRefusedError):
    def __init__(self) -> None:
        super().__init__(
            f"This server already has {MAX_SNIPPETS} saved replies, the most it can have. "
            "Remove one with `/snippet remove` first. Nothing was saved."
        )


class DuplicateSnippetError(SnippetRefusedError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"This server already has a saved reply named `{name}`. Choose another name, or "
            "change that one with `/snippet edit`. Nothing was saved."
        )


class SnippetGoneError(SnippetRefusedError):
    def __init__(self) -> None:
        super().__init__(
            "That saved reply was removed in the meantime, so nothing was changed. "
            "`/snippet list` shows the ones there are."
        )


class SnippetNotFoundError(SnippetRefusedError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"This server has no saved reply named `{_shown(name)}`. Start typing its name "
            "and pick it from the list (`/snippet list` shows them all)."
        )
