"""Care knowledge: levels of care, IOPs, relapse management, coping and support networks.

All wording lives in ``data/care/*.toml``; this module reads it into pydantic models,
checks every rule at start-up (Discord's limits, sources, verification dates) and turns
content into ``Card`` values, plain data that the cog renders as embeds. No discord import.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NamedTuple, Self

from pydantic import StringConstraints, field_validator, model_validator

from bot import limits
from bot.content import (
    ContentError,
    ContentModel,
    Description,
    FieldValue,
    Label,
    SourcedEntry,
    Title,
    load_toml,
    text_up_to,
)

CARE_DIR = "care"
LEVELS_FILE = "levels.toml"
IOP_FILE = "iop.toml"
RELAPSE_FILE = "relapse.toml"
COPING_FILE = "coping.toml"
SUPPORT_FILE = "support_network.toml"

IOP_TOPICS: tuple[str, ...] = (
    "about",
    "schedule",
    "what-to-expect",
    "approaches",
    "conditions",
    "history",
)
FIT_TOPIC = "is-it-for-me"
RELAPSE_TOPICS: tuple[str, ...] = (
    "warning-signs",
    "stages",
    "plan",
    "after-a-slip",
    "overdose-risk",
)
COPING_TOPICS: tuple[str, ...] = (
    "cravings",
    "stress",
    "anxiety",
    "sleep",
    "loneliness",
    "triggers",
    "grounding",
)
MIN_TIPS = 8
MAX_TIPS = 25

FOOTER_RESERVE = 200
"""Characters kept free in every embed for the standard footer (about 110 characters today)."""
CRISIS_RESERVE = 2500
"""Characters kept free in a message that also carries the crisis resources embed
(Discord's 6000-character limit counts every embed of a message together)."""

OVERVIEW_KEY = "all"
"""The level key that means "all levels" in ``care:level:<key>`` buttons."""

FIT_ANSWERS: dict[str, str] = {"y": "Yes", "n": "No", "u": "Not sure"}
"""Answer codes used in is-it-for-me custom_ids, and how each is shown."""

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=24)]
FieldName = Annotated[str, text_up_to(limits.EMBED_FIELD_NAME)]
SelectDescription = Annotated[str, text_up_to(limits.SELECT_DESCRIPTION)]
Short = Annotated[str, text_up_to(300)]


# ----------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class CardField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Card:
    """What one embed shows, as plain data. ``show_crisis`` adds the crisis resources."""

    title: str
    description: str
    fields: tuple[CardField, ...] = ()
    show_crisis: bool = False

    @property
    def size(self) -> int:
        """Characters Discord counts towards an embed's 6000 (without the footer)."""
        return (
            len(self.title)
            + len(self.description)
            + sum(len(f.name) + len(f.value) for f in self.fields)
        )


def check_card(card: Card, where: str) -> None:
    """Raise ``ValueError`` naming ``where`` when ``card`` would break one of Discord's limits."""
    if len(card.title) > limits.EMBED_TITLE:
        raise ValueError(f"{where}: the title is over Discord's limit of {limits.EMBED_TITLE}")
    if len(card.description) > limits.EMBED_DESCRIPTION:
        raise ValueError(
            f"{where}: the description is over Discord's limit of {limits.EMBED_DESCRIPTION}"
        )
    if len(card.fields) > limits.EMBED_FIELDS:
        raise ValueError(
            f"{where}: {len(card.fields)} fields, over Discord's limit of {limits.EMBED_FIELDS}"
        )
    for field in card.fields:
        if len(field.name) > limits.EMBED_FIELD_NAME or len(field.value) > limits.EMBED_FIELD_VALUE:
            raise ValueError(
                f"{where}: the field {field.name[:40]!r} is over Discord's limit of "
                f"{limits.EMBED_FIELD_VALUE}"
            )
    budget = limits.EMBED_TOTAL - FOOTER_RESERVE - (CRISIS_RESERVE if card.show_crisis else 0)
    if card.size > budget:
        raise ValueError(
            f"{where}: {card.size} characters in total, over the {budget} that fit in one "
            f"message (Discord's limit is {limits.EMBED_TOTAL})"
        )


# ----------------------------------------------------------------------------- pages


class Field(ContentModel):
    name: FieldName
    value: FieldValue


