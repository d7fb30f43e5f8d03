"""Follow-ups on a real SQLite file: typed times, booking bounds, due selection at the edge
second, firing once (two at once), every outcome, cancelling, and the member's data."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from cryptography.fernet import Fernet

from bot.consultations import (
    DUE_SOON,
    FOLLOW_UP_NOTE_LIMIT,
    MAX_BOOKED,
    MAX_DAYS_AHEAD,
    Consultation,
    ConsultationService,
    Coverage,
    FollowUp,
    FollowUpNotBookedError,
    FollowUpOutcome,
    FollowUpService,
    FollowUpState,
    FollowUpTimeError,
    NotFoundError,
    Status,
    Topic,
    Urgency,
    check_bounds,
    parse_when,
)
from bot.crypto import Cipher
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.privacy import ERASED_ID, collect, erase, purge_expired

GUILD = 1000
OTHER_GUILD = 2000
MEMBER = 1
OTHER_MEMBER = 2
STAFF = 10
STAFF_2 = 11
THREAD = 5000
# A Monday, 15:00 UTC (15:00 in London in winter, 20:45 in Kathmandu).
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
CONFIG = GuildConfig(guild_id=GUILD, cooldown_minutes=10, hourly_cap=30)


@pytest.fixture
def cipher() -> Cipher:
    return Cipher(Fernet.generate_key())


@pytest.fixture
def requests(db: Database, cipher: Cipher) -> ConsultationService:
    return ConsultationService(db, cipher)


@pytest.fixture
def follow_ups(db: Database, cipher: Cipher) -> FollowUpService:
    return FollowUpService(db, cipher)


async def closed_request(
    requests: ConsultationService, member: int = MEMBER, *, guild: int = GUILD
) -> Consultation:
    """A request claimed by STAFF in THREAD, then closed: what a follow-up is usually booked on."""
    made = await requests.create(
        guild_id=guild,
        member_id=member,
        topic=Topic.RELAPSE,
        urgency=Urgency.ROUTINE,
        now=T0 - dt.timedelta(hours=2),
        config=CONFIG,
    )
    request = made.consultation
    await requests.claim(guild, request.id, STAFF, T0 - dt.timedelta(hours=1))
    await requests.attach_thread(request.id, STAFF, THREAD)
    return await requests.close(guild, request.id, STAFF, "talked it through", T0)


async def book(
    follow_ups: FollowUpService,
    request: Consultation,
    *,
    due: dt.datetime = T0 + dt.timedelta(days=1),
    note: str | None = "ask how the first week went",
    staff: int = STAFF,
) -> FollowUp:
    return await follow_ups.book(request, staff, due, "Europe/London", note, T0)


# --------------------------------------------------------------------------- typed times


@pytest.mark.parametrize(
    ("typed", "zone", "expected"),
    [
        ("2026-12-05 14:00", "Europe/London", dt.datetime(2026, 12, 5, 14, 0, tzinfo=dt.UTC)),
        ("2026-07-05 14:00", "Europe/London", dt.datetime(2026, 7, 5, 13, 0, tzinfo=dt.UTC)),
        ("2026-12-05T09:30", "Asia/Kathmandu", dt.datetime(2026, 12, 5, 3, 45, tzinfo=dt.UTC)),
        ("  2026-3-9   7:05 ", "UTC", dt.datetime(2026, 3, 9, 7, 5, tzinfo=dt.UTC)),
        ("2026-03-09 at 07:05", "UTC", dt.datetime(2026, 3, 9, 7, 5, tzinfo=dt.UTC)),
        ("tomorrow 14:00", "Europe/London", dt.datetime(2026, 3, 3, 14, 0, tzinfo=dt.UTC)),
        ("Tomorrow at 9:15", "UTC", dt.datetime(2026, 3, 3, 9, 15, tzinfo=dt.UTC)),
        ("today 18:30", "Europe/London", dt.datetime(2026, 3, 2, 18, 30, tzinfo=dt.UTC)),
        # 20:45 in Kathmandu: "tomorrow" is the day after the member's today.
        ("tomorrow 08:00", "Asia/Kathmandu", dt.datetime(2026, 3, 3, 2, 15, tzinfo=dt.UTC)),
        ("in 3 days", "Europe/London", T0 + dt.timedelta(days=3)),
        ("IN 1 day", "UTC", T0 + dt.timedelta(days=1)),
        ("in 2 weeks", "UTC", T0 + dt.timedelta(weeks=2)),
        ("in 4 hours", "UTC", T0 + dt.timedelta(hours=4)),
        ("in 1 hour", "UTC", T0 + dt.timedelta(hours=1)),
    ],
)
def test_the_forms_staff_may_type(typed: str, zone: str, expected: dt.datetime) -> None:
    assert parse_when(typed, zone, T0) == expected


def test_a_late_evening_in_kathmandu_is_already_the_next_day_there() -> None:
    late = dt.datetime(2026, 3, 2, 18, 30, tzinfo=dt.UTC)  # 00:15 on 3 March in Kathmandu
    assert parse_when("today 09:00", "Asia/Kathmandu", late) == dt.datetime(
        2026, 3, 3, 3, 15, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("next week", "I couldn't read that time"),
        ("2026-12-05", "I couldn't read that time"),
        ("14:00", "I couldn't read that time"),
        ("5/12/2026 14:00", "I couldn't read that time"),
        ("in three days", "I couldn't read that time"),
        ("2026-12-05 24:00", "24-hour clock"),
        ("today 13:60", "24-hour clock"),
        ("2026-02-30 10:00", "That date doesn't exist"),
        ("in 0 days", "at least a little while away"),
        ("x" * 41, "the limit is 40"),
        ("\u200b\u200b", "only invisible characters"),
    ],
)
def test_what_cannot_be_read_gets_one_kind_sentence(typed: str, said: str) -> None:
    with pytest.raises(UserFacingError) as refused:
        parse_when(typed, "Europe/London", T0)
    assert said in refused.value.message


def test_unreadable_names_the_zone_and_gives_examples() -> None:
    with pytest.raises(FollowUpTimeError) as refused:
        parse_when("soon", "Asia/Kathmandu", T0)
    message = refused.value.message
    assert "Asia/Kathmandu" in message
    assert "`2026-12-05 14:00`" in message
    assert "Nothing was booked." in message


def test_a_time_the_clocks_skip_is_refused_and_one_they_repeat_is_the_first() -> None:
    # London: clocks go forward at 01:00 on 2026-03-29 and back at 02:00 on 2026-10-25.
    with pytest.raises(FollowUpTimeError) as refused:
        parse_when("2026-03-29 01:30", "Europe/London", T0)
    assert "The clocks change then in Europe/London" in refused.value.message
    assert parse_when("2026-03-29 02:00", "Europe/London", T0) == dt.datetime(
        2026, 3, 29, 1, 0, tzinfo=dt.UTC
    )
    assert parse_when("2026-10-25 01:30", "Europe/London", T0) == dt.datetime(
        2026, 10, 25, 0, 30, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    ("due", "allowed"),
    [
        (T0 - SECOND, False),
        (T0, False),
        (T0 + SECOND, True),
        (T0 + dt.timedelta(days=MAX_DAYS_AHEAD) - SECOND, True),
        (T0 + dt.timedelta(days=MAX_DAYS_AHEAD), True),
        (T0 + dt.timedelta(days=MAX_DAYS_AHEAD) + SECOND, False),
    ],
)
def test_bounds_both_sides_of_each_edge(due: dt.datetime, allowed: bool) -> None:
    if allowed:
        check_bounds(due, T0)
        return
    with pytest.raises(FollowUpTimeError) as refused:
        check_bounds(due, T0)
    said = "already passed" if due <= T0 else f"up to {MAX_DAYS_AHEAD} days ahead"
    assert said in refused.value.message


# --------------------------------------------------------------------------- booking


@pytest.mark.parametrize(
    ("due", "allowed"),
    [
        (T0, False),
        (T0 + SECOND, True),
        (T0 + dt.timedelta(days=MAX_DAYS_AHEAD), True),
        (T0 + dt.timedelta(days=MAX_DAYS_AHEAD) + SECOND, False),
    ],
)
async def test_booking_checks_the_bounds_itself(
    requests: ConsultationService, follow_ups: FollowUpService, due: dt.datetime, allowed: bool
) -> None:
    request = await closed_request(requests)
    if not allowed:
        with pytest.raises(FollowUpTimeError):
            await book(follow_ups, request, due=due)
        assert await follow_ups.booked_with(GUILD, MEMBER) == []
        return
    booked = await book(follow_ups, request, due=due)
    assert booked.due_at == due
    assert booked.state is FollowUpState.BOOKED


async def test_a_booking_is_saved_with_its_request_zone_and_note_encrypted(
    requests: ConsultationService, follow_ups: FollowUpService, db: Database
) -> None:
    request = await closed_request(requests)

    booked = await book(follow_ups, request, note="  ask about the\u200b new job  ")

    assert (booked.guild_id, booked.consultation_id, booked.number) == (GUILD, request.id, 1)
    assert (booked.member_id, booked.staff_id, booked.thread_id) == (MEMBER, STAFF, THREAD)
    assert booked.timezone == "Europe/London"
    assert booked.note == "ask about the new job"
    assert booked.created_at == T0
    raw = await db.fetchone("SELECT note FROM consult_follow_ups WHERE id = ?", (booked.id,))
    assert raw is not None
    assert b"new job" not in raw["note"]
    assert await follow_ups.get(booked.id) == booked
    assert await follow_ups.booked_with(GUILD, MEMBER) == [booked]
    assert await follow_ups.booked_by(GUILD, STAFF) == [booked]
    assert await follow_ups.booked_by(GUILD, STAFF_2) == []
    assert await follow_ups.booked_with(OTHER_GUILD, MEMBER) == []


async def test_a_note_is_optional_and_limited(
    requests: ConsultationService, follow_ups: FollowUpService
) -> None:
    request = await closed_request(requests)
    assert (await book(follow_ups, request, note="   ")).note is None
    assert (await book(follow_ups, request, note="n" * FOLLOW_UP_NOTE_LIMIT)).note
    with pytest.raises(UserFacingError) as refused:
        await book(follow_ups, request, note="n" * (FOLLOW_UP_NOTE_LIMIT + 1))
    assert f"the limit is {FOLLOW_UP_NOTE_LIMIT}" in refused.value.message


async def test_at_most_three_booked_with_one_member_and_a_cancel_frees_one(
    requests: ConsultationService, follow_ups: FollowUpService
) -> None:
    request = await closed_request(requests)
    elsewhere = await closed_request(requests, guild=OTHER_GUILD)
    booked = [
        await book(follow_ups, request, due=T0 + dt.timedelta(days=n + 1))
        for n in range(MAX_BOOKED)
    ]
    await book(follow_ups, elsewhere)  # another server's count is its own
    await book(follow_ups, await closed_request(requests, OTHER_MEMBER))

    with pytest.raises(UserFacingError) as refused:
        await book(follow_ups, request)
    assert f"already has {MAX_BOOKED} check-ins booked" in refused.value.message

    await follow_ups.cancel(GUILD, booked[0].id, MEMBER, T0)
    await book(follow_ups, request)


async def test_staff_cannot_book_one_with_themselves(
    requests: ConsultationService, follow_ups: FollowUpService
) -> None:
    request = await closed_request(requests)
    with pytest.raises(UserFacingError):
        await book(follow_ups, request, staff=MEMBER)


# --------------------------------------------------------------------------- due, at the second


async def test_due_picks_it_at_its_second_and_not_one_before(
    requests: ConsultationService, follow_ups: FollowUpService
) -> None:
    request = await closed_request(requests)
    booked = await book(follow_ups, request)
    due = booked.due_at

    assert await follow_ups.due(due - SECOND, [GUILD]) == []
    assert [f.id for f in await follow_ups.due(due, [GUILD])] == [booked.id]
    assert [f.id for f in await follow_ups.due(due + SECOND, [GUILD])] == [booked.id]
    assert await follow_ups.due(due, [OTHER_GUILD]) == []  # servers the bot can't reach wait
    assert await follow_ups.due(due, []) == []
    assert (
        await follow_ups.fire(
            booked.id, due - SECOND, member_present=True, claimer_id=STAFF, thread_id=None
        )
        is None
    )
    assert (await follow_ups.get(booked.id) or booked).state is FollowUpState.BOOKED


async def test_due_soon_shows_the_next_24_hours_and_overdue_ones(
    requests: ConsultationService, follow_ups: FollowUpService
) -> None:
    request = await closed_request(requests)
    edge = await book(follow_ups, request, due=T0 + DUE_SOON + SECOND)
    soon = await book(follow_ups, request, due=T0 + dt.timedelta(hours=3))
    far = await book(
        follow_ups, await closed_request(requests, OTHER_MEMBER), due=T0 + DUE_SOON * 2
    )

    now = T0 + SECOND
    items, total = await follow_ups.due_soon(GUILD, now)
    assert [i.id for i in items] == [soon.id, edge.id]  # edge: exactly 24 h from now
    assert total == 2
    items, _ = await follow_ups.due_soon(GUILD, T0)
    assert [i.id for i in items] == [soon.id]  # one second before its 24 h start
    later = T0 + dt.timedelta(hours=5)  # soon is overdue (not fired: the server was away)
    items, _ = await follow_ups.due_soon(GUILD, later)
    assert [i.id for i in items] == [soon.id, edge.id]
    await follow_ups.cancel(GUILD, soon.id, STAFF, later)
    items, _ = await follow_ups.due_soon(GUILD, later)
    assert [i.id for i in items] == [edge.id]
    assert far.id not in [i.id for i in (await follow_ups.due_soon(GUILD, later))[0]]
    assert (await follow_ups.due_soon(OTHER_GUILD, later))[0] == []


async def test_due_soon_counts_only_the_types_a_caller_covers(
    requests: ConsultationService, follow_ups: FollowUpService
) -> None:
    request = await closed_request(requests)
    await book(follow_ups, request, due=T0 + dt.timedelta(hours=1))
    default_only = Coverage(default=True)
    other_type_only = Coverage(type_ids=frozenset({999}))

    assert (await follow_ups.due_soon(GUILD, T0, default_only))[1] == 1
    assert (await follow_ups.due_soon(GUILD, T0, other_type_only))[1] == 0
    assert (await follow_ups.due_soon(GUILD, T0, None))[1] == 1


# --------------------------------------------------------------------------- firing


async def test_two_firings_at_once_fire_it_once(
    requests: ConsultationService, follow_ups: FollowUpService, db: Database
) -> None:
    request = await closed_request(requests)
    booked = await book(follow_ups, request)

    results = await asyncio.gather(
        *(
            follow_ups.fire(
                booked.id, booked.due_at, member_present=True, claimer_id=STAFF, thread_id=THREAD
            )
            for _ in range(2)
        )
    )

    fired = [r for r in results if r is not None]
    assert len(fired) == 1
    row = await db.fetchone(
        "SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND member_id = ?", (GUILD, MEMBER)
    )
    assert row is not None
    assert row[0] == 2  # the closed one, and the one opened for the follow-up
    assert await follow_ups.due(booked.due_at, [GUILD]) == []
    again = await follow_ups.fire(
        booked.id, booked.due_at, member_present=True, claimer_id=STAFF, thread_id=THREAD
    )
    assert again is None


@pytest.mark.parametrize("outcome", list(FollowUpOutcome))
async def test_every_outcome_keeps_one_active_request_per_member(
    requests: ConsultationService,
    follow_ups: FollowUpService,
    outcome: FollowUpOutcome,
) -> None:
    old = await closed_request(requests)
    booked = await book(follow_ups, old)
    waiting = None
    if outcome is FollowUpOutcome.ACTIVE:  # the member asked again meanwhile (no cooldown by then)
        made = await requests.create(
            guild_id=GUILD,
            member_id=MEMBER,
            topic=Topic.COPING,
            urgency=Urgency.ROUTINE,
            now=T0 + dt.timedelta(hours=1),
            config=CONFIG,
        )
        waiting = made.consultation
    fired = await follow_ups.fire(
        booked.id,
        booked.due_at,
        member_present=outcome is not FollowUpOutcome.MEMBER_LEFT,
        claimer_id=STAFF if outcome is FollowUpOutcome.CLAIMED else None,
        thread_id=THREAD if outcome is not FollowUpOutcome.ACTIVE else None,
    )

    assert fired is not None
    assert fired.follow_up.outcome is outcome
    assert fired.follow_up.state is FollowUpState.FIRED
    assert fired.follow_up.fired_at == booked.due_at
    active = await requests.active_for_member(GUILD, MEMBER)
    request = fired.request
    if outcome is FollowUpOutcome.MEMBER_LEFT:
        assert request is None
        assert active is None
        assert fired.follow_up.request_id is None
        return
    assert request is not None
    assert active is not None
    assert request.id == active.id == fired.follow_up.request_id
    if outcome is FollowUpOutcome.ACTIVE:
        assert waiting is not None
        assert request.id == waiting.id
        assert request.urgency is Urgency.ROUTINE  # found, not changed
        return
    assert request.id != old.id
    assert request.number == 2
    assert request.topic is Topic.RELAPSE
    assert request.type_id == old.type_id
    assert request.urgency is Urgency.SOON
    assert request.thread_id == THREAD  # the conversation goes on in the old thread
    assert request.opening_message_id == old.opening_message_id
    assert request.note is None
    if outcome is FollowUpOutcome.CLAIMED:
        assert request.status is Status.CLAIMED
        assert request.claimed_by == STAFF
        assert request.claimed_at == request.first_claimed_at == booked.due_at
    else:
        assert request.status is Status.OPEN
        assert request.claimed_by is None


async def test_a_new_thread_is_made_when_the_old_one_is_gone(
    requests: ConsultationService, follow_ups: FollowUpService
) -> None:
    booked = await book(follow_ups, await closed_request(requests))
    fired = await follow_ups.fire(
        booked.id, booked.due_at, member_present=True, claimer_id=STAFF, thread_id=None
    )
    assert fired is not None
    assert fired.request is not None
    assert fired.request.thread_id is None
    assert fired.request.opening_message_id is None


async def test_finish_marks_it_done_and_interrupted_lists_only_unfinished_ones(
    requests: ConsultationService, follow_ups: FollowUpService
) -> None:
    first = await book(follow_ups, await closed_request(requests))
    second = await book(follow_ups, await closed_request(requests, OTHER_MEMBER))
    for booked in (first, second):
        await follow_ups.fire(
            booked.id, booked.due_at, member_present=True, claimer_id=STAFF, thread_id=None
        )
    await follow_ups.finish(first.id, first.due_at + SECOND)

    left = await follow_ups.interrupted([GUILD])
    assert [f.follow_up.id for f in left] == [second.id]
    assert left[0].request is not None
    assert left[0].request.status is Status.CLAIMED
    assert await follow_ups.interrupted([OTHER_GUILD]) == []
    done = await follow_ups.get(first.id)
    assert done is not None
    assert done.state is FollowUpState.DONE
    assert done.finished_at == first.due_at + SECOND


# --------------------------------------------------------------------------- cancelling


async def test_cancel_once_and_never_after_it_fired(
    requests: ConsultationService, follow_ups: FollowUpService
) -> None:
    request = await closed_request(requests)
    booked = await book(follow_ups, request)

    cancelled = await follow_ups.cancel(GUILD, booked.id, MEMBER, T0 + SECOND)

    assert cancelled.state is FollowUpState.CANCELLED
    assert (cancelled.cancelled_by, cancelled.finished_at) == (MEMBER, T0 + SECOND)
    with pytest.raises(FollowUpNotBookedError) as again:
        await follow_ups.cancel(GUILD, booked.id, MEMBER, T0)
    assert "already cancelled" in again.value.message
    assert await follow_ups.due(booked.due_at, [GUILD]) == []
    assert await follow_ups.booked_with(GUILD, MEMBER) == []

    second = await book(follow_ups, request)
    await follow_ups.fire(
        second.id, second.due_at, member_present=True, claimer_id=None, thread_id=None
    )
    with pytest.raises(FollowUpNotBookedError) as late:
        await follow_ups.cancel(GUILD, second.id, MEMBER, second.due_at)
    assert "already come round" in late.value.message
    with pytest.raises(NotFoundError):
        await follow_ups.cancel(OTHER_GUILD, second.id, MEMBER, second.due_at)
    with pytest.raises(NotFoundError):
        await follow_ups.cancel(GUILD, 9999, MEMBER, second.due_at)


# --------------------------------------------------------------------------- the member's data


async def test_exported_without_the_note_and_erased_with_the_member(
    requests: ConsultationService, follow_ups: FollowUpService, db: Database, cipher: Cipher
) -> None:
    booked = await book(follow_ups, await closed_request(requests), note="SENTINEL-FOLLOW-UP")

    exported = await collect(db, cipher, MEMBER, GUILD, now=T0)

    records = exported["data"]["consult_follow_ups"]["records"]
    assert [r["id"] for r in records] == [booked.id]
    assert records[0]["due_at"] == "2026-03-03T15:00:00Z"
    assert records[0]["staff_id"] == str(STAFF)
    assert "note" not in records[0]
    assert "SENTINEL-FOLLOW-UP" not in str(exported)
    withheld = [w["source"] for w in exported["manifest"]["withheld"]]
    assert "consult_follow_ups.note" in withheld
    staff_view = await collect(db, cipher, STAFF, GUILD, now=T0)
    mentions = staff_view["data"]["consult_follow_ups"]["mentions"]
    assert mentions == [
        {
            "you_are": "Staff member who booked it",
            "guild_id": str(GUILD),
            "due_at": "2026-03-03T15:00:00Z",
            "state": "booked",
        }
    ]

    report = await erase(db, MEMBER, GUILD)

    assert report.deleted["consult_follow_ups"] == 1
    assert await follow_ups.get(booked.id) is None


async def test_a_consultant_who_erases_their_data_leaves_the_check_in_to_the_queue(
    requests: ConsultationService, follow_ups: FollowUpService, db: Database
) -> None:
    booked = await book(follow_ups, await closed_request(requests))

    await erase(db, STAFF, GUILD)

    kept = await follow_ups.get(booked.id)
    assert kept is not None
    assert kept.staff_id == ERASED_ID
    assert kept.state is FollowUpState.BOOKED


async def test_a_finished_check_in_is_purged_after_the_retention_days(
    requests: ConsultationService, follow_ups: FollowUpService, db: Database
) -> None:
    request = await closed_request(requests)
    done = await book(follow_ups, request)
    await follow_ups.fire(
        done.id, done.due_at, member_present=False, claimer_id=None, thread_id=None
    )
    await follow_ups.finish(done.id, done.due_at)
    booked = await book(follow_ups, request, due=T0 + dt.timedelta(days=2))

    await purge_expired(db, done.due_at + dt.timedelta(days=30) - SECOND, 30)
    assert await follow_ups.get(done.id) is not None
    await purge_expired(db, done.due_at + dt.timedelta(days=30), 30)
    assert await follow_ups.get(done.id) is None
    assert await follow_ups.get(booked.id) is not None  # still to come: never purged
