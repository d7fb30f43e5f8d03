"""Requests by DM ("Send us a secure message", issue 21), through SimCord: the member asks from
their DM with the bot, staff answer in the usual private thread without the member in it, and
the messages are relayed both ways and never stored."""

from __future__ import annotations

import discord
import pytest
import simcord

from bot.privacy import collect, erase
from tests.conftest import ConsultServer, make_consult_server
from tests.helpers import text_of, the_bot

SENTINEL = "OKAPI-SENTINEL-2291"
"""Words only a relayed message contains: they must never reach the database."""


def from_bot(channel: simcord.ChannelHandle, env: simcord.Env) -> list[discord.Message]:
    me = the_bot(env).user
    assert me is not None
    return [m for m in channel.history() if m.author.id == me.id]


def said(result: simcord.InteractionResult) -> str:
    messages = ([result.response] if result.response else []) + list(result.followups)
    return "\n".join(text_of(m) for m in messages)


def cards(server: ConsultServer) -> list[discord.Message]:
    return [m for m in server.queue.history() if m.embeds and m.embeds[0].title]


async def dm_request(
    server: ConsultServer, member: simcord.MemberActor, *, urgency: str = "soon"
) -> discord.Message:
    """The member writes to the bot, presses Message us privately and picks an urgency: the
    confirmation they get."""
    await member.user.send_dm("hello, is anyone there")
    [answer] = from_bot(member.user.dm_channel, server.env)
    assert "988" in text_of(answer)  # today's crisis answer, kept
    started = await member.user.click(answer, custom_id="dm:start")
    prompt = started.response
    assert prompt is not None
    assert "How soon" in prompt.content
    await member.user.click(
        from_bot(member.user.dm_channel, server.env)[-1],
        custom_id=f"dm:go:{server.guild.id}:0:{urgency}:0",
    )
    confirmation = from_bot(member.user.dm_channel, server.env)[-1]
    assert "Thank you" in confirmation.content  # the prompt became the confirmation
    return confirmation


async def rows(env: simcord.Env, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await the_bot(env).db.fetchall(sql)]


async def test_a_dm_request_end_to_end(consult_server: ConsultServer) -> None:
    server, env = consult_server, consult_server.env
    member, staff = server.member, server.staff[0]

    confirmation = await dm_request(server, member)

    assert "request #1" in text_of(confirmation)
    assert "Recovery Group" in text_of(confirmation)
    assert "988" in text_of(confirmation)  # the crisis lines in the first reply
    assert await rows(
        env,
        "SELECT c.number, c.urgency, l.member_id FROM consultations c "
        "JOIN consult_dm_links l ON l.consultation_id = c.id",
    ) == [(1, "soon", member.id)]
    [card] = cards(server)
    assert "Request #1" in (card.embeds[0].title or "")
    assert "`/reply`" in text_of(card)  # staff see it came by DM

    # Staff claim as usual: a private thread, without the member in it.
    await staff.click(card, label="Claim")
    [thread] = server.consult.threads
    assert thread.history(viewer=staff)
    with pytest.raises(simcord.SetupError):
        thread.history(viewer=member)
    adds = [r for r in env.http_requests if r.method == "PUT" and "/thread-members/" in r.path]
    assert all(str(member.id) not in r.path for r in adds)
    assert "by DM" in thread.history()[0].content
    assert "picked up your request" in text_of(from_bot(member.user.dm_channel, env)[-1])

    # Staff answer with /reply: the member gets it by DM, escaped, no mentions.
    shown = await staff.slash(thread, "reply")
    assert shown.modal is not None
    sent = await staff.submit_modal(shown, {"text": f"Hi **there** @everyone {SENTINEL}"})
    assert "Sent to the member" in said(sent)
    dm = from_bot(member.user.dm_channel, env)[-1]
    assert dm.content.startswith("**Consultant (Recovery Group):**")
    assert "\\*\\*there\\*\\*" in dm.content
    assert SENTINEL in dm.content
    assert SENTINEL in thread.history()[-1].content  # staff see what was sent

    # The member answers in their DM: relayed into the thread, and no crisis auto-answer.
    before = len(from_bot(member.user.dm_channel, env))
    await member.user.send_dm(f"thanks, {SENTINEL} again")
    last = thread.history()[-1]
    assert last.content.startswith("**Member:**")
    assert f"{SENTINEL} again" in last.content
    assert len(from_bot(member.user.dm_channel, env)) == before

    # The member ends it from their DM: both sides are told.
    await member.user.click(confirmation, custom_id="dm:end:1")
    assert await rows(env, "SELECT status FROM consultations") == [("closed",)]
    assert sum("has ended" in m.content for m in from_bot(member.user.dm_channel, env)) == 1
    assert "closed" in "\n".join(m.content.lower() for m in thread.history()[-3:])
    # Nothing the bot sent to the thread could have added the member (a mention would).
    for request in env.http_requests:
        if request.method == "POST" and request.path == f"/channels/{thread.id}/messages":
            assert request.json is not None
            allowed = request.json.get("allowed_mentions") or {}
            assert str(member.id) not in [str(u) for u in allowed.get("users", [])]

    # Nothing of the messages was stored.
    raw = b"".join(p.read_bytes() for p in the_bot(env).settings.database_path.parent.glob("*"))
    assert SENTINEL.encode() not in raw