class Page(SourcedEntry):
    """One embed's worth of content: a title, a description and up to 25 fields."""

    title: Title
    description: Description
    fields: tuple[Field, ...] = ()
    show_crisis: bool = False

    @field_validator("fields")
    @classmethod
    def _not_too_many(cls, value: tuple[Field, ...]) -> tuple[Field, ...]:
        if len(value) > limits.EMBED_FIELDS:
            raise ValueError(
                f"has {len(value)} fields, over Discord's limit of {limits.EMBED_FIELDS}"
            )
        return value

    @model_validator(mode="after")
    def _fits(self) -> Self:
        check_card(self.card(), "this page")
        return self

    def card(self, extra: tuple[CardField, ...] = ()) -> Card:
        fields = tuple(CardField(f.name, f.value) for f in self.fields) + extra
        return Card(self.title, self.description, fields, self.show_crisis)


def _require_topics(value: dict[str, Page], expected: tuple[str, ...]) -> None:
    missing = [key for key in expected if key not in value]
    extra = [key for key in value if key not in expected]
    if missing:
        raise ValueError(f"is missing the topic {missing[0]!r}")
    if extra:
        raise ValueError(f"has an unknown topic {extra[0]!r} (known: {', '.join(expected)})")


def _unique_keys(keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"uses the key {key!r} twice")
        seen.add(key)


# ----------------------------------------------------------------------------- levels


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


LEVEL_ASPECTS: tuple[tuple[str, str], ...] = (
    ("intensity", "Time"),
    ("sleeps", "Where you sleep"),
    ("fits", "Often suits"),
    ("asam", "ASAM level"),
)


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

    def overview_card(self) -> Card:
        fields = tuple(
            CardField(
                f"{level.name} · {level.asam}",
                f"**Time:** {level.intensity}\n**Where you sleep:** {level.sleeps}\n"
                f"**Often suits:** {level.fits}",
            )
            for level in self.levels
        )
        return Card(
            self.title, self.intro, (*fields, CardField("Which one fits?", self.decide_note))
        )

    def level_card(self, key: str) -> Card:
        level = self._level(key)
        fields = tuple(CardField(label, getattr(level, attr)) for attr, label in LEVEL_ASPECTS)
        return Card(
            level.name,
            level.detail,
            (*fields, CardField("Which one fits?", self.decide_note)),
        )

    def compare_card(self, first: str, second: str) -> Card:
        a, b = self._level(first), self._level(second)
        fields = tuple(
            CardField(
                label,
                f"**{a.short_name}:** {getattr(a, attr)}\n**{b.short_name}:** {getattr(b, attr)}",
            )
            for attr, label in LEVEL_ASPECTS
        )
        return Card(
            f"{a.short_name} and {b.short_name}, side by side",
            "How the two levels usually differ. Programs vary, so ask a program about its details.",
            (
                *fields,
                CardField("Which one fits?", self.decide_note),
                CardField("About ASAM", self.asam_note),
            ),
        )

    def _level(self, key: str) -> Level:
        level = self.get(key)
        if level is None:
            raise KeyError(key)
        return level


# ----------------------------------------------------------------------------- IOP


class Approach(SourcedEntry):
    key: Key
    name: Label
    summary: SelectDescription
    description: Annotated[str, text_up_to(2000)]


class FitQuestion(ContentModel):
    key: Key
    question: Annotated[str, text_up_to(200)]
    yes: Short
    no: Short
    unsure: Short
    crisis: bool = False

    def meaning(self, answer: str) -> str:
        return {"y": self.yes, "n": self.no, "u": self.unsure}[answer]


class FitContent(SourcedEntry):
    title: Title
    intro: FieldValue
    ending_title: Title
    ending_intro: FieldValue
    consult_note: FieldValue
    questions: tuple[FitQuestion, ...]

    @field_validator("questions")
    @classmethod
    def _sensible(cls, value: tuple[FitQuestion, ...]) -> tuple[FitQuestion, ...]:
        if not 1 <= len(value) <= 9:
            raise ValueError("needs between 1 and 9 questions")
        _unique_keys([question.key for question in value])
        if sum(question.crisis for question in value) != 1:
            raise ValueError("needs exactly one question marked crisis = true")
        return value

    @model_validator(mode="after")
    def _every_card_fits(self) -> Self:
        every_answer = "y" * len(self.questions)
        for answered in range(len(self.questions)):
            check_card(self.question_card(every_answer[:answered]), f"fit.questions.{answered}")
        for answers in itertools.product("ynu", repeat=len(self.questions)):
            check_card(self.ending_card("".join(answers)), "fit: the ending")
        return self

    def crisis_flagged(self, answers: str) -> bool:
        """Whether the member said yes (or not sure) to the crisis question."""
        index = next(i for i, q in enumerate(self.questions) if q.crisis)
        return len(answers) > index and answers[index] in {"y", "u"}

    def is_complete(self, answers: str) -> bool:
        return len(answers) >= len(self.questions)

    def question_card(self, answers: str) -> Card:
        number = len(answers)
        question = self.questions[number]
        description = f"{self.intro}\n\n" if number == 0 else ""
        description += f"**{question.question}**"
        return Card(
            f"{self.title} ({number + 1} of {len(self.questions)})",
            description,
            show_crisis=self.crisis_flagged(answers),
        )

    def ending_card(self, answers: str) -> Card:
        fields = tuple(
            CardField(
                question.question,
                f"You said: **{FIT_ANSWERS[answer]}**. {question.meaning(answer)}",
            )
            for question, answer in zip(self.questions, answers, strict=False)
        )
        return Card(
            self.ending_title,
            self.ending_intro,
            (*fields, CardField("Talk it through", self.consult_note)),
            show_crisis=self.crisis_flagged(answers),
        )


