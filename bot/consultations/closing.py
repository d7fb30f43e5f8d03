"""How a request ends by a person's hand: a staff member closes it (with an outcome, from
``bot.consultations.outcomes``), the member cancels it while it waits, or the member closes it
once someone is with them ("Close my request").

Part of the state machine described in ``bot.consultations.service`` (which inherits these).
A close of a request someone was with also asks the member for feedback, in the same
transaction (``bot.consultations.feedback``).

Mutation testing: ``_MEMBER_CLOSE`` and ``_STAFF_CLOSE`` are SQL text; as elsewhere in the
package, mutants that only change its case are equivalent.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass

from bot.consultations._rows import _COLUMNS, _event, _load, _not_open
from bot.consultations.departures import ConsultationDepartures
from bot.consultations.feedback import ask_for_feedback
from bot.consultations.outcomes import OUTCOME_PERIODS, Outcome, OutcomeCounts, count_outcomes
from bot.consultations.queries import _scope
from bot.consultations.routing import Coverage
from bot.consultations.values import (
    CLOSE_REASON,
    CloseKind,
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

_STAFF_CLOSE = (
    "UPDATE consultations SET status = 'closed', closed_at = ?, closed_by = ?, "
    "close_kind = 'resolved', close_reason = ?, claimed_by = NULL, outcome = ? "
    "WHERE id = ? AND status IN ('open', 'claimed')"
)
_MEMBER_CLOSE = (
    "UPDATE consultations SET status = 'closed', closed_at = ?, closed_by = ?, "
    "close_kind = 'cancelled', claimed_by = NULL WHERE id = ? AND status = 'claimed'"
)


@dataclass(frozen=True)
class MemberClosed:
    """A request its member closed, and who had been with them (to tell in the thread)."""

    consultation: Consultation
    consultant_id: int


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
        *,
        outcome: Outcome | None = None,
    ) -> Consultation:
        """Close an open or claimed request (staff); the reason is stored encrypted, with the
        ``outcome`` staff chose (None: none yet, ``set_outcome`` adds it). Closing a claimed
        request asks its member for feedback (``bot.consultations.feedback``)."""
        sealed = self._cipher.encrypt(sanitise_required(reason, CLOSE_REASON))
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            row = _load(c, request_id)
            if row["guild_id"] != guild_id:
                raise NotFoundError()
            code = None if outcome is None else outcome.value
            cursor = c.execute(_STAFF_CLOSE, (stamp, actor_id, sealed, code, request_id))
            if cursor.rowcount != 1:
                raise _not_open(row, action="closed")
            _event(c, request_id, guild_id, "closed", actor_id, stamp)
            ask_for_feedback(c, row, stamp)
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
                raise UserFacingError(claimed_already(int(row["number"])))
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

    async def member_close(
        self, guild_id: int, request_id: int, member_id: int, now: dt.datetime
    ) -> MemberClosed:
        """The member closes their own claimed request ("Close my request" in its thread).

        Recorded like a cancel (close kind ``CANCELLED``, a "cancelled" event by the member, so
        it starts their cooldown as a cancel does) but with status ``CLOSED``: someone was with
        them, so they are asked for feedback, as after a staff close. No outcome is recorded:
        outcomes are what staff write down. Anyone else's request, or another server's, is out
        of date (``NotFoundError``); a request back in the queue has nothing to close."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> tuple[sqlite3.Row, int]:
            row = _load(c, request_id)
            if row["guild_id"] != guild_id or row["member_id"] != member_id:
                raise NotFoundError()
            if row["status"] == Status.OPEN:
                raise NoLongerOpenError(back_in_queue(int(row["number"])))
            cursor = c.execute(_MEMBER_CLOSE, (stamp, member_id, request_id))
            if cursor.rowcount != 1:
                raise _not_open(row, action="closed")
            _event(c, request_id, guild_id, "cancelled", member_id, stamp)
            ask_for_feedback(c, row, stamp)
            return _load(c, request_id), int(row["claimed_by"])

        row, consultant = await self._db.write(work)
        log.info("consultation.member_closed id=%s guild=%s", request_id, guild_id)
        return MemberClosed(self._from_row(row), consultant)

    async def set_outcome(self, guild_id: int, request_id: int, outcome: Outcome) -> Consultation:
        """Record (or correct) the outcome of a request staff closed. Only a staff close has
        one: a cancelled request, one its member closed, or one lost to a deleted thread or
        card is refused."""

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            row = _load(c, request_id)
            if row["guild_id"] != guild_id:
                raise NotFoundError()
            if row["status"] != Status.CLOSED or row["close_kind"] != CloseKind.RESOLVED:
                raise NoLongerOpenError(
                    f"Request #{row['number']} wasn't closed by staff, so it has no outcome "
                    "to record."
                )
            c.execute(
                "UPDATE consultations SET outcome = ? WHERE id = ?", (outcome.value, request_id)
            )
            return _load(c, request_id)

        row = await self._db.write(work)
        log.info("consultation.outcome id=%s guild=%s outcome=%s", request_id, guild_id, outcome)
        return self._from_row(row)

    async def outcome_counts(
        self, guild_id: int, now: dt.datetime, covers: Coverage | None = None
    ) -> tuple[OutcomeCounts, ...]:
        """How many staff closes of each outcome in each of ``OUTCOME_PERIODS`` (the last 7
        and 30 days), among the types ``covers`` reaches, in one read. Counts, never names."""
        where, ids = _scope(covers)
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> tuple[OutcomeCounts, ...]:
            return tuple(
                count_outcomes(c, guild_id, stamp - days * 86400, where, ids, days)
                for days in OUTCOME_PERIODS
            )

        return await self._db.read(work)


def claimed_already(number: int) -> str:
    """To a member who tries to cancel a request someone is already with."""
    return (
        f"A staff member is already with you on request #{number}. If you'd like to stop, "
        'press "Close my request" on the first message of your private thread, or tell them '
        "there and they will close it."
    )


def back_in_queue(number: int) -> str:
    """To a member who presses "Close my request" on a request released back to the queue."""
    return (
        f"Request #{number} is back in the queue, waiting for a staff member to pick it up, so "
        "there is no conversation to close yet. If you'd like to stop, `/consult-cancel` "
        "withdraws it."
    )
