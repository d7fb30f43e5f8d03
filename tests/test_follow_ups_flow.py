"""Follow-ups through SimCord: booking in a thread, the loop bringing one round (the old
thread reopened with the consultant, the member told with every crisis line, the consultant
pinged with the note), across restarts, the member's cancel button, /consult-status,
/queue list and /queue follow-ups, and every place a follow-up can go.

SimCord's clock starts at 2026-01-01 00:00 UTC; the server keeps no zone (UTC), so
"today 00:10" is ten loop ticks away.
"""

from __future__ import annotations

import datetime as dt
import logging

import discord
import pytest
import simcord

from bot.consultations import FollowUp, FollowUpOutcome, FollowUpState, Status
from bot.settings import Settings
from cogs.consult._follow_up_cog import CancelFollowUpButton, StaleFollowUpButton
from tests.conftest import ConsultServer, make_consult_server, restart
from tests.helpers import text_of, the_bot
from tests.test_consult_member import ask, said
from tests.test_consult_staff import button_ids, cards, open_and_claim, the_thread
from tests.test_permission_edges import NOT_STAFF, copy_with_buttons, with_extras

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
DUE = START + dt.timedelta(minutes=10)
NOTE = "ask how the new routine feels"
CRISIS = ("988", "741741", "1-800-662-4357")


async def book(
    server: ConsultServer,
    *,
    when: str = "today 00:10",
    note: str | None = NOTE,
    staff: int = 0,
) -> simcord.InteractionResult:
    options: dict[str, object] = {"when": when}
    if note is not None:
        options["note"] = note
    return await server.staff[staff].slash(the_thread(server), "ticket follow-up", **options)


async def claimed_and_closed(server: ConsultServer) -> None:
    await open_and_claim(server)
    await server.staff[0].slash(the_thread(server), "ticket close", reason="talked it through")


async def stored(server: ConsultServer) -> list[FollowUp]:
    bot = the_bot(server.env)
    rows = await bot.db.fetchall("SELECT id FROM consult_follow_ups ORDER BY id")
    found = [await bot.services.follow_ups.get(int(row["id"])) for row in rows]
    return [f for f in found if f is not None]


def checking_in(server: ConsultServer) -> list[discord.Message]:
    return [m for m in the_thread(server).history() if "asked to check in with you" in m.content]


def notices(server: ConsultServer) -> list[discord.Message]:
    return [m for m in server.queue.history() if "follow-up" in m.content]


def posts_to(server: ConsultServer, channel_id: int) -> list[simcord.HttpRequest]:
    return [
        r
        for r in server.env.http_requests
        if r.method == "POST" and r.path == f"/channels/{channel_id}/messages"
    ]


