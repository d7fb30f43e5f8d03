"""The numbered migrations in ``bot/migrations/``, checked to run 1, 2, 3… without gaps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.errors import StartupError

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


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
