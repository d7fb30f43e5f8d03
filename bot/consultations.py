"""The consultation queue: requests to talk with a consultant, from open to claimed to closed.

Domain only (no ``discord`` import): the service takes ids, values and the current time and
returns dataclasses; the cog turns them into Discord messages. Every state change is one
``BEGIN IMMEDIATE`` transaction, and the database enforces the invariants that matter:

* at most one open or claimed request per member per server (a partial unique index);
* exactly one claim wins (a conditional ``UPDATE … WHERE status = 'open'`` whose row count
  is checked inside the same transaction);
* a claimed request always has a claimer, a finished one always has a closing time (CHECKs).

The state machine::

    open ──claim──▶ claimed ──close──▶ closed
     │  ◀─release──    │
     │                 └─thread deleted──▶ closed (thread_deleted)
     ├──cancel (member)──▶ cancelled
     ├──close (staff)──▶ closed
     └──card deleted──▶ closed (card_deleted)

Every other transition raises a ``UserFacingError`` with a sentence safe to show.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import sqlite3
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.text import TextField, sanitise, sanitise_required

log = logging.getLogger(__name__)

NOTE_LIMIT = 500
"""The longest note a member can leave with a request (characters)."""
PREFERRED_TIME_LIMIT = 100
STAFF_NOTE_LIMIT = 1000
CLOSE_REASON_LIMIT = 300
STATS_DAYS = 7

NOTE = TextField("note", NOTE_LIMIT)
PREFERRED_TIME = TextField("preferred time", PREFERRED_TIME_LIMIT)
CLOSE_REASON = TextField("reason", CLOSE_REASON_LIMIT, required=True)
STAFF_NOTE = TextField("note", STAFF_NOTE_LIMIT, required=True)
"""The texts typed into the queue: each passes ``bot.text.sanitise`` before anything else."""


class Topic(StrEnum):
    LEVEL_OF_CARE = "level_of_care"
    RELAPSE = "relapse"
    COPING = "coping"
    FAMILY = "family"
    OTHER = "other"
    CRISIS = "crisis"
    """Only the crisis safety net opens requests with this topic; members pick from the rest."""


TOPIC_LABELS: dict[Topic, str] = {
    Topic.LEVEL_OF_CARE: "A question about levels of care",
    Topic.RELAPSE: "Relapse or urges",
    Topic.COPING: "Coping and everyday support",
    Topic.FAMILY: "I'm a family member or friend",
    Topic.OTHER: "Something else",
    Topic.CRISIS: "Reached out through the crisis safety net",
}

MEMBER_TOPICS: tuple[Topic, ...] = (
    Topic.LEVEL_OF_CARE,
    Topic.RELAPSE,
    Topic.COPING,
    Topic.FAMILY,
    Topic.OTHER,
)


class Urgency(StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


URGENCY_LABELS: dict[Urgency, str] = {
    Urgency.ROUTINE: "Routine: whenever someone is free",
    Urgency.SOON: "Soon: today if possible",
    Urgency.URGENT: "I am struggling right now",
}

PRIORITY: dict[Urgency, int] = {Urgency.URGENT: 0, Urgency.SOON: 1, Urgency.ROUTINE: 2}

NEVER_LIMITED = frozenset({Urgency.URGENT})
"""Urgencies that no cooldown or hourly cap ever refuses: someone struggling right now."""


class Status(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class CloseKind(StrEnum):
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    THREAD_DELETED = "thread_deleted"
    CARD_DELETED = "card_deleted"


ACTIVE = (Status.OPEN, Status.CLAIMED)

COOLDOWN_KINDS = (CloseKind.RESOLVED, CloseKind.CANCELLED)
"""Closes that start the member's cooldown; a request lost to a deleted thread or card does not."""


class TextCipher(Protocol):
    def encrypt(self, text: str | None) -> bytes | None: ...

    def decrypt(self, token: bytes | None) -> str | None: ...


# --------------------------------------------------------------------------- errors


# The three refusals below name a staff member. The domain carries the ids; the consult cog
# turns them into the mention staff read (``cogs.consult._embeds.refusal``), and its message
# here is the plain fallback.


class AlreadyClaimedError(UserFacingError):
    """Someone else won the claim."""

    def __init__(self, number: int, claimed_by: int) -> None:
        super().__init__(f"Request #{number} was already claimed by another staff member.")
        self.number = number
        self.claimed_by = claimed_by


class AlreadyHoldsError(UserFacingError):
    """A transfer to the staff member who already holds the request."""

    def __init__(self, number: int, staff_id: int) -> None:
        super().__init__(f"That staff member already has request #{number}.")
        self.number = number
        self.staff_id = staff_id


class NotTheClaimerError(UserFacingError):
    """A release or transfer by someone who neither claimed the request nor may override."""

    def __init__(self, number: int, claimed_by: int, action: str) -> None:
        super().__init__(
            f"Only the staff member who claimed request #{number}, or a server admin can "
            f"{action} it."
        )
        self.number = number
        self.claimed_by = claimed_by
        self.action = action


