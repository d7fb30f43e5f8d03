"""``python -m bot backup|restore|keygen`` as an admin runs them: real processes, real files."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.crypto import key_file_for, new_key, open_cipher
from bot.db import Database
from bot.maintenance import backup

# Most run python -m bot backup/restore in a subprocess: up to 8 s on two loaded cores.
pytestmark = pytest.mark.timeout(60)

NOTE = "SENTINEL-backup-note"


def run_cli(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "DATABASE_", "ENCRYPTION_", "LOG_", "RETENTION_"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_sentence(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


async def add_checkin(db: Database, note: str) -> None:
    """An encrypted row (in bot_state, so these tests need no feature's table)."""
    cipher = await open_cipher(db, None)
    token = cipher.encrypt(note)
    assert token is not None
    async with db.transaction() as tx:
        count = await tx.fetchone("SELECT count(*) FROM bot_state WHERE key LIKE 'probe:%'")
        assert count is not None
        await tx.execute(
            "INSERT INTO bot_state (key, value) VALUES (?, ?)",
            (f"probe:{count[0]}", token.decode("ascii")),
        )


def checkin_count(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        row = connection.execute("SELECT count(*) FROM bot_state WHERE key LIKE 'probe:%'")
        return int(row.fetchone()[0])


@pytest.fixture
async def workdir(tmp_path: Path) -> Path:
    """A folder like a deployment: data/support.db with one encrypted check-in and its key file."""
    (tmp_path / "data").mkdir()
    db = await Database.open(tmp_path / "data" / "support.db")
    await add_checkin(db, NOTE)
    await db.close()
    return tmp_path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_backup_makes_a_checked_private_single_file(workdir: Path) -> None:
    result = run_cli(workdir, "backup", "copy.db")

    assert result.returncode == 0, result.stderr
    copy = workdir / "copy.db"
    assert mode(copy) == 0o600
    assert not (workdir / "copy.db-wal").exists()
    assert checkin_count(copy) == 1
    with sqlite3.connect(copy) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert NOTE.encode() not in copy.read_bytes()
    assert "encryption key" in result.stdout
    assert "support.db.key" in result.stdout


async def test_backup_works_while_the_bot_is_running(workdir: Path) -> None:
    db = await Database.open(workdir / "data" / "support.db")  # holds the bot's lock
    try:
        await add_checkin(db, "written while running")
        result = run_cli(workdir, "backup", "live.db")
    finally:
        await db.close()

    assert result.returncode == 0, result.stderr
    assert checkin_count(workdir / "live.db") == 2


async def test_backup_refuses_to_overwrite(workdir: Path) -> None:
    (workdir / "taken.db").write_text("keep me")

    result = run_cli(workdir, "backup", "taken.db")

    assert_one_sentence(result, "already exists")
    assert (workdir / "taken.db").read_text() == "keep me"


def test_backup_without_a_database_is_one_sentence(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "backup", "copy.db")

    assert_one_sentence(result, "no database", "DATABASE_PATH")
    assert not (tmp_path / "copy.db").exists()


async def test_backup_of_a_corrupt_database_leaves_no_file(tmp_path: Path) -> None:
    (tmp_path / "bad.db").write_bytes(b"not a database" * 500)

    with pytest.raises(Exception, match="could not be backed up"):
        backup(tmp_path / "bad.db", tmp_path / "copy.db")

    assert not (tmp_path / "copy.db").exists()


async def test_restore_brings_back_the_backup_and_keeps_the_current_file(workdir: Path) -> None:
    assert run_cli(workdir, "backup", "copy.db").returncode == 0
    db = await Database.open(workdir / "data" / "support.db")
    await add_checkin(db, "after the backup")
    await db.close()

    result = run_cli(workdir, "restore", "copy.db")

    assert result.returncode == 0, result.stderr
    database = workdir / "data" / "support.db"
    assert checkin_count(database) == 1
    assert mode(database) == 0o600
    kept = list((workdir / "data").glob("support.db.before-restore-*"))
    assert len(kept) == 1
    assert checkin_count(kept[0]) == 2
    assert mode(kept[0]) == 0o600
    db = await Database.open(database)  # the bot starts on it, with the same key
    await open_cipher(db, None)
    await db.close()


async def test_restore_onto_a_new_machine_needs_the_key_file(workdir: Path) -> None:
    assert run_cli(workdir, "backup", "copy.db").returncode == 0
    fresh = workdir / "fresh"
    fresh.mkdir()
    (fresh / "copy.db").write_bytes((workdir / "copy.db").read_bytes())

    without_key = run_cli(fresh, "restore", "copy.db")
    assert_one_sentence(without_key, "no key", "support.db.key")
    assert not (fresh / "data" / "support.db").exists()

    key = key_file_for(workdir / "data" / "support.db").read_text()
    result = run_cli(fresh, "restore", "copy.db", ENCRYPTION_KEY=key)
    assert result.returncode == 0, result.stderr
    assert checkin_count(fresh / "data" / "support.db") == 1


async def test_restore_refuses_a_different_key(workdir: Path) -> None:
    assert run_cli(workdir, "backup", "copy.db").returncode == 0

    result = run_cli(workdir, "restore", "copy.db", ENCRYPTION_KEY=new_key())

    assert_one_sentence(result, "different encryption key")


async def test_restore_refuses_while_a_bot_holds_the_database(workdir: Path) -> None:
    assert run_cli(workdir, "backup", "copy.db").returncode == 0
    db = await Database.open(workdir / "data" / "support.db")
    try:
        await add_checkin(db, "the running bot's data")
        result = run_cli(workdir, "restore", "copy.db")
    finally:
        await db.close()

    assert_one_sentence(result, "running bot", "stop it first")
    assert checkin_count(workdir / "data" / "support.db") == 2
    assert not list((workdir / "data").glob("*.before-restore-*"))


@pytest.mark.parametrize(
    ("content", "needle"),
    [(None, "no backup"), (b"not sqlite" * 300, "not a readable SQLite database")],
)
async def test_restore_of_a_missing_or_broken_backup_is_one_sentence(
    workdir: Path, content: bytes | None, needle: str
) -> None:
    if content is not None:
        (workdir / "broken.db").write_bytes(content)

    result = run_cli(workdir, "restore", "broken.db")

    assert_one_sentence(result, needle)
    assert checkin_count(workdir / "data" / "support.db") == 1


def test_keygen_prints_a_working_key(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "keygen")

    assert result.returncode == 0
    key = result.stdout.strip()
    Fernet(key.encode())
    assert key != run_cli(tmp_path, "keygen").stdout.strip()


def test_help_lists_the_data_commands(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--help")

    for command in ("backup", "restore", "keygen"):
        assert command in result.stdout
