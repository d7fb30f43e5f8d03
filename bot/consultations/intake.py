"""Intake questions: each consultation type's own form, and a request's answers to it.

Domain only (no ``discord`` import). Discord allows 5 components in a form: the request form
holds how urgent it is plus up to ``MAX_QUESTIONS`` questions of the type's own. A type whose
questions were never changed asks today's two (``DEFAULT_QUESTIONS``: a note and a good time,
kept in ``consultations.note`` and ``preferred_time`` as before), so a server with no types, or
a type left alone, works exactly as it did. The first change an admin makes to a type's
questions copies those two into the type's own list (``consult_forms`` marks it), which may
then be edited, removed or added to; from then on the form asks exactly that list.

Answers are kept per request with the question's label as it was asked (a later edit does not
change what the member was asked), encrypted like the note, and go with the request. Every
text an admin or member types passes ``bot.text.sanitise`` first; an answer's limit is its
question's maximum length, checked again here whatever the form allowed.
"""

from __future__ import annotations

import enum
import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.consultations.types import TypeNotFoundError
from bot.consultations.values import NOTE_LIMIT, PREFERRED_TIME_LIMIT
from bot.crypto import Cipher
from bot.db import Database
from bot.errors import UserFacingError
from bot.text import TextField, sanitise, sanitise_required

log = logging.getLogger(__name__)

MAX_QUESTIONS = 4
"""Discord allows 5 components in a form; how urgent it is takes one."""
LABEL_LIMIT = 45
"""Discord's limit for a form field's label."""
PLACEHOLDER_LIMIT = 100
ANSWER_LIMIT = 1000


class Style(enum.StrEnum):
    SHORT = "short"
    PARAGRAPH = "paragraph"


DEFAULT_MAX_LENGTH: dict[Style, int] = {Style.SHORT: 200, Style.PARAGRAPH: ANSWER_LIMIT}

LABEL = TextField("question", LABEL_LIMIT, required=True, one_line=True)
PLACEHOLDER = TextField("placeholder", PLACEHOLDER_LIMIT, one_line=True)


@dataclass(frozen=True)
class Question:
    id: int
    """0 for a default question the type has not made its own yet."""
    position: int
    """1 to 4, in the order the form asks them."""
    label: str
    style: Style
    required: bool
    max_length: int
    placeholder: str | None = None

    @property
    def field(self) -> TextField:
        """How an answer to it is checked at the text boundary."""
        return TextField(f"answer to “{self.label}”", self.max_length, required=self.required)


DEFAULT_QUESTIONS: tuple[Question, ...] = (
    Question(
        0,
        1,
        "A short note",
        Style.PARAGRAPH,
        False,
        NOTE_LIMIT,
        "Anything you'd like them to know first (you can leave this empty)",
    ),
    Question(
        0,
        2,
        "A good time for you",
        Style.SHORT,
        False,
        PREFERRED_TIME_LIMIT,
        "e.g. weekday evenings",
    ),
)
"""Today's note and preferred time, as questions (what an untouched type asks)."""


@dataclass(frozen=True)
class Form:
    type_id: int
    own: bool
    """False: the type asks today's questions (``DEFAULT_QUESTIONS``, into the note columns)."""
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class SealedAnswer:
    """An answer checked at the boundary and encrypted, ready to be saved with its request."""

    question_id: int
    position: int
    label: str
    sealed: bytes


@dataclass(frozen=True)
class Answer:
    position: int
    label: str
    """The question as the member was asked it."""
    text: str


class QuestionRefusedError(UserFacingError):
    """A change to a type's questions that cannot be made; nothing was saved."""


class TooManyQuestionsError(QuestionRefusedError):
    def __init__(self) -> None:
        super().__init__(
            f"This type's form already has {MAX_QUESTIONS} questions, the most a form can hold "
            "(Discord allows 5 fields, and how urgent it is takes one). Remove or edit one "
            "first. Nothing was saved."
        )


class QuestionNotFoundError(QuestionRefusedError):
    def __init__(self) -> None:
        super().__init__(
            "That type's form has no such question. `/setup question list` shows them, "
            "numbered. Nothing was changed."
        )


class BadMaxLengthError(QuestionRefusedError):
    def __init__(self) -> None:
        super().__init__(
            f"The longest answer can be between 1 and {ANSWER_LIMIT} characters. Nothing was saved."
        )


