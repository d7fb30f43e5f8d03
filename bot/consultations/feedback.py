"""The member's feedback after a conversation: "How did this go?", a rating from 1 to 5 and an
optional short comment (encrypted), which the member lets either their consultant and the
staff leads, or only the leads, read.

The question is written in the transaction that closes a request someone was with (a staff
close of a claimed request, or the member's own "Close my request"; never a cancel of a
waiting request, nor a request its member left), so there is at most one per request (the
table's primary key). It can be answered once, within ``FEEDBACK_DAYS`` of the close: from
then on the answer is a kind "this has closed". Ratings are shown only as averages per type,
and per staff member to the leads; comments only in ``/queue feedback``.

This module never imports discord.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from bot.consultations.queries import _scope
from bot.consultations.routing import Coverage
from bot.consultations.values import NotFoundError, TextCipher, from_ts, to_ts
from bot.db import Database
from bot.errors import UserFacingError
from bot.text import TextField, sanitise_required

log = logging.getLogger("bot.consultations")

FEEDBACK_DAYS = 7
"""How long after the close the member can answer (rate, then comment)."""
COMMENT_LIMIT = 500
COMMENT = TextField("comment", COMMENT_LIMIT, required=True)
FEEDBACK_STATS_DAYS = 30
"""The period ``/queue stats`` averages ratings over (by when they were given)."""
RATINGS = range(1, 6)
COMMENTS_SHOWN = 10
"""The most comments ``/queue feedback`` lists (newest first)."""


class Audience(StrEnum):
    """Who the member lets read their comment (the staff leads always can)."""

    CONSULTANT = "consultant"
    LEADS = "leads"


class FeedbackClosedError(UserFacingError):
    """The question is past its ``FEEDBACK_DAYS``."""

    def __init__(self) -> None:
        super().__init__(
            f"Thank you for coming back to this. The question stays open for {FEEDBACK_DAYS} "
            "days after a request closes, and that time has passed, so there is nothing to "
            "answer now. Whenever you'd like to talk again, `/consult` is there."
        )


class AlreadyAnsweredError(UserFacingError):
    """A second rating, or a second comment, on the same request."""


@dataclass(frozen=True)
class Ask:
    """The question about one request, and how far the member has answered it."""

    request_id: int
    guild_id: int
    number: int
    member_id: int
    staff_id: int | None
    """Whoever held the request when it closed; None once they erased their data."""
    asked_at: dt.datetime
    rating: int | None = None
    audience: Audience | None = None
    commented: bool = False

    @property
    def closes_at(self) -> dt.datetime:
        """The first instant it can no longer be answered."""
        return self.asked_at + dt.timedelta(days=FEEDBACK_DAYS)

    def is_open(self, now: dt.datetime) -> bool:
        return now < self.closes_at


@dataclass(frozen=True)
class Average:
    """Ratings given in the period: how many, and their mean."""

    key: int | None
    """A type id (None: the server's default type) or a staff member's id."""
    count: int
    mean: float


@dataclass(frozen=True)
class FeedbackStats:
    days: int
    per_type: tuple[Average, ...]
    per_staff: tuple[Average, ...] | None
    """None when the reader may not see figures per person (not a staff lead)."""

    @property
    def count(self) -> int:
        return sum(average.count for average in self.per_type)


@dataclass(frozen=True)
class Comment:
    request_id: int
    number: int
    staff_id: int | None
    rating: int
    audience: Audience
    text: str
    written_at: dt.datetime


# --------------------------------------------------------------------------- the database thread

_ASK = (
    "SELECT f.consultation_id, f.guild_id, c.number, f.member_id, f.staff_id, f.asked_at, "
    "f.rating, f.audience, f.commented_at FROM consultation_feedback f "
    "JOIN consultations c ON c.id = f.consultation_id WHERE f.consultation_id = ?"
)


def ask_for_feedback(c: sqlite3.Connection, row: sqlite3.Row, stamp: int) -> None:
    """Inside a close's transaction: ask the member, when someone was with them (``row`` is the
    request as it was before the close) and they are still in the server; at most once."""
    if row["status"] != "claimed" or row["member_left_at"] is not None:
        return
    c.execute(
        "INSERT INTO consultation_feedback (consultation_id, guild_id, member_id, staff_id, "
        "asked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (consultation_id) DO NOTHING",
        (row["id"], row["guild_id"], row["member_id"], row["claimed_by"], stamp),
    )


def _ask_of(row: sqlite3.Row) -> Ask:
    return Ask(
        request_id=int(row["consultation_id"]),
        guild_id=int(row["guild_id"]),
        number=int(row["number"]),
        member_id=int(row["member_id"]),
        staff_id=int(row["staff_id"]) or None,
        asked_at=from_ts(row["asked_at"]) or dt.datetime.min.replace(tzinfo=dt.UTC),
        rating=row["rating"],
        audience=Audience(row["audience"]) if row["audience"] else None,
        commented=row["commented_at"] is not None,
    )


def _open_ask(c: sqlite3.Connection, request_id: int, member_id: int, stamp: int) -> Ask:
    """The member's own question, still open; ``NotFoundError`` (out of date) for anyone
    else's or none, ``FeedbackClosedError`` once its days are over."""
    row = c.execute(_ASK, (request_id,)).fetchone()
    if row is None or row["member_id"] != member_id:
        raise NotFoundError()
    ask = _ask_of(row)
    if stamp >= to_ts(ask.closes_at):
        raise FeedbackClosedError()
    return ask


