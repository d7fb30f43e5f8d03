"""The consultation service on a real SQLite file: state machine, ordering, limits, races."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

import pytest

from bot.consultations import (
    NOTE_LIMIT,
    AlreadyClaimedError,
    CloseKind,
    Consultation,
    ConsultationService,
    NoLongerOpenError,
    NotFoundError,
    Status,
    Topic,
    Urgency,
)
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from cogs.consult._embeds import refusal

GUILD = 1000
OTHER_GUILD = 2000
STAFF = 10
STAFF_2 = 11
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


CONFIG = GuildConfig(guild_id=GUILD, cooldown_minutes=10, hourly_cap=30)


async def open_request(
    service: ConsultationService,
    member: int,
    *,
    urgency: Urgency = Urgency.ROUTINE,
    when: dt.datetime = T0,
    guild: int = GUILD,
    note: str | None = None,
    config: GuildConfig = CONFIG,
) -> Consultation:
    result = await service.create(
        guild_id=guild,
        member_id=member,
        topic=Topic.COPING,
        urgency=urgency,
        now=when,
        config=config,
        note=note,
    )
    assert result.created
    return result.consultation


async def test_create_numbers_requests_per_server_and_encrypts_the_note(
    service: ConsultationService, db: Database
) -> None:
    first = await open_request(service, 1, note="  I have been finding evenings hard  ")
    second = await open_request(service, 2)
    elsewhere = await open_request(service, 3, guild=OTHER_GUILD)

    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    assert first.status is Status.OPEN
    assert first.note == "I have been finding evenings hard"
    raw = await db.fetchone("SELECT note FROM consultations WHERE id = ?", (first.id,))
    assert raw is not None
    assert isinstance(raw["note"], bytes)
    assert b"evenings" not in raw["note"]


async def test_a_second_request_returns_the_existing_one(service: ConsultationService) -> None:
    first = await open_request(service, 1)

    again = await service.create(
        guild_id=GUILD,
        member_id=1,
        topic=Topic.OTHER,
        urgency=Urgency.URGENT,
        now=at(1),
        config=CONFIG,
    )

    assert not again.created
    assert again.consultation.id == first.id
    assert again.consultation.urgency is Urgency.ROUTINE


async def test_ten_concurrent_creates_make_one_row(
    service: ConsultationService, db: Database
) -> None:
    results = await asyncio.gather(
        *(
            service.create(
                guild_id=GUILD,
                member_id=7,
                topic=Topic.RELAPSE,
                urgency=Urgency.SOON,
                now=T0,
                config=CONFIG,
            )
            for _ in range(10)
        )
    )

    assert sum(result.created for result in results) == 1
    assert len({result.consultation.id for result in results}) == 1
    row = await db.fetchone("SELECT COUNT(*) FROM consultations")
    assert row is not None
    assert row[0] == 1


async def test_the_database_itself_refuses_a_second_active_request(
    service: ConsultationService, db: Database
) -> None:
    first = await open_request(service, 1)

    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, "
                "priority, status, created_at) VALUES (?, 99, 1, 'other', 'routine', 2, "
                "'open', 0)",
                (GUILD,),
            )
    assert (await service.active_for_member(GUILD, 1)) == first


async def test_twenty_concurrent_claims_have_exactly_one_winner(
    service: ConsultationService,
) -> None:
    request = await open_request(service, 1)

    outcomes = await asyncio.gather(
        *(service.claim(GUILD, request.id, 100 + n, at(1)) for n in range(20)),
        return_exceptions=True,
    )

    winners = [o for o in outcomes if isinstance(o, Consultation)]
    losers = [o for o in outcomes if isinstance(o, AlreadyClaimedError)]
    assert len(winners) == 1
    assert len(losers) == 19
    assert {loser.claimed_by for loser in losers} == {winners[0].claimed_by}
    assert "already claimed by" in losers[0].message
    final = await service.get(request.id)
    assert final is not None
    assert final.status is Status.CLAIMED
    assert final.claimed_by == winners[0].claimed_by


async def test_fifty_concurrent_mixed_operations_keep_the_invariants(
    service: ConsultationService, db: Database
) -> None:
    requests = [await open_request(service, member) for member in range(1, 11)]

    async def churn(n: int) -> None:
        request = requests[n % 10]
        try:
            if n % 3 == 0:
                await service.claim(GUILD, request.id, 100 + n, at(1))
            elif n % 3 == 1:
                await service.close(GUILD, request.id, 100 + n, "done", at(2))
            else:
                await service.release(GUILD, request.id, 100 + n, at(3), override=True)
        except UserFacingError:
            pass

    await asyncio.gather(*(churn(n) for n in range(50)))

    bad = await db.fetchone(
        "SELECT COUNT(*) FROM consultations WHERE (status = 'claimed') != (claimed_by IS NOT NULL)"
    )
    assert bad is not None
    assert bad[0] == 0
    integrity = await db.fetchone("PRAGMA integrity_check")
    assert integrity is not None
    assert integrity[0] == "ok"


async def test_queue_orders_by_urgency_then_age(service: ConsultationService) -> None:
    routine_old = await open_request(service, 1, urgency=Urgency.ROUTINE, when=at(0))
    soon = await open_request(service, 2, urgency=Urgency.SOON, when=at(5))
    urgent_new = await open_request(service, 3, urgency=Urgency.URGENT, when=at(9))
    routine_new = await open_request(service, 4, urgency=Urgency.ROUTINE, when=at(1))
    urgent_old = await open_request(service, 5, urgency=Urgency.URGENT, when=at(2))
    same_time = await open_request(service, 6, urgency=Urgency.ROUTINE, when=at(1))

    waiting = await service.waiting(GUILD, limit=50)

    assert [c.id for c in waiting] == [
        urgent_old.id,
        urgent_new.id,
        soon.id,
        routine_old.id,
        routine_new.id,
        same_time.id,
    ]
    assert await service.position(urgent_old) == 1
    assert await service.position(routine_old) == 4
    assert await service.position(same_time) == 6
    assert await service.counts(GUILD) == (6, 0)


async def test_release_keeps_the_original_place(service: ConsultationService) -> None:
    first = await open_request(service, 1, when=at(0))
    await open_request(service, 2, when=at(1))
    claimed = await service.claim(GUILD, first.id, STAFF, at(2))
    assert await service.position(claimed) is None

    released = await service.release(GUILD, first.id, STAFF, at(3))

    assert released.status is Status.OPEN
    assert released.claimed_by is None
    assert await service.position(released) == 1


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        ("closed", "close", "already closed"),
        ("closed", "claim", "already closed"),
        ("cancelled", "claim", "cancelled by the member"),
        ("cancelled", "close", "cancelled by the member"),
        ("open", "release", "isn't claimed"),
        ("closed", "release", "already closed"),
        ("open", "transfer", "isn't claimed"),
        ("claimed", "release_by_other", "Only <@10>"),
        ("claimed", "transfer_by_other", "Only <@10>"),
        ("claimed", "claim", "already claimed by <@10>"),
        ("claimed", "cancel", "already with you"),
        ("none", "cancel", "nothing to cancel"),
    ],
)
async def test_refused_transitions_say_why_and_change_nothing(
    service: ConsultationService, setup: str, action: str, message: str
) -> None:
    request = await open_request(service, 1)
    if setup in ("claimed", "closed"):
        await service.claim(GUILD, request.id, STAFF, at(1))
    if setup == "closed":
        await service.close(GUILD, request.id, STAFF, "all sorted", at(2))
    if setup in ("cancelled", "none"):
        await service.cancel(GUILD, 1, at(2))
    before = await service.get(request.id)

    with pytest.raises(UserFacingError) as caught:
        if action == "close":
            await service.close(GUILD, request.id, STAFF, "again", at(5))
        elif action == "claim":
            await service.claim(GUILD, request.id, STAFF_2, at(5))
        elif action == "release":
            await service.release(GUILD, request.id, STAFF, at(5))
        elif action == "release_by_other":
            await service.release(GUILD, request.id, STAFF_2, at(5))
        elif action == "transfer":
            await service.transfer(GUILD, request.id, STAFF, STAFF_2, at(5))
        elif action == "transfer_by_other":
            await service.transfer(GUILD, request.id, STAFF_2, STAFF_2 + 1, at(5))
        elif action == "cancel":
            await service.cancel(GUILD, 1, at(5))

    assert message in refusal(caught.value)  # what staff read, the staff member named
    assert await service.get(request.id) == before


async def test_an_admin_override_can_release_and_transfer(service: ConsultationService) -> None:
    request = await open_request(service, 1)
    await service.claim(GUILD, request.id, STAFF, at(1))

    moved = await service.transfer(GUILD, request.id, 99, STAFF_2, at(2), override=True)
    assert moved.claimed_by == STAFF_2
    released = await service.release(GUILD, request.id, 99, at(3), override=True)
    assert released.status is Status.OPEN


async def test_a_staff_member_can_close_a_waiting_request(service: ConsultationService) -> None:
    request = await open_request(service, 1)

    closed = await service.close(GUILD, request.id, STAFF, "  duplicate of #2  ", at(1))

    assert closed.status is Status.CLOSED
    assert closed.close_kind is CloseKind.RESOLVED
    assert closed.close_reason == "duplicate of #2"
    with pytest.raises(UserFacingError, match="write a reason"):
        await service.close(GUILD, (await open_request(service, 2)).id, STAFF, "   ", at(1))


async def test_ids_from_another_server_or_missing_are_out_of_date(
    service: ConsultationService,
) -> None:
    request = await open_request(service, 1, guild=OTHER_GUILD)

    for call in (
        service.claim(GUILD, request.id, STAFF, at(1)),
        service.claim(GUILD, 999_999, STAFF, at(1)),
        service.close(GUILD, request.id, STAFF, "x", at(1)),
        service.release(GUILD, request.id, STAFF, at(1)),
        service.get_in_guild(GUILD, request.id),
    ):
        with pytest.raises(NotFoundError, match="out of date"):
            await call


async def test_cooldown_after_close_and_cancel_shows_crisis_resources(
    service: ConsultationService,
) -> None:
    request = await open_request(service, 1)
    await service.claim(GUILD, request.id, STAFF, at(1))
    await service.close(GUILD, request.id, STAFF, "talked it through", at(2))

    with pytest.raises(UserFacingError) as caught:
        await open_request(service, 1, when=at(5))
    assert caught.value.show_crisis
    assert "7 minutes" in caught.value.message

    urgent = await open_request(service, 1, when=at(5), urgency=Urgency.URGENT)
    assert urgent.status is Status.OPEN
    await service.cancel(GUILD, 1, at(6))
    with pytest.raises(UserFacingError, match="10 minutes"):
        await open_request(service, 1, when=at(6))
    again = await open_request(service, 1, when=at(16))
    assert again.number == 3


async def test_no_cooldown_after_a_thread_or_card_was_deleted(
    service: ConsultationService,
) -> None:
    request = await open_request(service, 1)
    await service.claim(GUILD, request.id, STAFF, at(1))
    await service.attach_thread(request.id, STAFF, 5555)
    gone = await service.thread_gone(5555, at(2))
    assert gone is not None
    assert gone.close_kind is CloseKind.THREAD_DELETED

    second = await open_request(service, 1, when=at(3))
    await service.set_card(second.id, 1, 7777)
    card_gone = await service.card_gone(7777, at(4))
    assert card_gone is not None
    assert card_gone.status is Status.CLOSED
    assert card_gone.close_kind is CloseKind.CARD_DELETED

    third = await open_request(service, 1, when=at(5))
    assert third.number == 3


async def test_a_deleted_card_of_a_claimed_request_only_drops_the_card(
    service: ConsultationService,
) -> None:
    request = await open_request(service, 1)
    await service.set_card(request.id, 1, 7777)
    await service.claim(GUILD, request.id, STAFF, at(1))

    after = await service.card_gone(7777, at(2))

    assert after is not None
    assert after.status is Status.CLAIMED
    assert after.card_message_id is None
    assert await service.card_gone(7777, at(3)) is None
    assert await service.thread_gone(424242, at(3)) is None


async def test_hourly_cap_counts_the_whole_server(service: ConsultationService) -> None:
    config = GuildConfig(guild_id=GUILD, hourly_cap=3)
    for member in (1, 2, 3):
        await open_request(service, member, when=at(member), config=config)

    with pytest.raises(UserFacingError) as caught:
        await open_request(service, 4, when=at(10), config=config, urgency=Urgency.SOON)
    assert caught.value.show_crisis
    assert "51 minutes" in caught.value.message

    later = await open_request(service, 4, when=at(61.5), config=config)
    assert later.status is Status.OPEN
    urgent = await open_request(service, 5, when=at(61.5), config=config, urgency=Urgency.URGENT)
    assert urgent.status is Status.OPEN  # the cap is full again, but someone is struggling


@pytest.mark.parametrize(
    ("note", "stored"),
    [
        (None, None),
        ("", None),
        ("   \n\t ", None),
        ("x", "x"),
        ("a" * NOTE_LIMIT, "a" * NOTE_LIMIT),
        ("bad\x00byte", "badbyte"),
        ("@everyone <@&123> <@456> **bold** [free](https://evil.example)", None),
        ("\u202eevil\u200b", "evil"),  # invisible tricks go at the boundary
    ],
)
async def test_note_inputs_are_stored_as_written(
    service: ConsultationService, note: str | None, stored: str | None
) -> None:
    request = await open_request(service, 1, note=note)

    expected = stored if stored is not None or note is None or not note.strip() else note
    assert request.note == expected


@pytest.mark.parametrize("length", [NOTE_LIMIT + 1, 4001, 10_000])
async def test_an_over_long_note_is_refused_and_nothing_is_stored(
    service: ConsultationService, db: Database, length: int
) -> None:
    with pytest.raises(UserFacingError) as caught:
        await open_request(service, 1, note="n" * length)

    assert f"{length:,} characters" in caught.value.message
    assert "Nothing was saved" in caught.value.message
    row = await db.fetchone("SELECT COUNT(*) FROM consultations")
    assert row is not None
    assert row[0] == 0


async def test_update_note_and_refusals(service: ConsultationService) -> None:
    await open_request(service, 1, note="first")

    updated = await service.update_note(GUILD, 1, "second", at(1))
    assert updated.note == "second"
    cleared = await service.update_note(GUILD, 1, "  ", at(2))
    assert cleared.note is None
    with pytest.raises(UserFacingError, match="Nothing was saved"):
        await service.update_note(GUILD, 1, "z" * 10_000, at(3))
    with pytest.raises(NoLongerOpenError):
        await service.update_note(GUILD, 2, "no request", at(3))


async def test_member_left_marks_their_request_and_releases_their_claims(
    service: ConsultationService,
) -> None:
    own = await open_request(service, 1)
    theirs = await open_request(service, 2)
    await service.claim(GUILD, theirs.id, 1, at(1))  # member 1 is also staff here

    result = await service.member_left(GUILD, 1, at(2))

    assert [c.id for c in result.marked] == [own.id]
    assert result.marked[0].member_left
    assert [c.id for c in result.released] == [theirs.id]
    assert result.released[0].status is Status.OPEN
    with pytest.raises(NoLongerOpenError, match="has left the server"):
        await service.claim(GUILD, own.id, STAFF, at(3))
    again = await service.member_left(GUILD, 1, at(3))
    assert again.marked == ()
    back = await service.member_returned(GUILD, 1, at(4))
    assert back is not None
    assert not back.member_left
    claimed = await service.claim(GUILD, own.id, STAFF, at(5))
    assert claimed.status is Status.CLAIMED


async def test_release_claims_of_frees_every_claim_that_person_holds(
    service: ConsultationService, db: Database
) -> None:
    here = await open_request(service, 1)
    other_staff = await open_request(service, 2)
    elsewhere = await open_request(service, 3, guild=GUILD + 1)
    await service.claim(GUILD, here.id, STAFF, at(1))
    await service.claim(GUILD, other_staff.id, STAFF + 1, at(1))
    await service.claim(GUILD + 1, elsewhere.id, STAFF, at(1))

    in_one = await service.release_claims_of(STAFF, GUILD, at(2))

    assert [(c.id, c.status) for c in in_one] == [(here.id, Status.OPEN)]
    still_claimed = await service.get(elsewhere.id)
    untouched = await service.get(other_staff.id)
    assert still_claimed is not None
    assert still_claimed.status is Status.CLAIMED
    assert untouched is not None
    assert untouched.claimed_by == STAFF + 1
    everywhere = await service.release_claims_of(STAFF, None, at(3))
    assert [c.id for c in everywhere] == [elsewhere.id]
    assert await service.release_claims_of(STAFF, None, at(4)) == ()
    kinds = await db.fetchall(
        "SELECT kind FROM consultation_events WHERE consultation_id = ? ORDER BY id", (here.id,)
    )
    assert [row["kind"] for row in kinds][-1] == "released"


async def test_undo_claim_puts_it_back_with_the_problem(service: ConsultationService) -> None:
    request = await open_request(service, 1)
    await service.claim(GUILD, request.id, STAFF, at(1))

    undone = await service.undo_claim(request.id, STAFF, "missing:create_private_threads", at(2))

    assert undone is not None
    assert undone.status is Status.OPEN
    assert undone.problem == "missing:create_private_threads"
    assert await service.undo_claim(request.id, STAFF, "x", at(3)) is None
    reclaimed = await service.claim(GUILD, request.id, STAFF_2, at(4))
    assert reclaimed.problem is None
    assert await service.attach_thread(request.id, STAFF, 1) is None
    attached = await service.attach_thread(request.id, STAFF_2, 1)
    assert attached is not None
    assert (attached.thread_id, attached.claimed_by, attached.opening_message_id) == (1, STAFF_2, 0)


async def test_a_released_request_keeps_its_thread_until_it_is_deleted(
    service: ConsultationService,
) -> None:
    request = await open_request(service, 1)
    await service.claim(GUILD, request.id, STAFF, at(1))
    await service.attach_thread(request.id, STAFF, 4242)

    released = await service.release(GUILD, request.id, STAFF, at(2))
    assert released.thread_id == 4242
    assert await service.thread_gone(4242, at(3)) is None
    after = await service.get(request.id)
    assert after is not None
    assert after.status is Status.OPEN
    assert after.thread_id is None
    await service.claim(GUILD, request.id, STAFF_2, at(4))
    await service.attach_thread(request.id, STAFF_2, 4343)
    await service.forget_thread(request.id, 4343)
    forgotten = await service.get(request.id)
    assert forgotten is not None
    assert forgotten.thread_id is None


async def test_reminders_are_due_once_per_interval(service: ConsultationService) -> None:
    config = GuildConfig(guild_id=GUILD, reminder_minutes=30, urgent_reminder_minutes=10)
    routine = await open_request(service, 1, when=at(0))
    urgent = await open_request(service, 2, urgency=Urgency.URGENT, when=at(0))

    assert await service.due_reminders(GUILD, at(9), config) == []
    due = await service.due_reminders(GUILD, at(10), config)
    assert [c.id for c in due] == [urgent.id]
    assert len(await service.mark_reminded(due, at(10))) == 1
    assert await service.mark_reminded(due, at(10)) == []  # a stale list marks nothing twice
    assert await service.due_reminders(GUILD, at(19), config) == []
    due = await service.due_reminders(GUILD, at(30), config)
    assert [c.id for c in due] == [urgent.id, routine.id]
    assert await service.guilds_with_waiting() == [GUILD]


async def test_staff_notes_are_encrypted(service: ConsultationService, db: Database) -> None:
    request = await open_request(service, 1)

    await service.add_note(request.id, STAFF, "prefers evenings", at(1))

    notes = await service.notes(request.id)
    assert [(n.author_id, n.body) for n in notes] == [(STAFF, "prefers evenings")]
    raw = await db.fetchone("SELECT body FROM consultation_notes")
    assert raw is not None
    assert b"evenings" not in raw["body"]
    with pytest.raises(UserFacingError, match="Nothing was saved"):
        await service.add_note(request.id, STAFF, "x" * 1001, at(1))


async def test_stats(service: ConsultationService) -> None:
    config = GuildConfig(guild_id=GUILD, timezone="UTC")
    a = await open_request(service, 1, when=at(0))
    b = await open_request(service, 2, when=at(0))
    await open_request(service, 3, when=at(0))
    await service.claim(GUILD, a.id, STAFF, at(10))
    await service.claim(GUILD, b.id, STAFF_2, at(30))
    await service.close(GUILD, a.id, STAFF, "done", at(60))

    stats = await service.stats(GUILD, at(90), config)

    assert (stats.waiting, stats.claimed, stats.closed_today) == (1, 1, 1)
    assert stats.median_wait_to_claim == dt.timedelta(minutes=20)
    assert stats.median_wait_to_close == dt.timedelta(minutes=60)
    assert [(s.staff_id, s.claims, s.closes) for s in stats.per_staff] == [
        (STAFF, 1, 1),
        (STAFF_2, 1, 0),
    ]
    empty = await service.stats(OTHER_GUILD, at(90), config)
    assert empty.median_wait_to_claim is None
    assert empty.per_staff == ()


async def test_stats_queries_use_the_seven_day_indexes(
    db: Database, service: ConsultationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every query /queue stats runs is an index search, never a scan of all requests; the
    week-long windows use the partial indexes of migration 0006."""
    config = GuildConfig(guild_id=GUILD, timezone="UTC")
    for member in range(1, 6):
        request = await open_request(service, member, when=at(0))
        await service.claim(GUILD, request.id, STAFF, at(member))
        await service.close(GUILD, request.id, STAFF, "done", at(10 + member))
    await open_request(service, 6, when=at(20), guild=OTHER_GUILD)
    ran: list[tuple[str, tuple[object, ...]]] = []
    fetchone, fetchall = db.fetchone, db.fetchall

    async def recording_fetchone(sql: str, params: tuple[object, ...] = ()) -> sqlite3.Row | None:
        ran.append((sql, params))
        return await fetchone(sql, params)

    async def recording_fetchall(sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        ran.append((sql, params))
        return await fetchall(sql, params)

    monkeypatch.setattr(db, "fetchone", recording_fetchone)
    monkeypatch.setattr(db, "fetchall", recording_fetchall)
    stats = await service.stats(GUILD, at(90), config)
    monkeypatch.undo()

    assert stats.closed_today == 5
    plans: dict[str, str] = {}
    for sql, params in ran:
        rows = await db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
        plans[sql] = "\n".join(str(row["detail"]) for row in rows)
    assert len(plans) == 5, plans
    for sql, plan in plans.items():
        assert "SCAN consultations" not in plan, (sql, plan)
        assert "SCAN consultation_events" not in plan, (sql, plan)
    closed = [p for s, p in plans.items() if "closed_at >=" in s]
    claimed = [p for s, p in plans.items() if "first_claimed_at >=" in s]
    assert len(closed) == 2
    assert len(claimed) == 1
    for plan in closed:
        assert "USING INDEX consultations_closed_recent (guild_id=? AND closed_at>?)" in plan
    wanted = "USING INDEX consultations_first_claimed (guild_id=? AND first_claimed_at>?)"
    assert wanted in claimed[0]
