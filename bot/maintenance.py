"""Backups, restores and checks of the database, for ``python -m bot backup|restore|check``.

A backup is a consistent copy made with SQLite's online backup API (safe while the bot runs),
checked with ``PRAGMA integrity_check``, written as a single file with mode 0600. A restore
refuses while a bot holds the database, checks the backup and that the encryption key can
read it, keeps the current database aside, then copies the backup in. A check opens the
database read-only (creating nothing) and runs everything start-up skips to stay fast: the
full ``integrity_check``, the schema, and whether the key reads what is stored.

Every failure of backup and restore is a ``StartupError`` with one sentence for the admin;
a check returns one sentence per problem.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.crypto import CANARY_KEY, CANARY_TEXT, key_file_for, key_problem, read_key
from bot.db import BUSY_TIMEOUT_MS, Database, database_in_use, load_migrations, lock_path_for
from bot.errors import StartupError
from bot.schema import describe


@dataclass(frozen=True)
class BackupResult:
    path: Path
    schema_version: int


@dataclass(frozen=True)
class RestoreResult:
    database: Path
    previous: Path | None


def _create_private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600, refusing if it exists."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise StartupError(
            f"{path} already exists: choose a new file name, so no earlier backup is overwritten."
        ) from None
    except OSError as error:
        raise StartupError(f"{path} cannot be created ({error.strerror}).") from None
    os.close(fd)


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            path.with_name(path.name + suffix).unlink()


def _check(connection: sqlite3.Connection) -> tuple[bool, int]:
    rows = connection.execute("PRAGMA integrity_check").fetchall()
    version = connection.execute("PRAGMA user_version").fetchone()
    return rows == [("ok",)], int(version[0])


def backup(database: Path, target: Path) -> BackupResult:
    """Copy ``database`` to the new file ``target`` (mode 0600), checked and self-contained."""
    database, target = Path(database), Path(target)
    if target.exists():
        raise StartupError(
            f"{target} already exists: choose a new file name, so no earlier backup is overwritten."
        )
    if not database.is_file():
        raise StartupError(f"There is no database at {database} to back up: check DATABASE_PATH.")
    if not target.parent.is_dir():
        raise StartupError(f"The folder {target.parent} does not exist: create it first.")
    _create_private_file(target)
    try:
        source = sqlite3.connect(database)
        try:
            source.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)  # one step: a consistent snapshot, even while the bot writes
                copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
                ok, version = _check(copy)
            finally:
                copy.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        _remove(target)
        raise StartupError(
            f"The database {database} could not be backed up ({error}): it may be corrupt, or "
            "busy for too long; try again."
        ) from None
    if not ok:
        _remove(target)
        raise StartupError(
            f"The copy of {database} failed its integrity check, so it was deleted: the database "
            "itself may be damaged; restore an earlier backup."
        )
    os.chmod(target, 0o600)
    return BackupResult(target, version)


@contextlib.contextmanager
def _holding_lock(database: Path) -> Iterator[None]:
    """Hold the bot's process lock, so no bot starts on the database while we replace it."""
    message = (
        f"A running bot is using {database}: stop it first, then restore "
        "(a backup can be made while it runs)."
    )
    if database_in_use(database):
        raise StartupError(message)
    database.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path_for(database), os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise StartupError(message) from None
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _check_key(source: sqlite3.Connection, database: Path, configured: str | None) -> None:
    try:
        row = source.execute("SELECT value FROM bot_state WHERE key = ?", (CANARY_KEY,)).fetchone()
    except sqlite3.Error:
        raise StartupError("The backup is not a database made by this bot.") from None
    if row is None:
        return  # never stored any encrypted text
    key_file = key_file_for(database)
    if configured:
        key, where = configured.strip().encode("ascii", "replace"), "ENCRYPTION_KEY"
    elif key_file.exists():
        key, where = key_file.read_bytes().strip(), f"the key file {key_file}"
    else:
        raise StartupError(
            f"The backup holds encrypted notes, but there is no key: set ENCRYPTION_KEY or put "
            f"the original key file at {key_file} before restoring."
        )
    try:
        if Fernet(key).decrypt(str(row[0]).encode("ascii")).decode() != CANARY_TEXT:
            raise InvalidToken
    except (InvalidToken, ValueError):
        raise StartupError(
            f"The backup was written with a different encryption key than {where}: set the "
            "original key first, or members' notes could not be read."
        ) from None


def _kept(previous: Path | None) -> str:
    return "" if previous is None else f"; the previous database is kept as {previous}"


