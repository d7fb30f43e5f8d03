"""Retention: ``purge_expired`` applies the rules (closed consultation notes, crisis matches).

This module never imports discord.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.db import Database
from bot.privacy.export import parse_time
from bot.privacy.registry import REGISTRY, Source

log = logging.getLogger(__name__)

# Mutation testing (CONTRIBUTING.md): SQL keywords and names, sqlite3.Row keys and codec names
# ignore case, so a mutant that only changes the case of SQL text, a row key ("known",
# "rid", "guild") or "utf-8"/"ascii" is equivalent. The other equivalent ones are marked below.


@dataclass(frozen=True)
class PurgeReport:
    purged: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.purged.values())


def retention_cutoff(now: dt.datetime, retention_days: int) -> dt.datetime:
    """Rows whose clock started at or before this instant are purged.

    The boundary rule: a record is purged once it is *at least* ``retention_days`` old
    (``age >= retention``, so ``started <= now - retention``). With 30 days, a request closed
    at 2026-01-01T12:00:00Z has its notes purged by any purge run at or after
    2026-01-31T12:00:00Z, and kept by one a second earlier. All times are UTC; ``now`` must
    be timezone-aware.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (UTC)")
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    return now.astimezone(dt.UTC) - dt.timedelta(days=retention_days)


def pending_query(source: Source) -> str | None:
    """The query for ``source``'s rows that may be due for purging (``None``: no clock).

    A rule that clears columns (the row itself stays) selects only rows that still hold one;
    a partial index with the same WHERE (migration 0019) keeps that from reading every row.
    """
    rule = source.retention
    if rule.timestamp is None:
        return None
    pending = (
        " AND (" + " OR ".join(f"{c} IS NOT NULL" for c in rule.clear) + ")" if rule.clear else ""
    )
    return (
        f"SELECT rowid AS rid, {rule.timestamp} AS started FROM {source.table} "
        f"WHERE ({rule.where}){pending}"
    )


async def purge_expired(
    db: Database,
    now: dt.datetime,
    retention_days: int,
    *,
    registry: Iterable[Source] = REGISTRY,
) -> PurgeReport:
    """Apply every retention rule with a clock, in one transaction (see ``retention_cutoff``)."""
    cutoff = retention_cutoff(now, retention_days)
    purged: dict[str, int] = {}
    async with db.transaction() as tx:
        for source in registry:
            rule = source.retention
            query = pending_query(source)
            if query is None:
                continue
            rows = await tx.fetchall(query)
            expired = [
                (row["rid"],)
                for row in rows
                if (started := parse_time(row["started"])) is not None and started <= cutoff
            ]
            if not expired:
                continue
            if rule.clear:
                assignments = ", ".join(f"{c} = NULL" for c in rule.clear)
                await tx.executemany(
                    f"UPDATE {source.table} SET {assignments} WHERE rowid = ?", expired
                )
            else:
                await tx.executemany(f"DELETE FROM {source.table} WHERE rowid = ?", expired)
            purged[source.table] = len(expired)
    if purged:
        await db.truncate_wal()  # as after an erasure: no old copy of purged notes stays
    log.info("privacy.purged total=%d tables=%s", sum(purged.values()), ",".join(sorted(purged)))
    return PurgeReport(purged)
