"""One trip to the database thread per unit of work, on a real SQLite file.

A hop is counted where aiosqlite itself records it: its worker thread logs "executing …" (at
DEBUG, on the ``aiosqlite`` logger) for every callable it runs. Nothing of ours is replaced.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from cryptography.fernet import Fernet

from bot.checkins import CheckinService
from bot.consultations import (
    AlreadyClaimedError,
    ConsultationService,
    ConsultBlockService,
    CreateResult,
    NoLongerOpenError,
    Status,
    Topic,
    Urgency,
)
from bot.crypto import Cipher
from bot.db import Database, StorageLostError
from bot.errors import TryAgainError
from bot.guild_config import GuildConfig
from bot.safety import CrisisMatchLog, Level
from tests.conftest import ConsultServer
from tests.test_consult_member import ask, said, service

GUILD = 1000
MEMBER = 50
STAFF = 10
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
CONFIG = GuildConfig(guild_id=GUILD, cooldown_minutes=10, hourly_cap=30)


def open_request(
    service: ConsultationService, now: dt.datetime = T0, note: str | None = None
) -> Awaitable[CreateResult]:
    """The member's routine coping request, as every test here opens it."""
    return service.create(
        guild_id=GUILD,
        member_id=MEMBER,
        topic=Topic.COPING,
        urgency=Urgency.ROUTINE,
        now=now,
        config=CONFIG,
        note=note,
    )


T = TypeVar("T")


