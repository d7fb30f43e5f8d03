"""Quiet threads through SimCord (issue 20): the gentle check-in, the automatic close, the
reminder to the claimer and /ticket hold, with the clock moved.

Long spans are skipped in the database (SimCord would run every timer of the bot, and
discord.py's heartbeat, over days): the stored times are moved back to one second before the
edge, the check runs, then the clock crosses the edge for real and it runs again. One test lets
the loop itself find the work. After a restart, messages the bot never saw (written while it was
down) are read from the thread before anything is done.
"""

from __future__ import annotations

import discord
import pytest
import simcord
from simcord.backend.errors import OptionError

from bot.consultations import CloseKind, Outcome, Status
from bot.settings import Settings
from tests.conftest import ConsultServer, make_consult_server, restart
from tests.helpers import text_of, the_bot
from tests.test_close_flow import questions
from tests.test_consult_close_log import flow_of
from tests.test_consult_member import ask, said, service
from tests.test_consult_staff import button_ids, card_for, open_and_claim, the_thread
from tests.test_snippets_commands import plant
from tests.test_snippets_reply import add_to_thread

HOUR = 3600
NUDGE = 48 * HOUR
CLOSE = 72 * HOUR
CHECKING_IN = "just checking in on request #1"
CLOSED_QUIET = "I've closed request #1 for now"


# --------------------------------------------------------------------------- helpers


async def back(server: ConsultServer, seconds: int, *columns: str, request_id: int = 1) -> None:
    """Move the request's stored times ``seconds`` into the past (those that are set)."""
    sets = ", ".join(f"{c} = {c} - {seconds}" for c in columns)
    await the_bot(server.env).db.write(
        lambda c: c.execute(f"UPDATE consultations SET {sets} WHERE id = ?", (request_id,))
    )


async def check(server: ConsultServer) -> None:
    """One run of the quiet-threads loop, now."""
    await flow_of(server.env).check_quiet()
    await server.env.settle()


def bot_said(server: ConsultServer, words: str) -> list[discord.Message]:
    bot = the_bot(server.env)
    assert bot.user is not None
    return [
        m for m in the_thread(server).history() if m.author.id == bot.user.id and words in m.content
    ]


async def stored(server: ConsultServer, request_id: int = 1) -> object:
    return await service(server.env).get_in_guild(server.guild.id, request_id)


async def claimed(server: ConsultServer) -> None:
    await open_and_claim(server)
    await server.env.settle()


async def nudged(server: ConsultServer) -> None:
    """Claimed, quiet for the check-in's hours, and checked in on."""
    await claimed(server)
    await back(server, NUDGE, "claimed_at")
    await check(server)
    assert len(bot_said(server, CHECKING_IN)) == 1


def queue_texts(server: ConsultServer) -> list[str]:
    return [m.content for m in server.queue.history()]


# --------------------------------------------------------------------------- the check-in


