"""Saved replies (snippets): texts a server's staff leads write once, which staff post into a
request's private thread with ``/ticket reply`` (issue 20).

Domain only (no ``discord`` import): ids and values in, dataclasses out. A saved reply is the
server's content, written by its staff leads, not member data: a name, a text and two times,
and no member id (not even the author's), so it is in the privacy registry's
``NO_MEMBER_DATA``. Every call is scoped to one server: another server's saved reply is never
found, changed, removed or sent.

- **Names** are Discord-style: 1–32 lowercase letters, digits, ``-`` and ``_``
  (``check_name``); unique in a server (the database's ``UNIQUE (guild_id, name)``).
- **Texts** pass the one boundary for typed text (``bot.text.sanitise``, at most
  ``TEXT_LIMIT``), may carry the placeholders of ``Placeholder`` and nothing else in braces
  (``placeholders``), and must pass the safe-messaging rules our own texts pass
  (``bot.safe_messaging``).
- **Length**: what is sent is the staff member's name, then the text with every placeholder
  filled (``compose``), and Discord allows ``MESSAGE_LIMIT`` characters. A text is refused when
  saved if its worst case could be longer (``worst_length``: the longest name, server name and
  hours, and the crisis lines as they are); the cog checks the real message again when sending,
  since the crisis lines can change with the content files.
- **At most** ``MAX_SNIPPETS`` per server.
"""

from bot.snippets.rules import (
    PREFIX_WORST,
    check_name,
    check_text,
    compose,
    fill,
    hours_text,
    lookup_name,
    placeholders,
    worst_length,
)
from bot.snippets.service import EditedSnippet, Snippet, SnippetPage, SnippetService
from bot.snippets.values import (
    HOURS_WORST,
    MAX_SNIPPETS,
    MEMBER_WORST,
    MESSAGE_LIMIT,
    NAME_LIMIT,
    NAME_WORST,
    PLACEHOLDER_HELP,
    SAFE_MESSAGING_REASONS,
    SERVER_WORST,
    TEXT_LIMIT,
    BadNameError,
    DuplicateSnippetError,
    Placeholder,
    SnippetGoneError,
    SnippetNotFoundError,
    SnippetRefusedError,
    StrayBraceError,
    TextTooLongError,
    TooLongToSendError,
    TooManySnippetsError,
    UnclosedBraceError,
    UnknownPlaceholderError,
    UnsafeTextError,
)

__all__ = [
    "HOURS_WORST",
    "MAX_SNIPPETS",
    "MEMBER_WORST",
    "MESSAGE_LIMIT",
    "NAME_LIMIT",
    "NAME_WORST",
    "PLACEHOLDER_HELP",
    "PREFIX_WORST",
    "SAFE_MESSAGING_REASONS",
    "SERVER_WORST",
    "TEXT_LIMIT",
    "BadNameError",
    "DuplicateSnippetError",
    "EditedSnippet",
    "Placeholder",
    "Snippet",
    "SnippetGoneError",
    "SnippetNotFoundError",
    "SnippetPage",
    "SnippetRefusedError",
    "SnippetService",
    "StrayBraceError",
    "TextTooLongError",
    "TooLongToSendError",
    "TooManySnippetsError",
    "UnclosedBraceError",
    "UnknownPlaceholderError",
    "UnsafeTextError",
    "check_name",
    "check_text",
    "compose",
    "fill",
    "hours_text",
    "lookup_name",
    "placeholders",
    "worst_length",
]
