"""The SQLite database: one connection, one writer, numbered migrations.

``database.py`` holds ``Database``; ``transaction.py`` the write transactions and their
errors; ``migrations.py`` the migration files; ``files.py`` the file on disk, its lock and
connecting; ``_thread.py`` the one place that uses aiosqlite's private attributes. The public
names are re-exported here, so ``from bot.db import Database`` keeps working.
"""

from bot.db._thread import Work, on_thread
from bot.db.database import CLEAN, RUNNING, SHUTDOWN_KEY, Database
from bot.db.files import BUSY_TIMEOUT_MS, SQLITE_HEADER, FileId, database_in_use, lock_path_for
from bot.db.migrations import MIGRATIONS_DIR, Migration, load_migrations
from bot.db.transaction import STORAGE_LOST, Params, StorageLostError, Transaction

__all__ = [
    "BUSY_TIMEOUT_MS",
    "CLEAN",
    "MIGRATIONS_DIR",
    "RUNNING",
    "SHUTDOWN_KEY",
    "SQLITE_HEADER",
    "STORAGE_LOST",
    "Database",
    "FileId",
    "Migration",
    "Params",
    "StorageLostError",
    "Transaction",
    "Work",
    "database_in_use",
    "load_migrations",
    "lock_path_for",
    "on_thread",
]
