"""Who is on call in each server, and how many requests each of them holds (issue 19).

Domain only (no ``discord`` import). A staff member goes on call with ``/oncall on`` and off
with ``/oncall off``; leaving the server or erasing their data takes them off too. While anyone
is on call, a new request pings those people instead of the whole staff role (urgent requests
ping the role as well), and the card suggests whoever holds the fewest requests. The load cap
itself is checked inside ``ConsultationService.claim``'s transaction, not here.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass

from bot.consultations._rows import _is_on_call, _open_claims
from bot.consultations.values import from_ts, to_ts
from bot.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnCallStaff:
    staff_id: int
    since: dt.datetime
    open_claims: int
    """Requests they hold claimed in that server now."""


@dataclass(frozen=True)
class OnCall:
    """Everyone on call in one server, longest on call first."""

    guild_id: int
    staff: tuple[OnCallStaff, ...] = ()

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(person.staff_id for person in self.staff)

    def fewest(self) -> OnCallStaff | None:
        """Who holds the fewest open requests (the longest on call, on a tie): the round-robin
        suggestion on the card. None when nobody is on call."""
        return min(self.staff, key=lambda person: person.open_claims, default=None)

    def only(self, staff_ids: Collection[int]) -> OnCall:
        """The same list without anyone not in ``staff_ids`` (e.g. who lost the staff role)."""
        return OnCall(self.guild_id, tuple(p for p in self.staff if p.staff_id in staff_ids))


_ROSTER = (
    "SELECT o.staff_id, o.since, (SELECT COUNT(*) FROM consultations c WHERE c.guild_id = "
    "o.guild_id AND c.claimed_by = o.staff_id AND c.status = 'claimed') AS open_claims "
    "FROM oncall o WHERE o.guild_id = ? ORDER BY o.since, o.staff_id"
)


class OnCallService:
    """Going on and off call, and reading who is on call (one database trip each)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def go_on(self, guild_id: int, staff_id: int, now: dt.datetime) -> bool:
        """Put ``staff_id`` on call in ``guild_id``; False if they already were (kept as is)."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> bool:
            cursor = c.execute(
                "INSERT INTO oncall (guild_id, staff_id, since) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, staff_id) DO NOTHING",
                (guild_id, staff_id, stamp),
            )
            return cursor.rowcount == 1

        changed = await self._db.write(work)
        if changed:
            log.info("oncall.on guild=%s staff=%s", guild_id, staff_id)
        return changed

    async def go_off(self, guild_id: int, staff_id: int) -> bool:
        """Take ``staff_id`` off call in ``guild_id``; False if they were not on call."""

        def work(c: sqlite3.Connection) -> bool:
            cursor = c.execute(
                "DELETE FROM oncall WHERE guild_id = ? AND staff_id = ?", (guild_id, staff_id)
            )
            return cursor.rowcount == 1

        changed = await self._db.write(work)
        if changed:
            log.info("oncall.off guild=%s staff=%s", guild_id, staff_id)
        return changed

    async def on_call(self, guild_id: int) -> OnCall:
        """Everyone on call in ``guild_id``, with the requests each holds there."""
        rows = await self._db.fetchall(_ROSTER, (guild_id,))
        return OnCall(
            guild_id,
            tuple(
                OnCallStaff(
                    int(row["staff_id"]),
                    from_ts(row["since"]) or dt.datetime.min.replace(tzinfo=dt.UTC),
                    int(row["open_claims"]),
                )
                for row in rows
            ),
        )

    async def is_on_call(self, guild_id: int, staff_id: int) -> bool:
        def work(c: sqlite3.Connection) -> bool:
            return _is_on_call(c, guild_id, staff_id)

        return await self._db.read(work)

    async def open_claims(self, guild_id: int, staff_id: int) -> int:
        """How many requests ``staff_id`` holds claimed in ``guild_id`` now."""

        def work(c: sqlite3.Connection) -> int:
            return _open_claims(c, guild_id, staff_id)

        return await self._db.read(work)
