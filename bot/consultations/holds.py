"""The storage of working hours: each type's own hours, closed periods and held requests.

Domain only (no ``discord`` import); the values and rules are in ``bot.consultations.hours``.
A held request has a row in ``consult_holds`` until the release loop picks it: the pick sets
``released_at`` in the same transaction that reads it, so a request is released once however
many loops (or restarts) look at it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass

from bot.consultations.hours import (
    CLOSURE_MESSAGE,
    MAX_CLOSURES,
    Closure,
    Hours,
    HoursMode,
    parse_days,
    server_hours,
    store_days,
)
from bot.consultations.types import ConsultType
from bot.consultations.values import from_ts, to_ts
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.text import TextField, sanitise_required
from bot.timezones import validate_timezone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Released:
    """A held request the release loop just picked (once)."""

    consultation_id: int
    guild_id: int


class HoursService:
    """Per-type hours, closures and holds (see the module docstring)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # ------------------------------------------------------------------ hours

    async def type_hours(self, type_id: int) -> Hours | None:
        row = await self._db.fetchone(
            "SELECT start_hour, end_hour, days, timezone, mode, oncall_role_id "
            "FROM consult_type_hours WHERE type_id = ?",
            (type_id,),
        )
        if row is None:
            return None
        return Hours(
            int(row["start_hour"]),
            int(row["end_hour"]),
            parse_days(row["days"]),
            row["timezone"],
            HoursMode(row["mode"]),
            row["oncall_role_id"],
            own=True,
        )

    async def hours_for(self, config: GuildConfig, kind: ConsultType | None) -> Hours:
        """The hours a request of ``kind`` (None: the default type) keeps: its own, else the
        server's; a type's zone and on-call role left unset are the server's."""
        server = server_hours(config)
        if kind is None:
            return server
        own = await self.type_hours(kind.id)
        if own is None:
            return server
        return Hours(
            own.start_hour,
            own.end_hour,
            own.days,
            own.timezone or server.timezone,
            own.mode,
            own.oncall_role_id or server.oncall_role_id,
            own=True,
        )

    async def set_type_hours(self, type_id: int, hours: Hours) -> None:
        if hours.start_hour is None or hours.end_hour is None:
            raise ValueError("a type's hours need a start and an end")
        zone = validate_timezone(hours.timezone) if hours.timezone else None

        def work(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO consult_type_hours (type_id, start_hour, end_hour, days, timezone, "
                "mode, oncall_role_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (type_id) DO "
                "UPDATE SET start_hour = excluded.start_hour, end_hour = excluded.end_hour, "
                "days = excluded.days, timezone = excluded.timezone, mode = excluded.mode, "
                "oncall_role_id = excluded.oncall_role_id",
                (
                    type_id,
                    hours.start_hour,
                    hours.end_hour,
                    store_days(hours.days),
                    zone,
                    hours.mode.value,
                    hours.oncall_role_id,
                ),
            )

        await self._db.write(work)

    async def clear_type_hours(self, type_id: int) -> bool:
        def work(c: sqlite3.Connection) -> bool:
            cursor = c.execute("DELETE FROM consult_type_hours WHERE type_id = ?", (type_id,))
            return cursor.rowcount == 1

        return await self._db.write(work)

    # ------------------------------------------------------------------ closures

    async def closures(self, guild_id: int, now: dt.datetime) -> list[Closure]:
        """The server's closed periods that have not ended, soonest first."""
        rows = await self._db.fetchall(
            "SELECT id, guild_id, starts_at, ends_at, message FROM consult_closures "
            "WHERE guild_id = ? AND ends_at > ? ORDER BY starts_at, id",
            (guild_id, to_ts(now)),
        )
        return [_closure(row) for row in rows]

    async def add_closure(
        self,
        guild_id: int,
        starts_at: dt.datetime,
        ends_at: dt.datetime,
        message: str,
        now: dt.datetime,
    ) -> Closure:
        text = sanitise_required(message, _CLOSURE_FIELD)
        if ends_at <= starts_at:
            raise UserFacingError("The closure must end after it starts; nothing was saved.")
        if ends_at <= now:
            raise UserFacingError("That closed period has already ended; nothing was saved.")
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            (count,) = c.execute(
                "SELECT COUNT(*) FROM consult_closures WHERE guild_id = ? AND ends_at > ?",
                (guild_id, stamp),
            ).fetchone()
            if count >= MAX_CLOSURES:
                raise UserFacingError(
                    f"This server already has {MAX_CLOSURES} closed periods coming up; remove "
                    "one with `/setup closure remove` first."
                )
            cursor = c.execute(
                "INSERT INTO consult_closures (guild_id, starts_at, ends_at, message, "
                "created_at) VALUES (?, ?, ?, ?, ?) "
                "RETURNING id, guild_id, starts_at, ends_at, message",
                (guild_id, to_ts(starts_at), to_ts(ends_at), text, stamp),
            )
            row: sqlite3.Row = cursor.fetchone()
            return row

        closure = _closure(await self._db.write(work))
        log.info("consult_closure.added id=%s guild=%s", closure.id, guild_id)
        return closure

    async def remove_closure(self, guild_id: int, closure_id: int) -> bool:
        def work(c: sqlite3.Connection) -> bool:
            cursor = c.execute(
                "DELETE FROM consult_closures WHERE id = ? AND guild_id = ?",
                (closure_id, guild_id),
            )
            return cursor.rowcount == 1

        removed = await self._db.write(work)
        if removed:
            log.info("consult_closure.removed id=%s guild=%s", closure_id, guild_id)
        return removed

    # ------------------------------------------------------------------ holds

    async def hold(self, consultation_id: int, guild_id: int, until: dt.datetime) -> None:
        def work(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO consult_holds (consultation_id, guild_id, until) VALUES (?, ?, ?) "
                "ON CONFLICT (consultation_id) DO NOTHING",
                (consultation_id, guild_id, to_ts(until)),
            )

        await self._db.write(work)
        log.info("consultation.held id=%s until=%s", consultation_id, to_ts(until))

    async def held_ids(self) -> frozenset[int]:
        """The requests still held (not yet released), of every server."""
        rows = await self._db.fetchall(
            "SELECT consultation_id FROM consult_holds WHERE released_at IS NULL"
        )
        return frozenset(int(row[0]) for row in rows)

    async def held_until(self, consultation_id: int) -> dt.datetime | None:
        row = await self._db.fetchone(
            "SELECT until FROM consult_holds WHERE consultation_id = ? AND released_at IS NULL",
            (consultation_id,),
        )
        return None if row is None else from_ts(int(row[0]))

    async def release_due(self, now: dt.datetime, guild_ids: Collection[int]) -> list[Released]:
        """Pick every held request of these servers (the ones the bot can post in now) whose
        opening time has come, once: ``released_at`` is set in the same transaction. Its
        reminder clock starts now, so the first reminder comes one interval after the card."""
        stamp = to_ts(now)
        servers = json.dumps(sorted(guild_ids))

        def work(c: sqlite3.Connection) -> list[Released]:
            rows = c.execute(
                "UPDATE consult_holds SET released_at = ? "
                "WHERE released_at IS NULL AND until <= ? "
                "AND guild_id IN (SELECT value FROM json_each(?)) "
                "RETURNING consultation_id, guild_id",
                (stamp, stamp, servers),
            ).fetchall()
            picked = [Released(int(r[0]), int(r[1])) for r in rows]
            c.executemany(
                "UPDATE consultations SET last_reminded_at = ? WHERE id = ? AND status = 'open'",
                [(stamp, p.consultation_id) for p in picked],
            )
            return sorted(picked, key=lambda p: p.consultation_id)

        return await self._db.write(work)


_CLOSURE_FIELD = TextField("closure message", CLOSURE_MESSAGE, required=True)


def _closure(row: sqlite3.Row) -> Closure:
    return Closure(
        int(row["id"]),
        int(row["guild_id"]),
        from_ts(int(row["starts_at"])) or dt.datetime.min,
        from_ts(int(row["ends_at"])) or dt.datetime.min,
        str(row["message"]),
    )