async def test_staff_close_tells_the_member_and_later_dms_get_the_crisis_answer(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    member, staff = server.member, server.staff[0]
    await dm_request(server, member)
    [card] = cards(server)
    await staff.click(card, label="Claim")

    await staff.slash(server.consult.threads[0], "ticket close", reason="All sorted")

    dms = from_bot(member.user.dm_channel, env)
    assert any("has ended" in m.content for m in dms)
    await env.advance_time(11 * 60)
    await member.user.send_dm("one more thing")
    assert "Message us privately" in str(from_bot(member.user.dm_channel, env)[-1].components)


async def test_the_members_dms_closed_half_way_staff_see_a_clear_line(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    member, staff = server.member, server.staff[0]
    await dm_request(server, member)
    await staff.click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    env.inject_error(
        "POST",
        f"/channels/{member.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )

    shown = await staff.slash(thread, "reply")
    sent = await staff.submit_modal(shown, {"text": "Are you still there?"})

    assert "Not delivered" in said(sent)
    assert "DMs are closed" in said(sent)
    last = thread.history()[-1].content
    assert "Not delivered" in last
    assert "Are you still there?" in last


async def test_a_message_before_anyone_claimed_is_not_silently_dropped(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    member = server.member
    await dm_request(server, member)

    await member.user.send_dm("are you there?")

    last = from_bot(member.user.dm_channel, env)[-1]
    assert "couldn't pass this message on" in text_of(last)
    assert "988" in text_of(last)


async def test_a_dm_that_is_not_a_request_still_gets_the_crisis_answer(env: simcord.Env) -> None:
    await make_consult_server(env)
    user = env.create_user("stranger")

    await user.send_dm("hello")

    [answer] = from_bot(user.dm_channel, env)
    assert "988" in text_of(answer)
    started = await user.click(answer, custom_id="dm:start")
    assert "couldn't find a server we share" in said(started)
    assert await rows(env, "SELECT id FROM consultations") == []


async def test_several_servers_the_member_picks_one(env: simcord.Env) -> None:
    first = await make_consult_server(env)
    second = await make_consult_server(env)
    user = first.member.user
    second.guild.add_member(user)
    await user.send_dm("hi")
    answer = from_bot(user.dm_channel, env)[-1]

    picked = await user.click(answer, custom_id="dm:start")
    assert picked.response is not None
    assert "Which group" in picked.response.content
    menu = from_bot(user.dm_channel, env)[-1]
    await user.select(menu, [str(second.guild.id)], custom_id="dm:server")
    prompt = from_bot(user.dm_channel, env)[-1]
    await user.click(prompt, custom_id=f"dm:go:{second.guild.id}:0:routine:0")

    assert await rows(env, "SELECT guild_id FROM consultations") == [(second.guild.id,)]
    assert cards(second)
    assert not cards(first)


async def test_reply_outside_a_dm_request_is_refused(consult_server: ConsultServer) -> None:
    server = consult_server
    await server.member.slash(server.general, "consult")
    result = await server.staff[0].slash(server.general, "reply")
    assert "private thread" in said(result)


async def test_an_overlong_reply_is_refused_by_the_boundary(consult_server: ConsultServer) -> None:
    server = consult_server
    await dm_request(server, server.member)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    shown = await server.staff[0].slash(thread, "reply")
    sent = await server.staff[0].submit_modal(shown, {"text": "\u200b\u202e \u200b"})
    assert "message" in said(sent).lower()
    assert not any(
        m.content.startswith("**Consultant")
        for m in from_bot(server.member.user.dm_channel, server.env)
    )


async def test_mydata_exports_and_erases_the_dm_link(consult_server: ConsultServer) -> None:
    server, env = consult_server, consult_server.env
    await dm_request(server, server.member)
    bot = the_bot(env)

    collected = await collect(bot.db, bot.cipher, server.member.id, server.guild.id)
    [link] = collected["data"]["consult_dm_links"]["records"]
    assert link["member_id"] == str(server.member.id)
    assert link["dm_channel_id"] == str(server.member.user.dm_channel.id)

    report = await erase(bot.db, server.member.id, server.guild.id)
    assert report.deleted["consult_dm_links"] == 1
    assert await rows(env, "SELECT * FROM consult_dm_links") == []


async def test_a_members_overlong_dm_is_not_passed_on_and_they_are_told(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    await dm_request(server, server.member)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    before = len(thread.history())

    await server.member.user.send_dm("x" * 1801)

    assert len(thread.history()) == before
    assert "longer than I can pass on" in text_of(from_bot(server.member.user.dm_channel, env)[-1])


async def test_a_forged_dm_button_is_out_of_date(consult_server: ConsultServer) -> None:
    server = consult_server
    await dm_request(server, server.member)
    other = server.members[1]
    bot = the_bot(server.env)
    channel = await bot.create_dm(discord.Object(other.id))
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="End", custom_id="dm:end:1"))
    view.add_item(discord.ui.Button(label="Odd", custom_id="dm:what:ever"))
    message = await channel.send("copy", view=view)
    view.stop()

    ended = await other.user.click(message, custom_id="dm:end:1")
    odd = await other.user.click(message, custom_id="dm:what:ever")

    assert "out of date" in said(ended)
    assert "out of date" in said(odd)
    assert await rows(server.env, "SELECT status FROM consultations") == [("open",)]


async def test_a_server_with_types_asks_which_one(consult_server: ConsultServer) -> None:
    server, env = consult_server, consult_server.env
    kind = await the_bot(env).services.consult_types.add(
        server.guild.id,
        name="Family",
        description="For family members",
        staff_role_id=server.staff_role.id,
        now=env.now(),
    )
    user = server.member.user
    await user.send_dm("hi")

    asked = await user.click(from_bot(user.dm_channel, env)[-1], custom_id="dm:start")
    assert asked.response is not None
    assert "What would you like to talk about" in asked.response.content
    await user.select(
        from_bot(user.dm_channel, env)[-1], [str(kind.id)], custom_id=f"dm:type:{server.guild.id}"
    )
    await user.click(
        from_bot(user.dm_channel, env)[-1], custom_id=f"dm:go:{server.guild.id}:{kind.id}:urgent:0"
    )

    assert await rows(env, "SELECT type_id, urgency FROM consultations") == [(kind.id, "urgent")]
    assert "Thank you" in from_bot(user.dm_channel, env)[-1].content


async def test_a_saved_reply_is_refused_in_a_dm_requests_thread(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await dm_request(server, server.member)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    before = len(thread.history())

    result = await server.staff[0].slash(thread, "ticket reply", snippet="welcome")

    assert "`/reply`" in said(result)
    assert len(thread.history()) == before


async def test_the_member_can_type_close_to_end_it(consult_server: ConsultServer) -> None:
    server, env = consult_server, consult_server.env
    await dm_request(server, server.member)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads

    await server.member.user.send_dm("  Close ")

    assert await rows(env, "SELECT status, close_kind FROM consultations") == [
        ("closed", "cancelled")
    ]
    assert any("has ended" in m.content for m in from_bot(server.member.user.dm_channel, env))
    assert not any(m.content.startswith("**Member:**") for m in thread.history())  # not relayed


async def test_the_panels_button_goes_on_in_the_members_dm(consult_server: ConsultServer) -> None:
    server, env = consult_server, consult_server.env
    bot = the_bot(env)
    channel = bot.get_channel(server.general.id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Message us privately", custom_id="dm:start"))
    panel = await channel.send("panel", view=view)
    view.stop()

    pressed = await server.member.click(panel, custom_id="dm:start")

    assert pressed.ephemeral
    assert "sent you a private message" in said(pressed)
    [prompt] = from_bot(server.member.user.dm_channel, env)
    assert "How soon" in prompt.content
    await server.member.user.click(prompt, custom_id=f"dm:go:{server.guild.id}:0:routine:0")
    assert await rows(env, "SELECT l.member_id FROM consult_dm_links l") == [(server.member.id,)]


async def test_the_panels_button_with_dms_closed_says_so(consult_server: ConsultServer) -> None:
    server, env = consult_server, consult_server.env
    env.inject_error(
        "POST",
        f"/channels/{server.member.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )
    channel = the_bot(env).get_channel(server.general.id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Message us privately", custom_id="dm:start"))
    panel = await channel.send("panel", view=view)
    view.stop()

    pressed = await server.member.click(panel, custom_id="dm:start")

    assert "couldn't send you a private message" in said(pressed)
    assert "988" in said(pressed)


@pytest.mark.parametrize(
    "custom_id",
    [
        "dm:go:{guild}:0:bogus:0",  # no such urgency
        "dm:go:{other}:0:soon:0",  # a server the member is not in
        "dm:go:abc:0:soon:0",  # not an id
        "dm:go:{guild}:999:soon:0",  # no such type
        "dm:type:{other}",  # a type menu of another server
        "dm:end:99",  # no such request
    ],
)
async def test_forged_dm_ids_open_nothing(consult_server: ConsultServer, custom_id: str) -> None:
    server, env = consult_server, consult_server.env
    other = await make_consult_server(env)  # set up, but the member isn't in it
    user = server.member.user
    bot = the_bot(env)
    channel = await bot.create_dm(discord.Object(user.id))
    forged = custom_id.format(guild=server.guild.id, other=other.guild.id)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="x", custom_id=forged))
    message = await channel.send("copy", view=view)
    view.stop()

    result = await user.click(message, custom_id=forged)

    assert "out of date" in said(result)
    assert await rows(env, "SELECT id FROM consultations") == []


async def test_a_reply_is_retried_when_discord_fails_once(consult_server: ConsultServer) -> None:
    server, env = consult_server, consult_server.env
    await dm_request(server, server.member)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    env.inject_error(
        "POST", f"/channels/{server.member.user.dm_channel.id}/messages", status=500, times=1
    )

    shown = await server.staff[0].slash(thread, "reply")
    sent = await server.staff[0].submit_modal(shown, {"text": "Still here for you"})

    assert "Sent to the member" in said(sent)
    assert "Still here for you" in from_bot(server.member.user.dm_channel, env)[-1].content


async def test_a_members_message_discord_keeps_refusing_is_not_silently_dropped(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    await dm_request(server, server.member)
    await server.staff[0].click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    env.inject_error("POST", f"/channels/{thread.id}/messages", status=503, times=None)

    await server.member.user.send_dm("is this getting through?")

    told = text_of(from_bot(server.member.user.dm_channel, env)[-1])
    assert "couldn't pass that message on" in told
    assert "988" in told
