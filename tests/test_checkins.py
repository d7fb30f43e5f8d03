"""Check-ins as a service: validation, encryption, history, averages and streaks."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.checkins import CheckinService, sparkline
from bot.crypto import Cipher, new_key
from bot.db import Database
from bot.errors import UserFacingError

UTC = ZoneInfo("UTC")
NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)


def test_sparkline_scales_and_marks_gaps() -> None:
    assert sparkline([1, 3, 5, None, 2.5], 1, 5) == "▁▅█·▄"
    assert sparkline([0, 10, None], 0, 10) == "▁█·"
    assert sparkline([], 1, 5) == ""


@pytest.mark.parametrize(
    ("mood", "craving", "note", "problem"),
    [
        (0, None, None, "Mood"),
        (6, None, None, "Mood"),
        (3, -1, None, "Craving"),
        (3, 11, None, "Craving"),
        (3, None, "x" * 301, "300"),
    ],
)
async def test_bad_values_are_refused(
    db: Database, mood: int, craving: int | None, note: str | None, problem: str
) -> None:
    service = CheckinService(db, Cipher(new_key().encode()))
    with pytest.raises(UserFacingError) as caught:
        await service.record(1, mood=mood, craving=craving, note=note, now=NOW, zone=UTC)
    assert problem in caught.value.message
    assert (await db.fetchone("SELECT COUNT(*) FROM checkins"))[0] == 0  # type: ignore[index]


async def test_the_note_is_encrypted_at_rest(db: Database) -> None:
    service = CheckinService(db, Cipher(new_key().encode()))
    saved = await service.record(
        7, mood=2, craving=8, note="  SENTINEL-NOTE-TEXT  ", now=NOW, zone=UTC
    )
    assert saved.note == "SENTINEL-NOTE-TEXT"
    assert saved.needs_support
    history = await service.history(7, now=NOW, zone=UTC)
    assert history.recent_notes == ((NOW.date(), "SENTINEL-NOTE-TEXT"),)
    await db.close()
    raw = b"".join(p.read_bytes() for p in db.path.parent.glob(db.path.name + "*"))
    assert b"SENTINEL-NOTE-TEXT" not in raw


async def test_history_averages_streak_and_gaps(db: Database) -> None:
    service = CheckinService(db, Cipher(new_key().encode()))
    # Days -4, -3 (twice), -1 and today; day -2 skipped; another member's data is separate.
    entries = [(4, 2, 2), (3, 4, 6), (3, 2, 4), (1, 3, None), (0, 5, 0)]
    for days_ago, mood, craving in entries:
        await service.record(
            1,
            mood=mood,
            craving=craving,
            note=None,
            now=NOW - dt.timedelta(days=days_ago),
            zone=UTC,
        )
    await service.record(2, mood=1, craving=10, note=None, now=NOW, zone=UTC)

    history = await service.history(1, now=NOW, zone=UTC, days=14)

    assert len(history.days) == 14
    assert history.days[-1].day == NOW.date()
    assert history.checkins == 5
    assert history.days_checked_in == 4
    assert history.mood_average == pytest.approx(16 / 5)
    assert history.craving_average == pytest.approx(12 / 4)
    assert history.days[-4].mood == pytest.approx(3)  # two check-ins averaged
    assert history.days[-3].mood is None
    assert history.streak == 2  # yesterday and today

    tomorrow = await service.history(1, now=NOW + dt.timedelta(days=1), zone=UTC)
    assert tomorrow.streak == 2  # not broken until a whole day is missed
    later = await service.history(1, now=NOW + dt.timedelta(days=2), zone=UTC, days=30)
    assert later.streak == 0
    assert len(later.days) == 30
    with pytest.raises(UserFacingError):
        await service.history(1, now=NOW, zone=UTC, days=7)


async def test_the_day_is_counted_in_the_given_time_zone(db: Database) -> None:
    service = CheckinService(db, Cipher(new_key().encode()))
    late = dt.datetime(2026, 3, 20, 23, 30, tzinfo=dt.UTC)
    saved = await service.record(
        1, mood=3, craving=None, note=None, now=late, zone=ZoneInfo("Asia/Tokyo")
    )
    assert saved.day == dt.date(2026, 3, 21)
