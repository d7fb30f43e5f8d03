"""Trend outreach, only with consent: one gentle message after three low check-ins in a row.

A member turns it on with ``/checkin-outreach`` (and may, separately, let the staff of one
server be told "a member asked us to check in"). "Low" is what the check-in reply already
treats as a hard day (``CheckIn.needs_support``: mood at most ``LOW_MOOD`` or craving at least
``HIGH_CRAVING``). A low streak is the run of low check-ins since the member's last check-in
that was not low; it is answered once: the check-in that set off an outreach is kept, and a
streak that already holds it gets no second one. Turning outreach off deletes the row.

Plain ids and values in, dataclasses out; this module never imports discord.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass

from bot.checkins import HIGH_CRAVING, LOW_MOOD
from bot.db import Database

log = logging.getLogger(__name__)

STREAK = 3
"""Low check-ins in a row before an outreach."""

LOW_SQL = f"(mood <= {LOW_MOOD} OR (craving IS NOT NULL AND craving >= {HIGH_CRAVING}))"
"""``CheckIn.needs_support`` in SQL."""


@dataclass(frozen=True)
class OutreachChoice:
    """What a member chose: ``staff_guild_id`` is None when only they are messaged."""

    user_id: int
    staff_guild_id: int | None

    @property
    def staff(self) -> bool:
        return self.staff_guild_id is not None


class OutreachService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def choose(
        self, user_id: int, *, on: bool, staff_guild_id: int | None, now: dt.datetime
    ) -> OutreachChoice | None:
        """Turn outreach on (with staff of ``staff_guild_id`` told, or not) or off (None).

        Changing an existing choice keeps which check-in was last answered, so it never
        brings a second message for the same low streak."""
        if not on:
            async with self._db.transaction() as tx:
                await tx.execute("DELETE FROM checkin_outreach WHERE user_id = ?", (user_id,))
            log.info("outreach.off user=%s", user_id)
            return None
        stamp = now.astimezone(dt.UTC).isoformat(timespec="microseconds")
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO checkin_outreach (user_id, staff_guild_id, created_at) "
                "VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "staff_guild_id = excluded.staff_guild_id, created_at = excluded.created_at",
                (user_id, staff_guild_id, stamp),
            )
        log.info("outreach.on user=%s staff=%s", user_id, staff_guild_id is not None)
        return OutreachChoice(user_id, staff_guild_id)

    async def get(self, user_id: int) -> OutreachChoice | None:
        row = await self._db.fetchone(
            "SELECT staff_guild_id FROM checkin_outreach WHERE user_id = ?", (user_id,)
        )
        return None if row is None else OutreachChoice(user_id, row["staff_guild_id"])

    async def after_low_checkin(self, user_id: int) -> OutreachChoice | None:
        """Call after saving a low check-in: the member's choice when this check-in makes a
        low streak of ``STREAK`` that has not been answered yet (it is marked answered in the
        same transaction), else None (not opted in, streak too short, or already answered)."""

        def work(c: sqlite3.Connection) -> OutreachChoice | None:  # one hop
            choice = c.execute(
                "SELECT staff_guild_id, last_checkin_id FROM checkin_outreach WHERE user_id = ?",
                (user_id,),
            ).fetchone()
            if choice is None:
                return None
            last_ok = c.execute(
                f"SELECT COALESCE(MAX(id), 0) FROM checkins WHERE user_id = ? AND NOT {LOW_SQL}",
                (user_id,),
            ).fetchone()[0]
            count, latest = c.execute(
                "SELECT COUNT(*), MAX(id) FROM checkins WHERE user_id = ? AND id > ?",
                (user_id, last_ok),
            ).fetchone()
            answered = choice[1] is not None and choice[1] > last_ok
            if count < STREAK or answered:
                return None
            c.execute(
                "UPDATE checkin_outreach SET last_checkin_id = ? WHERE user_id = ?",
                (latest, user_id),
            )
            return OutreachChoice(user_id, choice[0])

        found = await self._db.write(work)
        if found is not None:
            log.info("outreach.due user=%s staff=%s", user_id, found.staff)
        return found
