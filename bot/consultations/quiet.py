"""Quiet threads (issue 20): when a claimed conversation goes quiet.

Domain only (no ``discord`` import). Three per-server settings (``GuildConfig``; 0 is off):

* ``quiet_nudge_hours`` (default 48): that long without a message from the member, the bot
  checks in gently in the thread (once, ``nudged_at``);
* ``quiet_close_hours`` (default 72): that long after the check-in, with still no message from
  the member, the request is closed with the reason "no reply": recorded as a staff close would
  be (close kind ``RESOLVED``, outcome ``NO_REPLY``, a "closed" event with no actor) and marked
  ``closed_by_bot``, so it starts no cooldown and asks no feedback. It only ever comes after a
  check-in, so it needs ``quiet_nudge_hours`` too;
* ``staff_reply_minutes`` (default 0, off): the member wrote and staff have not answered for
  that long: the claimer is reminded, once; another reminder needs another message from them.

The quiet time counts from the latest of the member's last message, the claim (or transfer) and
``quiet_from`` (the end of a ``/ticket hold``, or the upgrade that added this). A message from
the member restarts it (and clears the check-in); a message from staff does not. A request on
hold, whose member left the server, or without a thread, is never checked in on nor closed;
a held request still gets the staff reminder (the member still waits for an answer).

The times come from Discord's message events in the thread (``record``: a time, never the text
or the message's id) and, after a restart, from the thread's latest messages (``reconcile``).
Each action is a conditional ``UPDATE`` that checks, inside its own transaction, that it is
still due: two loops, or a loop and a message arriving at that second, act once.

Mutation testing: the SQL below is text; mutants that only change its case are equivalent.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from bot.consultations._rows import _COLUMNS, _event, _load
from bot.consultations.queries import ConsultationQueries
from bot.consultations.values import (
    CLOSE_REASON,
    Consultation,
    NoLongerOpenError,
    NotFoundError,
    Status,
    TextCipher,
    to_ts,
)
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.text import sanitise_required

log = logging.getLogger(__name__)

QUIET_HOURS_MAX = 720
"""The longest check-in and close delays a server can set (30 days)."""
STAFF_REPLY_MINUTES_MAX = 1440
"""The longest wait before the staff reminder (a day)."""
COALESCE_SECONDS = 60
"""A message from the same side as the last one written, within this, costs no write."""
NO_REPLY_REASON = "no reply"
"""The close reason of the bot's close (encrypted like any close reason)."""
DUE_BATCH = 25
"""The most requests of each kind one run of the loop acts on in one server."""
_SEEN_LIMIT = 10_000


class Side(StrEnum):
    """Who wrote a message in a request's thread."""

    MEMBER = "member"
    STAFF = "staff"


def check_quiet_settings(nudge_hours: int, close_hours: int, reply_minutes: int) -> None:
    """Refuse settings out of bounds, or a close without the check-in it follows."""
    for name, value, top, unit in (
        ("quiet_nudge_hours", nudge_hours, QUIET_HOURS_MAX, "hours"),
        ("quiet_close_hours", close_hours, QUIET_HOURS_MAX, "hours"),
        ("staff_reply_minutes", reply_minutes, STAFF_REPLY_MINUTES_MAX, "minutes"),
    ):
        if not 0 <= value <= top:
            raise UserFacingError(
                f"`{name}` is from 1 to {top} {unit}, or 0 to turn it off. Nothing was saved."
            )
    if close_hours and not nudge_hours:
        raise UserFacingError(
            "The automatic close only ever comes after the check-in, so `quiet_close_hours` "
            "needs `quiet_nudge_hours` as well: set one (1 to 720), or `quiet_close_hours:0`. "
            "Nothing was saved."
        )


@dataclass(frozen=True)
class QuietDue:
    """What one server's quiet threads need now (each list soonest first)."""

    close: tuple[Consultation, ...] = ()
    nudge: tuple[Consultation, ...] = ()
    remind: tuple[Consultation, ...] = ()


