"""Start-up time (process start → READY, by phase) and migration time on a database of 100k rows.

Start-up: a fresh interpreter runs the real start-up path inside SimCord and reports when each
phase ended: imports, settings, content (``create_bot``), database open + migrate, extensions,
command-tree sync check, and READY. It runs twice on the same folder: a first start (new
database, every migration, commands synced) and a restart (nothing to migrate, sync skipped).

At scale: the same restart on a database holding ``--scale-rows`` closed requests (and their
events), interleaved run by run with a restart on an empty database, and the ratio of the two
medians (the target is within 1.2x: nothing at start-up may read every row).

Migrations: for each earlier schema version, a database is built at that version with 100,000
rows (closed consultation requests and their events where that table exists, else
``bot_state``), then the remaining migrations are applied and timed.

    python -m benchmarks.startup
    python -m benchmarks.startup --runs 1 --rows 1000 --scale-rows 1000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

PHASES = (
    ("imports", "import discord, simcord and the bot"),
    ("settings", "read settings"),
    ("content", "create_bot: load and validate content"),
    ("database", "open the database and migrate"),
    ("extensions", "load the extensions"),
    ("sync", "command-tree hash check / sync"),
    ("ready", "log in and receive READY (SimCord)"),
)


# ----------------------------------------------------------------------------- start-up child


async def _start_once(folder: Path, marks: dict[str, float]) -> None:
    import simcord

    from benchmarks._common import bench_settings
    from bot.bot import create_bot

    marks["imports"] = time.time()
    settings = bench_settings(folder)
    marks["settings"] = time.time()
    bot = create_bot(settings)
    marks["content"] = time.time()
    await bot.open_database()
    marks["database"] = time.time()

    load_extension = bot.load_extension
    sync = bot.sync_commands_if_changed

    async def timed_load_extension(name: str, *, package: str | None = None) -> None:
        await load_extension(name, package=package)
        marks["extensions"] = time.time()

    async def timed_sync() -> bool:
        marks.setdefault("extensions", time.time())
        synced = await sync()
        marks["sync"] = time.time()
        marks["synced"] = float(synced)
        return synced

    bot.load_extension = timed_load_extension  # type: ignore[method-assign]
    bot.sync_commands_if_changed = timed_sync  # type: ignore[method-assign]
    try:
        async with simcord.run(bot):
            if not bot.is_ready():
                await bot.wait_until_ready()
            marks["ready"] = time.time()
    finally:
        await bot.close_database()


def child(folder: Path) -> dict[str, float]:
    marks: dict[str, float] = {"main": time.time()}
    from benchmarks._common import quiet_logs

    quiet_logs()
    asyncio.run(_start_once(folder, marks))
    return marks


def _spawn_child(folder: Path) -> dict[str, float]:
    spawned = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup", "--child", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit("the start-up child failed")
    marks: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    marks["spawned"] = spawned
    return marks


def _phases(marks: dict[str, float]) -> dict[str, float]:
    """Milliseconds spent in each phase, including the interpreter's own start."""
    result = {"interpreter": (marks["main"] - marks["spawned"]) * 1000}
    previous = marks["main"]
    for name, _ in PHASES:
        result[name] = (marks[name] - previous) * 1000
        previous = marks[name]
    result["total"] = (marks["ready"] - marks["spawned"]) * 1000
    return result


def startup_report(runs: int) -> None:
    first: list[dict[str, float]] = []
    again: list[dict[str, float]] = []
    for _ in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="bench-startup-"))
        try:
            first.append(_phases(_spawn_child(folder)))
            again.append(_phases(_spawn_child(folder)))
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    from benchmarks._common import print_table

    names = [
        ("interpreter", "start the Python interpreter"),
        *PHASES,
        ("total", "process start → READY"),
    ]
    rows = [
        [
            name,
            what,
            f"{statistics.median(run[name] for run in first):.0f}",
            f"{statistics.median(run[name] for run in again):.0f}",
        ]
        for name, what in names
    ]
    print_table(
        f"Start-up, process start → READY (ms, median of {runs})",
        ["phase", "what", "first start (new db)", "restart (existing db)"],
        rows,
    )


