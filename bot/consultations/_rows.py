"""The service's SQL helpers, run on the database thread."""

from __future__ import annotations

import datetime as dt
import logging
import math
import sqlite3
import statistics
from collections.abc import Callable, Sequence

from bot.consultations.routing import (
    DEFAULT_TYPE_NAME,
    Coverage,
    NotYourTypeError,
    TypeGoneError,
)
from bot.consultations.values import (
    PRIORITY,
    NoLongerOpenError,
    NotFoundError,
    NotOnCallError,
    NotTheClaimerError,
    OverCapError,
    Status,
    Topic,
    Urgency,
)
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig

# The package's one logger (as in the service), for the refusals logged on the database thread.
log = logging.getLogger("bot.consultations")

# Mutation testing (scripts/mutate): mutants that only change the case of the SQL below (its
# keywords, table and column names) or of a ``row["…"]`` key are equivalent: SQLite's keywords
# and identifiers and ``sqlite3.Row``'s keys ignore case. A quoted value such as 'open' does
# not, and those mutants are killed. The ``or …`` after ``from_ts``/``decrypt`` of a NOT NULL
# column only narrows the type for mypy; it cannot be reached (see CONTRIBUTING.md).
_COLUMNS = (
    "id, guild_id, number, member_id, topic, urgency, status, note, preferred_time, created_at, "
    "claimed_by, claimed_at, first_claimed_at, thread_id, card_channel_id, card_message_id, "
    "problem, member_left_at, last_reminded_at, closed_at, closed_by, close_kind, close_reason, "
    "opening_message_id, type_id, outcome, member_last_at, staff_last_at, awaiting_staff_since, "
    "nudged_at, on_hold_since, quiet_from, closed_by_bot, "
    # opened by DM (``bot.consultations.dm``; NULL: not), 1 when under an alias: a key probe
    "(SELECT pseudonymous FROM consult_dm_links WHERE consultation_id = consultations.id) "
    "AS dm_alias"
)
_ORDER = "priority, created_at, id"


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
    """Place in its type's waiting queue (1 is next), or None when not waiting."""
    if row["status"] != Status.OPEN:
        return None
    found = c.execute(
        "SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND status = 'open' "
        "AND type_id IS ? AND (priority, created_at, id) < (?, ?, ?)",
        (
            row["guild_id"],
            row["type_id"],
            PRIORITY[Urgency(row["urgency"])],
            row["created_at"],
            row["id"],
        ),
    ).fetchone()
    return 1 + (int(found[0]) if found else 0)


def _check_cooldown(
    c: sqlite3.Connection, guild_id: int, member_id: int, stamp: int, config: GuildConfig
) -> None:
    if config.cooldown_minutes <= 0:
        return
    row = c.execute(
        "SELECT MAX(closed_at) FROM consultations WHERE guild_id = ? AND member_id = ? "
        "AND close_kind IN ('resolved', 'cancelled') AND closed_by_bot = 0",
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
    type_id: int | None = None,
) -> int:
    """A new open request, numbered next in its server; ``type_id`` must be one of the
    server's own types (``TypeGoneError`` otherwise: removed since, or forged)."""
    if (
        type_id is not None
        and not c.execute(
            "SELECT 1 FROM consult_types WHERE id = ? AND guild_id = ?", (type_id, guild_id)
        ).fetchone()
    ):
        raise TypeGoneError()
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
        "status, note, preferred_time, created_at, type_id) "
        "VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?)",
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
            type_id,
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


def _check_covered(c: sqlite3.Connection, row: sqlite3.Row, covers: Coverage | None) -> None:
    """Refuse a claim of the request in ``row`` by staff whose roles don't cover its type
    (``covers`` None: no restriction). The refusal names the type."""
    if covers is None or covers.covers(row["type_id"]):
        return
    named = c.execute("SELECT name FROM consult_types WHERE id = ?", (row["type_id"],)).fetchone()
    log.info("consultation.claim_refused_type id=%s type=%s", row["id"], row["type_id"])
    raise NotYourTypeError(int(row["number"]), named[0] if named else DEFAULT_TYPE_NAME)


def _open_claims(c: sqlite3.Connection, guild_id: int, staff_id: int) -> int:
    """How many requests ``staff_id`` holds claimed in ``guild_id`` now (the load cap's count)."""
    row = c.execute(
        "SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND claimed_by = ? "
        "AND status = 'claimed'",
        (guild_id, staff_id),
    ).fetchone()
    return int(row[0]) if row else 0


def _is_on_call(c: sqlite3.Connection, guild_id: int, staff_id: int) -> bool:
    found = c.execute(
        "SELECT 1 FROM oncall WHERE guild_id = ? AND staff_id = ?", (guild_id, staff_id)
    ).fetchone()
    return found is not None


def _check_load(
    c: sqlite3.Connection,
    row: sqlite3.Row,
    staff_id: int,
    *,
    cap: int | None,
    require_oncall: bool = False,
    transfer: bool = False,
) -> None:
    """Refuse ``staff_id`` taking the request in ``row`` (a claim, or a transfer to them) when
    the server needs them on call and they are not, or they already hold ``cap`` claimed
    requests there. Runs inside the claim's (or transfer's) own transaction."""
    guild_id = int(row["guild_id"])
    if require_oncall and not _is_on_call(c, guild_id, staff_id):
        log.info(
            "consultation.claim_refused_oncall id=%s guild=%s staff=%s",
            row["id"],
            guild_id,
            staff_id,
        )
        raise NotOnCallError()
    if cap is None:
        return
    held = _open_claims(c, guild_id, staff_id)
    if held >= cap:
        log.info(
            "consultation.claim_refused_cap id=%s guild=%s staff=%s count=%d cap=%d transfer=%s",
            row["id"],
            guild_id,
            staff_id,
            held,
            cap,
            transfer,
        )
        raise OverCapError(staff_id, held, cap, transfer=transfer)


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
