"""The database file removed or replaced under the running bot: nothing is said to be saved.

SQLite keeps writing to the file it opened, so after ``rm support.db`` a bot would go on
confirming requests that vanish at the next restart. The bot notices (device and inode of the
file at DATABASE_PATH, checked around every write), refuses every write from then on with a
polite sentence and the crisis lines, and tells each server's log channel once.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.db import Database
from bot.errors import TryAgainError, UserFacingError
from tests.conftest import ConsultServer, restart
from tests.reliability import assert_polite, bot_of, said
from tests.test_consult_member import ask

COULD_NOT_SAVE = "could not save this just now, so nothing was kept. Please try again shortly"


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def replace_database(path: Path) -> None:
    """What a careless restore does: another file moved over the open one."""
    other = path.with_name("other.db")
    sqlite3.connect(other).close()
    shutil.move(other, path)


@pytest.mark.parametrize("how", [remove_database, replace_database], ids=["removed", "replaced"])
async def test_a_request_after_the_file_is_gone_is_refused_and_staff_are_told_once(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture, how: object
) -> None:
    caplog.set_level(logging.INFO)
    server = consult_server
    bot = bot_of(server.env)
    assert callable(how)
    how(Path(bot.settings.database_path))

    result = await ask(server, note="please call me")

    text = assert_polite(result)
    assert COULD_NOT_SAVE in text
    assert "988" in text  # the crisis lines
    assert "Your request" not in text
    assert "saved" not in text.lower()
    assert "safe" not in text.lower()
    checkin = await server.members[1].slash(server.general, "checkin", mood=2, note="hard day")
    assert COULD_NOT_SAVE in assert_polite(checkin)
    assert "saved" not in said(checkin).lower()
    await server.env.settle()

    alerts = [m.content for m in server.log.history() if "database file" in m.content]
    assert len(alerts) == 1, alerts
    assert "restart" in alerts[0]
    assert server.queue.history() == []  # no card for a request that was never kept
    replaced = [r for r in caplog.records if r.getMessage().startswith("database.file_replaced")]
    assert len(replaced) == 1
    errors = [getattr(e, "original", e) for e in server.env.errors]
    assert errors
    assert all(isinstance(e, UserFacingError) and e.show_crisis for e in errors)


async def test_reading_still_works_and_a_restart_on_a_restored_file_saves_again(
    consult_server: ConsultServer, tmp_path: Path
) -> None:
    server = consult_server
    bot = bot_of(server.env)
    path = Path(bot.settings.database_path)
    await bot.db.backup_to(tmp_path / "copy.db")
    remove_database(path)

    crisis = await server.member.slash(server.general, "crisis")
    assert "988" in said(crisis)  # content and reads need no write
    refused = await ask(server)
    assert COULD_NOT_SAVE in said(refused)
    _ = server.env.errors

    shutil.copy(tmp_path / "copy.db", path)  # the operator puts the file back and restarts
    await restart(server.env, bot.settings)
    again = await ask(server)
    assert "Your request #1 is in" in said(again)


async def test_a_write_is_refused_when_the_wal_is_removed(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    db = await Database.open(path)
    path.with_name(path.name + "-wal").unlink()
    with pytest.raises(TryAgainError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bot_state (key, value) VALUES ('x', 'y')")
    await db.close()


async def test_a_file_replaced_during_a_transaction_is_not_confirmed(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    db = await Database.open(path)
    with pytest.raises(TryAgainError):
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bot_state (key, value) VALUES ('x', 'y')")
            remove_database(path)  # between the check before and the commit
    await db.close()
    assert not path.exists()  # and closing wrote no marker into a new file
