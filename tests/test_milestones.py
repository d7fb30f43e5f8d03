"""Milestones: date validation, time zones, the milestone sequence, and the repository."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.crypto import Cipher, new_key
from bot.db import Database
from bot.errors import UserFacingError
from bot.milestones import (
    MilestoneRepository,
    add_months,
    marks,
    parse_start_date,
    progress,
    reached_count,
    resolve_zone,
    today_in,
)

TODAY = dt.date(2026, 1, 15)


def test_the_sequence_is_1_7_30_60_90_days_6_months_then_yearly() -> None:
    start = dt.date(2025, 1, 31)
    names = [(m.name, m.date) for m, _ in zip(marks(start), range(10), strict=False)]
    assert names == [
        ("1 day", dt.date(2025, 2, 1)),
        ("7 days", dt.date(2025, 2, 7)),
        ("30 days", dt.date(2025, 3, 2)),
        ("60 days", dt.date(2025, 4, 1)),
        ("90 days", dt.date(2025, 5, 1)),
        ("6 months", dt.date(2025, 7, 31)),
        ("1 year", dt.date(2026, 1, 31)),
        ("2 years", dt.date(2027, 1, 31)),
        ("3 years", dt.date(2028, 1, 31)),
        ("4 years", dt.date(2029, 1, 31)),
    ]


def test_calendar_months_clamp_to_the_month_end() -> None:
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 3, 15), -12) == dt.date(2025, 3, 15)


@pytest.mark.parametrize(
    ("start", "days", "reached", "next_name", "to_go"),
    [
        (TODAY, 0, None, "1 day", 1),
        (TODAY - dt.timedelta(1), 1, "1 day", "7 days", 6),
        (TODAY - dt.timedelta(6), 6, "1 day", "7 days", 1),
        (TODAY - dt.timedelta(7), 7, "7 days", "30 days", 23),
        (TODAY - dt.timedelta(89), 89, "60 days", "90 days", 1),
        (dt.date(2025, 7, 15), 184, "6 months", "1 year", 181),
        (dt.date(2025, 1, 15), 365, "1 year", "2 years", 365),
        (dt.date(2016, 1, 16), 3652, "9 years", "10 years", 1),
    ],
)
def test_progress_across_dates(
    start: dt.date, days: int, reached: str | None, next_name: str, to_go: int
) -> None:
    result = progress(start, TODAY)
    assert result.days == days
    assert (result.reached.name if result.reached else None) == reached
    assert result.next.name == next_name
    assert result.days_to_next(TODAY) == to_go


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-01-16", "future"),
        ("2027-01-01", "future"),
        ("2025-02-30", "not a real calendar date"),
        ("2025-13-01", "not a real calendar date"),
        ("2025-00-10", "not a real calendar date"),
        ("1900-01-01", "years ago"),
        ("15/01/2026", "YYYY-MM-DD"),
        ("yesterday", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
    ],
)
def test_bad_dates_are_refused_kindly(text: str, problem: str) -> None:
    with pytest.raises(UserFacingError) as caught:
        parse_start_date(text, TODAY)
    assert problem in caught.value.message


def test_good_dates() -> None:
    assert parse_start_date("2026-01-15", TODAY) == TODAY
    assert parse_start_date(" 2024-2-29 ", TODAY) == dt.date(2024, 2, 29)
    assert parse_start_date("1960-06-01", TODAY) == dt.date(1960, 6, 1)


def test_time_zones_are_explicit() -> None:
    # 23:30 UTC on 15 January is already the 16th in Tokyo and still the 15th in New York.
    now = dt.datetime(2026, 1, 15, 23, 30, tzinfo=dt.UTC)
    assert today_in(ZoneInfo("Asia/Tokyo"), now) == dt.date(2026, 1, 16)
    assert today_in(ZoneInfo("America/New_York"), now) == dt.date(2026, 1, 15)
    # So "tomorrow" for UTC is a valid start date in Tokyo.
    assert parse_start_date("2026-01-16", today_in(ZoneInfo("Asia/Tokyo"), now))
    assert resolve_zone(None, None) == "UTC"
    assert resolve_zone(None, "Europe/London") == "Europe/London"
    assert resolve_zone("Asia/Tokyo", "Europe/London") == "Asia/Tokyo"
    with pytest.raises(UserFacingError):
        resolve_zone("Mars/Olympus", None)


async def test_repository_round_trip_encrypts_the_label(db: Database) -> None:
    repo = MilestoneRepository(db, Cipher(new_key().encode()))
    now = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
    saved = await repo.set(
        1, 2, start_date=dt.date(2026, 1, 1), timezone="UTC", label="SENTINEL-LABEL", now=now
    )
    assert saved.label == "SENTINEL-LABEL"
    assert saved.celebrated_through == reached_count(dt.date(2026, 1, 1), now.date()) == 2
    raw = await db.fetchone("SELECT label FROM milestones")
    assert raw is not None
    assert b"SENTINEL" not in bytes(raw["label"])
    await db.close()
    assert b"SENTINEL-LABEL" not in db.path.read_bytes()


async def test_celebrations_are_due_once_and_never_for_the_past(db: Database) -> None:
    repo = MilestoneRepository(db, Cipher(new_key().encode()))
    now = dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
    await repo.set(1, 2, start_date=dt.date(2026, 1, 10), timezone="UTC", label=None, now=now)
    await repo.set_celebrate(1, 2, True, now=now)
    assert await repo.due_celebrations(now) == []  # 1 day was already reached before opting in

    later = now + dt.timedelta(days=2)  # 17 Jan: 7 days
    due = await repo.due_celebrations(later)
    assert [(m.user_id, mark.name) for m, mark in due] == [(2, "7 days")]
    assert await repo.mark_celebrated(1, 2, due[0][1].number)
    assert not await repo.mark_celebrated(1, 2, due[0][1].number)
    assert await repo.due_celebrations(later) == []

    reset = await repo.reset(1, 2, now=later)
    assert reset is not None
    assert reset.start_date == dt.date(2026, 1, 17)
    assert reset.celebrate
    assert await repo.clear(1, 2)
    assert await repo.get(1, 2) is None
