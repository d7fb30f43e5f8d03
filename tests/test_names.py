"""Names people recognise (issue 24), through SimCord: where staff must know who someone is
(the staff card, /queue list and stats, /ticket notes, /queue follow-ups, the blocklist) and
where a member must know who is with them (/consult-status), the display name stands beside
the mention, escaped; it never pings anyone, keeps every embed within Discord's limits, and
someone who left the server is said to have left. Names are read from Discord, never stored."""

from __future__ import annotations

import discord
import pytest
import simcord

from cogs._names import LEFT, NAME_SHOWN, Names, person
from tests.conftest import ConsultServer, make_consult_server
from tests.helpers import text_of, the_bot
from tests.test_consult_member import ask, said
from tests.test_consult_staff import card_for, open_and_claim, the_thread
from tests.test_follow_ups_flow import book, claimed_and_closed
from tests.test_oncall import card_posts, field

MARKDOWN = "**bold** _x_ `tick` ~~s~~"
EVERYONE = "@everyone @here Sam"
LONGEST = "W" * 32  # Discord's longest display name
STARS = "*" * 32  # every character escaped: 64 after escaping


async def named_server(
    env: simcord.Env, member_nick: str, staff_nick: str, **config: object
) -> ConsultServer:
    """A server whose first member and first staff member carry these display names."""
    server = await make_consult_server(env, members=0, staff=0, **config)
    server.members.append(server.guild.add_member(env.create_user("m0"), nick=member_nick))
    server.staff.append(
        server.guild.add_member(env.create_user("s0"), roles=[server.staff_role], nick=staff_nick)
    )
    return server


def within_limits(message: discord.Message) -> None:
    for embed in message.embeds:
        assert len(embed) <= 6000
        assert all(len(item.value or "") <= 1024 for item in embed.fields)
        assert len(embed.description or "") <= 4096


def never_pings_everyone(server: ConsultServer) -> None:
    """Every message the bot sent or edited allows no @everyone/@here (and no parsed users)."""
    bodies = [
        r.json
        for r in server.env.http_requests
        if r.method in ("POST", "PATCH")
        and isinstance(r.json, dict)
        and "allowed_mentions" in r.json
    ]
    assert bodies
    for body in bodies:
        allowed = body["allowed_mentions"]
        assert "everyone" not in allowed.get("parse", []), allowed
        assert "users" not in allowed.get("parse", []), allowed


# --------------------------------------------------------------------------- the staff card


async def test_the_card_names_the_member_and_claimer_beside_their_mentions(
    env: simcord.Env,
) -> None:
    server = await named_server(env, "Sam", "Alex")

    await ask(server)
    card = card_for(server, 1)
    assert field(card, "Member") == f"<@{server.member.id}> (Sam)"

    await server.staff[0].click(card, label="Claim")
    claimed = card_for(server, 1)
    assert field(claimed, "Member") == f"<@{server.member.id}> (Sam)"
    assert f"Claimed by <@{server.staff[0].id}> (Alex)" in (claimed.embeds[0].description or "")

    await server.staff[0].slash(the_thread(server), "ticket close", reason="done")
    closed = card_for(server, 1)
    assert f"Closed by <@{server.staff[0].id}> (Alex)" in (closed.embeds[0].description or "")
    # read from Discord when shown: no name is stored
    assert await names_stored(server, "Sam", "Alex") == []


async def names_stored(server: ConsultServer, *names: str) -> list[str]:
    """Every stored text value that contains one of ``names`` (there should be none)."""
    db = the_bot(server.env).db
    found = []
    tables = await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
    for table in tables:
        for row in await db.fetchall(f'SELECT * FROM "{table["name"]}"'):
            for value in tuple(row):
                if isinstance(value, str) and any(name in value for name in names):
                    found.append(f"{table['name']}: {value}")
    return found


@pytest.mark.parametrize("nick", [MARKDOWN, STARS])
async def test_a_name_with_markdown_is_escaped_on_the_card(env: simcord.Env, nick: str) -> None:
    server = await named_server(env, nick, nick)
    await open_and_claim(server)

    card = card_for(server, 1)
    member = field(card, "Member")
    assert member == f"<@{server.member.id}> ({discord.utils.escape_markdown(nick)})"
    assert "\\*\\*bold\\*\\*" in member or nick == STARS
    if nick == MARKDOWN:
        assert "\\_x\\_" in member
        assert "\\`tick\\`" in member
    claimed_by = card.embeds[0].description or ""
    assert discord.utils.escape_markdown(nick) in claimed_by  # whole: 64 characters at most
    within_limits(card)


async def test_a_name_with_everyone_is_defused_and_pings_nobody(env: simcord.Env) -> None:
    server = await named_server(env, EVERYONE, EVERYONE)
    await open_and_claim(server)

    card = card_for(server, 1)
    member = field(card, "Member")
    assert "@everyone" not in member
    assert "@here" not in member
    assert "@\u200beveryone @\u200bhere Sam" in member
    assert "@\u200beveryone" in (card.embeds[0].description or "")
    never_pings_everyone(server)
    for post in card_posts(server):
        assert post["allowed_mentions"].get("everyone") is not True


