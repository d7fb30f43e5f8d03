"""How consultation types look wherever a request is shown: pure functions of domain objects.

A type is named with its emoji (``💬 Family support``), its text escaped and cut. A request
of the default type shows its topic, as every request did before types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import discord

from bot.consultations import (
    DEFAULT_TYPE_NAME,
    TOPIC_LABELS,
    Consultation,
    ConsultType,
    Coverage,
    NotYourTypeError,
    custom_emoji,
)
from bot.i18n import ENGLISH
from bot.i18n.messages import say
from bot.ui import escape

NAME_SHOWN = 60


def kind_label(kind: ConsultType) -> str:
    """The type's emoji and name, ready for an embed (markdown escaped)."""
    name = escape(kind.name, NAME_SHOWN)
    return f"{kind.emoji} {name}" if kind.emoji else name


def about(
    consultation: Consultation, kind: ConsultType | None, language: str = ENGLISH
) -> tuple[str, str]:
    """A card's or receipt's field for what the request is about: its type, or its topic (the
    bot's words in ``language``: staff cards are English)."""
    if kind is not None:
        return say(language, "consult.type"), kind_label(kind)
    return say(language, "consult.topic"), say(language, f"consult.topic.{consultation.topic}")


def not_your_type(error: NotYourTypeError, *, action: str = "claim") -> str:
    """The private refusal of a Claim (or Close) by staff of another type, naming the type."""
    return (
        f"Request #{error.number} is a “{escape(error.type_name, NAME_SHOWN)}” request: only "
        f"that type's staff role can {action} it. Nothing was changed."
    )


def what_about(consultation: Consultation, names: Mapping[int, str] | None = None) -> str:
    """A queue row's "what": its type's name when it has one, else its topic."""
    if consultation.type_id is not None and names and consultation.type_id in names:
        return escape(names[consultation.type_id], NAME_SHOWN)
    return TOPIC_LABELS[consultation.topic]


def scope_line(kinds: Sequence[ConsultType], covers: Coverage | None) -> str | None:
    """Which types a staff member's list or stats count (None: the server has no types, or
    they cover every one)."""
    if not kinds or covers is None or covers.everything:
        return None
    shown = [escape(kind.name, NAME_SHOWN) for kind in kinds if covers.covers(kind.id)]
    if covers.default:
        shown.append(DEFAULT_TYPE_NAME)
    return "Showing the types your roles cover: " + (", ".join(shown) or "none")


def emoji_of(kind: ConsultType) -> discord.PartialEmoji | str | None:
    """The type's emoji as a menu option or button takes it."""
    if not kind.emoji:
        return None
    custom = custom_emoji(kind.emoji)
    if custom is None:
        return kind.emoji
    return discord.PartialEmoji(name=custom.name, id=custom.id, animated=custom.animated)