class Hops:
    """Counts the callables aiosqlite's worker thread runs while ``during`` awaits."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog
        caplog.set_level(logging.DEBUG, logger="aiosqlite")

    def _seen(self) -> int:
        return sum(
            1
            for record in self._caplog.records
            if record.name == "aiosqlite" and record.msg == "executing %s"
        )

    async def during(self, action: Callable[[], Awaitable[T]]) -> tuple[T, int]:
        before = self._seen()
        result = await action()
        return result, self._seen() - before


@pytest.fixture
def hops(caplog: pytest.LogCaptureFixture) -> Hops:
    return Hops(caplog)


async def test_a_read_is_one_hop(db: Database, hops: Hops) -> None:
    row, count = await hops.during(lambda: db.fetchone("SELECT 1 + 1"))
    assert row is not None
    assert row[0] == 2
    assert count == 1
    rows, count = await hops.during(lambda: db.fetchall("SELECT 1 UNION SELECT 2"))
    assert [r[0] for r in rows] == [1, 2]
    assert count == 1


async def test_a_write_unit_commits_in_one_hop(db: Database, hops: Hops) -> None:
    def work(c: sqlite3.Connection) -> int:
        c.execute("INSERT INTO bot_state (key, value) VALUES ('a', '1')")
        c.execute("INSERT INTO bot_state (key, value) VALUES ('b', '2')")
        return 2

    result, count = await hops.during(lambda: db.write(work))
    assert result == 2
    assert count == 1
    rows = await db.fetchall("SELECT key FROM bot_state WHERE key IN ('a', 'b') ORDER BY key")
    assert [r[0] for r in rows] == ["a", "b"]


async def test_a_write_unit_that_raises_keeps_nothing(db: Database) -> None:
    def work(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO bot_state (key, value) VALUES ('half', 'done')")
        raise NoLongerOpenError("gone")

    with pytest.raises(NoLongerOpenError, match="gone"):
        await db.write(work)
    assert await db.fetchone("SELECT 1 FROM bot_state WHERE key = 'half'") is None
    await db.write(lambda c: c.execute("INSERT INTO bot_state (key, value) VALUES ('x', 'y')"))
    assert await db.fetchone("SELECT 1 FROM bot_state WHERE key = 'x'") is not None


async def test_a_write_unit_locked_past_the_busy_timeout_asks_to_try_again(db: Database) -> None:
    await db.fetchone("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(TryAgainError):
            await db.write(
                lambda c: c.execute("INSERT INTO bot_state (key, value) VALUES ('blocked', 'x')")
            )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await db.fetchone("SELECT 1 FROM bot_state WHERE key = 'blocked'") is None


async def test_a_write_unit_on_a_replaced_file_is_not_confirmed(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    db = await Database.open(path)

    def work(c: sqlite3.Connection) -> None:
        c.execute("INSERT INTO bot_state (key, value) VALUES ('x', 'y')")
        for suffix in ("", "-wal", "-shm"):  # between the check before and the commit
            path.with_name(path.name + suffix).unlink(missing_ok=True)

    with pytest.raises(StorageLostError):
        await db.write(work)
    with pytest.raises(StorageLostError):
        await db.write(lambda c: None)
    await db.close()


async def test_a_write_unit_on_a_closed_database_asks_to_try_again(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "c.db")
    await db.close()
    with pytest.raises(TryAgainError):
        await db.write(lambda c: None)
    with pytest.raises(TryAgainError):
        await db.read(lambda c: None)


async def test_each_queue_operation_is_one_hop(service: ConsultationService, hops: Hops) -> None:
    created, count = await hops.during(lambda: open_request(service, note="a hard week"))
    assert created.created
    assert created.position == 1
    assert created.consultation.note == "a hard week"
    assert count == 1
    request = created.consultation.id
    assert created.consultation == await service.get(request)  # the texts it sealed, as read

    claimed, count = await hops.during(lambda: service.claim(GUILD, request, STAFF, T0))
    assert (claimed.status, claimed.claimed_by, count) == (Status.CLAIMED, STAFF, 1)
    released, count = await hops.during(lambda: service.release(GUILD, request, STAFF, T0))
    assert (released.status, released.claimed_by, count) == (Status.OPEN, None, 1)
    note, count = await hops.during(lambda: service.add_note(request, STAFF, "called back", T0))
    assert (note.body, count) == ("called back", 1)
    await service.claim(GUILD, request, STAFF, T0)
    closed, count = await hops.during(lambda: service.close(GUILD, request, STAFF, "done", T0))
    assert (closed.status, closed.close_reason, count) == (Status.CLOSED, "done", 1)

    later = T0 + dt.timedelta(hours=1)
    again = await open_request(service, later)
    cancelled, count = await hops.during(lambda: service.cancel(GUILD, MEMBER, later))
    assert (cancelled.id, cancelled.status, count) == (again.consultation.id, Status.CANCELLED, 1)


async def test_what_consult_reads_before_the_form_is_one_hop(
    db: Database, service: ConsultationService, hops: Hops
) -> None:
    nothing, count = await hops.during(lambda: service.asking(GUILD, MEMBER, T0))
    assert (nothing.current, nothing.position, nothing.block, count) == (None, None, None, 1)

    created = await open_request(service, note="a hard week")
    other = await service.create(
        guild_id=GUILD,
        member_id=MEMBER + 1,
        topic=Topic.COPING,
        urgency=Urgency.URGENT,
        now=T0,
        config=CONFIG,
    )
    mine, count = await hops.during(lambda: service.asking(GUILD, MEMBER, T0))
    assert mine.current == created.consultation
    assert (mine.position, mine.block, count) == (2, None, 1)  # the urgent one goes first
    await service.claim(GUILD, other.consultation.id, STAFF, T0)
    claimed = await service.asking(GUILD, MEMBER + 1, T0)
    assert claimed.current is not None
    assert (claimed.current.status, claimed.position) == (Status.CLAIMED, None)

    blocks = ConsultBlockService(db, Cipher(Fernet.generate_key()))
    until = T0 + dt.timedelta(days=1)
    await blocks.add(
        guild_id=GUILD,
        member_id=MEMBER + 2,
        blocked_by=STAFF,
        reason=None,
        now=T0,
        expires_at=until,
    )
    paused, count = await hops.during(lambda: service.asking(GUILD, MEMBER + 2, T0))
    assert paused.current is None
    assert paused.block is not None
    assert (paused.block.member_id, paused.block.expires_at, count) == (MEMBER + 2, until, 1)
    ended = await service.asking(GUILD, MEMBER + 2, until)
    assert ended.block is None
    assert (await service.asking(GUILD + 1, MEMBER + 2, T0)).block is None


async def test_a_queue_page_is_one_hop_with_its_counts_and_no_texts(
    service: ConsultationService, hops: Hops
) -> None:
    empty, count = await hops.during(lambda: service.queue_page(GUILD, page=3, size=2))
    assert (empty.items, empty.page, empty.pages, empty.waiting, empty.claimed) == ((), 0, 1, 0, 0)
    assert count == 1
    made = [
        await service.create(
            guild_id=GUILD,
            member_id=MEMBER + n,
            topic=Topic.COPING,
            urgency=Urgency.ROUTINE,
            now=T0 + dt.timedelta(minutes=n),
            config=CONFIG,
            note=f"note {n}",
            preferred_time="evenings",
        )
        for n in range(4)
    ]
    await service.claim(GUILD, made[0].consultation.id, STAFF, T0)
    first, count = await hops.during(lambda: service.queue_page(GUILD, page=0, size=2))
    assert [c.id for c in first.items] == [m.consultation.id for m in made[1:3]]
    assert (first.page, first.pages, first.waiting, first.claimed, count) == (0, 2, 3, 1, 1)
    assert all(c.note is None and c.preferred_time is None for c in first.items)
    last = await service.queue_page(GUILD, page=9, size=2)
    assert ([c.id for c in last.items], last.page) == ([made[3].consultation.id], 1)
    whole = await service.get(made[3].consultation.id)
    assert whole is not None
    assert (whole.note, whole.preferred_time) == ("note 3", "evenings")


async def test_a_refused_claim_is_one_hop_and_exactly_one_claim_wins(
    service: ConsultationService, hops: Hops
) -> None:
    created = await open_request(service)
    request = created.consultation.id
    outcomes = await asyncio.gather(
        *(service.claim(GUILD, request, STAFF + n, T0) for n in range(5)),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(o, AlreadyClaimedError) for o in outcomes if o not in winners)

    async def late_claim() -> BaseException | None:
        try:
            await service.claim(GUILD, request, 99, T0)
        except AlreadyClaimedError as error:
            return error
        return None

    refused, count = await hops.during(late_claim)
    assert isinstance(refused, AlreadyClaimedError)
    assert count == 1
    row = await service.get(request)
    assert row is not None
    assert row.claimed_by == winners[0].claimed_by


async def test_a_join_with_nothing_left_open_is_one_read_and_no_write(
    db: Database, service: ConsultationService, hops: Hops
) -> None:
    returned, count = await hops.during(lambda: service.member_returned(GUILD, MEMBER, T0))
    assert returned is None
    assert count == 1
    created = await open_request(service)
    await service.member_left(GUILD, MEMBER, T0)
    back = await service.member_returned(GUILD, MEMBER, T0)
    assert back is not None
    assert back.id == created.consultation.id
    assert not back.member_left
    kinds = await db.fetchall("SELECT kind FROM consultation_events ORDER BY id")
    assert [r[0] for r in kinds] == ["created", "member_left", "member_returned"]


async def test_a_checkin_is_one_hop(db: Database, hops: Hops) -> None:
    checkins = CheckinService(db, Cipher(Fernet.generate_key()))
    saved, count = await hops.during(
        lambda: checkins.record(
            7, mood=3, craving=2, note="ok", now=T0, zone=ZoneInfo("UTC"), guild_id=GUILD
        )
    )
    assert (saved.mood, saved.note, count) == (3, "ok", 1)
    row = await db.fetchone("SELECT mood, craving, guild_id FROM checkins WHERE user_id = 7")
    assert row is not None
    assert tuple(row) == (3, 2, GUILD)


async def test_recording_a_safety_match_is_one_hop(db: Database, hops: Hops) -> None:
    # The clean-up of old matches, the cooldown read and the insert: one unit of work.
    log = CrisisMatchLog(db, retention_days=7)
    outcome, count = await hops.during(
        lambda: log.record(
            guild_id=GUILD,
            channel_id=5,
            message_id=77,
            user_id=MEMBER,
            category="plan",
            level=Level.HIGH,
            now=T0,
        )
    )
    assert (outcome.respond, outcome.alert, count) == (True, True, 1)
    assert await log.count(MEMBER) == 1


async def test_the_consult_paths_through_discord_take_the_fewest_trips(
    consult_server: ConsultServer, hops: Hops
) -> None:
    """/consult before its form: one read; /queue list: two reads (the page with its counts,
    and the follow-ups due, ``FollowUpService.due_soon``); Claim: the claim, the
    thread saved (returning the request), the opening message saved (returning it again) and
    the card's "paused" flag: four, with no re-read of the request in between."""
    server = consult_server
    await server.members[1].slash(server.general, "consult")  # the config is read once, kept
    shown, count = await hops.during(lambda: server.member.slash(server.general, "consult"))
    assert (shown.modal is not None, count) == (True, 1)
    await ask(server, note="I'd like to talk")
    listed, count = await hops.during(lambda: server.staff[0].slash(server.queue, "queue list"))
    assert "1 waiting" in said(listed)
    assert count == 2
    card = server.queue.history()[-1]
    claimed, count = await hops.during(lambda: server.staff[0].click(card, label="Claim"))
    assert "You claimed request #1" in said(claimed)
    assert count == 4
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED
    assert stored.thread_id == server.consult.threads[0].id
    assert stored.opening_message_id == server.consult.threads[0].history()[0].id
