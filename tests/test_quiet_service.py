"""Quiet threads on a real SQLite file (issue 20): the thread's times, the check-in, the
automatic close, the staff reminder and /ticket hold, each at both sides of its edge.

Every setting at each of its bounds, both sides of every time edge (one second before, and
exactly at), who resets what (the member's message, staff's), the hold, a member who left,
the close's record (outcome, event, no feedback question, no cooldown) against a consultant's
own "no reply", reconciling from the thread's history, and the times' retention and erasure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from cryptography.fernet import Fernet

from bot.consultations import (
    COALESCE_SECONDS,
    NO_REPLY_REASON,
    QUIET_HOURS_MAX,
    STAFF_REPLY_MINUTES_MAX,
    CloseKind,
    Consultation,
    ConsultationService,
    NoLongerOpenError,
    NotFoundError,
    Outcome,
    QuietDue,
    QuietService,
    Status,
    Topic,
    Urgency,
    check_quiet_settings,
    to_ts,
)
from bot.crypto import Cipher
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.privacy import collect, purge_expired
from tests.test_db_one_hop import Hops

GUILD = 1000
MEMBER = 1
STAFF = 10
STAFF_2 = 11
THREAD = 5000
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
NUDGE_H = 48
CLOSE_H = 72
REPLY_M = 30
CONFIG = GuildConfig(
    guild_id=GUILD,
    cooldown_minutes=10,
    hourly_cap=1000,
    quiet_nudge_hours=NUDGE_H,
    quiet_close_hours=CLOSE_H,
    staff_reply_minutes=REPLY_M,
)


@pytest.fixture
def cipher() -> Cipher:
    return Cipher(Fernet.generate_key())


@pytest.fixture
def service(db: Database, cipher: Cipher) -> ConsultationService:
    return ConsultationService(db, cipher)


@pytest.fixture
def quiet(db: Database, cipher: Cipher) -> QuietService:
    return QuietService(db, cipher)


@pytest.fixture
def hops(caplog: pytest.LogCaptureFixture) -> Hops:
    return Hops(caplog)


async def claimed(
    service: ConsultationService,
    when: dt.datetime = T0,
    *,
    member: int = MEMBER,
    thread: int = THREAD,
    config: GuildConfig = CONFIG,
) -> Consultation:
    """A request claimed by ``STAFF`` at ``when``, with its private thread."""
    result = await service.create(
        guild_id=GUILD,
        member_id=member,
        topic=Topic.COPING,
        urgency=Urgency.ROUTINE,
        now=when,
        config=config,
    )
    await service.claim(GUILD, result.consultation.id, STAFF, when)
    attached = await service.attach_thread(result.consultation.id, STAFF, thread)
    assert attached is not None
    return attached


def ids(requests: tuple[Consultation, ...]) -> list[int]:
    return [request.id for request in requests]


# --------------------------------------------------------------------------- the settings


@pytest.mark.parametrize(
    ("nudge", "close", "reply"),
    [
        (0, 0, 0),
        (1, 0, 0),
        (QUIET_HOURS_MAX, 0, 0),
        (1, 1, 0),
        (1, QUIET_HOURS_MAX, 0),
        (0, 0, 1),
        (0, 0, STAFF_REPLY_MINUTES_MAX),
        (48, 72, 30),
    ],
)
def test_settings_within_their_bounds_are_taken(nudge: int, close: int, reply: int) -> None:
    check_quiet_settings(nudge, close, reply)


@pytest.mark.parametrize(
    ("nudge", "close", "reply", "named"),
    [
        (-1, 0, 0, "quiet_nudge_hours"),
        (QUIET_HOURS_MAX + 1, 0, 0, "quiet_nudge_hours"),
        (1, -1, 0, "quiet_close_hours"),
        (1, QUIET_HOURS_MAX + 1, 0, "quiet_close_hours"),
        (0, 0, -1, "staff_reply_minutes"),
        (0, 0, STAFF_REPLY_MINUTES_MAX + 1, "staff_reply_minutes"),
    ],
)
def test_settings_out_of_bounds_are_refused_by_name(
    nudge: int, close: int, reply: int, named: str
) -> None:
    with pytest.raises(UserFacingError) as refused:
        check_quiet_settings(nudge, close, reply)
    assert f"`{named}`" in refused.value.message
    assert "Nothing was saved." in refused.value.message


def test_an_automatic_close_needs_the_check_in_before_it() -> None:
    with pytest.raises(UserFacingError) as refused:
        check_quiet_settings(0, 1, 0)
    assert "only ever comes after the check-in" in refused.value.message


@pytest.mark.parametrize(
    ("column", "value", "allowed"),
    [
        ("quiet_nudge_hours", 0, True),
        ("quiet_nudge_hours", QUIET_HOURS_MAX, True),
        ("quiet_nudge_hours", QUIET_HOURS_MAX + 1, False),
        ("quiet_nudge_hours", -1, False),
        ("quiet_close_hours", QUIET_HOURS_MAX, True),
        ("quiet_close_hours", QUIET_HOURS_MAX + 1, False),
        ("staff_reply_minutes", STAFF_REPLY_MINUTES_MAX, True),
        ("staff_reply_minutes", STAFF_REPLY_MINUTES_MAX + 1, False),
        ("staff_reply_minutes", -1, False),
    ],
)
async def test_the_database_holds_the_same_bounds(
    db: Database, column: str, value: int, allowed: bool
) -> None:
    def work(c: object) -> None:
        c.execute(  # type: ignore[attr-defined]
            f"INSERT INTO guild_config (guild_id, updated_at, {column}) VALUES (1, 'now', ?)",
            (value,),
        )

    if allowed:
        await db.write(work)
    else:
        with pytest.raises(Exception, match="CHECK constraint failed"):
            await db.write(work)


def test_the_defaults_check_in_after_two_days_close_three_later_and_remind_no_one() -> None:
    config = GuildConfig(guild_id=GUILD)
    assert (config.quiet_nudge_hours, config.quiet_close_hours, config.staff_reply_minutes) == (
        48,
        72,
        0,
    )


# --------------------------------------------------------------------------- the thread's times


async def test_the_members_and_staffs_messages_are_kept_as_times(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)

    assert await quiet.record(THREAD, MEMBER, T0 + MINUTE)
    after_member = await service.get(request.id)
    assert after_member is not None
    assert after_member.member_last_at == T0 + MINUTE
    assert after_member.awaiting_staff_since == T0 + MINUTE
    assert await quiet.record(THREAD, STAFF, T0 + 2 * MINUTE)

    stored = await service.get(request.id)
    assert stored is not None
    assert (stored.member_last_at, stored.staff_last_at, stored.awaiting_staff_since) == (
        T0 + MINUTE,
        T0 + 2 * MINUTE,
        None,
    )


async def test_anyone_but_the_member_counts_as_staff(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    assert await quiet.record(THREAD, MEMBER, T0 + MINUTE)

    assert await quiet.record(THREAD, STAFF_2, T0 + 2 * MINUTE)  # another staff member

    stored = await service.get(request.id)
    assert stored is not None
    assert stored.staff_last_at == T0 + 2 * MINUTE
    assert stored.awaiting_staff_since is None


@pytest.mark.parametrize("status", ["open", "closed", "none"])
async def test_a_thread_without_a_claimed_request_keeps_nothing(
    service: ConsultationService, quiet: QuietService, status: str
) -> None:
    request = await claimed(service)
    if status == "open":
        await service.release(GUILD, request.id, STAFF, T0)
    elif status == "closed":
        await service.close(GUILD, request.id, STAFF, "done", T0)
    thread = THREAD + 1 if status == "none" else THREAD

    assert not await quiet.record(thread, MEMBER, T0 + MINUTE)

    stored = await service.get(request.id)
    assert stored is not None
    assert stored.member_last_at is None


async def test_messages_from_the_same_side_within_a_minute_cost_no_write(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    assert await quiet.record(THREAD, MEMBER, T0)

    assert not await quiet.record(THREAD, MEMBER, T0 + (COALESCE_SECONDS - 1) * SECOND)
    kept = await service.get(request.id)
    assert await quiet.record(THREAD, MEMBER, T0 + COALESCE_SECONDS * SECOND)
    moved = await service.get(request.id)

    assert kept is not None
    assert kept.member_last_at == T0
    assert moved is not None
    assert moved.member_last_at == T0 + COALESCE_SECONDS * SECOND


async def test_a_message_costs_one_hop_at_most_and_none_within_the_minute(
    service: ConsultationService, quiet: QuietService, hops: Hops
) -> None:
    await claimed(service)

    first, one = await hops.during(lambda: quiet.record(THREAD, MEMBER, T0))
    second, none = await hops.during(lambda: quiet.record(THREAD, MEMBER, T0 + SECOND))
    elsewhere, another = await hops.during(lambda: quiet.record(THREAD + 1, MEMBER, T0))
    due, read = await hops.during(lambda: quiet.due(GUILD, T0 + MINUTE, CONFIG))

    assert (first, second, elsewhere) == (True, False, False)
    assert (one, none, another, read) == (1, 0, 1, 1)
    assert due == QuietDue()


async def test_the_other_side_is_always_written(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    assert await quiet.record(THREAD, MEMBER, T0)
    assert await quiet.record(THREAD, STAFF, T0 + SECOND)

    assert await quiet.record(THREAD, MEMBER, T0 + 2 * SECOND)

    stored = await service.get(request.id)
    assert stored is not None
    assert stored.awaiting_staff_since == T0 + 2 * SECOND  # waits again for staff


async def test_a_message_no_newer_than_the_one_on_record_changes_nothing(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    assert await quiet.reconcile(request.id, T0 + HOUR, None)

    assert not await quiet.reconcile(request.id, T0 + HOUR - SECOND, None)
    assert not await quiet.reconcile(request.id, T0 + HOUR, None)

    stored = await service.get(request.id)
    assert stored is not None
    assert stored.member_last_at == T0 + HOUR


async def test_reconciling_applies_both_sides_in_the_order_they_wrote(
    service: ConsultationService, quiet: QuietService
) -> None:
    answered = await claimed(service)
    waiting = await claimed(service, member=MEMBER + 1, thread=THREAD + 1)

    await quiet.reconcile(answered.id, T0 + MINUTE, T0 + 2 * MINUTE)  # staff answered last
    await quiet.reconcile(waiting.id, T0 + 2 * MINUTE, T0 + MINUTE)  # the member wrote last

    first = await service.get(answered.id)
    second = await service.get(waiting.id)
    assert first is not None
    assert first.awaiting_staff_since is None
    assert second is not None
    assert second.awaiting_staff_since == T0 + 2 * MINUTE


async def test_an_older_message_read_later_keeps_a_newer_staff_answer(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    assert await quiet.record(THREAD, STAFF, T0 + 2 * MINUTE)

    await quiet.reconcile(request.id, T0 + MINUTE, None)  # read from the thread afterwards

    stored = await service.get(request.id)
    assert stored is not None
    assert stored.member_last_at == T0 + MINUTE
    assert stored.awaiting_staff_since is None


# --------------------------------------------------------------------------- the check-in


async def test_the_check_in_is_due_exactly_n_hours_after_the_claim(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    edge = T0 + NUDGE_H * HOUR

    before = await quiet.due(GUILD, edge - SECOND, CONFIG)
    assert await quiet.mark_nudged(request.id, edge - SECOND, CONFIG) is None
    at = await quiet.due(GUILD, edge, CONFIG)
    marked = await quiet.mark_nudged(request.id, edge, CONFIG)

    assert ids(before.nudge) == []
    assert ids(at.nudge) == [request.id]
    assert marked is not None
    assert marked.nudged_at == edge
    assert await quiet.mark_nudged(request.id, edge + HOUR, CONFIG) is None  # once
    assert ids((await quiet.due(GUILD, edge + HOUR, CONFIG)).nudge) == []


async def test_the_check_in_counts_from_the_members_last_message(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    wrote = T0 + 5 * HOUR
    assert await quiet.record(THREAD, MEMBER, wrote)
    edge = wrote + NUDGE_H * HOUR

    assert await quiet.mark_nudged(request.id, edge - SECOND, CONFIG) is None
    assert await quiet.mark_nudged(request.id, edge, CONFIG) is not None


async def test_a_staff_message_does_not_restart_the_members_quiet_time(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    assert await quiet.record(THREAD, STAFF, T0 + 47 * HOUR)

    assert await quiet.mark_nudged(request.id, T0 + NUDGE_H * HOUR, CONFIG) is not None


async def test_the_members_message_clears_the_check_in_and_restarts_the_quiet_time(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    nudged = T0 + NUDGE_H * HOUR
    assert await quiet.mark_nudged(request.id, nudged, CONFIG) is not None
    wrote = nudged + HOUR

    assert await quiet.record(THREAD, MEMBER, wrote)

    stored = await service.get(request.id)
    assert stored is not None
    assert stored.nudged_at is None
    never_closed = await quiet.due(GUILD, nudged + CLOSE_H * HOUR, CONFIG)
    assert ids(never_closed.close) == []
    assert await quiet.mark_nudged(request.id, wrote + NUDGE_H * HOUR - SECOND, CONFIG) is None
    assert await quiet.mark_nudged(request.id, wrote + NUDGE_H * HOUR, CONFIG) is not None


async def test_a_transfer_restarts_the_quiet_time(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    moved = T0 + 10 * HOUR
    await service.transfer(GUILD, request.id, STAFF, STAFF_2, moved)

    assert await quiet.mark_nudged(request.id, T0 + NUDGE_H * HOUR, CONFIG) is None
    assert await quiet.mark_nudged(request.id, moved + NUDGE_H * HOUR, CONFIG) is not None


async def test_a_check_in_that_could_not_be_posted_is_due_again(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    edge = T0 + NUDGE_H * HOUR
    marked = await quiet.mark_nudged(request.id, edge, CONFIG)
    assert marked is not None
    assert marked.nudged_at is not None

    await quiet.unmark_nudged(request.id, marked.nudged_at)

    assert ids((await quiet.due(GUILD, edge + MINUTE, CONFIG)).nudge) == [request.id]


@pytest.mark.parametrize("why", ["member-left", "on-hold", "no-thread", "check-in-off"])
async def test_no_check_in_for(service: ConsultationService, quiet: QuietService, why: str) -> None:
    config = CONFIG
    if why == "no-thread":
        made = await service.create(
            guild_id=GUILD,
            member_id=MEMBER,
            topic=Topic.COPING,
            urgency=Urgency.ROUTINE,
            now=T0,
            config=CONFIG,
        )
        request = await service.claim(GUILD, made.consultation.id, STAFF, T0)
    else:
        request = await claimed(service)
    if why == "member-left":
        await service.member_left(GUILD, MEMBER, T0)
    elif why == "on-hold":
        await quiet.set_hold(GUILD, request.id, True, T0)
    elif why == "check-in-off":
        config = dataclasses.replace(CONFIG, quiet_nudge_hours=0)
    late = T0 + 30 * 24 * HOUR

    assert ids((await quiet.due(GUILD, late, config)).nudge) == []
    assert await quiet.mark_nudged(request.id, late, config) is None


# --------------------------------------------------------------------------- the close


async def nudged_at(service: ConsultationService, quiet: QuietService) -> tuple[int, dt.datetime]:
    request = await claimed(service)
    edge = T0 + NUDGE_H * HOUR
    assert await quiet.mark_nudged(request.id, edge, CONFIG) is not None
    return request.id, edge


async def test_the_close_is_due_exactly_m_hours_after_the_check_in(
    db: Database, service: ConsultationService, quiet: QuietService
) -> None:
    request_id, nudged = await nudged_at(service, quiet)
    edge = nudged + CLOSE_H * HOUR

    before = await quiet.due(GUILD, edge - SECOND, CONFIG)
    assert await quiet.close_quiet(request_id, edge - SECOND, CONFIG) is None
    at = await quiet.due(GUILD, edge, CONFIG)
    closed = await quiet.close_quiet(request_id, edge, CONFIG)

    assert ids(before.close) == []
    assert ids(at.close) == [request_id]
    assert closed is not None
    assert (closed.status, closed.close_kind, closed.outcome, closed.closed_by_bot) == (
        Status.CLOSED,
        CloseKind.RESOLVED,
        Outcome.NO_REPLY,
        True,
    )
    assert (closed.closed_by, closed.claimed_by, closed.closed_at) == (None, None, edge)
    assert closed.close_reason == NO_REPLY_REASON
    events = await db.fetchall(
        "SELECT kind, actor_id, at FROM consultation_events WHERE consultation_id = ? "
        "ORDER BY id DESC LIMIT 1",
        (request_id,),
    )
    assert [tuple(row) for row in events] == [("closed", None, to_ts(edge))]
    asked = await db.fetchone(
        "SELECT 1 FROM consultation_feedback WHERE consultation_id = ?", (request_id,)
    )
    assert asked is None  # no "How did this go?" after the bot's close
    assert await quiet.close_quiet(request_id, edge + HOUR, CONFIG) is None  # once


async def test_the_close_only_ever_follows_a_check_in(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    late = T0 + 30 * 24 * HOUR

    assert ids((await quiet.due(GUILD, late, CONFIG)).close) == []
    assert await quiet.close_quiet(request.id, late, CONFIG) is None


@pytest.mark.parametrize(
    "why", ["member-wrote", "on-hold", "member-left", "close-off", "check-in-off"]
)
async def test_no_close_for(service: ConsultationService, quiet: QuietService, why: str) -> None:
    request_id, nudged = await nudged_at(service, quiet)
    config = CONFIG
    if why == "member-wrote":
        assert await quiet.record(THREAD, MEMBER, nudged + HOUR)
    elif why == "on-hold":
        await quiet.set_hold(GUILD, request_id, True, nudged + HOUR)
    elif why == "member-left":
        await service.member_left(GUILD, MEMBER, nudged + HOUR)
    elif why == "close-off":
        config = dataclasses.replace(CONFIG, quiet_close_hours=0)
    elif why == "check-in-off":  # turned off since (the command refuses a close without it)
        config = dataclasses.replace(CONFIG, quiet_nudge_hours=0)
    late = nudged + 30 * 24 * HOUR

    assert ids((await quiet.due(GUILD, late, config)).close) == []
    assert await quiet.close_quiet(request_id, late, config) is None
    stored = await service.get(request_id)
    assert stored is not None
    assert stored.status is Status.CLAIMED


async def test_a_staff_message_after_the_check_in_does_not_stop_the_close(
    service: ConsultationService, quiet: QuietService
) -> None:
    request_id, nudged = await nudged_at(service, quiet)
    assert await quiet.record(THREAD, STAFF, nudged + HOUR)

    assert await quiet.close_quiet(request_id, nudged + CLOSE_H * HOUR, CONFIG) is not None


async def test_a_check_in_from_before_a_transfer_does_not_close_it(
    service: ConsultationService, quiet: QuietService
) -> None:
    request_id, nudged = await nudged_at(service, quiet)
    await service.transfer(GUILD, request_id, STAFF, STAFF_2, nudged + HOUR)

    assert await quiet.close_quiet(request_id, nudged + CLOSE_H * HOUR, CONFIG) is None


# --------------------------------------------------------------------------- the cooldown


async def test_no_cooldown_after_the_bots_close_but_one_after_a_consultants_no_reply(
    service: ConsultationService, quiet: QuietService
) -> None:
    by_bot, nudged = await nudged_at(service, quiet)
    closed_at = nudged + CLOSE_H * HOUR
    assert await quiet.close_quiet(by_bot, closed_at, CONFIG) is not None

    again = await service.create(
        guild_id=GUILD,
        member_id=MEMBER,
        topic=Topic.COPING,
        urgency=Urgency.ROUTINE,
        now=closed_at,
        config=CONFIG,
    )
    assert again.created
    await service.claim(GUILD, again.consultation.id, STAFF, closed_at)
    by_hand = await service.close(
        GUILD, again.consultation.id, STAFF, "no reply", closed_at, outcome=Outcome.NO_REPLY
    )
    assert not by_hand.closed_by_bot

    ready = closed_at + CONFIG.cooldown_minutes * MINUTE
    for moment, allowed in ((ready - SECOND, False), (ready, True)):
        if allowed:
            third = await service.create(
                guild_id=GUILD,
                member_id=MEMBER,
                topic=Topic.COPING,
                urgency=Urgency.ROUTINE,
                now=moment,
                config=CONFIG,
            )
            assert third.created
        else:
            with pytest.raises(UserFacingError, match="closed just a little while ago"):
                await service.create(
                    guild_id=GUILD,
                    member_id=MEMBER,
                    topic=Topic.COPING,
                    urgency=Urgency.ROUTINE,
                    now=moment,
                    config=CONFIG,
                )


# --------------------------------------------------------------------------- the staff reminder


async def test_the_reminder_is_due_exactly_its_minutes_after_the_members_message(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    wrote = T0 + HOUR
    assert await quiet.record(THREAD, MEMBER, wrote)
    edge = wrote + REPLY_M * MINUTE
    waiting = await service.get(request.id)
    assert waiting is not None

    before = await quiet.due(GUILD, edge - SECOND, CONFIG)
    assert not await quiet.mark_reminded(waiting, edge - SECOND, CONFIG)
    at = await quiet.due(GUILD, edge, CONFIG)

    assert ids(before.remind) == []
    assert ids(at.remind) == [request.id]
    assert await quiet.mark_reminded(waiting, edge, CONFIG)
    assert not await quiet.mark_reminded(waiting, edge + HOUR, CONFIG)  # once per message
    assert ids((await quiet.due(GUILD, edge + HOUR, CONFIG)).remind) == []


async def test_the_reminder_counts_from_the_first_unanswered_message(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    assert await quiet.record(THREAD, MEMBER, T0 + HOUR)
    assert await quiet.record(THREAD, MEMBER, T0 + HOUR + 10 * MINUTE)

    due = await quiet.due(GUILD, T0 + HOUR + REPLY_M * MINUTE, CONFIG)

    assert ids(due.remind) == [request.id]


async def test_a_staff_answer_means_no_reminder(
    service: ConsultationService, quiet: QuietService
) -> None:
    await claimed(service)
    assert await quiet.record(THREAD, MEMBER, T0 + HOUR)
    assert await quiet.record(THREAD, STAFF, T0 + HOUR + REPLY_M * MINUTE - SECOND)

    assert ids((await quiet.due(GUILD, T0 + 5 * HOUR, CONFIG)).remind) == []


async def test_a_new_message_after_a_reminder_brings_another(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    assert await quiet.record(THREAD, MEMBER, T0 + HOUR)
    reminded = T0 + HOUR + REPLY_M * MINUTE
    waiting = await service.get(request.id)
    assert waiting is not None
    assert await quiet.mark_reminded(waiting, reminded, CONFIG)
    wrote = reminded + 5 * MINUTE

    assert await quiet.record(THREAD, MEMBER, wrote)

    assert ids((await quiet.due(GUILD, wrote + REPLY_M * MINUTE - SECOND, CONFIG)).remind) == []
    assert ids((await quiet.due(GUILD, wrote + REPLY_M * MINUTE, CONFIG)).remind) == [request.id]


async def test_the_reminder_counts_from_the_claim_for_a_message_before_it(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    assert await quiet.record(THREAD, MEMBER, T0 + MINUTE)
    await service.release(GUILD, request.id, STAFF, T0 + 2 * MINUTE)
    again = T0 + HOUR
    await service.claim(GUILD, request.id, STAFF_2, again)

    assert ids((await quiet.due(GUILD, again + REPLY_M * MINUTE - SECOND, CONFIG)).remind) == []
    assert ids((await quiet.due(GUILD, again + REPLY_M * MINUTE, CONFIG)).remind) == [request.id]


async def test_a_held_request_is_still_reminded_and_off_means_never(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    await quiet.set_hold(GUILD, request.id, True, T0)
    assert await quiet.record(THREAD, MEMBER, T0 + HOUR)
    edge = T0 + HOUR + REPLY_M * MINUTE
    off = dataclasses.replace(CONFIG, staff_reply_minutes=0)

    assert ids((await quiet.due(GUILD, edge, CONFIG)).remind) == [request.id]
    assert ids((await quiet.due(GUILD, edge + 24 * HOUR, off)).remind) == []


# --------------------------------------------------------------------------- /ticket hold


async def test_hold_toggles_and_takes_a_state(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)

    first = await quiet.set_hold(GUILD, request.id, None, T0 + HOUR)
    again = await quiet.set_hold(GUILD, request.id, True, T0 + 2 * HOUR)
    off = await quiet.set_hold(GUILD, request.id, None, T0 + 3 * HOUR)
    off_again = await quiet.set_hold(GUILD, request.id, False, T0 + 4 * HOUR)

    assert (first.changed, first.consultation.on_hold_since) == (True, T0 + HOUR)
    assert (again.changed, again.consultation.on_hold_since) == (False, T0 + HOUR)
    assert (off.changed, off.consultation.on_hold, off.consultation.quiet_from) == (
        True,
        False,
        T0 + 3 * HOUR,
    )
    assert (off_again.changed, off_again.consultation.quiet_from) == (False, T0 + 3 * HOUR)


async def test_off_hold_the_quiet_time_counts_from_then(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    await quiet.set_hold(GUILD, request.id, True, T0)
    resumed = T0 + 10 * 24 * HOUR
    await quiet.set_hold(GUILD, request.id, False, resumed)

    assert await quiet.mark_nudged(request.id, resumed + NUDGE_H * HOUR - SECOND, CONFIG) is None
    assert await quiet.mark_nudged(request.id, resumed + NUDGE_H * HOUR, CONFIG) is not None


async def test_a_check_in_before_the_hold_never_closes_it_after(
    service: ConsultationService, quiet: QuietService
) -> None:
    request_id, nudged = await nudged_at(service, quiet)
    await quiet.set_hold(GUILD, request_id, True, nudged + HOUR)
    resumed = nudged + 2 * HOUR
    await quiet.set_hold(GUILD, request_id, False, resumed)

    assert await quiet.close_quiet(request_id, nudged + CLOSE_H * HOUR, CONFIG) is None
    assert ids((await quiet.due(GUILD, resumed + NUDGE_H * HOUR, CONFIG)).nudge) == [request_id]


async def test_a_waiting_request_can_be_held_but_not_a_closed_one_nor_anothers(
    service: ConsultationService, quiet: QuietService
) -> None:
    request = await claimed(service)
    await service.release(GUILD, request.id, STAFF, T0)
    held = await quiet.set_hold(GUILD, request.id, True, T0)
    assert held.consultation.on_hold

    with pytest.raises(NotFoundError):
        await quiet.set_hold(GUILD + 1, request.id, True, T0)
    await service.close(GUILD, request.id, STAFF, "done", T0)
    with pytest.raises(NoLongerOpenError, match="is closed"):
        await quiet.set_hold(GUILD, request.id, False, T0)


# --------------------------------------------------------------------------- privacy


async def test_the_thread_times_are_the_members_and_purged_with_the_close_reason(
    db: Database, service: ConsultationService, quiet: QuietService, cipher: Cipher
) -> None:
    request = await claimed(service)
    assert await quiet.record(THREAD, MEMBER, T0 + MINUTE)
    assert await quiet.record(THREAD, STAFF, T0 + 2 * MINUTE)
    await quiet.set_hold(GUILD, request.id, True, T0 + 3 * MINUTE)
    await service.close(GUILD, request.id, STAFF, "done", T0 + HOUR)

    exported = await collect(db, cipher, MEMBER, GUILD, now=T0 + HOUR)
    [record] = exported["data"]["consultations"]["records"]
    assert (record["member_last_at"], record["staff_last_at"]) == (
        "2026-03-02T15:01:00Z",
        "2026-03-02T15:02:00Z",
    )
    assert (record["on_hold_since"], record["closed_by_bot"]) == ("2026-03-02T15:03:00Z", False)

    days = 30
    await purge_expired(db, T0 + HOUR + dt.timedelta(days=days) - SECOND, days)
    kept = await service.get(request.id)
    await purge_expired(db, T0 + HOUR + dt.timedelta(days=days), days)
    purged = await service.get(request.id)

    assert kept is not None
    assert kept.member_last_at == T0 + MINUTE
    assert purged is not None
    assert (purged.member_last_at, purged.staff_last_at, purged.awaiting_staff_since) == (
        None,
        None,
        None,
    )
    assert purged.on_hold_since == T0 + 3 * MINUTE  # staff bookkeeping, kept with the request
