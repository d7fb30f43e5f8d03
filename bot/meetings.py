"""Group meetings: which of the server's scheduled events are coming up, and when to remind.

The cog turns Discord's scheduled events into ``Meeting`` values; everything here is plain
data so it can be tested without Discord.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import field_validator

from bot.content import ContentModel, Description, FieldValue, Title, load_toml
from bot.db import Database

log = logging.getLogger(__name__)

FORMAT_FILE = "meeting_format.toml"
LOOKAHEAD = dt.timedelta(days=7)


@dataclass(frozen=True)
class Meeting:
    id: int
    guild_id: int
    name: str
    start: dt.datetime
    end: dt.datetime | None
    active: bool
    url: str
    description: str | None = None


def upcoming(
    meetings: Iterable[Meeting], now: dt.datetime, lookahead: dt.timedelta = LOOKAHEAD
) -> list[Meeting]:
    """Meetings happening now or starting within ``lookahead``, soonest first."""
    horizon = now + lookahead
    chosen = [m for m in meetings if m.active or now <= m.start <= horizon]
    return sorted(chosen, key=lambda m: (m.start, m.id))


def reminder_time(meeting: Meeting, minutes: int) -> dt.datetime:
    return meeting.start - dt.timedelta(minutes=minutes)


def due_reminders(meetings: Iterable[Meeting], now: dt.datetime, minutes: int) -> list[Meeting]:
    """Meetings whose reminder time has come but which have not started yet."""
    due = [m for m in meetings if not m.active and reminder_time(m, minutes) <= now < m.start]
    return sorted(due, key=lambda m: (m.start, m.id))


def next_reminder_at(
    meetings: Iterable[Meeting], now: dt.datetime, minutes: int
) -> dt.datetime | None:
    """When the next reminder falls due (after ``now``), so the bot can sleep until then."""
    later = [reminder_time(m, minutes) for m in meetings if not m.active and m.start > now]
    future = [moment for moment in later if moment > now]
    return min(future, default=None)


def reminder_nonce(meeting: Meeting) -> int:
    """The same number every time this meeting start is announced.

    Sent as the message nonce (Discord then refuses a second message with it for a few
    minutes), so retrying a post whose answer was lost cannot announce the meeting twice.
    """
    key = f"{meeting.id}:{_iso(meeting.start)}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") >> 1


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


class ReminderLog:
    """Which meeting starts were already announced, so a restart never repeats a reminder."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, meeting: Meeting, now: dt.datetime) -> bool:
        """True exactly once per event and start time (a moved event is reminded again)."""
        async with self._db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO meeting_reminders (event_id, starts_at, guild_id, sent_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (meeting.id, _iso(meeting.start), meeting.guild_id, _iso(now)),
            )
            return cursor.rowcount > 0

    async def release(self, meeting: Meeting) -> None:
        """Undo ``claim`` after a post that failed for a passing reason, so it is tried again."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM meeting_reminders WHERE event_id = ? AND starts_at = ?",
                (meeting.id, _iso(meeting.start)),
            )


class MeetingOptins:
    """Members who want a DM reminder for meetings they marked "interested"."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def choose(self, guild_id: int, user_id: int, on: bool, *, now: dt.datetime) -> None:
        async with self._db.transaction() as tx:
            if on:
                await tx.execute(
                    "INSERT INTO meeting_dm_optins (guild_id, user_id, created_at) "
                    "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (guild_id, user_id, _iso(now)),
                )
            else:
                await tx.execute(
                    "DELETE FROM meeting_dm_optins WHERE guild_id = ? AND user_id = ?",
                    (guild_id, user_id),
                )
        log.info("meetings.dm_optin guild=%s user=%s on=%s", guild_id, user_id, on)

    async def is_on(self, guild_id: int, user_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT 1 FROM meeting_dm_optins WHERE guild_id = ? AND user_id = ?",
            (guild_id, user_id),
        )
        return row is not None

    async def user_ids(self, guild_id: int) -> set[int]:
        rows = await self._db.fetchall(
            "SELECT user_id FROM meeting_dm_optins WHERE guild_id = ?", (guild_id,)
        )
        return {int(row["user_id"]) for row in rows}


# --------------------------------------------------------------------------- content


class FormatStep(ContentModel):
    name: Title
    minutes: int | None = None
    text: FieldValue


class MeetingFormat(ContentModel):
    """The run-sheet of a text meeting, so a volunteer host can run one."""

    title: Title
    intro: Description
    steps: tuple[FormatStep, ...]
    closing: FieldValue
    summary: FieldValue
    """One or two lines on how a meeting runs, shown under /meetings."""

    @field_validator("steps")
    @classmethod
    def _some_steps(cls, value: tuple[FormatStep, ...]) -> tuple[FormatStep, ...]:
        if not 2 <= len(value) <= 20:
            raise ValueError("needs between 2 and 20 steps")
        return value


def load_meeting_format(content_dir: Path) -> MeetingFormat:
    return load_toml(content_dir / FORMAT_FILE, MeetingFormat)
