"""How a request ends by a person's hand: a staff member closes it, or the member cancels it.

Part of the state machine described in ``bot.consultations.service`` (which inherits these).
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

from bot.consultations._rows import _COLUMNS, _event, _load, _not_open
from bot.consultations.departures import ConsultationDepartures
from bot.consultations.values import (
    CLOSE_REASON,
    Consultation,
    NoLongerOpenError,
    NotFoundError,
    Status,
    to_ts,
)
from bot.errors import UserFacingError
from bot.text import sanitise_required

# One logger for the package, under the name it had as one module.
log = logging.getLogger("bot.consultations")


class ConsultationClosing(ConsultationDepartures):
    """The ends of a request that someone chose: a staff close, a member's cancel."""

    # ------------------------------------------------------------------ ends

    async def close(
        self,
        guild_id: int,
        request_id: int,
        actor_id: int,
        reason: str,
        now: dt.datetime,
    ) -> Consultation:
        """Close an open or claimed request (staff); the reason is stored encrypted."""
        sealed = self._cipher.encrypt(sanitise_required(reason, CLOSE_REASON))
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            row = _load(c, request_id)
            if row["guild_id"] != guild_id:
                raise NotFoundError()
            cursor = c.execute(
                "UPDATE consultations SET status = 'closed', closed_at = ?, closed_by = ?, "
                "close_kind = 'resolved', close_reason = ?, claimed_by = NULL "
                "WHERE id = ? AND status IN ('open', 'claimed')",
                (stamp, actor_id, sealed, request_id),
            )
            if cursor.rowcount != 1:
                raise _not_open(row, action="closed")
            _event(c, request_id, guild_id, "closed", actor_id, stamp)
            return _load(c, request_id)

        row = await self._db.write(work)
        log.info("consultation.closed id=%s guild=%s by=%s", request_id, guild_id, actor_id)
        return self._from_row(row)

    async def cancel(self, guild_id: int, member_id: int, now: dt.datetime) -> Consultation:
        """The member withdraws their waiting request (open → cancelled)."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            row = c.execute(
                f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND member_id = ? "
                "AND status IN ('open', 'claimed')",
                (guild_id, member_id),
            ).fetchone()
            if row is None:
                raise NoLongerOpenError(
                    "You don't have an open request right now, so there is nothing to cancel."
                )
            if row["status"] == Status.CLAIMED:
                raise UserFacingError(
                    f"A staff member is already with you on request #{row['number']}. You can "
                    "tell them in your private thread that you'd like to stop, and they will "
                    "close it."
                )
            cursor = c.execute(
                "UPDATE consultations SET status = 'cancelled', closed_at = ?, closed_by = ?, "
                "close_kind = 'cancelled' WHERE id = ? AND status = 'open'",
                (stamp, member_id, row["id"]),
            )
            if cursor.rowcount != 1:  # pragma: no cover - the transaction holds the lock
                raise _not_open(row, action="cancelled")
            _event(c, row["id"], guild_id, "cancelled", member_id, stamp)
            return _load(c, int(row["id"]))

        row = await self._db.write(work)
        log.info("consultation.cancelled id=%s guild=%s", row["id"], guild_id)
        return self._from_row(row)
