"""Write transactions: the statement-by-statement ``Transaction``, the one-hop write unit,
and the polite errors a failed or lost write becomes."""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

from bot.db._thread import T, Work, on_thread
from bot.errors import TryAgainError

log = logging.getLogger("bot.db")  # one logger name for the package, as before the split

# Mutation testing (CONTRIBUTING.md): SQL keywords and names, PRAGMA names and sqlite3.Row keys
# ignore case, so a mutant that only changes the case of SQL text is equivalent.


STORAGE_LOST = (
    "Sorry, I could not save this just now, so nothing was kept. Please try again shortly. "
    "If you need someone now, the crisis lines below are open."
)

Params = Sequence[Any] | dict[str, Any]


class StorageLostError(TryAgainError):
    """The database file was removed or replaced under the running bot: nothing is saved."""

    def __init__(self) -> None:
        super().__init__(STORAGE_LOST)
        self.show_crisis = True


def _in_write_transaction(work: Work[T], connection: sqlite3.Connection) -> T:
    """On the database thread: ``BEGIN IMMEDIATE``, ``work``, ``COMMIT``; rolled back on any
    error, so nothing of a failed unit is kept (the error is raised on the event loop)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        result = work(connection)
        connection.commit()
    except BaseException:
        if connection.in_transaction:
            connection.rollback()
        raise
    return result


def _fetchone(sql: str, params: Params, connection: sqlite3.Connection) -> sqlite3.Row | None:
    row: sqlite3.Row | None = connection.execute(sql, params).fetchone()
    return row


def _fetchall(sql: str, params: Params, connection: sqlite3.Connection) -> list[sqlite3.Row]:
    return list(connection.execute(sql, params).fetchall())


class Transaction:
    """The statements of one write transaction; only valid inside ``Database.transaction``.

    Each call is one hop to the database thread; a hot path runs its whole unit of work as
    one function instead (``Database.write``)."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        return await self._connection.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._connection.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return await on_thread(self._connection, functools.partial(_fetchone, sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return await on_thread(self._connection, functools.partial(_fetchall, sql, params))


def _as_user_error(error: sqlite3.OperationalError) -> TryAgainError:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        log.warning("database.busy")
        return TryAgainError()
    log.error("database.write_failed error=%s", type(error).__name__)
    return TryAgainError(
        "Sorry, I could not save that just now and nothing was changed. Please try again later."
    )
