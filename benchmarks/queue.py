"""Storage speed of each service operation, next to plain ``sqlite3`` doing the same statements.

Part 1 interleaves, round by round, the bot's services (``ConsultationService``,
``CheckinService``, ``GuildConfigRepository`` over aiosqlite: one ``BEGIN IMMEDIATE``
transaction per write, one hop to the database thread per unit of work) and plain ``sqlite3``
on a file of its own with the same pragmas (WAL, ``synchronous=FULL``, ``secure_delete``,
foreign keys) running the same statements in the same transactions, with the same encryption of
the texts. Every round runs each operation once on each side, the side going first alternating,
so both see the same machine load. It runs once on disk and once on a RAM disk (``/dev/shm``,
where a commit's fsync costs nothing) and prints the median of each operation and the ratio.

Part 2 fills a table with C closed and O open requests and times what one ``/queue list``
page reads (counts plus the first and the last page of 10), median of several runs.

    python -m benchmarks.queue                        # 300 rounds; 100,000 closed + 1,000 open
    python -m benchmarks.queue --rounds 30 --closed 500 --open 30   # a quick run
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks._common import machine, median, note, print_table, quiet_logs, stopwatch
from bot.checkins import CheckinService
from bot.consultations import PRIORITY, ConsultationService, Topic, Urgency
from bot.crypto import Cipher, new_key
from bot.db import Database
from bot.guild_config import GuildConfig, GuildConfigRepository

GUILD = 1
STAFF = 2
T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
CONFIG = GuildConfig(guild_id=GUILD, cooldown_minutes=10, hourly_cap=10**9)
UTC = ZoneInfo("UTC")
NOTE = "I would like to talk about my first weeks in an IOP."

OPERATIONS = (
    "create",
    "claim",
    "note",
    "release",
    "close",
    "cancel",
    "check-in",
    "config read (kept)",
    "config read (first)",
)
"""Each round: a request is created, claimed, noted, released, claimed again (not timed) and
closed; a second one is created (not timed) and cancelled; a check-in is saved; the server's
configuration is read from the kept copy, and read for the first time (a fresh repository)."""


# ----------------------------------------------------------------------------- plain sqlite3


def plain_connection(path: Path) -> sqlite3.Connection:
    """The same connection set-up as ``bot.db``: WAL, FULL, foreign keys, secure_delete."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA busy_timeout=5000")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA secure_delete=ON")
    return connection


COLUMNS = (
    "id, guild_id, number, member_id, topic, urgency, status, note, preferred_time, created_at, "
    "claimed_by, claimed_at, first_claimed_at, thread_id, card_channel_id, card_message_id, "
    "problem, member_left_at, last_reminded_at, closed_at, closed_by, close_kind, close_reason"
)
EVENT = (
    "INSERT INTO consultation_events (consultation_id, guild_id, kind, actor_id, at) "
    "VALUES (?, ?, ?, ?, ?)"
)
CONFIG_SELECT = (
    "SELECT guild_id, staff_role_id, queue_channel_id, consult_channel_id, log_channel_id, "
    "response_time_text, work_start_hour, work_end_hour, timezone, cooldown_minutes, hourly_cap, "
    "reminder_minutes, urgent_reminder_minutes, welcome_channel_id, welcome_dm, welcome_ping, "
    "meetings_channel_id, meeting_reminder_minutes, member_role_id, celebrate_channel_id, "
    "safety_enabled, safety_reply FROM guild_config WHERE guild_id = ?"
)


