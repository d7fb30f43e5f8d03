"""Saved replies in storage: ``SnippetService`` (see ``bot.snippets``)."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass

from bot.db import Database
from bot.snippets.rules import check_name, check_text, lookup_name
from bot.snippets.values import (
    MAX_SNIPPETS,
    DuplicateSnippetError,
    SnippetGoneError,
    SnippetNotFoundError,
    TooManySnippetsError,
)

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Snippet:
    id: int
    guild_id: int
    name: str
    body: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def preview(self) -> str:
        """The first line of the text."""
        return self.body.strip().splitlines()[0] if self.body.strip() else ""


@dataclass(frozen=True)
class SnippetPage:
    snippets: tuple[Snippet, ...]
    total: int
    """Saved replies in the server."""
    page: int
    """This page, from 0."""
    pages: int


@dataclass(frozen=True)
class EditedSnippet:
    snippet: Snippet
    old_name: str
    """Its name before (the same unless it was renamed)."""


_COLUMNS = "id, guild_id, name, body, created_at, updated_at"


def _time(stamp: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(stamp, dt.UTC)


def _from_row(row: sqlite3.Row) -> Snippet:
    return Snippet(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        name=row["name"],
        body=row["body"],
        created_at=_time(row["created_at"]),
        updated_at=_time(row["updated_at"]),
    )


def _unique_violation(error: sqlite3.IntegrityError) -> bool:
    return "UNIQUE" in str(error)


# --------------------------------------------------------------------------- the service


class SnippetService:
    """Adding, changing, removing and reading a server's saved replies, one server at a time."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int, name: str) -> Snippet | None:
        """The server's saved reply with this name (None: none here)."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM snippets WHERE guild_id = ? AND name = ?",
            (guild_id, lookup_name(name)),
        )
        return None if row is None else _from_row(row)

    async def by_id(self, guild_id: int, snippet_id: int) -> Snippet | None:
        """The server's saved reply with this id (None: gone, or another server's)."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM snippets WHERE guild_id = ? AND id = ?",
            (guild_id, snippet_id),
        )
        return None if row is None else _from_row(row)

    async def names(self, guild_id: int, typed: str, *, limit: int = 25) -> list[str]:
        """The server's names containing ``typed``, those starting with it first (autocomplete)."""
        wanted = lookup_name(typed)
        rows = await self._db.fetchall(
            "SELECT name FROM snippets WHERE guild_id = ? AND instr(name, ?) > 0 "
            "ORDER BY instr(name, ?) <> 1, name LIMIT ?",
            (guild_id, wanted, wanted, limit),
        )
        return [row["name"] for row in rows]

    async def count(self, guild_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM snippets WHERE guild_id = ?", (guild_id,)
        )
        return 0 if row is None else int(row[0])

    async def listing(self, guild_id: int, *, page: int, size: int) -> SnippetPage:
        """One page of the server's saved replies by name; ``page`` (from 0) is clamped to the
        pages there are. One read."""

        def work(c: sqlite3.Connection) -> tuple[int, int, list[sqlite3.Row]]:
            total = int(
                c.execute(
                    "SELECT COUNT(*) FROM snippets WHERE guild_id = ?", (guild_id,)
                ).fetchone()[0]
            )
            shown = min(max(page, 0), max(0, -(-total // size) - 1))
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM snippets WHERE guild_id = ? "
                "ORDER BY name LIMIT ? OFFSET ?",
                (guild_id, size, shown * size),
            ).fetchall()
            return total, shown, rows

        total, shown, rows = await self._db.read(work)
        return SnippetPage(
            tuple(_from_row(row) for row in rows),
            total=total,
            page=shown,
            pages=max(1, -(-total // size)),
        )

    async def check_new(self, guild_id: int, typed_name: str) -> str:
        """The checked name for a new saved reply, refused now (before the form opens) when it
        is taken or the server is full. One read; ``add`` checks both again."""
        name = check_name(typed_name)

        def work(c: sqlite3.Connection) -> tuple[int, bool]:
            count = c.execute("SELECT COUNT(*) FROM snippets WHERE guild_id = ?", (guild_id,))
            taken = c.execute(
                "SELECT 1 FROM snippets WHERE guild_id = ? AND name = ?", (guild_id, name)
            )
            return int(count.fetchone()[0]), taken.fetchone() is not None

        count, taken = await self._db.read(work)
        if taken:
            raise DuplicateSnippetError(name)
        if count >= MAX_SNIPPETS:
            raise TooManySnippetsError()
        return name

    async def add(
        self, guild_id: int, *, name: str, body: str, now: dt.datetime, crisis: str
    ) -> Snippet:
        """A new saved reply; refused for a bad name or text, a name the server already has,
        or past ``MAX_SNIPPETS`` (counted inside the write)."""
        clean_name = check_name(name)
        text = check_text(body, crisis=crisis)
        stamp = int(now.timestamp())

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            count = c.execute("SELECT COUNT(*) FROM snippets WHERE guild_id = ?", (guild_id,))
            if int(count.fetchone()[0]) >= MAX_SNIPPETS:
                raise TooManySnippetsError()
            try:
                row: sqlite3.Row = c.execute(
                    "INSERT INTO snippets (guild_id, name, body, created_at, updated_at) "
                    f"VALUES (?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                    (guild_id, clean_name, text, stamp, stamp),
                ).fetchone()
            except sqlite3.IntegrityError as error:
                if _unique_violation(error):
                    raise DuplicateSnippetError(clean_name) from None
                raise
            return row

        added = _from_row(await self._db.write(work))
        log.info("snippet.added guild=%s id=%s", guild_id, added.id)
        return added

    async def edit(
        self,
        guild_id: int,
        snippet_id: int,
        *,
        body: str,
        now: dt.datetime,
        crisis: str,
        new_name: str | None = None,
    ) -> EditedSnippet:
        """A saved reply with a new text (and, given ``new_name``, a new name); refused as
        ``add`` refuses, and when it is gone (or another server's)."""
        clean_name = None if new_name is None else check_name(new_name)
        text = check_text(body, crisis=crisis)
        stamp = int(now.timestamp())

        def work(c: sqlite3.Connection) -> tuple[str, sqlite3.Row] | None:
            before = c.execute(
                "SELECT name FROM snippets WHERE guild_id = ? AND id = ?", (guild_id, snippet_id)
            ).fetchone()
            if before is None:
                return None
            try:
                row: sqlite3.Row = c.execute(
                    "UPDATE snippets SET body = ?, name = coalesce(?, name), updated_at = ? "
                    f"WHERE guild_id = ? AND id = ? RETURNING {_COLUMNS}",
                    (text, clean_name, stamp, guild_id, snippet_id),
                ).fetchone()
            except sqlite3.IntegrityError as error:
                if _unique_violation(error) and clean_name is not None:
                    raise DuplicateSnippetError(clean_name) from None
                raise
            return str(before["name"]), row

        done = await self._db.write(work)
        if done is None:
            raise SnippetGoneError()
        log.info("snippet.edited guild=%s id=%s", guild_id, snippet_id)
        return EditedSnippet(_from_row(done[1]), old_name=done[0])

    async def remove(self, guild_id: int, name: str) -> Snippet:
        """Remove the server's saved reply with this name; refused when there is none."""
        wanted = lookup_name(name)

        def work(c: sqlite3.Connection) -> sqlite3.Row | None:
            row: sqlite3.Row | None = c.execute(
                f"DELETE FROM snippets WHERE guild_id = ? AND name = ? RETURNING {_COLUMNS}",
                (guild_id, wanted),
            ).fetchone()
            return row

        row = await self._db.write(work)
        if row is None:
            raise SnippetNotFoundError(name)
        removed = _from_row(row)
        log.info("snippet.removed guild=%s id=%s", guild_id, removed.id)
        return removed
