"""The consultation blocklist: a staff lead pauses a member's routine requests in one server.

Domain only (no ``discord`` import): ids, values and the current time in, dataclasses out.
One row per member per server (``UNIQUE (guild_id, member_id)``): a new block replaces the old
one, whether it was still running or had ended. A block with an expiry stops counting at that
instant (``now >= expires_at``); one without lasts until a staff lead removes it. The reason is
typed text, so it passes ``bot.text.sanitise`` first and is stored encrypted.

A block only ever pauses *routine* requests: ``ConsultationService.create`` checks it inside
its own transaction (``active_block_row``) and never for an urgent request, which always
reaches staff.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass

from bot.consultations.values import TextCipher, from_ts, to_ts
from bot.db import Database
from bot.errors import UserFacingError
from bot.text import TextField, sanitise

log = logging.getLogger(__name__)

BLOCK_REASON_LIMIT = 300
BLOCK_REASON = TextField("reason", BLOCK_REASON_LIMIT)
"""The staff lead's optional reason: sanitised, then encrypted; shown to staff leads only."""

MAX_BLOCK_DAYS = 3650
"""The longest expiry a block can be given, in days (about ten years)."""

_COLUMNS = "id, guild_id, member_id, blocked_by, reason, created_at, expires_at"
_ACTIVE = "(expires_at IS NULL OR expires_at > ?)"


@dataclass(frozen=True)
class ConsultBlock:
    id: int
    guild_id: int
    member_id: int
    blocked_by: int
    """The staff lead who added it; 0 once they erased their own data."""
    created_at: dt.datetime
    expires_at: dt.datetime | None
    """When it stops counting; None: until a staff lead removes it."""
    reason: str | None = None

    def active(self, now: dt.datetime) -> bool:
        return self.expires_at is None or now < self.expires_at


@dataclass(frozen=True)
class BlockAdded:
    block: ConsultBlock
    replaced: ConsultBlock | None
    """The block that was still running and this one replaced (None: there was none)."""


@dataclass(frozen=True)
class BlockPage:
    blocks: tuple[ConsultBlock, ...]
    total: int
    """Blocks running in the server."""
    page: int
    """This page, from 0."""
    pages: int


class RequestsPausedError(UserFacingError):
    """A routine request from a member whose requests are paused in this server.

    The consultation cog answers it with its own warm reply (an urgent button and the crisis
    lines); this message, with ``show_crisis``, is what any other path shows."""

    def __init__(self, until: dt.datetime | None) -> None:
        super().__init__(
            "Requests to talk with a consultant are paused for you in this server right now. "
            'If you are struggling, an urgent request ("I am struggling right now") still '
            "reaches staff, and the crisis lines below are free and open any time.",
            show_crisis=True,
        )
        self.until = until


def active_block_row(
    c: sqlite3.Connection, guild_id: int, member_id: int, stamp: int
) -> sqlite3.Row | None:
    """The member's running block in this server, read on the database thread (inside the
    caller's transaction)."""
    row: sqlite3.Row | None = c.execute(
        f"SELECT {_COLUMNS} FROM consult_blocks WHERE guild_id = ? AND member_id = ? AND {_ACTIVE}",
        (guild_id, member_id, stamp),
    ).fetchone()
    return row


def block_from_row(row: sqlite3.Row, cipher: TextCipher) -> ConsultBlock:
    """A ``consult_blocks`` row (all of ``_COLUMNS``) as a ``ConsultBlock``."""
    return ConsultBlock(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        member_id=int(row["member_id"]),
        blocked_by=int(row["blocked_by"]),
        created_at=from_ts(row["created_at"]) or dt.datetime.min.replace(tzinfo=dt.UTC),
        expires_at=from_ts(row["expires_at"]),
        reason=cipher.decrypt(row["reason"]),
    )


