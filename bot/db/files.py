"""The database file on disk: path and header checks, the single-process lock, connecting,
and taking back what a refused open created."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import stat
from dataclasses import dataclass, field
from pathlib import Path

import aiosqlite

from bot.db._thread import _stop_worker
from bot.errors import StartupError

BUSY_TIMEOUT_MS = 5000
SQLITE_HEADER = b"SQLite format 3\x00"


FileId = tuple[int, int]


def _file_id(path: Path) -> FileId | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


@dataclass
class _Created:
    """What one ``Database.open`` created, so a refused start can take it all back."""

    folders: list[Path] = field(default_factory=list)
    database: bool = False
    lock: bool = False


def _check_path(path: Path) -> None:
    """DATABASE_PATH must name a file (or nothing yet), never a folder or a device."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise StartupError(
            f"The database file {path} cannot be read ({error.strerror}): "
            "check DATABASE_PATH and its permissions."
        ) from None
    if stat.S_ISDIR(mode):
        raise StartupError(
            f"DATABASE_PATH points at the folder {path}, not a file: set it to a file path "
            "such as data/support.db."
        )
    if not stat.S_ISREG(mode):
        raise StartupError(
            f"DATABASE_PATH points at {path}, which is not a regular file: set it to a file "
            "path such as data/support.db."
        )


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, outermost first."""
    missing: list[Path] = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    return list(reversed(missing))


def _discard(path: Path, created: _Created) -> None:
    """Remove what a refused open created (never anything that was there before).

    The suppressions are defensive (unreachable in tests): the lock file this open created is
    still there, and each folder is empty once the files are gone. A WAL database never has a
    ``-journal`` after a statement, so mutants on that suffix are equivalent.
    """
    if created.lock:
        with contextlib.suppress(OSError):
            lock_path_for(path).unlink()
    if created.database:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                path.with_name(path.name + suffix).unlink()
    for folder in reversed(created.folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _check_header(path: Path) -> None:
    """A non-empty file must start like an SQLite database (read before SQLite touches it)."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StartupError(
            f"The database file {path} cannot be read ({error.strerror}): "
            "check DATABASE_PATH and its permissions."
        ) from None
    if header and header != SQLITE_HEADER:
        raise StartupError(
            f"The database file {path} is not a readable SQLite database (it may be corrupt): "
            "restore a backup or point DATABASE_PATH at a new file."
        )


async def _connect(
    path: Path, target: str | None = None, *, read_only: bool = False
) -> aiosqlite.Connection:
    connection = aiosqlite.connect(target or path, isolation_level=None, uri=target is not None)
    try:
        await connection
    except sqlite3.Error as error:
        await _stop_worker(connection)
        raise StartupError(
            f"The database file {path} cannot be opened ({error}): "
            "check DATABASE_PATH and its permissions."
        ) from None
    connection.row_factory = sqlite3.Row
    if read_only:
        try:
            await connection.execute_fetchall("SELECT count(*) FROM sqlite_master")
        except sqlite3.DatabaseError:
            await connection.close()
            raise StartupError(
                f"The database file {path} is not a readable SQLite database (it may be "
                "corrupt): restore a backup or point DATABASE_PATH at a new file."
            ) from None
        return connection
    try:
        mode = await (await connection.execute("PRAGMA journal_mode=WAL")).fetchone()
        await connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute("PRAGMA synchronous=FULL")
        await connection.execute("PRAGMA secure_delete=ON")
        # Cheap whatever the size: parses the schema, so a damaged first page shows here.
        await connection.execute_fetchall("SELECT count(*) FROM sqlite_master")
    except sqlite3.DatabaseError:
        await connection.close()
        raise StartupError(
            f"The database file {path} is not a readable SQLite database (it may be corrupt): "
            "restore a backup or point DATABASE_PATH at a new file."
        ) from None
    if mode is None or str(mode[0]).lower() != "wal":
        await connection.close()
        raise StartupError(
            f"The database file {path} cannot be switched to WAL mode: "
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
    with contextlib.suppress(OSError):  # defensive: unlocking a lock we hold does not fail
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
