"""The schema the migrations make, and what a database file is missing of it.

The expected schema is never written down: it is what ``bot/migrations/*.sql`` produce when
applied to an empty in-memory database, so a new migration changes it without anyone editing
a list. A file is compared table by table, column by column and index by index; extra objects
(an operator's own view, ``sqlite_stat1``) are allowed, anything missing or different is named.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

COLUMNS_SQL = """
SELECT m.name AS tbl, p.name AS col, p.type AS type, p."notnull" AS required,
       p.dflt_value AS dflt, p.pk AS pk
FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY m.name, p.cid
"""
INDEXES_SQL = """
SELECT m.name AS tbl, il.name AS idx, il."unique" AS uniq, il.partial AS partial,
       ii.seqno AS seqno, ii.name AS col
FROM sqlite_master AS m JOIN pragma_index_list(m.name) AS il
     JOIN pragma_index_info(il.name) AS ii
WHERE m.type = 'table'
ORDER BY il.name, ii.seqno
"""
OBJECTS_SQL = "SELECT type, name FROM sqlite_master WHERE type IN ('view', 'trigger')"

_MAX_NAMED = 4


class _Migration(Protocol):
    @property
    def sql(self) -> str: ...


@dataclass(frozen=True)
class Schema:
    tables: dict[str, tuple[tuple[Any, ...], ...]]
    """Each table's columns: (name, declared type, not null, default, primary key position)."""
    indexes: dict[str, tuple[Any, ...]]
    """Each index: (table, unique, partial, its columns in order)."""
    objects: dict[str, str]
    """Views and triggers: name → type."""

    @classmethod
    def from_rows(
        cls,
        columns: Iterable[Sequence[Any]],
        indexes: Iterable[Sequence[Any]],
        objects: Iterable[Sequence[Any]],
    ) -> Schema:
        tables: dict[str, list[tuple[Any, ...]]] = {}
        for tbl, col, type_, required, dflt, pk in columns:
            tables.setdefault(tbl, []).append((col, str(type_).upper(), required, dflt, pk))
        index_columns: dict[str, tuple[Any, ...]] = {}
        for tbl, idx, unique, partial, _seqno, col in indexes:
            table, uniq, part, cols = index_columns.get(idx, (tbl, unique, partial, ()))
            index_columns[idx] = (table, uniq, part, (*cols, col))
        return cls(
            {name: tuple(cols) for name, cols in tables.items()},
            index_columns,
            {str(name): str(kind) for kind, name in objects},
        )


@functools.lru_cache(maxsize=8)
def expected_schema(migrations: tuple[_Migration, ...]) -> Schema:
    """What these migrations make, read from an in-memory database they were applied to."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("PRAGMA foreign_keys=ON")
        for migration in migrations:
            connection.executescript(migration.sql)
        return Schema.from_rows(
            connection.execute(COLUMNS_SQL).fetchall(),
            connection.execute(INDEXES_SQL).fetchall(),
            connection.execute(OBJECTS_SQL).fetchall(),
        )
    finally:
        connection.close()


def differences(expected: Schema, actual: Schema) -> list[str]:
    """What ``actual`` lacks of ``expected``, each as a few words ("missing table checkins")."""
    found: list[str] = []
    for table, columns in expected.tables.items():
        have = actual.tables.get(table)
        if have is None:
            found.append(f"missing table {table}")
            continue
        by_name = {column[0]: column for column in have}
        for column in columns:
            mine = by_name.get(column[0])
            if mine is None:
                found.append(f"missing column {table}.{column[0]}")
            elif mine != column:
                found.append(f"changed column {table}.{column[0]}")
    for index, shape in expected.indexes.items():
        if shape[0] not in actual.tables:
            continue  # the missing table is already named
        have_index = actual.indexes.get(index)
        if have_index is None:
            found.append(f"missing index {index}")
        elif have_index != shape:
            found.append(f"changed index {index}")
    for name, kind in expected.objects.items():
        if actual.objects.get(name) != kind:
            found.append(f"missing {kind} {name}")
    return found


def describe(found: Sequence[str]) -> str:
    """The first few differences for one sentence: "missing table a, missing index b and 3 more"."""
    shown = ", ".join(found[:_MAX_NAMED])
    rest = len(found) - _MAX_NAMED
    return shown if rest <= 0 else f"{shown} and {rest} more"
