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
import sqlite3
from collections.abc import Sequence
from dataclasses import replace

from bot.consultations._rows import (
    _COLUMNS,
    _ORDER,
    _check_cooldown,
    _check_covered,
    _check_hourly_cap,
    _check_load,
    _event,
    _insert,
    _load,
    _load_claimed_for,
    _not_open,
    _position,
)
from bot.consultations.blocks import RequestsPausedError, active_block_row
from bot.consultations.closing import ConsultationClosing
from bot.consultations.dm import check_dm_free, link_dm
from bot.consultations.intake import SealedAnswer, save_answers
from bot.consultations.routing import Coverage
from bot.consultations.values import (
    NEVER_LIMITED,
    NOTE,
    PREFERRED_TIME,
    STAFF_NOTE,
    AlreadyClaimedError,
    AlreadyHoldsError,
    Consultation,
    CreateResult,
    NoLongerOpenError,
    NotFoundError,
    StaffNote,
    Status,
    Topic,
    Urgency,
    from_ts,
    to_ts,
)
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.text import sanitise, sanitise_required

# One logger for the package, under the name it had as one module.
log = logging.getLogger("bot.consultations")


class ConsultationService(ConsultationClosing):
    """All reads and writes of consultation requests."""

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
        type_id: int | None = None,
        answers: Sequence[SealedAnswer] = (),
        dm_channel_id: int | None = None,
        pseudonymous: bool = False,
    ) -> CreateResult:
        """Open a request, or return the member's existing open one (idempotent).

        The per-member cooldown and the per-server hourly cap are checked inside the same
        transaction as the insert, and so is the member's block in this server
        (``bot.consultations.blocks``: ``RequestsPausedError``). An urgent request ("I am
        struggling right now", or the crisis safety net) skips all three: a member who is
        struggling is never told to wait, and abuse is the blocklist's job, not the cap's.
        Refusals carry ``show_crisis=True`` so the reply always includes crisis resources.
        ``dm_channel_id``: opened by DM with the bot, answered there (``bot.consultations.dm``,
        one open DM request per member, checked in the same transaction); ``pseudonymous``:
        staff see its alias instead of the member (``Consultation.alias``).
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
                    block = active_block_row(c, guild_id, member_id, stamp)
                    if block is not None:
                        raise RequestsPausedError(from_ts(block["expires_at"]))
                    _check_cooldown(c, guild_id, member_id, stamp, config)
                    _check_hourly_cap(c, guild_id, stamp, config)
                if dm_channel_id is not None:
                    check_dm_free(c, member_id)
                request_id = _insert(
                    c, guild_id, member_id, topic, urgency, sealed_note, sealed_time, stamp, type_id
                )
                if dm_channel_id is not None:
                    link_dm(
                        c, request_id, member_id, dm_channel_id, stamp, pseudonymous=pseudonymous
                    )
                save_answers(c, request_id, member_id, answers)  # a type's own questions
                created = True
            row = _load(c, request_id)
            return row, created, _position(c, row)

        row, created, position = await self._db.write(work)
        if not created:
            return CreateResult(self._from_row(row), False, position)
        log.info(
            "consultation.created id=%s guild=%s member=%s urgency=%s",
            row["id"],
            guild_id,
            member_id,
            urgency.value,
        )
        # The texts it just sealed are known: they are not decrypted again (~25 µs each).
        made = replace(self._from_row(row, texts=False), note=note, preferred_time=preferred_time)
        return CreateResult(made, True, position)

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
        self,
        guild_id: int,
        request_id: int,
        staff_id: int,
        now: dt.datetime,
        *,
        cap: int | None = None,
        require_oncall: bool = False,
        covers: Coverage | None = None,
    ) -> Consultation:
        """Claim an open request: exactly one caller wins; the rest get a clear refusal. In the
        same transaction: ``covers``, ``cap`` (None for admins) and ``require_oncall``."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            row = _load(c, request_id)
            if row["guild_id"] != guild_id:
                raise NotFoundError()
            _check_covered(c, row, covers)
            if row["member_left_at"] is not None and row["status"] == Status.OPEN:
                raise NoLongerOpenError(
                    f"The member who opened request #{row['number']} has left the server, so "
                    "it can't be claimed. You can close it from its card."
                )
            if row["status"] == Status.OPEN:  # otherwise the update below says what happened
                _check_load(c, row, staff_id, cap=cap, require_oncall=require_oncall)
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

    async def attach_thread(
        self, request_id: int, claimer_id: int, thread_id: int
    ) -> Consultation | None:
        """Record the private thread if the request is still claimed by the same person: the
        request as saved (read in the same trip), else None. A released request keeps its
        thread, for whoever claims it next; ``set_opening_message`` adds the opening (0 now)."""

        def work(c: sqlite3.Connection) -> sqlite3.Row | None:
            cursor = c.execute(
                "UPDATE consultations SET thread_id = ?, opening_message_id = 0, problem = NULL "
                "WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
                (thread_id, request_id, claimer_id),
            )
            return _load(c, request_id) if cursor.rowcount == 1 else None

        found = await self._db.write(work)
        return None if found is None else self._from_row(found)

    async def set_opening_message(self, request_id: int, thread_id: int, message_id: int) -> bool:
        """Record my opening message in the request's thread (it quotes the member's note, so
        an erasure edits it), if the request still has that thread; False if it has not."""

        def work(c: sqlite3.Connection) -> bool:
            cursor = c.execute(
                "UPDATE consultations SET opening_message_id = ? WHERE id = ? AND thread_id = ?",
                (message_id, request_id, thread_id),
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

    async def set_card(
        self, request_id: int, channel_id: int | None, message_id: int | None
    ) -> Consultation:
        """Record the request's staff card; the request as saved (read in the same trip)."""

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            c.execute(
                "UPDATE consultations SET card_channel_id = ?, card_message_id = ? WHERE id = ?",
                (channel_id, message_id, request_id),
            )
            return _load(c, request_id)

        return self._from_row(await self._db.write(work))

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
        cap: int | None = None,
    ) -> Consultation:
        """Hand a claimed request to another staff member (claimer, or ``override``), within
        the receiver's ``cap`` (None when an admin hands it on or receives it)."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            row = _load_claimed_for(
                c, guild_id, request_id, actor_id, override=override, action="transfer"
            )
            if row["claimed_by"] == to_staff_id:
                raise AlreadyHoldsError(row["number"], to_staff_id)
            if row["member_id"] == to_staff_id:
                raise UserFacingError("A request can't be transferred to the member who opened it.")
            _check_load(c, row, to_staff_id, cap=cap, transfer=True)
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

    # ------------------------------------------------------------------ reminders

    async def due_reminders(
        self, guild_id: int, now: dt.datetime, config: GuildConfig
    ) -> list[Consultation]:
        """Waiting requests whose wait since creation (or the last reminder) passed the
        server's interval: urgent ones sooner."""
        stamp = to_ts(now)
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND status = 'open' "
            "AND member_left_at IS NULL AND id NOT IN (SELECT consultation_id FROM "
            "consult_holds WHERE released_at IS NULL) "
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
