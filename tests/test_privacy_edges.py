"""bot.privacy at its edges, on a real SQLite file: every kind of data, every boundary.

Written against the survivors of ``scripts/mutate bot/privacy.py`` (issue 15): each test pins
what a member is shown (the export's exact shape), what the database holds after an erasure
or a purge, and what is left in the file on disk.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.crypto import Cipher, new_key
from bot.db import Database
from bot.privacy import (
    CHECKIN_OUTREACH,
    CHECKINS,
    CONSULT_BLOCKS,
    CONSULT_DM_LINKS,
    CONSULT_FOLLOW_UPS,
    CONSULTATION_ANSWERS,
    CONSULTATION_EVENTS,
    CONSULTATION_FEEDBACK,
    CONSULTATION_NOTES,
    CONSULTATIONS,
    CRISIS_MATCHES,
    ERASED_ID,
    EXPORT_FORMAT,
    MEETING_DM_OPTINS,
    MEMBER_SETTINGS,
    MILESTONES,
    NOT_COLLECTED,
    ONCALL,
    REGISTRY,
    SAFETY_PLANS,
    AuditEntry,
    Column,
    Kind,
    MemberColumn,
    OnErase,
    OpenItem,
    OpenItems,
    Retention,
    Source,
    collect,
    erase,
    export_json,
    is_empty,
    known_in_server,
    load_privacy_notice,
    parse_time,
    pseudonym,
    pseudonym_key,
    purge_expired,
    retention_cutoff,
)
from tests.test_privacy import (
    BYSTANDER,
    GUILD,
    MEMBER,
    OTHER_GUILD,
    STAFF,
    T0,
    Seeder,
    count,
    epoch,
)

PLUS_TWO = dt.timezone(dt.timedelta(hours=2))
UNREADABLE = (
    "Some text could not be decrypted (the encryption key changed); an admin can restore the "
    "original key."
)


@pytest.fixture
def cipher() -> Cipher:
    return Cipher(new_key().encode())


@pytest.fixture
def seed(db: Database, cipher: Cipher) -> Seeder:
    return Seeder(db, cipher)


async def checkin_in(seed: Seeder, member: int, guild: int | None, note: str) -> None:
    async with seed.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO checkins (user_id, guild_id, local_day, created_at, mood, craving, note) "
            "VALUES (?, ?, '2026-01-01', ?, 3, 4, ?)",
            (member, guild, T0.isoformat(), seed.cipher.encrypt(note)),
        )


def wal_size(db: Database) -> int:
    wal = db.path.with_name(db.path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


# ----------------------------------------------------------------- a scratch table, every kind

SCRATCH_SQL = (
    "CREATE TABLE scratch (member_id INTEGER, helper_id INTEGER, guild_id INTEGER, "
    "word TEXT, amount INTEGER, flag INTEGER, snowflake INTEGER, at_unix INTEGER, "
    "at_iso TEXT, secret BLOB, hidden TEXT, status TEXT) STRICT"
)


def scratch_source(**changes: Any) -> Source:
    values: dict[str, Any] = {
        "table": "scratch",
        "title": "Scratch rows",
        "purpose": "For the test.",
        "who_can_see": "Nobody.",
        "member_columns": (
            MemberColumn("member_id", "Member", OnErase.DELETE_ROW),
            MemberColumn("helper_id", "Helper", OnErase.ANONYMISE),
        ),
        "columns": (
            Column("guild_id", "Server", Kind.SNOWFLAKE),
            Column("word", "Word", Kind.TEXT),
            Column("amount", "Amount", Kind.NUMBER),
            Column("flag", "Flag", Kind.FLAG),
            Column("snowflake", "Some id", Kind.SNOWFLAKE),
            Column("at_unix", "At (unix)", Kind.TIME),
            Column("at_iso", "At (ISO)", Kind.TIME),
            Column("secret", "Secret", Kind.SECRET),
            Column("hidden", "Hidden value", Kind.TEXT, withheld="Kept from you for the test."),
            Column("status", "Status"),
        ),
        "retention": Retention("Kept {days} days, or until you delete it."),
        "actor_view": ("word", "flag", "at_unix"),
    }
    values.update(changes)
    return Source(**values)


async def scratch_row(db: Database, cipher: Cipher, **values: Any) -> None:
    row: dict[str, Any] = {"member_id": MEMBER, "guild_id": GUILD, "status": "open"} | values
    if isinstance(row.get("secret"), str):
        row["secret"] = cipher.encrypt(row["secret"])
    names = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    async with db.transaction() as tx:
        await tx.execute(f"INSERT INTO scratch ({names}) VALUES ({marks})", tuple(row.values()))


@pytest.fixture
async def scratch(db: Database) -> Database:
    async with db.transaction() as tx:
        await tx.execute(SCRATCH_SQL)
    return db


async def test_every_kind_of_value_is_exported_as_the_member_should_read_it(
    scratch: Database, cipher: Cipher
) -> None:
    await scratch_row(
        scratch,
        cipher,
        word="calm",
        amount=7,
        flag=1,
        snowflake=123456789012345678,
        at_unix=epoch(T0),
        at_iso="2026-01-01T14:00:00+02:00",
        secret="my own words ✓",
        hidden="not for you",
    )
    await scratch_row(scratch, cipher, flag=0)  # every other value empty
    await scratch_row(scratch, cipher, flag=0, hidden="also not for you")

    collected = await collect(
        scratch, cipher, MEMBER, GUILD, now=T0, retention_days=12, registry=(scratch_source(),)
    )

    records = collected["data"]["scratch"]["records"]
    assert records[:2] == [
        {
            "member_id": str(MEMBER),
            "helper_id": None,
            "guild_id": str(GUILD),
            "word": "calm",
            "amount": 7,
            "flag": True,
            "snowflake": "123456789012345678",
            "at_unix": "2026-01-01T12:00:00Z",
            "at_iso": "2026-01-01T12:00:00Z",
            "secret": "my own words ✓",
            "status": "open",
        },
        {
            "member_id": str(MEMBER),
            "helper_id": None,
            "guild_id": str(GUILD),
            "word": None,
            "amount": None,
            "flag": False,
            "snowflake": None,
            "at_unix": None,
            "at_iso": None,
            "secret": None,
            "status": "open",
        },
    ]
    assert records[2] == records[1]  # a withheld value leaves no trace in the record
    assert collected["data"]["scratch"] == {
        "title": "Scratch rows",
        "purpose": "For the test.",
        "who_can_see": "Nobody.",
        "kept": "Kept 12 days, or until you delete it.",
        "records": records,
    }
    # The withheld column is counted (only where it holds something), never shown.
    assert collected["manifest"]["withheld"][0] == {
        "source": "scratch.hidden",
        "title": "Hidden value",
        "records": 2,
        "reason": "Kept from you for the test.",
    }
    assert "not for you" not in json.dumps(collected)
    assert collected["manifest"]["included"] == [
        {"source": "scratch", "title": "Scratch rows", "records": 3, "mentions": 0}
    ]


async def test_a_helper_sees_their_part_but_not_the_row_and_only_in_its_server(
    scratch: Database, cipher: Cipher
) -> None:
    await scratch_row(scratch, cipher, member_id=BYSTANDER, helper_id=MEMBER, word="a", flag=1)
    await scratch_row(scratch, cipher, member_id=BYSTANDER, helper_id=MEMBER, word="b", flag=0)
    await scratch_row(
        scratch, cipher, member_id=BYSTANDER, helper_id=MEMBER, guild_id=OTHER_GUILD, word="c"
    )
    # Their own row, where they are also the helper: a record, not a mention.
    await scratch_row(scratch, cipher, helper_id=MEMBER, word="own", at_unix=epoch(T0))
    source = scratch_source()

    here = await collect(scratch, cipher, MEMBER, GUILD, now=T0, registry=(source,))
    everywhere = await collect(scratch, cipher, MEMBER, None, now=T0, registry=(source,))

    assert [r["word"] for r in here["data"]["scratch"]["records"]] == ["own"]
    assert here["data"]["scratch"]["mentions"] == [
        {"you_are": "Helper", "word": "a", "flag": True, "at_unix": None},
        {"you_are": "Helper", "word": "b", "flag": False, "at_unix": None},
    ]
    assert [m["word"] for m in everywhere["data"]["scratch"]["mentions"]] == ["a", "b", "c"]
    assert here["manifest"]["included"] == [
        {"source": "scratch", "title": "Scratch rows", "records": 1, "mentions": 2}
    ]


async def test_a_source_without_an_actor_view_still_counts_each_mention(
    scratch: Database, cipher: Cipher
) -> None:
    await scratch_row(scratch, cipher, member_id=BYSTANDER, helper_id=MEMBER)
    source = scratch_source(actor_view=())

    collected = await collect(scratch, cipher, MEMBER, GUILD, now=T0, registry=(source,))

    assert collected["data"]["scratch"]["records"] == []
    assert collected["data"]["scratch"]["mentions"] == [{"you_are": "Helper"}]


async def test_a_source_with_only_acting_columns_has_no_rows_of_its_own(
    scratch: Database, cipher: Cipher
) -> None:
    await scratch_row(scratch, cipher, member_id=MEMBER, helper_id=BYSTANDER)
    source = scratch_source(
        member_columns=(MemberColumn("helper_id", "Helper", OnErase.ANONYMISE),),
        columns=(Column("member_id", "Someone", Kind.NUMBER),),
        actor_view=("member_id",),
    )

    mine = await collect(scratch, cipher, MEMBER, GUILD, now=T0, registry=(source,))
    helpers = await collect(scratch, cipher, BYSTANDER, GUILD, now=T0, registry=(source,))

    assert mine["data"] == {}
    assert helpers["data"]["scratch"]["records"] == []
    assert helpers["data"]["scratch"]["mentions"] == [{"you_are": "Helper", "member_id": MEMBER}]


async def test_rows_only_withheld_still_make_the_export_non_empty(
    scratch: Database, cipher: Cipher
) -> None:
    await scratch_row(scratch, cipher, word="x")
    source = scratch_source(withheld="Counted only, for the test.")

    collected = await collect(scratch, cipher, MEMBER, GUILD, now=T0, registry=(source,))

    assert collected["data"] == {}
    assert collected["manifest"]["included"] == []
    assert collected["manifest"]["withheld"][0] == {
        "source": "scratch",
        "title": "Scratch rows",
        "records": 1,
        "reason": "Counted only, for the test.",
    }
    assert not is_empty(collected)
    nobody = await collect(scratch, cipher, BYSTANDER, GUILD, now=T0, registry=(source,))
    assert [item["source"] for item in nobody["manifest"]["withheld"]] == [
        item.name for item in NOT_COLLECTED
    ]
    assert is_empty(nobody)


# ------------------------------------------------------------------------- the export's frame


@pytest.mark.parametrize(
    ("guild", "server_id", "scope"),
    [
        (GUILD, str(GUILD), "this server, plus data not tied to one"),
        (None, None, "all servers"),
    ],
)
async def test_the_export_says_whose_it_is_when_and_how_far_it_reaches(
    db: Database, cipher: Cipher, seed: Seeder, guild: int | None, server_id: str | None, scope: str
) -> None:
    await seed.checkin(MEMBER, "hello")

    collected = await collect(db, cipher, MEMBER, guild, now=T0.astimezone(PLUS_TWO))

    assert {k: v for k, v in collected.items() if k not in ("manifest", "data")} == {
        "format": EXPORT_FORMAT,
        "generated_at": "2026-01-01T12:00:00Z",
        "member_id": str(MEMBER),
        "server_id": server_id,
        "scope": scope,
        "times": "UTC, ISO 8601",
    }
    assert collected["manifest"]["withheld"] == [
        {"source": item.name, "title": item.title, "reason": item.reason} for item in NOT_COLLECTED
    ]


async def test_without_a_clock_the_export_is_stamped_now(db: Database, cipher: Cipher) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)

    collected = await collect(db, cipher, MEMBER, GUILD)

    stamped = parse_time(collected["generated_at"])
    assert stamped is not None
    assert collected["generated_at"].endswith("Z")
    assert before <= stamped <= dt.datetime.now(dt.UTC)


async def test_the_export_file_is_readable_utf8_json(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    await seed.checkin(MEMBER, "un día difícil ✓")

    exported = await export_json(db, cipher, MEMBER, GUILD, now=T0, retention_days=9)

    assert "un día difícil ✓".encode() in exported  # not \u escapes
    assert exported.startswith(b'{\n  "format": ')  # indented, for a person to read
    assert json.loads(exported) == await collect(
        db, cipher, MEMBER, GUILD, now=T0, retention_days=9
    )


async def test_export_passes_the_retention_on(db: Database, cipher: Cipher, seed: Seeder) -> None:
    await seed.crisis_match(MEMBER, T0)

    exported = json.loads(await export_json(db, cipher, MEMBER, GUILD, now=T0, retention_days=9))

    assert exported["data"]["crisis_matches"]["kept"] == "Deleted 9 days after the alert."
    assert exported["generated_at"] == "2026-01-01T12:00:00Z"


async def test_unreadable_text_is_counted_per_table(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    await seed.checkin(MEMBER, "old key one", day=1)
    await seed.checkin(MEMBER, "old key two", day=2)
    await seed.milestone(MEMBER, "old key label")

    collected = await collect(db, Cipher(new_key().encode()), MEMBER, GUILD, now=T0)

    unreadable = [i for i in collected["manifest"]["withheld"] if "records" in i]
    assert unreadable == [
        {"source": "checkins", "title": CHECKINS.title, "records": 2, "reason": UNREADABLE},
        {"source": "milestones", "title": MILESTONES.title, "records": 1, "reason": UNREADABLE},
    ]


async def test_every_table_of_the_member_is_described_exactly(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    closed = await seed.consultation(MEMBER, status="closed", closed_at=T0, note="n")
    await seed.staff_note(closed, STAFF, "staff words")
    await seed.answer(closed, MEMBER, "Who is it about?", "a")
    await seed.feedback(closed, MEMBER, STAFF, comment="f")
    await seed.checkin(MEMBER, "c")
    await seed.outreach(MEMBER)
    await seed.safety_plan(MEMBER, "p")
    await seed.milestone(MEMBER, "m")
    await seed.optin(MEMBER)
    await seed.crisis_match(MEMBER, T0)
    await seed.consult_block(MEMBER, STAFF, "b")
    await seed.oncall(MEMBER)
    await seed.follow_up(closed, MEMBER, STAFF, "f")
    await seed.dm_link(closed, MEMBER)
    await seed.crisis_region(MEMBER)

    collected = await collect(db, cipher, MEMBER, GUILD, now=T0, retention_days=21)

    for source in REGISTRY:
        if source is CONSULTATION_NOTES:
            assert source.table not in collected["data"]
            continue
        entry = collected["data"][source.table]
        assert entry["title"] == source.title
        assert entry["purpose"] == source.purpose
        assert entry["who_can_see"] == source.who_can_see
        assert entry["kept"] == source.retention.rule.replace("{days}", "21")
        assert "mentions" not in entry
    assert collected["manifest"]["included"] == [
        {"source": s.table, "title": s.title, "records": n, "mentions": 0}
        for s, n in (
            (CONSULTATION_EVENTS, 1),
            (CONSULTATION_ANSWERS, 1),
            (CONSULT_FOLLOW_UPS, 1),
            (CONSULTATION_FEEDBACK, 1),
            (CONSULT_DM_LINKS, 1),
            (CONSULTATIONS, 1),
            (CONSULT_BLOCKS, 1),
            (CHECKINS, 1),
            (CHECKIN_OUTREACH, 1),
            (SAFETY_PLANS, 1),
            (MILESTONES, 1),
            (MEETING_DM_OPTINS, 1),
            (CRISIS_MATCHES, 1),
            (ONCALL, 1),
            (MEMBER_SETTINGS, 1),
        )
    ]
    assert collected["manifest"]["withheld"][0] == {
        "source": "consultation_notes",
        "title": CONSULTATION_NOTES.title,
        "records": 1,
        "reason": CONSULTATION_NOTES.withheld,
    }


async def test_a_staff_member_sees_each_thing_they_did_and_nothing_else(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    first = await seed.consultation(MEMBER, status="claimed", claimed_by=STAFF)
    await seed.staff_note(first, STAFF, "private staff words")
    await seed.consultation(BYSTANDER, guild=OTHER_GUILD, status="claimed", claimed_by=STAFF)

    here = await collect(db, cipher, STAFF, GUILD, now=T0)

    assert here["data"]["consultation_notes"] == {
        "title": CONSULTATION_NOTES.title,
        "purpose": CONSULTATION_NOTES.purpose,
        "who_can_see": CONSULTATION_NOTES.who_can_see,
        "kept": CONSULTATION_NOTES.retention.describe(30),
        "records": [],
        "mentions": [
            {
                "you_are": "Staff member who wrote the note",
                "consultation_id": first,
                "created_at": "2026-01-01T12:00:00Z",
            }
        ],
    }
    assert here["data"]["consultation_events"]["mentions"] == [
        {
            "you_are": "Who did it",
            "consultation_id": first,
            "guild_id": str(GUILD),
            "kind": "claimed",
            "at": "2026-01-01T12:00:00Z",
        }
    ]
    assert here["data"]["consultations"]["mentions"] == [
        {"you_are": "Staff member who claimed it", "guild_id": str(GUILD), "number": 1,
         "status": "claimed"}
    ]  # fmt: skip
    assert "private staff words" not in json.dumps(here)
    assert not any("records" in item for item in here["manifest"]["withheld"])
    everywhere = await collect(db, cipher, STAFF, None, now=T0)
    assert len(everywhere["data"]["consultations"]["mentions"]) == 2


# ----------------------------------------------------------------------------------- erasing


async def test_a_server_only_erasure_needs_the_server(db: Database) -> None:
    with pytest.raises(ValueError, match=r"^a server-only erasure needs the server$"):
        await erase(db, MEMBER, None, server_only=True)


@pytest.mark.parametrize(
    ("guild", "server_only", "left"),
    [
        # A server's admin: only what was written in that server.
        (GUILD, True, {"checkins": [OTHER_GUILD, None], "milestones": [OTHER_GUILD]}),
        # The member in a server: that server, and their check-ins wherever written.
        (GUILD, False, {"checkins": [], "milestones": [OTHER_GUILD]}),
        # The member in a DM: everything.
        (None, False, {"checkins": [], "milestones": []}),
    ],
    ids=["admin-forget", "member-in-server", "member-in-dm"],
)
async def test_erasure_reaches_exactly_its_scope(
    db: Database,
    seed: Seeder,
    guild: int | None,
    server_only: bool,
    left: dict[str, list[int | None]],
) -> None:
    for where in (GUILD, OTHER_GUILD, None):
        await checkin_in(seed, MEMBER, where, "mine")
    for where_m in (GUILD, OTHER_GUILD):
        await seed.milestone(MEMBER, "mine", guild=where_m)
    await checkin_in(seed, BYSTANDER, GUILD, "theirs")

    report = await erase(db, MEMBER, guild, server_only=server_only)

    for table, servers in left.items():
        rows = await db.fetchall(
            f"SELECT guild_id FROM {table} WHERE user_id = ? ORDER BY rowid", (MEMBER,)
        )
        assert [r["guild_id"] for r in rows] == servers
    assert report.deleted == {
        "checkins": 3 - len(left["checkins"]),
        "milestones": 2 - len(left["milestones"]),
    }
    assert report.total == 5 - len(left["checkins"]) - len(left["milestones"])
    assert await count(db, "SELECT count(*) FROM checkins WHERE user_id = ?", BYSTANDER) == 1


async def test_a_table_not_tied_to_a_server_is_left_to_the_members_own_request(
    scratch: Database, cipher: Cipher
) -> None:
    await scratch_row(scratch, cipher, guild_id=None)
    source = scratch_source(guild_filter=None)

    by_admin = await erase(scratch, MEMBER, GUILD, server_only=True, registry=(source,))
    assert by_admin.total == 0
    assert await count(scratch, "SELECT count(*) FROM scratch") == 1
    assert await known_in_server(scratch, MEMBER, GUILD, registry=(source,)) is False
    shown = await collect(scratch, cipher, MEMBER, GUILD, now=T0, registry=(source,))
    assert len(shown["data"]["scratch"]["records"]) == 1

    by_member = await erase(scratch, MEMBER, GUILD, registry=(source,))
    assert by_member.deleted == {"scratch": 1}
    assert await count(scratch, "SELECT count(*) FROM scratch") == 0


async def test_every_acting_column_is_anonymised_and_counted(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    closed = await seed.consultation(MEMBER, status="closed", closed_at=T0, note="n")
    await seed.staff_note(closed, STAFF, "one")
    await seed.staff_note(closed, STAFF, "two")
    claimed = await seed.consultation(BYSTANDER, status="claimed", claimed_by=STAFF)
    elsewhere = await seed.consultation(
        BYSTANDER, guild=OTHER_GUILD, status="claimed", claimed_by=STAFF
    )

    report = await erase(db, STAFF, GUILD)

    assert report.deleted == {}
    assert report.anonymised == {
        "consultation_notes": 2,
        "consultation_events": 1,  # the claim event
        "consultations": 2,  # closed_by on one, claimed_by on the other
    }
    assert report.total == 5
    rows = {
        r["id"]: (r["claimed_by"], r["closed_by"])
        for r in await db.fetchall("SELECT id, claimed_by, closed_by FROM consultations")
    }
    assert rows == {
        closed: (None, ERASED_ID),
        claimed: (ERASED_ID, None),
        elsewhere: (STAFF, None),  # another server's record is that server's business
    }
    notes = await db.fetchall("SELECT author_id FROM consultation_notes")
    assert [r["author_id"] for r in notes] == [ERASED_ID, ERASED_ID]
    events = await db.fetchall(
        "SELECT consultation_id, actor_id FROM consultation_events WHERE kind = 'claimed' "
        "ORDER BY consultation_id"
    )
    assert [(r["consultation_id"], r["actor_id"]) for r in events] == [
        (claimed, ERASED_ID),
        (elsewhere, STAFF),
    ]


async def test_every_request_still_in_progress_is_reported_in_order(
    db: Database, seed: Seeder
) -> None:
    await seed.consultation(MEMBER, status="closed", closed_at=T0, note="done")
    await seed.consultation(MEMBER, status="cancelled", closed_at=T0)
    opened = await seed.consultation(MEMBER, status="open", thread_id=None)
    claimed = await seed.consultation(
        MEMBER, guild=OTHER_GUILD, status="claimed", claimed_by=STAFF, thread_id=77
    )
    assert opened < claimed

    report = await erase(db, MEMBER, None)

    assert report.open_items == (
        OpenItem("consultations", GUILD, 3, None, 5, 6),
        OpenItem("consultations", OTHER_GUILD, 4, 77, 5, 6),
    )


async def test_open_items_name_only_the_columns_a_source_has(
    scratch: Database, cipher: Cipher
) -> None:
    await scratch_row(scratch, cipher, amount=4, snowflake=9)
    await scratch_row(scratch, cipher, amount=5, status="done")
    bare = scratch_source(open_items=OpenItems(where="status = 'open'"))
    full = scratch_source(
        guild_filter="guild_id = :guild",
        open_items=OpenItems(
            where="status = 'open'",
            thread_column="snowflake",
            channel_column="amount",
            message_column="snowflake",
            number_column="amount",
        ),
    )
    other_filter = scratch_source(
        guild_filter="guild_id IN (:guild)", open_items=OpenItems(where="status = 'open'")
    )

    assert (await erase(scratch, MEMBER, GUILD, registry=(full,))).open_items == (
        OpenItem("scratch", GUILD, 4, 9, 4, 9),
    )
    await scratch_row(scratch, cipher, amount=4, snowflake=9)
    assert (await erase(scratch, MEMBER, GUILD, registry=(bare,))).open_items == (
        OpenItem("scratch", GUILD, None, None, None, None),
    )
    await scratch_row(scratch, cipher, amount=4, snowflake=9)
    # Without the plain server column the server is not guessed from the filter.
    assert (await erase(scratch, MEMBER, GUILD, registry=(other_filter,))).open_items == (
        OpenItem("scratch", None, None, None, None, None),
    )


async def test_the_audit_row_records_the_erasure_without_any_id(db: Database, seed: Seeder) -> None:
    closed = await seed.consultation(MEMBER, status="closed", closed_at=T0, note="n")
    await seed.staff_note(closed, STAFF, "s")
    claimed = await seed.consultation(BYSTANDER, status="claimed", claimed_by=MEMBER)
    assert claimed
    secret = pseudonym_key(new_key().encode())
    at = dt.datetime(2026, 3, 1, 14, 30, tzinfo=PLUS_TWO)

    await erase(
        db, MEMBER, GUILD, audit=AuditEntry("admin_forget", pseudonym(secret, MEMBER), "a1", at)
    )
    await erase(db, MEMBER, None, audit=AuditEntry("member_request", "s2", None, at))

    rows = await db.fetchall(
        "SELECT action, guild_id, subject_code, actor_code, rows_deleted, rows_anonymised, "
        "created_at FROM privacy_audit ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [
        # 1 request, its event and its note; 1 claim and its event anonymised.
        ("admin_forget", GUILD, pseudonym(secret, MEMBER), "a1", 3, 2, "2026-03-01T12:30:00+00:00"),
        ("member_request", None, "s2", None, 0, 0, "2026-03-01T12:30:00+00:00"),
    ]


async def test_an_erasure_without_an_audit_entry_writes_no_audit_row(
    db: Database, seed: Seeder
) -> None:
    await seed.checkin(MEMBER, "x")

    await erase(db, MEMBER, GUILD)

    assert await count(db, "SELECT count(*) FROM privacy_audit") == 0


async def test_an_erasure_and_a_purge_leave_the_wal_empty(db: Database, seed: Seeder) -> None:
    await seed.checkin(MEMBER, "x")
    await seed.crisis_match(MEMBER, T0)
    assert wal_size(db) > 0

    await erase(db, MEMBER, GUILD, registry=(CHECKINS,))
    assert wal_size(db) == 0

    await seed.checkin(MEMBER, "y")
    assert wal_size(db) > 0
    assert (await purge_expired(db, T0 + dt.timedelta(days=1), 1)).total == 1
    assert wal_size(db) == 0


# ------------------------------------------------------------------------- who a server knows


async def add_event(db: Database, consultation: int, guild: int, actor: int) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO consultation_events (consultation_id, guild_id, kind, actor_id, at) "
            "VALUES (?, ?, 'transferred', ?, ?)",
            (consultation, guild, actor, epoch(T0)),
        )


async def _request(seed: Seeder, who: int) -> None:
    await seed.consultation(who)


async def _claimed(seed: Seeder, who: int) -> None:
    await seed.consultation(BYSTANDER, status="claimed", claimed_by=who)


async def _closed(seed: Seeder, who: int) -> None:
    closed = await seed.consultation(BYSTANDER, status="closed", closed_at=T0)
    async with seed.db.transaction() as tx:
        await tx.execute("UPDATE consultations SET closed_by = ? WHERE id = ?", (who, closed))


async def _note(seed: Seeder, who: int) -> None:
    await seed.staff_note(await seed.consultation(BYSTANDER), who, "n")


async def _event(seed: Seeder, who: int) -> None:
    await add_event(seed.db, await seed.consultation(BYSTANDER), GUILD, who)


async def _checkin(seed: Seeder, who: int) -> None:
    await checkin_in(seed, who, GUILD, "c")


async def _milestone(seed: Seeder, who: int) -> None:
    await seed.milestone(who, "m")


async def _optin(seed: Seeder, who: int) -> None:
    await seed.optin(who)


async def _alert(seed: Seeder, who: int) -> None:
    await seed.crisis_match(who, T0)


KINDS = {
    "request": _request,
    "claimed": _claimed,
    "closed": _closed,
    "staff note": _note,
    "request event": _event,
    "checkin": _checkin,
    "milestone": _milestone,
    "dm reminders": _optin,
    "safety alert": _alert,
}


@pytest.mark.parametrize("kind", list(KINDS))
async def test_a_server_knows_someone_by_anything_stored_from_it(
    db: Database, seed: Seeder, kind: str
) -> None:
    assert await known_in_server(db, MEMBER, GUILD) is False

    await KINDS[kind](seed, MEMBER)

    assert await known_in_server(db, MEMBER, GUILD) is True
    assert await known_in_server(db, MEMBER, OTHER_GUILD) is False
    assert await known_in_server(db, STAFF, GUILD) is False
    await erase(db, MEMBER, GUILD, server_only=True)
    assert await known_in_server(db, MEMBER, GUILD) is False


async def test_what_was_written_elsewhere_does_not_make_someone_known(
    db: Database, seed: Seeder
) -> None:
    await checkin_in(seed, MEMBER, OTHER_GUILD, "elsewhere")
    await checkin_in(seed, MEMBER, None, "a DM")
    await seed.crisis_match(MEMBER, T0, guild=None)

    assert await known_in_server(db, MEMBER, GUILD) is False
    assert await known_in_server(db, MEMBER, OTHER_GUILD) is True


async def test_with_no_tables_nobody_is_known(db: Database, seed: Seeder) -> None:
    await seed.checkin(MEMBER, "x")

    assert await known_in_server(db, MEMBER, GUILD, registry=()) is False


# --------------------------------------------------------------------------------- retention


def purge_times(days: int) -> tuple[dt.datetime, dt.datetime]:
    edge = T0 + dt.timedelta(days=days)
    return edge - dt.timedelta(seconds=1), edge


@pytest.mark.parametrize("status", ["closed", "cancelled"])
@pytest.mark.parametrize("days", [1, 30, 3650])
async def test_a_finished_requests_words_go_at_exactly_retention_days(
    db: Database, seed: Seeder, status: str, days: int
) -> None:
    finished = await seed.consultation(MEMBER, status=status, closed_at=T0, note="words")
    await seed.staff_note(finished, STAFF, "staff words")
    early, edge = purge_times(days)

    assert (await purge_expired(db, early, days)).total == 0
    assert await count(db, "SELECT count(*) FROM consultation_notes") == 1

    report = await purge_expired(db, edge.astimezone(PLUS_TWO), days)

    assert report.purged == {"consultation_notes": 1, "consultations": 1}
    assert report.total == 2
    row = await db.fetchone("SELECT * FROM consultations WHERE id = ?", (finished,))
    assert row is not None
    assert (row["note"], row["preferred_time"], row["close_reason"]) == (None, None, None)
    assert (row["status"], row["closed_at"], row["topic"]) == (status, epoch(T0), "coping")
    assert await count(db, "SELECT count(*) FROM consultation_notes") == 0
    assert (await purge_expired(db, edge + dt.timedelta(days=1), days)).total == 0


async def test_a_closing_reason_alone_is_still_purged(db: Database, seed: Seeder) -> None:
    finished = await seed.consultation(MEMBER, status="closed", closed_at=T0, note=None)

    report = await purge_expired(db, T0 + dt.timedelta(days=30), 30)

    assert report.purged == {"consultations": 1}
    row = await db.fetchone("SELECT close_reason FROM consultations WHERE id = ?", (finished,))
    assert row is not None
    assert row["close_reason"] is None


@pytest.mark.parametrize("status", ["open", "claimed"])
async def test_a_request_in_progress_keeps_its_words_however_old(
    db: Database, seed: Seeder, status: str
) -> None:
    ongoing = await seed.consultation(
        MEMBER, status=status, claimed_by=STAFF if status == "claimed" else None, note="mine"
    )
    await seed.staff_note(ongoing, STAFF, "staff words")

    report = await purge_expired(db, T0 + dt.timedelta(days=4000), 1)

    assert report.total == 0
    row = await db.fetchone("SELECT note FROM consultations WHERE id = ?", (ongoing,))
    assert row is not None
    assert row["note"] is not None
    assert await count(db, "SELECT count(*) FROM consultation_notes") == 1


@pytest.mark.parametrize("days", [1, 30])
async def test_a_safety_alert_goes_at_exactly_retention_days(
    db: Database, seed: Seeder, days: int
) -> None:
    await seed.crisis_match(MEMBER, T0)
    await seed.crisis_match(MEMBER, T0 + dt.timedelta(seconds=1))
    early, edge = purge_times(days)

    assert (await purge_expired(db, early, days)).total == 0
    assert (await purge_expired(db, edge, days)).purged == {"crisis_matches": 1}
    assert await count(db, "SELECT count(*) FROM crisis_matches") == 1
    assert (await purge_expired(db, edge + dt.timedelta(seconds=1), days)).total == 1
    assert await count(db, "SELECT count(*) FROM crisis_matches") == 0


async def test_data_kept_until_erased_is_never_purged(db: Database, seed: Seeder) -> None:
    await seed.checkin(MEMBER, "c")
    await seed.milestone(MEMBER, "m")
    await seed.optin(MEMBER)
    await seed.consultation(MEMBER, note="open")

    assert (await purge_expired(db, T0 + dt.timedelta(days=4000), 1)).total == 0
    for table in ("checkins", "milestones", "meeting_dm_optins", "consultations"):
        assert await count(db, f"SELECT count(*) FROM {table}") == 1


class _NoOffset(dt.tzinfo):
    def utcoffset(self, when: dt.datetime | None) -> dt.timedelta | None:
        return None

    def dst(self, when: dt.datetime | None) -> dt.timedelta | None:
        return None


def test_the_cutoff_is_retention_days_before_now_in_utc() -> None:
    cutoff = retention_cutoff(T0.astimezone(PLUS_TWO), 1)

    assert cutoff == T0 - dt.timedelta(days=1)
    assert cutoff.utcoffset() == dt.timedelta(0)
    with pytest.raises(ValueError, match="timezone-aware"):
        retention_cutoff(dt.datetime(2026, 1, 1, tzinfo=_NoOffset()), 30)


def test_parse_time_reads_every_stored_form_as_utc() -> None:
    assert parse_time(epoch(T0) + 0.5) == T0 + dt.timedelta(milliseconds=500)
    aware = parse_time("2026-01-01T14:00:00+02:00")
    assert aware == T0
    assert aware is not None
    assert aware.utcoffset() == dt.timedelta(0)
    naive = parse_time("2026-01-01T12:00:00")
    assert naive is not None
    assert naive.tzinfo is dt.UTC


def test_a_pseudonym_is_the_same_in_every_version_of_the_bot() -> None:
    # Audit rows written by an older bot must still match the same member after an upgrade.
    secret = pseudonym_key(b"x" * 44)

    assert secret.hex() == "8d2dbad7b8eefb544bed37d5406c8714c3848ed039dde2db801d2142f49abe09"
    assert (
        pseudonym(secret, 123456789012345678)
        == "d10dc2d647fe2ccfb8a2b5e7023feb8d0dddf113f8d2f702c41b7a8030d7f258"
    )


def test_a_notice_section_fills_in_the_retention(tmp_path: Path) -> None:
    (tmp_path / "privacy.toml").write_text(
        'title = "Privacy"\nintro = "What we keep."\n'
        '[[sections]]\nname = "Notes"\ntext = "Kept {days} days, then {days} more never."\n',
        "utf-8",
    )

    notice = load_privacy_notice(tmp_path)

    assert notice.sections_for(7) == [("Notes", "Kept 7 days, then 7 more never.")]


async def test_the_export_file_states_the_default_retention_and_uses_the_registry_given(
    scratch: Database, cipher: Cipher, seed: Seeder
) -> None:
    await seed.crisis_match(MEMBER, T0)
    await scratch_row(scratch, cipher, word="only here")

    default = json.loads(await export_json(scratch, cipher, MEMBER, GUILD, now=T0))
    custom = json.loads(
        await export_json(scratch, cipher, MEMBER, GUILD, now=T0, registry=(scratch_source(),))
    )

    assert default["data"]["crisis_matches"]["kept"] == "Deleted 30 days after the alert."
    assert set(custom["data"]) == {"scratch"}


def test_a_wrong_clock_or_retention_is_refused_with_its_exact_reason() -> None:
    with pytest.raises(ValueError, match=r"^now must be timezone-aware \(UTC\)$"):
        retention_cutoff(dt.datetime(2026, 1, 1), 30)
    with pytest.raises(ValueError, match=r"^retention_days must be at least 1$"):
        retention_cutoff(T0, 0)


async def test_purges_and_erasures_log_counts_and_table_names_only(
    db: Database, seed: Seeder, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.privacy")
    finished = await seed.consultation(MEMBER, status="closed", closed_at=T0, note="words")
    await seed.staff_note(finished, STAFF, "staff words")
    await seed.consultation(MEMBER, status="claimed", claimed_by=STAFF, note="open words")

    await purge_expired(db, T0 + dt.timedelta(days=30), 30)
    await purge_expired(db, T0 + dt.timedelta(days=30), 30)
    await erase(db, STAFF, GUILD)
    await erase(db, MEMBER, None, audit=AuditEntry("member_request", "code", None, T0))

    assert [r.getMessage() for r in caplog.records if r.name.startswith("bot.privacy")] == [
        "privacy.purged total=2 tables=consultation_notes,consultations",
        "privacy.purged total=0 tables=",
        f"privacy.erased guild={GUILD} deleted=0 anonymised=3 open=0 audit=none",
        "privacy.erased guild=None deleted=5 anonymised=0 open=1 audit=member_request",
    ]


async def test_a_mentions_values_are_exported_like_a_records(
    scratch: Database, cipher: Cipher
) -> None:
    await scratch_row(
        scratch, cipher, member_id=BYSTANDER, helper_id=MEMBER, secret="shift handover ✓"
    )
    source = scratch_source(actor_view=("secret", "snowflake"))

    collected = await collect(scratch, cipher, MEMBER, GUILD, now=T0, registry=(source,))

    assert collected["data"]["scratch"]["mentions"] == [
        {"you_are": "Helper", "secret": "shift handover ✓", "snowflake": None}
    ]


def test_asking_a_source_for_a_column_it_lacks_names_both() -> None:
    with pytest.raises(KeyError, match=r"^'consultations\.nope'$"):
        CONSULTATIONS.column("nope")


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time zone is not UTC (the bot may run anywhere)."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("far_from_utc")
async def test_times_read_and_stamped_are_utc_whatever_the_machines_time_zone(
    db: Database, cipher: Cipher
) -> None:
    cutoff = retention_cutoff(T0.astimezone(PLUS_TWO), 30)
    read = parse_time("2026-01-01T14:00:00+02:00")
    collected = await collect(db, cipher, MEMBER, GUILD, now=T0.astimezone(PLUS_TWO))
    await erase(
        db, MEMBER, GUILD, audit=AuditEntry("member_request", "c", None, T0.astimezone(PLUS_TWO))
    )

    assert cutoff.utcoffset() == dt.timedelta(0)
    assert cutoff == T0 - dt.timedelta(days=30)
    assert read is not None
    assert read.utcoffset() == dt.timedelta(0)
    assert collected["generated_at"] == "2026-01-01T12:00:00Z"
    row = await db.fetchone("SELECT created_at FROM privacy_audit")
    assert row is not None
    assert row["created_at"] == "2026-01-01T12:00:00+00:00"


async def test_a_row_about_two_people_is_each_ones_own(scratch: Database, cipher: Cipher) -> None:
    await scratch_row(scratch, cipher, member_id=MEMBER, helper_id=BYSTANDER, word="shared")
    await scratch_row(scratch, cipher, member_id=STAFF, helper_id=STAFF, word="other")
    source = scratch_source(
        member_columns=(
            MemberColumn("member_id", "Member", OnErase.DELETE_ROW),
            MemberColumn("helper_id", "Partner", OnErase.DELETE_ROW),
        ),
        actor_view=(),
    )

    for who in (MEMBER, BYSTANDER):
        shown = await collect(scratch, cipher, who, GUILD, now=T0, registry=(source,))
        assert [r["word"] for r in shown["data"]["scratch"]["records"]] == ["shared"]

    report = await erase(scratch, BYSTANDER, GUILD, registry=(source,))

    assert report.deleted == {"scratch": 1}
    assert await count(scratch, "SELECT count(*) FROM scratch") == 1
