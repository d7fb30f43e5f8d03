"""The consultation service at its edges, on a real SQLite file: every sentence a member or
staff member can be told, every log line, every lookup and every time window.

Written against the survivors of a mutation run (``scripts/mutate bot/consultations.py``):
each test pins something a planted bug changed without any other test noticing. What the
person is told is asserted whole (a changed word is a changed message); what the database
holds is read back through the service or with plain SQL.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from bot.consultations import (
    AlreadyClaimedError,
    Consultation,
    ConsultationService,
    MemberLeft,
    NoLongerOpenError,
    NotFoundError,
    Status,
    Topic,
    Urgency,
    from_ts,
    to_ts,
)
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from cogs.consult._embeds import refusal

GUILD = 1000
OTHER_GUILD = 2000
MEMBER = 1
STAFF = 10
STAFF_2 = 11
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
CONFIG = GuildConfig(guild_id=GUILD, cooldown_minutes=0, hourly_cap=1000)
OUT_OF_DATE = "This button is out of date. Please run the command again."


def later(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def create(
    service: ConsultationService,
    member: int = MEMBER,
    when: dt.datetime = T0,
    urgency: Urgency = Urgency.ROUTINE,
    *,
    guild: int = GUILD,
    config: GuildConfig = CONFIG,
) -> Consultation:
    result = await service.create(
        guild_id=guild,
        member_id=member,
        topic=Topic.COPING,
        urgency=urgency,
        now=when,
        config=config,
    )
    assert result.created is True
    return result.consultation


async def events(db: Database, request_id: int) -> list[tuple[int, str, int | None, int]]:
    rows = await db.fetchall(
        "SELECT guild_id, kind, actor_id, at FROM consultation_events "
        "WHERE consultation_id = ? ORDER BY id",
        (request_id,),
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]


# --------------------------------------------------------------------------- what people are told


async def test_a_request_of_another_server_or_none_at_all_is_out_of_date(
    service: ConsultationService,
) -> None:
    request = await create(service)

    for guild, request_id in ((OTHER_GUILD, request.id), (GUILD, request.id + 1)):
        with pytest.raises(NotFoundError) as caught:
            await service.get_in_guild(guild, request_id)
        assert caught.value.message == OUT_OF_DATE
    for attempt in (
        service.claim(OTHER_GUILD, request.id, STAFF, later(1)),
        service.claim(GUILD, request.id + 1, STAFF, later(1)),
        service.close(OTHER_GUILD, request.id, STAFF, "done", later(1)),
        service.release(OTHER_GUILD, request.id, STAFF, later(1)),
    ):
        with pytest.raises(NotFoundError) as caught:
            await attempt
        assert caught.value.message == OUT_OF_DATE
    assert (await service.get_in_guild(GUILD, request.id)).status is Status.OPEN


async def test_a_claim_someone_else_won_names_them(service: ConsultationService) -> None:
    request = await create(service)
    await service.claim(GUILD, request.id, STAFF, later(1))

    with pytest.raises(AlreadyClaimedError) as caught:
        await service.claim(GUILD, request.id, STAFF_2, later(2))

    assert refusal(caught.value) == f"Request #1 was already claimed by <@{STAFF}>."
    assert (caught.value.number, caught.value.claimed_by) == (1, STAFF)


@pytest.mark.parametrize(
    ("ending", "action", "told"),
    [
        ("cancelled", "claim", "Request #1 was cancelled by the member, so it can't be claimed."),
        ("closed", "claim", "Request #1 is already closed."),
        ("cancelled", "close", "Request #1 was cancelled by the member, so it can't be closed."),
        ("closed", "close", "Request #1 is already closed."),
        ("cancelled", "release", "Request #1 was cancelled by the member, so it can't be changed."),
        ("closed", "release", "Request #1 is already closed."),
        (
            "cancelled",
            "transfer",
            "Request #1 was cancelled by the member, so it can't be changed.",
        ),
        ("closed", "transfer", "Request #1 is already closed."),
        ("open", "release", "Request #1 isn't claimed by anyone yet."),
        ("open", "transfer", "Request #1 isn't claimed by anyone yet."),
    ],
)
async def test_a_refused_transition_says_exactly_why(
    service: ConsultationService, db: Database, ending: str, action: str, told: str
) -> None:
    request = await create(service)
    if ending == "cancelled":
        await service.cancel(GUILD, MEMBER, later(1))
    elif ending == "closed":
        await service.close(GUILD, request.id, STAFF, "done", later(1))
    before = await service.get_in_guild(GUILD, request.id)
    logged = len(await events(db, request.id))

    with pytest.raises(NoLongerOpenError) as caught:
        if action == "claim":
            await service.claim(GUILD, request.id, STAFF, later(2))
        elif action == "close":
            await service.close(GUILD, request.id, STAFF, "again", later(2))
        elif action == "release":
            await service.release(GUILD, request.id, STAFF, later(2), override=True)
        else:
            await service.transfer(GUILD, request.id, STAFF, STAFF_2, later(2), override=True)

    assert caught.value.message == told
    assert await service.get_in_guild(GUILD, request.id) == before
    assert len(await events(db, request.id)) == logged


async def test_a_request_whose_member_left_cannot_be_claimed(service: ConsultationService) -> None:
    request = await create(service)
    await service.member_left(GUILD, MEMBER, later(1))

    with pytest.raises(NoLongerOpenError) as caught:
        await service.claim(GUILD, request.id, STAFF, later(2))

    assert caught.value.message == (
        "The member who opened request #1 has left the server, so it can't be claimed. "
        "You can close it from its card."
    )
    assert (await service.get_in_guild(GUILD, request.id)).status is Status.OPEN


async def test_a_claimed_request_whose_member_left_is_still_refused_as_claimed(
    service: ConsultationService,
) -> None:
    """The "member left" refusal is for waiting requests; a claimed one names its claimer."""
    request = await create(service)
    await service.claim(GUILD, request.id, STAFF, later(1))
    await service.member_left(GUILD, MEMBER, later(2))

    with pytest.raises(AlreadyClaimedError):
        await service.claim(GUILD, request.id, STAFF_2, later(3))


@pytest.mark.parametrize("action", ["release", "transfer"])
async def test_only_the_claimer_or_an_override_can_hand_a_request_on(
    service: ConsultationService, action: str
) -> None:
    request = await create(service)
    await service.claim(GUILD, request.id, STAFF, later(1))

    with pytest.raises(UserFacingError) as caught:
        if action == "release":
            await service.release(GUILD, request.id, STAFF_2, later(2))
        else:
            await service.transfer(GUILD, request.id, STAFF_2, 12, later(2))

    assert refusal(caught.value) == (
        f"Only <@{STAFF}>, who claimed request #1, or a server admin can {action} it."
    )
    assert (await service.get_in_guild(GUILD, request.id)).claimed_by == STAFF


async def test_a_transfer_to_the_claimer_is_refused(service: ConsultationService) -> None:
    request = await create(service)
    await service.claim(GUILD, request.id, STAFF, later(1))

    with pytest.raises(UserFacingError) as caught:
        await service.transfer(GUILD, request.id, STAFF, STAFF, later(2))

    assert refusal(caught.value) == f"<@{STAFF}> already has request #1."
    with pytest.raises(UserFacingError) as caught:
        await service.transfer(GUILD, request.id, STAFF, MEMBER, later(2))
    assert caught.value.message == "A request can't be transferred to the member who opened it."


async def test_the_member_refusals_say_what_to_do(service: ConsultationService) -> None:
    with pytest.raises(NoLongerOpenError) as caught:
        await service.update_note(GUILD, MEMBER, "hello", later(1))
    assert caught.value.message == (
        "You don't have an open request right now. Use /consult to start one."
    )
    with pytest.raises(NoLongerOpenError) as caught:
        await service.cancel(GUILD, MEMBER, later(1))
    assert caught.value.message == (
        "You don't have an open request right now, so there is nothing to cancel."
    )

    request = await create(service)
    await service.claim(GUILD, request.id, STAFF, later(1))
    with pytest.raises(UserFacingError) as caught:
        await service.cancel(GUILD, MEMBER, later(2))
    assert caught.value.message == (
        "A staff member is already with you on request #1. If you'd like to stop, press \"Close "
        'my request" on the first message of your private thread, or tell them there and they '
        "will close it."
    )
    assert (await service.get_in_guild(GUILD, request.id)).status is Status.CLAIMED


# How long a member is told to wait: minutes up to two hours, then whole hours rounded up.
WAITS = [
    (1, "1 minute"),
    (2, "2 minutes"),
    (119, "119 minutes"),
    (120, "about 2 hours"),
    (121, "about 3 hours"),
    (180, "about 3 hours"),
    (181, "about 4 hours"),
]


@pytest.mark.parametrize(("minutes", "wait"), WAITS)
async def test_the_cooldown_says_how_long_to_wait(
    service: ConsultationService, minutes: int, wait: str
) -> None:
    config = GuildConfig(guild_id=GUILD, cooldown_minutes=minutes, hourly_cap=1000)
    request = await create(service, config=config)
    await service.close(GUILD, request.id, STAFF, "done", T0)

    with pytest.raises(UserFacingError) as caught:
        await create(service, when=later(1), config=config)  # minutes * 60 - 1 s left

    assert caught.value.show_crisis
    assert caught.value.message == (
        "Your last request was closed just a little while ago, so a new one can be opened in "
        f"{wait}. If you need to talk to someone right now, the crisis lines below are free "
        "and open any time."
    )


@pytest.mark.parametrize(
    ("left", "wait"),
    [(1, "1 minute"), (59, "1 minute"), (60, "1 minute"), (61, "2 minutes"), (3599, "60 minutes")],
)
async def test_the_hourly_cap_says_how_long_until_the_oldest_leaves_the_hour(
    service: ConsultationService, left: int, wait: str
) -> None:
    config = GuildConfig(guild_id=GUILD, cooldown_minutes=0, hourly_cap=2)
    await create(service, 2, T0, config=config)  # the oldest in the window
    await create(service, 3, later(3600 - left), config=config)

    with pytest.raises(UserFacingError) as caught:
        await create(service, 4, later(3600 - left), config=config)

    assert caught.value.show_crisis
    assert caught.value.message == (
        "Our staff have a lot of requests this hour, so new ones are paused for about "
        f"{wait}. Please try again then. If you need to talk to someone right now, the crisis "
        "lines below are free and open any time."
    )


async def test_an_existing_request_is_returned_even_during_the_cooldown_and_cap(
    service: ConsultationService,
) -> None:
    config = GuildConfig(guild_id=GUILD, cooldown_minutes=60, hourly_cap=1)
    first = await create(service, config=config)

    again = await service.create(
        guild_id=GUILD,
        member_id=MEMBER,
        topic=Topic.OTHER,
        urgency=Urgency.SOON,
        now=later(1),
        config=config,
    )

    assert again.created is False
    assert again.consultation.id == first.id
    assert again.consultation.topic is Topic.COPING  # the existing request, unchanged
    assert again.position == 1


# --------------------------------------------------------------------------- logs


async def test_every_state_change_logs_its_event_and_ids_only(
    service: ConsultationService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.consultations")
    one = await create(service, 1)
    two = await create(service, 2, urgency=Urgency.URGENT)
    three = await create(service, 3)
    await service.claim(GUILD, one.id, STAFF, later(1))
    await service.release(GUILD, one.id, STAFF, later(2))
    await service.claim(GUILD, one.id, STAFF, later(3))
    await service.transfer(GUILD, one.id, STAFF, STAFF_2, later(4))
    await service.close(GUILD, one.id, STAFF_2, "a private reason", later(5))
    await service.cancel(GUILD, 3, later(6))
    await service.claim(GUILD, two.id, STAFF, later(7))
    await service.undo_claim(two.id, STAFF, "thread:forbidden", later(8))
    await service.claim(GUILD, two.id, STAFF, later(9))
    await service.attach_thread(two.id, STAFF, 5555)
    await service.thread_gone(5555, later(10))
    four = await create(service, 4)
    await service.set_card(four.id, 1, 7777)
    await service.card_gone(7777, later(11))
    five = await create(service, 5)
    await service.claim(GUILD, five.id, STAFF, later(12))
    await service.member_left(GUILD, STAFF, later(13))
    await service.claim(GUILD, five.id, STAFF_2, later(14))
    await service.release_claims_of(STAFF_2, None, later(15))

    logged = [r.getMessage() for r in caplog.records if r.name == "bot.consultations"]

    assert logged == [
        f"consultation.created id={one.id} guild={GUILD} member=1 urgency=routine",
        f"consultation.created id={two.id} guild={GUILD} member=2 urgency=urgent",
        f"consultation.created id={three.id} guild={GUILD} member=3 urgency=routine",
        f"consultation.claimed id={one.id} guild={GUILD} staff={STAFF}",
        f"consultation.released id={one.id} guild={GUILD} by={STAFF}",
        f"consultation.claimed id={one.id} guild={GUILD} staff={STAFF}",
        f"consultation.transferred id={one.id} guild={GUILD} by={STAFF} to={STAFF_2}",
        f"consultation.closed id={one.id} guild={GUILD} by={STAFF_2}",
        f"consultation.cancelled id={three.id} guild={GUILD}",
        f"consultation.claimed id={two.id} guild={GUILD} staff={STAFF}",
        f"consultation.claim_undone id={two.id} problem=thread:forbidden",
        f"consultation.claimed id={two.id} guild={GUILD} staff={STAFF}",
        f"consultation.thread_deleted id={two.id} thread=5555",
        f"consultation.created id={four.id} guild={GUILD} member=4 urgency=routine",
        f"consultation.card_deleted id={four.id}",
        f"consultation.created id={five.id} guild={GUILD} member=5 urgency=routine",
        f"consultation.claimed id={five.id} guild={GUILD} staff={STAFF}",
        f"consultation.member_left guild={GUILD} user={STAFF} marked=0 released=1",
        f"consultation.claimed id={five.id} guild={GUILD} staff={STAFF_2}",
        f"consultation.claims_released user={STAFF_2} count=1",
    ]
    levels = {r.getMessage().split(" ")[0]: r.levelno for r in caplog.records}
    assert levels["consultation.claim_undone"] == logging.WARNING
    assert levels["consultation.thread_deleted"] == logging.WARNING
    assert levels["consultation.card_deleted"] == logging.WARNING
    assert levels["consultation.created"] == logging.INFO


async def test_nothing_is_logged_when_nothing_changed(
    service: ConsultationService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.consultations")
    first = await create(service)
    caplog.clear()

    await service.create(
        guild_id=GUILD,
        member_id=MEMBER,
        topic=Topic.COPING,
        urgency=Urgency.ROUTINE,
        now=later(1),
        config=CONFIG,
    )
    assert await service.member_left(GUILD, 99, later(2)) == MemberLeft((), ())
    assert await service.release_claims_of(99, None, later(3)) == ()
    assert await service.undo_claim(first.id, STAFF, "thread:forbidden", later(4)) is None

    assert [r.getMessage() for r in caplog.records] == []


async def test_member_left_logs_what_it_marked(
    service: ConsultationService, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.consultations")
    await create(service)
    caplog.clear()

    await service.member_left(GUILD, MEMBER, later(1))

    assert [r.getMessage() for r in caplog.records] == [
        f"consultation.member_left guild={GUILD} user={MEMBER} marked=1 released=0"
    ]


# --------------------------------------------------------------------------- lookups


async def test_lookups_by_card_and_by_claimer(service: ConsultationService) -> None:
    one = await create(service, 1)
    two = await create(service, 2)
    three = await create(service, 3)
    elsewhere = await create(service, 1, guild=OTHER_GUILD)
    await service.set_card(one.id, 50, 7001)
    await service.set_card(two.id, 50, 7002)
    for request in (three, one):
        await service.claim(GUILD, request.id, STAFF, later(1))
    await service.claim(OTHER_GUILD, elsewhere.id, STAFF, later(1))
    await service.claim(GUILD, two.id, STAFF_2, later(1))

    found = await service.by_card(7002)
    assert found is not None
    assert (found.id, found.card_channel_id, found.card_message_id) == (two.id, 50, 7002)
    assert await service.by_card(7003) is None
    assert [r.id for r in await service.claimed_by(GUILD, STAFF)] == [one.id, three.id]
    assert [r.id for r in await service.claimed_by(OTHER_GUILD, STAFF)] == [elsewhere.id]
    assert [r.id for r in await service.claimed_by(GUILD, STAFF_2)] == [two.id]
    await service.close(GUILD, one.id, STAFF, "done", later(2))
    assert [r.id for r in await service.claimed_by(GUILD, STAFF)] == [three.id]


async def test_a_card_reused_by_a_later_request_finds_the_later_one(
    service: ConsultationService,
) -> None:
    first = await create(service, 1)
    await service.set_card(first.id, 50, 7001)
    await service.close(GUILD, first.id, STAFF, "done", later(1))
    second = await create(service, 2, later(2))
    await service.set_card(second.id, 50, 7001)

    found = await service.by_card(7001)

    assert found is not None
    assert found.id == second.id


async def test_latest_for_member_is_the_newest_in_this_server(
    service: ConsultationService,
) -> None:
    assert await service.latest_for_member(GUILD, MEMBER) is None
    first = await create(service)
    await service.cancel(GUILD, MEMBER, later(1))
    second = await create(service, when=later(2))
    await create(service, when=later(3), guild=OTHER_GUILD)

    latest = await service.latest_for_member(GUILD, MEMBER)

    assert latest is not None
    assert latest.id == second.id != first.id
    assert await service.latest_for_member(GUILD, MEMBER + 1) is None


async def test_set_problem_and_forget_thread_touch_only_their_request(
    service: ConsultationService,
) -> None:
    one = await create(service, 1)
    two = await create(service, 2)
    for request in (one, two):
        await service.claim(GUILD, request.id, STAFF, later(1))
    await service.attach_thread(one.id, STAFF, 5551)
    await service.attach_thread(two.id, STAFF, 5552)

    await service.set_problem(one.id, "thread:forbidden")
    await service.forget_thread(one.id, 5552)  # not its thread: nothing happens
    assert (await service.get_in_guild(GUILD, one.id)).thread_id == 5551
    await service.forget_thread(one.id, 5551)

    first = await service.get_in_guild(GUILD, one.id)
    second = await service.get_in_guild(GUILD, two.id)
    assert (first.problem, first.thread_id) == ("thread:forbidden", None)
    assert (second.problem, second.thread_id) == (None, 5552)
    await service.set_problem(one.id, None)
    assert (await service.get_in_guild(GUILD, one.id)).problem is None


async def test_undo_claim_only_undoes_the_claim_of_that_claimer(
    service: ConsultationService, db: Database
) -> None:
    request = await create(service)
    await service.claim(GUILD, request.id, STAFF, later(1))

    assert await service.undo_claim(request.id, STAFF_2, "thread:forbidden", later(2)) is None
    assert (await service.get_in_guild(GUILD, request.id)).claimed_by == STAFF
    undone = await service.undo_claim(request.id, STAFF, "thread:forbidden", later(3))

    assert undone is not None
    assert (undone.status, undone.claimed_by, undone.claimed_at) == (Status.OPEN, None, None)
    assert undone.problem == "thread:forbidden"
    assert undone.first_claimed_at == later(1)
    assert (await events(db, request.id))[-1] == (GUILD, "released", None, to_ts(later(3)))


async def test_staff_notes_come_back_in_order_with_their_authors(
    service: ConsultationService,
) -> None:
    request = await create(service)
    other = await create(service, 2)
    first = await service.add_note(request.id, STAFF, "  first thought  ", later(1))
    await service.add_note(other.id, STAFF, "elsewhere", later(2))
    second = await service.add_note(request.id, STAFF_2, "second thought", later(3))

    notes = await service.notes(request.id)

    assert notes == [first, second]
    assert [(n.author_id, n.body, n.created_at) for n in notes] == [
        (STAFF, "first thought", later(1)),
        (STAFF_2, "second thought", later(3)),
    ]
    assert all(n.consultation_id == request.id for n in notes)
    assert first.id < second.id
    assert await service.notes(request.id + 5) == []


# --------------------------------------------------------------------------- events kept


async def test_each_transition_records_one_event_with_its_actor(
    service: ConsultationService, db: Database
) -> None:
    request = await create(service)
    await service.claim(GUILD, request.id, STAFF, later(1))
    await service.transfer(GUILD, request.id, STAFF, STAFF_2, later(2))
    await service.release(GUILD, request.id, STAFF_2, later(3))
    await service.member_left(GUILD, MEMBER, later(4))
    await service.member_returned(GUILD, MEMBER, later(5))
    await service.close(GUILD, request.id, STAFF, "done", later(6))

    assert await events(db, request.id) == [
        (GUILD, "created", MEMBER, to_ts(T0)),
        (GUILD, "claimed", STAFF, to_ts(later(1))),
        (GUILD, "transferred", STAFF_2, to_ts(later(2))),
        (GUILD, "released", STAFF_2, to_ts(later(3))),
        (GUILD, "member_left", MEMBER, to_ts(later(4))),
        (GUILD, "member_returned", MEMBER, to_ts(later(5))),
        (GUILD, "closed", STAFF, to_ts(later(6))),
    ]


async def test_lost_threads_and_cards_record_their_event(
    service: ConsultationService, db: Database
) -> None:
    claimed = await create(service, 1)
    await service.claim(GUILD, claimed.id, STAFF, later(1))
    await service.attach_thread(claimed.id, STAFF, 5555)
    waiting = await create(service, 2)
    await service.set_card(waiting.id, 1, 7777)
    cancelled = await create(service, 3)
    await service.cancel(GUILD, 3, later(2))

    gone = await service.thread_gone(5555, later(3))
    lost = await service.card_gone(7777, later(4))

    assert gone is not None
    assert (gone.status, gone.claimed_by, gone.closed_at) == (Status.CLOSED, None, later(3))
    assert lost is not None
    assert (lost.status, lost.card_message_id, lost.closed_at) == (Status.CLOSED, None, later(4))
    assert (await events(db, claimed.id))[-1] == (GUILD, "thread_deleted", None, to_ts(later(3)))
    assert (await events(db, waiting.id))[-1] == (GUILD, "card_deleted", None, to_ts(later(4)))
    assert (await events(db, cancelled.id))[-1] == (GUILD, "cancelled", 3, to_ts(later(2)))
    assert await service.thread_gone(5555, later(5)) is None
    assert await service.card_gone(7778, later(5)) is None


async def test_a_released_thread_of_a_waiting_request_is_only_forgotten(
    service: ConsultationService, db: Database
) -> None:
    request = await create(service)
    await service.claim(GUILD, request.id, STAFF, later(1))
    await service.attach_thread(request.id, STAFF, 5555)
    await service.release(GUILD, request.id, STAFF, later(2))
    logged = await events(db, request.id)

    assert await service.thread_gone(5555, later(3)) is None

    kept = await service.get_in_guild(GUILD, request.id)
    assert (kept.status, kept.thread_id, kept.closed_at) == (Status.OPEN, None, None)
    assert await events(db, request.id) == logged


async def test_a_member_who_returns_gets_their_request_back_once(
    service: ConsultationService, db: Database
) -> None:
    request = await create(service)
    elsewhere = await create(service, guild=OTHER_GUILD)
    assert await service.member_returned(GUILD, MEMBER, later(1)) is None  # never left
    left = await service.member_left(GUILD, MEMBER, later(2))
    assert [r.id for r in left.marked] == [request.id]
    assert left.marked[0].member_left_at == later(2)
    assert left.released == ()
    again = await service.member_left(GUILD, MEMBER, later(3))  # already marked
    assert again.marked == ()

    back = await service.member_returned(GUILD, MEMBER, later(4))

    assert back is not None
    assert back.id == request.id
    assert back.member_left_at is None
    assert await service.member_returned(GUILD, MEMBER, later(5)) is None
    assert (await service.get_in_guild(OTHER_GUILD, elsewhere.id)).member_left_at is None
    kinds = [kind for _, kind, _, _ in await events(db, request.id)]
    assert kinds == ["created", "member_left", "member_returned"]


async def test_release_claims_of_one_server_leaves_the_others(
    service: ConsultationService, db: Database
) -> None:
    here = await create(service, 1)
    there = await create(service, 1, guild=OTHER_GUILD)
    await service.claim(GUILD, here.id, STAFF, later(1))
    await service.claim(OTHER_GUILD, there.id, STAFF, later(1))

    released = await service.release_claims_of(STAFF, GUILD, later(2))

    assert [r.id for r in released] == [here.id]
    assert released[0].status is Status.OPEN
    assert (await service.get_in_guild(OTHER_GUILD, there.id)).claimed_by == STAFF
    assert (await events(db, here.id))[-1] == (GUILD, "released", STAFF, to_ts(later(2)))
    everywhere = await service.release_claims_of(STAFF, None, later(3))
    assert [r.id for r in everywhere] == [there.id]
    assert (await events(db, there.id))[-1] == (OTHER_GUILD, "released", STAFF, to_ts(later(3)))


# --------------------------------------------------------------------------- the queue


async def test_the_queue_position_counts_only_those_ahead_in_this_server(
    service: ConsultationService,
) -> None:
    routine = await create(service, 1, T0)
    soon = await create(service, 2, later(1), Urgency.SOON)
    urgent = await create(service, 3, later(2), Urgency.URGENT)
    same_second = await create(service, 4, later(2), Urgency.URGENT)
    await create(service, 5, T0, Urgency.URGENT, guild=OTHER_GUILD)

    positions = [await service.position(r) for r in (urgent, same_second, soon, routine)]

    assert positions == [1, 2, 3, 4]
    assert [r.id for r in await service.waiting(GUILD, limit=10)] == [
        urgent.id,
        same_second.id,
        soon.id,
        routine.id,
    ]
    assert [r.id for r in await service.waiting(GUILD, limit=2, offset=1)] == [
        same_second.id,
        soon.id,
    ]
    claimed = await service.claim(GUILD, urgent.id, STAFF, later(3))
    assert await service.position(claimed) is None
    assert await service.position(await service.get_in_guild(GUILD, same_second.id)) == 1
    assert await service.counts(GUILD) == (3, 1)
    assert await service.counts(OTHER_GUILD + 1) == (0, 0)


async def test_active_lists_open_and_claimed_of_one_server_or_all(
    service: ConsultationService,
) -> None:
    one = await create(service, 1)
    two = await create(service, 2)
    three = await create(service, 3)
    elsewhere = await create(service, 1, guild=OTHER_GUILD)
    await service.claim(GUILD, two.id, STAFF, later(1))
    await service.cancel(GUILD, 3, later(1))

    assert [r.id for r in await service.active(GUILD)] == [one.id, two.id]
    assert [r.id for r in await service.active()] == [one.id, two.id, elsewhere.id]
    assert three.id not in [r.id for r in await service.active()]
    assert sorted(await service.guilds_with_waiting()) == [GUILD, OTHER_GUILD]
    await service.claim(OTHER_GUILD, elsewhere.id, STAFF, later(2))
    assert await service.guilds_with_waiting() == [GUILD]


async def test_a_reminder_marks_only_what_was_not_marked_since(
    service: ConsultationService,
) -> None:
    config = GuildConfig(guild_id=GUILD, reminder_minutes=30, urgent_reminder_minutes=10)
    request = await create(service)
    due = await service.due_reminders(GUILD, later(1800), config)
    assert [r.id for r in due] == [request.id]
    assert [r.id for r in await service.mark_reminded(due, later(1800))] == [request.id]
    marked = await service.get_in_guild(GUILD, request.id)
    assert marked.last_reminded_at == later(1800)

    again = await service.due_reminders(GUILD, later(3600), config)
    assert [r.id for r in await service.mark_reminded(again, later(3600))] == [request.id]
    assert await service.mark_reminded(again, later(3601)) == []  # marked since it was read
    claimed = await service.claim(GUILD, request.id, STAFF, later(3602))
    assert await service.mark_reminded([claimed], later(3603)) == []


# --------------------------------------------------------------------------- /queue stats


async def test_stats_count_today_from_local_midnight(service: ConsultationService) -> None:
    """Closed today: from midnight in the server's time zone, not UTC's."""
    config = GuildConfig(guild_id=GUILD, timezone="America/New_York")
    midnight = dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC)  # 00:00 in New York (EST)
    before = await create(service, 1, midnight - dt.timedelta(hours=1))
    at_midnight = await create(service, 2, midnight - dt.timedelta(hours=1))
    await service.close(GUILD, before.id, STAFF, "done", midnight - SECOND)
    await service.close(GUILD, at_midnight.id, STAFF, "done", midnight)

    afternoon = midnight + dt.timedelta(hours=12, minutes=34, seconds=56, microseconds=789)
    stats = await service.stats(GUILD, afternoon, config)

    assert stats.closed_today == 1
    utc = await service.stats(GUILD, afternoon, GuildConfig(GUILD))
    assert utc.closed_today == 2


async def test_stats_windows_are_seven_days_to_the_second(service: ConsultationService) -> None:
    config = GuildConfig(guild_id=GUILD, timezone="UTC")
    week = dt.timedelta(days=7)
    now = T0 + week
    inside = await create(service, 1, T0 - dt.timedelta(minutes=10))
    outside = await create(service, 2, T0 - dt.timedelta(minutes=30))
    await service.claim(GUILD, outside.id, STAFF_2, T0 - SECOND)  # waited 29m59s
    await service.claim(GUILD, inside.id, STAFF, T0)  # waited 10 minutes
    await service.close(GUILD, outside.id, STAFF_2, "done", T0 - SECOND)
    await service.close(GUILD, inside.id, STAFF, "done", T0)

    stats = await service.stats(GUILD, now, config)

    assert stats.days == 7
    assert stats.median_wait_to_claim == dt.timedelta(minutes=10)
    assert stats.median_wait_to_close == dt.timedelta(minutes=10)
    assert [(s.staff_id, s.claims, s.closes) for s in stats.per_staff] == [(STAFF, 1, 1)]


async def test_stats_per_staff_order_and_what_counts(service: ConsultationService) -> None:
    config = GuildConfig(guild_id=GUILD, timezone="UTC")
    for member in range(1, 4):
        request = await create(service, member)
        await service.claim(GUILD, request.id, STAFF, later(member))
    await create(service, 9)
    await service.cancel(GUILD, 9, later(5))  # a cancel is nobody's close
    await service.transfer(GUILD, 1, STAFF, STAFF_2, later(6))  # a claim for STAFF_2
    await service.close(GUILD, 1, STAFF_2, "done", later(7))
    await service.close(GUILD, 2, 12, "done", later(8))  # closes by someone who never claimed

    stats = await service.stats(GUILD, later(60), config)

    assert [(s.staff_id, s.claims, s.closes) for s in stats.per_staff] == [
        (STAFF_2, 1, 1),  # most closes first, then most claims
        (12, 0, 1),
        (STAFF, 3, 0),
    ]
    assert (stats.waiting, stats.claimed, stats.closed_today) == (0, 1, 2)


async def test_stats_show_at_most_ten_staff(service: ConsultationService) -> None:
    config = GuildConfig(guild_id=GUILD, timezone="UTC")
    for member in range(1, 13):
        request = await create(service, member)
        await service.claim(GUILD, request.id, 100 + member, later(member))

    stats = await service.stats(GUILD, later(60), config)

    assert [s.staff_id for s in stats.per_staff] == [100 + n for n in range(1, 11)]


async def test_the_median_wait_is_rounded_to_the_second(service: ConsultationService) -> None:
    config = GuildConfig(guild_id=GUILD, timezone="UTC")
    one = await create(service, 1, T0)
    two = await create(service, 2, T0)
    await service.claim(GUILD, one.id, STAFF, later(10))
    await service.claim(GUILD, two.id, STAFF, later(13))  # median of 10 s and 13 s: 11.5 s

    stats = await service.stats(GUILD, later(60), config)

    assert stats.median_wait_to_claim == dt.timedelta(seconds=12)
    assert stats.median_wait_to_close is None


# --------------------------------------------------------------------------- values


def test_times_are_whole_utc_seconds() -> None:
    assert to_ts(dt.datetime(2026, 3, 2, 15, 0, 0, 999_999, tzinfo=dt.UTC)) == to_ts(T0)
    assert from_ts(to_ts(T0)) == T0
    assert from_ts(0) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert from_ts(None) is None
    with pytest.raises(ValueError, match="times must be timezone-aware"):
        to_ts(dt.datetime(2026, 3, 2, 15, 0))  # naive: refused


def consultation(status: Status, **times: dt.datetime | None) -> Consultation:
    return Consultation(
        id=1,
        guild_id=GUILD,
        number=1,
        member_id=MEMBER,
        topic=Topic.COPING,
        urgency=Urgency.ROUTINE,
        status=status,
        created_at=T0,
        **times,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("status", "times", "waited"),
    [
        (Status.OPEN, {}, 600),
        (Status.CLAIMED, {"claimed_at": later(120)}, 120),
        (Status.CLAIMED, {"claimed_at": None}, 600),
        (Status.OPEN, {"claimed_at": later(120)}, 600),  # released: still waiting
        (Status.CLOSED, {"claimed_at": later(120), "closed_at": later(300)}, 300),
        (Status.CANCELLED, {"closed_at": later(60)}, 60),
        (Status.OPEN, {"closed_at": None}, 600),
    ],
)
def test_how_long_a_member_has_waited(
    status: Status, times: dict[str, dt.datetime | None], waited: int
) -> None:
    assert consultation(status, **times).waited(later(600)) == dt.timedelta(seconds=waited)


def test_a_wait_is_never_negative() -> None:
    assert consultation(Status.OPEN).waited(T0 - SECOND) == dt.timedelta(0)
    assert consultation(Status.OPEN).waited(T0 + SECOND) == SECOND


async def test_a_thread_finds_its_latest_request(service: ConsultationService) -> None:
    assert await service.by_thread(5555) is None
    first = await create(service, 1)
    await service.claim(GUILD, first.id, STAFF, later(1))
    await service.attach_thread(first.id, STAFF, 5555)
    await service.close(GUILD, first.id, STAFF, "done", later(2))
    second = await create(service, 2, later(3))
    await service.claim(GUILD, second.id, STAFF, later(4))
    await service.attach_thread(second.id, STAFF, 5555)  # a thread carried on

    found = await service.by_thread(5555)

    assert found is not None
    assert (found.id, found.thread_id, found.status) == (second.id, 5555, Status.CLAIMED)
    assert await service.by_thread(5556) is None


async def test_a_staff_note_is_stamped_to_the_whole_second(service: ConsultationService) -> None:
    request = await create(service)
    moment = later(1) + dt.timedelta(microseconds=600_000)

    note = await service.add_note(request.id, STAFF, "a thought", moment)

    assert note.created_at == later(1)
    assert (await service.notes(request.id))[0].created_at == later(1)


async def test_active_for_member_is_only_an_open_or_claimed_request_here(
    service: ConsultationService,
) -> None:
    assert await service.active_for_member(GUILD, MEMBER) is None
    request = await create(service)
    await create(service, guild=OTHER_GUILD)
    found = await service.active_for_member(GUILD, MEMBER)
    assert found is not None
    assert found.id == request.id
    await service.claim(GUILD, request.id, STAFF, later(1))
    claimed = await service.active_for_member(GUILD, MEMBER)
    assert claimed is not None
    assert claimed.status is Status.CLAIMED
    await service.close(GUILD, request.id, STAFF, "done", later(2))
    assert await service.active_for_member(GUILD, MEMBER) is None


async def test_a_lost_card_of_a_claimed_request_drops_both_card_ids_and_nothing_else(
    service: ConsultationService, db: Database
) -> None:
    request = await create(service)
    await service.set_card(request.id, 50, 7777)
    await service.claim(GUILD, request.id, STAFF, later(1))
    logged = await events(db, request.id)

    after = await service.card_gone(7777, later(2))

    assert after is not None
    assert (after.card_channel_id, after.card_message_id) == (None, None)
    assert (after.status, after.claimed_by, after.closed_at) == (Status.CLAIMED, STAFF, None)
    assert await events(db, request.id) == logged


async def test_setting_a_card_records_both_ids(service: ConsultationService) -> None:
    request = await create(service)

    await service.set_card(request.id, 50, 7777)
    stored = await service.get_in_guild(GUILD, request.id)
    assert (stored.card_channel_id, stored.card_message_id) == (50, 7777)
    await service.set_card(request.id, None, None)
    cleared = await service.get_in_guild(GUILD, request.id)
    assert (cleared.card_channel_id, cleared.card_message_id) == (None, None)


async def test_release_claims_of_everywhere_returns_every_server_s_requests(
    service: ConsultationService,
) -> None:
    here = await create(service, 1)
    there = await create(service, 1, guild=OTHER_GUILD)
    also_here = await create(service, 2)
    for guild, request in ((GUILD, here), (OTHER_GUILD, there), (GUILD, also_here)):
        await service.claim(guild, request.id, STAFF, later(1))

    released = await service.release_claims_of(STAFF, None, later(2))

    assert sorted(r.id for r in released) == sorted([here.id, there.id, also_here.id])
    assert all(r.status is Status.OPEN and r.claimed_by is None for r in released)


async def test_every_field_survives_the_round_trip_through_the_database(
    service: ConsultationService,
) -> None:
    # What the member wrote and who did what come back exactly as stored, read fresh from the
    # file at each step (a field dropped or blanked when a row is read back fails here).
    result = await service.create(
        guild_id=GUILD,
        member_id=MEMBER,
        topic=Topic.COPING,
        urgency=Urgency.SOON,
        now=T0,
        config=CONFIG,
        note="a note of mine",
        preferred_time="after 6pm",
    )
    assert result.created is True
    request_id = result.consultation.id
    assert result.consultation.preferred_time == "after 6pm"
    created = await service.get(request_id)
    assert created is not None
    assert (created.member_id, created.note, created.preferred_time) == (
        MEMBER,
        "a note of mine",
        "after 6pm",
    )
    assert (created.claimed_at, created.closed_by, created.closed_at) == (None, None, None)
    assert created.created_at == T0

    await service.claim(GUILD, request_id, STAFF, later(60))
    claimed = await service.get(request_id)
    assert claimed is not None
    assert (claimed.claimed_by, claimed.claimed_at, claimed.first_claimed_at) == (
        STAFF,
        later(60),
        later(60),
    )
    assert claimed.preferred_time == "after 6pm"

    await service.close(GUILD, request_id, STAFF, "talked it through", later(120))
    closed = await service.get(request_id)
    assert closed is not None
    assert closed.status is Status.CLOSED
    assert (closed.closed_by, closed.closed_at, closed.close_reason) == (
        STAFF,
        later(120),
        "talked it through",
    )
    assert (closed.member_id, closed.preferred_time) == (MEMBER, "after 6pm")
