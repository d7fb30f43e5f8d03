"""The retention purge never reads every row of a table whose rows stay after purging.

Closed requests (and rated feedback) are kept for the queue's statistics, so those tables only
grow. Their purge query must go through an index that holds only rows with something left to
clear (migration 0019); otherwise start-up and the daily purge slow down with every request
ever made. The check is SQLite's own plan for the exact query ``purge_expired`` runs, so a rule
whose WHERE or cleared columns change without its index fails here.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from bot.db import Database
from bot.privacy import REGISTRY
from bot.privacy.registry import Source
from bot.privacy.retention import pending_query, purge_expired

KEPT_ROWS = [source for source in REGISTRY if source.retention.clear]


def test_the_tables_whose_rows_stay_are_the_ones_indexed() -> None:
    assert {source.table for source in KEPT_ROWS} == {"consultations", "consultation_feedback"}


async def plan(db: Database, query: str) -> list[str]:
    rows = await db.fetchall(f"EXPLAIN QUERY PLAN {query}")
    return [str(row["detail"]) for row in rows]


@pytest.mark.parametrize("source", KEPT_ROWS, ids=lambda source: source.table)
async def test_a_purge_of_rows_that_stay_reads_only_its_partial_index(
    db: Database, source: Source
) -> None:
    query = pending_query(source)
    assert query is not None

    details = await plan(db, query)

    assert details == [f"SCAN {source.table} USING INDEX {source.table}_retention_pending"]


async def test_the_index_holds_only_requests_with_something_left_to_purge(db: Database) -> None:
    now = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
    closed = int((now - dt.timedelta(days=40)).timestamp())
    async with db.transaction() as tx:
        for number, reason in ((1, b"kept until purged"), (2, None)):
            await tx.execute(
                "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, "
                "priority, status, created_at, closed_at, closed_by, close_kind, close_reason) "
                "VALUES (1, ?, ?, 'coping', 'routine', 2, 'closed', ?, ?, 42, 'resolved', ?)",
                (number, 100 + number, closed - 600, closed, reason),
            )

    def indexed(path: str) -> int:
        with sqlite3.connect(path) as connection:
            return int(
                connection.execute(
                    "SELECT count(*) FROM consultations INDEXED BY "
                    "consultations_retention_pending WHERE status IN ('closed', 'cancelled') "
                    "AND (note IS NOT NULL OR preferred_time IS NOT NULL OR close_reason IS "
                    "NOT NULL OR member_last_at IS NOT NULL OR staff_last_at IS NOT NULL OR "
                    "awaiting_staff_since IS NOT NULL OR nudged_at IS NOT NULL)"
                ).fetchone()[0]
            )

    assert indexed(str(db.path)) == 1
    report = await purge_expired(db, now, 30)
    assert report.purged == {"consultations": 1}
    assert indexed(str(db.path)) == 0
