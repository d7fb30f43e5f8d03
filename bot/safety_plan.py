"""A member's own safety plan (Stanley–Brown style): seven short sections in their own words.

Private and encrypted: one row per member (``safety_plans``), each section encrypted with the
bot's cipher like a check-in's note, tied to no server (the plan is the member's wherever they
open it). Plain ids and values in, dataclasses out; the cog asks for the sections in two forms
(Discord allows five fields a form), so a part is saved on its own and the rest is kept.

The wording is the member's, never ours: the bot only asks the questions and shows the answers
back. It does not judge, score or advise on what is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass

from bot.crypto import Cipher
from bot.db import Database
from bot.text import TextField, sanitise

log = logging.getLogger(__name__)

SECTION_LIMIT = 400
"""The most characters kept in one section (after cleaning)."""


@dataclass(frozen=True)
class Section:
    """One part of the plan: its column, how it is named to the member, and the question."""

    key: str
    title: str
    """Shown on the form (at most 45 characters) and above the answer."""
    question: str
    """The form's hint under the title (at most 100 characters)."""
    example: str
    """A placeholder in the empty field (at most 100 characters)."""
    name: str
    """How a refusal names it: "Your {name} is 401 characters long…"."""

    @property
    def field(self) -> TextField:
        return TextField(self.name, SECTION_LIMIT)


SECTIONS: tuple[Section, ...] = (
    Section(
        "warning_signs",
        "My warning signs",
        "Thoughts, feelings or situations that tell me a hard time may be starting.",
        "e.g. not sleeping, pulling away from people, feeling numb",
        "list of warning signs",
    ),
    Section(
        "coping",
        "Things I can do on my own",
        "What helps me get through a hard moment without anyone else.",
        "e.g. a walk, a shower, music, breathing slowly",
        "list of things to do on your own",
    ),
    Section(
        "distractions",
        "People and places that take my mind off it",
        "Who I can be around, and where I can go, to feel a little better.",
        "e.g. a friend's kitchen, the library, a meeting",
        "list of people and places",
    ),
    Section(
        "helpers",
        "People I can ask for help",
        "Names and how to reach them.",
        "e.g. Sam 555-0100, my sister",
        "list of people to ask for help",
    ),
    Section(
        "professionals",
        "Professionals and lines I can contact",
        "A counsellor, doctor or clinic, and lines open any time (988 in the US).",
        "e.g. my counsellor's number, 988",
        "list of professionals and lines",
    ),
    Section(
        "environment",
        "Making my surroundings safer",
        "Steps that keep me safer in a hard moment, with help from someone I trust.",
        "e.g. asking someone I trust to look after certain things for a while",
        "list for safer surroundings",
    ),
    Section(
        "reasons",
        "My reasons",
        "What matters to me and keeps me going.",
        "e.g. my kids, my dog, the people who care about me",
        "list of reasons",
    ),
)
"""The sections, in the plan's order."""

BY_KEY: Mapping[str, Section] = {section.key: section for section in SECTIONS}
FORMS: tuple[tuple[Section, ...], ...] = (SECTIONS[:4], SECTIONS[4:])
"""The sections of each form: Discord allows at most five fields in one."""

_COLUMNS = ", ".join(section.key for section in SECTIONS)


@dataclass(frozen=True)
class SafetyPlan:
    user_id: int
    sections: Mapping[str, str | None]
    """Each section's text by key (None: not written yet)."""
    updated_at: dt.datetime

    def text(self, key: str) -> str | None:
        return self.sections.get(key)

    @property
    def written(self) -> tuple[Section, ...]:
        """The sections with something in them, in order."""
        return tuple(section for section in SECTIONS if self.sections.get(section.key))

    @property
    def is_empty(self) -> bool:
        return not self.written


def clean_sections(values: Mapping[str, str | None]) -> dict[str, str | None]:
    """Each typed section through the one boundary (``bot.text.sanitise``); unknown keys are
    a programming error. Raises ``TextRefusedError`` naming the section that is too long."""
    cleaned: dict[str, str | None] = {}
    for key, value in values.items():
        cleaned[key] = sanitise(value, BY_KEY[key].field)
    return cleaned


class SafetyPlanService:
    def __init__(self, db: Database, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def get(self, user_id: int) -> SafetyPlan | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS}, updated_at FROM safety_plans WHERE user_id = ?", (user_id,)
        )
        if row is None:
            return None
        return SafetyPlan(
            user_id,
            {section.key: self._cipher.decrypt(row[section.key]) for section in SECTIONS},
            dt.datetime.fromisoformat(row["updated_at"]),
        )

    async def save(
        self, user_id: int, values: Mapping[str, str | None], *, now: dt.datetime
    ) -> SafetyPlan:
        """Save the given sections (one form's), keeping the others as they are.

        Returns the plan as stored, read back in the same transaction: a caller that gets it
        knows the write committed."""
        cleaned = clean_sections(values)
        keys = list(cleaned)
        stamp = now.astimezone(dt.UTC).isoformat(timespec="microseconds")
        params = [user_id, *(self._cipher.encrypt(cleaned[key]) for key in keys), stamp]
        columns = ", ".join([*keys, "updated_at"])
        marks = ", ".join("?" for _ in range(len(keys) + 2))
        updates = ", ".join(f"{key} = excluded.{key}" for key in [*keys, "updated_at"])
        sql = (
            f"INSERT INTO safety_plans (user_id, {columns}) VALUES ({marks}) "
            f"ON CONFLICT (user_id) DO UPDATE SET {updates}"
        )

        def work(c: sqlite3.Connection) -> sqlite3.Row:  # one hop to the database thread
            c.execute(sql, params)
            row: sqlite3.Row = c.execute(
                f"SELECT {_COLUMNS}, updated_at FROM safety_plans WHERE user_id = ?", (user_id,)
            ).fetchone()
            return row

        row = await self._db.write(work)
        log.info("safety_plan.saved user=%s sections=%d", user_id, len(keys))
        return SafetyPlan(
            user_id,
            {section.key: self._cipher.decrypt(row[section.key]) for section in SECTIONS},
            dt.datetime.fromisoformat(row["updated_at"]),
        )

    async def delete(self, user_id: int) -> bool:
        """Delete the member's plan; False when there was none."""

        def work(c: sqlite3.Connection) -> int:
            return c.execute("DELETE FROM safety_plans WHERE user_id = ?", (user_id,)).rowcount

        count = await self._db.write(work)
        log.info("safety_plan.deleted user=%s found=%s", user_id, count > 0)
        return count > 0
