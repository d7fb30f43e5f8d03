"""The end of a conversation on a real SQLite file (issue 20): a staff close with an outcome,
the member's own close, and the member's feedback afterwards, at their edges.

Every outcome, every way a request ends (for who is asked for feedback), both sides of the
7-day window and of the statistics' periods, and every kind of reader of the comments.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from cryptography.fernet import Fernet

from bot.consultations import (
    COMMENT_LIMIT,
    COOLDOWN_KINDS,
    EVERYTHING,
    FEEDBACK_DAYS,
    FEEDBACK_STATS_DAYS,
    OUTCOME_LABELS,
    OUTCOME_PERIODS,
    AlreadyAnsweredError,
    Audience,
    CloseKind,
    Consultation,
    ConsultationService,
    Coverage,
    FeedbackClosedError,
    FeedbackService,
    NoLongerOpenError,
    NotFoundError,
    Outcome,
    Status,
    Topic,
    Urgency,
    to_ts,
)
from bot.crypto import Cipher
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.privacy import collect, erase, purge_expired
from bot.text import TextRefusedError

GUILD = 1000
OTHER_GUILD = 2000
MEMBER = 1
MEMBER_2 = 2
STAFF = 10
STAFF_2 = 11
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)
CONFIG = GuildConfig(guild_id=GUILD, cooldown_minutes=0, hourly_cap=1000)
COOLDOWN = 10


def later(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def cipher() -> Cipher:
    return Cipher(Fernet.generate_key())


@pytest.fixture
def service(db: Database, cipher: Cipher) -> ConsultationService:
    return ConsultationService(db, cipher)


@pytest.fixture
def feedback(db: Database, cipher: Cipher) -> FeedbackService:
    return FeedbackService(db, cipher)


async def create(
    service: ConsultationService,
    member: int = MEMBER,
    when: dt.datetime = T0,
    *,
    guild: int = GUILD,
    type_id: int | None = None,
    urgency: Urgency = Urgency.ROUTINE,
    config: GuildConfig = CONFIG,
) -> Consultation:
    result = await service.create(
        guild_id=guild,
        member_id=member,
        topic=Topic.COPING,
        urgency=urgency,
        now=when,
        config=config,
        type_id=type_id,
    )
    assert result.created
    return result.consultation


async def claimed(
    service: ConsultationService,
    member: int = MEMBER,
    staff: int = STAFF,
    when: dt.datetime = T0,
    **kwargs: object,
) -> Consultation:
    request = await create(service, member, when, **kwargs)  # type: ignore[arg-type]
    return await service.claim(request.guild_id, request.id, staff, when)


async def add_type(db: Database, name: str, guild: int = GUILD) -> int:
    def work(c: sqlite3.Connection) -> int:
        cursor = c.execute(
            "INSERT INTO consult_types (guild_id, name, description, staff_role_id, position, "
            "created_at) VALUES (?, ?, 'about it', 77, 0, 0)",
            (guild, name),
        )
        return int(cursor.lastrowid or 0)

    return await db.write(work)


async def raw_feedback(db: Database, request_id: int) -> sqlite3.Row | None:
    return await db.fetchone(
        "SELECT * FROM consultation_feedback WHERE consultation_id = ?", (request_id,)
    )


# --------------------------------------------------------------------------- outcomes


def test_every_outcome_has_a_label_and_the_list_is_the_issues() -> None:
    """A new outcome must be placed on purpose: its label, the SQL CHECK, the tables below."""
    assert [o.value for o in Outcome] == [
        "information_given",
        "referred_outpatient",
        "referred_iop",
        "referred_php",
        "referred_residential",
        "referred_inpatient",
        "referred_crisis_line",
        "follow_up_booked",
        "peer_group",
        "no_reply",
        "duplicate",
        "other",
    ]
    assert set(OUTCOME_LABELS) == set(Outcome)
    assert all(0 < len(label) <= 100 for label in OUTCOME_LABELS.values())
    assert OUTCOME_PERIODS == (7, 30)


@pytest.mark.parametrize("outcome", list(Outcome))
async def test_a_staff_close_stores_each_outcome(
    service: ConsultationService, db: Database, outcome: Outcome
) -> None:
    request = await claimed(service)

    closed = await service.close(GUILD, request.id, STAFF, "done", later(60), outcome=outcome)

    assert closed.outcome is outcome
    assert (await service.get_in_guild(GUILD, request.id)).outcome is outcome
    row = await db.fetchone("SELECT outcome FROM consultations WHERE id = ?", (request.id,))
    assert row is not None
    assert row["outcome"] == outcome.value


@pytest.mark.parametrize("outcome", list(Outcome))
async def test_an_outcome_can_be_recorded_after_the_close(
    service: ConsultationService, outcome: Outcome
) -> None:
    request = await create(service)
    closed = await service.close(GUILD, request.id, STAFF, "done", later(60))
    assert closed.outcome is None

    recorded = await service.set_outcome(GUILD, request.id, outcome)

    assert recorded.outcome is outcome
    corrected = await service.set_outcome(GUILD, request.id, Outcome.OTHER)
    assert corrected.outcome is Outcome.OTHER


async def test_the_database_refuses_an_outcome_not_on_the_list(
    service: ConsultationService, db: Database
) -> None:
    request = await create(service)

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(
            lambda c: c.execute(
                "UPDATE consultations SET outcome = 'recommended_a_clinic' WHERE id = ?",
                (request.id,),
            )
        )


async def test_only_a_staff_close_takes_an_outcome(service: ConsultationService) -> None:
    waiting = await create(service)
    with pytest.raises(NoLongerOpenError, match="wasn't closed by staff"):
        await service.set_outcome(GUILD, waiting.id, Outcome.OTHER)
    cancelled = await service.cancel(GUILD, MEMBER, later(1))
    with pytest.raises(NoLongerOpenError, match="wasn't closed by staff"):
        await service.set_outcome(GUILD, cancelled.id, Outcome.OTHER)
    mine = await claimed(service, when=later(2))
    await service.member_close(GUILD, mine.id, MEMBER, later(3))
    with pytest.raises(NoLongerOpenError, match="wasn't closed by staff"):
        await service.set_outcome(GUILD, mine.id, Outcome.OTHER)
    closed = await create(service, when=later(4))
    await service.close(GUILD, closed.id, STAFF, "done", later(5))
    with pytest.raises(NotFoundError):
        await service.set_outcome(OTHER_GUILD, closed.id, Outcome.OTHER)
    assert (await service.get_in_guild(GUILD, closed.id)).outcome is None


async def test_outcomes_are_counted_per_period_at_their_edges(
    service: ConsultationService,
) -> None:
    now = T0 + 40 * DAY
    closes = [
        (now - 7 * DAY, Outcome.REFERRED_IOP),  # exactly 7 days ago: in both periods
        (now - 7 * DAY - SECOND, Outcome.REFERRED_IOP),  # only in the 30 days
        (now - 30 * DAY, Outcome.PEER_GROUP),  # exactly 30 days ago: in the 30 days
        (now - 30 * DAY - SECOND, Outcome.PEER_GROUP),  # in neither
        (now - DAY, None),  # closed without one
    ]
    for number, (when, outcome) in enumerate(closes):
        request = await create(service, MEMBER + number, when - 60 * SECOND)
        await service.close(GUILD, request.id, STAFF, "done", when, outcome=outcome)
    await create(service, 50, now - DAY)
    await service.cancel(GUILD, 50, now - DAY + SECOND)
    mine = await claimed(service, 51, when=now - DAY)
    await service.member_close(GUILD, mine.id, 51, now - DAY + SECOND)
    other = await create(service, MEMBER, now - DAY, guild=OTHER_GUILD)
    await service.close(OTHER_GUILD, other.id, STAFF, "done", now, outcome=Outcome.OTHER)

    week, month = await service.outcome_counts(GUILD, now)

    assert (week.days, dict(week.counts), week.unrecorded, week.total) == (
        7,
        {Outcome.REFERRED_IOP: 1},
        1,
        2,
    )
    assert (month.days, dict(month.counts), month.unrecorded) == (
        30,
        {Outcome.REFERRED_IOP: 2, Outcome.PEER_GROUP: 1},
        1,
    )


async def test_outcome_counts_follow_the_types_the_reader_covers(
    service: ConsultationService, db: Database
) -> None:
    family = await add_type(db, "Family")
    general = await create(service, MEMBER)
    typed = await create(service, MEMBER_2, type_id=family)
    for request in (general, typed):
        await service.close(GUILD, request.id, STAFF, "done", later(9), outcome=Outcome.OTHER)

    async def count(covers: Coverage) -> int:
        week, _month = await service.outcome_counts(GUILD, later(10), covers)
        return week.total

    assert await count(EVERYTHING) == 2
    assert await count(Coverage(default=True)) == 1
    assert await count(Coverage(type_ids=frozenset({family}))) == 1
    assert await count(Coverage()) == 0


# --------------------------------------------------------------------------- the member's close


async def test_the_member_closes_their_claimed_request(
    service: ConsultationService, db: Database
) -> None:
    request = await claimed(service)

    ended = await service.member_close(GUILD, request.id, MEMBER, later(90))

    closed = ended.consultation
    assert ended.consultant_id == STAFF
    assert (closed.status, closed.close_kind, closed.closed_by) == (
        Status.CLOSED,
        CloseKind.CANCELLED,
        MEMBER,
    )
    assert closed.closed_at == later(90)
    assert closed.claimed_by is None
    assert closed.outcome is None
    assert closed.close_reason is None
    kinds = await db.fetchall(
        "SELECT kind, actor_id FROM consultation_events WHERE consultation_id = ? ORDER BY id",
        (request.id,),
    )
    assert [(r["kind"], r["actor_id"]) for r in kinds] == [
        ("created", MEMBER),
        ("claimed", STAFF),
        ("cancelled", MEMBER),
    ]
    # not a staff member's close: not in their counts, nor in the median time to close
    stats = await service.stats(GUILD, later(91), CONFIG)
    assert [(s.staff_id, s.closes) for s in stats.per_staff] == [(STAFF, 0)]
    assert stats.median_wait_to_close is None
    assert stats.closed_today == 1


async def test_only_the_member_of_this_server_can_close_it(service: ConsultationService) -> None:
    request = await claimed(service)

    for guild, who in ((GUILD, MEMBER_2), (GUILD, STAFF), (OTHER_GUILD, MEMBER)):
        with pytest.raises(NotFoundError):
            await service.member_close(guild, request.id, who, later(1))
    with pytest.raises(NotFoundError):
        await service.member_close(GUILD, 999, MEMBER, later(1))
    assert (await service.get_in_guild(GUILD, request.id)).status is Status.CLAIMED


async def test_a_request_back_in_the_queue_or_ended_has_nothing_to_close(
    service: ConsultationService,
) -> None:
    request = await claimed(service)
    await service.release(GUILD, request.id, STAFF, later(1))
    with pytest.raises(NoLongerOpenError) as caught:
        await service.member_close(GUILD, request.id, MEMBER, later(2))
    assert caught.value.message == (
        "Request #1 is back in the queue, waiting for a staff member to pick it up, so there is "
        "no conversation to close yet. If you'd like to stop, `/consult-cancel` withdraws it."
    )
    await service.claim(GUILD, request.id, STAFF_2, later(3))
    await service.member_close(GUILD, request.id, MEMBER, later(4))
    with pytest.raises(NoLongerOpenError, match="already closed"):
        await service.member_close(GUILD, request.id, MEMBER, later(5))
    cancelled = await create(service, MEMBER, later(6))
    await service.cancel(GUILD, MEMBER, later(7))
    with pytest.raises(NoLongerOpenError, match="cancelled by the member"):
        await service.member_close(GUILD, cancelled.id, MEMBER, later(8))


def test_a_member_close_is_a_cancel_for_the_cooldown() -> None:
    assert CloseKind.CANCELLED in COOLDOWN_KINDS


@pytest.mark.parametrize("urgency", [Urgency.ROUTINE, Urgency.SOON])
async def test_a_member_close_starts_the_cooldown_until_its_last_second(
    service: ConsultationService, urgency: Urgency
) -> None:
    config = GuildConfig(guild_id=GUILD, cooldown_minutes=COOLDOWN, hourly_cap=1000)
    request = await claimed(service, config=config)
    await service.member_close(GUILD, request.id, MEMBER, T0)
    ready = later(COOLDOWN * 60)

    with pytest.raises(UserFacingError) as caught:
        await create(service, MEMBER, ready - SECOND, urgency=urgency, config=config)
    assert caught.value.show_crisis

    again = await create(service, MEMBER, ready, urgency=urgency, config=config)
    assert again.status is Status.OPEN


async def test_an_urgent_request_is_never_refused_after_a_member_close(
    service: ConsultationService,
) -> None:
    config = GuildConfig(guild_id=GUILD, cooldown_minutes=COOLDOWN, hourly_cap=1000)
    request = await claimed(service, config=config)
    await service.member_close(GUILD, request.id, MEMBER, T0)

    urgent = await create(service, MEMBER, T0, urgency=Urgency.URGENT, config=config)

    assert urgent.status is Status.OPEN


async def test_cancelling_a_claimed_request_points_to_the_close_button(
    service: ConsultationService,
) -> None:
    await claimed(service)

    with pytest.raises(UserFacingError) as caught:
        await service.cancel(GUILD, MEMBER, later(1))

    assert '"Close my request"' in caught.value.message


# --------------------------------------------------------------------------- who is asked


async def test_a_staff_close_of_a_claimed_request_asks_the_member(
    service: ConsultationService, feedback: FeedbackService
) -> None:
    request = await claimed(service, staff=STAFF_2)
    await service.close(GUILD, request.id, STAFF, "done", later(30))  # another staff closes

    ask = await feedback.asked(request.id)

    assert ask is not None
    assert (ask.guild_id, ask.number, ask.member_id, ask.staff_id) == (GUILD, 1, MEMBER, STAFF_2)
    assert ask.asked_at == later(30)
    assert ask.closes_at == later(30) + FEEDBACK_DAYS * DAY
    assert (ask.rating, ask.audience, ask.commented) == (None, None, False)


async def test_a_member_close_asks_the_member_about_the_consultant_who_held_it(
    service: ConsultationService, feedback: FeedbackService
) -> None:
    request = await claimed(service)
    await service.transfer(GUILD, request.id, STAFF, STAFF_2, later(1))
    await service.member_close(GUILD, request.id, MEMBER, later(2))

    ask = await feedback.asked(request.id)

    assert ask is not None
    assert ask.staff_id == STAFF_2


async def test_nobody_is_asked_when_nobody_was_with_them(
    service: ConsultationService, feedback: FeedbackService
) -> None:
    waiting = await create(service)
    await service.close(GUILD, waiting.id, STAFF, "duplicate", later(1))
    cancelled = await create(service, MEMBER_2)
    await service.cancel(GUILD, MEMBER_2, later(1))
    released = await claimed(service, 3)
    await service.release(GUILD, released.id, STAFF, later(1))
    await service.close(GUILD, released.id, STAFF, "done", later(2))
    lost = await claimed(service, 4)
    await service.attach_thread(lost.id, STAFF, 5555)
    await service.thread_gone(5555, later(2))
    left = await claimed(service, 5)
    await service.member_left(GUILD, 5, later(1))
    await service.close(GUILD, left.id, STAFF, "they left", later(2))

    for request in (waiting, cancelled, released, lost, left):
        assert await feedback.asked(request.id) is None


async def test_one_question_per_request_is_enforced_by_the_database(
    service: ConsultationService, db: Database
) -> None:
    request = await claimed(service)
    await service.close(GUILD, request.id, STAFF, "done", later(1))

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(
            lambda c: c.execute(
                "INSERT INTO consultation_feedback (consultation_id, guild_id, member_id, "
                "staff_id, asked_at) VALUES (?, ?, ?, ?, ?)",
                (request.id, GUILD, MEMBER, STAFF, to_ts(later(2))),
            )
        )
    with pytest.raises(sqlite3.IntegrityError):  # a rating outside 1-5
        await db.write(
            lambda c: c.execute(
                "UPDATE consultation_feedback SET rating = 6, rated_at = 1 "
                "WHERE consultation_id = ?",
                (request.id,),
            )
        )


# --------------------------------------------------------------------------- answering


async def asked(service: ConsultationService, member: int = MEMBER, **kwargs: object) -> int:
    request = await claimed(service, member, **kwargs)  # type: ignore[arg-type]
    await service.close(GUILD, request.id, STAFF, "done", T0)
    return request.id


@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
async def test_each_rating_is_kept_once(
    service: ConsultationService, feedback: FeedbackService, rating: int
) -> None:
    request_id = await asked(service)

    ask = await feedback.rate(request_id, MEMBER, rating, later(60))

    assert ask.rating == rating
    with pytest.raises(AlreadyAnsweredError) as caught:
        await feedback.rate(request_id, MEMBER, 1, later(61))
    assert caught.value.message == "You've already told us how request #1 went. Thank you."
    again = await feedback.asked(request_id)
    assert again is not None
    assert again.rating == rating


@pytest.mark.parametrize("rating", [0, 6, -1])
async def test_a_rating_outside_one_to_five_is_out_of_date(
    service: ConsultationService, feedback: FeedbackService, rating: int
) -> None:
    request_id = await asked(service)

    with pytest.raises(NotFoundError):
        await feedback.rate(request_id, MEMBER, rating, later(1))


async def test_only_the_member_who_was_asked_can_answer(
    service: ConsultationService, feedback: FeedbackService
) -> None:
    request_id = await asked(service)

    for who in (MEMBER_2, STAFF):
        with pytest.raises(NotFoundError):
            await feedback.rate(request_id, who, 5, later(1))
    with pytest.raises(NotFoundError):
        await feedback.rate(request_id + 100, MEMBER, 5, later(1))
    ask = await feedback.asked(request_id)
    assert ask is not None
    assert ask.rating is None


async def test_the_question_closes_exactly_seven_days_after_the_close(
    service: ConsultationService, feedback: FeedbackService
) -> None:
    first = await asked(service)
    second = await asked(service, MEMBER_2)
    edge = T0 + FEEDBACK_DAYS * DAY

    rated = await feedback.rate(first, MEMBER, 5, edge - SECOND)
    assert rated.is_open(edge - SECOND)
    assert not rated.is_open(edge)
    with pytest.raises(FeedbackClosedError) as caught:
        await feedback.rate(second, MEMBER_2, 5, edge)
    assert "7 days" in caught.value.message
    assert "/consult" in caught.value.message
    with pytest.raises(FeedbackClosedError):
        await feedback.commentable(first, MEMBER, edge)
    with pytest.raises(FeedbackClosedError):
        await feedback.comment(first, MEMBER, "late words", Audience.LEADS, edge)
    kept = await feedback.comment(first, MEMBER, "in time", Audience.LEADS, edge - SECOND)
    assert kept.commented


@pytest.mark.parametrize("audience", list(Audience))
async def test_a_comment_is_sanitised_encrypted_and_kept_once(
    service: ConsultationService,
    feedback: FeedbackService,
    db: Database,
    cipher: Cipher,
    audience: Audience,
) -> None:
    request_id = await asked(service)
    with pytest.raises(NotFoundError):  # the rating comes first
        await feedback.commentable(request_id, MEMBER, later(1))
    await feedback.rate(request_id, MEMBER, 4, later(1))
    assert (await feedback.commentable(request_id, MEMBER, later(2))).rating == 4

    ask = await feedback.comment(
        request_id, MEMBER, "  thank\u200b you so much  ", audience, later(3)
    )

    assert (ask.audience, ask.commented) == (audience, True)
    row = await raw_feedback(db, request_id)
    assert row is not None
    assert b"thank" not in row["comment"]
    assert cipher.decrypt(row["comment"]) == "thank you so much"
    assert row["audience"] == audience.value
    with pytest.raises(AlreadyAnsweredError, match="already left a comment"):
        await feedback.commentable(request_id, MEMBER, later(4))
    with pytest.raises(AlreadyAnsweredError):
        await feedback.comment(request_id, MEMBER, "again", Audience.LEADS, later(4))


async def test_a_comment_longer_than_its_limit_or_empty_is_refused(
    service: ConsultationService, feedback: FeedbackService, db: Database
) -> None:
    request_id = await asked(service)
    await feedback.rate(request_id, MEMBER, 4, later(1))

    with pytest.raises(TextRefusedError):
        await feedback.comment(
            request_id, MEMBER, "x" * (COMMENT_LIMIT + 1), Audience.LEADS, later(2)
        )
    with pytest.raises(TextRefusedError):
        await feedback.comment(request_id, MEMBER, "\u200b\u200b", Audience.LEADS, later(2))
    exact = await feedback.comment(
        request_id, MEMBER, "x" * COMMENT_LIMIT, Audience.LEADS, later(3)
    )
    assert exact.commented


# --------------------------------------------------------------------------- reading it


async def rated(
    service: ConsultationService,
    feedback: FeedbackService,
    member: int,
    staff: int,
    rating: int,
    when: dt.datetime,
    *,
    type_id: int | None = None,
    comment: tuple[str, Audience] | None = None,
) -> int:
    request = await claimed(service, member, staff, when - 60 * SECOND, type_id=type_id)
    await service.close(GUILD, request.id, staff, "done", when - 30 * SECOND)
    await feedback.rate(request.id, member, rating, when)
    if comment is not None:
        await feedback.comment(request.id, member, comment[0], comment[1], when)
    return request.id


async def test_ratings_are_averaged_per_type_and_per_staff_only_for_leads(
    service: ConsultationService, feedback: FeedbackService, db: Database
) -> None:
    family = await add_type(db, "Family")
    now = T0 + 60 * DAY
    since = now - FEEDBACK_STATS_DAYS * DAY
    await rated(service, feedback, 1, STAFF, 5, since)  # exactly at the start: counted
    await rated(service, feedback, 2, STAFF, 1, since - SECOND)  # a second before: not
    await rated(service, feedback, 3, STAFF_2, 2, now)
    await rated(service, feedback, 4, STAFF_2, 4, now, type_id=family)
    await rated(service, feedback, 5, STAFF, 3, now, type_id=family)
    unanswered = await claimed(service, 6, when=now - DAY)
    await service.close(GUILD, unanswered.id, STAFF, "done", now - DAY)

    lead = await feedback.stats(GUILD, now, per_staff=True)
    staff = await feedback.stats(GUILD, now, per_staff=False)

    assert lead.days == FEEDBACK_STATS_DAYS
    assert [(a.key, a.count, a.mean) for a in lead.per_type] == [
        (None, 2, 3.5),
        (family, 2, 3.5),
    ]
    assert lead.count == 4
    assert lead.per_staff is not None
    assert sorted((a.key, a.count, a.mean) for a in lead.per_staff) == [
        (STAFF, 2, 4.0),
        (STAFF_2, 2, 3.0),
    ]
    assert staff.per_type == lead.per_type
    assert staff.per_staff is None
    covered = await feedback.stats(
        GUILD, now, Coverage(type_ids=frozenset({family})), per_staff=True
    )
    assert [(a.key, a.count) for a in covered.per_type] == [(family, 2)]
    assert covered.per_staff is not None
    assert sorted(a.key for a in covered.per_staff) == [STAFF, STAFF_2]


async def test_a_staff_member_who_erased_their_data_has_no_line_of_their_own(
    service: ConsultationService, feedback: FeedbackService, db: Database
) -> None:
    await rated(service, feedback, 1, STAFF, 5, T0)
    await db.write(lambda c: c.execute("UPDATE consultation_feedback SET staff_id = 0"))

    stats = await feedback.stats(GUILD, later(1), per_staff=True)

    assert [a.count for a in stats.per_type] == [1]
    assert stats.per_staff == ()


async def test_each_reader_sees_only_the_comments_they_may(
    service: ConsultationService, feedback: FeedbackService
) -> None:
    shared = await rated(
        service, feedback, 1, STAFF, 4, T0, comment=("thank you", Audience.CONSULTANT)
    )
    private = await rated(
        service, feedback, 2, STAFF, 2, later(1), comment=("felt rushed", Audience.LEADS)
    )
    await rated(service, feedback, 3, STAFF_2, 5, later(2), comment=("kind", Audience.CONSULTANT))
    await rated(service, feedback, 4, STAFF, 3, later(3))  # no comment

    lead = await feedback.comments(GUILD, 999, lead=True)
    consultant = await feedback.comments(GUILD, STAFF, lead=False)
    other = await feedback.comments(GUILD, 12, lead=False)

    assert [(c.number, c.text, c.audience, c.rating) for c in lead] == [
        (3, "kind", Audience.CONSULTANT, 5),
        (2, "felt rushed", Audience.LEADS, 2),
        (1, "thank you", Audience.CONSULTANT, 4),
    ]
    assert [(c.request_id, c.text, c.staff_id) for c in consultant] == [
        (shared, "thank you", STAFF)
    ]
    assert other == ()
    assert private not in [c.request_id for c in consultant]
    assert await feedback.comments(OTHER_GUILD, 999, lead=True) == ()


# --------------------------------------------------------------------------- privacy


async def test_a_comment_is_purged_at_exactly_retention_days_and_the_rating_kept(
    service: ConsultationService, feedback: FeedbackService, db: Database
) -> None:
    await rated(service, feedback, 1, STAFF, 4, T0, comment=("words", Audience.LEADS))
    retention = 30

    early = await purge_expired(db, T0 + retention * DAY - SECOND, retention)
    assert "consultation_feedback" not in early.purged
    row = await raw_feedback(db, 1)
    assert row is not None
    assert row["comment"] is not None

    due = await purge_expired(db, T0 + retention * DAY, retention)

    assert due.purged["consultation_feedback"] == 1
    row = await raw_feedback(db, 1)
    assert row is not None
    assert (row["comment"], row["rating"], row["audience"]) == (None, 4, "leads")
    assert await feedback.comments(GUILD, 999, lead=True) == ()


async def test_erasing_the_member_deletes_their_feedback_and_the_staff_keeps_none_of_theirs(
    service: ConsultationService, feedback: FeedbackService, db: Database, cipher: Cipher
) -> None:
    first = await rated(service, feedback, 1, STAFF, 4, T0, comment=("mine", Audience.LEADS))
    second = await rated(service, feedback, 2, STAFF, 5, T0)

    exported = await collect(db, cipher, 1, GUILD, now=T0)
    [record] = exported["data"]["consultation_feedback"]["records"]
    assert (record["consultation_id"], record["rating"], record["comment"]) == (first, 4, "mine")
    as_staff = await collect(db, cipher, STAFF, GUILD, now=T0)
    mentions = as_staff["data"]["consultation_feedback"]["mentions"]
    assert sorted(m["rating"] for m in mentions) == [4, 5]
    assert "mine" not in json.dumps(as_staff)

    member_report = await erase(db, 1, GUILD)
    assert member_report.deleted["consultation_feedback"] == 1
    assert await raw_feedback(db, first) is None
    staff_report = await erase(db, STAFF, GUILD)
    assert staff_report.anonymised["consultation_feedback"] == 1
    row = await raw_feedback(db, second)
    assert row is not None
    assert (row["staff_id"], row["member_id"], row["rating"]) == (0, 2, 5)
    ask = await feedback.asked(second)
    assert ask is not None
    assert ask.staff_id is None


async def test_another_servers_erasure_leaves_the_feedback(
    service: ConsultationService, feedback: FeedbackService, db: Database
) -> None:
    request_id = await rated(service, feedback, 1, STAFF, 4, T0)

    await erase(db, 1, OTHER_GUILD, server_only=True)

    assert await raw_feedback(db, request_id) is not None
