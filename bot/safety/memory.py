"""The safety net's short memory: a few minutes of signals per member, never any text.

Some messages mean more together than alone: "bye everyone" a few minutes after "nothing is
ever going to get better" is a goodbye, and two different worries (feeling hopeless, then
feeling a burden) say more than either. ``SignalMemory`` keeps, per server and member, the
category, level and time of their recent matches for ``WINDOW`` and answers what a new match
amounts to:

- a ``CUE`` alone does nothing (it is remembered in case a signal follows);
- a ``CUE`` next to a ``CONCERN`` or ``HIGH`` signal (before or after it) is ``HIGH``;
- two ``CONCERN`` signals of different categories are ``HIGH``;
- anything else keeps its own level.

It lives in memory only (a restart forgets it), is bounded (``PER_MEMBER`` signals for at most
``MAX_MEMBERS`` members, the longest quiet forgotten first), and holds no words at all.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, deque
from dataclasses import dataclass

from bot.safety.matcher import Match
from bot.safety.values import Category, Level

WINDOW = dt.timedelta(minutes=10)
"""How long a signal is remembered."""
PER_MEMBER = 8
"""The most recent signals kept per member (older ones are dropped first)."""
MAX_MEMBERS = 10_000
"""The most members remembered at once (the longest quiet is forgotten first)."""


@dataclass(frozen=True)
class Signal:
    """What a match amounts to, with what the member wrote before: category, level, why."""

    category: Category
    """The category of this message."""
    level: Level
    """Its level, raised when it forms a signal with a recent one."""
    raised_by: tuple[Category, ...] = ()
    """The recent categories that raised it (empty when it stands on its own)."""

    @property
    def raised(self) -> bool:
        return bool(self.raised_by)


@dataclass(frozen=True)
class _Seen:
    category: Category
    level: Level
    at: dt.datetime


Key = tuple[int, int]


class SignalMemory:
    """Per (server, member), the signals of the last few minutes; see the module docstring."""

    def __init__(
        self,
        *,
        window: dt.timedelta = WINDOW,
        per_member: int = PER_MEMBER,
        max_members: int = MAX_MEMBERS,
    ) -> None:
        self._window = window
        self._per_member = per_member
        self._max_members = max_members
        self._seen: OrderedDict[Key, deque[_Seen]] = OrderedDict()

    def __len__(self) -> int:
        """How many members are remembered."""
        return len(self._seen)

    def observe(self, guild_id: int, user_id: int, match: Match, now: dt.datetime) -> Signal | None:
        """Remember ``match`` and say what it amounts to; ``None`` for a cue on its own."""
        self._forget_quiet(now)
        key = (guild_id, user_id)
        recent = self._seen.pop(key, None)
        if recent is None:
            recent = deque(maxlen=self._per_member)
        since = now - self._window
        while recent and recent[0].at <= since:
            recent.popleft()
        signal = _combine(match, recent)
        recent.append(_Seen(match.category, match.level, now))
        self._seen[key] = recent  # the most recently active at the end
        while len(self._seen) > self._max_members:
            self._seen.popitem(last=False)
        return signal

    def _forget_quiet(self, now: dt.datetime) -> None:
        """Members whose latest signal is older than the window are forgotten."""
        since = now - self._window
        while self._seen:
            key, recent = next(iter(self._seen.items()))
            if recent and recent[-1].at > since:
                return
            del self._seen[key]


def _combine(match: Match, recent: deque[_Seen]) -> Signal | None:
    if match.level is Level.CUE:
        # A cue means something only beside a real signal.
        partners = [seen.category for seen in recent if seen.level.rank >= Level.CONCERN.rank]
        if not partners:
            return None
        return Signal(match.category, Level.HIGH, tuple(dict.fromkeys(partners)))
    if match.level is Level.CONCERN:
        partners = [
            seen.category
            for seen in recent
            if seen.level is Level.CUE
            or (seen.level is Level.CONCERN and seen.category is not match.category)
        ]
        if partners:
            return Signal(match.category, Level.HIGH, tuple(dict.fromkeys(partners)))
    return Signal(match.category, match.level)
