"""What went wrong lately, per server, for its admins: kept in memory only, ids only.

The error reporter (``bot.ui.report_error``, reached through the command tree and
``cogs._components.report``) records every unexpected error and every permission Discord
refused. ``IncidentLog.record`` decides whether the server's log channel hears of it: at most
one post per kind of error (what failed, where, and the exception's class) per
``POST_EVERY`` and server; the ones held back are counted, and the next post (and
``/setup show``) carries the count. Each server keeps its last ``KEPT`` kinds, newest last.

Nothing here is written to disk and nothing a member typed is kept: an incident holds the
error's reference id, the command or button, the exception's class name, a channel id, times
and a count. A restart forgets them all.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import deque
from dataclasses import dataclass, replace
from enum import StrEnum

POST_EVERY = dt.timedelta(minutes=10)
"""At most one log-channel post per kind of error per server in this time."""

KEPT = 10
"""How many kinds of error each server keeps (the oldest goes first)."""

SHOWN = 5
"""How many ``/setup show`` lists."""


class IncidentKind(StrEnum):
    UNEXPECTED = "unexpected error"
    PERMISSION = "missing permission"


def new_error_id() -> str:
    """A short reference for one failure, shown to admins and written in the log line."""
    return secrets.token_hex(4)


@dataclass(frozen=True)
class Incident:
    kind: IncidentKind
    where: str
    """The command or component that failed, as the log names it (``command:consult``)."""
    error_type: str
    """The exception's class name (code, never a message)."""
    error_id: str
    """The reference of the first failure of this run, also in the log line."""
    channel_id: int | None
    first_at: dt.datetime
    last_at: dt.datetime
    count: int = 1
    """Failures of this kind since ``first_at`` (the first one included)."""

    @property
    def key(self) -> tuple[IncidentKind, str, str]:
        return (self.kind, self.where, self.error_type)


@dataclass(frozen=True)
class Post:
    """What to post in the log channel: the incident, and how many like it were held back
    since the previous post of the same kind."""

    incident: Incident
    held_back: int
    held_back_since: dt.datetime | None


class IncidentLog:
    """The recent incidents of every server, in memory; see the module docstring."""

    def __init__(self, *, post_every: dt.timedelta = POST_EVERY, kept: int = KEPT) -> None:
        self._post_every = post_every
        self._kept = kept
        self._servers: dict[int, deque[Incident]] = {}

    def record(
        self,
        guild_id: int,
        *,
        kind: IncidentKind,
        where: str,
        error_type: str,
        error_id: str,
        channel_id: int | None,
        now: dt.datetime,
    ) -> Post | None:
        """Note one failure; a ``Post`` when the log channel should hear of it, else None."""
        ring = self._servers.setdefault(guild_id, deque(maxlen=self._kept))
        key = (kind, where, error_type)
        previous = next((item for item in reversed(ring) if item.key == key), None)
        if previous is not None and now - previous.first_at < self._post_every:
            ring.remove(previous)
            ring.append(replace(previous, last_at=now, count=previous.count + 1))
            return None
        incident = Incident(kind, where, error_type, error_id, channel_id, now, now)
        if previous is not None:
            ring.remove(previous)  # before appending: a full ring would drop it on its own
        ring.append(incident)
        if previous is None:
            return Post(incident, 0, None)
        held = previous.count - 1
        return Post(incident, held, previous.first_at if held else None)

    def recent(self, guild_id: int, limit: int = SHOWN) -> list[Incident]:
        """The server's last ``limit`` kinds of failure, newest first."""
        ring = self._servers.get(guild_id, ())
        return list(reversed(ring))[:limit]
