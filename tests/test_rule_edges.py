"""Every time- and enum-based rule of the services, at its edges, on a real SQLite file.

Each rule is tested one second before and one second after (or exactly at) its edge, and for
every value of every enum it depends on, so that moving an edge by a second or dropping one
value from a rule fails a test.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.consultations import (
    COOLDOWN_KINDS,
    CloseKind,
    Consultation,
    ConsultationService,
    Status,
    Topic,
    Urgency,
)
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.meetings import Meeting, due_reminders, next_reminder_at

GUILD = 1000
MEMBER = 1
STAFF = 10
STAFF_2 = 11
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
COOLDOWN = 10
CONFIG = GuildConfig(guild_id=GUILD, cooldown_minutes=COOLDOWN, hourly_cap=1000)
NON_URGENT = [u for u in Urgency if u is not Urgency.URGENT]


def later(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def create(
    service: ConsultationService,
    member: int,
    when: dt.datetime,
    urgency: Urgency = Urgency.ROUTINE,
    config: GuildConfig = CONFIG,
) -> Consultation:
    result = await service.create(
        guild_id=GUILD,
        member_id=member,
        topic=Topic.COPING,
        urgency=urgency,
        now=when,
        config=config,
    )
    assert result.created
    return result.consultation


async def end(service: ConsultationService, kind: CloseKind, when: dt.datetime) -> Consultation:
    """Open a request for MEMBER and end it in the way ``kind`` names, at ``when``."""
    request = await create(service, MEMBER, when - dt.timedelta(minutes=1))
    if kind is CloseKind.RESOLVED:
        ended = await service.close(GUILD, request.id, STAFF, "talked it through", when)
    elif kind is CloseKind.CANCELLED:
        ended = await service.cancel(GUILD, MEMBER, when)
    elif kind is CloseKind.THREAD_DELETED:
        await service.claim(GUILD, request.id, STAFF, when - dt.timedelta(seconds=30))
        await service.attach_thread(request.id, STAFF, 5555)
        gone = await service.thread_gone(5555, when)
        assert gone is not None
        ended = gone
    else:
        await service.set_card(request.id, 1, 7777)
        gone = await service.card_gone(7777, when)
        assert gone is not None
        ended = gone
    assert ended.close_kind is kind
    assert ended.closed_at == when
    return ended


# --------------------------------------------------------------------------- the cooldown


def test_every_close_kind_is_on_one_side_of_the_cooldown_rule() -> None:
    """A new close kind must be placed deliberately (and then added to the tables below)."""
    assert set(COOLDOWN_KINDS) == {CloseKind.RESOLVED, CloseKind.CANCELLED}
    assert set(CloseKind) == {
        CloseKind.RESOLVED,
        CloseKind.CANCELLED,
        CloseKind.THREAD_DELETED,
        CloseKind.CARD_DELETED,
    }
    assert set(Urgency) == {Urgency.ROUTINE, Urgency.SOON, Urgency.URGENT}


@pytest.mark.parametrize("kind", [CloseKind.RESOLVED, CloseKind.CANCELLED])
@pytest.mark.parametrize("urgency", NON_URGENT)
async def test_the_cooldown_refuses_every_non_urgent_request_until_its_last_second(
    service: ConsultationService, kind: CloseKind, urgency: Urgency
) -> None:
    await end(service, kind, T0)
    ready = later(COOLDOWN * 60)

    with pytest.raises(UserFacingError) as caught:
        await create(service, MEMBER, ready - SECOND, urgency)
    assert caught.value.show_crisis
    assert "1 minute" in caught.value.message

    again = await create(service, MEMBER, ready, urgency)
    assert again.status is Status.OPEN


@pytest.mark.parametrize("kind", [CloseKind.RESOLVED, CloseKind.CANCELLED])
@pytest.mark.parametrize("urgency", NON_URGENT)
async def test_the_cooldown_is_over_one_second_after_it_ends(
    service: ConsultationService, kind: CloseKind, urgency: Urgency
) -> None:
    await end(service, kind, T0)

    again = await create(service, MEMBER, later(COOLDOWN * 60 + 1), urgency)

    assert again.status is Status.OPEN


@pytest.mark.parametrize("kind", list(CloseKind))
async def test_an_urgent_request_is_never_refused_by_the_cooldown(
    service: ConsultationService, kind: CloseKind
) -> None:
    await end(service, kind, T0)

    urgent = await create(service, MEMBER, T0, Urgency.URGENT)

    assert urgent.status is Status.OPEN


@pytest.mark.parametrize("kind", [CloseKind.THREAD_DELETED, CloseKind.CARD_DELETED])
@pytest.mark.parametrize("urgency", list(Urgency))
async def test_a_request_lost_to_a_deleted_thread_or_card_starts_no_cooldown(
    service: ConsultationService, kind: CloseKind, urgency: Urgency
) -> None:
    await end(service, kind, T0)

    again = await create(service, MEMBER, later(1), urgency)

    assert again.status is Status.OPEN


@pytest.mark.parametrize("urgency", list(Urgency))
async def test_a_cooldown_of_zero_minutes_is_no_cooldown(
    service: ConsultationService, urgency: Urgency
) -> None:
    config = GuildConfig(guild_id=GUILD, cooldown_minutes=0, hourly_cap=1000)
    await end(service, CloseKind.RESOLVED, T0)

    again = await create(service, MEMBER, T0, urgency, config)

    assert again.status is Status.OPEN


async def test_the_cooldown_is_per_member_and_per_server(service: ConsultationService) -> None:
    await end(service, CloseKind.RESOLVED, T0)

    other_member = await create(service, MEMBER + 1, later(1))
    other_server = await service.create(
        guild_id=GUILD + 1,
        member_id=MEMBER,
        topic=Topic.COPING,
        urgency=Urgency.ROUTINE,
        now=later(1),
        config=GuildConfig(guild_id=GUILD + 1, cooldown_minutes=COOLDOWN),
    )

    assert other_member.status is Status.OPEN
    assert other_server.created


# --------------------------------------------------------------------------- the hourly cap

# Urgent requests are left out here on purpose: whether the cap applies to them is being
# changed (a member who is struggling should never be turned away); see the consult flow.


@pytest.mark.parametrize("urgency", NON_URGENT)
async def test_the_hourly_cap_refuses_at_the_cap_and_not_one_before(
    service: ConsultationService, urgency: Urgency
) -> None:
    config = GuildConfig(guild_id=GUILD, cooldown_minutes=0, hourly_cap=3)
    await create(service, 1, T0, config=config)
    await create(service, 2, later(10), config=config)

    third = await create(service, 3, later(20), urgency, config)  # count 2 < cap 3
    assert third.status is Status.OPEN
    with pytest.raises(UserFacingError) as caught:
        await create(service, 4, later(30), urgency, config)  # count 3 = cap
    assert caught.value.show_crisis


@pytest.mark.parametrize("urgency", NON_URGENT)
async def test_a_request_leaves_the_hourly_window_exactly_an_hour_later(
    service: ConsultationService, urgency: Urgency
) -> None:
    config = GuildConfig(guild_id=GUILD, cooldown_minutes=0, hourly_cap=2)
    await create(service, 1, T0, config=config)
    await create(service, 2, later(600), config=config)

    with pytest.raises(UserFacingError) as caught:
        await create(service, 3, later(3600) - SECOND, urgency, config)
    assert "1 minute" in caught.value.message

    freed = await create(service, 3, later(3600), urgency, config)
    assert freed.status is Status.OPEN
    with pytest.raises(UserFacingError):  # the one at +600 s is still inside the hour
        await create(service, 4, later(3601), urgency, config)
    assert (await create(service, 4, later(4200), urgency, config)).status is Status.OPEN


async def test_the_hourly_cap_counts_only_this_server(service: ConsultationService) -> None:
    config = GuildConfig(guild_id=GUILD, cooldown_minutes=0, hourly_cap=1)
    await create(service, 1, T0, config=config)

    elsewhere = await service.create(
        guild_id=GUILD + 1,
        member_id=2,
        topic=Topic.COPING,
        urgency=Urgency.ROUTINE,
        now=later(1),
        config=GuildConfig(guild_id=GUILD + 1, cooldown_minutes=0, hourly_cap=1),
    )

    assert elsewhere.created


# --------------------------------------------------------------------------- staff reminders


REMINDERS = GuildConfig(guild_id=GUILD, reminder_minutes=30, urgent_reminder_minutes=10)
INTERVAL = {Urgency.ROUTINE: 30, Urgency.SOON: 30, Urgency.URGENT: 10}


def test_every_urgency_has_a_reminder_interval() -> None:
    assert set(INTERVAL) == set(Urgency)


@pytest.mark.parametrize("urgency", list(Urgency))
async def test_a_waiting_request_is_reminded_exactly_at_its_interval(
    service: ConsultationService, urgency: Urgency
) -> None:
    request = await create(service, MEMBER, T0, urgency)
    due_at = later(INTERVAL[urgency] * 60)

    assert await service.due_reminders(GUILD, due_at - SECOND, REMINDERS) == []
    due = await service.due_reminders(GUILD, due_at, REMINDERS)
    assert [r.id for r in due] == [request.id]

    marked = await service.mark_reminded(due, due_at)
    assert [r.id for r in marked] == [request.id]
    assert await service.mark_reminded(due, due_at + SECOND) == []  # never twice
    next_due = due_at + dt.timedelta(minutes=INTERVAL[urgency])
    assert await service.due_reminders(GUILD, next_due - SECOND, REMINDERS) == []
    assert len(await service.due_reminders(GUILD, next_due, REMINDERS)) == 1


@pytest.mark.parametrize("urgency", list(Urgency))
async def test_claimed_or_abandoned_requests_are_not_reminded(
    service: ConsultationService, urgency: Urgency
) -> None:
    claimed = await create(service, 1, T0, urgency)
    await service.claim(GUILD, claimed.id, STAFF, later(1))
    await create(service, 2, T0, urgency)
    await service.member_left(GUILD, 2, later(1))

    assert await service.due_reminders(GUILD, later(3600), REMINDERS) == []


# --------------------------------------------------------------------------- transfer


async def test_a_request_cannot_be_transferred_to_the_member_who_opened_it(
    service: ConsultationService,
) -> None:
    request = await create(service, MEMBER, T0)
    await service.claim(GUILD, request.id, STAFF, later(1))

    for override in (False, True):
        with pytest.raises(UserFacingError, match="member who opened it"):
            await service.transfer(GUILD, request.id, STAFF, MEMBER, later(2), override=override)

    kept = await service.get_in_guild(GUILD, request.id)
    assert kept.status is Status.CLAIMED
    assert kept.claimed_by == STAFF
    moved = await service.transfer(GUILD, request.id, STAFF, STAFF_2, later(3))
    assert moved.claimed_by == STAFF_2


# --------------------------------------------------------------------------- meeting reminders


def meeting(start: dt.datetime, *, active: bool = False) -> Meeting:
    return Meeting(
        id=1, guild_id=GUILD, name="Evening meeting", start=start, end=None, active=active, url=""
    )


def test_a_meeting_reminder_is_due_from_its_minute_until_the_start() -> None:
    start = later(3600)
    minutes = 15
    remind_at = start - dt.timedelta(minutes=minutes)
    event = meeting(start)

    assert due_reminders([event], remind_at - SECOND, minutes) == []
    assert due_reminders([event], remind_at, minutes) == [event]
    assert due_reminders([event], start - SECOND, minutes) == [event]
    assert due_reminders([event], start, minutes) == []  # started: too late to remind
    assert due_reminders([meeting(start, active=True)], remind_at, minutes) == []


def test_the_next_meeting_reminder_is_planned_for_its_exact_minute() -> None:
    start = later(3600)
    minutes = 15
    remind_at = start - dt.timedelta(minutes=minutes)
    event = meeting(start)

    assert next_reminder_at([event], remind_at - SECOND, minutes) == remind_at
    assert next_reminder_at([event], remind_at, minutes) is None  # due now, not later
    assert next_reminder_at([meeting(start, active=True)], T0, minutes) is None
