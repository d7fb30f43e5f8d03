"""The fault matrix: Discord failing each call the consultation and safety flows make, and
the database locked, read-only, full or closed.

How SimCord fails a call: ``env.inject_error`` makes matching REST calls raise the real
``discord.HTTPException`` subclass with the given status and JSON code. SimCord replaces
discord.py's HTTP client (``HTTPClient.request`` and the webhook adapter), so discord.py's own
handling inside them does not run: 5xx are not retried (a fault with ``times=None`` is what a
request sees after the library gave up), and a 429 arrives as a plain ``HTTPException(429)``
with no ``Retry-After`` header and no ``retry_after`` in the body (SimCord's fault carries only
status, code and message), so "waits for retry_after" cannot be expressed here. What is
tested for 429 is the part that belongs to the bot: it makes the call once, does not loop, and
keeps the request.

Expected everywhere: the member's request is saved and they are told so, staff learn what went
wrong, the bot makes each failing call once (no retry loop), nothing is left half done. The one
exception is adding someone to a private thread: a 5xx or 429 there is tried three times in all,
with a short wait, because a member left outside their thread never sees the conversation.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import simcord

from bot.bot import create_bot
from bot.consultations import Status
from bot.errors import TryAgainError
from tests.conftest import ConsultServer, make_consult_server, make_settings
from tests.reliability import assert_nothing_pinged, assert_polite, bot_of, said
from tests.test_consult_member import ask, service
from tests.test_consult_staff import card_for, cards, open_and_claim, the_thread

SERVER_ERRORS = [
    pytest.param(500, 0, id="500"),
    pytest.param(502, 0, id="502"),
    pytest.param(503, 0, id="503"),
    pytest.param(429, 0, id="429"),
]
REFUSALS = [
    pytest.param(403, 50013, id="403-missing-permissions"),
    pytest.param(404, 10003, id="404-unknown-channel"),
]


def calls(env: simcord.Env, method: str, path: str) -> int:
    return sum(1 for r in env.http_requests if r.method == method and r.path == path)


def notices(channel: simcord.ChannelHandle) -> list[str]:
    return [m.content for m in channel.history() if not m.embeds]


async def count_rows(env: simcord.Env, table: str) -> int:
    row = await bot_of(env).db.fetchone(f"SELECT COUNT(*) FROM {table}")
    assert row is not None
    return int(row[0])


# --------------------------------------------------------------------------- the staff card


@pytest.mark.parametrize(("status", "code"), [*SERVER_ERRORS, *REFUSALS])
async def test_card_post_fails(consult_server: ConsultServer, status: int, code: int) -> None:
    server = consult_server
    path = f"/channels/{server.queue.id}/messages"
    server.env.inject_error("POST", path, status=status, code=code, times=None)

    result = await ask(server, urgency="urgent")

    text = assert_polite(result)
    assert "Your request #1 is in" in text
    assert "988" in text  # urgent: the crisis lines are shown whatever Discord does
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.OPEN
    assert stored.card_message_id is None
    assert stored.problem is not None
    assert stored.problem.startswith("card:")
    assert calls(server.env, "POST", path) == 1  # once, no retry loop
    if status == 403:  # the cache shows nothing missing, so every needed permission is named
        assert any(
            "Discord refused" in n and "View Channel, Send Messages, Embed Links" in n
            for n in notices(server.log)
        )
    listing = await server.staff[0].slash(server.general, "queue list")
    assert "**#1**" in said(listing)
    assert_nothing_pinged(server.env, roles={server.staff_role.id})


async def test_the_members_receipt_fails_but_staff_still_get_the_card(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    shown = await server.member.slash(server.general, "consult")
    server.env.inject_error("POST", "/webhooks/*", status=503, times=None)

    await server.member.submit_modal(shown, {"topic": ["coping"], "urgency": ["urgent"]})

    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.OPEN
    assert len(cards(server)) == 1, "staff never heard of an urgent request"
    server.env.backend.faults.clear()
    status = await server.member.slash(server.general, "consult-status")
    assert "#1" in said(status)
    again = await server.member.slash(server.general, "consult")
    assert again.modal is None  # no second form: the member sees the request they have
    assert "#1" in said(again)
    assert await count_rows(server.env, "consultations") == 1


@pytest.mark.parametrize(("status", "code"), SERVER_ERRORS)
async def test_the_acknowledgement_fails_nothing_half_saved(
    consult_server: ConsultServer, status: int, code: int
) -> None:
    server = consult_server
    shown = await server.member.slash(server.general, "consult")
    server.env.inject_error("POST", "/interactions/*/callback", status=status, times=None)

    await server.member.submit_modal(shown, {"topic": ["coping"], "urgency": ["routine"]})

    assert await count_rows(server.env, "consultations") == 0
    assert cards(server) == []
    server.env.backend.faults.clear()
    result = await ask(server)
    assert "Your request #1 is in" in said(result)


# --------------------------------------------------------------------------- claiming


@pytest.mark.parametrize(("status", "code"), [*SERVER_ERRORS, REFUSALS[0]])
async def test_thread_creation_fails(consult_server: ConsultServer, status: int, code: int) -> None:
    server = consult_server
    await ask(server)
    path = f"/channels/{server.consult.id}/threads"
    server.env.inject_error("POST", path, status=status, code=code, times=None)

    result = await server.staff[0].click(cards(server)[0], label="Claim")

    text = assert_polite(result)
    assert "saved and back in the queue" in text
    if status == 403:
        assert "refused" in text
        assert "Create Private Threads" in text
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.OPEN
    assert stored.claimed_by is None
    assert calls(server.env, "POST", path) == 1
    assert server.consult.threads == []
    server.env.backend.faults.clear()
    again = await server.staff[1].click(card_for(server, 1), label="Claim")
    assert "You claimed request #1" in said(again)
    assert len(server.consult.threads) == 1


@pytest.mark.parametrize(("status", "code"), [*SERVER_ERRORS, REFUSALS[0]])
async def test_adding_people_to_the_thread_fails(
    consult_server: ConsultServer, status: int, code: int
) -> None:
    server = consult_server
    await ask(server)
    server.env.inject_error(
        "PUT", "/channels/*/thread-members/*", status=status, code=code, times=None
    )

    result = await server.staff[0].click(cards(server)[0], label="Claim")

    text = assert_polite(result)
    assert "You claimed request #1" in text
    assert f"add <@{server.member.id}> to the thread" in text  # the claimer is told
    assert len(server.consult.threads) == 1
    # Adding someone is the one call tried again: three times for a 5xx or 429, once for a 403.
    tries = 1 if status == 403 else 3
    assert (
        calls(
            server.env,
            "PUT",
            f"/channels/{the_thread(server).id}/thread-members/{server.member.id}",
        )
        == tries
    )
    server.env.backend.faults.clear()
    done = await server.staff[0].slash(the_thread(server), "ticket close", reason="done")
    assert "Request #1 is closed" in said(done)


async def test_an_unknown_card_message_is_marked_gone(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server)
    card = cards(server)[0]
    server.env.inject_error(
        "PATCH", f"/channels/{server.queue.id}/messages/*", status=404, code=10008, times=None
    )

    result = await server.staff[0].click(card, label="Claim")

    assert "You claimed request #1" in assert_polite(result)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED
    assert stored.card_message_id is None  # marked gone: never edited again
    before = calls(server.env, "PATCH", f"/channels/{server.queue.id}/messages/{card.id}")
    await server.staff[0].slash(the_thread(server), "ticket close", reason="done")
    after = calls(server.env, "PATCH", f"/channels/{server.queue.id}/messages/{card.id}")
    assert after == before


# --------------------------------------------------------------------------- closing


@pytest.mark.parametrize(("status", "code"), [*SERVER_ERRORS, *REFUSALS])
async def test_the_thread_fails_while_closing(
    consult_server: ConsultServer, status: int, code: int
) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)
    before = calls(server.env, "POST", f"/channels/{thread.id}/messages")
    server.env.inject_error(
        "POST", f"/channels/{thread.id}/messages", status=status, code=code, times=None
    )

    done = await server.staff[0].slash(thread, "ticket close", reason="done")

    assert "Request #1 is closed" in assert_polite(done)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLOSED
    assert calls(server.env, "POST", f"/channels/{thread.id}/messages") == before + 1
    assert card_for(server, 1).components == []  # the card shows it closed
    again = await ask(server, server.members[1])
    assert "Your request #2 is in" in said(again)


# --------------------------------------------------------------------------- reminders


@pytest.mark.parametrize(("status", "code"), [*SERVER_ERRORS, REFUSALS[0]])
async def test_a_failing_reminder_does_not_stop_the_loop(
    env: simcord.Env, status: int, code: int
) -> None:
    server = await make_consult_server(env, reminder_minutes=30, urgent_reminder_minutes=10)
    await ask(server, urgency="urgent")
    path = f"/channels/{server.queue.id}/messages"
    env.inject_error("POST", path, status=status, code=code, times=1)

    await env.advance_time(11 * 60)  # the first reminder fails
    assert calls(env, "POST", path) == 2  # the card, then the one failed reminder
    await env.advance_time(10 * 60)  # the next one goes out

    assert any("Still waiting" in m.content for m in server.queue.history())


# --------------------------------------------------------------------------- the safety net


@pytest.mark.parametrize("step", ["reply", "alert"])
@pytest.mark.parametrize(("status", "code"), [SERVER_ERRORS[0], REFUSALS[0]])
async def test_the_safety_net_when_discord_fails(
    tmp_path: Path, step: str, status: int, code: int
) -> None:
    bot = create_bot(make_settings(tmp_path, safety_net=True))
    async with simcord.run(bot) as env:
        server = await make_consult_server(env, safety_enabled=True)
        # The member is reached by DM, or else in the channel; staff in the queue channel.
        dm = server.member.user.dm_channel
        failing = [dm, server.general] if step == "reply" else [server.queue]
        other = server.queue if step == "reply" else dm
        paths = [f"/channels/{channel.id}/messages" for channel in failing]
        for path in paths:
            env.inject_error("POST", path, status=status, code=code, times=None)

        await server.member.send(server.general, "honestly I want to kill myself")

        assert [calls(env, "POST", path) for path in paths] == [1] * len(paths)
        from_bot = [m for m in other.history() if m.author.id == bot.user.id]  # type: ignore[union-attr]
        assert len(from_bot) == 1, "the other half of the safety net still happened"
        await bot.close_database()


# --------------------------------------------------------------------------- cannot DM (50007)


async def test_a_member_who_blocks_dms_gets_the_welcome_in_the_channel(env: simcord.Env) -> None:
    guild = env.create_guild("Group")
    welcome = guild.create_text_channel("welcome")
    await bot_of(env).services.configs.update(
        guild.id, env.now(), welcome_channel_id=welcome.id, welcome_dm=True
    )
    user = env.create_user("private-person")
    env.inject_error(
        "POST",
        f"/channels/{user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )

    guild.add_member(user)
    await env.settle()

    assert calls(env, "POST", f"/channels/{user.dm_channel.id}/messages") == 1
    assert len(welcome.history()) == 1


async def test_meeting_dm_reminders_skip_a_member_who_cannot_be_dmed(env: simcord.Env) -> None:
    import datetime as dt

    guild = env.create_guild("Group")
    meetings = guild.create_text_channel("meetings")
    general = guild.create_text_channel("general")
    await bot_of(env).services.configs.update(
        guild.id, env.now(), meetings_channel_id=meetings.id, meeting_reminder_minutes=15
    )
    closed_user, open_user = env.create_user("closed"), env.create_user("open")
    closed, reachable = guild.add_member(closed_user), guild.add_member(open_user)
    start = env.now() + dt.timedelta(minutes=40)
    event = guild.create_scheduled_event(
        "Morning group",
        start_time=start.isoformat(),
        end_time=(start + dt.timedelta(hours=1)).isoformat(),
        entity_type=3,
        location="Online",
    )
    await env.settle()
    for member in (closed, reachable):
        await member.subscribe_event(event.id)
        await member.slash(general, "meetings", remind="on")
    blocked = f"/channels/{closed_user.dm_channel.id}/messages"
    env.inject_error("POST", blocked, status=403, code=50007, times=None)

    await env.advance_time(30 * 60)
    await env.advance_time(60 * 60)  # and later: no second try, no loop

    assert calls(env, "POST", blocked) == 1
    assert len(open_user.dm_channel.history()) == 1
    assert len(meetings.history()) == 1


# --------------------------------------------------------------------------- the database


async def test_a_locked_database_gives_a_polite_try_again_and_no_partial_rows(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    db = bot_of(server.env).db
    await db.pragma("busy_timeout=50")  # the bot's wait, shortened for the test
    other = sqlite3.connect(db.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock for longer
        result = await ask(server, note="please")
        text = assert_polite(result)
        assert "try again" in text
        assert "nothing was changed" in text
        errors = [getattr(e, "original", e) for e in server.env.errors]
        assert all(isinstance(e, TryAgainError) for e in errors)
    finally:
        other.rollback()
        other.close()
    assert await count_rows(server.env, "consultations") == 0
    assert await count_rows(server.env, "consultation_events") == 0
    assert cards(server) == []
    again = await ask(server, note="please")
    assert "Your request #1 is in" in said(again)


async def _content_commands_still_work(server: ConsultServer) -> None:
    for command, options in (
        ("crisis", {}),
        ("levels", {}),
        ("coping", {}),
        ("relapse", {}),
        ("iop", {}),
        ("support-network", {}),
        ("find-treatment", {}),
        ("withdrawal", {}),
        ("medications", {}),
        ("families", {}),
        ("peer-groups", {}),
        ("mental-health", {}),
        ("help", {}),
    ):
        result = await server.member.slash(server.general, command, **options)
        text = assert_polite(result)
        assert len(text) > 100, (command, text)
    crisis = await server.member.slash(server.general, "crisis")
    assert "988" in said(crisis)


class _FullDisk:
    """A sqlite3 connection on a full disk: every INSERT, UPDATE or DELETE fails as SQLite's."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self._real = real

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            raise sqlite3.OperationalError("database or disk is full")
        return self._real.execute(sql, *args)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)


@pytest.mark.parametrize("how", ["read-only", "disk-full"])
async def test_a_database_that_cannot_be_written(
    consult_server: ConsultServer, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = consult_server
    db = bot_of(server.env).db
    if how == "read-only":
        await db.pragma("query_only=ON")
    else:
        # What SQLite raises when the disk is full, on every statement that writes: the
        # sqlite3 connection aiosqlite's thread uses is wrapped (writes run there in one hop).
        connection = db._connection
        monkeypatch.setattr(connection, "_connection", _FullDisk(connection._conn))

    await _content_commands_still_work(server)
    result = await ask(server)
    text = assert_polite(result)
    assert "nothing was changed" in text
    checkin = await server.member.slash(server.general, "checkin", mood=2, note="hard day")
    assert "nothing was changed" in assert_polite(checkin)
    _ = server.env.errors  # the refusals above were TryAgainError (checked by the fixture)


async def test_a_closed_database_keeps_crisis_and_content_working(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await bot_of(server.env).close_database()

    await _content_commands_still_work(server)
    result = await server.member.slash(server.general, "consult")
    assert result.ephemeral
    assert "988" in said(result)  # "something went wrong … call or text 988 or use /crisis"
    _ = server.env.errors  # that failure was reported politely; acknowledged here
