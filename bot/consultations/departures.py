"""Things that happen to a request from outside: its member leaves or returns, its thread or
card is deleted."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

from bot.consultations._rows import (
    _event,
    _first,
    _load,
    _release_claims,
    _statement,
)
from bot.consultations.queries import ConsultationQueries
from bot.consultations.values import (
    Consultation,
    MemberLeft,
    Status,
    to_ts,
)

# One logger for the package, under the name it had as one module.
log = logging.getLogger("bot.consultations")


class ConsultationDepartures(ConsultationQueries):
    """Requests changed by a member leaving or returning, or a thread or card deleted."""

    # ------------------------------------------------------------------ things that happen to us

    async def member_left(self, guild_id: int, user_id: int, now: dt.datetime) -> MemberLeft:
        """Someone left the server: mark their own request, release any they had claimed, and
        take them off call there."""
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
            off_call = c.execute(
                "DELETE FROM oncall WHERE guild_id = ? AND staff_id = ?", (guild_id, user_id)
            ).rowcount
            if off_call:
                log.info("oncall.off guild=%s staff=%s reason=left", guild_id, user_id)
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
                c.execute(
                    "UPDATE consultations SET thread_id = NULL, opening_message_id = NULL "
                    "WHERE id = ?",
                    (row["id"],),
                )
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

    # ------------------------------------------------------------------ what is left of them

    async def forget_thread(self, request_id: int, thread_id: int) -> None:
        """The recorded thread no longer exists (or can't be used); a new one will be made."""
        await self._db.write(
            _statement(
                "UPDATE consultations SET thread_id = NULL, opening_message_id = NULL "
                "WHERE id = ? AND thread_id = ?",
                (request_id, thread_id),
            )
        )

    async def set_problem(self, request_id: int, problem: str | None) -> None:
        await self._db.write(
            _statement("UPDATE consultations SET problem = ? WHERE id = ?", (problem, request_id))
        )