class IopContent(ContentModel):
    topics: dict[str, Page]
    approaches: tuple[Approach, ...]
    fit: FitContent

    @field_validator("topics")
    @classmethod
    def _all_topics(cls, value: dict[str, Page]) -> dict[str, Page]:
        _require_topics(value, IOP_TOPICS)
        return value

    @field_validator("approaches")
    @classmethod
    def _sensible(cls, value: tuple[Approach, ...]) -> tuple[Approach, ...]:
        if not 1 <= len(value) <= limits.SELECT_OPTIONS:
            raise ValueError(f"needs between 1 and {limits.SELECT_OPTIONS} approaches")
        _unique_keys([approach.key for approach in value])
        return value

    @model_validator(mode="after")
    def _every_card_fits(self) -> Self:
        check_card(self.topic_card("approaches"), "topics.approaches with its list")
        for approach in self.approaches:
            check_card(self.approach_card(approach.key), f"approaches.{approach.key}")
        return self

    def approach(self, key: str) -> Approach | None:
        return next((a for a in self.approaches if a.key == key), None)

    def topic_card(self, topic: str) -> Card:
        page = self.topics[topic]
        if topic != "approaches":
            return page.card()
        listing = "\n".join(f"**{a.name}**: {a.summary}" for a in self.approaches)
        return page.card((CardField("In short", listing),))

    def approach_card(self, key: str) -> Card:
        approach = self.approach(key)
        if approach is None:
            raise KeyError(key)
        return Card(
            approach.name,
            approach.description,
            (CardField("More approaches", "Pick another from the menu, or see `/levels`."),),
        )


# ----------------------------------------------------------------------------- relapse


class RelapseContent(ContentModel):
    topics: dict[str, Page]

    @field_validator("topics")
    @classmethod
    def _all_topics(cls, value: dict[str, Page]) -> dict[str, Page]:
        _require_topics(value, RELAPSE_TOPICS)
        return value


# ----------------------------------------------------------------------------- coping


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


# ----------------------------------------------------------------------------- all of it


@dataclass(frozen=True)
class CareContent:
    levels: LevelsContent
    iop: IopContent
    relapse: RelapseContent
    coping: CopingContent
    support: Page

    def all_text(self) -> Iterator[tuple[str, str]]:
        """Every member-facing string, with where it came from (for linting and tests)."""
        for name, model in (
            (LEVELS_FILE, self.levels),
            (IOP_FILE, self.iop),
            (RELAPSE_FILE, self.relapse),
            (COPING_FILE, self.coping),
            (SUPPORT_FILE, self.support),
        ):
            yield from _strings(model.model_dump(mode="python"), name)


def _strings(value: object, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in {"sources", "key"}:
                yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}.{index}")


def load_care_content(content_dir: Path) -> CareContent:
    """Read and check every care file; the first problem raises ``ContentError``."""
    folder = content_dir / CARE_DIR
    if not folder.is_dir():
        raise ContentError(
            f"The content folder {folder} is missing: restore it from the repository."
        )
    return CareContent(
        levels=load_toml(folder / LEVELS_FILE, LevelsContent),
        iop=load_toml(folder / IOP_FILE, IopContent),
        relapse=load_toml(folder / RELAPSE_FILE, RelapseContent),
        coping=load_toml(folder / COPING_FILE, CopingContent),
        support=load_toml(folder / SUPPORT_FILE, Page),
    )


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
