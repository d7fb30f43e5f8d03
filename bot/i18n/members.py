"""Members' languages: their own choice (``/language``) and the client language last seen.

Both are codes in ``member_settings`` (migration 0024), beside the crisis region. Reads are kept
in memory after the first one, so a reply does not wait on the database twice, and the client
language is written only when it changes. No discord import.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass

from bot.db import Database

log = logging.getLogger(__name__)

KEPT_MEMBERS = 10_000
"""How many members are kept in memory (the most recently used); the rest are read again."""


@dataclass(frozen=True)
class MemberLanguage:
    chosen: str | None = None
    """``/language``'s choice, or None."""
    last_seen: str | None = None
    """The language of the member's Discord client at their last command, or None."""


NOTHING = MemberLanguage()


class MemberLanguages:
    """The only writer of ``member_settings.language`` and ``.last_locale``; ``drop`` is told
    of an erasure, so the kept copy stays true (for the one instance ``bot.services`` builds)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._kept: OrderedDict[int, MemberLanguage] = OrderedDict()
        self._writes = 0

    async def get(self, user_id: int) -> MemberLanguage:
        if user_id in self._kept:
            self._kept.move_to_end(user_id)
            return self._kept[user_id]
        writes = self._writes
        row = await self._db.fetchone(
            "SELECT language, last_locale FROM member_settings WHERE user_id = ?", (user_id,)
        )
        found = NOTHING if row is None else MemberLanguage(row["language"], row["last_locale"])
        if self._writes == writes:
            self._keep(user_id, found)
        return found

    def kept(self, user_id: int) -> MemberLanguage:
        """What memory holds (nothing when not known): for a reply that must not wait."""
        return self._kept.get(user_id, NOTHING)

    def _keep(self, user_id: int, value: MemberLanguage) -> None:
        self._kept[user_id] = value
        self._kept.move_to_end(user_id)
        while len(self._kept) > KEPT_MEMBERS:
            self._kept.popitem(last=False)

    def drop(self, user_id: int) -> None:
        """Forget the kept copy (after the member's data was erased)."""
        self._writes += 1
        self._kept.pop(user_id, None)

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

        self.drop(user_id)
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
