"""The SQLite database: one connection, one writer, numbered migrations.

All SQL lives in repository classes that take a ``Database``. Writes open ``BEGIN IMMEDIATE``
under one ``asyncio.Lock``, so two coroutines never interleave statements on the shared
connection. A hot path runs its whole unit of work as one function on aiosqlite's thread
(``Database.write`` / ``Database.read``: one hop, see ``on_thread``); ``Database.transaction()``
keeps the statement-by-statement async form (one hop per statement) for the rest.

Opening is cheap whatever the size of the file: the header, the schema (compared with what
the migrations make, see ``bot.schema``) and a "running"/"clean" marker in ``bot_state``.
The full ``PRAGMA quick_check`` runs only when the last run did not close cleanly;
``python -m bot check`` runs ``integrity_check`` on demand.

The file is watched while the bot runs: when the file at ``DATABASE_PATH`` (or its -wal) is
no longer the one that was opened (deleted, or replaced by hand), every later write is
refused with ``StorageLostError``, since what it wrote would be gone after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from bot import schema
from bot.db._thread import T, Work, on_thread
from bot.db.files import (
    FileId,
    _acquire_process_lock,
    _check_header,
    _check_path,
    _connect,
    _Created,
    _discard,
    _file_id,
    _make_folders,
    _release_process_lock,
    lock_path_for,
)
from bot.db.migrations import MIGRATIONS_DIR, Migration, load_migrations
from bot.db.transaction import (
    Params,
    StorageLostError,
    Transaction,
    _as_user_error,
    _in_write_transaction,
)
from bot.errors import StartupError, TryAgainError

log = logging.getLogger("bot.db")  # one logger name for the package, as before the split

# Mutation testing (CONTRIBUTING.md): SQL keywords and names, PRAGMA names and sqlite3.Row keys
# ignore case, so a mutant that only changes the case of SQL text is equivalent. The other
# equivalent or unreachable ones are marked below.


SHUTDOWN_KEY = "shutdown"
"""``bot_state`` key: "running" while a bot has the file open, "clean" once it closed it."""
RUNNING, CLEAN = "running", "clean"

STORAGE_CLOSED = (
    "Sorry, I can't reach my storage right now and nothing was changed. Please try again in a "
    "little while. If you need help now, the crisis lines below are open, and /crisis shows "
    "them any time."
)
"""Said when storage went away; the reply carries the crisis lines of the person's region."""


