"""The levels of care (``levels.toml``): each level, the overview and comparisons.

No discord import.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Self

from pydantic import field_validator, model_validator

from bot import limits
from bot.care.pages import (
    OVERVIEW_KEY,
    Card,
    CardField,
    Key,
    SelectDescription,
    Short,
    _unique_keys,
    check_card,
)
from bot.content import (
    FieldValue,
    Label,
    SourcedEntry,
    Title,
    text_up_to,
)
from bot.i18n import ENGLISH
from bot.i18n.messages import say


class Level(SourcedEntry):
    key: Key
    name: Label
    short_name: Annotated[str, text_up_to(40)]
    summary: SelectDescription
    asam: Short
    intensity: Short
    sleeps: Short
    fits: Short
    detail: Annotated[str, text_up_to(2000)]


LEVEL_ASPECTS: tuple[str, ...] = ("intensity", "sleeps", "fits", "asam")
"""Each level's aspects, in order; ``bot.i18n.messages`` has their labels (``levels.<aspect>``)."""


class LevelsContent(SourcedEntry):
    title: Title
    intro: Annotated[str, text_up_to(1500)]
    decide_note: FieldValue
    asam_note: FieldValue
    levels: tuple[Level, ...]

    @field_validator("levels")
    @classmethod
    def _sensible(cls, value: tuple[Level, ...]) -> tuple[Level, ...]:
        if not 2 <= len(value) <= limits.SELECT_OPTIONS:
            raise ValueError(f"needs between 2 and {limits.SELECT_OPTIONS} levels")
        _unique_keys([level.key for level in value])
        if any(level.key == OVERVIEW_KEY for level in value):
            raise ValueError(f"uses the key {OVERVIEW_KEY!r}, which is kept for the overview")
        return value

    @model_validator(mode="after")
    def _every_card_fits(self) -> Self:
        check_card(self.overview_card(), "the overview")
        for level in self.levels:
            check_card(self.level_card(level.key), f"levels.{level.key}")
        for first, second in itertools.combinations(self.levels, 2):
            check_card(
                self.compare_card(first.key, second.key), f"comparing {first.key} and {second.key}"
            )
        return self

    def get(self, key: str) -> Level | None:
        return next((level for level in self.levels if level.key == key), None)

    def keys(self) -> tuple[str, ...]:
        return tuple(level.key for level in self.levels)

    def neighbours(self, key: str) -> tuple[Level | None, Level | None]:
        """The less and the more intensive level next to ``key`` (levels are listed in order)."""
        index = self.keys().index(key)
        before = self.levels[index - 1] if index > 0 else None
        after = self.levels[index + 1] if index + 1 < len(self.levels) else None
        return before, after

    def overview_card(self, language: str = ENGLISH) -> Card:
        """The short answer, one phone screen: each level in a line, lightest first, and who
        decides. The detail (time, where you sleep, who it often suits, the ASAM level) is one
        tap away, in the menu under it."""
        lines = "\n".join(f"**{level.name}**: {level.summary}" for level in self.levels)
        return Card(
            self.title,
            self.intro,
            (
                CardField(say(language, "levels.lightest_first"), lines),
                CardField(say(language, "levels.which_fits"), self.decide_note),
            ),
        )

    def level_card(self, key: str, language: str = ENGLISH) -> Card:
        level = self._level(key)
        fields = tuple(
            CardField(say(language, f"levels.{attr}"), getattr(level, attr))
            for attr in LEVEL_ASPECTS
        )
        return Card(
            level.name,
            level.detail,
            (*fields, CardField(say(language, "levels.which_fits"), self.decide_note)),
        )

    def compare_card(self, first: str, second: str, language: str = ENGLISH) -> Card:
        a, b = self._level(first), self._level(second)
        fields = tuple(
            CardField(
                say(language, f"levels.{attr}"),
                f"**{a.short_name}:** {getattr(a, attr)}\n**{b.short_name}:** {getattr(b, attr)}",
            )
            for attr in LEVEL_ASPECTS
        )
        return Card(
            say(language, "levels.side_by_side", first=a.short_name, second=b.short_name),
            say(language, "levels.compare_intro"),
            (
                *fields,
                CardField(say(language, "levels.which_fits"), self.decide_note),
                CardField(say(language, "levels.about_asam"), self.asam_note),
            ),
        )

    def _level(self, key: str) -> Level:
        level = self.get(key)
        if level is None:
            raise KeyError(key)
        return level
