"""A request by DM (issue 21) as things happen around it: its thread deleted, the consultant
gone, the member's edits and deletions."""

from __future__ import annotations

from bot.settings import Settings
from tests.conftest import ConsultServer, restart
from tests.test_dm_requests import cards, dm_request, from_bot, rows


async def test_a_deleted_thread_ends_it_and_the_member_is_told(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    await dm_request(server, server.member)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads

    env.backend.delete_channel(thread.id)
    await env.settle()

    assert await rows(env, "SELECT status, close_kind FROM consultations") == [
        ("closed", "thread_deleted")
    ]
    assert "has ended" in from_bot(server.member.user.dm_channel, env)[-1].content


async def test_when_the_consultant_leaves_the_member_is_told_in_their_dm(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    await dm_request(server, server.member)
    await server.staff[0].click(cards(server)[0], label="Claim")

    server.guild.remove_member(server.staff[0])
    await env.settle()

    assert await rows(env, "SELECT status FROM consultations") == [("open",)]
    assert "back in the queue" in from_bot(server.member.user.dm_channel, env)[-1].content


async def test_edits_and_deletions_reach_staff_as_notes(consult_server: ConsultServer) -> None:
    server, env = consult_server, consult_server.env
    user = server.member.user
    await dm_request(server, server.member)
    early = await user.send_dm("before anyone claimed")  # answered "not passed on"
    await env.advance_time(60)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    sent = await user.send_dm("I feel okay")

    await user.edit(sent, "I feel okay, mostly")
    await env.settle()
    assert "edited a message" in thread.history()[-1].content
    assert "I feel okay, mostly" in thread.history()[-1].content

    await user.delete(sent)
    await env.settle()
    assert "deleted a message" in thread.history()[-1].content

    count = len(thread.history())
    await user.edit(early, "changed early")
    await env.settle()
    assert len(thread.history()) == count  # written before the claim: never relayed, no note


async def test_messages_written_while_the_bot_was_down_are_caught_up_once(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server, env = consult_server, consult_server.env
    user = server.member.user
    await dm_request(server, server.member)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    await env.advance_time(5)
    await user.send_dm("before the restart")
    env.backend.create_message(user.dm_channel.id, user.id, "while you were down", broadcast=False)
    env.backend.create_message(user.dm_channel.id, user.id, "and this too", broadcast=False)

    await restart(env, settings)
    await env.settle()

    relayed = [m.content for m in thread.history() if m.content.startswith("**Member:**")]
    assert relayed == [
        "**Member:** before the restart",
        "**Member:** while you were down",
        "**Member:** and this too",
    ]
    await restart(env, settings)  # a second start-up relays nothing again
    await env.settle()
    assert len([m for m in thread.history() if m.content.startswith("**Member:**")]) == 3
