"""``python -m bot check``: the offline doctor. One line per problem and exit 1, or one
"All good" line and exit 0; it never connects to Discord and never creates a file."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.crypto import CANARY_KEY, key_file_for, new_key
from bot.settings import PROJECT_ROOT
from tests.test_settings_and_startup import (
    SECRET,
    change,
    damage_a_data_page,
    files_under,
    make_database,
    run_offline,
)

DATABASE = Path("data") / "support.db"


def report(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert "Traceback" not in result.stderr + result.stdout
    assert SECRET not in result.stderr + result.stdout
    return result.stdout.strip().splitlines()


def assert_problems(result: subprocess.CompletedProcess[str], *needles: str) -> list[str]:
    lines = report(result)
    assert result.returncode == 1, result
    assert len(lines) == len(needles), lines
    for line, needle in zip(lines, needles, strict=True):
        assert needle in line, (needle, line)
    return lines


def test_a_healthy_database_is_all_good_and_nothing_is_created(tmp_path: Path) -> None:
    asyncio.run(make_database(tmp_path / DATABASE, note="private words"))
    before = files_under(tmp_path)

    result = run_offline(tmp_path, "check")

    lines = report(result)
    assert result.returncode == 0, result
    assert len(lines) == 1
    assert lines[0].startswith("All good")
    assert "support.db" in lines[0]
    assert files_under(tmp_path) == before  # read-only: no lock, no -wal, no -shm


def test_no_database_yet_is_all_good(tmp_path: Path) -> None:
    result = run_offline(tmp_path, "check")

    lines = report(result)
    assert result.returncode == 0
    assert lines == [lines[0]]
    assert "no database yet" in lines[0]
    assert files_under(tmp_path) == set()


def test_a_damaged_page_is_found(tmp_path: Path) -> None:
    asyncio.run(make_database(tmp_path / DATABASE))
    damage_a_data_page(tmp_path / DATABASE)

    assert_problems(run_offline(tmp_path, "check"), "failed its integrity check")


def test_a_dropped_table_and_column_are_named(tmp_path: Path) -> None:
    asyncio.run(make_database(tmp_path / DATABASE))
    change(
        tmp_path / DATABASE,
        "DROP TABLE crisis_matches",
        "ALTER TABLE milestones DROP COLUMN updated_at",
    )

    (line,) = assert_problems(run_offline(tmp_path, "check"), "missing table crisis_matches")
    assert "missing column milestones.updated_at" in line


def test_a_wrong_key_is_found(tmp_path: Path) -> None:
    asyncio.run(make_database(tmp_path / DATABASE, new_key(), note="private words"))

    assert_problems(run_offline(tmp_path, "check", ENCRYPTION_KEY=new_key()), "does not match")


@pytest.mark.parametrize("canary", [True, False], ids=["with-check-row", "notes-only"])
def test_a_missing_key_file_is_found_and_not_created(tmp_path: Path, canary: bool) -> None:
    asyncio.run(make_database(tmp_path / DATABASE, note="private words"))
    key_file_for(tmp_path / DATABASE).unlink()
    if not canary:
        change(tmp_path / DATABASE, f"DELETE FROM bot_state WHERE key = '{CANARY_KEY}'")

    assert_problems(run_offline(tmp_path, "check"), "there is no key now")
    assert not key_file_for(tmp_path / DATABASE).exists()


def test_settings_content_and_database_problems_each_get_a_line(tmp_path: Path) -> None:
    asyncio.run(make_database(tmp_path / DATABASE))
    change(tmp_path / DATABASE, "DROP TABLE meeting_reminders")
    content = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "data", content, ignore=shutil.ignore_patterns("*.db*", "*.key"))
    (content / "crisis.toml").write_text("this is = = not toml")

    result = run_offline(tmp_path, "check", DISCORD_TOKEN="has a space", CONTENT_DIR=str(content))

    assert_problems(result, "DISCORD_TOKEN", "crisis.toml", "missing table meeting_reminders")


def test_a_running_bot_is_not_checked_under_its_feet(tmp_path: Path) -> None:
    async def while_open() -> subprocess.CompletedProcess[str]:
        from bot.db import Database

        db = await Database.open(tmp_path / DATABASE)
        try:
            return await asyncio.to_thread(run_offline, tmp_path, "check")
        finally:
            await db.close()

    (tmp_path / "data").mkdir()
    assert_problems(asyncio.run(while_open()), "running bot")


@pytest.mark.parametrize("safety_net", [False, True])
def test_all_good_names_the_intents_and_permissions_the_features_need(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    safety_net: bool,
) -> None:
    from bot.__main__ import main
    from bot.permissions import invite_permissions

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_TOKEN", SECRET)
    monkeypatch.setenv("SAFETY_NET", str(safety_net).lower())
    monkeypatch.delenv("DATABASE_PATH", raising=False)
    monkeypatch.delenv("ENCRYPTION_KEY", raising=False)
    monkeypatch.delenv("CONTENT_DIR", raising=False)

    code = main(["--env-file", str(tmp_path / "none.env"), "check"])

    [line] = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert line.startswith("All good")
    for intent in ("Guilds", "Server Members (privileged)", "Scheduled Events", "Direct Messages"):
        assert intent in line
    assert ("Message Content (privileged)" in line) is safety_net
    for permission in invite_permissions():
        assert permission.label in line
    assert "`python -m bot invite`" in line