@dataclass(frozen=True)
class HoldChange:
    consultation: Consultation
    changed: bool
    """False when it already was as asked."""


# --------------------------------------------------------------------------- the database thread

_QUIET_SINCE = "MAX(claimed_at, COALESCE(member_last_at, 0), COALESCE(quiet_from, 0))"
"""When the member's quiet time began (SQL, on a claimed row)."""
_WATCHED = "status = 'claimed' AND member_left_at IS NULL AND thread_id IS NOT NULL"
_NUDGE = (
    f"{_WATCHED} AND on_hold_since IS NULL AND (nudged_at IS NULL OR nudged_at < {_QUIET_SINCE}) "
    f"AND {_QUIET_SINCE} <= ?"
)
"""Due for the check-in: quiet since at most the parameter (now less the hours)."""
_CLOSE = f"{_WATCHED} AND on_hold_since IS NULL AND nudged_at >= {_QUIET_SINCE} AND nudged_at <= ?"
"""Due for the close: checked in on (in this quiet stretch) at most at the parameter."""
_REMIND = (
    f"{_WATCHED} AND awaiting_staff_since IS NOT NULL "
    "AND MAX(awaiting_staff_since, claimed_at) <= ?"
)
"""Due for the staff reminder: waiting since at most the parameter (counted from the claim)."""

_ACTIVITY = (
    "SELECT id, member_id, member_last_at, staff_last_at, awaiting_staff_since, nudged_at "
    "FROM consultations WHERE {where} AND status = 'claimed'"
)


def _apply(c: sqlite3.Connection, row: sqlite3.Row, side: Side, stamp: int) -> bool:
    """A message from ``side`` at ``stamp`` in the thread of the claimed request ``row``; False
    when it changes nothing (not newer than the one on record)."""
    awaiting = row["awaiting_staff_since"]
    if side is Side.MEMBER:
        if row["member_last_at"] is not None and row["member_last_at"] >= stamp:
            return False
        answered = row["staff_last_at"] is not None and row["staff_last_at"] > stamp
        if awaiting is None and not answered:
            awaiting = stamp
        nudged = row["nudged_at"]
        if nudged is not None and nudged <= stamp:
            nudged = None  # they wrote: the quiet time starts again
        c.execute(
            "UPDATE consultations SET member_last_at = ?, awaiting_staff_since = ?, "
            "nudged_at = ? WHERE id = ?",
            (stamp, awaiting, nudged, row["id"]),
        )
        return True
    if row["staff_last_at"] is not None and row["staff_last_at"] >= stamp:
        return False
    if awaiting is not None and awaiting <= stamp:
        awaiting = None  # answered
    c.execute(
        "UPDATE consultations SET staff_last_at = ?, awaiting_staff_since = ? WHERE id = ?",
        (stamp, awaiting, row["id"]),
    )
    return True


# --------------------------------------------------------------------------- the service


