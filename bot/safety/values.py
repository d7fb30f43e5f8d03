"""The safety net's values: levels, categories, the reply cooldown, the guards' names, and what
the matcher needs of the optional model (``SecondLook``)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Protocol


class SecondLook(Protocol):
    """What the matcher needs of the optional model (``bot.safety.model.CrisisModel``): the
    category it finds most likely in a normalised reading, or None."""

    def classify(self, text: str) -> Category | None: ...


REPLY_COOLDOWN = dt.timedelta(minutes=10)
"""A member gets at most one safety-net reply (and staff one alert) per this long."""


class Level(StrEnum):
    """How urgently staff should hear about a signal.

    ``CUE`` never alerts on its own (an ambiguous "bye guys", "i'm done"): it only raises a
    signal from the same member a few minutes before or after (see ``bot.safety.memory``).
    ``CONCERN`` (a passive wish, hopelessness, feeling a burden) gets the member a gentle
    private check-in and staff a quiet note. ``HIGH`` (wanting to die by suicide, a method, a
    plan or a time, a goodbye, self-harm, overdose intent) pings the staff role at once.
    """

    CUE = "cue"
    CONCERN = "concern"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.CUE: 0, Level.CONCERN: 1, Level.HIGH: 2}


class Category(StrEnum):
    """What kind of crisis language was found (after the C-SSRS and the interpersonal theory).

    Disguised forms (spacing, leetspeak, look-alikes, slang such as "kms") are not a category
    of their own: they are read as what they mean.
    """

    PASSIVE = "passive"
    """A wish to be dead or not to exist."""
    ACTIVE = "active"
    """Wanting to kill oneself, without a method."""
    METHOD = "method"
    """A method or means tied to oneself."""
    PLAN = "plan"
    """Intent, a plan or a time."""
    FAREWELL = "farewell"
    """Preparatory acts and goodbyes."""
    BURDEN = "burden"
    """Feeling a burden, or that one does not belong."""
    HOPELESS = "hopeless"
    """Hopelessness and feeling trapped."""
    SELF_HARM = "self_harm"
    """Hurting oneself."""
    OVERDOSE = "overdose"
    """Overdose intent, including not caring whether one survives using."""
    AMBIGUOUS = "ambiguous"
    """A cue that means something only next to another signal ("bye everyone", "i'm done")."""


LEVEL_OF: dict[Category, Level] = {
    Category.PASSIVE: Level.CONCERN,
    Category.BURDEN: Level.CONCERN,
    Category.HOPELESS: Level.CONCERN,
    Category.ACTIVE: Level.HIGH,
    Category.METHOD: Level.HIGH,
    Category.PLAN: Level.HIGH,
    Category.FAREWELL: Level.HIGH,
    Category.SELF_HARM: Level.HIGH,
    Category.OVERDOSE: Level.HIGH,
    Category.AMBIGUOUS: Level.CUE,
}
"""The level a category carries on its own; a short memory may raise it."""


DM = "dm"
"""The category recorded for a direct message to the bot (never matched, always answered)."""


CATEGORY_ORDER: tuple[Category, ...] = (
    Category.ACTIVE,
    Category.METHOD,
    Category.OVERDOSE,
    Category.PLAN,
    Category.SELF_HARM,
    Category.FAREWELL,
    Category.PASSIVE,
    Category.BURDEN,
    Category.HOPELESS,
    Category.AMBIGUOUS,
)
"""Ties within a level are reported in this order."""

GUARDS = (
    "others",
    "negation",
    "past",
    "story",
    "resources",
    "helping",
    "reported",
    "topic",
    "conditional",
    "not_literal",
)
"""The checks a category's patterns pass unless its ``guards`` says otherwise."""

KNOWN_GUARDS = (*GUARDS, "returning", "ordinary", "coping")
"""The checks a category's patterns pass through (``guards`` in the data file)."""
