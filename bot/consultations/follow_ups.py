"""Follow-ups: a check-in a consultant books with a member, which the bot keeps (issue 20).

Domain only (no ``discord`` import). A follow-up is a row of ``consult_follow_ups``::

    booked ──fire──▶ fired ──finish──▶ done
       └──cancel (member, consultant, admin)──▶ cancelled

``fire`` is one ``BEGIN IMMEDIATE`` transaction: a conditional ``UPDATE … WHERE state =
'booked'`` picks the row once (two loops, or a loop and a restart at the due second: exactly
one wins), and the same transaction finds or makes the request it goes to, keeping the
invariant of one open or claimed request per member per server:

* the member already has an open or claimed request: the follow-up goes there (``ACTIVE``);
* else a new request, of the same topic and type, urgency "soon", in the old private thread
  when it still exists: claimed by the consultant (``CLAIMED``), or waiting in its type's
  queue when they are no longer its staff (``QUEUE``);
* the member has left the server: nothing is opened (``MEMBER_LEFT``).

Discord is told afterwards and ``finish`` marks it done; a follow-up fired but not finished
(the bot stopped in between) is delivered by the next process (``interrupted``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from bot.consultations._rows import _event, _insert, _load
from bot.consultations.follow_up_times import check_bounds
from bot.consultations.queries import ConsultationQueries, _scope
from bot.consultations.routing import Coverage
from bot.consultations.values import (
    Consultation,
    NotFoundError,
    TextCipher,
    Topic,
    Urgency,
    from_ts,
    to_ts,
)
from bot.db import Database
from bot.errors import UserFacingError
from bot.text import TextField, sanitise

log = logging.getLogger(__name__)

FOLLOW_UP_NOTE_LIMIT = 500
FOLLOW_UP_NOTE = TextField("note", FOLLOW_UP_NOTE_LIMIT)
MAX_BOOKED = 3
"""The most check-ins booked (not yet due) with one member in one server at a time."""
DUE_SOON = dt.timedelta(hours=24)
"""How far ahead ``/queue list`` shows follow-ups due."""
DUE_SOON_SHOWN = 5
MAX_LISTED = 10
"""The most follow-ups one list shows (a consultant's own, a member's)."""
FOLLOW_UP_URGENCY = Urgency.SOON
"""A request opened for a follow-up: "today if possible", by definition."""


class FollowUpState(StrEnum):
    BOOKED = "booked"
    FIRED = "fired"
    DONE = "done"
    CANCELLED = "cancelled"


class FollowUpOutcome(StrEnum):
    CLAIMED = "claimed"
    ACTIVE = "active"
    QUEUE = "queue"
    MEMBER_LEFT = "member_left"


@dataclass(frozen=True)
class FollowUp:
    id: int
    guild_id: int
    consultation_id: int
    """The request it was booked on."""
    number: int
    """That request's number, as people see it."""
    type_id: int | None
    """That request's consultation type (None: the server's default)."""
    thread_id: int | None
    """That request's private thread, if it had one."""
    member_id: int
    staff_id: int
    """Who booked it (0 once they erased their data)."""
    due_at: dt.datetime
    timezone: str
    note: str | None
    state: FollowUpState
    created_at: dt.datetime
    fired_at: dt.datetime | None = None
    outcome: FollowUpOutcome | None = None
    request_id: int | None = None
    """The request it opened or was posted in, once fired."""
    finished_at: dt.datetime | None = None
    cancelled_by: int | None = None


@dataclass(frozen=True)
class Fired:
    """A follow-up just picked (once), and the request it goes to (None: the member left)."""

    follow_up: FollowUp
    request: Consultation | None


class FollowUpNotBookedError(UserFacingError):
    """The check-in has already happened or was cancelled."""


_SELECT = (
    "SELECT f.id, f.guild_id, f.consultation_id, c.number, c.type_id, c.thread_id, "
    "f.member_id, f.staff_id, f.due_at, f.timezone, f.note, f.state, f.created_at, f.fired_at, "
    "f.outcome, f.request_id, f.finished_at, f.cancelled_by "
    "FROM consult_follow_ups f JOIN consultations c ON c.id = f.consultation_id"
)