def scale_report(rows: int, runs: int) -> None:
    """Restart on ``rows`` closed requests against restart on an empty database, interleaved."""
    from benchmarks._common import note, print_table

    empty = Path(tempfile.mkdtemp(prefix="bench-startup-empty-"))
    full = Path(tempfile.mkdtemp(prefix="bench-startup-full-"))
    try:
        _spawn_child(empty)  # new databases, every migration, commands synced
        _spawn_child(full)
        filled = _fill(full / "support.db", rows)
        small: list[float] = []
        large: list[float] = []
        for _ in range(runs):
            small.append(_phases(_spawn_child(empty))["total"])
            large.append(_phases(_spawn_child(full))["total"])
    finally:
        shutil.rmtree(empty, ignore_errors=True)
        shutil.rmtree(full, ignore_errors=True)
    empty_ms, full_ms = statistics.median(small), statistics.median(large)
    print_table(
        f"Restart → READY at scale (ms, median of {runs}, interleaved)",
        ["database", "restart", "ratio to empty"],
        [
            ["empty", f"{empty_ms:.0f}", "1.00×"],
            [filled, f"{full_ms:.0f}", f"{full_ms / empty_ms:.2f}×"],
        ],
    )
    note("the target is within 1.2× of an empty database")


# ----------------------------------------------------------------------------- migrations


def _fill(path: Path, rows: int) -> str:
    """Put ``rows`` rows into the biggest table at this version; name what was filled."""
    connection = sqlite3.connect(path)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        with connection:
            if "consultations" in tables:
                start = 1_700_000_000
                connection.executemany(
                    "INSERT INTO consultations (id, guild_id, number, member_id, topic, urgency, "
                    "priority, status, created_at, claimed_at, first_claimed_at, closed_at, "
                    "closed_by, close_kind) VALUES (?, 1, ?, ?, 'coping', 'routine', 2, 'closed', "
                    "?, ?, ?, ?, 42, 'resolved')",
                    (
                        (
                            n,
                            n,
                            1000 + n % 5000,
                            start + n,
                            start + n + 60,
                            start + n + 60,
                            start + n + 600,
                        )
                        for n in range(1, rows + 1)
                    ),
                )
                if "consultation_events" in tables:
                    connection.executemany(
                        "INSERT INTO consultation_events (consultation_id, guild_id, kind, "
                        "actor_id, at) VALUES (?, 1, 'created', ?, ?)",
                        ((n, 1000 + n % 5000, start + n) for n in range(1, rows + 1)),
                    )
                    return f"{rows:,} consultations + {rows:,} events"
                return f"{rows:,} consultations"
            connection.executemany(
                "INSERT INTO bot_state (key, value) VALUES (?, ?)",
                ((f"benchmark:{n}", "x" * 32) for n in range(rows)),
            )
            return f"{rows:,} bot_state"
    finally:
        connection.close()


async def _migration_case(version: int, rows: int, scratch: Path) -> list[object]:
    from bot.db import MIGRATIONS_DIR, Database, load_migrations

    migrations = load_migrations()
    earlier = scratch / f"v{version}-migrations"
    earlier.mkdir()
    for migration in migrations[:version]:
        shutil.copy(MIGRATIONS_DIR / migration.name, earlier / migration.name)
    path = scratch / f"v{version}.db"
    database = await Database.open(path, migrations_dir=earlier)
    await database.close()
    filled = _fill(path, rows)

    opened = time.perf_counter()
    database = await Database.open(path, migrations_dir=earlier)  # nothing to apply
    open_ms = (time.perf_counter() - opened) * 1000
    try:
        started = time.perf_counter()
        await database._migrate(migrations)
        migrate_ms = (time.perf_counter() - started) * 1000
        assert await database.schema_version() == len(migrations)
    finally:
        await database.close()
    applied = ", ".join(m.name.removesuffix(".sql") for m in migrations[version:])
    return [
        f"{version} → {len(migrations)}",
        filled,
        applied,
        f"{open_ms:.0f}",
        f"{migrate_ms:.0f}",
    ]


async def _migration_cases(rows: int) -> list[list[object]]:
    from bot.db import load_migrations

    latest = len(load_migrations())
    table = []
    with tempfile.TemporaryDirectory(prefix="bench-migrate-") as folder:
        for version in range(latest - 1, 0, -1):
            table.append(await _migration_case(version, rows, Path(folder)))
    return table


def migration_report(rows: int) -> None:
    from benchmarks._common import note, print_table

    table = asyncio.run(_migration_cases(rows))
    print_table(
        f"Migrations on a database with {rows:,} rows (ms, file-backed, WAL, synchronous=FULL)",
        ["schema", "rows in the database", "migrations applied", "open + check", "migrate"],
        table,
    )
    if len(table) <= 1:
        note("only one later migration exists; measured with what exists")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="start-ups to take the median of")
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the migrated database")
    parser.add_argument(
        "--scale-rows", type=int, default=1_000_000, help="closed requests for the restart at scale"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(child(args.child)))
        return 0
    from benchmarks._common import machine, note, quiet_logs

    quiet_logs()
    startup_report(max(1, args.runs))
    scale_report(max(1, args.scale_rows), max(1, args.runs))
    migration_report(max(1, args.rows))
    note(machine())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
