"""The SQLite database: one connection, one writer, numbered migrations.

All SQL lives in repository classes that take a ``Database``. Writes go through
``Database.transaction()``, which opens ``BEGIN IMMEDIATE`` under one ``asyncio.Lock``,
so two coroutines never interleave statements on the shared connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosqlite

from bot.errors import StartupError, TryAgainError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 5000
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

Params = Sequence[Any] | dict[str, Any]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The numbered migrations in ``folder``, checked to run 1, 2, 3… without gaps."""
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise StartupError(f"The migration file {path.name} is not named like 0001_name.sql.")
        migrations.append(Migration(int(match.group(1)), path.name, path.read_text("utf-8")))
    for expected, migration in enumerate(migrations, start=1):
        if migration.version != expected:
            raise StartupError(
                f"Migration {migration.name} is out of sequence (expected {expected:04d})."
            )
    return migrations


class Transaction:
    """The statements of one write transaction; only valid inside ``Database.transaction``."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        return await self._connection.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        await self._connection.executemany(sql, rows)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._connection.execute(sql, params) as cursor:
            row = await cursor.fetchone()
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._connection.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        return list(rows)


class Database:
    """An open database file. Build it with ``await Database.open(path)``."""

    def __init__(self, path: Path, connection: aiosqlite.Connection, lock_fd: int) -> None:
        self.path = path
        self._connection = connection
        self._lock = asyncio.Lock()
        self._lock_fd: int | None = lock_fd
        self._tx = Transaction(connection)

    @classmethod
    async def open(cls, path: Path, *, migrations_dir: Path = MIGRATIONS_DIR) -> Database:
        """Open (creating if needed) and migrate the database at ``path``.

        Raises ``StartupError`` with one sentence when the file is in use by another
        bot process, unreadable, corrupt, or from a newer version of the bot.
        """
        path = Path(path)
        migrations = load_migrations(migrations_dir)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as error:
            raise StartupError(
                f"The database file {path} cannot be created ({error.strerror}): "
                "check DATABASE_PATH and the folder's permissions."
            ) from None
        lock_fd = _acquire_process_lock(path)
        try:
            connection = await _connect(path)
        except BaseException:
            _release_process_lock(lock_fd)
            raise
        database = cls(path, connection, lock_fd)
        try:
            await database._migrate(migrations)
        except BaseException:
            await database.close()
            raise
        return database

    async def _migrate(self, migrations: list[Migration]) -> None:
        current = await self.schema_version()
        latest = len(migrations)
        if current > latest:
            raise StartupError(
                f"The database file {self.path} has schema version {current}, newer than this bot "
                f"understands ({latest}): update the bot, or restore a backup made by this version."
            )
        for migration in migrations[current:]:
            script = (
                f"BEGIN IMMEDIATE;\n{migration.sql}\n"
                f"PRAGMA user_version = {migration.version};\nCOMMIT;"
            )
            try:
                await self._connection.executescript(script)
            except sqlite3.Error:
                if self._connection.in_transaction:
                    await self._connection.rollback()
                log.exception("migration.failed name=%s", migration.name)
                raise StartupError(
                    f"The database migration {migration.name} failed and was rolled back: "
                    "the log has the details, and the database is unchanged."
                ) from None
            log.info("migration.applied name=%s", migration.name)

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def pragma(self, name: str) -> Any:
        row = await self.fetchone(f"PRAGMA {name}")
        return row[0] if row else None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A ``BEGIN IMMEDIATE`` write transaction, committed on success, else rolled back.

        A database that stays locked past the busy timeout becomes ``TryAgainError``;
        nothing of the transaction is kept.
        """
        async with self._lock:
            self._require_open()
            try:
                await self._connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise _as_user_error(error) from error
            try:
                yield self._tx
            except sqlite3.OperationalError as error:
                if self._connection.in_transaction:
                    await self._connection.rollback()
                raise _as_user_error(error) from error
            except BaseException:
                if self._connection.in_transaction:
                    await self._connection.rollback()
                raise
            try:
                await self._connection.commit()
            except sqlite3.OperationalError as error:
                if self._connection.in_transaction:
                    await self._connection.rollback()
                raise _as_user_error(error) from error

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._lock:
            self._require_open()
            return await self._tx.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._lock:
            self._require_open()
            return await self._tx.fetchall(sql, params)

    def _require_open(self) -> None:
        """Storage that went away (shutdown, a lost disk) is a polite "try again", not a crash."""
        if self.closed:
            log.warning("database.closed")
            raise TryAgainError(
                "Sorry, I can't reach my storage right now and nothing was changed. Please "
                "try again in a little while. If you need help now, call or text 988 (US) "
                "or use /crisis."
            )

    async def backup_to(self, target: Path) -> None:
        """A consistent copy through SQLite's online backup API."""
        async with self._lock:
            destination = await aiosqlite.connect(target)
            try:
                await self._connection.backup(destination)
            finally:
                await destination.close()

    async def close(self) -> None:
        """Close the connection and release the single-process lock. Safe to call twice."""
        if self._lock_fd is None:
            return
        try:
            await self._connection.close()
        finally:
            _release_process_lock(self._lock_fd)
            self._lock_fd = None

    @property
    def closed(self) -> bool:
        return self._lock_fd is None


async def _connect(path: Path) -> aiosqlite.Connection:
    try:
        connection = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as error:
        raise StartupError(
            f"The database file {path} cannot be opened ({error}): "
            "check DATABASE_PATH and its permissions."
        ) from None
    connection.row_factory = sqlite3.Row
    try:
        mode = await (await connection.execute("PRAGMA journal_mode=WAL")).fetchone()
        await connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute("PRAGMA synchronous=FULL")
        check = await (await connection.execute("PRAGMA quick_check")).fetchone()
    except sqlite3.DatabaseError:
        await connection.close()
        raise StartupError(
            f"The database file {path} is not a readable SQLite database (it may be corrupt): "
            "restore a backup or point DATABASE_PATH at a new file."
        ) from None
    if mode is None or str(mode[0]).lower() != "wal" or check is None or check[0] != "ok":
        await connection.close()
        raise StartupError(
            f"The database file {path} failed its integrity check: "
            "restore a backup or point DATABASE_PATH at a new file."
        )
    return connection


def lock_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _acquire_process_lock(path: Path) -> int:
    lock_path = lock_path_for(path)
    try:
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as error:
        raise StartupError(
            f"The lock file {lock_path} cannot be created ({error.strerror}): "
            "check the database folder's permissions."
        ) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StartupError(
            f"Another bot process is already using the database {path}: "
            "stop it first, or give this one its own DATABASE_PATH."
        ) from None
    return fd


def _release_process_lock(fd: int) -> None:
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def database_in_use(path: Path) -> bool:
    """Whether a running bot holds the lock on ``path``."""
    if not lock_path_for(path).exists():
        return False
    try:
        fd = _acquire_process_lock(path)
    except StartupError:
        return True
    _release_process_lock(fd)
    return False


def _as_user_error(error: sqlite3.OperationalError) -> TryAgainError:
    text = str(error).lower()
    if "locked" in text or "busy" in text:
        log.warning("database.busy")
        return TryAgainError()
    log.error("database.write_failed error=%s", type(error).__name__)
    return TryAgainError(
        "Sorry, I could not save that just now and nothing was changed. Please try again later."
    )