class Plain:
    """What each service operation does, statement for statement, with ``sqlite3``."""

    def __init__(self, connection: sqlite3.Connection, cipher: Cipher) -> None:
        self.c = connection
        self.cipher = cipher

    def _load(self, request_id: int) -> sqlite3.Row:
        row: sqlite3.Row = self.c.execute(
            f"SELECT {COLUMNS} FROM consultations WHERE id = ?", (request_id,)
        ).fetchone()
        return row

    def _decrypt(self, row: sqlite3.Row) -> None:
        for name in ("note", "preferred_time", "close_reason"):
            self.cipher.decrypt(row[name])

    def _in_transaction(self, work: Callable[[], sqlite3.Row]) -> sqlite3.Row:
        self.c.execute("BEGIN IMMEDIATE")
        try:
            row = work()
            self.c.commit()
        except BaseException:
            self.c.rollback()
            raise
        self._decrypt(row)
        return row

    def create(self, member: int, stamp: int, note: str | None) -> int:
        sealed = self.cipher.encrypt(note)
        sealed_time = self.cipher.encrypt(None)

        def work() -> sqlite3.Row:
            c = self.c
            c.execute(
                "SELECT id FROM consultations WHERE guild_id = ? AND member_id = ? "
                "AND status IN ('open', 'claimed')",
                (GUILD, member),
            ).fetchone()
            c.execute(
                "SELECT MAX(closed_at) FROM consultations WHERE guild_id = ? AND member_id = ? "
                "AND close_kind IN ('resolved', 'cancelled')",
                (GUILD, member),
            ).fetchone()
            c.execute(
                "SELECT COUNT(*), MIN(created_at) FROM consultations WHERE guild_id = ? "
                "AND created_at > ?",
                (GUILD, stamp - 3600),
            ).fetchone()
            c.execute(
                "INSERT INTO consultation_counters (guild_id, last_number) VALUES (?, 1) "
                "ON CONFLICT (guild_id) DO UPDATE SET last_number = last_number + 1",
                (GUILD,),
            )
            number = c.execute(
                "SELECT last_number FROM consultation_counters WHERE guild_id = ?", (GUILD,)
            ).fetchone()[0]
            request_id = c.execute(
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
                    sealed,
                    sealed_time,
                    stamp,
                ),
            ).lastrowid
            c.execute(EVENT, (request_id, GUILD, "created", member, stamp))
            row = self._load(int(request_id or 0))
            c.execute(
                "SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND status = 'open' "
                "AND (priority, created_at, id) < (?, ?, ?)",
                (GUILD, PRIORITY[Urgency.ROUTINE], row["created_at"], row["id"]),
            ).fetchone()
            return row

        return int(self._in_transaction(work)["id"])

    def claim(self, request_id: int, stamp: int) -> None:
        def work() -> sqlite3.Row:
            self._load(request_id)
            cursor = self.c.execute(
                "UPDATE consultations SET status = 'claimed', claimed_by = ?, claimed_at = ?, "
                "first_claimed_at = COALESCE(first_claimed_at, ?), problem = NULL "
                "WHERE id = ? AND status = 'open' AND claimed_by IS NULL",
                (STAFF, stamp, stamp, request_id),
            )
            assert cursor.rowcount == 1
            self.c.execute(EVENT, (request_id, GUILD, "claimed", STAFF, stamp))
            return self._load(request_id)

        self._in_transaction(work)

    def release(self, request_id: int, stamp: int) -> None:
        def work() -> sqlite3.Row:
            row = self._load(request_id)
            self.c.execute(
                "UPDATE consultations SET status = 'open', claimed_by = NULL, claimed_at = NULL, "
                "last_reminded_at = NULL WHERE id = ? AND status = 'claimed' AND claimed_by = ?",
                (request_id, row["claimed_by"]),
            )
            self.c.execute(EVENT, (request_id, GUILD, "released", STAFF, stamp))
            return self._load(request_id)

        self._in_transaction(work)

    def close(self, request_id: int, stamp: int) -> None:
        sealed = self.cipher.encrypt("done")

        def work() -> sqlite3.Row:
            self._load(request_id)
            self.c.execute(
                "UPDATE consultations SET status = 'closed', closed_at = ?, closed_by = ?, "
                "close_kind = 'resolved', close_reason = ?, claimed_by = NULL "
                "WHERE id = ? AND status IN ('open', 'claimed')",
                (stamp, STAFF, sealed, request_id),
            )
            self.c.execute(EVENT, (request_id, GUILD, "closed", STAFF, stamp))
            return self._load(request_id)

        self._in_transaction(work)

    def cancel(self, member: int, stamp: int) -> None:
        def work() -> sqlite3.Row:
            row = self.c.execute(
                f"SELECT {COLUMNS} FROM consultations WHERE guild_id = ? AND member_id = ? "
                "AND status IN ('open', 'claimed')",
                (GUILD, member),
            ).fetchone()
            self.c.execute(
                "UPDATE consultations SET status = 'cancelled', closed_at = ?, closed_by = ?, "
                "close_kind = 'cancelled' WHERE id = ? AND status = 'open'",
                (stamp, member, row["id"]),
            )
            self.c.execute(EVENT, (row["id"], GUILD, "cancelled", member, stamp))
            return self._load(int(row["id"]))

        self._in_transaction(work)

    def note(self, request_id: int, stamp: int) -> None:
        sealed = self.cipher.encrypt("called back, doing better")
        self.c.execute("BEGIN IMMEDIATE")
        self.c.execute(
            "INSERT INTO consultation_notes (consultation_id, author_id, body, created_at) "
            "VALUES (?, ?, ?, ?)",
            (request_id, STAFF, sealed, stamp),
        )
        self.c.commit()

    def checkin(self, user: int, now: dt.datetime) -> None:
        sealed = self.cipher.encrypt("a steady day")
        self.c.execute("BEGIN IMMEDIATE")
        self.c.execute(
            "INSERT INTO checkins (user_id, guild_id, local_day, created_at, mood, craving, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                user,
                GUILD,
                now.astimezone(UTC).date().isoformat(),
                now.astimezone(dt.UTC).isoformat(timespec="microseconds"),
                3,
                2,
                sealed,
            ),
        )
        self.c.commit()

    def config_read(self) -> None:
        self.c.execute(CONFIG_SELECT, (GUILD,)).fetchone()


