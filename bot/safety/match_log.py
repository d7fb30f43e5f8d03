"""The match record: ``CrisisMatchLog`` stores each match (ids, time, category, level; never
text) and is the per-member rate limit on replies and alerts (``MatchOutcome``)."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass

from bot.db import Database
from bot.safety.values import REPLY_COOLDOWN, Level

log = logging.getLogger("bot.safety")  # one logger name for the package, as before the split


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class MatchOutcome:
    """What to do about a match: reply to the member, alert staff, both, or stay quiet."""

    record_id: int
    respond: bool
    """Reply to the member (at most once per ``REPLY_COOLDOWN``)."""
    alert: bool = False
    """Alert staff: with the reply, or alone when the level rose above the last alert's."""


class CrisisMatchLog:
    """Matches: guild, channel, message id, member id, time, category and level. Never text.

    The same table is the per-member rate limit: a member gets one reply (and staff one
    alert) per ``REPLY_COOLDOWN``, however many messages match in that time, except that a
    level above the last alert's (a concern, then a high-risk signal) alerts staff again.
    """

    def __init__(self, db: Database, *, retention_days: int = 30) -> None:
        self._db = db
        self._retention = dt.timedelta(days=retention_days)

    async def record(
        self,
        *,
        guild_id: int | None,
        channel_id: int,
        message_id: int,
        user_id: int,
        category: str,
        now: dt.datetime,
        level: Level | None = None,
    ) -> MatchOutcome:
        """Store a match; ``level`` None is a DM to the bot (answered, never alerted)."""
        # Mutation testing, equivalent: the case of SQL text or of a ``sqlite3.Row`` key; a
        # ``default`` of -2 (every rank is >= 0); ``or row["level"]`` (an alerted row always
        # has a level: a DM is never alerted).
        since = _iso(now - REPLY_COOLDOWN)
        # A match is deleted once it is at least ``retention_days`` old, the rule every other
        # record follows (``bot.privacy.retention``, PRIVACY.md).
        expired = _iso(now - self._retention)

        def work(c: sqlite3.Connection) -> tuple[int, bool, bool]:
            c.execute("DELETE FROM crisis_matches WHERE matched_at <= ?", (expired,))
            recent = c.execute(
                "SELECT replied, alerted, level FROM crisis_matches WHERE user_id = ? "
                "AND guild_id IS ? AND matched_at > ? AND (replied = 1 OR alerted = 1)",
                (user_id, guild_id, since),
            ).fetchall()
            respond = not any(row["replied"] for row in recent)
            alerted = max(
                (Level(row["level"]).rank for row in recent if row["alerted"] and row["level"]),
                default=-1,
            )
            alert = level is not None and (respond or level.rank > alerted)
            cursor = c.execute(
                "INSERT INTO crisis_matches (guild_id, channel_id, message_id, user_id, "
                "category, level, matched_at, replied, alerted) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    guild_id,
                    channel_id,
                    message_id,
                    user_id,
                    category,
                    level,
                    _iso(now),
                    int(respond),
                    int(alert),
                ),
            )
            return int(cursor.lastrowid or 0), respond, alert

        record_id, respond, alert = await self._db.write(work)
        log.info(
            "safety.match guild=%s channel=%s message=%s user=%s category=%s level=%s "
            "respond=%s alert=%s",
            guild_id,
            channel_id,
            message_id,
            user_id,
            category,
            level,
            respond,
            alert,
        )
        return MatchOutcome(record_id, respond, alert)

    async def count(self, user_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM crisis_matches WHERE user_id = ?", (user_id,)
        )
        return int(row[0]) if row else 0
