"""bot.privacy on a real SQLite file: collect, export, erase, retention, pseudonyms, encryption."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.crypto import Cipher, key_file_for, new_key, open_cipher
from bot.db import Database
from bot.errors import StartupError, TryAgainError
from bot.privacy import (
    ERASED_ID,
    NOT_COLLECTED,
    REGISTRY,
    AuditEntry,
    Column,
    Kind,
    MemberColumn,
    OnErase,
    Retention,
    Source,
    collect,
    erase,
    export_json,
    is_empty,
    parse_time,
    pseudonym,
    pseudonym_key,
    purge_expired,
    retention_cutoff,
)

GUILD = 111_111_111_111_111_111
OTHER_GUILD = 222_222_222_222_222_222
MEMBER = 900_000_000_000_000_001
STAFF = 900_000_000_000_000_002
BYSTANDER = 900_000_000_000_000_003
T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
SENTINEL = "SENTINEL-7f3a-private-words"


def epoch(when: dt.datetime) -> int:
    return int(when.timestamp())


@pytest.fixture
def cipher() -> Cipher:
    return Cipher(new_key().encode())


@dataclass
class Seeder:
    db: Database
    cipher: Cipher
    numbers: int = 0

    async def consultation(
        self,
        member: int,
        *,
        guild: int = GUILD,
        status: str = "open",
        claimed_by: int | None = None,
        closed_at: dt.datetime | None = None,
        note: str | None = None,
        thread_id: int | None = None,
    ) -> int:
        self.numbers += 1
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, priority, "
                "status, note, preferred_time, created_at, claimed_by, claimed_at, thread_id, "
                "card_channel_id, card_message_id, closed_at, closed_by, close_kind, close_reason) "
                "VALUES (?, ?, ?, 'coping', 'routine', 2, ?, ?, ?, ?, ?, ?, ?, 5, 6, ?, ?, ?, ?)",
                (
                    guild,
                    self.numbers,
                    member,
                    status,
                    self.cipher.encrypt(note),
                    self.cipher.encrypt(f"{SENTINEL} evenings" if note else None),
                    epoch(T0),
                    claimed_by,
                    epoch(T0) if claimed_by else None,
                    thread_id,
                    epoch(closed_at) if closed_at else None,
                    STAFF if closed_at else None,
                    ("resolved" if status == "closed" else "cancelled") if closed_at else None,
                    self.cipher.encrypt(f"{SENTINEL} reason") if closed_at else None,
                ),
            )
            row_id = int(cursor.lastrowid or 0)
            await tx.execute(
                "INSERT INTO consultation_events (consultation_id, guild_id, kind, actor_id, at) "
                "VALUES (?, ?, 'created', ?, ?)",
                (row_id, guild, member, epoch(T0)),
            )
            if claimed_by:
                await tx.execute(
                    "INSERT INTO consultation_events (consultation_id, guild_id, kind, "
                    "actor_id, at) VALUES (?, ?, 'claimed', ?, ?)",
                    (row_id, guild, claimed_by, epoch(T0)),
                )
        return row_id

    async def staff_note(self, consultation_id: int, author: int, text: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO consultation_notes (consultation_id, author_id, body, created_at) "
                "VALUES (?, ?, ?, ?)",
                (consultation_id, author, self.cipher.encrypt(text), epoch(T0)),
            )

    async def answer(self, consultation_id: int, member: int, label: str, text: str) -> None:
        """An answer to one of a type's own questions (the question since removed)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO consultation_answers (consultation_id, member_id, position, label, "
                "answer) VALUES (?, ?, 1, ?, ?)",
                (consultation_id, member, label, self.cipher.encrypt(text)),
            )

    async def feedback(
        self,
        consultation_id: int,
        member: int,
        staff: int,
        *,
        rating: int | None = 4,
        comment: str | None = None,
        guild: int = GUILD,
    ) -> None:
        """The question after a close, answered with ``rating`` and ``comment`` (for leads)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO consultation_feedback (consultation_id, guild_id, member_id, "
                "staff_id, asked_at, rating, rated_at, comment, audience, commented_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    consultation_id,
                    guild,
                    member,
                    staff,
                    epoch(T0),
                    rating,
                    epoch(T0) if rating else None,
                    self.cipher.encrypt(comment),
                    "leads" if comment else None,
                    epoch(T0) if comment else None,
                ),
            )

    async def checkin(self, member: int, note: str | None, day: int = 1) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO checkins (user_id, local_day, created_at, mood, craving, note) "
                "VALUES (?, ?, ?, 3, 4, ?)",
                (member, f"2026-01-{day:02d}", T0.isoformat(), self.cipher.encrypt(note)),
            )

    async def outreach(self, member: int, staff_guild: int | None = GUILD) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO checkin_outreach (user_id, staff_guild_id, created_at) "
                "VALUES (?, ?, ?)",
                (member, staff_guild, T0.isoformat()),
            )

    async def safety_plan(self, member: int, reasons: str) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO safety_plans (user_id, reasons, updated_at) VALUES (?, ?, ?)",
                (member, self.cipher.encrypt(reasons), T0.isoformat()),
            )

    async def milestone(self, member: int, label: str, guild: int = GUILD) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO milestones (guild_id, user_id, start_date, timezone, label, "
                "updated_at) VALUES (?, ?, '2025-12-01', 'UTC', ?, ?)",
                (guild, member, self.cipher.encrypt(label), T0.isoformat()),
            )

    async def optin(self, member: int, guild: int = GUILD) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO meeting_dm_optins (guild_id, user_id, created_at) VALUES (?, ?, ?)",
                (guild, member, T0.isoformat()),
            )

    async def consult_block(
        self, member: int, by: int, reason: str | None, guild: int = GUILD
    ) -> None:
        """A staff lead's block on the member's routine requests (until removed)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO consult_blocks (guild_id, member_id, blocked_by, reason, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (guild, member, by, self.cipher.encrypt(reason), epoch(T0)),
            )

    async def follow_up(
        self, consultation_id: int, member: int, staff: int, note: str | None, guild: int = GUILD
    ) -> None:
        """A check-in the staff member booked with the member (``/ticket follow-up``)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO consult_follow_ups (guild_id, consultation_id, member_id, staff_id, "
                "due_at, timezone, note, created_at) VALUES (?, ?, ?, ?, ?, 'UTC', ?, ?)",
                (
                    guild,
                    consultation_id,
                    member,
                    staff,
                    epoch(T0) + 86400,
                    self.cipher.encrypt(note),
                    epoch(T0),
                ),
            )

    async def dm_link(self, consultation_id: int, member: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO consult_dm_links (consultation_id, member_id, dm_channel_id, "
                "created_at) VALUES (?, ?, 99, ?)",
                (consultation_id, member, epoch(T0)),
            )

    async def oncall(self, staff: int, guild: int = GUILD) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO oncall (guild_id, staff_id, since) VALUES (?, ?, ?)",
                (guild, staff, epoch(T0)),
            )

    async def crisis_region(self, member: int, code: str = "GB") -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO member_settings (user_id, crisis_region) VALUES (?, ?)",
                (member, code),
            )

    async def crisis_match(self, member: int, at: dt.datetime, guild: int | None = GUILD) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO crisis_matches (guild_id, channel_id, message_id, user_id, category, "
                "matched_at, replied) VALUES (?, 7, 8, ?, 'direct', ?, 1)",
                (guild, member, at.isoformat()),
            )


@pytest.fixture
def seed(db: Database, cipher: Cipher) -> Seeder:
    return Seeder(db, cipher)


async def seed_everything(seed: Seeder) -> int:
    """A member with data in every table, a staff member and a bystander; the open request id."""
    closed = await seed.consultation(
        MEMBER, status="closed", closed_at=T0, note=f"{SENTINEL} first", thread_id=41
    )
    await seed.staff_note(closed, STAFF, f"{SENTINEL} staff view")
    await seed.follow_up(closed, MEMBER, STAFF, f"{SENTINEL} follow-up")
    opened = await seed.consultation(
        MEMBER, status="claimed", claimed_by=STAFF, note=f"{SENTINEL} second", thread_id=42
    )
    await seed.checkin(MEMBER, f"{SENTINEL} checkin")
    await seed.milestone(MEMBER, f"{SENTINEL} label")
    await seed.optin(MEMBER)
    await seed.crisis_match(MEMBER, T0)
    await seed.consult_block(MEMBER, STAFF, f"{SENTINEL} block reason")
    await seed.consultation(BYSTANDER, note="bystander note")
    await seed.checkin(BYSTANDER, "bystander checkin")
    return opened


async def count(db: Database, sql: str, *params: Any) -> int:
    row = await db.fetchone(sql, params)
    assert row is not None
    return int(row[0])


# ------------------------------------------------------------------------------ collect/export


async def test_collect_with_no_data_is_empty_but_explains_what_is_not_collected(
    db: Database, cipher: Cipher
) -> None:
    collected = await collect(db, cipher, MEMBER, GUILD, now=T0)

    assert is_empty(collected)
    assert collected["data"] == {}
    assert collected["member_id"] == str(MEMBER)
    assert collected["server_id"] == str(GUILD)
    assert collected["manifest"]["included"] == []
    withheld = {item["source"] for item in collected["manifest"]["withheld"]}
    assert withheld == {item.name for item in NOT_COLLECTED}
    json.loads(await export_json(db, cipher, MEMBER, GUILD, now=T0))


async def test_collect_returns_everything_decrypted_with_ids_as_strings(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    await seed_everything(seed)

    collected = await collect(db, cipher, MEMBER, GUILD, now=T0, retention_days=45)

    data = collected["data"]
    assert set(data) == {
        "consultation_events",
        "consult_follow_ups",
        "consultations",
        "consult_blocks",
        "checkins",
        "milestones",
        "meeting_dm_optins",
        "crisis_matches",
    }
    requests = data["consultations"]["records"]
    assert [r["note"] for r in requests] == [f"{SENTINEL} first", f"{SENTINEL} second"]
    assert requests[0]["member_id"] == str(MEMBER)
    assert requests[0]["guild_id"] == str(GUILD)
    assert requests[0]["created_at"] == "2026-01-01T12:00:00Z"
    assert requests[0]["close_reason"] == f"{SENTINEL} reason"
    assert requests[1]["claimed_by"] == str(STAFF)
    assert "45 days" in data["consultations"]["kept"]
    assert data["checkins"]["records"][0]["note"] == f"{SENTINEL} checkin"
    assert data["milestones"]["records"][0]["label"] == f"{SENTINEL} label"
    assert data["milestones"]["records"][0]["celebrate"] is False
    assert data["crisis_matches"]["records"][0]["message_id"] == "8"
    assert "bystander" not in json.dumps(collected)
    # Staff notes are withheld, with a reason and a count, never their text.
    withheld = {item["source"]: item for item in collected["manifest"]["withheld"]}
    assert withheld["consultation_notes"]["records"] == 1
    assert "staff view" not in json.dumps(collected)
    # A block shows when and who, but its reason is withheld like staff notes.
    block = data["consult_blocks"]["records"][0]
    assert block == {
        "member_id": str(MEMBER),
        "blocked_by": str(STAFF),
        "id": 1,
        "guild_id": str(GUILD),
        "created_at": "2026-01-01T12:00:00Z",
        "expires_at": None,
    }
    assert withheld["consult_blocks.reason"]["records"] == 1
    assert "block reason" not in json.dumps(collected)
    # A follow-up shows when and who booked it; the consultant's note is withheld.
    follow_up = data["consult_follow_ups"]["records"][0]
    assert (follow_up["staff_id"], follow_up["due_at"], follow_up["state"]) == (
        str(STAFF),
        "2026-01-02T12:00:00Z",
        "booked",
    )
    assert "note" not in follow_up
    assert withheld["consult_follow_ups.note"]["records"] == 1
    assert f"{SENTINEL} follow-up" not in json.dumps(collected)
    assert not is_empty(collected)


async def test_a_staff_member_sees_what_they_did_but_never_other_members_notes(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    await seed_everything(seed)

    exported = (await export_json(db, cipher, STAFF, GUILD, now=T0)).decode()

    collected = json.loads(exported)
    assert SENTINEL not in exported
    assert set(collected["data"]) == {
        "consultation_notes",
        "consultation_events",
        "consult_follow_ups",
        "consultations",
        "consult_blocks",
    }
    mentions = collected["data"]["consultations"]["mentions"]
    assert {m["you_are"] for m in mentions} == {
        "Staff member who claimed it",
        "Who closed it",
    }
    assert collected["data"]["consultations"]["records"] == []
    assert collected["data"]["consult_blocks"]["mentions"] == [
        {
            "you_are": "Staff lead who paused them",
            "guild_id": str(GUILD),
            "created_at": "2026-01-01T12:00:00Z",
        }
    ]


async def test_export_with_many_records_is_valid_json_with_every_record(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    for day in range(500):
        await seed.checkin(MEMBER, f"note {day} ✓ \u202e", day=day % 28 + 1)

    exported = await export_json(db, cipher, MEMBER, None, now=T0)

    collected = json.loads(exported)
    assert len(collected["data"]["checkins"]["records"]) == 500
    assert collected["data"]["checkins"]["records"][499]["note"] == "note 499 ✓ \u202e"
    assert collected["server_id"] is None
    assert collected["manifest"]["included"] == [
        {"source": "checkins", "title": "Your private check-ins", "records": 500, "mentions": 0}
    ]


async def test_undecryptable_text_is_reported_not_garbled(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    await seed.checkin(MEMBER, "written with the old key")
    other = Cipher(new_key().encode())

    collected = await collect(db, other, MEMBER, GUILD, now=T0)

    assert collected["data"]["checkins"]["records"][0]["note"] is None
    reasons = [item["reason"] for item in collected["manifest"]["withheld"]]
    assert any("could not be decrypted" in reason for reason in reasons)


# ------------------------------------------------------------------------------------- erase


async def test_erase_deletes_everything_for_the_member_and_reports_open_requests(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    opened = await seed_everything(seed)

    report = await erase(db, MEMBER, GUILD)

    assert report.deleted == {
        "consultation_notes": 1,
        "consultation_events": 3,
        "consult_follow_ups": 1,
        "consultations": 2,
        "consult_blocks": 1,
        "checkins": 1,
        "milestones": 1,
        "meeting_dm_optins": 1,
        "crisis_matches": 1,
    }
    assert len(report.open_items) == 1
    item = report.open_items[0]
    assert (item.table, item.guild_id, item.thread_id, item.message_id) == (
        "consultations",
        GUILD,
        42,
        6,
    )
    assert item.number == 2  # the second request
    assert await count(db, "SELECT count(*) FROM consultations WHERE id = ?", opened) == 0
    assert is_empty(await collect(db, cipher, MEMBER, GUILD, now=T0))
    # The bystander is untouched.
    bystander = await collect(db, cipher, BYSTANDER, GUILD, now=T0)
    assert len(bystander["data"]["consultations"]["records"]) == 1
    assert len(bystander["data"]["checkins"]["records"]) == 1


async def test_erase_twice_is_harmless(db: Database, cipher: Cipher, seed: Seeder) -> None:
    await seed_everything(seed)

    first = await erase(db, MEMBER, GUILD)
    second = await erase(db, MEMBER, GUILD)

    assert first.total > 0
    assert second.total == 0
    assert second.open_items == ()
    assert is_empty(await collect(db, cipher, MEMBER, GUILD, now=T0))


async def test_erasing_a_staff_member_anonymises_their_part_in_others_requests(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    opened = await seed_everything(seed)

    report = await erase(db, STAFF, GUILD)

    assert report.deleted == {}
    assert report.anonymised == {
        "consultation_notes": 1,
        "consultation_events": 1,
        "consult_follow_ups": 1,  # staff_id: the check-in is left to the queue
        "consultations": 2,  # claimed_by on one, closed_by on the other
        "consult_blocks": 1,  # blocked_by: the block on the member stays
    }
    row = await db.fetchone("SELECT status, claimed_by FROM consultations WHERE id = ?", (opened,))
    assert row is not None
    assert (row["status"], row["claimed_by"]) == ("claimed", ERASED_ID)
    assert (
        await count(db, "SELECT count(*) FROM consultation_notes WHERE author_id = ?", STAFF) == 0
    )
    assert is_empty(await collect(db, cipher, STAFF, GUILD, now=T0))
    # The member's own record keeps its notes.
    member = await collect(db, cipher, MEMBER, GUILD, now=T0)
    assert len(member["data"]["consultations"]["records"]) == 2
    assert member["data"]["consult_blocks"]["records"][0]["blocked_by"] == str(ERASED_ID)


async def test_erase_in_one_server_keeps_other_servers_but_not_checkins(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    await seed.consultation(MEMBER, guild=OTHER_GUILD, note="elsewhere")
    await seed.milestone(MEMBER, "elsewhere", guild=OTHER_GUILD)
    await seed.crisis_match(MEMBER, T0, guild=None)  # a DM
    await seed.consultation(MEMBER, note="here")
    await seed.checkin(MEMBER, "not tied to a server")

    await erase(db, MEMBER, GUILD)

    left = await collect(db, cipher, MEMBER, None, now=T0)
    assert set(left["data"]) == {
        "consultation_events",
        "consultations",
        "milestones",
        "crisis_matches",
    }
    assert [r["note"] for r in left["data"]["consultations"]["records"]] == ["elsewhere"]

    await erase(db, MEMBER, None)
    assert is_empty(await collect(db, cipher, MEMBER, None, now=T0))


async def test_erase_is_one_transaction(db: Database, cipher: Cipher, seed: Seeder) -> None:
    await seed_everything(seed)
    broken = Source(
        table="no_such_table",
        title="t",
        purpose="p",
        who_can_see="w",
        member_columns=(MemberColumn("member_id", "m", OnErase.DELETE_ROW),),
        columns=(),
        retention=Retention("r"),
    )

    with pytest.raises(TryAgainError):
        await erase(db, MEMBER, GUILD, registry=(*REGISTRY, broken))

    assert await count(db, "SELECT count(*) FROM consultations WHERE member_id = ?", MEMBER) == 2
    assert await count(db, "SELECT count(*) FROM checkins WHERE user_id = ?", MEMBER) == 1


async def test_erase_writes_an_audit_row_without_any_id(db: Database, seed: Seeder) -> None:
    await seed_everything(seed)
    secret = pseudonym_key(new_key().encode())
    entry = AuditEntry("admin_forget", pseudonym(secret, MEMBER), pseudonym(secret, STAFF), T0)

    await erase(db, MEMBER, GUILD, audit=entry)
    await erase(db, MEMBER, GUILD, audit=entry)

    rows = await db.fetchall("SELECT * FROM privacy_audit ORDER BY id")
    assert [r["rows_deleted"] for r in rows] == [12, 0]
    assert rows[0]["subject_code"] == pseudonym(secret, MEMBER)
    assert rows[0]["guild_id"] == GUILD
    text = " ".join(str(value) for row in rows for value in tuple(row))
    assert str(MEMBER) not in text
    assert str(STAFF) not in text


def test_pseudonyms_are_stable_per_key_and_hide_the_id() -> None:
    key = new_key().encode()
    secret = pseudonym_key(key)

    code = pseudonym(secret, MEMBER)

    assert code == pseudonym(pseudonym_key(key), MEMBER)
    assert code != pseudonym(secret, STAFF)
    assert code != pseudonym(pseudonym_key(new_key().encode()), MEMBER)
    assert len(code) == 64
    assert str(MEMBER) not in code


# ---------------------------------------------------------------------------------- retention


async def test_purge_boundary_is_at_least_retention_days_old(
    db: Database, cipher: Cipher, seed: Seeder
) -> None:
    closed = await seed.consultation(MEMBER, status="closed", closed_at=T0, note="closed note")
    await seed.staff_note(closed, STAFF, "staff note")
    await seed.consultation(BYSTANDER, note="still open")
    await seed.crisis_match(MEMBER, T0)
    boundary = T0 + dt.timedelta(days=30)

    early = await purge_expired(db, boundary - dt.timedelta(seconds=1), 30)
    assert early.total == 0
    row = await db.fetchone("SELECT note FROM consultations WHERE id = ?", (closed,))
    assert row is not None
    assert row["note"] is not None

    exact = await purge_expired(db, boundary, 30)
    assert exact.purged == {"consultation_notes": 1, "consultations": 1, "crisis_matches": 1}
    row = await db.fetchone(
        "SELECT note, preferred_time, close_reason, status, closed_at FROM consultations "
        "WHERE id = ?",
        (closed,),
    )
    assert row is not None
    assert (row["note"], row["preferred_time"], row["close_reason"]) == (None, None, None)
    assert (row["status"], row["closed_at"]) == ("closed", epoch(T0))  # stats are kept
    assert await count(db, "SELECT count(*) FROM consultations WHERE note IS NOT NULL") == 1

    again = await purge_expired(db, boundary + dt.timedelta(days=400), 30)
    assert again.total == 0  # open requests and check-ins are never purged by time


async def test_purge_reads_times_in_any_offset_as_utc(db: Database, seed: Seeder) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO crisis_matches (guild_id, channel_id, message_id, user_id, category, "
            "matched_at, replied) VALUES (1, 7, 8, ?, 'dm', '2026-01-01T14:00:00+02:00', 1)",
            (MEMBER,),
        )
    boundary = T0 + dt.timedelta(days=7)
    plus_one = dt.timezone(dt.timedelta(hours=1))

    assert (await purge_expired(db, boundary - dt.timedelta(microseconds=1), 7)).total == 0
    assert (await purge_expired(db, boundary.astimezone(plus_one), 7)).total == 1


def test_purge_refuses_a_naive_clock() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        retention_cutoff(dt.datetime(2026, 1, 1), 30)
    with pytest.raises(ValueError, match="at least 1"):
        retention_cutoff(T0, 0)


def test_parse_time_accepts_unix_seconds_and_iso_text() -> None:
    assert parse_time(epoch(T0)) == T0
    assert parse_time("2026-01-01T12:00:00Z") == T0
    assert parse_time("2026-01-01T12:00:00") == T0
    assert parse_time(None) is None


async def test_purge_with_a_custom_rule_deletes_whole_rows(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE scratch (member_id INTEGER, at TEXT) STRICT")
        await tx.execute(
            "INSERT INTO scratch VALUES (1, ?), (1, ?)", (T0.isoformat(), "2027-01-01")
        )
    source = Source(
        table="scratch",
        title="t",
        purpose="p",
        who_can_see="w",
        member_columns=(MemberColumn("member_id", "m", OnErase.DELETE_ROW),),
        columns=(Column("at", "a", Kind.TIME),),
        retention=Retention("r", timestamp="at"),
    )

    report = await purge_expired(db, T0 + dt.timedelta(days=1), 1, registry=(source,))

    assert report.purged == {"scratch": 1}
    assert await count(db, "SELECT count(*) FROM scratch") == 1


# --------------------------------------------------------------------------------- encryption


def _raw_bytes(path: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            data += candidate.read_bytes()
    return data


async def test_free_text_is_unreadable_in_the_raw_database_file(tmp_path: Path) -> None:
    path = tmp_path / "raw.db"
    db = await Database.open(path)
    cipher = await open_cipher(db, None)
    seeder = Seeder(db, cipher)
    await seed_everything(seeder)
    await seeder.staff_note(1, STAFF, f"{SENTINEL} another")
    await db.close()

    raw = _raw_bytes(path)

    assert len(raw) > 0
    assert SENTINEL.encode() not in raw
    assert SENTINEL.encode("utf-16-le") not in raw


async def test_key_file_is_created_0600_on_first_run(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "fresh.db")
    await open_cipher(db, None)
    await db.close()

    key_file = key_file_for(tmp_path / "fresh.db")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "fresh.db").stat().st_mode) == 0o600


async def test_a_changed_key_is_one_sentence_at_start_up(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "keyed.db")
    await open_cipher(db, new_key())

    with pytest.raises(StartupError) as caught:
        await open_cipher(db, new_key())
    await db.close()

    sentence = str(caught.value)
    assert "does not match" in sentence
    assert ". " not in sentence
    assert "\n" not in sentence


# Starts python -m bot in a subprocess: about 5 s on two loaded cores.
@pytest.mark.timeout(60)
async def test_a_lost_key_file_stops_python_m_bot_with_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    database = tmp_path / "data" / "support.db"
    db = await Database.open(database)
    await open_cipher(db, None)
    await db.close()
    key_file_for(database).unlink()  # lost: a new one would be made, and must not be trusted

    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "DATABASE_", "ENCRYPTION_"))
    }
    environment["DISCORD_TOKEN"] = "test-token-not-real"
    result = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "there is no key now" in lines[0]
    assert not key_file_for(database).exists()  # no new key that could never read the notes