async def copy_of_button(server: ConsultServer, custom_id: str) -> discord.Message:
    """A message in the general channel carrying a follow-up's button (as a forwarded copy)."""
    channel = the_bot(server.env).get_channel(server.general.id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Cancel this check-in", custom_id=custom_id))
    message = await channel.send("a copy of the button", view=view)
    view.stop()
    return message


# --------------------------------------------------------------------------- booking


async def test_booking_in_a_closed_requests_thread_tells_the_member_with_a_cancel_button(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed_and_closed(server)

    result = await book(server)

    assert result.ephemeral
    reply = said(result)
    assert f"Follow-up booked with <@{server.member.id}>" in reply
    assert (
        "**Thu 01 Jan 2026, 00:10** in UTC (the server's time zone: they haven't saved their own)"
        in reply
    )
    assert f"<t:{int(DUE.timestamp())}:F>" in reply
    assert "with your note" in reply
    told = the_thread(server).history()[-1]
    assert f"<@{server.member.id}>, <@{server.staff[0].id}> booked a check-in" in told.content
    assert "/crisis" in told.content
    (follow_up,) = await stored(server)
    assert button_ids(told) == [f"followup:cancel:{follow_up.id}"]
    post = posts_to(server, the_thread(server).id)[-1]
    assert post.json is not None
    assert post.json["allowed_mentions"]["users"] == [server.member.id]
    assert follow_up.state is FollowUpState.BOOKED
    assert follow_up.due_at == DUE
    assert follow_up.note == NOTE
    # The closed request's thread is archived again once it has been told.
    edits = [
        r.json
        for r in server.env.http_requests
        if r.method == "PATCH" and r.path == f"/channels/{the_thread(server).id}"
    ]
    assert {"archived": True, "locked": True}.items() <= (edits[-1] or {}).items()


async def test_the_time_is_read_in_the_members_own_zone_when_they_saved_one(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.member.slash(
        server.general, "milestone set", date="2025-12-01", timezone="Asia/Kathmandu"
    )
    await server.staff[0].slash(
        server.general, "milestone set", date="2025-12-01", timezone="Europe/Paris"
    )
    await open_and_claim(server)

    result = await book(server, when="tomorrow 09:00")

    (follow_up,) = await stored(server)
    # 09:00 on 2 January in Kathmandu (UTC+5:45) is 03:15 UTC, 04:15 in Paris.
    assert follow_up.due_at == dt.datetime(2026, 1, 2, 3, 15, tzinfo=dt.UTC)
    assert follow_up.timezone == "Asia/Kathmandu"
    reply = said(result)
    assert "**Fri 02 Jan 2026, 09:00** in Asia/Kathmandu (their time zone)" in reply
    assert "In your saved time zone (Europe/Paris) that is Fri 02 Jan, 04:15." in reply


@pytest.mark.parametrize(
    ("when", "said_back"),
    [
        ("whenever", "I couldn't read that time. Please write it like `2026-12-05 14:00`"),
        ("2025-12-31 23:59", "That time has already passed"),
        ("today 00:00", "That time has already passed"),
        ("in 91 days", "up to 90 days ahead"),
        ("2026-01-01 25:00", "24-hour clock"),
    ],
)
async def test_a_time_that_cannot_be_booked_is_one_private_sentence(
    consult_server: ConsultServer, when: str, said_back: str
) -> None:
    server = consult_server
    await open_and_claim(server)

    result = await book(server, when=when)

    assert result.ephemeral
    assert said_back in said(result)
    assert "Nothing was booked." in said(result)
    assert await stored(server) == []


async def test_only_staff_book_and_only_in_a_requests_thread(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await open_and_claim(server)

    member_try = await server.member.slash(the_thread(server), "ticket follow-up", when="in 1 day")
    outside = await server.staff[0].slash(server.queue, "ticket follow-up", when="in 1 day")

    assert "staff" in said(member_try).lower()
    assert "inside a consultation's private thread" in said(outside)
    assert await stored(server) == []


# --------------------------------------------------------------------------- coming round


async def test_it_comes_round_in_the_old_thread_with_the_consultant_and_the_crisis_lines(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    thread = the_thread(server)

    await server.env.advance_time(9 * 60 + 30)  # 00:09:30: not yet
    assert checking_in(server) == []
    assert (await stored(server))[0].state is FollowUpState.BOOKED

    await server.env.advance_time(60)  # the loop's first run after 00:10

    (follow_up,) = await stored(server)
    assert follow_up.state is FollowUpState.DONE
    assert follow_up.outcome is FollowUpOutcome.CLAIMED
    request = await the_bot(server.env).services.consultations.get(follow_up.request_id or 0)
    assert request is not None
    assert (request.number, request.status, request.claimed_by) == (
        2,
        Status.CLAIMED,
        server.staff[0].id,
    )
    assert request.thread_id == thread.id  # the same conversation, open again
    assert len(server.consult.threads) == 1
    (message,) = checking_in(server)
    assert (
        f"Hi <@{server.member.id}>, <@{server.staff[0].id}> asked to check in with you today, "
        "so this conversation is open again." in message.content
    )
    for line in CRISIS:
        assert line in text_of(message)
    assert NOTE not in text_of(message)  # the note is for staff only
    post = next(
        r
        for r in posts_to(server, thread.id)
        if r.json and "asked to check in" in r.json.get("content", "")
    )
    assert post.json is not None
    assert post.json["allowed_mentions"]["users"] == [server.member.id]
    (notice,) = notices(server)
    assert notice.content.startswith(f"<@{server.staff[0].id}> It's time for the follow-up")
    assert f"request #2 is open again with you in <#{thread.id}>" in notice.content
    assert NOTE in notice.content
    ping = next(
        r for r in posts_to(server, server.queue.id) if r.json and NOTE in r.json["content"]
    )
    assert ping.json is not None
    assert ping.json["allowed_mentions"]["users"] == [server.staff[0].id]
    assert NOTE not in caplog.text
    assert f"follow_up.fired id={follow_up.id} " in caplog.text

    await server.env.advance_time(10 * 60)  # once only
    assert len(checking_in(server)) == 1
    assert len(notices(server)) == 1
    closed = await server.staff[0].slash(thread, "ticket close", reason="good to hear")
    assert "Request #2 is closed" in said(closed)


async def test_a_new_thread_when_the_old_one_was_deleted(consult_server: ConsultServer) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    old = the_thread(server)
    server.env.backend.delete_channel(old.id)
    await server.env.settle()

    await server.env.advance_time(11 * 60)

    threads = server.consult.threads
    assert [t.name for t in threads] == ["request-2"]
    opening = threads[0].history()
    assert f"<@{server.staff[0].id}> from the staff team is here" in opening[0].content
    assert "asked to check in with you today" in opening[-1].content


async def test_a_follow_up_booked_before_a_restart_comes_round_once_after_it(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)

    await restart(server.env, settings)
    await server.env.settle()
    await server.env.advance_time(11 * 60)

    assert len(checking_in(server)) == 1
    assert len(notices(server)) == 1
    await restart(server.env, settings)
    await server.env.advance_time(5 * 60)
    assert len(checking_in(server)) == 1
    assert len(notices(server)) == 1
    assert [f.state for f in await stored(server)] == [FollowUpState.DONE]


@pytest.mark.parametrize("offset", [-1, 0, 61])
async def test_a_restart_at_the_due_moment_brings_it_round_once(
    consult_server: ConsultServer, settings: Settings, offset: int
) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    await server.env.advance_time(10 * 60 + offset)  # to one second before, the second, after

    await restart(server.env, settings)
    await server.env.advance_time(2 * 60)

    assert len(checking_in(server)) == 1
    assert len(notices(server)) == 1
    assert len(server.consult.threads) == 1
    assert [f.state for f in await stored(server)] == [FollowUpState.DONE]


async def test_one_fired_just_before_a_restart_is_told_once_by_the_next_start(
    consult_server: ConsultServer, settings: Settings
) -> None:
    """The loop picked it (the request is opened in the same transaction) and the bot stopped
    before Discord heard of it: the next process tells everyone, once."""
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    (booked,) = await stored(server)
    fired = await the_bot(server.env).services.follow_ups.fire(
        booked.id,
        DUE,
        member_present=True,
        claimer_id=server.staff[0].id,
        thread_id=the_thread(server).id,
    )
    assert fired is not None

    await restart(server.env, settings)
    await server.env.advance_time(11 * 60)

    assert len(checking_in(server)) == 1
    assert len(notices(server)) == 1
    assert [f.state for f in await stored(server)] == [FollowUpState.DONE]
    await server.env.advance_time(5 * 60)
    assert len(checking_in(server)) == 1


async def test_a_consultant_no_longer_staff_leaves_it_to_the_queue_as_a_normal_card(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    server.env.backend.remove_member_role(server.guild.id, server.staff[0].id, server.staff_role.id)
    await server.env.settle()

    await server.env.advance_time(11 * 60)

    (follow_up,) = await stored(server)
    assert follow_up.outcome is FollowUpOutcome.QUEUE
    request = await the_bot(server.env).services.consultations.get(follow_up.request_id or 0)
    assert request is not None
    assert request.status is Status.OPEN
    assert any("Request #2 " in (c.embeds[0].title or "") for c in cards(server))
    (notice,) = notices(server)
    assert (
        f"Request #2 is the follow-up <@{server.staff[0].id}> (staff0) booked with "
        f"<@{server.member.id}> (member0)" in notice.content
    )
    assert "is no longer on the staff team for it" in notice.content
    assert NOTE in notice.content
    dms = server.member.user.dm_channel.history()
    assert "asked to check in with you today" in dms[-1].content
    assert "request #2 is waiting" in dms[-1].content
    for line in CRISIS:
        assert line in text_of(dms[-1])
    claimed = await server.staff[1].click(cards(server)[-1], label="Claim")
    assert "You claimed request #2" in said(claimed)
    assert len(server.consult.threads) == 1  # the old conversation, with the new staff member


async def test_a_member_who_already_asked_again_gets_it_in_their_request(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server, when="in 1 hour")
    await the_bot(server.env).services.configs.update(
        server.guild.id, server.env.now(), cooldown_minutes=0
    )
    await ask(server)  # request #2, waiting

    await server.env.advance_time(61 * 60)

    (follow_up,) = await stored(server)
    assert follow_up.outcome is FollowUpOutcome.ACTIVE
    assert follow_up.request_id is not None
    active = await the_bot(server.env).services.consultations.active_for_member(
        server.guild.id, server.member.id
    )
    assert active is not None
    assert active.number == 2
    (notice,) = notices(server)
    assert "They already have request #2 waiting in the queue" in notice.content
    assert "asked to check in" in server.member.user.dm_channel.history()[-1].content


async def test_one_due_while_the_conversation_goes_on_with_someone_else_is_posted_there(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)
    await book(server)
    await server.staff[0].slash(thread, "ticket transfer", to=server.staff[1])

    await server.env.advance_time(11 * 60)

    (follow_up,) = await stored(server)
    assert follow_up.outcome is FollowUpOutcome.ACTIVE
    assert follow_up.request_id == follow_up.consultation_id  # no second request
    (message,) = checking_in(server)
    assert (
        f"<@{server.staff[0].id}> asked to check in with you today, and "
        f"<@{server.staff[1].id}> is here with you." in message.content
    )
    for line in CRISIS:
        assert line in text_of(message)
    (notice,) = notices(server)
    assert (
        f"They already have request #1 with <@{server.staff[1].id}> (staff1), so I posted the "
        "check-in "
        f"in <#{thread.id}>." in notice.content
    )
    assert notice.content.startswith("It's time for the follow-up")
    ping = next(
        r for r in posts_to(server, server.queue.id) if r.json and NOTE in r.json["content"]
    )
    assert ping.json is not None
    assert ping.json["allowed_mentions"]["users"] == [server.staff[0].id]


async def test_a_member_who_left_gets_nothing_and_staff_are_told(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    server.guild.remove_member(server.member)
    await server.env.settle()

    await server.env.advance_time(11 * 60)

    (follow_up,) = await stored(server)
    assert follow_up.outcome is FollowUpOutcome.MEMBER_LEFT
    (notice,) = notices(server)
    assert "they have left the server, so nothing was opened" in notice.content
    assert (
        await the_bot(server.env).services.consultations.active_for_member(
            server.guild.id, server.member.id
        )
        is None
    )


# --------------------------------------------------------------------------- cancelling


async def test_the_member_cancels_from_the_thread_even_after_a_restart(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    message = the_thread(server).history()[-1]
    await restart(server.env, settings)

    result = await server.member.click(message, label="Cancel this check-in")

    assert result.ephemeral
    assert "Cancelled: the check-in for" in said(result)
    (follow_up,) = await stored(server)
    assert follow_up.state is FollowUpState.CANCELLED
    assert follow_up.cancelled_by == server.member.id
    assert "cancelled the check-in" in the_thread(server).history()[-1].content
    await server.env.advance_time(11 * 60)
    assert checking_in(server) == []
    again = await server.member.click(message, label="Cancel this check-in")
    assert "already cancelled" in said(again)


async def test_who_may_press_cancel(consult_server: ConsultServer) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    message = the_thread(server).history()[-1]

    other_staff = await server.staff[1].click(message, label="Cancel this check-in")
    assert "Only the member, the staff member who booked this check-in" in said(other_staff)
    assert (await stored(server))[0].state is FollowUpState.BOOKED

    copy = await copy_of_button(server, button_ids(message)[0])  # admins can't read the thread
    admin = await server.admin.click(copy, label="Cancel this check-in")
    assert "Cancelled the check-in with" in said(admin)
    assert (await stored(server))[0].cancelled_by == server.admin.id


async def test_the_booker_cancels_from_queue_follow_ups(consult_server: ConsultServer) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    await book(server, when="in 2 days", note=None)

    listing = await server.staff[0].slash(server.queue, "queue follow-ups")
    nobody = await server.staff[1].slash(server.queue, "queue follow-ups")

    text = said(listing)
    assert "**1.**" in text
    assert "**2.**" in text
    assert NOTE in text
    assert listing.response is not None
    ids = [f"followup:cancel:{f.id}" for f in await stored(server)]
    assert button_ids(listing.response) == ids
    assert "You have no check-ins booked here" in said(nobody)
    cancelled = await server.staff[0].click(listing.response, label="Cancel 1")
    assert "Cancelled the check-in with" in said(cancelled)
    assert [f.state for f in await stored(server)] == [
        FollowUpState.CANCELLED,
        FollowUpState.BOOKED,
    ]


async def test_consult_status_lists_them_with_a_cancel_button(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)

    status = await server.member.slash(server.general, "consult-status")

    assert "Check-ins booked with you" in said(status)
    assert f"<t:{int(DUE.timestamp())}:F>" in said(status)
    assert NOTE not in said(status)
    assert status.response is not None
    cancelled = await server.member.click(status.response, label="Cancel check-in 1")
    assert "Cancelled" in said(cancelled)
    again = await server.member.slash(server.general, "consult-status")
    assert "Check-ins booked with you" not in said(again)


# --------------------------------------------------------------------------- /queue list


async def test_queue_list_shows_follow_ups_due_in_the_next_24_hours(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server, when="in 1 day")
    await book(server, when="in 2 days")

    listing = said(await server.staff[1].slash(server.queue, "queue list"))
    member_try = said(await server.member.slash(server.general, "queue list"))

    assert "Follow-ups due (next 24 h)" in listing
    due = int((START + dt.timedelta(days=1)).timestamp())
    assert f"due <t:{due}:R> · <@{server.member.id}> (member0) · after request #1" in listing
    assert f"booked by <@{server.staff[0].id}> (staff0)" in listing
    assert f"<t:{due + 86400}:R>" not in listing
    assert "Follow-ups due" not in member_try


# --------------------------------------------------------------------------- every kind of person


CANCEL = {
    "the-member": True,
    "the-booker": True,
    "the-booker-who-lost-the-role": False,
    "other-staff": False,
    "member": False,
    "staff-of-another-server": False,
    "admin": True,
    "admin-who-lost-manage-server": False,
    "staff-who-lost-the-role": False,
    "holder-of-a-look-alike-role": False,
    "administrator": True,
}


def person(server: ConsultServer, who: str) -> simcord.MemberActor:
    if who == "the-member":
        return server.member
    if who == "the-booker":
        return server.staff[0]
    if who == "the-booker-who-lost-the-role":
        server.env.backend.remove_member_role(
            server.guild.id, server.staff[0].id, server.staff_role.id
        )
        return server.staff[0]
    if who == "other-staff":
        return server.staff[1]
    return with_extras(server, who)


@pytest.mark.parametrize(("who", "allowed"), CANCEL.items())
async def test_who_may_cancel_a_check_in(
    consult_server: ConsultServer, who: str, allowed: bool
) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    (booked,) = await stored(server)
    actor = person(server, who)
    await server.env.settle()
    custom_id = f"followup:cancel:{booked.id}"
    copy = await copy_with_buttons(server.env, server.general, custom_id)

    pressed = await actor.click(copy, custom_id=custom_id)

    (after,) = await stored(server)
    if allowed:
        assert "Cancelled" in said(pressed)
        assert after.state is FollowUpState.CANCELLED
        assert after.cancelled_by == actor.id
        return
    assert after.state is FollowUpState.BOOKED
    if who == "the-booker-who-lost-the-role":
        assert "only this server's staff" in said(pressed)
    else:
        assert "Only the member, the staff member who booked this check-in" in said(pressed)


@pytest.mark.parametrize("who", [*NOT_STAFF, "the-member", "other-staff", "administrator"])
async def test_who_may_book_a_follow_up(consult_server: ConsultServer, who: str) -> None:
    server = consult_server
    await open_and_claim(server)
    actor = person(server, who)
    await server.env.settle()
    # Only the member, staff (Manage Threads) and Administrators can see the private thread;
    # everyone else is asked where they can: the staff check comes first.
    where = the_thread(server) if who in ("the-member", "other-staff", "administrator") else None

    result = await actor.slash(where or server.general, "ticket follow-up", when="in 1 day")

    if who in ("other-staff", "administrator"):
        assert "Follow-up booked with" in said(result)
        assert [f.staff_id for f in await stored(server)] == [actor.id]
        return
    assert "only this server's staff" in said(result)
    assert await stored(server) == []


def test_a_stale_or_forged_follow_up_id_is_out_of_date_not_an_error() -> None:
    """Checked by the button's template and the stale catch-all (both registered)."""
    cancel = CancelFollowUpButton.__discord_ui_compiled_template__
    stale = StaleFollowUpButton.__discord_ui_compiled_template__
    for custom_id in ("followup:cancel:1", "followup:cancel:abc", "followup:cancel:"):
        assert cancel.fullmatch(custom_id)
        assert not stale.fullmatch(custom_id)
    for custom_id in ("followup:undo:1", "followup:cancel:1:2", "followup:"):
        assert stale.fullmatch(custom_id)
        assert not cancel.fullmatch(custom_id)


@pytest.mark.parametrize(
    "custom_id", ["followup:cancel:abc", "followup:cancel:999", "followup:undo:1", "followup:x"]
)
async def test_a_forged_or_old_button_is_answered_out_of_date(
    consult_server: ConsultServer, custom_id: str
) -> None:
    server = consult_server
    await claimed_and_closed(server)
    await book(server)
    copy = await copy_with_buttons(server.env, server.general, custom_id)

    pressed = await server.member.click(copy, custom_id=custom_id)

    assert "out of date" in said(pressed)
    assert [f.state for f in await stored(server)] == [FollowUpState.BOOKED]


async def test_another_servers_check_in_is_out_of_date_here(env: simcord.Env) -> None:
    first = await make_consult_server(env)
    second = await make_consult_server(env)
    await claimed_and_closed(first)
    await book(first)
    (booked,) = await stored(first)
    custom_id = f"followup:cancel:{booked.id}"
    copy = await copy_with_buttons(env, second.general, custom_id)

    pressed = await second.admin.click(copy, custom_id=custom_id)

    assert "out of date" in said(pressed)
    assert [f.state for f in await stored(first)] == [FollowUpState.BOOKED]