def _max_length(value: int | None, style: Style) -> int:
    length = DEFAULT_MAX_LENGTH[style] if value is None else value
    if not 1 <= length <= ANSWER_LIMIT:
        raise BadMaxLengthError()
    return length


_COLUMNS = "id, position, label, placeholder, style, required, max_length"


def _from_row(row: sqlite3.Row) -> Question:
    return Question(
        id=int(row["id"]),
        position=int(row["position"]),
        label=row["label"],
        style=Style(row["style"]),
        required=bool(row["required"]),
        max_length=int(row["max_length"]),
        placeholder=row["placeholder"],
    )


def _check_type(c: sqlite3.Connection, guild_id: int, type_id: int) -> None:
    if not c.execute(
        "SELECT 1 FROM consult_types WHERE id = ? AND guild_id = ?", (type_id, guild_id)
    ).fetchone():
        raise TypeNotFoundError()


def _read(c: sqlite3.Connection, type_id: int) -> Form:
    own = c.execute("SELECT 1 FROM consult_forms WHERE type_id = ?", (type_id,)).fetchone()
    if own is None:
        return Form(type_id, False, DEFAULT_QUESTIONS)
    rows = c.execute(
        f"SELECT {_COLUMNS} FROM consult_questions WHERE type_id = ? ORDER BY position, id",
        (type_id,),
    ).fetchall()
    return Form(type_id, True, tuple(_from_row(row) for row in rows))


def _make_own(c: sqlite3.Connection, type_id: int) -> list[Question]:
    """The type's own questions, copying today's two in first if it has none yet."""
    if c.execute("SELECT 1 FROM consult_forms WHERE type_id = ?", (type_id,)).fetchone() is None:
        c.execute("INSERT INTO consult_forms (type_id) VALUES (?)", (type_id,))
        for q in DEFAULT_QUESTIONS:
            c.execute(
                "INSERT INTO consult_questions (type_id, position, label, placeholder, style, "
                "required, max_length) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    type_id,
                    q.position,
                    q.label,
                    q.placeholder,
                    q.style.value,
                    q.required,
                    q.max_length,
                ),
            )
    return list(_read(c, type_id).questions)


def _at(questions: Sequence[Question], number: int) -> Question:
    if not 1 <= number <= len(questions):
        raise QuestionNotFoundError()
    return questions[number - 1]


def save_answers(
    c: sqlite3.Connection, request_id: int, member_id: int, answers: Sequence[SealedAnswer]
) -> None:
    """Save a new request's answers (on the database thread, in the request's transaction)."""
    c.executemany(
        "INSERT INTO consultation_answers (consultation_id, member_id, question_id, position, "
        "label, answer) VALUES (?, ?, (SELECT id FROM consult_questions WHERE id = ?), ?, ?, ?)",
        [(request_id, member_id, a.question_id, a.position, a.label, a.sealed) for a in answers],
    )


