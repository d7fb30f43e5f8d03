"""The end of a conversation through SimCord (issue 20): the member's "Close my request", the
outcome staff record, and the member's feedback afterwards.

Who may press what (the member, the claimer, other staff, an admin, another member, another
server), every outcome through the command and the form, the feedback question by DM and in
the thread, both sides of its 7 days, what each kind of staff member reads in /queue stats
and /queue feedback, and the member's data exported and erased.
"""

from __future__ import annotations

import json
import logging

import discord
import pytest
import simcord

from bot.consultations import FEEDBACK_DAYS, OUTCOME_LABELS, CloseKind, Outcome, Status
from bot.settings import Settings
from cogs.consult._close_render import NOT_YOURS, STAFF_PRESSED
from cogs.consult._feedback_views import NOT_ASKED_OF_YOU
from tests.conftest import ConsultServer, make_consult_server, restart
from tests.helpers import the_bot
from tests.test_consult_close_log import flow_of
from tests.test_consult_member import ask, said, service
from tests.test_consult_staff import button_ids, card_for, open_and_claim, the_thread
from tests.test_permission_edges import copy_with_buttons
from tests.test_privacy_sentinel import raw_database_bytes

DAY = 86400
COMMENT = "SENTINEL-COMMENT-4417 the breathing idea helped"


# --------------------------------------------------------------------------- helpers


def opening(server: ConsultServer) -> discord.Message:
    return the_thread(server).history()[0]


async def member_closes(
    server: ConsultServer, member: simcord.MemberActor | None = None
) -> simcord.InteractionResult:
    member = member or server.member
    confirm = await member.click(opening(server), label="Close my request")
    assert confirm.ephemeral
    assert confirm.response is not None
    assert "Close request #1?" in confirm.response.content
    return await member.click(confirm.response, label="Yes, close it")


def questions(user: simcord.UserHandle) -> list[discord.Message]:
    """The bot's "How did this go?" messages in this person's DMs."""
    return [m for m in user.dm_channel.history() if "how did this go?" in m.content]


def close_dms(env: simcord.Env, user: simcord.UserHandle) -> None:
    env.inject_error(
        "POST", f"/channels/{user.dm_channel.id}/messages", status=403, code=50007, times=None
    )


async def closed_by_staff(server: ConsultServer, **options: object) -> simcord.InteractionResult:
    await open_and_claim(server)
    return await server.staff[0].slash(
        the_thread(server), "ticket close", reason="talked it through", **options
    )


def lead(server: ConsultServer) -> simcord.MemberActor:
    """A staff lead: the staff role and Manage Server."""
    role = server.guild.create_role("Lead", permissions=discord.Permissions(manage_guild=True))
    return server.guild.add_member(server.env.create_user("lead"), roles=[server.staff_role, role])


def administrator(server: ConsultServer) -> simcord.MemberActor:
    role = server.guild.create_role("Owner", permissions=discord.Permissions(administrator=True))
    return server.guild.add_member(server.env.create_user("owner"), roles=[role])


async def stored_feedback(server: ConsultServer, request_id: int = 1) -> dict[str, object]:
    row = await the_bot(server.env).db.fetchone(
        "SELECT * FROM consultation_feedback WHERE consultation_id = ?", (request_id,)
    )
    return {} if row is None else dict(row)


async def rate(
    server: ConsultServer, rating: int, user: simcord.UserHandle | None = None
) -> simcord.InteractionResult:
    user = user or server.member.user
    return await user.click(questions(user)[-1], label=str(rating))


async def comment(
    server: ConsultServer, audience: str, text: str = COMMENT
) -> simcord.InteractionResult:
    rated = await rate(server, 4)
    assert rated.response is not None
    form = await server.member.user.click(rated.response, label="Add a comment")
    assert form.modal is not None
    return await server.member.user.submit_modal(form, {"comment": text, "audience": [audience]})


# --------------------------------------------------------------------------- the member's close