class ConsultBlockService:
    """Adding, removing and reading blocks."""

    def __init__(self, db: Database, cipher: TextCipher) -> None:
        self._db = db
        self._cipher = cipher

    def _from_row(self, row: sqlite3.Row) -> ConsultBlock:
        return block_from_row(row, self._cipher)

    async def add(
        self,
        *,
        guild_id: int,
        member_id: int,
        blocked_by: int,
        reason: str | None,
        now: dt.datetime,
        expires_at: dt.datetime | None = None,
    ) -> BlockAdded:
        """Block the member's routine requests in this server, replacing any earlier block.

        ``expires_at`` must be in the future (None: until removed); the reason is optional.
        """
        if member_id == blocked_by:
            raise UserFacingError("You can't pause your own consultation requests.")
        stamp = to_ts(now)
        until = None if expires_at is None else to_ts(expires_at)
        if until is not None and until <= stamp:
            raise UserFacingError("The end of a block must be in the future.")
        sealed = self._cipher.encrypt(sanitise(reason, BLOCK_REASON))

        def work(c: sqlite3.Connection) -> tuple[sqlite3.Row, sqlite3.Row | None]:
            previous = active_block_row(c, guild_id, member_id, stamp)
            c.execute(
                "INSERT INTO consult_blocks (guild_id, member_id, blocked_by, reason, created_at, "
                "expires_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, member_id) DO UPDATE "
                "SET blocked_by = excluded.blocked_by, reason = excluded.reason, "
                "created_at = excluded.created_at, expires_at = excluded.expires_at",
                (guild_id, member_id, blocked_by, sealed, stamp, until),
            )
            row: sqlite3.Row = c.execute(
                f"SELECT {_COLUMNS} FROM consult_blocks WHERE guild_id = ? AND member_id = ?",
                (guild_id, member_id),
            ).fetchone()
            return row, previous

        row, previous = await self._db.write(work)
        block = self._from_row(row)
        log.info(
            "consult_block.added id=%s guild=%s member=%s by=%s expires=%s replaced=%s",
            block.id,
            guild_id,
            member_id,
            blocked_by,
            until,
            previous is not None,
        )
        return BlockAdded(block, None if previous is None else self._from_row(previous))

    async def remove(self, guild_id: int, member_id: int, *, by: int) -> ConsultBlock | None:
        """Lift the member's block in this server; the removed block (running or ended), or
        None when there was none."""

        def work(c: sqlite3.Connection) -> sqlite3.Row | None:
            row: sqlite3.Row | None = c.execute(
                f"DELETE FROM consult_blocks WHERE guild_id = ? AND member_id = ? "
                f"RETURNING {_COLUMNS}",
                (guild_id, member_id),
            ).fetchone()
            return row

        row = await self._db.write(work)
        if row is None:
            return None
        log.info(
            "consult_block.removed id=%s guild=%s member=%s by=%s",
            row["id"],
            guild_id,
            member_id,
            by,
        )
        return self._from_row(row)

    async def active_for(
        self, guild_id: int, member_id: int, now: dt.datetime
    ) -> ConsultBlock | None:
        """The member's running block in this server (an ended one does not count)."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM consult_blocks WHERE guild_id = ? AND member_id = ? "
            f"AND {_ACTIVE}",
            (guild_id, member_id, to_ts(now)),
        )
        return None if row is None else self._from_row(row)

    async def listing(self, guild_id: int, now: dt.datetime, *, page: int, size: int) -> BlockPage:
        """One page of the blocks running in this server, oldest first; ``page`` (from 0) is
        clamped to the pages there are. One read."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> tuple[int, int, list[sqlite3.Row]]:
            found = c.execute(
                f"SELECT COUNT(*) FROM consult_blocks WHERE guild_id = ? AND {_ACTIVE}",
                (guild_id, stamp),
            ).fetchone()
            total = int(found[0])
            shown = min(max(page, 0), max(0, -(-total // size) - 1))
            rows = c.execute(
                f"SELECT {_COLUMNS} FROM consult_blocks WHERE guild_id = ? AND {_ACTIVE} "
                "ORDER BY created_at, id LIMIT ? OFFSET ?",
                (guild_id, stamp, size, shown * size),
            ).fetchall()
            return total, shown, rows

        total, shown, rows = await self._db.read(work)
        return BlockPage(
            tuple(self._from_row(row) for row in rows),
            total=total,
            page=shown,
            pages=max(1, -(-total // size)),
        )