class IntakeService:
    """A type's questions (read once, then kept in memory until changed here) and a request's
    answers. Every change is scoped to one server: another server's type is never found."""

    def __init__(self, db: Database, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher
        self._kept: dict[tuple[int, int], Form] = {}
        """(server, type) → form: a type is only ever found under its own server."""

    async def form(self, guild_id: int, type_id: int) -> Form:
        """The form of the server's type ``type_id`` (``TypeNotFoundError``: none here)."""
        kept = self._kept.get((guild_id, type_id))
        if kept is not None:
            return kept

        def work(c: sqlite3.Connection) -> Form:
            _check_type(c, guild_id, type_id)
            return _read(c, type_id)

        found = await self._db.read(work)
        self._kept[guild_id, type_id] = found
        return found

    async def _change(
        self,
        guild_id: int,
        type_id: int,
        change: Callable[[sqlite3.Connection, list[Question]], Question],
    ) -> tuple[Question, Form]:
        def work(c: sqlite3.Connection) -> tuple[Question, Form]:
            _check_type(c, guild_id, type_id)
            question = change(c, _make_own(c, type_id))
            return question, _read(c, type_id)

        self._kept.pop((guild_id, type_id), None)
        try:
            question, form = await self._db.write(work)
        finally:
            self._kept.pop((guild_id, type_id), None)
        self._kept[guild_id, type_id] = form
        return question, form

    async def add(
        self,
        guild_id: int,
        type_id: int,
        *,
        label: str,
        style: Style = Style.PARAGRAPH,
        required: bool = False,
        placeholder: str | None = None,
        max_length: int | None = None,
    ) -> tuple[Question, Form]:
        """A new question, last on the form; refused past ``MAX_QUESTIONS``."""
        clean_label = sanitise_required(label, LABEL)
        clean_placeholder = sanitise(placeholder, PLACEHOLDER)
        length = _max_length(max_length, style)

        def change(c: sqlite3.Connection, questions: list[Question]) -> Question:
            if len(questions) >= MAX_QUESTIONS:
                raise TooManyQuestionsError()
            row: sqlite3.Row = c.execute(
                "INSERT INTO consult_questions (type_id, position, label, placeholder, style, "
                f"required, max_length) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                (
                    type_id,
                    len(questions) + 1,
                    clean_label,
                    clean_placeholder,
                    style.value,
                    required,
                    length,
                ),
            ).fetchone()
            return _from_row(row)

        result = await self._change(guild_id, type_id, change)
        log.info("consult_question.added guild=%s type=%s", guild_id, type_id)
        return result

    async def edit(
        self,
        guild_id: int,
        type_id: int,
        number: int,
        *,
        label: str | None = None,
        style: Style | None = None,
        required: bool | None = None,
        placeholder: str | None = None,
        clear_placeholder: bool = False,
        max_length: int | None = None,
    ) -> tuple[Question, Form]:
        """Question ``number`` (1 to 4, as listed) with what is given changed. A new style
        without a new maximum length keeps the old one."""
        clean_label = sanitise_required(label, LABEL) if label is not None else None
        clean_placeholder = sanitise(placeholder, PLACEHOLDER) if placeholder is not None else None
        if max_length is not None:
            _max_length(max_length, Style.SHORT)

        def change(c: sqlite3.Connection, questions: list[Question]) -> Question:
            current = _at(questions, number)
            blank = placeholder is not None and clean_placeholder is None
            row: sqlite3.Row = c.execute(
                "UPDATE consult_questions SET label = ?, placeholder = ?, style = ?, "
                f"required = ?, max_length = ? WHERE id = ? RETURNING {_COLUMNS}",
                (
                    clean_label or current.label,
                    None
                    if clear_placeholder or blank
                    else clean_placeholder or current.placeholder,
                    (style or current.style).value,
                    current.required if required is None else required,
                    max_length or current.max_length,
                    current.id,
                ),
            ).fetchone()
            return _from_row(row)

        result = await self._change(guild_id, type_id, change)
        log.info("consult_question.edited guild=%s type=%s", guild_id, type_id)
        return result

    async def remove(self, guild_id: int, type_id: int, number: int) -> tuple[Question, Form]:
        """Remove question ``number``; the others move up. Past answers keep their label."""

        def change(c: sqlite3.Connection, questions: list[Question]) -> Question:
            gone = _at(questions, number)
            c.execute("DELETE FROM consult_questions WHERE id = ?", (gone.id,))
            for position, q in enumerate((q for q in questions if q.id != gone.id), start=1):
                c.execute(
                    "UPDATE consult_questions SET position = ? WHERE id = ?", (position, q.id)
                )
            return gone

        result = await self._change(guild_id, type_id, change)
        log.info("consult_question.removed guild=%s type=%s", guild_id, type_id)
        return result

    def seal(self, form: Form, typed: Mapping[int, str | None]) -> tuple[SealedAnswer, ...]:
        """The answers typed to ``form``'s own questions (question id → text), each checked at
        the boundary against its question (required, maximum length) and encrypted. A
        question added since the form was opened has no answer and is skipped."""
        sealed: list[SealedAnswer] = []
        for question in form.questions:
            if question.id not in typed:
                continue
            text = sanitise(typed[question.id], question.field)
            token = self._cipher.encrypt(text)
            if token is not None:
                sealed.append(SealedAnswer(question.id, question.position, question.label, token))
        return tuple(sealed)

    async def answers(self, request_id: int) -> tuple[Answer, ...]:
        """A request's answers, in the order they were asked, decrypted."""
        rows = await self._db.fetchall(
            "SELECT position, label, answer FROM consultation_answers "
            "WHERE consultation_id = ? ORDER BY position, id",
            (request_id,),
        )
        return tuple(
            Answer(int(row["position"]), row["label"], self._cipher.decrypt(row["answer"]) or "")
            for row in rows
        )
