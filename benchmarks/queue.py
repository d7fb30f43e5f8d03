"""Consultation queue throughput and /queue listing time, on a real file-backed database.

Part 1 runs the service (``bot.consultations.ConsultationService`` over aiosqlite: WAL,
``synchronous=FULL``, one ``BEGIN IMMEDIATE`` transaction per operation) through N requests
created, then claimed, then closed, and the same SQL statements with the plain ``sqlite3``
module (same pragmas, same transactions, same reads after each write) in the same run. The
ratio is the cost of the async layer and the service's checks, not of SQLite.

Part 2 fills a table with C closed and O open requests and times what one ``/queue list``
page reads (counts plus the first and the last page of 10), median of several runs.

    python -m benchmarks.queue              # 2,000 ops; 100,000 closed + 1,000 open
    python -m benchmarks.queue --requests 50 --closed 500 --open 30   # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks._common import machine, median, note, print_table, quiet_logs, stopwatch
from bot.consultations import PRIORITY, ConsultationService, Topic, Urgency
from bot.crypto import Cipher, new_key
from bot.db import Database
from bot.guild_config import GuildConfig

GUILD = 1
STAFF = 2
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
CONFIG = GuildConfig(guild_id=GUILD, cooldown_minutes=10, hourly_cap=10**9)


# ----------------------------------------------------------------------------- part 1: ours


async def ours(folder: Path, count: int) -> dict[str, float]:
    db = await Database.open(folder / "ours.db")
    service = ConsultationService(db, Cipher(new_key().encode()))
    seconds: dict[str, float] = {}
    try:
        ids: list[int] = []
        with stopwatch() as elapsed:
            for n in range(count):
                result = await service.create(
                    guild_id=GUILD,
                    member_id=1000 + n,
                    topic=Topic.COPING,
                    urgency=Urgency.ROUTINE,
                    now=T0 + dt.timedelta(seconds=n),
                    config=CONFIG,
                )
                ids.append(result.consultation.id)
        seconds["created"] = elapsed()
        later = T0 + dt.timedelta(hours=2)
        with stopwatch() as elapsed:
            for request_id in ids:
                await service.claim(GUILD, request_id, STAFF, later)
        seconds["claimed"] = elapsed()
        with stopwatch() as elapsed:
            for request_id in ids:
                await service.close(GUILD, request_id, STAFF, "done", later)
        seconds["closed"] = elapsed()
    finally:
        await db.close()
    return seconds


# ----------------------------------------------------------------------------- part 1: plain


def plain_connection(path: Path) -> sqlite3.Connection:
    """The same file set-up as ``Database.open``: migrations, WAL, FULL, foreign keys."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA busy_timeout=5000")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA synchronous=FULL")
    return connection


def _select_row(connection: sqlite3.Connection, request_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = connection.execute(
        "SELECT * FROM consultations WHERE id = ?", (request_id,)
    ).fetchone()
    assert row is not None
    return row


def plain(path: Path, count: int) -> dict[str, float]:
    """What the service does per operation, statement for statement, with ``sqlite3``."""
    connection = plain_connection(path)
    cipher = Cipher(new_key().encode())
    seconds: dict[str, float] = {}
    ids: list[int] = []
    base = int(T0.timestamp())
    with stopwatch() as elapsed:
        for n in range(count):
            stamp, member = base + n, 1000 + n
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "SELECT id FROM consultations WHERE guild_id = ? AND member_id = ? "
                "AND status IN ('open', 'claimed')",
                (GUILD, member),
            ).fetchone()
            connection.execute(
                "SELECT MAX(closed_at) FROM consultations WHERE guild_id = ? AND member_id = ? "
                "AND close_kind IN ('resolved', 'cancelled')",
                (GUILD, member),
            ).fetchone()
            connection.execute(
                "SELECT COUNT(*), MIN(created_at) FROM consultations "
                "WHERE guild_id = ? AND created_at > ?",
                (GUILD, stamp - 3600),
            ).fetchone()
            connection.execute(
                "INSERT INTO consultation_counters (guild_id, last_number) VALUES (?, 1) "
                "ON CONFLICT (guild_id) DO UPDATE SET last_number = last_number + 1",
                (GUILD,),
            )
            number = connection.execute(
                "SELECT last_number FROM consultation_counters WHERE guild_id = ?", (GUILD,)
            ).fetchone()[0]
            cursor = connection.execute(
                "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, "
                "priority, status, note, preferred_time, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
                (
                    GUILD,
                    number,
                    member,
                    "coping",
                    "routine",
                    PRIORITY[Urgency.ROUTINE],
                    None,
                    None,
                    stamp,
                ),
            )
            request_id = int(cursor.lastrowid or 0)
            connection.execute(
                "INSERT INTO consultation_events (consultation_id, guild_id, kind, actor_id, at) "
                "VALUES (?, ?, 'created', ?, ?)",
                (request_id, GUILD, member, stamp),
            )
            connection.execute("COMMIT")
            row = _select_row(connection, request_id)
            cipher.decrypt(row["note"])
            connection.execute(
                "SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND status = 'open' "
                "AND (priority, created_at, id) < (?, ?, ?)",
                (GUILD, row["priority"], row["created_at"], request_id),
            ).fetchone()
            ids.append(request_id)
    seconds["created"] = elapsed()
    later = base + 7200
    with stopwatch() as elapsed:
        for request_id in ids:
            connection.execute("BEGIN IMMEDIATE")
            _select_row(connection, request_id)
            cursor = connection.execute(
                "UPDATE consultations SET status = 'claimed', claimed_by = ?, claimed_at = ?, "
                "first_claimed_at = COALESCE(first_claimed_at, ?), problem = NULL "
                "WHERE id = ? AND status = 'open' AND claimed_by IS NULL",
                (STAFF, later, later, request_id),
            )
            assert cursor.rowcount == 1
            connection.execute(
                "INSERT INTO consultation_events (consultation_id, guild_id, kind, actor_id, at) "
                "VALUES (?, ?, 'claimed', ?, ?)",
                (request_id, GUILD, STAFF, later),
            )
            connection.execute("COMMIT")
            _select_row(connection, request_id)
    seconds["claimed"] = elapsed()
    with stopwatch() as elapsed:
        for request_id in ids:
            connection.execute("BEGIN IMMEDIATE")
            _select_row(connection, request_id)
            connection.execute(
                "UPDATE consultations SET status = 'closed', closed_at = ?, closed_by = ?, "
                "close_kind = 'resolved', close_reason = ?, claimed_by = NULL "
                "WHERE id = ? AND status IN ('open', 'claimed')",
                (later, STAFF, cipher.encrypt("done"), request_id),
            )
            connection.execute(
                "INSERT INTO consultation_events (consultation_id, guild_id, kind, actor_id, at) "
                "VALUES (?, ?, 'closed', ?, ?)",
                (request_id, GUILD, STAFF, later),
            )
            connection.execute("COMMIT")
            _select_row(connection, request_id)
    seconds["closed"] = elapsed()
    connection.close()
    return seconds


