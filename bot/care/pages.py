"""What all care content shares: file names and topic keys, ``Card`` values, and a page of
content (``Page``) with its fields.

No discord import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Self

from pydantic import StringConstraints, field_validator, model_validator

from bot import limits
from bot.content import (
    ContentModel,
    Description,
    FieldValue,
    SourcedEntry,
    Title,
    text_up_to,
)

CARE_DIR = "care"
LEVELS_FILE = "levels.toml"
IOP_FILE = "iop.toml"
RELAPSE_FILE = "relapse.toml"
COPING_FILE = "coping.toml"
SUPPORT_FILE = "support_network.toml"
GUIDES_FILE = "guides.toml"

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
GUIDE_TOPICS: tuple[str, ...] = (
    "find-treatment",
    "withdrawal",
    "after-withdrawal",
    "medications",
    "families",
    "peer-groups",
    "mental-health",
)
"""The guides to acting on care (``guides.toml``), in the order their menu lists them."""
CONSULT_GUIDES = frozenset({"find-treatment", "families"})
"""Guides that carry a "Talk to a consultant" button (in a server, where the queue is)."""
MIN_TIPS = 8
MAX_TIPS = 25

FOOTER_RESERVE = 200
"""Characters kept free in every embed for the standard footer (about 110 characters today)."""
CRISIS_RESERVE = 2500
"""Characters kept free in a message that also carries the crisis resources embed
(Discord's 6000-character limit counts every embed of a message together)."""
TOP_LINE_RESERVE = limits.EMBED_FIELD_VALUE + 50
"""Characters kept free in a card that shows the top crisis line inline (``crisis_line``):
a whole field, whatever ``data/crisis.toml`` says (the field is cut to Discord's limit), and
its name."""

OVERVIEW_KEY = "all"
"""The level key that means "all levels" in ``care:level:<key>`` buttons."""

FIT_ANSWERS: dict[str, str] = {"y": "Yes", "n": "No", "u": "Not sure"}
"""Answer codes used in is-it-for-me custom_ids, and how each is shown."""

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=24)]
FieldName = Annotated[str, text_up_to(limits.EMBED_FIELD_NAME)]
SelectDescription = Annotated[str, text_up_to(limits.SELECT_DESCRIPTION)]
Short = Annotated[str, text_up_to(300)]


@dataclass(frozen=True)
class CardField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Card:
    """What one embed shows, as plain data. ``show_crisis`` adds the crisis resources;
    ``crisis_line`` (without ``show_crisis``) adds the top crisis line as a last field."""

    title: str
    description: str
    fields: tuple[CardField, ...] = ()
    show_crisis: bool = False
    crisis_line: bool = False

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
    if card.crisis_line and not card.show_crisis and len(card.fields) >= limits.EMBED_FIELDS:
        raise ValueError(f"{where}: no field is left for the crisis line")
    reserve = CRISIS_RESERVE if card.show_crisis else TOP_LINE_RESERVE if card.crisis_line else 0
    budget = limits.EMBED_TOTAL - FOOTER_RESERVE - reserve
    if card.size > budget:
        raise ValueError(
            f"{where}: {card.size} characters in total, over the {budget} that fit in one "
            f"message (Discord's limit is {limits.EMBED_TOTAL})"
        )


class Field(ContentModel):
    name: FieldName
    value: FieldValue


class Page(SourcedEntry):
    """One embed's worth of content: a title, a description and up to 25 fields."""

    title: Title
    description: Description
    fields: tuple[Field, ...] = ()
    show_crisis: bool = False
    crisis_line: bool = False
    """Show the top crisis line inline (a page that touches risk without the whole list)."""

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
        return Card(self.title, self.description, fields, self.show_crisis, self.crisis_line)


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