def restore(backup_path: Path, database: Path, configured_key: str | None) -> RestoreResult:
    """Replace ``database`` with the backup; the current file is kept beside it first."""
    backup_path, database = Path(backup_path), Path(database)
    if not backup_path.is_file():
        raise StartupError(f"There is no backup at {backup_path}: check the path.")
    if backup_path.resolve() == database.resolve():
        raise StartupError("The backup and DATABASE_PATH are the same file: nothing to restore.")
    latest = len(load_migrations())
    with _holding_lock(database):
        try:
            source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
        except sqlite3.Error as error:
            raise StartupError(f"The backup {backup_path} cannot be opened ({error}).") from None
        try:
            try:
                ok, version = _check(source)
            except sqlite3.DatabaseError:
                raise StartupError(
                    f"{backup_path} is not a readable SQLite database: choose another backup."
                ) from None
            if not ok:
                raise StartupError(
                    f"The backup {backup_path} failed its integrity check: choose another backup."
                )
            if version > latest:
                raise StartupError(
                    f"The backup {backup_path} has schema version {version}, newer than this bot "
                    f"understands ({latest}): update the bot first."
                )
            _check_key(source, database, configured_key)
            previous: Path | None = None
            if database.exists():
                stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
                previous = database.with_name(f"{database.name}.before-restore-{stamp}")
                backup(database, previous)
            else:
                _create_private_file(database)
            try:
                target = sqlite3.connect(database)
                try:
                    target.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                    source.backup(target)
                    target.execute("PRAGMA journal_mode=WAL")
                    ok, _ = _check(target)
                finally:
                    target.close()
            except sqlite3.Error as error:
                raise StartupError(
                    f"Restoring into {database} failed ({error}){_kept(previous)}."
                ) from None
            if not ok:
                raise StartupError(
                    f"The restored database failed its integrity check{_kept(previous)}."
                )
        finally:
            source.close()
    os.chmod(database, 0o600)
    return RestoreResult(database, previous)


# --------------------------------------------------------------------------- check


@dataclass(frozen=True)
class CheckResult:
    problems: list[str]
    """One sentence per problem; empty when all is well."""
    summary: str
    """What was checked, for the "all good" line."""


def check_database(database: Path, configured_key: str | None) -> CheckResult:
    """Everything about the database and its key that start-up checks only cheaply."""
    database = Path(database)
    problems: list[str] = []
    try:
        key, _source = read_key(configured_key, database)
        key_readable = True
    except StartupError as error:
        problems.append(str(error))
        key, key_readable = None, False
    if not database.exists() and not database.is_symlink():
        return CheckResult(
            problems, f"no database yet at {database} (the bot creates it on first start)"
        )
    if database_in_use(database):
        problems.append(
            f"A running bot is using {database}: stop it first, then run the check again."
        )
        return CheckResult(problems, "")
    return asyncio.run(_check_database(database, key, key_readable, problems))


async def _check_database(
    database: Path, key: bytes | None, key_readable: bool, problems: list[str]
) -> CheckResult:
    """The read-only part of ``check_database`` (``key_readable``: the key's own check passed)."""
    try:
        db = await Database.inspect(database)
    except StartupError as error:
        problems.append(str(error))
        return CheckResult(problems, "")
    try:
        migrations = load_migrations()
        damage = await db.integrity_problems()
        if damage:
            details = [line for line in damage if not line.startswith("***")] or damage
            more = f" and {len(details) - 1} more" if len(details) > 1 else ""
            problems.append(
                f"The database file {database} failed its integrity check "
                f"({' '.join(details[0].split())}{more}): restore a backup."
            )
        version = await db.schema_version()
        if version > len(migrations):
            problems.append(
                f"The database file {database} has schema version {version}, newer than this "
                f"bot understands ({len(migrations)}): update the bot."
            )
            return CheckResult(problems, "")
        missing = await db.schema_differences(migrations)
        if missing:
            problems.append(
                f"The database file {database} is missing part of what this bot's migrations "
                f"make ({describe(missing)}): restore a backup."
            )
        elif key_readable:
            problem = await key_problem(db, key)
            if problem is not None:
                problems.append(problem)
        pending = len(migrations) - version
        later = f", {pending} migration(s) to apply at the next start" if pending else ""
        clean = "" if await db.closed_cleanly() else ", last run did not shut down cleanly"
        return CheckResult(
            problems, f"the database {database} (integrity, schema, key{later}{clean})"
        )
    except (StartupError, sqlite3.DatabaseError) as error:
        problems.append(
            f"The database file {database} could not be checked ({error}): restore a backup."
        )
        return CheckResult(problems, "")
    finally:
        await db.close()