async def test_the_check_in_comes_exactly_n_hours_after_the_last_word(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed(server)
    await back(server, NUDGE - 1, "claimed_at")

    await check(server)
    assert bot_said(server, CHECKING_IN) == []
    await server.env.advance_time(1)
    await check(server)

    [message] = bot_said(server, CHECKING_IN)
    assert message.content.startswith(f"Hi <@{server.member.id}>, just checking in")
    assert "still here whenever you're ready" in message.content
    assert "close this request in about 3 days" in message.content
    assert "`/consult`" in message.content
    assert "988" in text_of(message.embeds)  # the crisis lines, one tap away
    pinged = server.env.backend.get_message(the_thread(server).id, message.id).ping_user_ids
    assert set(pinged) == {server.member.id}
    request = await service(server.env).get_in_guild(server.guild.id, 1)
    assert request.nudged_at is not None
    await check(server)
    assert len(bot_said(server, CHECKING_IN)) == 1  # once


async def test_the_loop_finds_the_check_in_by_itself(consult_server: ConsultServer) -> None:
    server = consult_server
    await claimed(server)
    await back(server, NUDGE, "claimed_at")

    await server.env.advance_time(61)

    assert len(bot_said(server, CHECKING_IN)) == 1


async def test_the_members_message_restarts_the_quiet_time(consult_server: ConsultServer) -> None:
    server = consult_server
    await nudged(server)
    await server.env.advance_time(90)
    await server.member.send(the_thread(server), "sorry, I'm here")

    request = await service(server.env).get_in_guild(server.guild.id, 1)
    assert request.nudged_at is None
    assert request.member_last_at is not None
    await back(server, CLOSE, "nudged_at", "claimed_at")
    await check(server)
    assert (await service(server.env).get_in_guild(server.guild.id, 1)).status is Status.CLAIMED
    await back(server, NUDGE - 1, "member_last_at")
    await check(server)
    assert len(bot_said(server, CHECKING_IN)) == 1
    await server.env.advance_time(1)
    await check(server)
    assert len(bot_said(server, CHECKING_IN)) == 2


async def test_a_staff_message_does_not_restart_the_members_quiet_time(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed(server)
    await server.staff[0].send(the_thread(server), "how are you doing?")
    request = await service(server.env).get_in_guild(server.guild.id, 1)
    assert request.staff_last_at is not None
    assert request.member_last_at is None

    await back(server, NUDGE, "claimed_at")
    await check(server)

    assert len(bot_said(server, CHECKING_IN)) == 1


async def test_nothing_happens_with_the_check_in_off(env: simcord.Env) -> None:
    server = await make_consult_server(env, quiet_nudge_hours=0, quiet_close_hours=0)
    await claimed(server)
    await back(server, 30 * 24 * HOUR, "claimed_at")

    await check(server)

    assert bot_said(server, "checking in") == []


# --------------------------------------------------------------------------- the close


async def test_the_close_comes_exactly_m_hours_after_the_check_in(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await nudged(server)
    await server.env.advance_time(90)
    await server.staff[0].send(the_thread(server), "no pressure, I'm here")  # no reply of theirs
    await back(server, CLOSE - 90 - 1, "nudged_at", "claimed_at", "staff_last_at")

    await check(server)
    assert (await service(server.env).get_in_guild(server.guild.id, 1)).status is Status.CLAIMED
    await server.env.advance_time(1)
    await check(server)

    request = await service(server.env).get_in_guild(server.guild.id, 1)
    assert (request.status, request.close_kind, request.outcome, request.closed_by_bot) == (
        Status.CLOSED,
        CloseKind.RESOLVED,
        Outcome.NO_REPLY,
        True,
    )
    [told] = bot_said(server, CLOSED_QUIET)
    assert told.content.startswith(f"<@{server.member.id}>, I've closed request #1 for now")
    assert "That's completely okay." in told.content
    assert "you can start a new request straight away" in told.content
    assert "`/consult`" in told.content
    assert "988" in text_of(told.embeds)
    assert button_ids(told) == ["transcript:copy:1"]
    assert questions(server.member.user) == []  # no "How did this go?" after the bot's close
    edits = [
        r.json
        for r in server.env.http_requests
        if r.method == "PATCH" and r.path == f"/channels/{the_thread(server).id}"
    ]
    assert {"archived": True, "locked": True}.items() <= (edits[-1] or {}).items()
    card = card_for(server, 1)
    assert "Closed by the bot: no reply after a check-in" in (card.embeds[0].description or "")
    assert button_ids(card) == []
    [logged] = [m.content for m in server.log.history()]
    assert logged.startswith("📁 Request #1 closed by the bot: no reply from the member")


async def test_no_cooldown_after_the_bots_close(consult_server: ConsultServer) -> None:
    server = consult_server
    await nudged(server)
    await back(server, CLOSE, "nudged_at", "claimed_at")
    await check(server)

    again = await ask(server)

    assert "Your request #2 is in" in said(again)


async def test_a_cooldown_after_a_consultants_own_no_reply(consult_server: ConsultServer) -> None:
    server = consult_server
    await claimed(server)
    await server.staff[0].slash(
        the_thread(server), "ticket close", reason="no reply", outcome="no_reply"
    )
    request = await service(server.env).get_in_guild(server.guild.id, 1)
    assert (request.outcome, request.closed_by_bot) == (Outcome.NO_REPLY, False)

    again = await ask(server)

    assert "closed just a little while ago" in said(again)
    assert (await service(server.env).latest_for_member(server.guild.id, server.member.id)).id == 1


# --------------------------------------------------------------------------- /ticket hold


async def test_ticket_hold_stops_the_check_in(consult_server: ConsultServer) -> None:
    server = consult_server
    await claimed(server)

    await server.staff[0].slash(the_thread(server), "ticket hold")
    await back(server, 30 * 24 * HOUR, "claimed_at")
    await check(server)

    assert bot_said(server, CHECKING_IN) == []


async def test_ticket_hold_stops_the_close_and_off_restarts_the_quiet_time(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await nudged(server)
    thread = the_thread(server)

    held = await server.staff[0].slash(thread, "ticket hold")

    assert held.ephemeral
    assert "Request #1 is now on hold" in said(held)
    assert bot_said(server, "Request #1 is on hold: it stays open")
    card = card_for(server, 1)
    assert any(field.name == "⏸ On hold" for field in card.embeds[0].fields)
    await back(server, 30 * 24 * HOUR, "nudged_at", "claimed_at")
    await check(server)
    assert (await service(server.env).get_in_guild(server.guild.id, 1)).status is Status.CLAIMED
    assert len(bot_said(server, CHECKING_IN)) == 1

    resumed = await server.staff[0].slash(thread, "ticket hold", state="off")

    assert "is no longer on hold: its quiet time counts from now" in said(resumed)
    assert not any(field.name == "⏸ On hold" for field in card_for(server, 1).embeds[0].fields)
    await check(server)  # the quiet time starts again: no check-in, no close at once
    assert len(bot_said(server, CHECKING_IN)) == 1
    assert (await service(server.env).get_in_guild(server.guild.id, 1)).status is Status.CLAIMED
    await back(server, NUDGE, "quiet_from")
    await check(server)
    assert len(bot_said(server, CHECKING_IN)) == 2


async def test_ticket_hold_with_a_state_says_when_nothing_changed(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed(server)
    thread = the_thread(server)

    off = await server.staff[0].slash(thread, "ticket hold", state="off")
    on = await server.staff[0].slash(thread, "ticket hold", state="on")
    again = await server.staff[0].slash(thread, "ticket hold", state="on")

    assert "Request #1 wasn't on hold." in said(off)
    assert "Request #1 is now on hold" in said(on)
    assert "Request #1 was already on hold" in said(again)
    assert len(bot_said(server, "is on hold: it stays open")) == 1


async def test_ticket_hold_outside_a_request_thread_or_on_a_closed_one(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed(server)

    elsewhere = await server.staff[0].slash(server.general, "ticket hold")
    await server.staff[0].slash(the_thread(server), "ticket close", reason="done")
    closed = await server.staff[0].slash(the_thread(server), "ticket hold")

    assert "Please use this inside a consultation's private thread" in said(elsewhere)
    assert "Request #1 is closed, so there is nothing to put on hold." in said(closed)


def hold_people(server: ConsultServer) -> dict[str, simcord.MemberActor]:
    from tests.test_cog_permissions_table import administrator
    from tests.test_permission_edges import people

    found = people(server)
    found["the-member"] = server.member
    found["administrator"] = administrator(server)
    return found


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("the-member", False),
        ("member", False),
        ("staff", True),
        ("staff-of-another-server", False),
        ("admin", False),
        ("admin-who-lost-manage-server", False),
        ("administrator", True),
    ],
)
async def test_who_may_put_a_request_on_hold(
    consult_server: ConsultServer, who: str, allowed: bool
) -> None:
    server = consult_server
    await claimed(server)
    person = hold_people(server)[who]
    if who != "the-member":
        await add_to_thread(server, person)

    result = await person.slash(the_thread(server), "ticket hold")

    assert result.ephemeral
    request = await service(server.env).get_in_guild(server.guild.id, 1)
    assert request.on_hold is allowed
    if not allowed:
        assert "staff" in said(result).lower()


# --------------------------------------------------------------------------- the staff reminder


async def test_the_claimer_is_reminded_exactly_when_the_members_message_has_waited(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, staff_reply_minutes=30)
    await claimed(server)
    await server.member.send(the_thread(server), "are you there?")
    await back(server, 30 * 60 - 1, "awaiting_staff_since", "claimed_at")

    await check(server)
    assert not any("is waiting for a reply" in text for text in queue_texts(server))
    await env.advance_time(1)
    await check(server)

    [reminder] = [m for m in server.queue.history() if "is waiting for a reply" in m.content]
    assert reminder.content.startswith(f"<@{server.staff[0].id}>, <@{server.member.id}> wrote")
    assert f"<#{the_thread(server).id}>" in reminder.content
    pinged = env.backend.get_message(server.queue.id, reminder.id).ping_user_ids
    assert set(pinged) == {server.staff[0].id}
    await env.advance_time(60)
    await check(server)
    assert sum("is waiting for a reply" in t for t in queue_texts(server)) == 1  # once


async def test_a_staff_answer_or_a_saved_reply_means_no_reminder(env: simcord.Env) -> None:
    server = await make_consult_server(env, staff_reply_minutes=30)
    await claimed(server)
    await plant(server, "here", "I'm here, {member}.")
    thread = the_thread(server)
    await server.member.send(thread, "are you there?")
    await server.staff[0].send(thread, "yes, I'm here")
    await env.advance_time(61)
    await server.member.send(thread, "thanks")
    await server.staff[0].slash(thread, "ticket reply", snippet="here")

    request = await service(env).get_in_guild(server.guild.id, 1)
    assert request.awaiting_staff_since is None
    await back(server, 2 * HOUR, "member_last_at", "staff_last_at", "claimed_at")
    await check(server)
    assert not any("is waiting for a reply" in text for text in queue_texts(server))


async def test_the_bots_own_messages_are_no_answer(env: simcord.Env) -> None:
    server = await make_consult_server(env, staff_reply_minutes=30)
    await claimed(server)
    await env.advance_time(5)
    await server.member.send(the_thread(server), "are you there?")
    await env.advance_time(5)
    await back(server, NUDGE, "member_last_at", "claimed_at")

    await check(server)  # the check-in: the bot's own message in the thread
    assert len(bot_said(server, CHECKING_IN)) == 1
    request = await service(env).get_in_guild(server.guild.id, 1)
    assert request.awaiting_staff_since is not None
    await back(server, 30 * 60, "awaiting_staff_since")
    await check(server)

    assert sum("is waiting for a reply" in t for t in queue_texts(server)) == 1


async def test_a_check_in_that_could_not_be_posted_is_tried_again(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await claimed(server)
    await back(server, NUDGE, "claimed_at")
    messages = f"/channels/{the_thread(server).id}/messages"
    server.env.inject_error("POST", messages, status=403, code=50013, message="Missing Permissions")

    await check(server)
    assert bot_said(server, CHECKING_IN) == []
    assert (await service(server.env).get_in_guild(server.guild.id, 1)).nudged_at is None
    await check(server)

    assert len(bot_said(server, CHECKING_IN)) == 1


# --------------------------------------------------------------------------- after a restart


async def test_a_message_written_while_the_bot_was_down_is_read_first(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    await claimed(server)
    await back(server, NUDGE, "claimed_at")
    written = server.env.backend.create_message(
        the_thread(server).id, server.member.id, "still here", broadcast=False
    )

    await restart(server.env, settings)
    await server.env.settle()
    await check(server)

    assert bot_said(server, CHECKING_IN) == []
    request = await service(server.env).get_in_guild(server.guild.id, 1)
    assert request.member_last_at is not None
    assert int(request.member_last_at.timestamp()) == int(
        discord.utils.snowflake_time(written.id).timestamp()
    )


async def test_a_quiet_time_across_a_restart_still_counts_once_the_thread_is_read(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    await claimed(server)
    await back(server, NUDGE, "claimed_at")

    await restart(server.env, settings)
    await server.env.settle()
    await check(server)

    assert len(bot_said(server, CHECKING_IN)) == 1


async def test_a_bot_down_for_days_closes_nothing_the_member_answered_meanwhile(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    await nudged(server)
    await back(server, 3 * 24 * HOUR + 1, "nudged_at", "claimed_at")
    server.env.backend.create_message(
        the_thread(server).id, server.member.id, "back now", broadcast=False
    )

    await restart(server.env, settings)
    await server.env.settle()
    await check(server)

    request = await service(server.env).get_in_guild(server.guild.id, 1)
    assert request.status is Status.CLAIMED
    assert request.nudged_at is None
    assert bot_said(server, CLOSED_QUIET) == []


async def test_nothing_is_done_before_the_thread_could_be_read(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    await claimed(server)
    await back(server, NUDGE, "claimed_at")
    history = f"/channels/{the_thread(server).id}/messages"
    server.env.inject_error("GET", history, status=500, times=None)

    await restart(server.env, settings)
    await server.env.settle()
    await check(server)
    assert bot_said(server, CHECKING_IN) == []
    server.env.backend.faults.clear()
    await check(server)

    assert len(bot_said(server, CHECKING_IN)) == 1


# --------------------------------------------------------------------------- the settings


@pytest.mark.parametrize(
    ("options", "saved"),
    [
        ({"quiet_nudge_hours": 0, "quiet_close_hours": 0}, (0, 0, 0)),
        ({"quiet_nudge_hours": 1, "quiet_close_hours": 1}, (1, 1, 0)),
        ({"quiet_nudge_hours": 720, "quiet_close_hours": 720}, (720, 720, 0)),
        ({"staff_reply_minutes": 1}, (48, 72, 1)),
        ({"staff_reply_minutes": 1440}, (48, 72, 1440)),
        ({"quiet_close_hours": 0}, (48, 0, 0)),
    ],
)
async def test_setup_conversations_saves_settings_within_bounds(
    consult_server: ConsultServer, options: dict[str, int], saved: tuple[int, int, int]
) -> None:
    server = consult_server

    result = await server.admin.slash(server.general, "setup conversations", **options)

    assert result.ephemeral
    assert "Saved." in said(result)
    config = await the_bot(server.env).services.configs.get(server.guild.id)
    assert (
        config.quiet_nudge_hours,
        config.quiet_close_hours,
        config.staff_reply_minutes,
    ) == saved


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("quiet_nudge_hours", -1),
        ("quiet_nudge_hours", 721),
        ("quiet_close_hours", -1),
        ("quiet_close_hours", 721),
        ("staff_reply_minutes", -1),
        ("staff_reply_minutes", 1441),
    ],
)
async def test_discord_refuses_settings_out_of_bounds_first(
    consult_server: ConsultServer, option: str, value: int
) -> None:
    server = consult_server
    before = await the_bot(server.env).services.configs.get(server.guild.id)

    with pytest.raises(OptionError, match=option):  # the command's own range (and the
        # domain's check_quiet_settings, and the table's CHECK, behind it)
        await server.admin.slash(server.general, "setup conversations", **{option: value})

    assert await the_bot(server.env).services.configs.get(server.guild.id) == before


@pytest.mark.parametrize(
    "options",
    [
        {"quiet_nudge_hours": 0},  # the close (72 h, the default) would have no check-in
        {"quiet_nudge_hours": 0, "quiet_close_hours": 5},
    ],
)
async def test_setup_conversations_refuses_a_close_without_a_check_in(
    consult_server: ConsultServer, options: dict[str, int]
) -> None:
    server = consult_server
    before = await the_bot(server.env).services.configs.get(server.guild.id)

    result = await server.admin.slash(server.general, "setup conversations", **options)

    assert "only ever comes after the check-in" in said(result)
    assert "Saved." not in said(result)
    assert await the_bot(server.env).services.configs.get(server.guild.id) == before


async def test_setup_show_lists_the_conversation_settings(env: simcord.Env) -> None:
    server = await make_consult_server(env)
    shown = await server.admin.slash(server.general, "setup show")
    await server.admin.slash(
        server.general,
        "setup conversations",
        quiet_nudge_hours=12,
        quiet_close_hours=0,
        staff_reply_minutes=45,
    )
    changed = await server.admin.slash(server.general, "setup show")

    assert (
        "Quiet conversations: a check-in after 48 h without a message from the member · "
        "closed 72 h after it (no reply)"
    ) in said(shown)
    assert "Reminder to reply to the member: off" in said(shown)
    assert "a check-in after 12 h" in said(changed)
    assert "never closed automatically" in said(changed)
    assert "Remind the claimer after 45 min without a reply" in said(changed)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("member", False),
        ("staff", False),
        ("staff-of-another-server", False),
        ("admin", True),
        ("admin-who-lost-manage-server", False),
        ("administrator", True),
    ],
)
async def test_who_may_change_the_conversation_settings(
    consult_server: ConsultServer, who: str, allowed: bool
) -> None:
    server = consult_server
    person = hold_people(server)[who]
    command = server.env.backend.find_command("setup", None)
    assert command is not None
    server.guild.set_command_permissions(int(command["id"]), {person: True})

    result = await person.slash(server.general, "setup conversations", staff_reply_minutes=15)

    config = await the_bot(server.env).services.configs.get(server.guild.id)
    assert (config.staff_reply_minutes == 15) is allowed
    if not allowed:
        assert "Manage Server" in said(result)
