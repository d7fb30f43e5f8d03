"""Members' languages: their own choice (``/language``) and the client language last seen.

Both are codes in ``member_settings`` (migration 0024), beside the crisis region. They are read
once and kept in memory (``MemberLanguages``), and the client language is written only when it
changes. No discord import.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from bot.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MemberLanguage:
    chosen: str | None = None
    """``/language``'s choice, or None."""
    last_seen: str | None = None
    """The language of the member's Discord client at their last command, or None."""


NOTHING = MemberLanguage()


class MemberLanguages:
    """The only writer of ``member_settings.language`` and ``.last_locale``; ``drop`` is told
    of an erasure, so memory stays true (for the one instance ``bot.services`` builds).

    Every member with a language of their own is read once, with one query, at the first
    lookup, and kept: only members who chose a language, or whose app's language differs from
    their server's, have one (two short codes each), and everyone else needs no read at all,
    so a command never waits on the database for its language."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._known: dict[int, MemberLanguage] | None = None
        self._writes = 0
        """Writes and erasures so far: a load that started before one is not kept."""

    async def _load(self) -> dict[int, MemberLanguage]:
        if self._known is not None:
            return self._known
        writes = self._writes
        rows = await self._db.fetchall(
            "SELECT user_id, language, last_locale FROM member_settings "
            "WHERE language IS NOT NULL OR last_locale IS NOT NULL"
        )
        known = {
            row["user_id"]: MemberLanguage(row["language"], row["last_locale"]) for row in rows
        }
        if self._writes == writes and self._known is None:
            self._known = known
        return known

    async def get(self, user_id: int) -> MemberLanguage:
        return (await self._load()).get(user_id, NOTHING)

    def kept(self, user_id: int) -> MemberLanguage:
        """What memory holds (nothing before the first load): for a reply that must not wait."""
        return NOTHING if self._known is None else self._known.get(user_id, NOTHING)

    def _keep(self, user_id: int, value: MemberLanguage) -> None:
        if self._known is None:
            return
        if value == NOTHING:
            self._known.pop(user_id, None)
        else:
            self._known[user_id] = value

    def drop(self, user_id: int) -> None:
        """Forget the member's languages in memory (after their data was erased)."""
        self._writes += 1
        if self._known is not None:
            self._known.pop(user_id, None)

    async def _set(self, user_id: int, column: str, code: str | None) -> None:
        def work(c: sqlite3.Connection) -> None:
            c.execute(
                f"INSERT INTO member_settings (user_id, {column}) VALUES (?, ?) "
                f"ON CONFLICT (user_id) DO UPDATE SET {column} = excluded.{column}",
                (user_id, code),
            )
            c.execute(
                "DELETE FROM member_settings WHERE user_id = ? AND crisis_region IS NULL "
                "AND language IS NULL AND last_locale IS NULL",
                (user_id,),
            )

        self._writes += 1  # a load running now may have read the row before this write
        await self._db.write(work)

    async def choose(self, user_id: int, code: str | None) -> None:
        """Keep the member's own choice (None: forget it, and follow their client again)."""
        before = await self.get(user_id)
        await self._set(user_id, "language", code)
        self._keep(user_id, MemberLanguage(code, before.last_seen))
        log.info("language.chosen user=%s language=%s", user_id, code)

    async def seen(self, user_id: int, code: str | None, *, otherwise: str) -> None:
        """The member's client language at a command. Kept only when it differs from
        ``otherwise`` (the server's language, or English), so most members have no row at
        all; written only when it changed; a language the bot does not speak (None) leaves
        the last one the bot could use."""
        if code is None:
            return
        wanted = None if code == otherwise else code
        before = await self.get(user_id)
        if before.last_seen == wanted:
            return
        await self._set(user_id, "last_locale", wanted)
        self._keep(user_id, MemberLanguage(before.chosen, wanted))
