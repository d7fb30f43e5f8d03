"""Reading consultation requests: one request, the queue, staff notes, the week's stats."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from bot.consultations._rows import (
    _COLUMNS,
    _ORDER,
    _median,
    _position,
)
from bot.consultations.blocks import ConsultBlock, active_block_row, block_from_row
from bot.consultations.outcomes import Outcome
from bot.consultations.routing import Coverage
from bot.consultations.values import (
    PRIORITY,
    STATS_DAYS,
    CloseKind,
    Consultation,
    NotFoundError,
    QueuePage,
    QueueStats,
    StaffCount,
    StaffNote,
    Status,
    TextCipher,
    Topic,
    Urgency,
    from_ts,
    to_ts,
)
from bot.db import Database
from bot.guild_config import GuildConfig

_COUNTS = (
    "SELECT SUM(status = 'open'), SUM(status = 'claimed') FROM consultations "
    "WHERE guild_id = ? AND status IN ('open', 'claimed')"
)
_ACTIVE_FOR_MEMBER = (
    f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND member_id = ? "
    "AND status IN ('open', 'claimed')"
)


@dataclass(frozen=True)
class Asking:
    """What a member who asks to talk meets in a server, read in one trip: their open or
    claimed request (with its place in the queue while it waits) and their running block."""

    current: Consultation | None
    position: int | None
    """``current``'s place in the waiting queue (1 is next); None when it is claimed or there
    is none."""
    block: ConsultBlock | None


def _scope(covers: Coverage | None) -> tuple[str, tuple[int, ...]]:
    """The SQL condition (`` AND …``) and its values for the requests ``covers`` reaches
    (None, or an admin's: every request of the server)."""
    if covers is None or covers.everything:
        return "", ()
    ids = tuple(sorted(covers.type_ids))
    marks = ", ".join("?" for _ in ids)
    either = [f"type_id IN ({marks})"] if ids else []
    if covers.default:
        either.append("type_id IS NULL")
    return f" AND ({' OR '.join(either) or '0'})", ids


class ConsultationQueries:
    """The reads of consultation requests, shared by the service."""

    def __init__(self, db: Database, cipher: TextCipher) -> None:
        self._db = db
        self._cipher = cipher

    # ------------------------------------------------------------------ reading

    def _from_row(self, row: sqlite3.Row, *, texts: bool = True) -> Consultation:
        """A ``consultations`` row as a ``Consultation``; ``texts=False`` leaves the encrypted
        texts (note, preferred time, close reason) undecrypted, as None (``QueuePage``)."""
        close_kind = row["close_kind"]
        decrypt = self._cipher.decrypt if texts else _no_text
        return Consultation(
            id=row["id"],
            guild_id=row["guild_id"],
            number=row["number"],
            member_id=row["member_id"],
            topic=Topic(row["topic"]),
            urgency=Urgency(row["urgency"]),
            status=Status(row["status"]),
            note=decrypt(row["note"]),
            preferred_time=decrypt(row["preferred_time"]),
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
            close_reason=decrypt(row["close_reason"]),
            opening_message_id=row["opening_message_id"],
            type_id=row["type_id"],
            outcome=Outcome(row["outcome"]) if row["outcome"] else None,
            member_last_at=from_ts(row["member_last_at"]),
            staff_last_at=from_ts(row["staff_last_at"]),
            awaiting_staff_since=from_ts(row["awaiting_staff_since"]),
            nudged_at=from_ts(row["nudged_at"]),
            on_hold_since=from_ts(row["on_hold_since"]),
            quiet_from=from_ts(row["quiet_from"]),
            closed_by_bot=bool(row["closed_by_bot"]),
            by_dm=row["dm_alias"] is not None,
            alias=self._cipher.alias(int(row["id"])) if row["dm_alias"] else None,
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
        row = await self._db.fetchone(_ACTIVE_FOR_MEMBER, (guild_id, member_id))
        return None if row is None else self._from_row(row)

    async def asking(self, guild_id: int, member_id: int, now: dt.datetime) -> Asking:
        """The member's open or claimed request here, its place, and their running block
        (``bot.consultations.blocks``), in one read: what ``/consult`` needs before the form."""
        stamp = to_ts(now)

        def work(
            c: sqlite3.Connection,
        ) -> tuple[sqlite3.Row | None, int | None, sqlite3.Row | None]:
            row: sqlite3.Row | None = c.execute(
                _ACTIVE_FOR_MEMBER, (guild_id, member_id)
            ).fetchone()
            position = None if row is None else _position(c, row)
            return row, position, active_block_row(c, guild_id, member_id, stamp)

        row, position, block = await self._db.read(work)
        return Asking(
            None if row is None else self._from_row(row),
            position,
            None if block is None else block_from_row(block, self._cipher),
        )

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
        """Place in its type's waiting queue (1 is next), or None when not waiting."""
        if consultation.status is not Status.OPEN:
            return None
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND status = 'open' "
            "AND type_id IS ? AND (priority, created_at, id) < (?, ?, ?)",
            (
                consultation.guild_id,
                consultation.type_id,
                PRIORITY[consultation.urgency],
                to_ts(consultation.created_at),
                consultation.id,
            ),
        )
        return 1 + (int(row[0]) if row else 0)

    async def waiting(
        self, guild_id: int, *, limit: int, offset: int = 0, covers: Coverage | None = None
    ) -> list[Consultation]:
        """Open, unclaimed requests (of the types ``covers`` reaches): urgent first, then the
        longest waiting."""
        where, ids = _scope(covers)
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND status = 'open'"
            f"{where} ORDER BY {_ORDER} LIMIT ? OFFSET ?",
            (guild_id, *ids, limit, offset),
        )
        return [self._from_row(row) for row in rows]

    async def counts(self, guild_id: int, covers: Coverage | None = None) -> tuple[int, int]:
        """(waiting, claimed) for this server (of the types ``covers`` reaches)."""
        where, ids = _scope(covers)
        return _counted(await self._db.fetchone(_COUNTS + where, (guild_id, *ids)))

    async def queue_page(
        self, guild_id: int, *, page: int, size: int, covers: Coverage | None = None
    ) -> QueuePage:
        """The counts and one page of ``size`` waiting requests (``page`` from 0, clamped to
        the pages there are) of the types ``covers`` reaches, in one read; the requests come
        without their texts."""
        where, ids = _scope(covers)

        def work(c: sqlite3.Connection) -> tuple[tuple[int, int], int, list[sqlite3.Row]]:
            waiting, claimed = _counted(c.execute(_COUNTS + where, (guild_id, *ids)).fetchone())
            shown = min(max(page, 0), max(1, -(-waiting // size)) - 1)
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM consultations WHERE guild_id = ? AND status = 'open'"
                f"{where} ORDER BY {_ORDER} LIMIT ? OFFSET ?",
                (guild_id, *ids, size, shown * size),
            ).fetchall()
            return (waiting, claimed), shown, rows

        (waiting, claimed), shown, rows = await self._db.read(work)
        return QueuePage(
            items=tuple(self._from_row(row, texts=False) for row in rows),
            page=shown,
            pages=max(1, -(-waiting // size)),
            waiting=waiting,
            claimed=claimed,
        )

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

    # ------------------------------------------------------------------ staff notes

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

    async def stats(
        self,
        guild_id: int,
        now: dt.datetime,
        config: GuildConfig,
        covers: Coverage | None = None,
    ) -> QueueStats:
        """The queue's numbers, counting only the types ``covers`` reaches (None: all)."""
        stamp = to_ts(now)
        since = stamp - STATS_DAYS * 86400
        local = now.astimezone(config.zone())
        midnight = to_ts(local.replace(hour=0, minute=0, second=0, microsecond=0))
        where, ids = _scope(covers)
        waiting, claimed = await self.counts(guild_id, covers)
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND status = 'closed' "
            f"AND closed_at >= ?{where}",
            (guild_id, midnight, *ids),
        )
        closed_today = int(row[0]) if row else 0
        claim_waits = await self._db.fetchall(
            "SELECT first_claimed_at - created_at FROM consultations WHERE guild_id = ? "
            f"AND first_claimed_at IS NOT NULL AND first_claimed_at >= ?{where}",
            (guild_id, since, *ids),
        )
        close_waits = await self._db.fetchall(
            "SELECT closed_at - created_at FROM consultations WHERE guild_id = ? "
            f"AND status = 'closed' AND close_kind = 'resolved' AND closed_at >= ?{where}",
            (guild_id, since, *ids),
        )
        scoped = (
            f"AND consultation_id IN (SELECT id FROM consultations WHERE guild_id = ?{where}) "
            if where
            else ""
        )
        staff = await self._db.fetchall(
            "SELECT actor_id, SUM(kind IN ('claimed', 'transferred')) AS claims, "
            "SUM(kind = 'closed') AS closes FROM consultation_events "
            "WHERE guild_id = ? AND at >= ? AND actor_id IS NOT NULL "
            f"AND kind IN ('claimed', 'transferred', 'closed') {scoped}"
            "GROUP BY actor_id ORDER BY closes DESC, claims DESC, actor_id LIMIT 10",
            (guild_id, since, *((guild_id, *ids) if where else ())),
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


def _no_text(token: bytes | None) -> None:
    return None


def _counted(row: sqlite3.Row | None) -> tuple[int, int]:
    if row is None:
        return 0, 0
    return int(row[0] or 0), int(row[1] or 0)
