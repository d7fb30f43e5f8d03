"""The log channel through SimCord: one line for every request that ends, however it ends.

What the line holds: the request number, how it ended, who ended it (a mention that pings no
one) and how long it waited. What it never holds: the member's note or the close reason.
"""

from __future__ import annotations

import logging

import discord
import pytest
import simcord

from bot.bot import SupportBot
from bot.consultations import CloseKind, Status
from cogs.consult._flow import ConsultFlow
from tests.conftest import ConsultServer
from tests.test_consult_member import ask, said, service
from tests.test_consult_staff import card_for, open_and_claim, the_thread

NOTE = "my private worry"
REASON = "talked about the family visit"


def log_lines(server: ConsultServer) -> list[str]:
    return [m.content for m in server.log.history() if m.content.startswith("📁")]


def log_posts(server: ConsultServer) -> list[simcord.HttpLogEntry]:
    return [
        r
        for r in server.env.http_requests
        if r.method == "POST" and r.path == f"/channels/{server.log.id}/messages"
    ]


def flow_of(env: simcord.Env) -> ConsultFlow:
    bot = env.bot
    assert isinstance(bot, SupportBot)
    cog = bot.get_cog("Consult")
    flow = getattr(cog, "flow", None)
    assert isinstance(flow, ConsultFlow)
    return flow


def assert_private_words_absent(server: ConsultServer) -> None:
    for message in server.log.history():
        assert NOTE not in message.content
        assert REASON not in message.content
        assert not message.embeds


async def test_ticket_close_logs_number_closer_and_wait_without_pinging(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await ask(server, note=NOTE)
    await server.env.advance_time(12 * 60)
    await server.staff[0].click(card_for(server, 1), label="Claim")
    await server.env.advance_time(45 * 60)

    done = await server.staff[0].slash(the_thread(server), "ticket close", reason=REASON)

    assert "Request #1 is closed" in said(done)
    assert log_lines(server) == [
        f"📁 Request #1 closed by <@{server.staff[0].id}> · waited 12 min to be claimed"
    ]
    post = log_posts(server)[-1].json
    assert post is not None
    assert post["allowed_mentions"] == {"parse": []}
    logged = server.log.history()[-1]
    stored = server.env.backend.get_message(server.log.id, logged.id)
    assert stored.ping_user_ids == []
    assert_private_words_absent(server)


async def test_the_close_button_logs_too(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server, note=NOTE)
    await server.env.advance_time(50 * 60)

    form = await server.staff[1].click(card_for(server, 1), label="Close")
    assert form.modal is not None
    done = await server.staff[1].submit_modal(form, {"reason": REASON})

    assert "Request #1 is closed" in said(done)
    assert log_lines(server) == [
        f"📁 Request #1 closed by <@{server.staff[1].id}> · waited 50 min, never claimed"
    ]
    assert_private_words_absent(server)


async def test_a_thread_deleted_by_hand_is_logged(consult_server: ConsultServer) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)

    server.env.backend.delete_channel(thread.id)
    await server.env.settle()

    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.close_kind is CloseKind.THREAD_DELETED
    assert log_lines(server) == [
        "📁 Request #1 closed (its private thread was deleted) by someone in Discord "
        "(the server's audit log shows who) · waited under a minute to be claimed"
    ]


async def test_a_card_deleted_by_hand_is_logged(consult_server: ConsultServer) -> None:
    server = consult_server
    mod_role = server.guild.create_role("Mod", permissions=discord.Permissions(administrator=True))
    mod = server.guild.add_member(server.env.create_user("mod"), roles=[mod_role])
    await ask(server)
    await server.env.advance_time(5 * 60)

    await mod.delete(card_for(server, 1))
    await server.env.settle()

    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.close_kind is CloseKind.CARD_DELETED
    assert log_lines(server) == [
        "📁 Request #1 closed (its queue card was deleted) by someone in Discord "
        "(the server's audit log shows who) · waited 5 min, never claimed"
    ]


async def test_a_member_cancelling_is_logged(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server, note=NOTE)
    await server.env.advance_time(4 * 60)
    guild = server.env.bot.get_guild(server.guild.id)
    assert guild is not None

    cancelled = await flow_of(server.env).cancel(guild, server.member.id)

    assert cancelled.status is Status.CANCELLED
    assert log_lines(server) == [
        f"📁 Request #1 cancelled by <@{server.member.id}> (the member) · waited 4 min, "
        "never claimed"
    ]
    assert_private_words_absent(server)


async def test_cancelling_with_the_button_is_logged(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server)

    shown = await server.member.slash(server.general, "consult-cancel")
    assert shown.response is not None
    done = await server.member.click(shown.response, label="Yes, cancel it")

    assert "is cancelled" in said(done)
    assert len(log_lines(server)) == 1


async def test_without_a_log_channel_nothing_is_logged_and_the_close_works(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.configure(log_channel_id=None)
    await open_and_claim(server)

    done = await server.staff[0].slash(the_thread(server), "ticket close", reason=REASON)

    assert "Request #1 is closed" in said(done)
    assert server.log.history() == []
    assert not any("📁" in m.content for m in server.queue.history())


async def test_a_log_channel_the_bot_cannot_post_in_does_not_spoil_the_close(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = consult_server
    await open_and_claim(server)
    server.env.inject_error("POST", f"/channels/{server.log.id}/messages", status=403, code=50013)
    caplog.set_level(logging.WARNING)

    done = await server.staff[0].slash(the_thread(server), "ticket close", reason=REASON)

    assert "Request #1 is closed" in said(done)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLOSED
    assert "consultation.close_log_failed" in caplog.text
    assert REASON not in caplog.text
