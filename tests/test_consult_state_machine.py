"""Property test: random request/claim/release/transfer/close/cancel/leave/thread-deleted/restart
sequences against the real service and a real SQLite file; the invariants hold after every step."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from bot.consultations import PRIORITY, ConsultationService, Status, Topic, Urgency
from bot.crypto import Cipher, new_key
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig

GUILD = 1_000
MEMBERS = (11, 12, 13, 14)
STAFF = (21, 22, 23)
CONFIG = GuildConfig(guild_id=GUILD, cooldown_minutes=0, hourly_cap=1000)

members = st.sampled_from(MEMBERS)
staff = st.sampled_from(STAFF)
slots = st.integers(min_value=0, max_value=7)


class ConsultationMachine(RuleBasedStateMachine):
    """The model keeps only what the invariants need: which ids were ever created."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.folder = Path(tempfile.mkdtemp(prefix="consult-sm-"))
        self.cipher = Cipher(new_key().encode())
        self.now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
        self.created: set[int] = set()
        self.db: Database | None = None

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def attempt(self, coroutine: Any) -> Any:
        """A refused transition is fine (and must change nothing); any other error is a bug."""
        try:
            return self.run(coroutine)
        except UserFacingError:
            return None

    @property
    def service(self) -> ConsultationService:
        assert self.db is not None
        return ConsultationService(self.db, self.cipher)

    def tick(self, minutes: int = 1) -> dt.datetime:
        self.now += dt.timedelta(minutes=minutes)
        return self.now

    def pick(self, slot: int) -> int | None:
        ordered = sorted(self.created)
        return ordered[slot % len(ordered)] if ordered else None

    @initialize()
    def open_database(self) -> None:
        self.db = self.run(Database.open(self.folder / "sm.db"))

    @rule(member=members, urgency=st.sampled_from(list(Urgency)), minutes=st.integers(0, 90))
    def create(self, member: int, urgency: Urgency, minutes: int) -> None:
        result = self.attempt(
            self.service.create(
                guild_id=GUILD,
                member_id=member,
                topic=Topic.COPING,
                urgency=urgency,
                now=self.tick(minutes),
                config=CONFIG,
                note="a note",
            )
        )
        if result is not None:
            if result.created:
                assert result.consultation.id not in self.created
            self.created.add(result.consultation.id)

    @rule(slot=slots, who=staff)
    def claim(self, slot: int, who: int) -> None:
        request = self.pick(slot)
        if request is None:
            return
        claimed = self.attempt(self.service.claim(GUILD, request, who, self.tick()))
        if claimed is not None:
            assert claimed.claimed_by == who
            self.run(self.service.attach_thread(request, who, 900_000 + request))

    @rule(slot=slots, who=staff)
    def release(self, slot: int, who: int) -> None:
        request = self.pick(slot)
        if request is not None:
            self.attempt(self.service.release(GUILD, request, who, self.tick()))

    @rule(slot=slots, who=staff, to=staff)
    def transfer(self, slot: int, who: int, to: int) -> None:
        request = self.pick(slot)
        if request is not None:
            self.attempt(self.service.transfer(GUILD, request, who, to, self.tick()))

    @rule(slot=slots, who=staff)
    def close(self, slot: int, who: int) -> None:
        request = self.pick(slot)
        if request is not None:
            self.attempt(self.service.close(GUILD, request, who, "done", self.tick()))

    @rule(member=members)
    def cancel(self, member: int) -> None:
        self.attempt(self.service.cancel(GUILD, member, self.tick()))

    @rule(member=st.sampled_from(MEMBERS + STAFF))
    def leaves(self, member: int) -> None:
        self.run(self.service.member_left(GUILD, member, self.tick()))

    @rule(slot=slots)
    def thread_deleted(self, slot: int) -> None:
        request = self.pick(slot)
        if request is not None:
            self.run(self.service.thread_gone(900_000 + request, self.tick()))

    @rule()
    def restart(self) -> None:
        assert self.db is not None
        self.run(self.db.close())
        self.db = self.run(Database.open(self.folder / "sm.db"))

    @invariant()
    def at_most_one_active_request_per_member(self) -> None:
        if self.db is None:
            return
        rows = self.run(
            self.db.fetchall(
                "SELECT member_id, COUNT(*) AS n FROM consultations "
                "WHERE status IN ('open', 'claimed') GROUP BY guild_id, member_id"
            )
        )
        assert all(row["n"] == 1 for row in rows)

    @invariant()
    def claimed_means_one_claimer_who_is_staff(self) -> None:
        if self.db is None:
            return
        rows = self.run(self.db.fetchall("SELECT status, claimed_by FROM consultations"))
        for row in rows:
            assert (row["status"] == Status.CLAIMED) == (row["claimed_by"] is not None)
            if row["claimed_by"] is not None:
                assert row["claimed_by"] in STAFF
        events = self.run(
            self.db.fetchall(
                "SELECT actor_id FROM consultation_events WHERE kind IN ('claimed', 'transferred')"
            )
        )
        assert all(row["actor_id"] in STAFF for row in events)

    @invariant()
    def no_request_is_lost(self) -> None:
        if self.db is None:
            return
        rows = self.run(self.db.fetchall("SELECT id, status FROM consultations"))
        assert {row["id"] for row in rows} == self.created
        assert all(row["status"] in set(Status) for row in rows)

    @invariant()
    def queue_is_urgency_then_age(self) -> None:
        if self.db is None:
            return
        waiting = self.run(self.service.waiting(GUILD, limit=100))
        keys = [(PRIORITY[c.urgency], c.created_at, c.id) for c in waiting]
        assert keys == sorted(keys)
        assert all(c.status is Status.OPEN for c in waiting)

    def teardown(self) -> None:
        if self.db is not None:
            self.run(self.db.close())
        self.loop.close()
        shutil.rmtree(self.folder, ignore_errors=True)


ConsultationMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Hypothesis explores 40 runs of 30 steps: about 13 s on two loaded cores.
TestConsultationStateMachine = pytest.mark.timeout(120)(ConsultationMachine.TestCase)
