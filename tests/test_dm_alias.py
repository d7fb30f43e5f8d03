"""A request by DM under "Keep my name from the consultant" (issue 21), through SimCord: staff
see a per-request alias, never the member's name, mention or id, in anything the bot sends to
a staff channel or answers a staff member with; a staff lead's reveal; and one open
conversation by DM at a time."""

from __future__ import annotations

import discord
import simcord

from tests.conftest import ConsultServer, make_consult_server
from tests.helpers import text_of, the_bot
from tests.test_dm_requests import cards, dm_request, from_bot, rows, said

SECRET = "TAPIR-REASON-5521"


async def ask_under_alias(server: ConsultServer) -> str:
    """The member asks by DM with their name kept from the consultant: the alias."""
    env, user = server.env, server.member.user
    await user.send_dm("hi")
    await user.click(from_bot(user.dm_channel, env)[-1], custom_id="dm:start")
    prompt = from_bot(user.dm_channel, env)[-1]
    await user.click(prompt, custom_id=f"dm:name:{server.guild.id}:0:0")  # turn it on
    prompt = from_bot(user.dm_channel, env)[-1]
    assert "Keep my name from the consultant: on" in str(prompt.components)
    await user.click(prompt, custom_id=f"dm:go:{server.guild.id}:0:soon:1")
    alias = the_bot(env).cipher.alias(1)
    assert alias.startswith("Member ")
    assert alias in from_bot(user.dm_channel, env)[-1].content  # they know how staff see them
    return alias


def leaks(server: ConsultServer, requests: list[simcord.HttpRequest]) -> list[str]:
    """The requests (not to the member's own DM) whose body or path names the member."""
    member = server.member
    secrets = {str(member.id), member.name, member.user.name}
    dm = f"/channels/{member.user.dm_channel.id}/"
    found = []
    for request in requests:
        if request.path.startswith(dm) or request.method == "GET":
            continue
        if request.path == "/users/@me/channels":  # opening the member's DM, for the bot only
            continue
        body = repr(request.json) + request.path
        found += [f"{request.method} {request.path}" for s in secrets if s in body]
    return found


async def test_staff_see_only_the_alias_from_card_to_close(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    staff, user = server.staff[0], server.member.user
    alias = await ask_under_alias(server)
    since = len(env.http_requests)  # from here on, only what staff see and do

    [card] = cards(server)
    assert alias in text_of(card)
    await staff.click(card, label="Claim")
    [thread] = server.consult.threads
    assert alias in thread.history()[0].content
    await staff.slash(server.queue, "queue list")
    shown = await staff.slash(thread, "reply")
    await staff.submit_modal(shown, {"text": "Hello, I'm here"})
    await user.send_dm("thank you")
    assert thread.history()[-1].content.startswith(f"**{alias}:**")
    await staff.slash(thread, "ticket close", reason="All sorted")

    sent = env.http_requests[since:]
    to_staff = [
        r
        for r in sent
        if r.method != "GET" and not r.path.startswith("/channels/" + str(user.dm_channel.id))
    ]
    assert len(to_staff) >= 8  # card, its edits, the thread, its opening, relays, replies, close
    assert leaks(server, sent) == []
    assert await rows(env, "SELECT pseudonymous FROM consult_dm_links") == [(1,)]


async def test_the_members_own_close_names_only_the_alias(consult_server: ConsultServer) -> None:
    server, env = consult_server, consult_server.env
    alias = await ask_under_alias(server)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    since = len(env.http_requests)

    await server.member.user.send_dm("close")

    assert await rows(env, "SELECT status FROM consultations") == [("closed",)]
    assert any(alias in m.content for m in thread.history())
    assert any(alias in m.content for m in server.log.history())
    assert leaks(server, env.http_requests[since:]) == []


async def test_the_alias_is_stable_and_differs_between_requests(
    consult_server: ConsultServer,
) -> None:
    cipher = the_bot(consult_server.env).cipher
    assert cipher.alias(1) == cipher.alias(1)
    assert len({cipher.alias(n) for n in range(1, 50)}) > 45


async def test_a_staff_lead_can_reveal_with_a_reason_and_it_is_logged_without_it(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    alias = await ask_under_alias(server)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    lead_role = server.guild.create_role("Lead", permissions=discord.Permissions(manage_guild=True))
    lead = server.guild.add_member(env.create_user("lead"), roles=[server.staff_role, lead_role])

    refused = await server.staff[1].slash(thread, "ticket reveal", reason="curious")
    assert "Manage Server" in said(refused)
    assert str(server.member.id) not in said(refused)
    blank = await lead.slash(thread, "ticket reveal", reason="\u200b\u202e")
    assert "reason" in said(blank).lower()
    assert str(server.member.id) not in said(blank)

    shown = await lead.slash(thread, "ticket reveal", reason=f"Risk to life {SECRET}")

    assert shown.ephemeral
    assert f"<@{server.member.id}>" in said(shown)
    notice = thread.history()[-1]
    assert f"<@{server.staff[0].id}>" in notice.content  # the claimer is told
    assert SECRET in notice.content
    assert str(server.member.id) not in notice.content
    [line] = [m for m in server.log.history() if "reveal" in m.content]
    assert alias in line.content
    assert f"<@{lead.id}>" in line.content
    assert SECRET not in line.content


async def test_reveal_on_a_named_request_is_refused(consult_server: ConsultServer) -> None:
    server, env = consult_server, consult_server.env
    await dm_request(server, server.member)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    lead_role = server.guild.create_role("Lead", permissions=discord.Permissions(manage_guild=True))
    lead = server.guild.add_member(env.create_user("lead"), roles=[server.staff_role, lead_role])

    result = await lead.slash(thread, "ticket reveal", reason="why not")

    assert "isn't under an alias" in said(result)


async def test_one_open_conversation_by_dm_at_a_time(env: simcord.Env) -> None:
    first = await make_consult_server(env)
    second = await make_consult_server(env)
    user = first.member.user
    second.guild.add_member(user)
    await user.send_dm("hi")
    await user.click(from_bot(user.dm_channel, env)[-1], custom_id="dm:start")
    await user.select(
        from_bot(user.dm_channel, env)[-1], [str(first.guild.id)], custom_id="dm:server"
    )
    await user.click(
        from_bot(user.dm_channel, env)[-1], custom_id=f"dm:go:{first.guild.id}:0:soon:0"
    )
    await user.click(from_bot(user.dm_channel, env)[0], custom_id="dm:start")
    await user.select(
        from_bot(user.dm_channel, env)[-1], [str(second.guild.id)], custom_id="dm:server"
    )

    again = await user.click(
        from_bot(user.dm_channel, env)[-1], custom_id=f"dm:go:{second.guild.id}:0:soon:0"
    )

    assert "already have a private conversation open" in said(again)
    assert "988" in said(again)
    assert await rows(env, "SELECT guild_id FROM consultations") == [(first.guild.id,)]
