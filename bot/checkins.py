"""Private daily check-ins: mood, craving and an optional note, for the member's eyes only.

History is drawn as a PNG chart (``bot.checkin_chart``, with Pillow) with its numbers as the
picture's alt text; without Pillow it falls back to a text sparkline (``▁▂▃▄▅▆▇█``, ``·`` for
a day without a check-in), which renders on every phone and reads as a sequence."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.crypto import Cipher
from bot.db import Database
from bot.errors import UserFacingError
from bot.text import TextField, sanitise

log = logging.getLogger(__name__)

MOOD_MIN, MOOD_MAX = 1, 5
CRAVING_MIN, CRAVING_MAX = 0, 10
NOTE_LIMIT = 300
NOTE = TextField("note", NOTE_LIMIT)
HISTORY_CHOICES = (14, 30, 90)
LOW_MOOD = 2
"""A mood at or below this is met with extra support (coping ideas, a consultant)."""
HIGH_CRAVING = 7
"""A craving at or above this is met with extra support (coping ideas, a consultant)."""

SPARK_BLOCKS = "▁▂▃▄▅▆▇█"
SPARK_EMPTY = "·"


@dataclass(frozen=True)
class CheckIn:
    user_id: int
    day: dt.date
    mood: int
    craving: int | None
    note: str | None

    @property
    def needs_support(self) -> bool:
        return self.mood <= LOW_MOOD or (self.craving is not None and self.craving >= HIGH_CRAVING)


@dataclass(frozen=True)
class DaySummary:
    day: dt.date
    mood: float | None
    craving: float | None


@dataclass(frozen=True)
class History:
    days: tuple[DaySummary, ...]
    """One entry per day, oldest first, ending today."""
    checkins: int
    mood_average: float | None
    craving_average: float | None
    streak: int
    """Consecutive days with a check-in, ending today (or yesterday, if not yet today)."""
    recent_notes: tuple[tuple[dt.date, str], ...]

    @property
    def days_checked_in(self) -> int:
        return sum(1 for day in self.days if day.mood is not None)


def sparkline(values: Sequence[float | None], low: float, high: float) -> str:
    """One block character per value, scaled from ``low`` to ``high``; ``·`` for no value."""
    span = high - low
    out = []
    for value in values:
        if value is None:
            out.append(SPARK_EMPTY)
            continue
        ratio = 0.0 if span <= 0 else (min(max(value, low), high) - low) / span
        out.append(SPARK_BLOCKS[round(ratio * (len(SPARK_BLOCKS) - 1))])
    return "".join(out)


def validate(mood: int, craving: int | None, note: str | None) -> str | None:
    """Check the values; returns the note stripped (``None`` when blank)."""
    if not MOOD_MIN <= mood <= MOOD_MAX:
        raise UserFacingError(f"Mood is a number from {MOOD_MIN} to {MOOD_MAX}.")
    if craving is not None and not CRAVING_MIN <= craving <= CRAVING_MAX:
        raise UserFacingError(f"Craving is a number from {CRAVING_MIN} to {CRAVING_MAX}.")
    return sanitise(note, NOTE)


def _streak(days_with_checkin: set[dt.date], today: dt.date) -> int:
    day = today if today in days_with_checkin else today - dt.timedelta(days=1)
    count = 0
    while day in days_with_checkin:
        count += 1
        day -= dt.timedelta(days=1)
    return count


class CheckinService:
    def __init__(self, db: Database, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    async def record(
        self,
        user_id: int,
        *,
        mood: int,
        craving: int | None,
        note: str | None,
        now: dt.datetime,
        zone: ZoneInfo,
        guild_id: int | None = None,
    ) -> CheckIn:
        """Save a check-in; ``guild_id`` is the server it was written in (None: a DM, which
        ties it to no server, so no server's admins can erase it)."""
        cleaned = validate(mood, craving, note)
        day = now.astimezone(zone).date()
        values = (
            user_id,
            guild_id,
            day.isoformat(),
            now.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            mood,
            craving,
            self._cipher.encrypt(cleaned),
        )

        def work(c: sqlite3.Connection) -> None:  # one hop to the database thread
            c.execute(
                "INSERT INTO checkins (user_id, guild_id, local_day, created_at, mood, craving, "
                "note) VALUES (?, ?, ?, ?, ?, ?, ?)",
                values,
            )

        await self._db.write(work)
        log.info("checkin.recorded user=%s", user_id)
        return CheckIn(user_id, day, mood, craving, cleaned)

    async def history(
        self, user_id: int, *, now: dt.datetime, zone: ZoneInfo, days: int = 14
    ) -> History:
        if days not in HISTORY_CHOICES:
            raise UserFacingError("History covers 14, 30 or 90 days.")
        today = now.astimezone(zone).date()
        first = today - dt.timedelta(days=days - 1)
        rows = await self._db.fetchall(
            "SELECT local_day, mood, craving, note FROM checkins "
            "WHERE user_id = ? AND local_day >= ? ORDER BY local_day, id",
            (user_id, (first - dt.timedelta(days=400)).isoformat()),
        )
        moods: dict[dt.date, list[int]] = {}
        cravings: dict[dt.date, list[int]] = {}
        notes: list[tuple[dt.date, str]] = []
        every_day: set[dt.date] = set()
        in_window = 0
        for row in rows:
            day = dt.date.fromisoformat(row["local_day"])
            every_day.add(day)
            if not first <= day <= today:
                continue
            in_window += 1
            moods.setdefault(day, []).append(int(row["mood"]))
            if row["craving"] is not None:
                cravings.setdefault(day, []).append(int(row["craving"]))
            note = self._cipher.decrypt(row["note"])
            if note:
                notes.append((day, note))
        summaries = []
        for offset in range(days):
            day = first + dt.timedelta(days=offset)
            day_moods, day_cravings = moods.get(day), cravings.get(day)
            summaries.append(
                DaySummary(
                    day,
                    sum(day_moods) / len(day_moods) if day_moods else None,
                    sum(day_cravings) / len(day_cravings) if day_cravings else None,
                )
            )
        all_moods = [m for values in moods.values() for m in values]
        all_cravings = [c for values in cravings.values() for c in values]
        return History(
            days=tuple(summaries),
            checkins=in_window,
            mood_average=sum(all_moods) / len(all_moods) if all_moods else None,
            craving_average=sum(all_cravings) / len(all_cravings) if all_cravings else None,
            streak=_streak(every_day, today),
            recent_notes=tuple(notes[-3:]),
        )

    async def delete_all(self, user_id: int) -> int:
        async with self._db.transaction() as tx:
            cursor = await tx.execute("DELETE FROM checkins WHERE user_id = ?", (user_id,))
            count = cursor.rowcount
        log.info("checkin.deleted_all user=%s count=%d", user_id, count)
        return count
