"""The database on a real file: pragmas, migrations, transactions and the single-process lock."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.db import Database, load_migrations, lock_path_for
from bot.errors import StartupError, TryAgainError


async def test_pragmas_are_set_on_the_connection(db: Database) -> None:
    assert str(await db.pragma("journal_mode")).lower() == "wal"
    assert await db.pragma("foreign_keys") == 1
    assert await db.pragma("busy_timeout") >= 5000
    assert await db.pragma("synchronous") == 2  # FULL


async def test_migrations_apply_from_empty_and_rerun_idempotently(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    first = await Database.open(path)
    version = await first.schema_version()
    await first.close()
    second = await Database.open(path)
    assert version == len(load_migrations()) == await second.schema_version()
    tables = await second.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    assert "bot_state" in {row["name"] for row in tables}
    await second.close()


async def test_database_file_is_private(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "private.db")
    await database.close()
    assert (tmp_path / "private.db").stat().st_mode & 0o777 == 0o600


async def test_a_newer_schema_is_refused_in_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 999")
    connection.close()
    with pytest.raises(StartupError) as caught:
        await Database.open(path)
    assert "schema version 999" in str(caught.value)
    assert "newer" in str(caught.value)


async def test_a_failing_migration_leaves_version_and_schema_unchanged(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_ok.sql").write_text("CREATE TABLE a (x INTEGER);")
    path = tmp_path / "crash.db"
    await (await Database.open(path, migrations_dir=folder)).close()
    (folder / "0002_broken.sql").write_text(
        "CREATE TABLE b (y INTEGER);\nINSERT INTO nowhere VALUES (1);"
    )
    with pytest.raises(StartupError) as caught:
        await Database.open(path, migrations_dir=folder)
    assert "0002_broken.sql" in str(caught.value)
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
    names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert "a" in names
    assert "b" not in names


async def test_a_second_process_on_the_same_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    database = await Database.open(path)
    script = (
        "import asyncio, sys\n"
        "from bot.db import Database\n"
        "from bot.errors import StartupError\n"
        "try:\n"
        f"    asyncio.run(Database.open(__import__('pathlib').Path({str(path)!r})))\n"
        "except StartupError as e:\n"
        "    print(e); sys.exit(3)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    await database.close()
    assert result.returncode == 3
    assert "Another bot process" in result.stdout


async def test_concurrent_transactions_do_not_interleave(db: Database) -> None:
    async def bump(n: int) -> None:
        async with db.transaction() as tx:
            row = await tx.fetchone("SELECT value FROM bot_state WHERE key = 'counter'")
            current = int(row["value"]) if row else 0
            await asyncio.sleep(0)
            await tx.execute(
                "INSERT INTO bot_state (key, value) VALUES ('counter', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(current + 1),),
            )

    await asyncio.gather(*(bump(n) for n in range(50)))
    row = await db.fetchone("SELECT value FROM bot_state WHERE key = 'counter'")
    assert row is not None
    assert row["value"] == "50"


async def test_a_failed_transaction_keeps_nothing(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bot_state (key, value) VALUES ('half', 'done')")
            raise RuntimeError("crash in the middle")
    assert await db.fetchone("SELECT 1 FROM bot_state WHERE key = 'half'") is None


async def test_a_database_locked_past_the_busy_timeout_asks_to_try_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await db.fetchone("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(TryAgainError):
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO bot_state (key, value) VALUES ('blocked', 'x')")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await db.fetchone("SELECT 1 FROM bot_state WHERE key = 'blocked'") is None


async def test_secure_delete_is_on(db: Database) -> None:
    assert await db.pragma("secure_delete") == 1


def _sql(path: Path, *statements: str) -> None:
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ("DROP TABLE meeting_dm_optins", "missing table meeting_dm_optins"),
        ("DROP INDEX consultations_waiting", "missing index consultations_waiting"),
        ("ALTER TABLE checkins DROP COLUMN created_at", "missing column checkins.created_at"),
    ],
)
async def test_a_schema_changed_by_hand_is_named_at_open(
    tmp_path: Path, damage: str, named: str
) -> None:
    path = tmp_path / "s.db"
    await (await Database.open(path)).close()
    _sql(path, damage)

    with pytest.raises(StartupError) as caught:
        await Database.open(path)

    assert named in str(caught.value)
    assert "\n" not in str(caught.value)


async def test_the_expected_schema_comes_from_the_migrations_folder(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_one.sql").write_text(
        "CREATE TABLE bot_state (key TEXT PRIMARY KEY, value TEXT);"
    )
    (folder / "0002_two.sql").write_text(
        "CREATE TABLE later (id INTEGER PRIMARY KEY, body TEXT);\n"
        "CREATE INDEX later_body ON later (body);"
    )
    path = tmp_path / "f.db"
    await (await Database.open(path, migrations_dir=folder)).close()
    _sql(path, "DROP INDEX later_body")

    with pytest.raises(StartupError) as caught:
        await Database.open(path, migrations_dir=folder)
    assert "missing index later_body" in str(caught.value)
    _sql(path, "CREATE TABLE mine (x)")  # an operator's own extra table is no problem
    _sql(path, "CREATE INDEX later_body ON later (body)")
    await (await Database.open(path, migrations_dir=folder)).close()


async def test_the_full_check_runs_only_after_an_unclean_shutdown(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    first = await Database.open(path)
    assert not first.full_check_ran  # a new file: nothing to check
    await first.close()

    clean = await Database.open(path)
    assert not clean.full_check_ran
    await clean.close()

    _sql(path, "UPDATE bot_state SET value = 'running' WHERE key = 'shutdown'")  # a crash
    after_crash = await Database.open(path)
    assert after_crash.full_check_ran
    await after_crash.close()

    _sql(path, "DELETE FROM bot_state WHERE key = 'shutdown'")  # a file from before the marker
    upgraded = await Database.open(path)
    assert upgraded.full_check_ran
    await upgraded.close()
    assert not (await Database.open(path)).full_check_ran


async def test_a_refused_open_of_a_new_file_leaves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_broken.sql").write_text("INSERT INTO nowhere VALUES (1);")
    target = tmp_path / "new" / "deeper" / "x.db"

    with pytest.raises(StartupError):
        await Database.open(target, migrations_dir=folder)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["migrations"]


async def test_database_path_at_a_folder_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(StartupError) as caught:
        await Database.open(tmp_path)
    assert "folder" in str(caught.value)
    assert not lock_path_for(tmp_path).exists()