async def test_the_member_closes_their_request_from_the_thread(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await ask(server, note="SENTINEL-NOTE-2231")
    await server.env.advance_time(5 * 60)
    await server.staff[0].click(card_for(server, 1), label="Claim")
    thread = the_thread(server)
    assert button_ids(opening(server)) == ["consult:done:1"]

    done = await member_closes(server)

    assert done.ephemeral
    assert "Request #1 is closed. Thank you for talking with us." in said(done)
    assert "/crisis" in said(done)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert (stored.status, stored.close_kind, stored.closed_by, stored.outcome) == (
        Status.CLOSED,
        CloseKind.CANCELLED,
        server.member.id,
        None,
    )
    told = thread.history()[-1]
    assert told.content.startswith(f"<@{server.member.id}> closed request #1.")
    assert f"<@{server.staff[0].id}>, thank you for being with them" in told.content
    pinged = server.env.backend.get_message(thread.id, told.id).ping_user_ids
    assert server.staff[0].id in pinged
    logged = [m.content for m in server.log.history()]
    assert logged == [
        f"📁 Request #1 closed by the member, <@{server.member.id}> (member0), with Close my "
        "request · waited 5 min to be claimed"
    ]
    assert not any("SENTINEL" in line for line in logged)
    assert button_ids(opening(server)) == []  # the button is taken off its message
    edits = [
        r.json
        for r in server.env.http_requests
        if r.method == "PATCH" and r.path == f"/channels/{thread.id}"
    ]
    assert {"archived": True, "locked": True}.items() <= (edits[-1] or {}).items()
    card = card_for(server, 1)
    assert button_ids(card) == []
    assert len(questions(server.member.user)) == 1  # asked once, by DM


@pytest.mark.parametrize(
    ("who", "answer"),
    [
        ("claimer", STAFF_PRESSED),
        ("other-staff", STAFF_PRESSED),
        ("administrator", STAFF_PRESSED),
        ("another-member", NOT_YOURS),
        ("admin-not-staff", NOT_YOURS),
    ],
)
@pytest.mark.parametrize("action", ["done", "done-yes"])
async def test_close_my_request_is_for_the_member_only(
    consult_server: ConsultServer, who: str, answer: str, action: str
) -> None:
    server = consult_server
    await open_and_claim(server)
    people = {
        "claimer": server.staff[0],
        "other-staff": server.staff[1],
        "administrator": administrator(server),
        "another-member": server.members[1],
        "admin-not-staff": server.admin,
    }
    await server.env.settle()
    if who == "claimer" and action == "done":
        pressed = await people[who].click(opening(server), label="Close my request")
    else:
        copy = await copy_with_buttons(server.env, server.general, f"consult:{action}:1")
        pressed = await people[who].click(copy, custom_id=f"consult:{action}:1")

    assert pressed.ephemeral
    assert said(pressed).strip() == answer
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED
    assert questions(server.member.user) == []


@pytest.mark.parametrize("action", ["done", "done-yes"])
async def test_a_close_button_carried_to_another_server_is_out_of_date(
    consult_server: ConsultServer, action: str
) -> None:
    server = consult_server
    await open_and_claim(server)
    elsewhere = await make_consult_server(server.env, members=0, staff=0)
    same_person = elsewhere.guild.add_member(server.member.user)
    copy = await copy_with_buttons(server.env, elsewhere.general, f"consult:{action}:1")

    pressed = await same_person.click(copy, custom_id=f"consult:{action}:1")

    assert "out of date" in said(pressed)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED


@pytest.mark.parametrize("forged", ["0", "abc", "", "1:2", "99"])
async def test_a_forged_close_button_is_out_of_date(
    consult_server: ConsultServer, forged: str
) -> None:
    server = consult_server
    await open_and_claim(server)
    copy = await copy_with_buttons(server.env, server.general, f"consult:done-yes:{forged}")

    pressed = await server.member.click(copy, custom_id=f"consult:done-yes:{forged}")

    assert "out of date" in said(pressed)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED


async def test_a_request_back_in_the_queue_has_nothing_to_close(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await open_and_claim(server)
    await server.staff[0].slash(the_thread(server), "ticket release")

    pressed = await server.member.click(opening(server), label="Close my request")

    assert "back in the queue" in said(pressed)
    assert "/consult-cancel" in said(pressed)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.OPEN


async def test_after_a_close_the_button_says_so(consult_server: ConsultServer) -> None:
    server = consult_server
    await closed_by_staff(server)
    assert button_ids(opening(server)) == []
    copy = await copy_with_buttons(server.env, server.general, "consult:done:1")

    pressed = await server.member.click(copy, custom_id="consult:done:1")

    assert "Request #1 is already closed" in said(pressed)


async def test_close_my_request_works_after_a_restart(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    await open_and_claim(server)
    await restart(server.env, settings)

    done = await member_closes(server)

    assert "Request #1 is closed" in said(done)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLOSED


async def test_cancelling_a_claimed_request_points_to_the_button(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await open_and_claim(server)

    refused = await server.member.slash(server.general, "consult-cancel")

    assert '"Close my request"' in said(refused)


# --------------------------------------------------------------------------- outcomes


@pytest.mark.parametrize("outcome", list(Outcome))
async def test_ticket_close_stores_each_outcome(
    consult_server: ConsultServer, outcome: Outcome
) -> None:
    server = consult_server

    done = await closed_by_staff(server, outcome=outcome.value)

    assert said(done).strip() == (
        f"Request #1 is closed. Outcome recorded: {OUTCOME_LABELS[outcome]}."
    )
    assert done.response is not None
    assert button_ids(done.response) == []
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.outcome is outcome
    # staff bookkeeping: never in anything the member is shown
    seen = [m.content for m in the_thread(server).history()]
    seen += [m.content for m in server.member.user.dm_channel.history()]
    assert not any(OUTCOME_LABELS[outcome] in text for text in seen)


@pytest.mark.parametrize("outcome", list(Outcome))
async def test_the_close_form_stores_each_outcome(
    consult_server: ConsultServer, outcome: Outcome
) -> None:
    server = consult_server
    await open_and_claim(server)
    form = await server.staff[0].click(card_for(server, 1), label="Close")
    assert form.modal is not None
    assert "outcome" in str(form.modal)

    done = await server.staff[0].submit_modal(
        form, {"reason": "talked it through", "outcome": [outcome.value]}
    )

    assert f"Outcome recorded: {OUTCOME_LABELS[outcome]}." in said(done)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.outcome is outcome


@pytest.mark.parametrize("path", ["command", "form"])
async def test_a_close_without_an_outcome_asks_for_one_after(
    consult_server: ConsultServer, path: str
) -> None:
    server = consult_server
    if path == "command":
        done = await closed_by_staff(server)
    else:
        await ask(server)
        form = await server.staff[0].click(card_for(server, 1), label="Close")
        done = await server.staff[0].submit_modal(form, {"reason": "a duplicate"})
    assert "Choose an outcome below" in said(done)
    assert done.response is not None
    assert button_ids(done.response) == ["consult:outcome:1"]
    assert (await service(server.env).get_in_guild(server.guild.id, 1)).outcome is None

    chosen = await server.staff[0].select(done.response, [Outcome.DUPLICATE.value])

    assert said(chosen).strip() == "Thank you. Outcome of request #1: Duplicate request."
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.outcome is Outcome.DUPLICATE


async def outcome_menu_copy(server: ConsultServer, custom_id: str) -> discord.Message:
    channel = the_bot(server.env).get_channel(server.general.id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Select(
            custom_id=custom_id,
            options=[discord.SelectOption(label=o.value, value=o.value) for o in Outcome],
        )
    )
    view.stop()
    with server.env.time_context():
        message = await channel.send("a copy", view=view)
    await server.env.settle()
    return message


@pytest.mark.parametrize("who", ["member", "admin-not-staff"])
async def test_only_staff_record_an_outcome(consult_server: ConsultServer, who: str) -> None:
    server = consult_server
    await closed_by_staff(server)
    copy = await outcome_menu_copy(server, "consult:outcome:1")
    person = server.member if who == "member" else server.admin

    chosen = await person.select(copy, [Outcome.OTHER.value], custom_id="consult:outcome:1")

    assert "only this server's staff" in said(chosen)
    assert (await service(server.env).get_in_guild(server.guild.id, 1)).outcome is None


async def test_a_member_close_takes_no_outcome(consult_server: ConsultServer) -> None:
    server = consult_server
    await open_and_claim(server)
    await member_closes(server)
    copy = await outcome_menu_copy(server, "consult:outcome:1")

    refused = await server.staff[0].select(
        copy, [Outcome.OTHER.value], custom_id="consult:outcome:1"
    )

    assert "wasn't closed by staff" in said(refused)


# --------------------------------------------------------------------------- feedback


@pytest.mark.parametrize("how", ["staff", "member"])
async def test_the_feedback_flow_end_to_end(
    consult_server: ConsultServer, settings: Settings, how: str
) -> None:
    server = consult_server
    bot = the_bot(server.env)
    if how == "staff":
        await closed_by_staff(server)
    else:
        await open_and_claim(server)
        await member_closes(server)
    asked = questions(server.member.user)
    assert len(asked) == 1
    assert "Recovery Group" in asked[0].content
    assert "988" in asked[0].content  # the crisis line is one tap away
    assert button_ids(asked[0]) == [f"feedback:rate:1:{n}" for n in range(1, 6)]
    assert not any("how did this go" in m.content for m in the_thread(server).history())

    rated = await rate(server, 4)

    assert rated.ephemeral
    assert "you chose 4 of 5" in said(rated)
    assert rated.response is not None
    assert button_ids(rated.response) == ["feedback:comment:1"]
    await restart(server.env, settings)  # the comment button and its form survive a restart
    form = await server.member.user.click(rated.response, label="Add a comment")
    assert form.modal is not None
    sent = await server.member.user.submit_modal(
        form, {"comment": COMMENT, "audience": ["consultant"]}
    )

    assert said(sent).strip() == (
        "Thank you. Your comment is saved; the staff member who was with you and the team "
        "leads can read it."
    )
    row = await stored_feedback(server)
    bot = the_bot(server.env)
    assert (row["rating"], row["audience"], row["staff_id"]) == (
        4,
        "consultant",
        server.staff[0].id,
    )
    assert isinstance(row["comment"], bytes)
    assert bot.cipher.decrypt(row["comment"]) == COMMENT
    await bot.db.truncate_wal()
    assert b"SENTINEL-COMMENT" not in raw_database_bytes(bot.settings.database_path)


@pytest.mark.parametrize(("audience", "consultant_sees"), [("consultant", True), ("leads", False)])
async def test_each_reader_sees_the_comments_they_may(
    consult_server: ConsultServer, audience: str, consultant_sees: bool
) -> None:
    server = consult_server
    await closed_by_staff(server)
    await comment(server, audience)
    the_lead = lead(server)
    await server.env.settle()

    by_lead = said(await the_lead.slash(server.general, "queue feedback"))
    by_consultant = said(await server.staff[0].slash(server.general, "queue feedback"))
    by_other = said(await server.staff[1].slash(server.general, "queue feedback"))
    by_member = await server.member.slash(server.general, "queue feedback")

    assert COMMENT in by_lead
    assert "4 of 5" in by_lead
    assert f"<@{server.staff[0].id}>" in by_lead
    assert ("shared with them" if consultant_sees else "leads only") in by_lead
    assert (COMMENT in by_consultant) is consultant_sees
    assert "4 of 5" not in by_consultant  # per-person figures are for the leads
    assert COMMENT not in by_other
    assert "No comments yet." in by_other
    assert "only this server's staff" in said(by_member)


async def test_when_dms_are_closed_the_question_is_asked_in_the_thread(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    close_dms(server.env, server.member.user)
    await closed_by_staff(server)
    thread = the_thread(server)
    question = next(m for m in thread.history() if "how did this go?" in m.content)
    assert question.content.startswith(f"<@{server.member.id}>, one last question")
    assert server.env.backend.get_message(thread.id, question.id).ping_user_ids == []
    assert thread.history()[-1].id == question.id  # asked before the thread was locked

    by_claimer = await server.staff[0].click(question, label="5")
    assert said(by_claimer).strip() == NOT_ASKED_OF_YOU
    assert (await stored_feedback(server))["rating"] is None

    by_member = await server.member.click(question, label="2")
    assert by_member.ephemeral  # nobody else in the thread sees the answer
    assert "you chose 2 of 5" in said(by_member)
    assert (await stored_feedback(server))["rating"] == 2


async def test_when_neither_a_dm_nor_the_thread_works_the_question_is_skipped(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = consult_server
    close_dms(server.env, server.member.user)
    await open_and_claim(server)
    thread = the_thread(server)
    server.env.inject_error("POST", f"/channels/{thread.id}/messages", status=403, times=None)

    with caplog.at_level(logging.INFO):
        done = await server.staff[0].slash(thread, "ticket close", reason="done")

    assert "Request #1 is closed" in said(done)
    assert any(r.getMessage().startswith("feedback.not_asked id=1") for r in caplog.records)
    assert (await service(server.env).get_in_guild(server.guild.id, 1)).status is Status.CLOSED


async def test_nobody_is_asked_when_nobody_was_with_them(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server)
    form = await server.staff[0].click(card_for(server, 1), label="Close")
    closed = await server.staff[0].submit_modal(form, {"reason": "duplicate"})
    assert "Request #1 is closed" in said(closed)
    await ask(server, server.members[1])
    cancel = await server.members[1].slash(server.general, "consult-cancel")
    assert cancel.response is not None
    cancelled = await server.members[1].click(cancel.response, label="Yes, cancel it")
    assert "Request #2 is cancelled" in said(cancelled)

    assert questions(server.member.user) == []
    assert questions(server.members[1].user) == []
    assert await stored_feedback(server, 1) == {}
    assert await stored_feedback(server, 2) == {}


async def test_the_member_who_left_is_not_asked(consult_server: ConsultServer) -> None:
    server = consult_server
    await open_and_claim(server)
    server.guild.remove_member(server.member)
    await server.env.settle()

    await server.staff[0].slash(the_thread(server), "ticket close", reason="they left")

    assert questions(server.member.user) == []


async def test_the_question_stays_open_until_the_last_second_of_seven_days(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, members=2)
    await open_and_claim(server, member=0)
    await server.staff[0].slash(server.consult.threads[0], "ticket close", reason="done")
    await open_and_claim(server, member=1, staff=1)
    await server.staff[1].slash(server.consult.threads[1], "ticket close", reason="done")
    # The week itself is skipped in the database (SimCord would run every timer of the bot,
    # and discord.py's heartbeat, over seven days): both questions were asked a week less two
    # seconds ago; the clock then crosses the edge for real.
    week = FEEDBACK_DAYS * DAY
    await the_bot(env).db.write(
        lambda c: c.execute("UPDATE consultation_feedback SET asked_at = asked_at - ?", (week - 2,))
    )
    await env.advance_time(1)

    in_time = await rate(server, 5, server.members[0].user)
    assert "you chose 5 of 5" in said(in_time)
    await env.advance_time(1)
    late = await rate(server, 5, server.members[1].user)
    assert in_time.response is not None
    late_comment = await server.members[0].user.click(in_time.response, label="Add a comment")

    assert late_comment.modal is None
    for answer in (late, late_comment):
        assert "The question stays open for 7 days after a request closes" in said(answer)
        assert "/consult" in said(answer)
    assert (await stored_feedback(server, 2))["rating"] is None


async def test_a_request_closed_again_is_not_asked_again(consult_server: ConsultServer) -> None:
    server = consult_server
    await closed_by_staff(server)
    bot = the_bot(server.env)
    # Reopened (as a follow-up may do) and closed again by staff.
    await bot.db.write(
        lambda c: c.execute(
            "UPDATE consultations SET status = 'claimed', claimed_by = ?, closed_at = NULL, "
            "closed_by = NULL, close_kind = NULL WHERE id = 1",
            (server.staff[0].id,),
        )
    )
    await server.env.advance_time(60)
    again = await bot.services.consultations.close(
        server.guild.id, 1, server.staff[0].id, "again", server.env.now()
    )
    guild = bot.get_guild(server.guild.id)
    assert guild is not None
    flow = flow_of(server.env)

    asked = await flow.ask_feedback(guild, again, None)

    assert asked is False
    assert len(questions(server.member.user)) == 1


async def test_a_rating_is_given_once_and_its_buttons_survive_a_restart(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    await closed_by_staff(server)
    await restart(server.env, settings)
    await rate(server, 3)

    again = await rate(server, 5)

    assert said(again).strip() == "You've already told us how request #1 went. Thank you."
    assert (await stored_feedback(server))["rating"] == 3


async def test_a_comment_is_left_once(consult_server: ConsultServer) -> None:
    server = consult_server
    await closed_by_staff(server)
    rated = await rate(server, 4)
    assert rated.response is not None
    form = await server.member.user.click(rated.response, label="Add a comment")
    await server.member.user.submit_modal(form, {"comment": "first", "audience": ["leads"]})

    again = await server.member.user.click(rated.response, label="Add a comment")

    assert again.modal is None
    assert "already left a comment" in said(again)


@pytest.mark.parametrize(
    "custom_id",
    ["feedback:rate:1:6", "feedback:rate:1:0", "feedback:rate:x:1", "feedback:comment:1",
     "feedback:rate:2:1", "feedback:something:1"],
)  # fmt: skip
async def test_a_forged_feedback_button_is_out_of_date(
    consult_server: ConsultServer, custom_id: str
) -> None:
    server = consult_server
    await closed_by_staff(server)
    copy = await copy_with_buttons(server.env, server.general, custom_id)

    pressed = await server.member.click(copy, custom_id=custom_id)

    assert "out of date" in said(pressed)
    assert (await stored_feedback(server))["rating"] is None


# --------------------------------------------------------------------------- /queue stats


async def two_rated_requests(server: ConsultServer) -> None:
    """Request #1 (the default type) rated 5 with staff 0, #2 (Family support) rated 2 with
    staff 1, each closed with an outcome."""
    await open_and_claim(server, member=0, staff=0)
    await server.staff[0].slash(
        server.consult.threads[0], "ticket close", reason="done", outcome="referred_iop"
    )
    await ask(server, server.members[1])
    kinds = the_bot(server.env).services.consult_types
    family = await kinds.add(
        server.guild.id,
        name="Family support",
        description="For family and friends",
        staff_role_id=server.staff_role.id,
        now=server.env.now(),
    )
    await the_bot(server.env).db.write(
        lambda c: c.execute("UPDATE consultations SET type_id = ? WHERE id = 2", (family.id,))
    )
    await server.staff[1].click(card_for(server, 2), label="Claim")
    await server.staff[1].slash(
        server.consult.threads[1], "ticket close", reason="done", outcome="peer_group"
    )
    await rate(server, 5, server.members[0].user)
    await rate(server, 2, server.members[1].user)


@pytest.mark.parametrize(
    ("who", "per_person"), [("staff", False), ("lead", True), ("administrator", True)]
)
async def test_stats_show_outcomes_and_ratings_and_per_person_only_to_leads(
    consult_server: ConsultServer, who: str, per_person: bool
) -> None:
    server = consult_server
    await two_rated_requests(server)
    reader = {
        "staff": server.staff[0],
        "lead": lead(server),
        "administrator": administrator(server),
    }[who]
    await server.env.settle()

    shown = said(await reader.slash(server.general, "queue stats"))

    assert "Outcomes (7 days) Referred to an intensive outpatient program (IOP): 1" in shown
    assert "Connected to a peer group: 1" in shown
    assert "Outcomes (30 days)" in shown
    assert "General: 5.0 of 5 from 1 rating" in shown
    assert "Family support: 2.0 of 5 from 1 rating" in shown
    assert ("Feedback per staff member (30 days, leads only)" in shown) is per_person
    assert (f"<@{server.staff[1].id}> (staff1): 2.0 of 5" in shown) is per_person
    assert "member0" not in shown


async def test_stats_are_refused_to_an_admin_who_is_not_staff(
    consult_server: ConsultServer,
) -> None:
    server = consult_server

    refused = await server.admin.slash(server.general, "queue stats")

    assert "only this server's staff" in said(refused)


# --------------------------------------------------------------------------- the member's data


async def test_the_members_feedback_is_exported_and_erased_with_their_data(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await closed_by_staff(server, outcome="follow_up_booked")
    await comment(server, "leads")

    exported = await server.member.slash(server.general, "mydata export")
    assert exported.response is not None
    data = json.loads(await exported.response.attachments[0].read())["data"]
    [feedback] = data["consultation_feedback"]["records"]
    assert (feedback["rating"], feedback["comment"], feedback["audience"]) == (4, COMMENT, "leads")
    assert data["consultations"]["records"][0]["outcome"] == "follow_up_booked"

    asked = await server.member.slash(server.general, "mydata delete")
    assert asked.response is not None
    await server.member.click(asked.response, label="Delete my data")

    assert await stored_feedback(server) == {}
    bot = the_bot(server.env)
    await bot.db.truncate_wal()
    assert b"SENTINEL-COMMENT" not in raw_database_bytes(bot.settings.database_path)


async def test_a_staff_members_erasure_keeps_the_rating_without_them(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await closed_by_staff(server)
    await rate(server, 5)

    asked = await server.staff[0].slash(server.general, "mydata delete")
    assert asked.response is not None
    await server.staff[0].click(asked.response, label="Delete my data")

    row = await stored_feedback(server)
    assert (row["staff_id"], row["rating"], row["member_id"]) == (0, 5, server.member.id)
    the_lead = lead(server)
    await server.env.settle()
    shown = said(await the_lead.slash(server.general, "queue stats"))
    assert "General: 5.0 of 5 from 1 rating" in shown
    assert "Feedback per staff member (30 days, leads only) no ratings yet" in shown