def _load_follow_up(c: sqlite3.Connection, follow_up_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = c.execute(f"{_SELECT} WHERE f.id = ?", (follow_up_id,)).fetchone()
    return row


def _moment(value: int) -> dt.datetime:
    return from_ts(value) or dt.datetime.min.replace(tzinfo=dt.UTC)


class FollowUpService:
    """Booking, cancelling, listing and firing follow-ups (see the module docstring)."""

    def __init__(self, db: Database, cipher: TextCipher) -> None:
        self._db = db
        self._cipher = cipher
        self._requests = ConsultationQueries(db, cipher)

    def _from_row(self, row: sqlite3.Row) -> FollowUp:
        outcome = row["outcome"]
        return FollowUp(
            id=int(row["id"]),
            guild_id=int(row["guild_id"]),
            consultation_id=int(row["consultation_id"]),
            number=int(row["number"]),
            type_id=row["type_id"],
            thread_id=row["thread_id"],
            member_id=int(row["member_id"]),
            staff_id=int(row["staff_id"]),
            due_at=_moment(row["due_at"]),
            timezone=str(row["timezone"]),
            note=self._cipher.decrypt(row["note"]),
            state=FollowUpState(row["state"]),
            created_at=_moment(row["created_at"]),
            fired_at=from_ts(row["fired_at"]),
            outcome=FollowUpOutcome(outcome) if outcome else None,
            request_id=row["request_id"],
            finished_at=from_ts(row["finished_at"]),
            cancelled_by=row["cancelled_by"],
        )

    # ------------------------------------------------------------------ booking

    async def book(
        self,
        request: Consultation,
        staff_id: int,
        due_at: dt.datetime,
        timezone: str,
        note: str | None,
        now: dt.datetime,
    ) -> FollowUp:
        """Book a check-in with ``request``'s member at ``due_at`` (UTC; in bounds, see
        ``check_bounds``), at most ``MAX_BOOKED`` booked with them in this server at once."""
        check_bounds(due_at, now)
        if staff_id == request.member_id:
            raise UserFacingError("A follow-up is booked with a member, not with yourself.")
        sealed = self._cipher.encrypt(sanitise(note, FOLLOW_UP_NOTE))
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            (booked,) = c.execute(
                "SELECT COUNT(*) FROM consult_follow_ups WHERE guild_id = ? AND member_id = ? "
                "AND state = 'booked'",
                (request.guild_id, request.member_id),
            ).fetchone()
            if booked >= MAX_BOOKED:
                raise UserFacingError(
                    f"This member already has {MAX_BOOKED} check-ins booked here. Please "
                    "cancel one first (`/queue follow-ups` lists yours). Nothing was booked."
                )
            cursor = c.execute(
                "INSERT INTO consult_follow_ups (guild_id, consultation_id, member_id, staff_id, "
                "due_at, timezone, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    request.guild_id,
                    request.id,
                    request.member_id,
                    staff_id,
                    to_ts(due_at),
                    timezone,
                    sealed,
                    stamp,
                ),
            )
            assert cursor.lastrowid is not None
            row = _load_follow_up(c, cursor.lastrowid)
            assert row is not None
            return row

        booked = self._from_row(await self._db.write(work))
        log.info(
            "follow_up.booked id=%s guild=%s request=%s staff=%s due=%s",
            booked.id,
            booked.guild_id,
            request.id,
            staff_id,
            to_ts(due_at),
        )
        return booked

    async def get(self, follow_up_id: int) -> FollowUp | None:
        row = await self._db.read(lambda c: _load_follow_up(c, follow_up_id))
        return None if row is None else self._from_row(row)

    async def cancel(
        self, guild_id: int, follow_up_id: int, actor_id: int, now: dt.datetime
    ) -> FollowUp:
        """Cancel a booked check-in (who may is the caller's check); refused once it fired."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            cursor = c.execute(
                "UPDATE consult_follow_ups SET state = 'cancelled', finished_at = ?, "
                "cancelled_by = ? WHERE id = ? AND guild_id = ? AND state = 'booked'",
                (stamp, actor_id, follow_up_id, guild_id),
            )
            row = _load_follow_up(c, follow_up_id)
            if row is None or row["guild_id"] != guild_id:
                raise NotFoundError()
            if cursor.rowcount != 1:
                if row["state"] == FollowUpState.CANCELLED:
                    raise FollowUpNotBookedError("That check-in was already cancelled.")
                raise FollowUpNotBookedError(
                    "That check-in has already come round, so there is nothing to cancel."
                )
            return row

        cancelled = self._from_row(await self._db.write(work))
        log.info("follow_up.cancelled id=%s guild=%s by=%s", follow_up_id, guild_id, actor_id)
        return cancelled

    # ------------------------------------------------------------------ lists

    async def booked_with(self, guild_id: int, member_id: int) -> list[FollowUp]:
        """The member's check-ins still to come here, soonest first."""
        rows = await self._db.fetchall(
            f"{_SELECT} WHERE f.guild_id = ? AND f.member_id = ? AND f.state = 'booked' "
            "ORDER BY f.due_at, f.id LIMIT ?",
            (guild_id, member_id, MAX_LISTED),
        )
        return [self._from_row(row) for row in rows]

    async def booked_by(self, guild_id: int, staff_id: int) -> list[FollowUp]:
        """The check-ins a consultant booked here that are still to come, soonest first."""
        rows = await self._db.fetchall(
            f"{_SELECT} WHERE f.guild_id = ? AND f.staff_id = ? AND f.state = 'booked' "
            "ORDER BY f.due_at, f.id LIMIT ?",
            (guild_id, staff_id, MAX_LISTED),
        )
        return [self._from_row(row) for row in rows]

    async def due_soon(
        self, guild_id: int, now: dt.datetime, covers: Coverage | None = None
    ) -> tuple[list[FollowUp], int]:
        """Follow-ups not yet delivered that are overdue or due within ``DUE_SOON`` (of the
        types ``covers`` reaches), soonest first: the first ``DUE_SOON_SHOWN``, and how many."""
        where, ids = _scope(covers)
        scoped = (
            f" AND f.consultation_id IN (SELECT id FROM consultations WHERE guild_id = ?{where})"
        )
        until = to_ts(now + DUE_SOON)

        def work(c: sqlite3.Connection) -> tuple[list[sqlite3.Row], int]:
            condition = (
                "WHERE f.guild_id = ? AND f.state IN ('booked', 'fired') AND f.due_at <= ?" + scoped
            )
            params = (guild_id, until, guild_id, *ids)
            (count,) = c.execute(
                f"SELECT COUNT(*) FROM consult_follow_ups f {condition}", params
            ).fetchone()
            rows = c.execute(
                f"{_SELECT} {condition} ORDER BY f.due_at, f.id LIMIT ?",
                (*params, DUE_SOON_SHOWN),
            ).fetchall()
            return rows, int(count)

        rows, count = await self._db.read(work)
        return [self._from_row(row) for row in rows], count

    # ------------------------------------------------------------------ firing

    async def due(self, now: dt.datetime, guild_ids: Collection[int]) -> list[FollowUp]:
        """Booked follow-ups of these servers whose time has come, soonest first."""
        rows = await self._db.fetchall(
            f"{_SELECT} WHERE f.state = 'booked' AND f.due_at <= ? "
            "AND f.guild_id IN (SELECT value FROM json_each(?)) ORDER BY f.due_at, f.id LIMIT 50",
            (to_ts(now), json.dumps(sorted(guild_ids))),
        )
        return [self._from_row(row) for row in rows]

    async def interrupted(self, guild_ids: Collection[int]) -> list[Fired]:
        """Follow-ups of these servers that were fired but never finished: the bot stopped
        between the two. Each comes with the request it went to, as now."""
        rows = await self._db.fetchall(
            f"{_SELECT} WHERE f.state = 'fired' "
            "AND f.guild_id IN (SELECT value FROM json_each(?)) ORDER BY f.fired_at, f.id",
            (json.dumps(sorted(guild_ids)),),
        )
        found = []
        for row in rows:
            follow_up = self._from_row(row)
            request = (
                None
                if follow_up.request_id is None
                else await self._requests.get(follow_up.request_id)
            )
            found.append(Fired(follow_up, request))
        return found

    async def fire(
        self,
        follow_up_id: int,
        now: dt.datetime,
        *,
        member_present: bool,
        claimer_id: int | None,
        thread_id: int | None,
    ) -> Fired | None:
        """Pick a due follow-up once and open (or find) the request it goes to, in one
        transaction; None when it was not booked and due any more (fired, or cancelled).

        ``claimer_id``: the consultant, when they are still staff for its type (None: the new
        request waits in the queue); ``thread_id``: the old request's thread, when it still
        exists (the new request continues in it)."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> tuple[sqlite3.Row, sqlite3.Row | None] | None:
            cursor = c.execute(
                "UPDATE consult_follow_ups SET state = 'fired', fired_at = ? "
                "WHERE id = ? AND state = 'booked' AND due_at <= ?",
                (stamp, follow_up_id, stamp),
            )
            if cursor.rowcount != 1:
                return None
            row = _load_follow_up(c, follow_up_id)
            assert row is not None
            if not member_present:
                c.execute(
                    "UPDATE consult_follow_ups SET outcome = 'member_left' WHERE id = ?",
                    (follow_up_id,),
                )
                return _load_follow_up(c, follow_up_id) or row, None
            active = c.execute(
                "SELECT id FROM consultations WHERE guild_id = ? AND member_id = ? "
                "AND status IN ('open', 'claimed')",
                (row["guild_id"], row["member_id"]),
            ).fetchone()
            if active is not None:
                request_id, outcome = int(active["id"]), FollowUpOutcome.ACTIVE
            else:
                request_id = _reopen(c, row, stamp, claimer_id, thread_id)
                outcome = FollowUpOutcome.QUEUE if claimer_id is None else FollowUpOutcome.CLAIMED
            c.execute(
                "UPDATE consult_follow_ups SET outcome = ?, request_id = ? WHERE id = ?",
                (outcome.value, request_id, follow_up_id),
            )
            return _load_follow_up(c, follow_up_id) or row, _load(c, request_id)

        picked = await self._db.write(work)
        if picked is None:
            return None
        follow_up = self._from_row(picked[0])
        request = None if picked[1] is None else self._requests._from_row(picked[1])
        log.info(
            "follow_up.fired id=%s guild=%s outcome=%s request=%s",
            follow_up.id,
            follow_up.guild_id,
            follow_up.outcome,
            follow_up.request_id,
        )
        return Fired(follow_up, request)

    async def finish(self, follow_up_id: int, now: dt.datetime) -> None:
        """Discord was told (or tried): the follow-up is done."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> None:
            c.execute(
                "UPDATE consult_follow_ups SET state = 'done', finished_at = ? "
                "WHERE id = ? AND state = 'fired'",
                (stamp, follow_up_id),
            )

        await self._db.write(work)


