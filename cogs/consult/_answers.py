"""A type's own questions on Discord: the form's fields, and the answers on the card and in
the thread. Pure functions of domain values (``bot.consultations.intake``).

Every answer is member text: escaped and cut to Discord's limits, politely (the cut is marked
and says where to read the rest), never dropped without a word.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot import limits
from bot.consultations import Answer, Question, Style
from bot.ui import add_field, escape, shorten

QUESTION_ID = "q:"
"""A question's field in the form: ``q:<question id>`` (never member text)."""

OPENING_TAIL = "\n\nThis thread is private"
"""Where the opening message (``_embeds.opening_message``) says who can read the thread: the
answers are quoted just before it."""
CUT = " … (cut short to fit)"
NOT_SHOWN = "Some answers didn't fit on this card; they are in the private thread when claimed."
_LEFT_OUT = "\n-# Some answers didn't fit here; they are on the queue card."
_ROOM = 80
"""Kept free on the card for the note that answers were left out."""


def question_fields(questions: Sequence[Question]) -> list[discord.ui.Label[discord.ui.View]]:
    """One labelled text field per question, with its own limit, style and placeholder."""
    fields: list[discord.ui.Label[discord.ui.View]] = []
    for question in questions:
        text: discord.ui.TextInput[discord.ui.View] = discord.ui.TextInput(
            custom_id=f"{QUESTION_ID}{question.id}",
            style=discord.TextStyle.paragraph
            if question.style is Style.PARAGRAPH
            else discord.TextStyle.short,
            required=question.required,
            max_length=question.max_length,
            placeholder=question.placeholder,
        )
        description = None if question.required else "Optional: you can leave this empty."
        fields.append(
            discord.ui.Label(
                text=shorten(question.label, limits.TEXT_INPUT_LABEL),
                description=description,
                component=text,
            )
        )
    return fields


def typed_answers(values: dict[str, object]) -> dict[int, str | None]:
    """Question id → what was typed, from a submitted form's values."""
    typed: dict[int, str | None] = {}
    for key, value in values.items():
        number = key.removeprefix(QUESTION_ID)
        if key.startswith(QUESTION_ID) and number.isdigit():
            typed[int(number)] = value if isinstance(value, str) else None
    return typed


def _cut(text: str, limit: int) -> str:
    """The escaped answer, cut to ``limit`` with a polite mark when it is longer."""
    full = escape(text)
    if len(full) <= limit:
        return full
    return escape(text, max(limit - len(CUT), 1)).removesuffix("…") + CUT


def add_answer_fields(card: discord.Embed, answers: Sequence[Answer]) -> discord.Embed:
    """The member's answers as fields (label, then the escaped answer), within the card's
    limits: a field value of at most 1024 characters, 25 fields and 6000 in all."""
    for index, answer in enumerate(answers):
        name = escape(answer.label, limits.EMBED_FIELD_NAME)
        room = limits.EMBED_TOTAL - len(card) - len(name) - _ROOM
        if room < 40 or len(card.fields) >= limits.EMBED_FIELDS - 1:
            if index < len(answers):
                add_field(card, "More answers", NOT_SHOWN)
            break
        add_field(card, name, _cut(answer.text, min(limits.EMBED_FIELD_VALUE, room)))
    return card


def with_answers(opening: str, answers: Sequence[Answer], marker: str) -> str:
    """The thread's opening message with the answers quoted before ``marker`` (the line that
    says the thread is private), all within a message's 2000 characters."""
    if not answers:
        return opening
    head, found, tail = opening.partition(marker)
    if not found:
        head, tail = opening, ""
    room = limits.MESSAGE_CONTENT - len(opening) - len(_LEFT_OUT)
    block: list[str] = []
    for answer in answers:
        label = f"\n**{escape(answer.label, 60)}**\n> "
        left = room - sum(map(len, block)) - len(label)
        if left < 30:
            block.append(_LEFT_OUT)
            break
        quoted = _cut(answer.text, left).replace("\n", "\n> ")
        block.append(label + (quoted if len(quoted) <= left else _cut(answer.text, left // 2)))
    return shorten(head + "".join(block) + found + tail, limits.MESSAGE_CONTENT)