class NoLongerOpenError(UserFacingError):
    """The request moved on (closed, cancelled, or gone) before this action."""


class NotFoundError(UserFacingError):
    """No such request here (a stale button, or an id from another server)."""

    def __init__(self) -> None:
        super().__init__("This button is out of date. Please run the command again.")


# --------------------------------------------------------------------------- values


def to_ts(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware (UTC)")
    return math.floor(moment.timestamp())


def from_ts(value: int | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, dt.UTC)


@dataclass(frozen=True)
class Consultation:
    id: int
    guild_id: int
    number: int
    member_id: int
    topic: Topic
    urgency: Urgency
    status: Status
    created_at: dt.datetime
    note: str | None = None
    preferred_time: str | None = None
    claimed_by: int | None = None
    claimed_at: dt.datetime | None = None
    first_claimed_at: dt.datetime | None = None
    thread_id: int | None = None
    card_channel_id: int | None = None
    card_message_id: int | None = None
    problem: str | None = None
    member_left_at: dt.datetime | None = None
    last_reminded_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    closed_by: int | None = None
    close_kind: CloseKind | None = None
    close_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def member_left(self) -> bool:
        return self.member_left_at is not None

    def waited(self, now: dt.datetime) -> dt.timedelta:
        """How long the member has been waiting (until the claim, or until now)."""
        end = self.claimed_at if self.status is Status.CLAIMED and self.claimed_at else now
        if self.closed_at is not None:
            end = self.closed_at
        return max(end - self.created_at, dt.timedelta(0))


@dataclass(frozen=True)
class CreateResult:
    consultation: Consultation
    created: bool
    """False when the member already had an open request (which is returned instead)."""
    position: int | None
    """Place in the waiting queue (1 is next), or None once claimed."""


@dataclass(frozen=True)
class StaffNote:
    id: int
    consultation_id: int
    author_id: int
    body: str
    created_at: dt.datetime


@dataclass(frozen=True)
class StaffCount:
    staff_id: int
    claims: int
    closes: int


@dataclass(frozen=True)
class QueueStats:
    waiting: int
    claimed: int
    closed_today: int
    median_wait_to_claim: dt.timedelta | None
    median_wait_to_close: dt.timedelta | None
    per_staff: tuple[StaffCount, ...] = field(default_factory=tuple)
    days: int = STATS_DAYS


@dataclass(frozen=True)
class MemberLeft:
    """What changed when someone left the server."""

    marked: tuple[Consultation, ...]
    """Their own open or claimed request, now marked "member left"."""
    released: tuple[Consultation, ...]
    """Requests they had claimed as staff, now back in the queue."""


# --------------------------------------------------------------------------- the service

# Mutation testing (scripts/mutate): mutants that only change the case of the SQL below (its
# keywords, table and column names) or of a ``row["…"]`` key are equivalent: SQLite's keywords
# and identifiers and ``sqlite3.Row``'s keys ignore case. A quoted value such as 'open' does
# not, and those mutants are killed. The ``or …`` after ``from_ts``/``decrypt`` of a NOT NULL
# column only narrows the type for mypy; it cannot be reached (see CONTRIBUTING.md).
_COLUMNS = (
    "id, guild_id, number, member_id, topic, urgency, status, note, preferred_time, created_at, "
    "claimed_by, claimed_at, first_claimed_at, thread_id, card_channel_id, card_message_id, "
    "problem, member_left_at, last_reminded_at, closed_at, closed_by, close_kind, close_reason"
)
_ORDER = "priority, created_at, id"


class ConsultationService:
    """All reads and writes of consultation requests."""

    def __init__(self, db: Database, cipher: TextCipher) -> None:
        self._db = db
        self._cipher = cipher

    # ------------------------------------------------------------------ reading

    def _from_row(self, row: sqlite3.Row) -> Consultation:
        close_kind = row["close_kind"]
        return Consultation(
            id=row["id"],
            guild_id=row["guild_id"],
            number=row["number"],
            member_id=row["member_id"],
            topic=Topic(row["topic"]),
            urgency=Urgency(row["urgency"]),
            status=Status(row["status"]),
            note=self._cipher.decrypt(row["note"]),
            preferred_time=self._cipher.decrypt(row["preferred_time"]),
            created_at=from_ts(row["created_at"]) or dt.datetime.min.replace(tzinfo=dt.UTC),
            claimed_by=row["claimed_by"],
            claimed_at=from_ts(row["claimed_at"]),
            first_claimed_at=from_ts(row["first_claimed_at"]),
            thread_id=row["thread_id"],
            card_channel_id=row["card_channel_id"],
            card_message_id=row["card_message_id"],
            problem=row["problem"],
            member_left_at=from_ts(row["member_left_at"]),
            last_reminded_at=from_ts(row["last_reminded_at"]),
            closed_at=from_ts(row["closed_at"]),
            closed_by=row["closed_by"],
            close_kind=CloseKind(close_kind) if close_kind else None,
            close_reason=self._cipher.decrypt(row["close_reason"]),
        )

    async def get(self, request_id: int) -> Consultation | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM consultations WHERE id = ?", (request_id,)
        )
        return None if row is None else self._from_row(row)

    async def get_in_guild(self, guild_id: int, request_id: int) -> Consultation:
        """The request, checked to belong to this server; else ``NotFoundError`` (out of date)."""
        found = await self.get(request_id)
        if found is None or found.guild_id != guild_id:
            raise NotFoundError()
        return found

    async def active_for_member(self, guild_id: int, member_id: int) -> Consultation | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND member_id = ? "
            "AND status IN ('open', 'claimed')",
            (guild_id, member_id),
        )
        return None if row is None else self._from_row(row)

    async def latest_for_member(self, guild_id: int, member_id: int) -> Consultation | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND member_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (guild_id, member_id),
        )
        return None if row is None else self._from_row(row)

    async def by_thread(self, thread_id: int) -> Consultation | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM consultations WHERE thread_id = ? ORDER BY id DESC LIMIT 1",
            (thread_id,),
        )
        return None if row is None else self._from_row(row)

    async def by_card(self, message_id: int) -> Consultation | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM consultations WHERE card_message_id = ? "
            "ORDER BY id DESC LIMIT 1",
            (message_id,),
        )
        return None if row is None else self._from_row(row)

    async def position(self, consultation: Consultation) -> int | None:
        """Place in the waiting queue (1 is next), or None when not waiting."""
        if consultation.status is not Status.OPEN:
            return None
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND status = 'open' "
            "AND (priority, created_at, id) < (?, ?, ?)",
            (
                consultation.guild_id,
                PRIORITY[consultation.urgency],
                to_ts(consultation.created_at),
                consultation.id,
            ),
        )
        return 1 + (int(row[0]) if row else 0)

    async def waiting(self, guild_id: int, *, limit: int, offset: int = 0) -> list[Consultation]:
        """Open, unclaimed requests: urgent first, then the longest waiting."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND status = 'open' "
            f"ORDER BY {_ORDER} LIMIT ? OFFSET ?",
            (guild_id, limit, offset),
        )
        return [self._from_row(row) for row in rows]

    async def counts(self, guild_id: int) -> tuple[int, int]:
        """(waiting, claimed) for this server."""
        row = await self._db.fetchone(
            "SELECT SUM(status = 'open'), SUM(status = 'claimed') FROM consultations "
            "WHERE guild_id = ? AND status IN ('open', 'claimed')",
            (guild_id,),
        )
        if row is None:
            return 0, 0
        return int(row[0] or 0), int(row[1] or 0)

    async def active(self, guild_id: int | None = None) -> list[Consultation]:
        """Every open or claimed request (of one server, or all), oldest first."""
        if guild_id is None:
            rows = await self._db.fetchall(
                f"SELECT {_COLUMNS} FROM consultations WHERE status IN ('open', 'claimed') "
                "ORDER BY guild_id, id"
            )
        else:
            rows = await self._db.fetchall(
                f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? "
                "AND status IN ('open', 'claimed') ORDER BY id",
                (guild_id,),
            )
        return [self._from_row(row) for row in rows]

    async def claimed_by(self, guild_id: int, staff_id: int) -> list[Consultation]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND status = 'claimed' "
            "AND claimed_by = ? ORDER BY id",
            (guild_id, staff_id),
        )
        return [self._from_row(row) for row in rows]

    # ------------------------------------------------------------------ creating

    async def create(
        self,
        *,
        guild_id: int,
        member_id: int,
        topic: Topic,
        urgency: Urgency,
        now: dt.datetime,
        config: GuildConfig,
        note: str | None = None,
        preferred_time: str | None = None,
    ) -> CreateResult:
        """Open a request, or return the member's existing open one (idempotent).

        The per-member cooldown and the per-server hourly cap are checked inside the same
        transaction as the insert. An urgent request ("I am struggling right now", or the
        crisis safety net) skips both: a member who is struggling is never told to wait, and
        abuse is the blocklist's job, not the cap's. Refusals carry ``show_crisis=True`` so the
        reply always includes crisis resources.
        """
        note = sanitise(note, NOTE)
        preferred_time = sanitise(preferred_time, PREFERRED_TIME)
        stamp = to_ts(now)
        sealed_note = self._cipher.encrypt(note)
        sealed_time = self._cipher.encrypt(preferred_time)

        def work(c: sqlite3.Connection) -> tuple[sqlite3.Row, bool, int | None]:
            existing = c.execute(
                "SELECT id FROM consultations WHERE guild_id = ? AND member_id = ? "
                "AND status IN ('open', 'claimed')",
                (guild_id, member_id),
            ).fetchone()
            if existing is not None:
                request_id = int(existing["id"])
                created = False
            else:
                if urgency not in NEVER_LIMITED:
                    _check_cooldown(c, guild_id, member_id, stamp, config)
                    _check_hourly_cap(c, guild_id, stamp, config)
                request_id = _insert(
                    c, guild_id, member_id, topic, urgency, sealed_note, sealed_time, stamp
                )
                created = True
            row = _load(c, request_id)
            return row, created, _position(c, row)

        row, created, position = await self._db.write(work)
        if created:
            log.info(
                "consultation.created id=%s guild=%s member=%s urgency=%s",
                row["id"],
                guild_id,
                member_id,
                urgency.value,
            )
        return CreateResult(self._from_row(row), created, position)

    async def update_note(
        self, guild_id: int, member_id: int, note: str | None, now: dt.datetime
    ) -> Consultation:
        """Replace the note on the member's open or claimed request (blank removes it)."""
        sealed = self._cipher.encrypt(sanitise(note, NOTE))

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            cursor = c.execute(
                "UPDATE consultations SET note = ? WHERE guild_id = ? AND member_id = ? "
                "AND status IN ('open', 'claimed')",
                (sealed, guild_id, member_id),
            )
            if cursor.rowcount != 1:
                raise NoLongerOpenError(
                    "You don't have an open request right now. Use /consult to start one."
                )
            row: sqlite3.Row = c.execute(
                f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND member_id = ? "
                "AND status IN ('open', 'claimed')",
                (guild_id, member_id),
            ).fetchone()
            return row

        return self._from_row(await self._db.write(work))

    # ------------------------------------------------------------------ transitions

    async def claim(
        self, guild_id: int, request_id: int, staff_id: int, now: dt.datetime
    ) -> Consultation:
        """Claim an open request: exactly one caller wins; the rest get a clear refusal."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            row = _load(c, request_id)
            if row["guild_id"] != guild_id:
                raise NotFoundError()
            if row["member_left_at"] is not None and row["status"] == Status.OPEN:
                raise NoLongerOpenError(
                    f"The member who opened request #{row['number']} has left the server, so "
                    "it can't be claimed. You can close it from its card."
                )
            cursor = c.execute(
                "UPDATE consultations SET status = 'claimed', claimed_by = ?, claimed_at = ?, "
                "first_claimed_at = COALESCE(first_claimed_at, ?), problem = NULL "
                "WHERE id = ? AND status = 'open' AND claimed_by IS NULL",
                (staff_id, stamp, stamp, request_id),
            )
            if cursor.rowcount != 1:
                fresh = _load(c, request_id)
                if fresh["status"] == Status.CLAIMED:
                    raise AlreadyClaimedError(fresh["number"], fresh["claimed_by"])
                raise _not_open(fresh)
            _event(c, request_id, guild_id, "claimed", staff_id, stamp)
            return _load(c, request_id)

        row = await self._db.write(work)
        log.info("consultation.claimed id=%s guild=%s staff=%s", request_id, guild_id, staff_id)
        return self._from_row(row)

    async def attach_thread(self, request_id: int, claimer_id: int, thread_id: int) -> bool:
        """Record the private thread, if the request is still claimed by the same person.

        A released request keeps its thread, so whoever claims it next carries on there."""

        def work(c: sqlite3.Connection) -> bool:
            cursor = c.execute(
                "UPDATE consultations SET thread_id = ?, problem = NULL "
                "WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
                (thread_id, request_id, claimer_id),
            )
            return cursor.rowcount == 1

        return await self._db.write(work)

    async def undo_claim(
        self, request_id: int, claimer_id: int, problem: str, now: dt.datetime
    ) -> Consultation | None:
        """The private thread could not be made: put the request back in the queue, keeping
        its place, and remember why (shown in /queue and on the card)."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row | None:
            cursor = c.execute(
                "UPDATE consultations SET status = 'open', claimed_by = NULL, claimed_at = NULL, "
                "problem = ? WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
                (problem, request_id, claimer_id),
            )
            if cursor.rowcount != 1:
                return None
            row = _load(c, request_id)
            _event(c, request_id, row["guild_id"], "released", None, stamp)
            return _load(c, request_id)

        row = await self._db.write(work)
        if row is None:
            return None
        log.warning("consultation.claim_undone id=%s problem=%s", request_id, problem)
        return self._from_row(row)

    async def forget_thread(self, request_id: int, thread_id: int) -> None:
        """The recorded thread no longer exists (or can't be used); a new one will be made."""
        await self._db.write(
            _statement(
                "UPDATE consultations SET thread_id = NULL WHERE id = ? AND thread_id = ?",
                (request_id, thread_id),
            )
        )

    async def set_problem(self, request_id: int, problem: str | None) -> None:
        await self._db.write(
            _statement("UPDATE consultations SET problem = ? WHERE id = ?", (problem, request_id))
        )

    async def set_card(
        self, request_id: int, channel_id: int | None, message_id: int | None
    ) -> None:
        await self._db.write(
            _statement(
                "UPDATE consultations SET card_channel_id = ?, card_message_id = ? WHERE id = ?",
                (channel_id, message_id, request_id),
            )
        )

    async def release(
        self,
        guild_id: int,
        request_id: int,
        actor_id: int,
        now: dt.datetime,
        *,
        override: bool = False,
    ) -> Consultation:
        """Put a claimed request back in the queue at its original place.

        Only the claimer may release, unless ``override`` (an admin, or a claimer who has left
        or lost the staff role).
        """
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            row = _load_claimed_for(
                c, guild_id, request_id, actor_id, override=override, action="release"
            )
            c.execute(
                "UPDATE consultations SET status = 'open', claimed_by = NULL, claimed_at = NULL, "
                "last_reminded_at = NULL WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
                (request_id, row["claimed_by"]),
            )
            _event(c, request_id, guild_id, "released", actor_id, stamp)
            return _load(c, request_id)

        row = await self._db.write(work)
        log.info("consultation.released id=%s guild=%s by=%s", request_id, guild_id, actor_id)
        return self._from_row(row)

    async def transfer(
        self,
        guild_id: int,
        request_id: int,
        actor_id: int,
        to_staff_id: int,
        now: dt.datetime,
        *,
        override: bool = False,
    ) -> Consultation:
        """Hand a claimed request to another staff member (claimer, or ``override``)."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            row = _load_claimed_for(
                c, guild_id, request_id, actor_id, override=override, action="transfer"
            )
            if row["claimed_by"] == to_staff_id:
                raise AlreadyHoldsError(row["number"], to_staff_id)
            if row["member_id"] == to_staff_id:
                raise UserFacingError("A request can't be transferred to the member who opened it.")
            c.execute(
                "UPDATE consultations SET claimed_by = ?, claimed_at = ? "
                "WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
                (to_staff_id, stamp, request_id, row["claimed_by"]),
            )
            _event(c, request_id, guild_id, "transferred", to_staff_id, stamp)
            return _load(c, request_id)

        row = await self._db.write(work)
        log.info(
            "consultation.transferred id=%s guild=%s by=%s to=%s",
            request_id,
            guild_id,
            actor_id,
            to_staff_id,
        )
        return self._from_row(row)

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

    # ------------------------------------------------------------------ things that happen to us

    async def member_left(self, guild_id: int, user_id: int, now: dt.datetime) -> MemberLeft:
        """Someone left the server: mark their own request, release any they had claimed."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
            own = c.execute(
                "SELECT id FROM consultations WHERE guild_id = ? AND member_id = ? "
                "AND status IN ('open', 'claimed') AND member_left_at IS NULL",
                (guild_id, user_id),
            ).fetchall()
            for row in own:
                c.execute(
                    "UPDATE consultations SET member_left_at = ? WHERE id = ?", (stamp, row["id"])
                )
                _event(c, row["id"], guild_id, "member_left", user_id, stamp)
            claimed = _release_claims(c, guild_id, user_id, stamp)
            return [_load(c, int(row["id"])) for row in own], [_load(c, i) for i in claimed]

        own, claimed = await self._db.write(work)
        marked = [self._from_row(row) for row in own]
        released = [self._from_row(row) for row in claimed]
        if marked or released:
            log.info(
                "consultation.member_left guild=%s user=%s marked=%d released=%d",
                guild_id,
                user_id,
                len(marked),
                len(released),
            )
        return MemberLeft(tuple(marked), tuple(released))

    async def release_claims_of(
        self, user_id: int, guild_id: int | None, now: dt.datetime
    ) -> tuple[Consultation, ...]:
        """Put every request ``user_id`` has claimed back in the queue, in its original place
        (in one server, or in all with ``guild_id`` None): used before a staff member's data is
        erased, so no member is left with a claim that nobody holds."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> list[sqlite3.Row]:
            released: list[int] = []
            for row in c.execute(
                "SELECT DISTINCT guild_id FROM consultations WHERE claimed_by = ? "
                "AND status = 'claimed' AND (? IS NULL OR guild_id = ?)",
                (user_id, guild_id, guild_id),
            ).fetchall():
                released += _release_claims(c, int(row["guild_id"]), user_id, stamp)
            return [_load(c, request_id) for request_id in released]

        rows = await self._db.write(work)
        if rows:
            log.info("consultation.claims_released user=%s count=%d", user_id, len(rows))
        return tuple(self._from_row(row) for row in rows)

    async def member_returned(
        self, guild_id: int, user_id: int, now: dt.datetime
    ) -> Consultation | None:
        """A member who left came back: their still-open request is theirs again.

        Runs on every member join, so the usual case (nobody left anything open) is one read
        and no write transaction at all; the write re-checks inside its transaction."""
        stamp = to_ts(now)
        find = (
            "SELECT id FROM consultations WHERE guild_id = ? AND member_id = ? "
            "AND status IN ('open', 'claimed') AND member_left_at IS NOT NULL"
        )
        if await self._db.read(_first(find, (guild_id, user_id))) is None:
            return None

        def work(c: sqlite3.Connection) -> sqlite3.Row | None:
            row = c.execute(find, (guild_id, user_id)).fetchone()
            if row is None:  # pragma: no cover - another join of the same member came first
                return None
            c.execute("UPDATE consultations SET member_left_at = NULL WHERE id = ?", (row["id"],))
            _event(c, row["id"], guild_id, "member_returned", user_id, stamp)
            return _load(c, int(row["id"]))

        row = await self._db.write(work)
        return None if row is None else self._from_row(row)

    async def thread_gone(self, thread_id: int, now: dt.datetime) -> Consultation | None:
        """The private thread was deleted: close its claimed request (the member can open a new
        one). A released request waiting in the queue just forgets the thread."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row | None:
            row = c.execute(
                "SELECT id, guild_id, status FROM consultations WHERE thread_id = ? "
                "AND status IN ('open', 'claimed')",
                (thread_id,),
            ).fetchone()
            if row is None:
                return None
            if row["status"] == Status.OPEN:
                c.execute("UPDATE consultations SET thread_id = NULL WHERE id = ?", (row["id"],))
                return None
            c.execute(
                "UPDATE consultations SET status = 'closed', closed_at = ?, "
                "close_kind = 'thread_deleted', claimed_by = NULL WHERE id = ?",
                (stamp, row["id"]),
            )
            _event(c, row["id"], row["guild_id"], "thread_deleted", None, stamp)
            return _load(c, int(row["id"]))

        row = await self._db.write(work)
        if row is None:
            return None
        log.warning("consultation.thread_deleted id=%s thread=%s", row["id"], thread_id)
        return self._from_row(row)

    async def card_gone(self, message_id: int, now: dt.datetime) -> Consultation | None:
        """The queue card was deleted. A waiting request is closed (the member can open a new
        one); a claimed one carries on in its thread and just loses its card."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row | None:
            row = c.execute(
                "SELECT id, guild_id, status FROM consultations WHERE card_message_id = ?",
                (message_id,),
            ).fetchone()
            if row is None:
                return None
            if row["status"] == Status.OPEN:
                c.execute(
                    "UPDATE consultations SET status = 'closed', closed_at = ?, "
                    "close_kind = 'card_deleted', card_message_id = NULL WHERE id = ?",
                    (stamp, row["id"]),
                )
                _event(c, row["id"], row["guild_id"], "card_deleted", None, stamp)
            else:
                c.execute(
                    "UPDATE consultations SET card_message_id = NULL, card_channel_id = NULL "
                    "WHERE id = ?",
                    (row["id"],),
                )
            return _load(c, int(row["id"]))

        row = await self._db.write(work)
        if row is None:
            return None
        log.warning("consultation.card_deleted id=%s", row["id"])
        return self._from_row(row)

    # ------------------------------------------------------------------ reminders

    async def due_reminders(
        self, guild_id: int, now: dt.datetime, config: GuildConfig
    ) -> list[Consultation]:
        """Waiting requests whose wait since creation (or the last reminder) passed the
        server's interval: urgent ones sooner."""
        stamp = to_ts(now)
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND status = 'open' "
            "AND member_left_at IS NULL "
            "AND COALESCE(last_reminded_at, created_at) <= ? - (CASE WHEN priority = 0 "
            "THEN ? ELSE ? END) * 60 "
            f"ORDER BY {_ORDER}",
            (guild_id, stamp, config.urgent_reminder_minutes, config.reminder_minutes),
        )
        return [self._from_row(row) for row in rows]

    async def mark_reminded(
        self, requests: Sequence[Consultation], now: dt.datetime
    ) -> list[Consultation]:
        """Record the reminder; returns only those this call marked (never twice per interval)."""
        stamp = to_ts(now)
        wanted = [
            (request, to_ts(request.last_reminded_at) if request.last_reminded_at else None)
            for request in requests
        ]

        def work(c: sqlite3.Connection) -> list[Consultation]:
            marked: list[Consultation] = []
            for request, previous in wanted:
                cursor = c.execute(
                    "UPDATE consultations SET last_reminded_at = ? WHERE id = ? "
                    "AND status = 'open' AND last_reminded_at IS ?",
                    (stamp, request.id, previous),
                )
                if cursor.rowcount == 1:
                    marked.append(request)
            return marked

        return await self._db.write(work)

    async def guilds_with_waiting(self) -> list[int]:
        rows = await self._db.fetchall(
            "SELECT DISTINCT guild_id FROM consultations WHERE status = 'open'"
        )
        return [int(row[0]) for row in rows]

    # ------------------------------------------------------------------ staff notes

    async def add_note(
        self, request_id: int, author_id: int, text: str, now: dt.datetime
    ) -> StaffNote:
        body = sanitise_required(text, STAFF_NOTE)
        encrypted = self._cipher.encrypt(body)
        assert encrypted is not None
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> int | None:
            return c.execute(
                "INSERT INTO consultation_notes (consultation_id, author_id, body, created_at) "
                "VALUES (?, ?, ?, ?)",
                (request_id, author_id, encrypted, stamp),
            ).lastrowid

        note_id = await self._db.write(work)
        assert note_id is not None
        return StaffNote(int(note_id), request_id, author_id, body, from_ts(stamp) or now)

    async def notes(self, request_id: int) -> list[StaffNote]:
        rows = await self._db.fetchall(
            "SELECT id, consultation_id, author_id, body, created_at FROM consultation_notes "
            "WHERE consultation_id = ? ORDER BY id",
            (request_id,),
        )
        return [
            StaffNote(
                row["id"],
                row["consultation_id"],
                row["author_id"],
                self._cipher.decrypt(row["body"]) or "",
                from_ts(row["created_at"]) or dt.datetime.min.replace(tzinfo=dt.UTC),
            )
            for row in rows
        ]

    # ------------------------------------------------------------------ stats

    async def stats(self, guild_id: int, now: dt.datetime, config: GuildConfig) -> QueueStats:
        stamp = to_ts(now)
        since = stamp - STATS_DAYS * 86400
        local = now.astimezone(config.zone())
        midnight = to_ts(local.replace(hour=0, minute=0, second=0, microsecond=0))
        waiting, claimed = await self.counts(guild_id)
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND status = 'closed' "
            "AND closed_at >= ?",
            (guild_id, midnight),
        )
        closed_today = int(row[0]) if row else 0
        claim_waits = await self._db.fetchall(
            "SELECT first_claimed_at - created_at FROM consultations WHERE guild_id = ? "
            "AND first_claimed_at IS NOT NULL AND first_claimed_at >= ?",
            (guild_id, since),
        )
        close_waits = await self._db.fetchall(
            "SELECT closed_at - created_at FROM consultations WHERE guild_id = ? "
            "AND status = 'closed' AND close_kind = 'resolved' AND closed_at >= ?",
            (guild_id, since),
        )
        staff = await self._db.fetchall(
            "SELECT actor_id, SUM(kind IN ('claimed', 'transferred')) AS claims, "
            "SUM(kind = 'closed') AS closes FROM consultation_events "
            "WHERE guild_id = ? AND at >= ? AND actor_id IS NOT NULL "
            "AND kind IN ('claimed', 'transferred', 'closed') "
            "GROUP BY actor_id ORDER BY closes DESC, claims DESC, actor_id LIMIT 10",
            (guild_id, since),
        )
        return QueueStats(
            waiting=waiting,
            claimed=claimed,
            closed_today=closed_today,
            median_wait_to_claim=_median([int(r[0]) for r in claim_waits]),
            median_wait_to_close=_median([int(r[0]) for r in close_waits]),
            per_staff=tuple(
                StaffCount(int(r["actor_id"]), int(r["claims"]), int(r["closes"])) for r in staff
            ),
        )


