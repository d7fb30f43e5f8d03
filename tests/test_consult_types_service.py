"""Consultation types in the domain and the database: the service on a real SQLite file, the
migration from the schema before types, and what the database itself refuses."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.consultations import (
    MAX_TYPES,
    BadEmojiError,
    Clearable,
    ConsultTypeService,
    DuplicateTypeNameError,
    TooManyTypesError,
    TypeInUseError,
    TypeNotFoundError,
    route,
    validate_emoji,
)
from bot.db import Database, load_migrations
from bot.db.migrations import MIGRATIONS_DIR
from bot.guild_config import GuildConfig
from bot.text import TextRefusedError

NOW = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)
GUILD, OTHER = 111, 222


@pytest.fixture
def types(db: Database) -> ConsultTypeService:
    return ConsultTypeService(db)


async def _request(db: Database, guild_id: int, number: int, status: str = "open") -> int:
    closed = "160" if status in ("closed", "cancelled") else "NULL"

    def work(c: sqlite3.Connection) -> int:
        cursor = c.execute(
            "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, priority, "
            f"status, created_at, closed_at) VALUES (?, ?, ?, 'coping', 'routine', 2, ?, 100, "
            f"{closed})",
            (guild_id, number, 1000 + number, status),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    return await db.write(work)


async def test_add_keeps_the_order_and_cleans_the_text(types: ConsultTypeService) -> None:
    first = await types.add(
        GUILD, name="  Family\u200b  support ", description="For\nfamily", staff_role_id=5, now=NOW
    )
    second = await types.add(GUILD, name="Intake", description="New here", staff_role_id=6, now=NOW)

    assert first.name == "Family support"
    assert first.description == "For family"
    assert (first.position, second.position) == (1, 2)
    assert [kind.name for kind in await types.list(GUILD)] == ["Family support", "Intake"]
    assert await types.list(OTHER) == ()
    assert await types.get(OTHER, first.id) is None
    assert await types.get(GUILD, first.id) == first


async def test_names_are_unique_per_server_ignoring_capitals_beyond_ascii(
    types: ConsultTypeService,
) -> None:
    await types.add(GUILD, name="Família", description="d", staff_role_id=5, now=NOW)

    with pytest.raises(DuplicateTypeNameError):
        await types.add(GUILD, name="FAMÍLIA", description="d", staff_role_id=5, now=NOW)
    other = await types.add(OTHER, name="FAMÍLIA", description="d", staff_role_id=5, now=NOW)
    assert other.guild_id == OTHER


async def test_the_database_refuses_a_duplicate_name_too(db: Database) -> None:
    def insert(c: sqlite3.Connection) -> None:
        for name in ("Intake", "INTAKE"):
            c.execute(
                "INSERT INTO consult_types (guild_id, name, description, staff_role_id, "
                "position, created_at) VALUES (?, ?, 'd', 5, 1, 0)",
                (GUILD, name),
            )

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(insert)


async def test_at_most_max_types_per_server(types: ConsultTypeService) -> None:
    for number in range(MAX_TYPES):
        await types.add(GUILD, name=f"T{number}", description="d", staff_role_id=5, now=NOW)

    with pytest.raises(TooManyTypesError):
        await types.add(GUILD, name="One more", description="d", staff_role_id=5, now=NOW)
    assert len(await types.list(GUILD)) == MAX_TYPES
    await types.add(OTHER, name="One more", description="d", staff_role_id=5, now=NOW)


@pytest.mark.parametrize(
    ("name", "description"),
    [("", "d"), ("\u200b\u2800", "d"), ("x" * 41, "d"), ("ok", ""), ("ok", "y" * 101)],
)
async def test_bad_text_is_refused(types: ConsultTypeService, name: str, description: str) -> None:
    with pytest.raises(TextRefusedError):
        await types.add(GUILD, name=name, description=description, staff_role_id=5, now=NOW)
    assert await types.list(GUILD) == ()


@pytest.mark.parametrize(
    "emoji", ["💬", "❤️", "👍🏽", "👨\u200d👩\u200d👧", "🇬🇧", "#️⃣", "<:lotus:123456789012345678>"]
)
def test_one_emoji_is_accepted(emoji: str) -> None:
    assert validate_emoji(emoji) == emoji
    assert validate_emoji(f"  {emoji} ") == emoji


@pytest.mark.parametrize(
    "emoji", ["a", ":smile:", "💬💬", "💬 x", "<:x:1>", "<lotus:123456789012345678>", "🙂\u200da"]
)
def test_anything_else_is_not_an_emoji(emoji: str) -> None:
    with pytest.raises(BadEmojiError):
        validate_emoji(emoji)


def test_no_emoji_is_none() -> None:
    assert validate_emoji(None) is None
    assert validate_emoji("  ") is None
    assert validate_emoji("\u200d\u200b") is None  # only invisible: as if left empty


async def test_edit_changes_what_is_given_and_clears_what_is_asked(
    types: ConsultTypeService,
) -> None:
    added = await types.add(
        GUILD,
        name="Intake",
        description="New here",
        staff_role_id=5,
        now=NOW,
        emoji="💬",
        queue_channel_id=77,
    )

    edited = await types.edit(
        GUILD, "INTAKE", description="Placement", clear=[Clearable.EMOJI, Clearable.QUEUE_CHANNEL]
    )

    assert edited.kind.id == added.id
    assert edited.kind.description == "Placement"
    assert edited.kind.emoji is None
    assert edited.kind.queue_channel_id is None
    assert edited.kind.staff_role_id == 5
    assert set(edited.changed) == {"description", "emoji", "queue_channel_id"}
    await types.edit(GUILD, "Intake", response_time_text="Soon")
    blanked = await types.edit(GUILD, "Intake", response_time_text=" \u200b ")
    assert blanked.changed == ("response_time_text",)
    assert blanked.kind.response_time_text is None
    unchanged = await types.edit(GUILD, "Intake")
    assert unchanged.changed == ()
    assert unchanged.kind == blanked.kind
    with pytest.raises(TypeNotFoundError):
        await types.edit(OTHER, "Intake", description="Mine now")


async def test_renaming_keeps_its_own_name_free(types: ConsultTypeService) -> None:
    await types.add(GUILD, name="Intake", description="d", staff_role_id=5, now=NOW)
    await types.add(GUILD, name="Family", description="d", staff_role_id=5, now=NOW)

    recased = await types.edit(GUILD, "Intake", new_name="INTAKE")
    assert recased.kind.name == "INTAKE"
    with pytest.raises(DuplicateTypeNameError):
        await types.edit(GUILD, "intake", new_name="family")


async def test_removal_is_refused_while_a_request_is_open_or_claimed(
    db: Database, types: ConsultTypeService
) -> None:
    kind = await types.add(GUILD, name="Intake", description="d", staff_role_id=5, now=NOW)
    request = await _request(db, GUILD, 1)
    await db.write(lambda c: c.execute("UPDATE consultations SET type_id = ?", (kind.id,)))

    assert await types.active_requests(GUILD, kind.id) == 1
    with pytest.raises(TypeInUseError) as refused:
        await types.remove(GUILD, kind.id)
    assert refused.value.active == 1
    assert await types.get(GUILD, kind.id) is not None

    await db.write(
        lambda c: c.execute(
            "UPDATE consultations SET status = 'closed', closed_at = 200, close_kind = 'resolved' "
            "WHERE id = ?",
            (request,),
        )
    )
    removed = await types.remove(GUILD, kind.id)
    assert removed.past_requests == 1
    row = await db.fetchone("SELECT type_id FROM consultations WHERE id = ?", (request,))
    assert row is not None
    assert row["type_id"] is None
    with pytest.raises(TypeNotFoundError):
        await types.remove(GUILD, kind.id)


async def test_another_servers_type_cannot_be_removed(types: ConsultTypeService) -> None:
    kind = await types.add(GUILD, name="Intake", description="d", staff_role_id=5, now=NOW)

    with pytest.raises(TypeNotFoundError):
        await types.remove(OTHER, kind.id)
    assert await types.get(GUILD, kind.id) is not None


async def test_a_removed_types_id_is_never_given_again(types: ConsultTypeService) -> None:
    first = await types.add(GUILD, name="A", description="d", staff_role_id=5, now=NOW)
    await types.remove(GUILD, first.id)

    second = await types.add(GUILD, name="A", description="d", staff_role_id=5, now=NOW)

    assert second.id > first.id


async def test_the_database_refuses_a_request_of_another_servers_type(
    db: Database, types: ConsultTypeService
) -> None:
    theirs = await types.add(OTHER, name="Intake", description="d", staff_role_id=5, now=NOW)
    request = await _request(db, GUILD, 1)

    with pytest.raises(sqlite3.IntegrityError, match="another server"):
        await db.write(
            lambda c: c.execute(
                "UPDATE consultations SET type_id = ? WHERE id = ?", (theirs.id, request)
            )
        )
    with pytest.raises(sqlite3.IntegrityError):  # and a type that does not exist
        await db.write(
            lambda c: c.execute("UPDATE consultations SET type_id = 999 WHERE id = ?", (request,))
        )


async def test_the_database_refuses_removing_a_type_still_pointed_at(
    db: Database, types: ConsultTypeService
) -> None:
    kind = await types.add(GUILD, name="Intake", description="d", staff_role_id=5, now=NOW)
    request = await _request(db, GUILD, 1, status="closed")
    await db.write(
        lambda c: c.execute("UPDATE consultations SET type_id = ? WHERE id = ?", (kind.id, request))
    )

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(lambda c: c.execute("DELETE FROM consult_types WHERE id = ?", (kind.id,)))


async def test_route_falls_back_to_the_servers_setup(types: ConsultTypeService) -> None:
    config = GuildConfig(
        GUILD, staff_role_id=1, queue_channel_id=2, consult_channel_id=3, response_time_text="soon"
    )
    kind = await types.add(
        GUILD,
        name="Intake",
        description="d",
        staff_role_id=9,
        now=NOW,
        consult_channel_id=30,
        urgent_fallback_role_id=99,
    )

    default = route(config, None)
    own = route(config, kind)

    assert (default.type_id, default.staff_role_id, default.queue_channel_id) == (None, 1, 2)
    assert default.urgent_fallback_role_id is None
    assert (own.type_id, own.staff_role_id, own.queue_channel_id) == (kind.id, 9, 2)
    assert (own.consult_channel_id, own.expected_response) == (30, "soon")
    assert own.urgent_fallback_role_id == 99


# --------------------------------------------------------------------------- the migration


def _before_types(tmp_path: Path) -> Path:
    """A folder of the migrations before consultation types (whatever number theirs is)."""
    folder = tmp_path / "old-migrations"
    folder.mkdir()
    for migration in load_migrations():
        if migration.name.endswith("_consult_types.sql"):
            break
        shutil.copy(MIGRATIONS_DIR / migration.name, folder / migration.name)
    return folder


async def test_every_request_from_before_types_migrates_into_the_default_type(
    tmp_path: Path,
) -> None:
    path = tmp_path / "support.db"
    old = await Database.open(path, migrations_dir=_before_types(tmp_path))
    version = await old.schema_version()
    assert version < len(load_migrations())
    for number, status in enumerate(("open", "claimed", "closed", "cancelled"), 1):
        claimed = "7" if status == "claimed" else "NULL"
        closed = "200" if status in ("closed", "cancelled") else "NULL"
        await old.write(
            lambda c, n=number, s=status, cl=claimed, cd=closed: c.execute(
                "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, "
                "priority, status, created_at, claimed_by, closed_at) "
                f"VALUES (?, ?, ?, 'coping', 'routine', 2, ?, 100, {cl}, {cd})",
                (GUILD, n, 1000 + n, s),
            )
        )
    await old.close()

    migrated = await Database.open(path)
    try:
        assert await migrated.schema_version() == len(load_migrations())
        rows = await migrated.fetchall(
            "SELECT number, status, type_id FROM consultations ORDER BY number"
        )
        assert [(row["number"], row["status"], row["type_id"]) for row in rows] == [
            (1, "open", None),
            (2, "claimed", None),
            (3, "closed", None),
            (4, "cancelled", None),
        ]
        assert await ConsultTypeService(migrated).list(GUILD) == ()
    finally:
        await migrated.close()