class Database:
    """An open database file. Build it with ``await Database.open(path)``."""

    def __init__(self, path: Path, connection: aiosqlite.Connection, lock_fd: int | None) -> None:
        self.path = path
        self._connection = connection
        self._lock = asyncio.Lock()
        self._lock_fd = lock_fd
        self._closed = False
        self._tx = Transaction(connection)
        self._files: dict[Path, FileId] = {}
        self._lost = False
        self.on_lost: Callable[[], None] | None = None
        """Called once when the file is found removed or replaced (the bot alerts staff)."""
        self._marked = False
        self._created: _Created | None = None
        self.full_check_ran = False
        """Whether opening ran ``quick_check`` (only after an unclean shutdown)."""

    @classmethod
    async def open(cls, path: Path, *, migrations_dir: Path = MIGRATIONS_DIR) -> Database:
        """Open (creating if needed) and migrate the database at ``path``.

        Raises ``StartupError`` with one sentence when the path is not a file, the file is in
        use by another bot process, unreadable, corrupt, missing part of its schema, or from a
        newer version of the bot. A refused open leaves nothing behind that it created.
        """
        path = Path(path)
        migrations = load_migrations(migrations_dir)
        _check_path(path)
        created = _Created()
        try:
            try:
                created.folders = _make_folders(path.parent)
                if not path.exists():
                    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                    created.database = True
            except OSError as error:
                raise StartupError(
                    f"The database file {path} cannot be created ({error.strerror}): "
                    "check DATABASE_PATH and the folder's permissions."
                ) from None
            created.lock = not lock_path_for(path).exists()
            lock_fd = _acquire_process_lock(path)
        except BaseException:
            _discard(path, created)
            raise
        try:
            _check_header(path)
            connection = await _connect(path)
        except BaseException:
            _discard(path, created)
            _release_process_lock(lock_fd)
            raise
        database = cls(path, connection, lock_fd)
        try:
            await database._check_and_migrate(migrations)
        except BaseException:
            await database._close_connection()
            _discard(path, created)
            database._release()
            raise
        database._created = created
        return database

    @classmethod
    async def inspect(cls, path: Path) -> Database:
        """Open an existing file read-only, for ``python -m bot check``: no lock, no
        migrations, no marker, and no file created (``immutable`` when there is no WAL)."""
        path = Path(path)
        _check_path(path)
        _check_header(path)
        has_wal = path.with_name(path.name + "-wal").exists()
        target = f"{path.resolve().as_uri()}?mode=ro" + ("" if has_wal else "&immutable=1")
        return cls(path, await _connect(path, target, read_only=True), None)

    async def integrity_problems(self, limit: int = 10) -> list[str]:
        """``PRAGMA integrity_check``: every page, every index; empty when all is well."""
        try:
            rows = await self.fetchall(f"PRAGMA integrity_check({int(limit)})")
        except sqlite3.DatabaseError as error:
            return [str(error)]
        found = [str(row[0]) for row in rows]
        return [] if found == ["ok"] else found

    async def closed_cleanly(self) -> bool:
        """Whether the last bot to open this file also closed it (see ``SHUTDOWN_KEY``)."""
        return await self._closed_cleanly()

    async def _check_and_migrate(self, migrations: list[Migration]) -> None:
        current = await self.schema_version()
        if current and not await self._closed_cleanly():
            await self._full_check()
        if current <= len(migrations):
            await self._require_schema(migrations)  # before migrating a damaged file
        await self._migrate(migrations)
        if current < len(migrations):
            await self._require_schema(migrations)
        if await self._has_bot_state():
            await self._set_marker(RUNNING)
            self._marked = True
        self._files = {
            file: identity
            for file in (self.path, self.path.with_name(self.path.name + "-wal"))
            if (identity := _file_id(file)) is not None
        }

    async def _require_schema(self, migrations: Sequence[Migration]) -> None:
        found = await self.schema_differences(migrations)
        if found:
            raise StartupError(
                f"The database file {self.path} is missing part of what this bot's migrations "
                f"make ({schema.describe(found)}): restore a backup or point DATABASE_PATH at "
                "a new file."
            )

    async def _has_bot_state(self) -> bool:
        row = await self.fetchone(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bot_state'"
        )
        return row is not None

    async def _closed_cleanly(self) -> bool:
        """Whether the last bot to open this file also closed it (see ``SHUTDOWN_KEY``)."""
        if not await self._has_bot_state():
            return False
        row = await self.fetchone("SELECT value FROM bot_state WHERE key = ?", (SHUTDOWN_KEY,))
        return row is not None and row[0] == CLEAN

    async def _full_check(self) -> None:
        """``quick_check``: reads every page, so it runs only after an unclean shutdown."""
        log.warning("database.full_check reason=not_closed_cleanly")
        self.full_check_ran = True
        try:
            row = await self.fetchone("PRAGMA quick_check")
        except sqlite3.DatabaseError:
            row = None
        if row is None or row[0] != "ok":
            raise StartupError(
                f"The database file {self.path} failed its integrity check: "
                "restore a backup or point DATABASE_PATH at a new file."
            )

    async def _set_marker(self, value: str) -> None:
        async with self.transaction() as tx:
            await tx.execute(
                "INSERT INTO bot_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (SHUTDOWN_KEY, value),
            )

    async def schema_differences(self, migrations: Sequence[Migration]) -> list[str]:
        """What this file lacks of the schema the first ``user_version`` migrations make."""
        version = await self.schema_version()
        expected = schema.expected_schema(tuple(migrations[:version]))
        async with self._lock:
            self._require_open()
            try:
                actual = schema.Schema.from_rows(
                    await self._connection.execute_fetchall(schema.COLUMNS_SQL),
                    await self._connection.execute_fetchall(schema.INDEXES_SQL),
                    await self._connection.execute_fetchall(schema.OBJECTS_SQL),
                )
            except sqlite3.DatabaseError:
                raise StartupError(
                    f"The database file {self.path} is not a readable SQLite database (it may "
                    "be corrupt): restore a backup or point DATABASE_PATH at a new file."
                ) from None
        return schema.differences(expected, actual)

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
        nothing of the transaction is kept. A file removed or replaced under the bot becomes
        ``StorageLostError``, checked before the transaction and again after its commit, so
        nothing is confirmed that did not reach the file at ``DATABASE_PATH``.
        """
        async with self._lock:
            self._require_open()
            self._require_same_file()
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
            self._require_same_file()

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._lock:
            self._require_open()
            return await self._tx.fetchone(sql, params)

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._lock:
            self._require_open()
            return await self._tx.fetchall(sql, params)

    async def read(self, work: Work[T]) -> T:
        """Run ``work`` (reads only) on the database thread in one hop, outside any
        transaction: it sees what the last commit left."""
        async with self._lock:
            self._require_open()
            return await on_thread(self._connection, work)

    async def write(self, work: Work[T]) -> T:
        """One write transaction in one hop: ``BEGIN IMMEDIATE``, ``work``, ``COMMIT`` all run
        as one function on the database thread, rolled back if ``work`` raises.

        The same promises as ``transaction()``: one writer at a time (the same lock), a
        database locked past the busy timeout becomes ``TryAgainError``, a file removed or
        replaced becomes ``StorageLostError`` (checked before and after the commit), and the
        result is returned only once the commit (``synchronous=FULL``) returned. ``work`` runs
        on another thread: it takes the raw ``sqlite3.Connection`` and must touch nothing of
        the event loop; what it raises is raised here.
        """
        async with self._lock:
            self._require_open()
            self._require_same_file()
            try:
                result = await on_thread(
                    self._connection, functools.partial(_in_write_transaction, work)
                )
            except sqlite3.OperationalError as error:
                raise _as_user_error(error) from error
            self._require_same_file()
            return result

    async def truncate_wal(self) -> None:
        """Copy the WAL into the file and empty it, so erased rows leave no old copy there.

        With ``secure_delete`` on, the deleted rows are zeroed in the pages the checkpoint
        writes back; the WAL, which still holds every earlier version of those pages, is cut
        to zero bytes. A busy checkpoint (a reader in the middle) is logged, never raised.
        """
        async with self._lock:
            self._require_open()
            row = await self._tx.fetchone("PRAGMA wal_checkpoint(TRUNCATE)")
        # row is (busy, log frames, checkpointed): after a TRUNCATE the log is 0 frames exactly
        # when it was not busy, so testing row[1] instead of row[0] is an equivalent mutant.
        if row is None or row[0] != 0:
            log.warning("database.checkpoint_incomplete")

    def _require_open(self) -> None:
        """Storage that went away (shutdown, a lost disk) is a polite "try again", not a crash."""
        if self.closed:
            log.warning("database.closed")
            refusal = TryAgainError(STORAGE_CLOSED)
            refusal.show_crisis = True  # the lines of the person's region come with it
            raise refusal

    def _require_same_file(self) -> None:
        """Refuse to write once the file at ``DATABASE_PATH`` is not the one we opened."""
        if not self._lost:
            changed = [file for file, seen in self._files.items() if _file_id(file) != seen]
            if not changed:
                return
            self._lost = True
            which = ",".join("wal" if file != self.path else "database" for file in changed)
            log.error("database.file_replaced files=%s", which)
            if self.on_lost is not None:
                self.on_lost()
        raise StorageLostError()

    @property
    def lost(self) -> bool:
        """Whether the file was found removed or replaced; every write is refused since."""
        return self._lost

    async def backup_to(self, target: Path) -> None:
        """A consistent copy through SQLite's online backup API."""
        async with self._lock:
            destination = await aiosqlite.connect(target)
            try:
                await self._connection.backup(destination)
            finally:
                await destination.close()

    async def close(self) -> None:
        """Mark the shutdown clean, close the connection and release the single-process lock.

        Safe to call twice. The marker is not written to a file that was removed or replaced.
        """
        if self._closed:
            return
        self.on_lost = None  # shutting down: nobody to alert any more
        try:
            if self._marked and not self._lost:
                try:
                    await self._set_marker(CLEAN)
                except (TryAgainError, sqlite3.Error):
                    log.warning("database.clean_marker_failed")
            await self._close_connection()
        finally:
            self._release()

    async def discard_if_new(self, *companions: Path) -> bool:
        """Close and remove the file (and ``companions``, such as a key file made for it), if
        this run created it: a first start that failed before the bot was ready, so nothing
        anyone wrote is in it. False: nothing was removed."""
        if self._closed or self._created is None or not self._created.database:
            return False
        await self._close_connection()
        for companion in companions:
            with contextlib.suppress(OSError):
                companion.unlink()
        _discard(self.path, self._created)
        self._release()
        log.info("database.discarded reason=first_start_failed")
        return True

    async def _close_connection(self) -> None:
        await self._connection.close()

    def _release(self) -> None:
        self._closed = True
        if self._lock_fd is not None:
            _release_process_lock(self._lock_fd)
            self._lock_fd = None  # never read again once closed: any falsy value is equivalent

    @property
    def closed(self) -> bool:
        return self._closed