def _averages(rows: list[sqlite3.Row]) -> tuple[Average, ...]:
    return tuple(Average(row[0], int(row[1]), float(row[2])) for row in rows)


# --------------------------------------------------------------------------- the service


class FeedbackService:
    """The question after a close, the member's answers, and what staff may read of them."""

    def __init__(self, db: Database, cipher: TextCipher) -> None:
        self._db = db
        self._cipher = cipher

    async def asked(self, request_id: int) -> Ask | None:
        """The question about this request, if one was asked (the close wrote it)."""
        row = await self._db.fetchone(_ASK, (request_id,))
        return None if row is None else _ask_of(row)

    async def rate(self, request_id: int, member_id: int, rating: int, now: dt.datetime) -> Ask:
        """The member's rating, once (``AlreadyAnsweredError`` for a second one)."""
        if rating not in RATINGS:
            raise NotFoundError()
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> Ask:
            ask = _open_ask(c, request_id, member_id, stamp)
            cursor = c.execute(
                "UPDATE consultation_feedback SET rating = ?, rated_at = ? "
                "WHERE consultation_id = ? AND rating IS NULL",
                (rating, stamp, request_id),
            )
            if cursor.rowcount != 1:
                raise AlreadyAnsweredError(
                    f"You've already told us how request #{ask.number} went. Thank you."
                )
            return _ask_of(c.execute(_ASK, (request_id,)).fetchone())

        ask = await self._db.write(work)
        log.info("feedback.rated id=%s guild=%s", request_id, ask.guild_id)
        return ask

    async def commentable(self, request_id: int, member_id: int, now: dt.datetime) -> Ask:
        """The member's question, rated, still open and without a comment (before the form)."""
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> Ask:
            ask = _open_ask(c, request_id, member_id, stamp)
            _check_commentable(ask)
            return ask

        return await self._db.read(work)

    async def comment(
        self,
        request_id: int,
        member_id: int,
        text: str | None,
        audience: Audience,
        now: dt.datetime,
    ) -> Ask:
        """The member's comment (sanitised, encrypted), once, after their rating."""
        sealed = self._cipher.encrypt(sanitise_required(text, COMMENT))
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> Ask:
            _check_commentable(_open_ask(c, request_id, member_id, stamp))
            c.execute(
                "UPDATE consultation_feedback SET comment = ?, audience = ?, commented_at = ? "
                "WHERE consultation_id = ? AND rating IS NOT NULL AND commented_at IS NULL",
                (sealed, audience.value, stamp, request_id),
            )
            return _ask_of(c.execute(_ASK, (request_id,)).fetchone())

        ask = await self._db.write(work)
        log.info("feedback.commented id=%s guild=%s", request_id, ask.guild_id)
        return ask

    async def stats(
        self,
        guild_id: int,
        now: dt.datetime,
        covers: Coverage | None = None,
        *,
        per_staff: bool,
    ) -> FeedbackStats:
        """Ratings given in the last ``FEEDBACK_STATS_DAYS`` days, per type, and per staff
        member only when ``per_staff`` (a staff lead reads them), among the types ``covers``
        reaches."""
        where, ids = _scope(covers)
        since = to_ts(now) - FEEDBACK_STATS_DAYS * 86400
        base = (
            "FROM consultation_feedback f JOIN consultations c ON c.id = f.consultation_id "
            f"WHERE f.guild_id = ? AND f.rating IS NOT NULL AND f.rated_at >= ?{where} "
        )

        def work(c: sqlite3.Connection) -> tuple[list[sqlite3.Row], list[sqlite3.Row] | None]:
            types = c.execute(
                f"SELECT c.type_id, COUNT(*), AVG(f.rating) {base}"
                "GROUP BY c.type_id ORDER BY COUNT(*) DESC, c.type_id",
                (guild_id, since, *ids),
            ).fetchall()
            if not per_staff:
                return types, None
            staff = c.execute(
                f"SELECT f.staff_id, COUNT(*), AVG(f.rating) {base}AND f.staff_id != 0 "
                "GROUP BY f.staff_id ORDER BY COUNT(*) DESC, f.staff_id LIMIT 10",
                (guild_id, since, *ids),
            ).fetchall()
            return types, staff

        types, staff = await self._db.read(work)
        return FeedbackStats(
            FEEDBACK_STATS_DAYS, _averages(types), None if staff is None else _averages(staff)
        )

    async def comments(
        self,
        guild_id: int,
        reader_id: int,
        *,
        lead: bool,
        covers: Coverage | None = None,
        limit: int = COMMENTS_SHOWN,
    ) -> tuple[Comment, ...]:
        """The newest comments a reader may see: a staff lead every one (of the types
        ``covers`` reaches); any other staff member only those the member shared with them
        as the consultant."""
        where, ids = _scope(covers)
        mine = "" if lead else " AND f.audience = 'consultant' AND f.staff_id = ?"
        rows = await self._db.fetchall(
            "SELECT f.consultation_id, c.number, f.staff_id, f.rating, f.audience, f.comment, "
            "f.commented_at FROM consultation_feedback f "
            "JOIN consultations c ON c.id = f.consultation_id "
            f"WHERE f.guild_id = ? AND f.comment IS NOT NULL{mine}{where} "
            "ORDER BY f.commented_at DESC, f.consultation_id DESC LIMIT ?",
            (guild_id, *(() if lead else (reader_id,)), *ids, limit),
        )
        return tuple(
            Comment(
                request_id=int(row["consultation_id"]),
                number=int(row["number"]),
                staff_id=int(row["staff_id"]) or None,
                rating=int(row["rating"]),
                audience=Audience(row["audience"]),
                text=self._cipher.decrypt(row["comment"]) or "",
                written_at=from_ts(row["commented_at"]) or dt.datetime.min.replace(tzinfo=dt.UTC),
            )
            for row in rows
        )


def _check_commentable(ask: Ask) -> None:
    if ask.rating is None:
        raise NotFoundError()  # the comment comes after the rating: a forged button
    if ask.commented:
        raise AlreadyAnsweredError(
            f"You've already left a comment on request #{ask.number}. Thank you for it."
        )
