"""Coping ideas (``coping.toml``), and where each member is in a topic's tips.

No discord import.
"""

from __future__ import annotations

import random
from typing import Annotated, NamedTuple

from pydantic import field_validator

from bot.care.pages import COPING_TOPICS, MAX_TIPS, MIN_TIPS, Card, Short
from bot.content import (
    ContentModel,
    Label,
    SourcedEntry,
    text_up_to,
)


class Tip(ContentModel):
    title: Annotated[str, text_up_to(100)]
    text: Annotated[str, text_up_to(1500)]


class CopingTopic(SourcedEntry):
    title: Label
    intro: Short
    tips: tuple[Tip, ...]

    @field_validator("tips")
    @classmethod
    def _enough(cls, value: tuple[Tip, ...]) -> tuple[Tip, ...]:
        if not MIN_TIPS <= len(value) <= MAX_TIPS:
            raise ValueError(f"needs between {MIN_TIPS} and {MAX_TIPS} tips, not {len(value)}")
        return value

    def tip_card(self, index: int, seen: int) -> Card:
        tip = self.tips[index]
        return Card(
            f"{self.title}: {tip.title}",
            f"{self.intro}\n\n{tip.text}\n\n*Idea {seen} of {len(self.tips)} in this set*",
        )


class CopingContent(ContentModel):
    topics: dict[str, CopingTopic]

    @field_validator("topics")
    @classmethod
    def _all_topics(cls, value: dict[str, CopingTopic]) -> dict[str, CopingTopic]:
        missing = [key for key in COPING_TOPICS if key not in value]
        extra = [key for key in value if key not in COPING_TOPICS]
        if missing:
            raise ValueError(f"is missing the topic {missing[0]!r}")
        if extra:
            raise ValueError(f"has an unknown topic {extra[0]!r}")
        return value


# ----------------------------------------------------------------------------- tip rotation


class TipPosition(NamedTuple):
    """Where a member is in a topic's tips: this round began at tip ``start`` and ``shown`` of
    its tips have been shown, in the content's order (wrapping round). The tip page's cache
    key."""

    start: int
    shown: int

    def current(self, pool: int) -> int:
        """The tip shown last (the one on screen)."""
        return (self.start + self.shown - 1) % pool


class TipRotation:
    """Which coping tip each member sees next, so "Another tip" never repeats until the topic's
    pool is used up. A round goes through the tips in the content's order from a random first
    tip; the next round starts somewhere else. Positions are kept in memory only (never the
    database), bounded in size; the "Another tip" button carries the position too, so a
    restart doesn't lose it for that message.

    Every /coping takes a step, so the step is kept lean: positions are made once per pool
    size and reused, and the memory is a plain dict in least-recently-used order (a cold
    Python call or object costs microseconds, see ``benchmarks/interactions.py``).
    """

    def __init__(self, *, rng: random.Random | None = None, max_entries: int = 10_000) -> None:
        self._rng = rng or random.Random()
        self._max = max_entries
        self._at: dict[tuple[int, str], TipPosition] = {}
        self._grids: dict[int, list[list[TipPosition]]] = {}

    def next(
        self, member_id: int, topic: str, pool: int, after: TipPosition | None = None
    ) -> TipPosition:
        """Move the member on to their next tip. ``after``: carry on from that position (a
        button's) instead of the remembered one."""
        key = (member_id, topic)
        remembered = self._at.pop(key, None)  # re-inserted below: most recently used
        current = remembered if after is None else after
        grid = self._grids.get(pool) or self._grid(pool)
        if current is None or not (0 <= current.start < pool and 1 <= current.shown <= pool):
            position = grid[self._rng.randrange(pool)][1]
        elif current.shown < pool:
            position = grid[current.start][current.shown + 1]
        else:  # every tip shown: a new round, never starting with the tip just shown
            last = current.current(pool)
            others = [i for i in range(pool) if i != last] or [last]
            position = grid[self._rng.choice(others)][1]
        self._at[key] = position
        if len(self._at) > self._max:
            del self._at[next(iter(self._at))]
        return position

    def _grid(self, pool: int) -> list[list[TipPosition]]:
        """Every position for a pool of this size, by ``[start][shown]``."""
        grid = [[TipPosition(start, shown) for shown in range(pool + 1)] for start in range(pool)]
        self._grids[pool] = grid
        return grid