# --------------------------------------------------------------------------- helpers


# These run on the database thread, inside the one transaction of ``Database.write`` (or the
# one read of ``Database.read``): plain ``sqlite3`` calls, no event loop, no cipher.


def _statement(sql: str, params: Sequence[object]) -> Callable[[sqlite3.Connection], None]:
    """A unit of work of one statement."""

    def work(c: sqlite3.Connection) -> None:
        c.execute(sql, params)

    return work


def _first(
    sql: str, params: Sequence[object]
) -> Callable[[sqlite3.Connection], sqlite3.Row | None]:
    """A read of one row."""

    def work(c: sqlite3.Connection) -> sqlite3.Row | None:
        row: sqlite3.Row | None = c.execute(sql, params).fetchone()
        return row

    return work


def _load(c: sqlite3.Connection, request_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = c.execute(
        f"SELECT {_COLUMNS} FROM consultations WHERE id = ?", (request_id,)
    ).fetchone()
    if row is None:
        raise NotFoundError()
    return row


def _position(c: sqlite3.Connection, row: sqlite3.Row) -> int | None:
    """Place in the waiting queue (1 is next), or None when not waiting."""
    if row["status"] != Status.OPEN:
        return None
    found = c.execute(
        "SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND status = 'open' "
        "AND (priority, created_at, id) < (?, ?, ?)",
        (row["guild_id"], PRIORITY[Urgency(row["urgency"])], row["created_at"], row["id"]),
    ).fetchone()
    return 1 + (int(found[0]) if found else 0)


def _check_cooldown(
    c: sqlite3.Connection, guild_id: int, member_id: int, stamp: int, config: GuildConfig
) -> None:
    if config.cooldown_minutes <= 0:
        return
    row = c.execute(
        "SELECT MAX(closed_at) FROM consultations WHERE guild_id = ? AND member_id = ? "
        "AND close_kind IN ('resolved', 'cancelled')",
        (guild_id, member_id),
    ).fetchone()
    last = row[0] if row else None
    if last is None:
        return
    ready = int(last) + config.cooldown_minutes * 60
    if stamp < ready:
        minutes = max(1, math.ceil((ready - stamp) / 60))
        raise UserFacingError(
            "Your last request was closed just a little while ago, so a new one can be "
            f"opened in {_minutes(minutes)}. If you need to talk to someone right now, "
            "the crisis lines below are free and open any time.",
            show_crisis=True,
        )


def _check_hourly_cap(
    c: sqlite3.Connection, guild_id: int, stamp: int, config: GuildConfig
) -> None:
    since = stamp - 3600
    row = c.execute(
        "SELECT COUNT(*), MIN(created_at) FROM consultations WHERE guild_id = ? AND created_at > ?",
        (guild_id, since),
    ).fetchone()
    count = int(row[0]) if row else 0
    if count >= config.hourly_cap:
        oldest = int(row[1]) if row and row[1] is not None else stamp
        minutes = max(1, math.ceil((oldest + 3600 - stamp) / 60))
        raise UserFacingError(
            "Our staff have a lot of requests this hour, so new ones are paused for about "
            f"{_minutes(minutes)}. Please try again then. If you need to talk to someone "
            "right now, the crisis lines below are free and open any time.",
            show_crisis=True,
        )


def _insert(
    c: sqlite3.Connection,
    guild_id: int,
    member_id: int,
    topic: Topic,
    urgency: Urgency,
    sealed_note: bytes | None,
    sealed_time: bytes | None,
    stamp: int,
) -> int:
    c.execute(
        "INSERT INTO consultation_counters (guild_id, last_number) VALUES (?, 1) "
        "ON CONFLICT (guild_id) DO UPDATE SET last_number = last_number + 1",
        (guild_id,),
    )
    counter = c.execute(
        "SELECT last_number FROM consultation_counters WHERE guild_id = ?", (guild_id,)
    ).fetchone()
    assert counter is not None
    cursor = c.execute(
        "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, priority, "
        "status, note, preferred_time, created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
        (
            guild_id,
            int(counter[0]),
            member_id,
            topic.value,
            urgency.value,
            PRIORITY[urgency],
            sealed_note,
            sealed_time,
            stamp,
        ),
    )
    request_id = cursor.lastrowid
    assert request_id is not None
    _event(c, request_id, guild_id, "created", member_id, stamp)
    return int(request_id)


def _load_claimed_for(
    c: sqlite3.Connection,
    guild_id: int,
    request_id: int,
    actor_id: int,
    *,
    override: bool,
    action: str,
) -> sqlite3.Row:
    """A claimed request in this server that ``actor_id`` may hand on: its claimer, or
    anyone with ``override`` (an admin, or when the claimer has left or lost the role)."""
    row = _load(c, request_id)
    if row["guild_id"] != guild_id:
        raise NotFoundError()
    if row["status"] != Status.CLAIMED:
        raise _not_claimed(row)
    if row["claimed_by"] != actor_id and not override:
        raise NotTheClaimerError(row["number"], row["claimed_by"], action)
    return row


def _release_claims(c: sqlite3.Connection, guild_id: int, staff_id: int, stamp: int) -> list[int]:
    """Put the requests ``staff_id`` holds in ``guild_id`` back in the queue."""
    claimed = c.execute(
        "SELECT id FROM consultations WHERE guild_id = ? AND claimed_by = ? AND status = 'claimed'",
        (guild_id, staff_id),
    ).fetchall()
    for row in claimed:
        c.execute(
            "UPDATE consultations SET status = 'open', claimed_by = NULL, "
            "claimed_at = NULL, last_reminded_at = NULL WHERE id = ?",
            (row["id"],),
        )
        _event(c, row["id"], guild_id, "released", staff_id, stamp)
    return [int(row["id"]) for row in claimed]


def _event(
    c: sqlite3.Connection,
    request_id: int,
    guild_id: int,
    kind: str,
    actor_id: int | None,
    stamp: int,
) -> None:
    c.execute(
        "INSERT INTO consultation_events (consultation_id, guild_id, kind, actor_id, at) "
        "VALUES (?, ?, ?, ?, ?)",
        (request_id, guild_id, kind, actor_id, stamp),
    )


def _median(values: list[int]) -> dt.timedelta | None:
    if not values:
        return None
    return dt.timedelta(seconds=round(statistics.median(values)))


def _minutes(count: int) -> str:
    if count >= 120:
        hours = math.ceil(count / 60)
        return f"about {hours} hours"
    return "1 minute" if count == 1 else f"{count} minutes"


def _not_open(row: sqlite3.Row, *, action: str = "claimed") -> NoLongerOpenError:
    number = row["number"]
    status = Status(row["status"])
    if status is Status.CANCELLED:
        return NoLongerOpenError(
            f"Request #{number} was cancelled by the member, so it can't be {action}."
        )
    if status is Status.CLOSED:
        return NoLongerOpenError(f"Request #{number} is already closed.")
    return NoLongerOpenError(f"Request #{number} can't be {action} right now.")


def _not_claimed(row: sqlite3.Row) -> NoLongerOpenError:
    status = Status(row["status"])
    if status is Status.OPEN:
        return NoLongerOpenError(f"Request #{row['number']} isn't claimed by anyone yet.")
    return _not_open(row, action="changed")
