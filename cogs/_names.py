"""Display names beside mentions, where staff must recognise someone: ``<@123> (Sam)``.

A mention alone shows as "@unknown-user" in a client (often a phone) that has not loaded that
member, so staff cards, ``/queue`` and its stats, staff notes, the blocklist and follow-ups
put the display name beside it, as Modmail does. The cog reads the names from Discord when it
renders (``FlowBase.names``) and hands a ``Names`` to the pure renderers; nothing here is
stored. A name is escaped (``bot.ui.escape``: markdown, masked links and mentions defused), and
what we send never pings anyone it does not mean to (the bot's allowed mentions are none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.ui import escape

NAME_SHOWN = 64
"""The most of a display name shown (characters after escaping): Discord's 32-character
names fit whole even when every character needs a backslash."""

LEFT = "left the server"


@dataclass(frozen=True)
class Names:
    """Display names by user id, as Discord gave them just now; ``gone``: people Discord says
    are not in the server (left, or never were). Anyone else is shown by mention alone.

    Callable as a ``Namer`` (``cogs.consult._roster``): the display name, or None."""

    known: Mapping[int, str] = field(default_factory=dict)
    gone: frozenset[int] = frozenset()

    def __call__(self, user_id: int) -> str | None:
        return self.known.get(user_id)

    def person(self, user_id: int) -> str:
        """``<@id> (Sam)``, ``<@id> (left the server)``, or the mention alone."""
        name = escape(self.known.get(user_id) or "", NAME_SHOWN).strip()
        if name:
            return f"<@{user_id}> ({name})"
        if user_id in self.gone:
            return f"<@{user_id}> ({LEFT})"
        return f"<@{user_id}>"


NO_NAMES = Names()
"""Mentions alone: for a renderer called without names (and Discord not answering)."""


def person(user_id: int, names: Names | None) -> str:
    """``names.person(user_id)``, or the mention alone without ``names``."""
    return (names or NO_NAMES).person(user_id)
