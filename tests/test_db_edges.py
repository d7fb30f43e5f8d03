"""bot.db at its edges, on real files: what is stored, what is refused, what survives.

Written against the survivors of ``scripts/mutate bot/db.py`` (issue 15). The tests pin
behaviour (what reaches the file, what a refusal says, which log event an operator sees), not
how many trips to aiosqlite's thread a read takes: that is free to change.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from bot.db import (
    CLEAN,
    RUNNING,
    SHUTDOWN_KEY,
    STORAGE_LOST,
    Database,
    StorageLostError,
    database_in_use,
    load_migrations,
    lock_path_for,
)
from bot.errors import StartupError, TryAgainError
from tests.test_settings_and_startup import damage_a_data_page

CANNOT_REACH = (
    "Sorry, I can't reach my storage right now and nothing was changed. Please try again in a "
    "little while. If you need help now, the crisis lines below are open, and /crisis shows "
    "them any time."
)
COULD_NOT_SAVE = (
    "Sorry, I could not save that just now and nothing was changed. Please try again later."
)
BOT_STATE = "CREATE TABLE bot_state (key TEXT PRIMARY KEY, value TEXT);"
BUSY = "Things are busy right now and nothing was changed. Please try again."


def on_disk(path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """What another process reading the file sees."""
    connection = sqlite3.connect(path)
    try:
        return list(connection.execute(sql, params))
    finally:
        connection.close()


def marker(path: Path) -> str | None:
    rows = on_disk(path, "SELECT value FROM bot_state WHERE key = ?", SHUTDOWN_KEY)
    return str(rows[0][0]) if rows else None


def events(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "bot.db"]


async def put(db: Database, key: str, value: str = "v") -> None:
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO bot_state (key, value) VALUES (?, ?)", (key, value))


# -------------------------------------------------------------------------------- migrations


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(exist_ok=True)
    for name, sql in files.items():
        (folder / name).write_text(sql, "utf-8")
    return folder


def test_migrations_are_read_in_order_with_their_number_name_and_sql(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        **{"0002_second.sql": "CREATE TABLE b (y);", "0001_first.sql": "CREATE TABLE a (x);"},
    )
    (folder / "README.txt").write_text("not a migration")

    found = load_migrations(folder)

    assert [(m.version, m.name, m.sql) for m in found] == [
        (1, "0001_first.sql", "CREATE TABLE a (x);"),
        (2, "0002_second.sql", "CREATE TABLE b (y);"),
    ]
    assert load_migrations(write(tmp_path / "empty")) == []


@pytest.mark.parametrize(
    ("names", "sentence"),
    [
        (
            ["0001_first.sql", "0003_third.sql"],
            "Migration 0003_third.sql is out of sequence (expected 0002).",
        ),
        (["0002_second.sql"], "Migration 0002_second.sql is out of sequence (expected 0001)."),
        (
            ["0001_first.sql", "1_bad.sql"],
            "The migration file 1_bad.sql is not named like 0001_name.sql.",
        ),
        (
            ["0001_First.sql"],
            "The migration file 0001_First.sql is not named like 0001_name.sql.",
        ),
    ],
)
def test_a_misnumbered_or_misnamed_migration_is_one_sentence(
    tmp_path: Path, names: list[str], sentence: str
) -> None:
    folder = write(tmp_path / "m", **dict.fromkeys(names, "SELECT 1;"))

    with pytest.raises(StartupError) as caught:
        load_migrations(folder)

    assert str(caught.value) == sentence


async def test_each_migration_is_applied_once_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.db")
    folder = write(
        tmp_path / "m",
        **{"0001_a.sql": BOT_STATE},
    )
    path = tmp_path / "x.db"
    await (await Database.open(path, migrations_dir=folder)).close()
    write(folder, **{"0002_b.sql": "CREATE TABLE later (id INTEGER PRIMARY KEY);"})

    db = await Database.open(path, migrations_dir=folder)
    await db.close()

    applied = [e for e in events(caplog) if e.startswith("migration.applied")]
    assert applied == ["migration.applied name=0001_a.sql", "migration.applied name=0002_b.sql"]
    assert on_disk(path, "PRAGMA user_version") == [(2,)]


async def test_a_failing_migration_is_logged_by_name_and_rolled_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write(
        tmp_path / "m",
        **{"0001_a.sql": "CREATE TABLE a (x);\nINSERT INTO nowhere VALUES (2);"},
    )

    with pytest.raises(StartupError) as caught:
        await Database.open(tmp_path / "x.db", migrations_dir=folder)

    assert str(caught.value) == (
        "The database migration 0001_a.sql failed and was rolled back: the log has the "
        "details, and the database is unchanged."
    )
    assert "migration.failed name=0001_a.sql" in events(caplog)


async def test_a_file_one_migration_behind_is_brought_up_to_date(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        **{"0001_a.sql": BOT_STATE},
    )
    path = tmp_path / "x.db"
    await (await Database.open(path, migrations_dir=folder)).close()
    write(folder, **{"0002_b.sql": "CREATE TABLE later (id INTEGER PRIMARY KEY, body TEXT);"})

    db = await Database.open(path, migrations_dir=folder)
    await put(db, "after", "upgrade")
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO later (body) VALUES ('kept')")
    await db.close()

    assert on_disk(path, "SELECT body FROM later") == [("kept",)]
    assert marker(path) == CLEAN


async def test_a_file_missing_what_an_applied_migration_made_is_refused_before_migrating(
    tmp_path: Path,
) -> None:
    folder = write(
        tmp_path / "m",
        **{"0001_a.sql": BOT_STATE + "\nCREATE TABLE a (x);"},
    )
    path = tmp_path / "x.db"
    await (await Database.open(path, migrations_dir=folder)).close()
    on_disk(path, "DROP TABLE a")
    write(folder, **{"0002_b.sql": "CREATE TABLE b (y);"})

    with pytest.raises(StartupError) as caught:
        await Database.open(path, migrations_dir=folder)

    assert str(caught.value) == (
        f"The database file {path} is missing part of what this bot's migrations make "
        "(missing table a): restore a backup or point DATABASE_PATH at a new file."
    )
    assert on_disk(path, "PRAGMA user_version") == [(1,)]  # not migrated on top of damage


async def test_a_newer_file_is_refused_naming_both_versions(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "m",
        **{"0001_a.sql": BOT_STATE},
    )
    path = tmp_path / "x.db"
    on_disk(path, "PRAGMA user_version = 2")

    with pytest.raises(StartupError) as caught:
        await Database.open(path, migrations_dir=folder)

    assert str(caught.value) == (
        f"The database file {path} has schema version 2, newer than this bot understands (1): "
        "update the bot, or restore a backup made by this version."
    )


# ------------------------------------------------------------------------ the shutdown marker


async def test_the_marker_says_running_while_open_and_clean_after(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db = await Database.open(path)

    assert marker(path) == RUNNING
    assert await db.closed_cleanly() is False
    await db.close()
    assert marker(path) == CLEAN
    await db.close()  # twice is harmless
    assert marker(path) == CLEAN

    again = await Database.open(path)
    assert not again.full_check_ran
    assert marker(path) == RUNNING
    await again.close()


async def test_a_file_without_bot_state_gets_no_marker(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = write(tmp_path / "m", **{"0001_a.sql": "CREATE TABLE a (x);"})
    path = tmp_path / "x.db"
    db = await Database.open(path, migrations_dir=folder)
    assert await db.closed_cleanly() is False
    await db.close()
    assert "database.clean_marker_failed" not in events(caplog)  # none was tried

    again = await Database.open(path, migrations_dir=folder)
    assert again.full_check_ran  # no marker: it cannot know the last run closed cleanly
    await again.close()


async def test_after_a_crash_the_full_check_finds_a_damaged_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "x.db"
    await (await Database.open(path)).close()
    damage_a_data_page(path)

    clean = await Database.open(path)  # cheap checks only after a clean shutdown
    assert not clean.full_check_ran
    await clean._close_connection()  # a crash: the marker stays "running"
    clean._release()
    assert marker(path) == RUNNING

    with pytest.raises(StartupError) as caught:
        await Database.open(path)

    assert str(caught.value) == (
        f"The database file {path} failed its integrity check: restore a backup or point "
        "DATABASE_PATH at a new file."
    )
    assert "database.full_check reason=not_closed_cleanly" in events(caplog)
    assert not database_in_use(path)


async def test_a_marker_that_cannot_be_written_at_close_is_logged_and_close_finishes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "x.db"
    db = await Database.open(path)
    await db.fetchone("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        await db.close()
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert db.closed
    assert "database.clean_marker_failed" in events(caplog)
    assert marker(path) == RUNNING
    assert not database_in_use(path)


# ------------------------------------------------------------------------------ transactions


async def test_a_committed_transaction_is_in_the_file(db: Database) -> None:
    await put(db, "kept", "yes")

    assert on_disk(db.path, "SELECT value FROM bot_state WHERE key = 'kept'") == [("yes",)]
    row = await db.fetchone("SELECT value FROM bot_state WHERE key = 'kept'")
    assert row is not None
    assert row["value"] == "yes"
    rows = await db.fetchall("SELECT key FROM bot_state WHERE key IN ('kept', 'nope')")
    assert [r["key"] for r in rows] == ["kept"]


async def test_a_statement_that_fails_is_a_polite_sentence_and_nothing_is_kept(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(TryAgainError) as caught:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bot_state (key, value) VALUES ('half', 'done')")
            await tx.execute("INSERT INTO no_such_table VALUES (1)")

    assert caught.value.message == COULD_NOT_SAVE
    assert "database.write_failed error=OperationalError" in events(caplog)
    assert on_disk(db.path, "SELECT * FROM bot_state WHERE key = 'half'") == []
    await put(db, "after", "fine")  # the connection is usable again
    assert on_disk(db.path, "SELECT value FROM bot_state WHERE key = 'after'") == [("fine",)]


async def test_a_broken_rule_in_the_middle_keeps_nothing_of_the_transaction(
    db: Database,
) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO bot_state (key, value) VALUES (?, ?)", [("a", "1"), ("b", "2")]
            )
            await tx.execute("INSERT INTO bot_state (key, value) VALUES ('a', 'again')")

    assert on_disk(db.path, "SELECT key FROM bot_state WHERE key IN ('a', 'b')") == []
    await put(db, "a", "later")
    assert on_disk(db.path, "SELECT value FROM bot_state WHERE key = 'a'") == [("later",)]


async def test_executemany_and_reads_inside_a_transaction_see_its_own_rows(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO bot_state (key, value) VALUES (?, ?)", [("m1", "x"), ("m2", "y")]
        )
        one = await tx.fetchone("SELECT value FROM bot_state WHERE key = 'm2'")
        every = await tx.fetchall("SELECT key FROM bot_state WHERE key LIKE 'm_' ORDER BY key")
        assert one is not None
        assert one["value"] == "y"
        assert [r["key"] for r in every] == ["m1", "m2"]

    assert on_disk(db.path, "SELECT count(*) FROM bot_state WHERE key LIKE 'm_'") == [(2,)]


async def test_a_busy_database_is_the_short_try_again_and_logged(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await db.fetchone("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(TryAgainError) as caught:
            await put(db, "blocked")
    finally:
        other.execute("ROLLBACK")
        other.close()

    assert caught.value.message == BUSY
    assert "database.busy" in events(caplog)
    await put(db, "unblocked")
    assert on_disk(db.path, "SELECT count(*) FROM bot_state WHERE key = 'unblocked'") == [(1,)]


@pytest.mark.parametrize("step", ["fetchone", "fetchall", "transaction", "truncate_wal"])
async def test_a_closed_database_refuses_every_step_politely(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, step: str
) -> None:
    db = await Database.open(tmp_path / "x.db")
    await db.close()
    assert db.closed

    with pytest.raises(TryAgainError) as caught:
        if step == "transaction":
            await put(db, "late")
        elif step == "truncate_wal":
            await db.truncate_wal()
        else:
            await getattr(db, step)("SELECT 1")

    assert caught.value.message == CANNOT_REACH
    assert "database.closed" in events(caplog)


async def test_pragmas_and_version_are_read_back(db: Database) -> None:
    assert await db.schema_version() == len(load_migrations())
    assert await db.pragma("user_version") == len(load_migrations())
    assert await db.pragma("secure_delete") == 1


# ----------------------------------------------------------------------------- the WAL, backup


async def test_truncating_the_wal_leaves_it_empty_and_the_rows_in_the_file(db: Database) -> None:
    await put(db, "k", "v")
    wal = db.path.with_name(db.path.name + "-wal")
    assert wal.stat().st_size > 0

    await db.truncate_wal()

    assert wal.stat().st_size == 0
    assert on_disk(db.path, "SELECT value FROM bot_state WHERE key = 'k'") == [("v",)]


async def test_a_checkpoint_blocked_by_a_reader_is_logged_not_raised(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    await db.fetchone("PRAGMA busy_timeout = 50")
    await put(db, "k", "v")
    reader = sqlite3.connect(db.path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM bot_state").fetchone()
    await put(db, "k2", "v2")
    try:
        await db.truncate_wal()
    finally:
        reader.execute("COMMIT")
        reader.close()

    assert "database.checkpoint_incomplete" in events(caplog)
    await db.truncate_wal()
    assert events(caplog).count("database.checkpoint_incomplete") == 1


async def test_a_backup_is_a_complete_copy_of_what_was_committed(
    db: Database, tmp_path: Path
) -> None:
    await put(db, "k", "in the backup")
    target = tmp_path / "copy.db"

    await db.backup_to(target)

    assert on_disk(target, "SELECT value FROM bot_state WHERE key = 'k'") == [("in the backup",)]
    assert on_disk(target, "PRAGMA user_version") == [(len(load_migrations()),)]
    await put(db, "later", "x")  # the live file goes on working
    assert on_disk(target, "SELECT count(*) FROM bot_state WHERE key = 'later'") == [(0,)]


# ------------------------------------------------------------------ the file under the bot


@pytest.mark.parametrize(
    ("which", "named"),
    [(("",), "database"), (("-wal",), "wal"), (("", "-wal"), "database,wal")],
)
async def test_a_lost_file_is_noticed_once_named_and_every_write_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, which: tuple[str, ...], named: str
) -> None:
    path = tmp_path / "x.db"
    db = await Database.open(path)
    calls: list[str] = []
    db.on_lost = lambda: calls.append("lost")
    await put(db, "before")
    assert not db.lost
    for suffix in which:
        path.with_name(path.name + suffix).unlink()

    for attempt in ("one", "two"):
        with pytest.raises(StorageLostError) as caught:
            await put(db, attempt)
        assert caught.value.message == STORAGE_LOST
        assert caught.value.show_crisis

    assert db.lost
    assert calls == ["lost"]
    assert [e for e in events(caplog) if e.startswith("database.file_replaced")] == [
        f"database.file_replaced files={named}"
    ]
    row = await db.fetchone("SELECT value FROM bot_state WHERE key = 'before'")
    assert row is not None  # reading what is still open goes on
    await db.close()


async def test_the_same_file_moved_back_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db = await Database.open(path)
    aside = tmp_path / "aside.db"
    path.rename(aside)
    with pytest.raises(StorageLostError):
        await put(db, "while away")
    aside.rename(path)  # the very same file (same inode) is back, but the bot already said so

    with pytest.raises(StorageLostError):
        await put(db, "after")
    await db.close()


async def test_a_lost_file_gets_no_clean_marker_and_no_alert_at_close(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db = await Database.open(path)
    calls: list[str] = []
    db.on_lost = lambda: calls.append("lost")
    for suffix in ("", "-wal"):  # moved aside, as a whole
        path.with_name(path.name + suffix).rename(tmp_path / f"aside.db{suffix}")

    await db.close()

    assert calls == []  # shutting down: nobody to alert
    assert marker(tmp_path / "aside.db") == RUNNING
    assert not path.exists()
    assert not database_in_use(path)


# ---------------------------------------------------------------------------- opening a file


async def test_a_new_file_and_its_folders_are_created_private(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "x.db"

    db = await Database.open(path)

    assert path.stat().st_mode & 0o777 == 0o600
    assert lock_path_for(path).stat().st_mode & 0o777 == 0o600
    assert lock_path_for(path) == tmp_path / "a" / "b" / "x.db.lock"
    await db.close()


async def test_a_second_open_of_the_same_file_is_refused_and_leaves_the_first_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.db"
    first = await Database.open(path)
    assert database_in_use(path)

    with pytest.raises(StartupError) as caught:
        await Database.open(path)

    assert str(caught.value) == (
        f"Another bot process is already using the database {path}: stop it first, or give "
        "this one its own DATABASE_PATH."
    )
    assert lock_path_for(path).exists()
    await put(first, "still mine")
    await first.close()
    assert not database_in_use(path)
    await (await Database.open(path)).close()  # free again


def test_a_file_nobody_opened_is_not_in_use(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    assert not database_in_use(path)
    lock_path_for(path).write_text("")
    assert not database_in_use(path)


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (b"this is not a database at all", "is not a readable SQLite database (it may be corrupt)"),
        (b"SQLite format 3\x00" + b"\xff" * 200, "is not a readable SQLite database"),
    ],
    ids=["not-sqlite", "damaged-first-page"],
)
async def test_a_file_that_is_not_a_database_is_one_sentence_and_left_as_it_was(
    tmp_path: Path, content: bytes, sentence: str
) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(content)

    with pytest.raises(StartupError) as caught:
        await Database.open(path)

    assert str(caught.value).startswith(f"The database file {path} ")
    assert sentence in str(caught.value)
    assert str(caught.value).endswith("restore a backup or point DATABASE_PATH at a new file.")
    assert path.read_bytes() == content  # the admin's file is never removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]


async def test_an_empty_file_is_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"")

    db = await Database.open(path)
    await put(db, "k")
    await db.close()

    assert on_disk(path, "SELECT count(*) FROM bot_state WHERE key = 'k'") == [(1,)]


async def test_a_device_is_not_a_database_path(tmp_path: Path) -> None:
    with pytest.raises(StartupError) as caught:
        await Database.open(Path("/dev/null"))

    assert str(caught.value) == (
        "DATABASE_PATH points at /dev/null, which is not a regular file: set it to a file "
        "path such as data/support.db."
    )


async def test_a_folder_is_not_a_database_path(tmp_path: Path) -> None:
    with pytest.raises(StartupError) as caught:
        await Database.open(tmp_path)

    assert str(caught.value) == (
        f"DATABASE_PATH points at the folder {tmp_path}, not a file: set it to a file path "
        "such as data/support.db."
    )


async def test_a_refused_open_keeps_a_lock_file_that_was_there_before(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    await (await Database.open(path)).close()
    assert lock_path_for(path).exists()
    folder = write(tmp_path / "m", **{"0001_a.sql": "CREATE TABLE a (x);"})

    with pytest.raises(StartupError):
        await Database.open(path, migrations_dir=folder)  # schema version newer than 1

    assert lock_path_for(path).exists()
    assert path.exists()
    assert on_disk(path, "PRAGMA user_version") == [(len(load_migrations()),)]


async def test_a_refused_open_of_a_new_file_in_an_existing_folder_removes_only_its_files(
    tmp_path: Path,
) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    folder = write(tmp_path / "m", **{"0001_broken.sql": "INSERT INTO nowhere VALUES (1);"})

    with pytest.raises(StartupError):
        await Database.open(tmp_path / "x.db", migrations_dir=folder)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt", "m"]


# ----------------------------------------------------------------- a first start that failed


async def test_a_file_this_run_created_is_discarded_with_its_companions(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.db")
    path = tmp_path / "new" / "x.db"
    db = await Database.open(path)
    key = tmp_path / "new" / "x.db.key"
    key.write_text("k")

    assert await db.discard_if_new(key) is True

    assert not (tmp_path / "new").exists()
    assert db.closed
    assert "database.discarded reason=first_start_failed" in events(caplog)
    assert await db.discard_if_new(key) is False


async def test_a_file_that_was_there_before_is_never_discarded(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    await (await Database.open(path)).close()
    db = await Database.open(path)
    await put(db, "precious")

    assert await db.discard_if_new() is False

    assert not db.closed
    await db.close()
    assert on_disk(path, "SELECT count(*) FROM bot_state WHERE key = 'precious'") == [(1,)]


# ----------------------------------------------------------------------- read-only inspection


async def test_inspecting_a_closed_file_creates_nothing_and_writes_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.db"
    db = await Database.open(path)
    await put(db, "k")
    await db.close()
    before = sorted(p.name for p in tmp_path.iterdir())

    looked = await Database.inspect(path)
    try:
        assert await looked.integrity_problems() == []
        assert await looked.closed_cleanly() is True
        with pytest.raises(TryAgainError) as caught:
            async with looked.transaction() as tx:
                await tx.execute("INSERT INTO bot_state (key, value) VALUES ('x', 'y')")
        assert caught.value.message == COULD_NOT_SAVE
    finally:
        await looked.close()

    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert on_disk(path, "SELECT count(*) FROM bot_state WHERE key = 'x'") == [(0,)]
    assert marker(path) == CLEAN


async def test_inspecting_a_running_bots_file_reads_its_wal(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    db = await Database.open(path)
    await put(db, "only in the wal")

    looked = await Database.inspect(path)
    try:
        row = await looked.fetchone("SELECT count(*) FROM bot_state WHERE key = 'only in the wal'")
        assert row is not None
        assert row[0] == 1
        assert await looked.closed_cleanly() is False
    finally:
        await looked.close()
        await db.close()


async def test_inspecting_a_damaged_file_names_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    await (await Database.open(path)).close()
    damage_a_data_page(path)

    looked = await Database.inspect(path)
    try:
        problems = await looked.integrity_problems(limit=3)
    finally:
        await looked.close()

    assert problems
    assert problems != ["ok"]
    assert len(problems) <= 3


async def test_inspecting_something_that_is_not_a_database_is_one_sentence(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)

    with pytest.raises(StartupError) as caught:
        await Database.inspect(path)

    assert str(caught.value) == (
        f"The database file {path} is not a readable SQLite database (it may be corrupt): "
        "restore a backup or point DATABASE_PATH at a new file."
    )
    assert path.read_bytes() == b"SQLite format 3\x00" + b"\xff" * 200


def break_an_index(path: Path, rows: int) -> None:
    """An index that no longer matches its table: integrity_check reports each row."""
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (a, b)")
    connection.execute("CREATE INDEX t_a ON t (a)")
    connection.executemany("INSERT INTO t VALUES (?, ?)", [(i, i * 2) for i in range(rows)])
    connection.commit()
    connection.execute("PRAGMA writable_schema = ON")
    connection.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX t_a ON t (b)' WHERE name = 't_a'"
    )
    connection.commit()
    connection.close()


@pytest.mark.parametrize(("limit", "found"), [(None, 10), (3, 3), (100, 49)])
async def test_a_broken_index_is_reported_row_by_row_up_to_the_limit(
    tmp_path: Path, limit: int | None, found: int
) -> None:
    path = tmp_path / "x.db"
    break_an_index(path, 50)

    looked = await Database.inspect(path)
    try:
        problems = await (
            looked.integrity_problems() if limit is None else looked.integrity_problems(limit)
        )
    finally:
        await looked.close()

    assert len(problems) == found
    assert problems[0] == "row 2 missing from index t_a"


async def test_a_page_too_damaged_to_check_is_reported_in_sqlites_words(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    await (await Database.open(path)).close()
    damage_a_data_page(path)

    looked = await Database.inspect(path)
    try:
        problems = await looked.integrity_problems()
    finally:
        await looked.close()

    assert len(problems) == 1
    assert "malformed" in problems[0]  # SQLite's own sentence, passed on


async def test_an_inspected_file_keeps_its_path(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    break_an_index(path, 1)

    looked = await Database.inspect(path)
    await looked.close()

    assert looked.path == path


async def test_discarding_a_new_file_ignores_a_companion_that_was_never_made(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.db"
    db = await Database.open(path)

    assert await db.discard_if_new(tmp_path / "x.db.key") is True

    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("database is locked", BUSY),
        ("database table is locked", BUSY),
        ("database is busy", BUSY),
        ("disk I/O error", COULD_NOT_SAVE),
        ("attempt to write a readonly database", COULD_NOT_SAVE),
    ],
)
async def test_each_sqlite_failure_inside_a_transaction_gets_its_sentence(
    db: Database, text: str, message: str
) -> None:
    with pytest.raises(TryAgainError) as caught:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bot_state (key, value) VALUES ('half', 'x')")
            raise sqlite3.OperationalError(text)  # what the driver raises, injected

    assert caught.value.message == message
    assert on_disk(db.path, "SELECT count(*) FROM bot_state WHERE key = 'half'") == [(0,)]


async def test_every_read_takes_its_parameters_by_position_or_by_name(db: Database) -> None:
    await put(db, "p1", "one")
    await put(db, "p2", "two")
    by_position = "SELECT value FROM bot_state WHERE key = ? OR key = ? ORDER BY key"
    by_name = "SELECT value FROM bot_state WHERE key = :a ORDER BY key"

    assert [r["value"] for r in await db.fetchall(by_position, ("p1", "p2"))] == ["one", "two"]
    assert [r["value"] for r in await db.fetchall(by_name, {"a": "p2"})] == ["two"]
    one = await db.fetchone(by_name, {"a": "p1"})
    assert one is not None
    assert one["value"] == "one"
    async with db.transaction() as tx:
        assert [r["value"] for r in await tx.fetchall(by_position, ("p2", "x"))] == ["two"]
        inside = await tx.fetchone(by_position, ("p1", "x"))
        assert inside is not None
        assert inside["value"] == "one"
        await tx.execute("UPDATE bot_state SET value = :v WHERE key = :k", {"v": "1", "k": "p1"})
    assert on_disk(db.path, "SELECT value FROM bot_state WHERE key = 'p1'") == [("1",)]


async def test_a_discarded_file_leaves_no_wal_even_while_another_reader_has_it_open(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new" / "x.db"
    db = await Database.open(path)
    await put(db, "k")
    reader = sqlite3.connect(path)  # e.g. `python -m bot check` looking at the same moment
    reader.execute("SELECT count(*) FROM bot_state").fetchone()
    try:
        assert (tmp_path / "new" / "x.db-wal").exists()
        assert await db.discard_if_new() is True
        assert not (tmp_path / "new").exists()
    finally:
        reader.close()


async def test_a_schema_sqlite_cannot_read_is_one_sentence_at_open(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    await (await Database.open(path)).close()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA writable_schema = ON")
    connection.execute(  # a table whose module this SQLite lacks: its columns cannot be read
        "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES "
        "('table', 'ghost', 'ghost', 0, 'CREATE VIRTUAL TABLE ghost USING no_such_module')"
    )
    connection.commit()
    connection.close()

    with pytest.raises(StartupError) as caught:
        await Database.open(path)

    assert str(caught.value) == (
        f"The database file {path} is not a readable SQLite database (it may be corrupt): "
        "restore a backup or point DATABASE_PATH at a new file."
    )
    assert not database_in_use(path)


async def test_an_unknown_pragma_reads_as_nothing(db: Database) -> None:
    assert await db.pragma("no_such_pragma") is None


async def test_a_refused_second_open_removes_the_file_it_just_made(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    first = await Database.open(path)
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink()  # gone under the running bot

    with pytest.raises(StartupError, match="Another bot process"):
        await Database.open(path)  # makes a new empty file, then finds the lock held

    assert not path.exists()
    assert lock_path_for(path).exists()  # the running bot's lock is left alone
    await first.close()


async def test_a_path_under_a_file_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("not a folder")
    path = tmp_path / "plain" / "x.db"

    with pytest.raises(StartupError) as caught:
        await Database.open(path)

    assert str(caught.value) == (
        f"The database file {path} cannot be read (Not a directory): "
        "check DATABASE_PATH and its permissions."
    )


async def test_a_lock_path_taken_by_a_folder_is_one_sentence_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "x.db"
    lock_path_for(path).mkdir()

    with pytest.raises(StartupError) as caught:
        await Database.open(path)

    assert str(caught.value) == (
        f"The lock file {lock_path_for(path)} cannot be created (Is a directory): "
        "check the database folder's permissions."
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db.lock"]
