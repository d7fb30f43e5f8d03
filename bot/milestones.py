"""Milestones: days since a member's chosen start date, and the next one to look forward to.

Days are counted in an explicit IANA time zone (the member's choice, else the server's,
else UTC): the start date is day 0, and "1 day" is reached on the next calendar day there.
The sequence is 1, 7, 30, 60 and 90 days, then 6 months, 1 year and every year after, with
months and years on the calendar (a 29 February start has its anniversary on 28 February).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.crypto import Cipher
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import validate_timezone
from bot.text import TextField, sanitise

log = logging.getLogger(__name__)

DAY_MILESTONES = (1, 7, 30, 60, 90)
EARLIEST_YEARS_AGO = 80
"""A start date further back than this is refused as a likely typo."""
LABEL_LIMIT = 40
LABEL = TextField("label", LABEL_LIMIT, one_line=True)
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    for day in (start.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(start.day, day))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class MilestoneMark:
    number: int
    """1 for the first milestone (1 day), 2 for 7 days, and so on."""
    name: str
    date: dt.date


def marks(start: dt.date) -> Iterator[MilestoneMark]:
    """Every milestone for ``start``, in order, forever."""
    number = 0
    for days in DAY_MILESTONES:
        number += 1
        yield MilestoneMark(
            number, f"{days} day{'s' if days != 1 else ''}", start + dt.timedelta(days)
        )
    number += 1
    yield MilestoneMark(number, "6 months", add_months(start, 6))
    years = 1
    while True:
        number += 1
        yield MilestoneMark(
            number, f"{years} year{'s' if years != 1 else ''}", add_months(start, 12 * years)
        )
        years += 1


@dataclass(frozen=True)
class Progress:
    days: int
    reached: MilestoneMark | None
    """The latest milestone reached (None before the first day is done)."""
    next: MilestoneMark

    def days_to_next(self, today: dt.date) -> int:
        return (self.next.date - today).days


def progress(start: dt.date, today: dt.date) -> Progress:
    reached = None
    for mark in marks(start):
        if mark.date > today:
            return Progress((today - start).days, reached, mark)
        reached = mark
    raise AssertionError("unreachable")


def reached_count(start: dt.date, today: dt.date) -> int:
    reached = progress(start, today).reached
    return reached.number if reached else 0


def today_in(zone: ZoneInfo, now: dt.datetime) -> dt.date:
    return now.astimezone(zone).date()


def parse_start_date(text: str, today: dt.date) -> dt.date:
    """A YYYY-MM-DD start date that exists, is not after ``today`` and is not absurdly old."""
    match = _DATE.match(text)
    if match is None:
        raise UserFacingError("Please write the date as YYYY-MM-DD, for example 2025-03-14.")
    try:
        date = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise UserFacingError(
            f"{text.strip()[:10]} is not a real calendar date. Please check the day and month."
        ) from None
    if date > today:
        raise UserFacingError(
            f"That date is in the future (today is {today.isoformat()} in your time zone). "
            "Pick today or a day before."
        )
    earliest = add_months(today, -12 * EARLIEST_YEARS_AGO)
    if date < earliest:
        raise UserFacingError(
            f"That date is more than {EARLIEST_YEARS_AGO} years ago; please check the year."
        )
    return date


def resolve_zone(member_choice: str | None, server_zone: str | None) -> str:
    """The explicit time zone to count days in: the member's, else the server's, else UTC."""
    if member_choice and member_choice.strip():
        return validate_timezone(member_choice.strip())
    return server_zone or "UTC"


@dataclass(frozen=True)
class Milestone:
    guild_id: int
    user_id: int
    start_date: dt.date
    timezone: str
    label: str | None
    celebrate: bool
    celebrated_through: int

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def progress(self, now: dt.datetime) -> Progress:
        return progress(self.start_date, today_in(self.zone, now))

    def today(self, now: dt.datetime) -> dt.date:
        return today_in(self.zone, now)


def clean_label(label: str | None) -> str | None:
    return sanitise(label, LABEL)


class MilestoneRepository:
    def __init__(self, db: Database, cipher: Cipher) -> None:
        self._db = db
        self._cipher = cipher

    def _from_row(self, row: sqlite3.Row) -> Milestone:
        return Milestone(
            guild_id=int(row["guild_id"]),
            user_id=int(row["user_id"]),
            start_date=dt.date.fromisoformat(row["start_date"]),
            timezone=str(row["timezone"]),
            label=self._cipher.decrypt(row["label"]),
            celebrate=bool(row["celebrate"]),
            celebrated_through=int(row["celebrated_through"]),
        )

    async def get(self, guild_id: int, user_id: int) -> Milestone | None:
        row = await self._db.fetchone(
            "SELECT * FROM milestones WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return None if row is None else self._from_row(row)

    async def set(
        self,
        guild_id: int,
        user_id: int,
        *,
        start_date: dt.date,
        timezone: str,
        label: str | None,
        now: dt.datetime,
    ) -> Milestone:
        """Set (or replace) the member's start date; milestones already passed aren't posted."""
        zone = ZoneInfo(validate_timezone(timezone))
        already = reached_count(start_date, today_in(zone, now))
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO milestones (guild_id, user_id, start_date, timezone, label, "
                "celebrated_through, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, user_id) DO UPDATE SET start_date = excluded.start_date, "
                "timezone = excluded.timezone, label = excluded.label, "
                "celebrated_through = excluded.celebrated_through, "
                "updated_at = excluded.updated_at",
                (
                    guild_id,
                    user_id,
                    start_date.isoformat(),
                    timezone,
                    self._cipher.encrypt(clean_label(label)),
                    already,
                    now.isoformat(),
                ),
            )
        log.info("milestone.set guild=%s user=%s", guild_id, user_id)
        result = await self.get(guild_id, user_id)
        assert result is not None
        return result

    async def reset(self, guild_id: int, user_id: int, *, now: dt.datetime) -> Milestone | None:
        """Start again from today (in the member's time zone); keeps label and preferences."""
        current = await self.get(guild_id, user_id)
        if current is None:
            return None
        today = current.today(now)
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE milestones SET start_date = ?, celebrated_through = 0, updated_at = ? "
                "WHERE guild_id = ? AND user_id = ?",
                (today.isoformat(), now.isoformat(), guild_id, user_id),
            )
        log.info("milestone.reset guild=%s user=%s", guild_id, user_id)
        return await self.get(guild_id, user_id)

    async def clear(self, guild_id: int, user_id: int) -> bool:
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "DELETE FROM milestones WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
            )
            removed = cursor.rowcount > 0
        log.info("milestone.cleared guild=%s user=%s removed=%s", guild_id, user_id, removed)
        return removed

    async def set_celebrate(
        self, guild_id: int, user_id: int, on: bool, *, now: dt.datetime
    ) -> Milestone | None:
        """Opt in or out of celebration posts; opting in never posts milestones already passed."""
        current = await self.get(guild_id, user_id)
        if current is None:
            return None
        already = reached_count(current.start_date, current.today(now))
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE milestones SET celebrate = ?, celebrated_through = ?, updated_at = ? "
                "WHERE guild_id = ? AND user_id = ?",
                (int(on), already, now.isoformat(), guild_id, user_id),
            )
        return await self.get(guild_id, user_id)

    async def due_celebrations(self, now: dt.datetime) -> list[tuple[Milestone, MilestoneMark]]:
        """Opted-in members who reached a milestone not yet celebrated (the latest one only)."""
        rows = await self._db.fetchall("SELECT * FROM milestones WHERE celebrate = 1")
        due = []
        for row in rows:
            milestone = self._from_row(row)
            reached = milestone.progress(now).reached
            if reached is not None and reached.number > milestone.celebrated_through:
                due.append((milestone, reached))
        return due

    async def mark_celebrated(self, guild_id: int, user_id: int, number: int) -> bool:
        """Record a celebration once; False if another run already did."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE milestones SET celebrated_through = ? "
                "WHERE guild_id = ? AND user_id = ? AND celebrated_through < ?",
                (number, guild_id, user_id, number),
            )
            return cursor.rowcount > 0