async def test_the_longest_name_keeps_the_card_within_discords_limits(env: simcord.Env) -> None:
    server = await named_server(env, LONGEST, LONGEST)
    await ask(server, note="n" * 500, preferred="p" * 100)

    card = card_for(server, 1)
    assert field(card, "Member") == f"<@{server.member.id}> ({LONGEST})"
    within_limits(card)
    await server.staff[0].click(card, label="Claim")
    within_limits(card_for(server, 1))


async def test_a_member_who_left_is_shown_as_having_left(env: simcord.Env) -> None:
    server = await named_server(env, "Sam", "Alex")
    await ask(server)
    assert field(card_for(server, 1), "Member") == f"<@{server.member.id}> (Sam)"

    server.guild.remove_member(server.member)
    await server.env.settle()

    card = card_for(server, 1)
    assert field(card, "Member") == f"<@{server.member.id}> ({LEFT})"
    assert "Sam" not in text_of(card)
    listing = said(await server.staff[0].slash(server.queue, "queue list"))
    assert f"<@{server.member.id}> · left the server" in listing  # said once
    assert "Sam" not in listing


async def test_when_discord_cannot_say_the_card_shows_the_mention_alone(
    env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = await named_server(env, "Sam", "Alex")

    async def no_answer(*args: object, **kwargs: object) -> list[discord.Member]:
        raise TimeoutError

    monkeypatch.setattr(discord.Guild, "query_members", no_answer)
    await ask(server)

    assert field(card_for(server, 1), "Member") == f"<@{server.member.id}>"


# --------------------------------------------------------------------------- lists and replies


async def test_queue_list_and_stats_name_the_people(env: simcord.Env) -> None:
    server = await named_server(env, "Sam **b**", "Alex @everyone")
    await ask(server)

    listing = await server.staff[0].slash(server.queue, "queue list")
    assert f"<@{server.member.id}> (Sam \\*\\*b\\*\\*)" in said(listing)

    await server.staff[0].click(card_for(server, 1), label="Claim")
    await server.staff[0].slash(the_thread(server), "ticket close", reason="done")
    stats = await server.staff[0].slash(server.queue, "queue stats")
    assert f"<@{server.staff[0].id}> (Alex @\u200beveryone): 1 claimed, 1 closed" in said(stats)
    never_pings_everyone(server)


async def test_consult_status_names_who_is_with_the_member(env: simcord.Env) -> None:
    server = await named_server(env, "Sam", "Alex _the_ helper")
    await open_and_claim(server)

    status = await server.member.slash(server.general, "consult-status")

    assert status.ephemeral
    assert f"<@{server.staff[0].id}> (Alex \\_the\\_ helper) is with you" in said(status)


async def test_staff_notes_name_their_author(env: simcord.Env) -> None:
    server = await named_server(env, "Sam", "`Alex`")
    await open_and_claim(server)
    thread = the_thread(server)
    await server.staff[0].slash(thread, "ticket note", text="Prefers evenings")

    notes = said(await server.staff[0].slash(thread, "ticket notes"))

    assert f"<@{server.staff[0].id}> (\\`Alex\\`): Prefers evenings" in notes


async def test_the_blocklist_names_who_blocked(env: simcord.Env) -> None:
    server = await named_server(env, "Sam", "Alex")
    role = server.guild.create_role("Leads", permissions=discord.Permissions(manage_guild=True))
    lead = server.guild.add_member(env.create_user("lead"), roles=[role], nick="Lead **Lee**")
    blocked = await lead.slash(server.general, "consult-block add", member=server.member)
    assert "paused" in said(blocked), said(blocked)

    listing = said(await lead.slash(server.general, "consult-block list"))

    assert f"blocked by <@{lead.id}> (Lead \\*\\*Lee\\*\\*)" in listing


# --------------------------------------------------------------------------- the helper


def test_names_escape_and_fall_back() -> None:
    names = Names(
        {1: "**x** [a](https://e.example)", 2: "\u200b\u2066 ", 3: "y" * 100}, frozenset({4})
    )

    assert person(1, names) == "<@1> (\\*\\*x\\*\\* \\[a\\](https://e.example))"
    assert person(2, names) == "<@2>"  # nothing visible: the mention alone
    assert len(person(3, names)) == len("<@3> ()") + NAME_SHOWN
    assert person(4, names) == f"<@4> ({LEFT})"
    assert person(5, names) == "<@5>"
    assert person(5, None) == "<@5>"


async def test_a_member_who_comes_back_is_named_again(env: simcord.Env) -> None:
    server = await named_server(env, "Sam", "Alex")
    await ask(server)
    user = server.member.user
    server.guild.remove_member(server.member)
    await server.env.settle()
    assert field(card_for(server, 1), "Member") == f"<@{user.id}> ({LEFT})"

    server.guild.add_member(user, nick="Sam again")
    await server.env.settle()

    assert field(card_for(server, 1), "Member") == f"<@{user.id}> (Sam again)"


async def test_follow_up_lists_name_the_member_and_the_consultant(env: simcord.Env) -> None:
    server = await named_server(env, "Sam _x_", "Alex `a`")
    await claimed_and_closed(server)
    booked = await book(server, when="in 1 day")
    assert booked.ephemeral

    own = said(await server.staff[0].slash(server.queue, "queue follow-ups"))
    status = said(await server.member.slash(server.general, "consult-status"))

    assert f"<@{server.member.id}> (Sam \\_x\\_) · after request #1" in own
    assert f"with <@{server.staff[0].id}> (Alex \\`a\\`)" in status
    never_pings_everyone(server)