class QuietService:
    """The times of a request's thread, and the check-in, close and reminder they make due."""

    def __init__(self, db: Database, cipher: TextCipher) -> None:
        self._db = db
        self._cipher = cipher
        self._requests = ConsultationQueries(db, cipher)
        self._seen: dict[int, tuple[int, Side, int]] = {}
        """The last write per thread: its member, the side that wrote, when (unix seconds)."""

    # ------------------------------------------------------------------ the thread's times

    async def record(self, thread_id: int, author_id: int, at: dt.datetime) -> bool:
        """Someone (not the bot) wrote in a thread at ``at``: if it is a claimed request's,
        keep the time as the member's or staff's. One write at most, and none for a message
        from the same side as the last one written less than ``COALESCE_SECONDS`` before.
        True when something was written."""
        stamp = to_ts(at)
        kept = self._seen.get(thread_id)
        if kept is not None:
            member_id, side, last = kept
            now_side = Side.MEMBER if author_id == member_id else Side.STAFF
            if now_side is side and 0 <= stamp - last < COALESCE_SECONDS:
                return False

        def work(c: sqlite3.Connection) -> tuple[int, Side, bool] | None:
            row = c.execute(_ACTIVITY.format(where="thread_id = ?"), (thread_id,)).fetchone()
            if row is None:
                return None
            side = Side.MEMBER if author_id == row["member_id"] else Side.STAFF
            return int(row["member_id"]), side, _apply(c, row, side, stamp)

        found = await self._db.write(work)
        if found is None:
            self._seen.pop(thread_id, None)
            return False
        member_id, side, written = found
        if len(self._seen) >= _SEEN_LIMIT:
            self._seen.clear()
        self._seen[thread_id] = (member_id, side, stamp)
        return written

    async def reconcile(
        self, request_id: int, member_at: dt.datetime | None, staff_at: dt.datetime | None
    ) -> bool:
        """The latest messages of each side read from the thread itself (after a restart):
        applied in the order they were written, each only if newer than the time on record.
        True when something changed."""
        moments = sorted(
            (to_ts(at), side)
            for at, side in ((member_at, Side.MEMBER), (staff_at, Side.STAFF))
            if at is not None
        )

        def work(c: sqlite3.Connection) -> bool:
            changed = False
            for stamp, side in moments:
                row = c.execute(_ACTIVITY.format(where="id = ?"), (request_id,)).fetchone()
                if row is None:
                    return changed
                changed = _apply(c, row, side, stamp) or changed
            return changed

        changed = await self._db.write(work)
        if changed:
            log.info("quiet.reconciled id=%s", request_id)
        return changed

    # ------------------------------------------------------------------ what is due

    async def due(self, guild_id: int, now: dt.datetime, config: GuildConfig) -> QuietDue:
        """The server's claimed requests due for the close, the check-in and the staff
        reminder now (at most ``DUE_BATCH`` of each), in one read."""
        stamp = to_ts(now)
        nudge_h, close_h = config.quiet_nudge_hours, config.quiet_close_hours
        reply_m = config.staff_reply_minutes

        def select(c: sqlite3.Connection, condition: str, edge: int) -> list[sqlite3.Row]:
            return c.execute(
                f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND {condition} "
                "ORDER BY id LIMIT ?",
                (guild_id, edge, DUE_BATCH),
            ).fetchall()

        def work(c: sqlite3.Connection) -> tuple[list[sqlite3.Row], ...]:
            close = select(c, _CLOSE, stamp - close_h * 3600) if nudge_h and close_h else []
            nudge = select(c, _NUDGE, stamp - nudge_h * 3600) if nudge_h else []
            remind = select(c, _REMIND, stamp - reply_m * 60) if reply_m else []
            return close, nudge, remind

        close, nudge, remind = await self._db.read(work)
        made = self._requests._from_row
        return QuietDue(
            tuple(made(row) for row in close),
            tuple(made(row) for row in nudge),
            tuple(made(row) for row in remind),
        )

    # ------------------------------------------------------------------ acting, once

    async def mark_nudged(
        self, request_id: int, now: dt.datetime, config: GuildConfig
    ) -> Consultation | None:
        """Record the check-in before it is posted, if it is still due (None: not any more, or
        someone else marked it)."""
        if not config.quiet_nudge_hours:
            return None
        stamp = to_ts(now)
        edge = stamp - config.quiet_nudge_hours * 3600

        def work(c: sqlite3.Connection) -> sqlite3.Row | None:
            cursor = c.execute(
                f"UPDATE consultations SET nudged_at = ? WHERE id = ? AND {_NUDGE}",
                (stamp, request_id, edge),
            )
            return _load(c, request_id) if cursor.rowcount == 1 else None

        row = await self._db.write(work)
        if row is None:
            return None
        log.info("quiet.nudged id=%s guild=%s", request_id, row["guild_id"])
        return self._requests._from_row(row)

    async def unmark_nudged(self, request_id: int, nudged_at: dt.datetime) -> None:
        """The check-in could not be posted: it is due again (unless the member wrote since)."""
        stamp = to_ts(nudged_at)

        def work(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE consultations SET nudged_at = NULL WHERE id = ? AND nudged_at = ?",
                (request_id, stamp),
            )

        await self._db.write(work)

    async def close_quiet(
        self, request_id: int, now: dt.datetime, config: GuildConfig
    ) -> Consultation | None:
        """Close a request whose member has not written since the check-in, if it is still due
        (None otherwise): as a staff close, with the reason "no reply" and the outcome
        ``NO_REPLY``, marked ``closed_by_bot``, by no one (the event has no actor), and no
        feedback question."""
        if not (config.quiet_nudge_hours and config.quiet_close_hours):
            return None
        sealed = self._cipher.encrypt(sanitise_required(NO_REPLY_REASON, CLOSE_REASON))
        stamp = to_ts(now)
        edge = stamp - config.quiet_close_hours * 3600

        def work(c: sqlite3.Connection) -> sqlite3.Row | None:
            cursor = c.execute(
                "UPDATE consultations SET status = 'closed', closed_at = ?, closed_by = NULL, "
                "close_kind = 'resolved', close_reason = ?, claimed_by = NULL, "
                f"outcome = 'no_reply', closed_by_bot = 1 WHERE id = ? AND {_CLOSE}",
                (stamp, sealed, request_id, edge),
            )
            if cursor.rowcount != 1:
                return None
            row = _load(c, request_id)
            _event(c, request_id, int(row["guild_id"]), "closed", None, stamp)
            return row

        row = await self._db.write(work)
        if row is None:
            return None
        log.info("quiet.closed id=%s guild=%s", request_id, row["guild_id"])
        return self._requests._from_row(row)

    async def mark_reminded(
        self, request: Consultation, now: dt.datetime, config: GuildConfig
    ) -> bool:
        """Record the staff reminder about the message waiting since
        ``request.awaiting_staff_since``, if it is still due; False otherwise. The next one
        needs another message from the member."""
        waiting = request.awaiting_staff_since
        if not config.staff_reply_minutes or waiting is None:
            return False
        edge = to_ts(now) - config.staff_reply_minutes * 60

        def work(c: sqlite3.Connection) -> bool:
            cursor = c.execute(
                "UPDATE consultations SET awaiting_staff_since = NULL WHERE id = ? "
                f"AND awaiting_staff_since = ? AND {_REMIND}",
                (request.id, to_ts(waiting), edge),
            )
            return cursor.rowcount == 1

        marked = await self._db.write(work)
        if marked:
            log.info("quiet.staff_reminded id=%s guild=%s", request.id, request.guild_id)
        return marked

    # ------------------------------------------------------------------ /ticket hold

    async def set_hold(
        self, guild_id: int, request_id: int, hold: bool | None, now: dt.datetime
    ) -> HoldChange:
        """Put an open or claimed request on hold, or take it off (``hold`` None: the other
        way from how it is). Off hold, its quiet time starts again from now."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> tuple[sqlite3.Row, bool]:
            row = _load(c, request_id)
            if row["guild_id"] != guild_id:
                raise NotFoundError()
            if row["status"] not in (Status.OPEN, Status.CLAIMED):
                raise NoLongerOpenError(
                    f"Request #{row['number']} is closed, so there is nothing to put on hold."
                )
            held = row["on_hold_since"] is not None
            wanted = not held if hold is None else hold
            if wanted == held:
                return row, False
            if wanted:
                c.execute(
                    "UPDATE consultations SET on_hold_since = ? WHERE id = ?", (stamp, request_id)
                )
            else:
                c.execute(
                    "UPDATE consultations SET on_hold_since = NULL, quiet_from = ? WHERE id = ?",
                    (stamp, request_id),
                )
            return _load(c, request_id), True

        row, changed = await self._db.write(work)
        if changed:
            log.info(
                "quiet.hold id=%s guild=%s on=%s",
                request_id,
                guild_id,
                row["on_hold_since"] is not None,
            )
        return HoldChange(self._requests._from_row(row), changed)
