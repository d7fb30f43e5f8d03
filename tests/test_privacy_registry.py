"""The privacy registry against the live schema: no table or member-keyed column escapes it.

If this fails after you added a migration: open ``bot/privacy/registry.py`` and either add a
``Source`` for your table to ``REGISTRY`` (listing every column) or, when it holds no member ids,
add it to ``NO_MEMBER_DATA`` with the reason.
"""

from __future__ import annotations

import re

import pytest

from bot.db import Database
from bot.privacy import NO_MEMBER_DATA, REGISTRY, Kind, OnErase, member_keyed


async def live_schema(db: Database) -> dict[str, dict[str, str]]:
    """Every table after all migrations: column name → declared type."""
    tables = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    schema: dict[str, dict[str, str]] = {}
    for table in tables:
        columns = await db.fetchall(f"PRAGMA table_info({table['name']})")
        schema[table["name"]] = {c["name"]: str(c["type"]).upper() for c in columns}
    return schema


async def test_every_table_is_classified(db: Database) -> None:
    schema = await live_schema(db)
    registered = {source.table for source in REGISTRY}
    missing = sorted(set(schema) - registered - set(NO_MEMBER_DATA))
    assert not missing, (
        f"tables {missing} are not in bot.privacy.REGISTRY or NO_MEMBER_DATA: "
        "classify them (see the module docstring)"
    )
    assert not registered & set(NO_MEMBER_DATA)


async def test_registry_names_only_real_tables_and_columns(db: Database) -> None:
    schema = await live_schema(db)
    for source in REGISTRY:
        assert source.table in schema, f"{source.table} is registered but no migration creates it"
        assert len(set(source.all_columns)) == len(source.all_columns), source.table
        assert set(source.all_columns) == set(schema[source.table]), (
            f"{source.table}: registry columns differ from the schema; "
            f"unregistered {sorted(set(schema[source.table]) - set(source.all_columns))}, "
            f"stale {sorted(set(source.all_columns) - set(schema[source.table]))}"
        )


async def test_no_member_keyed_column_escapes_the_registry(db: Database) -> None:
    schema = await live_schema(db)
    covered = {(s.table, c.name) for s in REGISTRY for c in s.member_columns}
    escaped = [
        f"{table}.{column}"
        for table, columns in schema.items()
        for column in columns
        if member_keyed(column) and (table, column) not in covered
    ]
    assert not escaped, f"member-keyed columns not in bot.privacy.REGISTRY: {escaped}"
    for source in REGISTRY:
        assert source.member_columns, f"{source.table} is registered but names no member column"


async def test_free_text_is_encrypted_and_ids_are_integers(db: Database) -> None:
    schema = await live_schema(db)
    for source in REGISTRY:
        types = schema[source.table]
        for column in source.columns:
            if column.kind is Kind.SECRET:
                assert types[column.name] == "BLOB", f"{source.table}.{column.name} must be BLOB"
            if column.kind is Kind.SNOWFLAKE:
                assert types[column.name] == "INTEGER", f"{source.table}.{column.name}"
        for member_column in source.member_columns:
            assert types[member_column.name] == "INTEGER", f"{source.table}.{member_column.name}"
        plain_blobs = [
            c.name for c in source.columns if types[c.name] == "BLOB" and c.kind is not Kind.SECRET
        ]
        assert not plain_blobs, f"{source.table}: BLOB columns not marked SECRET {plain_blobs}"


async def test_no_unregistered_table_holds_free_text_blobs(db: Database) -> None:
    schema = await live_schema(db)
    for table in NO_MEMBER_DATA:
        if table in schema:
            assert "BLOB" not in schema[table].values(), table


def test_children_come_before_the_parents_they_are_owned_via() -> None:
    order = [source.table for source in REGISTRY]
    for index, source in enumerate(REGISTRY):
        sql = f"{source.owned_via or ''} {source.retention.timestamp or ''}"
        for parent in re.findall(r"FROM (\w+)", sql):
            assert parent in order[index + 1 :], (
                f"{source.table} is owned via {parent}, so must come before it in REGISTRY"
            )


def test_every_source_explains_itself_and_names_real_columns() -> None:
    for source in REGISTRY:
        assert all((source.title, source.purpose, source.who_can_see, source.retention.rule))
        for name in (*source.actor_view, *source.brief, *source.retention.clear):
            source.column(name)  # raises KeyError for a stale name
        if any(c.on_erase is OnErase.ANONYMISE for c in source.member_columns):
            assert source.actor_view, f"{source.table}: say what a staff member sees of it"
        spec = source.open_items
        if spec is not None:
            for name in (spec.thread_column, spec.channel_column, spec.message_column):
                if name is not None:
                    source.column(name)


@pytest.mark.parametrize(
    "name",
    [
        "member_id",
        "user_id",
        "author_id",
        "actor_id",
        "claimed_by",
        "closed_by",
        "claimer_id",
        "staff_id",
        "target_member_id",
        "transferred_to",
        "created_by_id",
        "owner_id",
    ],
)
def test_member_keyed_rule_matches_people(name: str) -> None:
    assert member_keyed(name)


@pytest.mark.parametrize(
    "name",
    [
        "guild_id",
        "channel_id",
        "member_role_id",
        "staff_role_id",
        "thread_id",
        "message_id",
        "card_message_id",
        "consultation_id",
        "member_left_at",
        "subject_code",
        "actor_code",
        "number",
    ],
)
def test_member_keyed_rule_ignores_other_ids(name: str) -> None:
    assert not member_keyed(name)