def _reopen(
    c: sqlite3.Connection,
    follow_up: sqlite3.Row,
    stamp: int,
    claimer_id: int | None,
    thread_id: int | None,
) -> int:
    """A new request for the follow-up's member, like the one it was booked on: claimed by
    ``claimer_id`` (or waiting), in ``thread_id`` (the old thread, or None for a new one).

    No cooldown, hourly cap or block applies: staff asked for this conversation. A claimed one
    is claimed from its first second (its wait to claim is 0, in ``/queue stats`` and the log
    line), and counts as one of the consultant's claims."""
    old = _load(c, int(follow_up["consultation_id"]))
    request_id = _insert(
        c,
        int(follow_up["guild_id"]),
        int(follow_up["member_id"]),
        Topic(old["topic"]),
        FOLLOW_UP_URGENCY,
        None,
        None,
        stamp,
        old["type_id"],
    )
    if thread_id is not None:
        opening = old["opening_message_id"] if old["thread_id"] == thread_id else 0
        c.execute(
            "UPDATE consultations SET thread_id = ?, opening_message_id = ? WHERE id = ?",
            (thread_id, opening, request_id),
        )
    if claimer_id is not None:
        c.execute(
            "UPDATE consultations SET status = 'claimed', claimed_by = ?, claimed_at = ?, "
            "first_claimed_at = ? WHERE id = ? AND status = 'open'",
            (claimer_id, stamp, stamp, request_id),
        )
        _event(c, request_id, int(follow_up["guild_id"]), "claimed", claimer_id, stamp)
    return request_id
