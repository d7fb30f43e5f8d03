"""The crisis matcher's rules at their edges, as tables (issue 15).

Each table pins one rule of ``bot/safety.py`` on both sides of its boundary: the window searched
around an anchor word, the longest spaced-out word, doubled and stretched letters, look-alike
letters and digits, invisible characters, censoring asterisks, sentence ends, every category
at its level. They were written against mutation testing (``scripts/mutate bot/safety.py``):
each case kills a planted bug that the rest of the suite let through.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from bot.db import Database
from bot.safety import REPLY_COOLDOWN, Category, CrisisMatcher, CrisisMatchLog, Level, Match
from bot.settings import PROJECT_ROOT

T0 = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(scope="module")
def matcher() -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(PROJECT_ROOT / "data")


def read(matcher: CrisisMatcher, text: str, *, one: str = "i") -> str:
    return matcher.normaliser.read(text, one=one).text.strip()


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("k\u200bi\u200dl\u2060l", "kill"),
        ("\ufeffkill", "kill"),
        ("ki\u00adll", "kill"),
    ],
)
def test_invisible_characters_are_removed(matcher: CrisisMatcher, text: str, reading: str) -> None:
    assert read(matcher, text) == reading


# ------------------------------------------------------------------------- the record


async def _note(
    log: CrisisMatchLog,
    at: dt.datetime,
    level: Level | None = Level.CONCERN,
    *,
    user: int = 20,
    guild: int | None = 10,
    message: int = 1,
) -> tuple[bool, bool]:
    outcome = await log.record(
        guild_id=guild,
        channel_id=5,
        message_id=message,
        user_id=user,
        category="dm" if level is None else "hopeless",
        level=level,
        now=at,
    )
    return outcome.respond, outcome.alert


@pytest.mark.parametrize(
    ("later", "answered"),
    [
        pytest.param(REPLY_COOLDOWN - SECOND, False, id="a-second-before-the-cooldown-ends"),
        pytest.param(REPLY_COOLDOWN, True, id="when-the-cooldown-ends"),
        pytest.param(REPLY_COOLDOWN + SECOND, True, id="a-second-after"),
    ],
)
async def test_the_reply_cooldown_ends_exactly_after_ten_minutes(
    db: Database, later: dt.timedelta, answered: bool
) -> None:
    log = CrisisMatchLog(db)
    assert await _note(log, T0) == (True, True)
    assert await _note(log, T0 + later, message=2) == (answered, answered)


async def test_the_cooldown_is_per_member_and_per_server(db: Database) -> None:
    log = CrisisMatchLog(db)
    assert await _note(log, T0) == (True, True)
    assert await _note(log, T0 + SECOND, user=21) == (True, True)
    assert await _note(log, T0 + SECOND, guild=11) == (True, True)
    assert await _note(log, T0 + SECOND, guild=None) == (True, True)
    assert await _note(log, T0 + SECOND) == (False, False)


@pytest.mark.parametrize("level", list(Level))
async def test_a_dm_reply_does_not_stop_the_first_alert_at_any_level(
    db: Database, level: Level
) -> None:
    # A DM to the bot is answered but alerts nobody; a signal with a level in the same place
    # within the cooldown is not answered again, but staff hear of it: no alert came before.
    log = CrisisMatchLog(db)
    assert await _note(log, T0, None, guild=None) == (True, False)
    assert await _note(log, T0 + SECOND, level, guild=None, message=2) == (False, True)


@pytest.mark.parametrize(
    ("age", "kept"),
    [
        pytest.param(dt.timedelta(days=7) - SECOND, True, id="a-second-short-of-the-retention"),
        pytest.param(dt.timedelta(days=7), True, id="exactly-the-retention"),
        pytest.param(dt.timedelta(days=7) + SECOND, False, id="a-second-past-it"),
    ],
)
async def test_matches_older_than_the_retention_are_deleted_on_the_next_record(
    db: Database, age: dt.timedelta, kept: bool
) -> None:
    log = CrisisMatchLog(db, retention_days=7)
    await _note(log, T0)
    await _note(log, T0 + age, user=21, message=2)
    assert await log.count(20) == (1 if kept else 0)
    assert await log.count(21) == 1


async def test_the_record_keeps_ids_level_and_time_and_logs_ids_only(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    log = CrisisMatchLog(db)
    with caplog.at_level(logging.INFO, logger="bot.safety"):
        outcome = await log.record(
            guild_id=10,
            channel_id=5,
            message_id=77,
            user_id=20,
            category="plan",
            level=Level.HIGH,
            now=T0,
        )
    assert outcome.record_id > 0
    row = await db.fetchone(
        "SELECT id, guild_id, channel_id, message_id, user_id, category, level, matched_at, "
        "replied, alerted FROM crisis_matches"
    )
    assert row is not None
    assert tuple(row) == (
        outcome.record_id,
        10,
        5,
        77,
        20,
        "plan",
        "high",
        "2026-03-01T12:00:00.000000+00:00",
        1,
        1,
    )
    assert [r.getMessage() for r in caplog.records if r.name == "bot.safety"] == [
        "safety.match guild=10 channel=5 message=77 user=20 category=plan level=high "
        "respond=True alert=True"
    ]
    assert await log.count(20) == 1
    assert await log.count(21) == 0
