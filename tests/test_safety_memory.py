"""The safety net's short memory (pure) and its record (a real SQLite file): levels rise when
two messages belong together, and a rising level is never swallowed by the reply cooldown."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.db import MIGRATIONS_DIR, Database
from bot.safety import Category, CrisisMatchLog, Level, Match
from bot.safety.memory import WINDOW, Signal, SignalMemory

T0 = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
GUILD, MEMBER, OTHER = 10, 20, 21

HOPELESS = Match.of(Category.HOPELESS)
BURDEN = Match.of(Category.BURDEN)
PASSIVE = Match.of(Category.PASSIVE)
CUE = Match.of(Category.AMBIGUOUS)
FAREWELL = Match.of(Category.FAREWELL)


def minutes(n: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


# --------------------------------------------------------------------------- the memory


def test_a_signal_on_its_own_keeps_its_level() -> None:
    memory = SignalMemory()
    assert memory.observe(GUILD, MEMBER, HOPELESS, T0) == Signal(Category.HOPELESS, Level.CONCERN)
    assert memory.observe(GUILD, OTHER, FAREWELL, T0) == Signal(Category.FAREWELL, Level.HIGH)


def test_a_cue_alone_is_nothing_even_twice() -> None:
    memory = SignalMemory()
    assert memory.observe(GUILD, MEMBER, CUE, T0) is None
    assert memory.observe(GUILD, MEMBER, CUE, minutes(1)) is None


@pytest.mark.parametrize("earlier", [HOPELESS, FAREWELL])
def test_a_cue_after_a_signal_is_high(earlier: Match) -> None:
    memory = SignalMemory()
    memory.observe(GUILD, MEMBER, earlier, T0)
    signal = memory.observe(GUILD, MEMBER, CUE, minutes(3))
    assert signal == Signal(Category.AMBIGUOUS, Level.HIGH, (earlier.category,))
    assert signal.raised


def test_a_concern_after_a_cue_is_high() -> None:
    memory = SignalMemory()
    memory.observe(GUILD, MEMBER, CUE, T0)
    assert memory.observe(GUILD, MEMBER, PASSIVE, minutes(2)) == Signal(
        Category.PASSIVE, Level.HIGH, (Category.AMBIGUOUS,)
    )


def test_two_different_concerns_are_high_the_same_one_twice_is_not() -> None:
    memory = SignalMemory()
    memory.observe(GUILD, MEMBER, HOPELESS, T0)
    assert memory.observe(GUILD, MEMBER, HOPELESS, minutes(1)) == Signal(
        Category.HOPELESS, Level.CONCERN
    )
    assert memory.observe(GUILD, MEMBER, BURDEN, minutes(2)) == Signal(
        Category.BURDEN, Level.HIGH, (Category.HOPELESS,)
    )


def test_signals_older_than_the_window_are_forgotten() -> None:
    memory = SignalMemory()
    memory.observe(GUILD, MEMBER, HOPELESS, T0)
    assert memory.observe(GUILD, MEMBER, CUE, T0 + WINDOW) is None
    assert memory.observe(GUILD, MEMBER, BURDEN, T0 + WINDOW + dt.timedelta(minutes=1)) == Signal(
        Category.BURDEN, Level.HIGH, (Category.AMBIGUOUS,)
    )


def test_members_and_servers_are_remembered_apart() -> None:
    memory = SignalMemory()
    memory.observe(GUILD, MEMBER, HOPELESS, T0)
    assert memory.observe(GUILD, OTHER, CUE, minutes(1)) is None
    assert memory.observe(GUILD + 1, MEMBER, CUE, minutes(1)) is None


def test_memory_is_bounded() -> None:
    memory = SignalMemory(per_member=3, max_members=50)
    for n in range(200):
        memory.observe(GUILD, n, HOPELESS, minutes(n / 100))
    assert len(memory) == 50
    # The most recent members are the ones kept.
    assert memory.observe(GUILD, 199, CUE, minutes(2)) is not None
    assert memory.observe(GUILD, 0, CUE, minutes(2)) is None
    # Only the last few signals of one member are kept.
    memory.observe(GUILD, MEMBER, HOPELESS, minutes(3))
    for n in range(3):
        assert memory.observe(GUILD, MEMBER, CUE, minutes(3 + (n + 1) / 100)) is not None
    assert memory.observe(GUILD, MEMBER, CUE, minutes(4)) is None  # the hopeless one dropped


def test_quiet_members_are_forgotten_as_time_passes() -> None:
    memory = SignalMemory()
    for n in range(20):
        memory.observe(GUILD, n, HOPELESS, T0)
    memory.observe(GUILD, MEMBER, HOPELESS, T0 + WINDOW + dt.timedelta(seconds=1))
    assert len(memory) == 1


# --------------------------------------------------------------------------- the record


async def _record(
    log: CrisisMatchLog, category: Category, level: Level, at: dt.datetime
) -> tuple[bool, bool]:
    outcome = await log.record(
        guild_id=GUILD,
        channel_id=1,
        message_id=int(at.timestamp()),
        user_id=MEMBER,
        category=category.value,
        level=level,
        now=at,
    )
    return outcome.respond, outcome.alert


async def test_a_rising_level_alerts_staff_within_the_cooldown(db: Database) -> None:
    log = CrisisMatchLog(db)
    assert await _record(log, Category.HOPELESS, Level.CONCERN, T0) == (True, True)
    assert await _record(log, Category.HOPELESS, Level.CONCERN, minutes(1)) == (False, False)
    assert await _record(log, Category.PLAN, Level.HIGH, minutes(2)) == (False, True)
    assert await _record(log, Category.PLAN, Level.HIGH, minutes(3)) == (False, False)
    assert await _record(log, Category.HOPELESS, Level.CONCERN, minutes(4)) == (False, False)
    # After the cooldown the member can be answered again.
    assert await _record(log, Category.HOPELESS, Level.CONCERN, minutes(15)) == (True, True)
    rows = await db.fetchall("SELECT category, level, replied, alerted FROM crisis_matches")
    assert [tuple(r) for r in rows] == [
        ("hopeless", "concern", 1, 1),
        ("hopeless", "concern", 0, 0),
        ("plan", "high", 0, 1),
        ("plan", "high", 0, 0),
        ("hopeless", "concern", 0, 0),
        ("hopeless", "concern", 1, 1),
    ]


async def test_a_dm_to_the_bot_has_no_level_and_alerts_nobody(db: Database) -> None:
    log = CrisisMatchLog(db)
    outcome = await log.record(
        guild_id=None, channel_id=1, message_id=2, user_id=MEMBER, category="dm", now=T0
    )
    assert (outcome.respond, outcome.alert) == (True, False)
    row = await db.fetchone("SELECT level, replied, alerted FROM crisis_matches")
    assert row is not None
    assert tuple(row) == (None, 1, 0)


async def test_the_table_refuses_unknown_categories_and_levels(db: Database) -> None:
    import sqlite3

    for category, level in (("nonsense", "high"), ("hopeless", "severe")):
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO crisis_matches (guild_id, channel_id, message_id, user_id, "
                    "category, level, matched_at, replied) VALUES (1, 2, 3, 4, ?, ?, 'x', 1)",
                    (category, level),
                )


async def test_the_upgrade_keeps_every_earlier_match(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < 8:
            shutil.copy(path, earlier / path.name)
    path = tmp_path / "old.db"
    db = await Database.open(path, migrations_dir=earlier)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO crisis_matches (guild_id, channel_id, message_id, user_id, category, "
            "matched_at, replied) VALUES (?, 1, ?, 5, ?, ?, ?)",
            [
                (GUILD, 1, "direct", T0.isoformat(), 1),
                (GUILD, 2, "means", T0.isoformat(), 0),
                (GUILD, 3, "slang", T0.isoformat(), 1),
                (None, 4, "dm", T0.isoformat(), 1),
            ],
        )
        await tx.execute(
            "INSERT INTO guild_config (guild_id, safety_enabled, updated_at) VALUES (?, 1, ?)",
            (GUILD, T0.isoformat()),
        )
    await db.close()

    db = await Database.open(path)
    rows = await db.fetchall(
        "SELECT message_id, category, level, replied, alerted FROM crisis_matches ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        (1, "direct", "high", 1, 1),
        (2, "means", "high", 0, 0),
        (3, "slang", "high", 1, 1),
        (4, "dm", None, 1, 0),
    ]
    indexes = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'crisis_matches'"
    )
    assert {r["name"] for r in indexes} == {"crisis_matches_by_user", "crisis_matches_by_time"}
    config = await db.fetchone("SELECT safety_enabled, safety_reply FROM guild_config")
    assert config is not None
    assert tuple(config) == (1, "dm")  # a server that had it on now replies privately
    await db.close()