async def migrated_file(path: Path) -> None:
    """An empty database with our schema (the plain run uses the same tables and indexes)."""
    db = await Database.open(path)
    await db.close()


# ----------------------------------------------------------------------------- part 2: listing


def fill(path: Path, closed: int, waiting: int) -> None:
    connection = plain_connection(path)
    base = int(T0.timestamp())
    rows = []
    for n in range(closed + waiting):
        is_open = n >= closed
        urgency = (Urgency.URGENT, Urgency.SOON, Urgency.ROUTINE)[n % 3]
        rows.append(
            (
                GUILD,
                n + 1,
                10_000 + n,
                "other",
                urgency.value,
                PRIORITY[urgency],
                "open" if is_open else "closed",
                base + n,
                None if is_open else base + n + 600,
                None if is_open else "resolved",
            )
        )
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, priority, "
        "status, created_at, closed_at, close_kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.execute(
        "INSERT INTO consultation_counters (guild_id, last_number) VALUES (?, ?)",
        (GUILD, closed + waiting),
    )
    connection.execute("COMMIT")
    connection.execute("ANALYZE")
    connection.close()


async def listing(path: Path, waiting: int, runs: int) -> dict[str, float]:
    db = await Database.open(path)
    service = ConsultationService(db, Cipher(new_key().encode()))
    last_page = max(0, (waiting - 1) // 10)
    timings: dict[str, list[float]] = {"first page": [], "last page": []}
    try:
        for _ in range(runs):
            for label, page in (("first page", 0), ("last page", last_page)):
                with stopwatch() as elapsed:
                    await service.counts(GUILD)
                    await service.waiting(GUILD, limit=10, offset=page * 10)
                timings[label].append(elapsed())
    finally:
        await db.close()
    return {label: median(values) for label, values in timings.items()}


# ----------------------------------------------------------------------------- report


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}" if seconds > 0 else "∞"


async def run(count: int, closed: int, waiting: int, runs: int, folder: Path) -> None:
    await migrated_file(folder / "plain.db")
    mine = await ours(folder, count)
    baseline = plain(folder / "plain.db", count)
    rows = []
    for phase in ("created", "claimed", "closed"):
        ratio = mine[phase] / baseline[phase] if baseline[phase] else float("nan")
        rows.append(
            [
                phase,
                _rate(count, mine[phase]),
                _rate(count, baseline[phase]),
                f"{ratio:.1f}×",
            ]
        )
    print_table(
        f"Requests per second ({count:,} each, one transaction per operation, WAL + FULL)",
        ["operation", "ours (aiosqlite service)", "plain sqlite3, same SQL", "ours / plain time"],
        rows,
    )
    await migrated_file(folder / "listing.db")
    fill(folder / "listing.db", closed, waiting)
    times = await listing(folder / "listing.db", waiting, runs)
    print_table(
        f"/queue list reads with {closed:,} closed and {waiting:,} open requests "
        f"(median of {runs})",
        ["page", "milliseconds"],
        [[label, f"{seconds * 1000:.2f}"] for label, seconds in times.items()],
    )
    note(machine())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--requests", type=int, default=2000, help="requests created/claimed/closed"
    )
    parser.add_argument("--closed", type=int, default=100_000, help="closed requests in the table")
    parser.add_argument("--open", type=int, default=1000, help="open requests in the table")
    parser.add_argument("--runs", type=int, default=21, help="listing runs (median reported)")
    parser.add_argument("--db-dir", type=Path, default=None, help="folder for the database files")
    args = parser.parse_args(argv)
    quiet_logs()
    with tempfile.TemporaryDirectory(dir=args.db_dir) as folder:
        asyncio.run(
            run(
                max(1, args.requests),
                max(0, args.closed),
                max(1, args.open),
                max(1, args.runs),
                Path(folder),
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
