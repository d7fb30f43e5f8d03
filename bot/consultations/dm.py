"""Requests opened by DM ("Send us a secure message", issue 21): the link between a request,
the member's DM channel with the bot and (through ``consultations.thread_id``) the staff thread.

The conversation itself is never stored: the cog relays each message and forgets it. What is
kept is ids and a time (migration 0023), deleted with the request. A member has at most one
open DM request at a time, across servers, so a message they write to the bot has exactly one
place to go.

This module never imports discord.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from bot.consultations.values import Consultation
from bot.db import Database
from bot.errors import UserFacingError
from bot.text import TextField

RELAY_LIMIT = 1800
"""The longest message relayed either way: it fits a Discord message with its heading."""

RELAYED = TextField("message", RELAY_LIMIT, required=True)
"""A message typed for the other side (``/reply``, or a member's DM): the one text boundary."""

REVEAL_REASON = TextField("reason", 300, required=True)
"""Why a staff lead looks behind a request's alias (``/ticket reveal``): shown to the claimer
in the thread, never stored or logged."""

_OPEN_DM_REQUEST = (
    "SELECT l.consultation_id FROM consult_dm_links l JOIN consultations c "
    "ON c.id = l.consultation_id WHERE l.member_id = ? AND c.status IN ('open', 'claimed') "
    "ORDER BY l.consultation_id DESC LIMIT 1"
)


class DmBusyError(UserFacingError):
    """The member already has an open DM request (in another server): one at a time."""

    def __init__(self) -> None:
        super().__init__(
            "You already have a private conversation open with one of our teams. Close it "
            "first (the button under its first message), then start a new one.",
            show_crisis=True,
        )


@dataclass(frozen=True)
class DmLink:
    consultation_id: int
    member_id: int
    dm_channel_id: int
    last_relayed_id: int | None = None


def check_dm_free(c: sqlite3.Connection, member_id: int) -> None:
    """Inside a request's creation: refuse a second open DM request (``DmBusyError``)."""
    if c.execute(_OPEN_DM_REQUEST, (member_id,)).fetchone() is not None:
        raise DmBusyError()


def link_dm(
    c: sqlite3.Connection,
    request_id: int,
    member_id: int,
    dm_channel_id: int,
    stamp: int,
    *,
    pseudonymous: bool = False,
) -> None:
    """Inside a request's creation: mark it as opened by DM, answered in ``dm_channel_id``;
    ``pseudonymous``: staff see its alias instead of the member."""
    c.execute(
        "INSERT INTO consult_dm_links (consultation_id, member_id, dm_channel_id, created_at, "
        "pseudonymous) VALUES (?, ?, ?, ?, ?)",
        (request_id, member_id, dm_channel_id, stamp, int(pseudonymous)),
    )


class DmRequestService:
    """Finding a DM request: the member's open one, or a request's DM channel."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_request_id(self, member_id: int) -> int | None:
        """The member's open or claimed DM request, if any (its id)."""
        row = await self._db.fetchone(_OPEN_DM_REQUEST, (member_id,))
        return None if row is None else int(row[0])

    async def open_request_in(self, dm_channel_id: int) -> int | None:
        """The open or claimed DM request answered in this DM channel, if any (its id)."""
        row = await self._db.fetchone(
            "SELECT l.consultation_id FROM consult_dm_links l JOIN consultations c "
            "ON c.id = l.consultation_id WHERE l.dm_channel_id = ? "
            "AND c.status IN ('open', 'claimed') ORDER BY l.consultation_id DESC LIMIT 1",
            (dm_channel_id,),
        )
        return None if row is None else int(row[0])

    async def mark_relayed(self, request_id: int, message_id: int) -> bool:
        """Record, before sending, that the member's DM ``message_id`` is being passed on;
        False when it (or a later one) already was: a message is never relayed twice, even
        when start-up's catch-up and a live event both see it."""

        def work(c: sqlite3.Connection) -> bool:
            cursor = c.execute(
                "UPDATE consult_dm_links SET last_relayed_id = ? WHERE consultation_id = ? "
                "AND (last_relayed_id IS NULL OR last_relayed_id < ?)",
                (message_id, request_id, message_id),
            )
            return cursor.rowcount == 1

        return await self._db.write(work)

    async def claimed(self) -> list[DmLink]:
        """Every claimed DM request's link (start-up catches up their DMs)."""
        rows = await self._db.fetchall(
            "SELECT l.consultation_id, l.member_id, l.dm_channel_id, l.last_relayed_id "
            "FROM consult_dm_links l JOIN consultations c ON c.id = l.consultation_id "
            "WHERE c.status = 'claimed' ORDER BY l.consultation_id"
        )
        return [DmLink(int(r[0]), int(r[1]), int(r[2]), r[3]) for r in rows]

    async def link_of(self, consultation: Consultation) -> DmLink | None:
        """Where a DM request is answered; None for a request opened in the server."""
        if not consultation.by_dm:
            return None
        row = await self._db.fetchone(
            "SELECT consultation_id, member_id, dm_channel_id, last_relayed_id "
            "FROM consult_dm_links "
            "WHERE consultation_id = ?",
            (consultation.id,),
        )
        if row is None:
            return None
        return DmLink(int(row[0]), int(row[1]), int(row[2]), row[3])