# ----------------------------------------------------------------------------- ours


class Ours:
    def __init__(self, db: Database, cipher: Cipher) -> None:
        self.db = db
        self.queue = ConsultationService(db, cipher)
        self.checkins = CheckinService(db, cipher)
        self.configs = GuildConfigRepository(db)


# ----------------------------------------------------------------------------- part 1: rounds


Timings = dict[str, list[float]]


async def _timed(action: Callable[[], Awaitable[Any]]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = await action()
    return result, time.perf_counter() - start


def _timed_plain(action: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


async def _round_ours(ours: Ours, n: int, times: Timings) -> None:
    stamp_at = T0 + dt.timedelta(seconds=n)
    member = 1_000_000 + 2 * n
    created, seconds = await _timed(
        lambda: ours.queue.create(
            guild_id=GUILD,
            member_id=member,
            topic=Topic.COPING,
            urgency=Urgency.ROUTINE,
            now=stamp_at,
            config=CONFIG,
            note=NOTE,
        )
    )
    times["create"].append(seconds)
    request = created.consultation.id
    times["claim"].append(
        (await _timed(lambda: ours.queue.claim(GUILD, request, STAFF, stamp_at)))[1]
    )
    times["note"].append(
        (
            await _timed(
                lambda: ours.queue.add_note(request, STAFF, "called back, doing better", stamp_at)
            )
        )[1]
    )
    times["release"].append(
        (await _timed(lambda: ours.queue.release(GUILD, request, STAFF, stamp_at)))[1]
    )
    await ours.queue.claim(GUILD, request, STAFF, stamp_at)
    times["close"].append(
        (await _timed(lambda: ours.queue.close(GUILD, request, STAFF, "done", stamp_at)))[1]
    )
    other = member + 1
    await ours.queue.create(
        guild_id=GUILD,
        member_id=other,
        topic=Topic.COPING,
        urgency=Urgency.ROUTINE,
        now=stamp_at,
        config=CONFIG,
    )
    times["cancel"].append((await _timed(lambda: ours.queue.cancel(GUILD, other, stamp_at)))[1])
    times["check-in"].append(
        (
            await _timed(
                lambda: ours.checkins.record(
                    member,
                    mood=3,
                    craving=2,
                    note="a steady day",
                    now=stamp_at,
                    zone=UTC,
                    guild_id=GUILD,
                )
            )
        )[1]
    )
    times["config read (kept)"].append((await _timed(lambda: ours.configs.get(GUILD)))[1])
    fresh = GuildConfigRepository(ours.db)  # nothing kept yet: one read of the file
    times["config read (first)"].append((await _timed(lambda: fresh.get(GUILD)))[1])


def _round_plain(plain: Plain, n: int, times: Timings) -> None:
    stamp_at = T0 + dt.timedelta(seconds=n)
    stamp = int(stamp_at.timestamp())
    member = 1_000_000 + 2 * n
    request, seconds = _timed_plain(lambda: plain.create(member, stamp, NOTE))
    times["create"].append(seconds)
    times["claim"].append(_timed_plain(lambda: plain.claim(request, stamp))[1])
    times["note"].append(_timed_plain(lambda: plain.note(request, stamp))[1])
    times["release"].append(_timed_plain(lambda: plain.release(request, stamp))[1])
    plain.claim(request, stamp)
    times["close"].append(_timed_plain(lambda: plain.close(request, stamp))[1])
    other = member + 1
    plain.create(other, stamp, None)
    times["cancel"].append(_timed_plain(lambda: plain.cancel(other, stamp))[1])
    times["check-in"].append(_timed_plain(lambda: plain.checkin(member, stamp_at))[1])
    times["config read (kept)"].append(_timed_plain(plain.config_read)[1])
    times["config read (first)"].append(_timed_plain(plain.config_read)[1])


async def interleaved(folder: Path, rounds: int, warmup: int) -> tuple[Timings, Timings]:
    """Both sides, round by round; the side that goes first alternates."""
    cipher = Cipher(new_key().encode())
    await migrated_file(folder / "plain.db")
    db = await Database.open(folder / "ours.db")
    connection = plain_connection(folder / "plain.db")
    for path_db in (db,):
        await GuildConfigRepository(path_db).update(GUILD, T0, cooldown_minutes=0)
    connection.execute(
        "INSERT INTO guild_config (guild_id, updated_at, cooldown_minutes) VALUES (?, ?, 0)",
        (GUILD, T0.isoformat()),
    )
    ours, plain = Ours(db, cipher), Plain(connection, cipher)
    mine: Timings = {name: [] for name in OPERATIONS}
    theirs: Timings = {name: [] for name in OPERATIONS}
    try:
        for n in range(warmup + rounds):
            sink_mine: Timings = {name: [] for name in OPERATIONS} if n < warmup else mine
            sink_theirs: Timings = {name: [] for name in OPERATIONS} if n < warmup else theirs
            if n % 2:
                _round_plain(plain, n, sink_theirs)
                await _round_ours(ours, n, sink_mine)
            else:
                await _round_ours(ours, n, sink_mine)
                _round_plain(plain, n, sink_theirs)
    finally:
        connection.close()
        await db.close()
    return mine, theirs


async def migrated_file(path: Path) -> None:
    """An empty database with our schema (the plain side uses the same tables and indexes)."""
    db = await Database.open(path)
    await db.close()


def report_rounds(where: str, rounds: int, mine: Timings, theirs: Timings) -> list[float]:
    rows = []
    ratios = []
    for name in OPERATIONS:
        ours_median, plain_median = median(mine[name]), median(theirs[name])
        ratio = ours_median / plain_median if plain_median else float("nan")
        ratios.append(ratio)
        rows.append(
            [name, f"{ours_median * 1e6:,.0f}", f"{plain_median * 1e6:,.0f}", f"{ratio:.2f}×"]
        )
    print_table(
        f"Service operations, {where}: median µs over {rounds:,} interleaved rounds "
        "(WAL + synchronous=FULL)",
        [
            "operation",
            "ours (service, aiosqlite)",
            "plain sqlite3, same statements",
            "ours / plain",
        ],
        rows,
    )
    return ratios


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


def default_folders() -> list[Path]:
    folders = [Path(tempfile.gettempdir())]
    if Path("/dev/shm").is_dir() and os.access("/dev/shm", os.W_OK):
        folders.append(Path("/dev/shm"))
    return folders


async def run(
    rounds: int, warmup: int, closed: int, waiting: int, runs: int, folders: Sequence[Path]
) -> None:
    worst = 0.0
    for folder in folders:
        with tempfile.TemporaryDirectory(prefix="bench-queue-", dir=folder) as inside:
            mine, theirs = await interleaved(Path(inside), rounds, warmup)
            ratios = report_rounds(f"database in {folder}", rounds, mine, theirs)
            worst = max(worst, *ratios)
    note(f"target: every operation within 1.5× plain sqlite3; worst ratio this run {worst:.2f}×")
    note(
        "config read (kept): ours answers from memory, plain runs the SELECT; "
        "config read (first): ours from a fresh repository (one read of the file)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-queue-", dir=folders[0]) as inside:
        path = Path(inside) / "listing.db"
        await migrated_file(path)
        fill(path, closed, waiting)
        times = await listing(path, waiting, runs)
    print_table(
        f"/queue list reads with {closed:,} closed and {waiting:,} open requests "
        f"(median of {runs})",
        ["page", "milliseconds"],
        [[label, f"{seconds * 1000:.2f}"] for label, seconds in times.items()],
    )
    note(machine())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=300, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=30, help="rounds run first, not counted")
    parser.add_argument("--closed", type=int, default=100_000, help="closed requests in the table")
    parser.add_argument("--open", type=int, default=1000, help="open requests in the table")
    parser.add_argument("--runs", type=int, default=21, help="listing runs (median reported)")
    parser.add_argument(
        "--db-dir",
        type=Path,
        action="append",
        help="folder for the database files (repeatable; default: the temp folder and /dev/shm)",
    )
    args = parser.parse_args(argv)
    quiet_logs()
    asyncio.run(
        run(
            max(1, args.rounds),
            max(0, args.warmup),
            max(0, args.closed),
            max(1, args.open),
            max(1, args.runs),
            args.db_dir or default_folders(),
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
