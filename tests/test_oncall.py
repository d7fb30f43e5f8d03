"""On-call and load caps (issue 19), through SimCord: `/oncall on|off|status`, the cap on
requests one staff member holds (Claim, `/queue next`, `/ticket transfer`), "on call to claim",
whom a new card pings, the card's on-call list, the settings in `/setup`, restarts, the
member's data, leaving the server, and one server's state never counting in another."""

from __future__ import annotations

import json
import logging
from typing import Any

import discord
import pytest
import simcord
from simcord import interactions as simcord_interactions
from simcord.backend import serializers

from bot.consultations import Status
from bot.settings import Settings
from tests.conftest import ConsultServer, add_admin, make_consult_server, restart
from tests.helpers import text_of, the_bot
from tests.test_consult_member import ask, said, service
from tests.test_consult_staff import card_for, cards, stale_copy


async def on_call_ids(server: ConsultServer) -> set[int]:
    rows = await the_bot(server.env).db.fetchall(
        "SELECT staff_id FROM oncall WHERE guild_id = ?", (server.guild.id,)
    )
    return {int(row["staff_id"]) for row in rows}


def lead_of(server: ConsultServer) -> simcord.MemberActor:
    """A staff member who also has Manage Server: exempt from the cap and from on-call."""
    _admin, admin_role = add_admin(server.env, server.guild)
    return server.guild.add_member(
        server.env.create_user("lead"), roles=[server.staff_role, admin_role]
    )


def posts(server: ConsultServer) -> list[dict[str, Any]]:
    """The bodies of the bot's new messages in the queue channel, oldest first."""
    return [
        r.json
        for r in server.env.http_requests
        if r.method == "POST"
        and r.path == f"/channels/{server.queue.id}/messages"
        and isinstance(r.json, dict)
    ]


def card_posts(server: ConsultServer) -> list[dict[str, Any]]:
    """The new queue cards' bodies, oldest first."""
    return [post for post in posts(server) if post.get("embeds")]


def field(message: discord.Message, name_start: str) -> str:
    for item in message.embeds[0].fields:
        if (item.name or "").startswith(name_start):
            return item.value or ""
    raise AssertionError(f"no field {name_start!r} in {[f.name for f in message.embeds[0].fields]}")


async def claim_card(
    server: ConsultServer, staff: simcord.MemberActor, number: int
) -> simcord.InteractionResult:
    return await staff.click(card_for(server, number), label="Claim")


# --------------------------------------------------------------------------- /oncall


async def test_oncall_on_off_and_status(consult_server: ConsultServer, caplog: Any) -> None:
    server = consult_server
    staff = server.staff[0]
    caplog.set_level(logging.INFO)

    on = await staff.slash(server.queue, "oncall on")
    assert on.ephemeral
    assert "You're on call" in said(on)
    assert "no cap" in said(on)
    assert await on_call_ids(server) == {staff.id}
    again = await staff.slash(server.queue, "oncall on")
    assert "already on call" in said(again)
    assert await on_call_ids(server) == {staff.id}

    status = await server.staff[1].slash(server.queue, "oncall status")
    assert status.ephemeral
    text = said(status)
    assert "On call now (1)" in text
    assert f"<@{staff.id}> (staff0) · 0 open" in text
    assert "You are off call" in text
    assert "You hold 0 open requests. This server has no cap per person." in text

    off = await staff.slash(server.queue, "oncall off")
    assert "You're off call" in said(off)
    assert await on_call_ids(server) == set()
    again = await staff.slash(server.queue, "oncall off")
    assert "weren't on call" in said(again)
    nobody = await staff.slash(server.queue, "oncall status")
    assert "Nobody is on call right now" in said(nobody)

    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("oncall.")]
    guild = server.guild.id
    assert lines == [
        f"oncall.on guild={guild} staff={staff.id}",
        f"oncall.off guild={guild} staff={staff.id}",
    ]


async def test_oncall_is_for_staff_only(consult_server: ConsultServer) -> None:
    server = consult_server
    for command in ("oncall on", "oncall off", "oncall status"):
        result = await server.member.slash(server.general, command)
        assert result.ephemeral
        assert "only this server's staff" in said(result)
    assert await on_call_ids(server) == set()


async def test_status_shows_your_own_load_against_the_cap(env: simcord.Env) -> None:
    server = await make_consult_server(env, members=2, claim_cap=3, require_oncall=True)
    await server.staff[0].slash(server.queue, "oncall on")
    await ask(server)
    await claim_card(server, server.staff[0], 1)

    status = await server.staff[0].slash(server.queue, "oncall status")

    text = said(status)
    assert "You are on call since <t:" in text
    assert f"<@{server.staff[0].id}> (staff0) · 1/3 open" in text
    assert "You hold 1 open request; this server's cap is 3 per person." in text
    assert "asks staff to be on call to claim" in text


# --------------------------------------------------------------------------- the cap


async def test_a_claim_at_the_cap_is_refused_with_the_count_and_an_admin_is_exempt(
    env: simcord.Env, caplog: Any
) -> None:
    server = await make_consult_server(env, members=3, claim_cap=1)
    caplog.set_level(logging.INFO)
    staff = server.staff[0]
    for member in server.members:
        await ask(server, member)
    assert "You claimed request #1" in said(await claim_card(server, staff, 1))

    refused = await claim_card(server, staff, 2)

    assert refused.ephemeral
    assert "You have 1 open request, which is this server's cap of 1 per person" in said(refused)
    assert "`/ticket close`" in said(refused)
    assert (await service(env).get_in_guild(server.guild.id, 2)).status is Status.OPEN
    assert len(server.consult.threads) == 1
    assert (
        f"consultation.claim_refused_cap id=2 guild={server.guild.id} staff={staff.id} "
        "count=1 cap=1 transfer=False"
    ) in [r.getMessage() for r in caplog.records]
    # someone else under the cap takes it; the admin is never held back by the cap
    assert "You claimed request #2" in said(await claim_card(server, server.staff[1], 2))
    lead = lead_of(server)
    await ask(server, server.guild.add_member(env.create_user("fourth")))
    assert "You claimed request #3" in said(await claim_card(server, lead, 3))
    assert "You claimed request #4" in said(await claim_card(server, lead, 4))
    held = await the_bot(env).services.oncall.open_claims(server.guild.id, lead.id)
    assert held == 2


async def test_at_the_cap_a_request_someone_else_claimed_still_says_who_has_it(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, members=2, claim_cap=1)
    await ask(server)
    await ask(server, server.members[1])
    await claim_card(server, server.staff[0], 1)
    await claim_card(server, server.staff[1], 2)
    stale = await stale_copy(server, "consult:claim:2")  # as staff0's client still shows it

    late = await server.staff[0].click(stale, custom_id="consult:claim:2")

    assert f"already claimed by <@{server.staff[1].id}>" in said(late)
    assert "cap" not in said(late)


async def test_after_closing_one_the_claimer_is_under_the_cap_again(env: simcord.Env) -> None:
    server = await make_consult_server(env, members=2, claim_cap=1)
    await ask(server)
    await ask(server, server.members[1])
    await claim_card(server, server.staff[0], 1)
    assert "cap" in said(await claim_card(server, server.staff[0], 2))

    thread = server.consult.threads[0]
    await server.staff[0].slash(thread, "ticket close", reason="Talked it through")

    assert "You claimed request #2" in said(await claim_card(server, server.staff[0], 2))


async def burst(
    env: simcord.Env, actor: simcord.MemberActor, clicks: list[tuple[discord.Message, str]]
) -> list[simcord.InteractionResult]:
    """One actor's clicks on several messages, delivered in the same event-loop tick (as
    ``tests.test_consult_staff.burst_clicks`` does for many actors on one message)."""
    backend = env.backend
    records = []
    for message, custom_id in clicks:
        stored = backend.get_message(message.channel.id, message.id)
        record, payload = simcord_interactions.base_payload(
            backend,
            type=3,
            channel_id=message.channel.id,
            guild_id=actor.guild.id,
            user_id=actor.id,
            data={"custom_id": custom_id, "component_type": 2},
        )
        payload["message"] = dict(serializers.message_payload(backend, stored))
        record.source_message_id = stored.id
        backend.emit("INTERACTION_CREATE", payload)
        records.append(record)
    await env.settle()
    return [simcord.InteractionResult(env, record) for record in records]


async def test_two_claims_at_once_one_below_the_cap_exactly_one_wins(env: simcord.Env) -> None:
    server = await make_consult_server(env, members=3, claim_cap=2)
    staff = server.staff[0]
    for member in server.members:
        await ask(server, member)
    await claim_card(server, staff, 1)  # at cap - 1 now

    results = await burst(
        env,
        staff,
        [(card_for(server, 2), "consult:claim:2"), (card_for(server, 3), "consult:claim:3")],
    )

    assert all(r.acknowledged and r.ephemeral for r in results)
    won = [r for r in results if "You claimed request #" in said(r)]
    refused = [r for r in results if "which is this server's cap of 2" in said(r)]
    assert (len(won), len(refused)) == (1, 1)
    assert "You have 2 open requests" in said(refused[0])
    bot = the_bot(env)
    assert await bot.services.oncall.open_claims(server.guild.id, staff.id) == 2
    rows = await bot.db.fetchall(
        "SELECT number, status FROM consultations WHERE guild_id = ? ORDER BY number",
        (server.guild.id,),
    )
    assert sorted(row["status"] for row in rows) == ["claimed", "claimed", "open"]
    assert len(server.consult.threads) == 2


async def test_queue_next_at_the_cap_is_refused_with_the_count(env: simcord.Env) -> None:
    server = await make_consult_server(env, members=2, claim_cap=1)
    await ask(server)
    await ask(server, server.members[1])
    first = await server.staff[0].slash(server.queue, "queue next")
    assert "You claimed request #1" in said(first)

    refused = await server.staff[0].slash(server.queue, "queue next")

    assert refused.ephemeral
    assert "You have 1 open request, which is this server's cap of 1" in said(refused)
    assert (await service(env).get_in_guild(server.guild.id, 2)).status is Status.OPEN
    other = await server.staff[1].slash(server.queue, "queue next")
    assert "You claimed request #2" in said(other)


async def test_a_transfer_to_someone_at_the_cap_is_refused_unless_an_admin_does_it(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, members=2, claim_cap=1)
    await ask(server)
    await ask(server, server.members[1])
    await claim_card(server, server.staff[0], 1)
    await claim_card(server, server.staff[1], 2)
    thread = next(t for t in server.consult.threads if t.name == "request-2")

    refused = await server.staff[1].slash(thread, "ticket transfer", to=server.staff[0])

    assert refused.ephemeral
    assert (
        f"<@{server.staff[0].id}> already has 1 open request, which is this server's cap of 1"
        in said(refused)
    )
    stored = await service(env).get_in_guild(server.guild.id, 2)
    assert stored.claimed_by == server.staff[1].id
    lead = lead_of(server)
    moved = await lead.slash(thread, "ticket transfer", to=server.staff[0])
    assert "is now with" in said(moved)
    stored = await service(env).get_in_guild(server.guild.id, 2)
    assert stored.claimed_by == server.staff[0].id


# --------------------------------------------------------------------------- on call to claim


async def test_require_oncall_refuses_an_off_call_claimer_until_they_go_on_call(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, members=2, require_oncall=True)
    await ask(server)
    staff = server.staff[0]

    refused = await claim_card(server, staff, 1)

    assert refused.ephemeral
    assert "Use `/oncall on`, then try again." in said(refused)
    assert (await service(env).get_in_guild(server.guild.id, 1)).status is Status.OPEN
    assert "/oncall on" in said(await staff.slash(server.queue, "queue next"))
    assert server.consult.threads == []

    await staff.slash(server.queue, "oncall on")
    assert "You claimed request #1" in said(await claim_card(server, staff, 1))
    # an admin claims without being on call
    await ask(server, server.members[1])
    assert "You claimed request #2" in said(await claim_card(server, lead_of(server), 2))


# --------------------------------------------------------------------------- pings


async def test_a_new_request_pings_the_staff_on_call_instead_of_the_role(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.staff[0].slash(server.queue, "oncall on")

    await ask(server)

    post = card_posts(server)[-1]
    mentions = post["allowed_mentions"]
    assert mentions["parse"] == []
    assert [int(u) for u in mentions["users"]] == [server.staff[0].id]
    assert mentions.get("roles", []) == []
    assert f"<@{server.staff[0].id}>" in post["content"]
    assert f"<@{server.staff[1].id}>" not in post["content"]
    assert "<@&" not in post["content"]
    card = cards(server)[-1]
    assert [user.id for user in card.mentions] == [server.staff[0].id]
    assert not card.role_mentions


async def test_with_nobody_on_call_routine_pings_nobody_and_urgent_pings_the_role(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.staff[0].slash(server.queue, "oncall on")
    await server.staff[0].slash(server.queue, "oncall off")

    await ask(server)
    await ask(server, server.members[1], urgency="urgent")

    routine, urgent = card_posts(server)[-2:]
    assert not routine["allowed_mentions"].get("users")
    assert routine["allowed_mentions"].get("roles", []) == []
    assert [int(r) for r in urgent["allowed_mentions"]["roles"]] == [server.staff_role.id]
    assert not urgent["allowed_mentions"].get("users")
    assert urgent["content"].startswith(f"<@&{server.staff_role.id}>")


async def test_an_urgent_request_pings_the_role_and_the_staff_on_call(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.staff[1].slash(server.queue, "oncall on")

    await ask(server, urgency="urgent")

    post = card_posts(server)[-1]
    assert [int(r) for r in post["allowed_mentions"]["roles"]] == [server.staff_role.id]
    assert [int(u) for u in post["allowed_mentions"]["users"]] == [server.staff[1].id]
    assert post["content"].startswith(f"<@&{server.staff_role.id}>")
    assert f"<@{server.staff[1].id}>" in post["content"]
    assert f"<@{server.staff[0].id}>" not in post["content"]
    card = cards(server)[-1]
    assert [role.id for role in card.role_mentions] == [server.staff_role.id]
    assert [user.id for user in card.mentions] == [server.staff[1].id]


async def test_someone_who_lost_the_staff_role_is_not_pinged(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.staff[0].slash(server.queue, "oncall on")
    await server.staff[1].slash(server.queue, "oncall on")
    server.env.backend.remove_member_role(server.guild.id, server.staff[1].id, server.staff_role.id)
    await server.env.settle()

    await ask(server)

    post = card_posts(server)[-1]
    assert [int(u) for u in post["allowed_mentions"]["users"]] == [server.staff[0].id]
    assert "On call (1)" in text_of(cards(server)[-1])


async def test_reminders_ping_the_staff_on_call_and_the_role_only_when_urgent(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, reminder_minutes=30, urgent_reminder_minutes=10)
    await server.staff[0].slash(server.queue, "oncall on")
    await ask(server, urgency="routine")

    def reminders() -> list[dict[str, Any]]:
        return [p for p in posts(server) if "Still waiting" in p.get("content", "")]

    await env.advance_time(31 * 60)
    routine = reminders()[-1]
    assert [int(u) for u in routine["allowed_mentions"]["users"]] == [server.staff[0].id]
    assert routine["allowed_mentions"].get("roles", []) == []
    assert "<@&" not in routine["content"]

    await ask(server, server.members[1], urgency="urgent")
    await env.advance_time(11 * 60)
    urgent = reminders()[-1]
    assert [int(r) for r in urgent["allowed_mentions"]["roles"]] == [server.staff_role.id]
    assert [int(u) for u in urgent["allowed_mentions"]["users"]] == [server.staff[0].id]

    await server.staff[0].slash(server.queue, "oncall off")
    await env.advance_time(31 * 60)
    nobody = reminders()[-1]
    assert [int(r) for r in nobody["allowed_mentions"]["roles"]] == [server.staff_role.id]
    assert not nobody["allowed_mentions"].get("users")


# --------------------------------------------------------------------------- the card


async def test_when_discord_cannot_name_the_on_call_staff_the_card_still_goes_out(
    consult_server: ConsultServer, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    server = consult_server
    await server.staff[0].slash(server.queue, "oncall on")
    caplog.set_level(logging.INFO)

    async def no_answer(*args: object, **kwargs: object) -> list[discord.Member]:
        raise TimeoutError  # the gateway never answered the member lookup

    monkeypatch.setattr(discord.Guild, "query_members", no_answer)

    await ask(server)

    post = card_posts(server)[-1]
    assert [int(u) for u in post["allowed_mentions"]["users"]] == [server.staff[0].id]
    assert field(cards(server)[-1], "On call (1)") == f"<@{server.staff[0].id}> · 0 open"
    assert field(cards(server)[-1], "Member") == f"<@{server.member.id}>"  # mention alone
    # one look-up for the on-call staff member and the card's member
    assert f"oncall.members_unknown guild={server.guild.id} count=2" in [
        r.getMessage() for r in caplog.records
    ]


async def test_the_card_lists_ten_on_call_then_how_many_more(env: simcord.Env) -> None:
    server = await make_consult_server(env, members=1, staff=0)
    names = [f"*helper_{n}* [x](https://e.example) @everyone " + "w" * 40 for n in range(12)]
    team = [
        server.guild.add_member(env.create_user(f"s{n}"), roles=[server.staff_role], nick=name)
        for n, name in enumerate(names)
    ]
    for person in team:
        await person.slash(server.queue, "oncall on")

    await ask(server)

    card = cards(server)[-1]
    listed = field(card, "On call (12)")
    lines = listed.splitlines()
    assert len(lines) == 11
    assert lines[-1] == "+2 more"
    for person in team[:10]:
        assert f"<@{person.id}>" in listed
    for person in team[10:]:
        assert f"<@{person.id}>" not in listed
    assert "\\*helper\\_0\\*" in listed  # the display name, escaped
    assert "[x](" not in listed
    assert "@everyone" not in listed.replace("@\u200beveryone", "")
    assert len(listed) <= 1024
    assert len(card.embeds[0]) <= 6000
    assert f"<@{team[0].id}>" in field(card, "Fewest open requests")
    pinged = [int(u) for u in card_posts(server)[-1]["allowed_mentions"]["users"]]
    assert sorted(pinged) == sorted(person.id for person in team)


async def test_the_card_suggests_whoever_on_call_holds_the_fewest(env: simcord.Env) -> None:
    server = await make_consult_server(env, members=3, staff=3, claim_cap=2)
    await server.staff[0].slash(server.queue, "oncall on")
    await server.staff[1].slash(server.queue, "oncall on")
    await ask(server)
    await claim_card(server, server.staff[0], 1)

    await ask(server, server.members[1])

    card = card_for(server, 2)
    listed = field(card, "On call (2)")
    assert f"<@{server.staff[0].id}> (staff0) · 1/2 open" in listed
    assert f"<@{server.staff[1].id}> (staff1) · 0/2 open" in listed
    assert f"<@{server.staff[2].id}>" not in listed  # not on call
    assert field(card, "Fewest open requests") == (
        f"<@{server.staff[1].id}> (staff1), with no open requests."
    )
    # a claimed card no longer carries the list
    await claim_card(server, server.staff[1], 2)
    claimed = card_for(server, 2)
    assert not [f for f in claimed.embeds[0].fields if (f.name or "").startswith("On call")]
    assert "Fewest" not in text_of(claimed)


async def test_a_card_with_nobody_on_call_says_so(consult_server: ConsultServer) -> None:
    await ask(consult_server)

    assert "Nobody is on call right now" in field(cards(consult_server)[-1], "On call (0)")


# --------------------------------------------------------------------------- settings


async def test_setup_sets_the_cap_and_on_call_rule_and_other_setup_commands_keep_them(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, members=0, staff=0)

    saved = await server.admin.slash(
        server.general, "setup limits", claim_cap=3, require_oncall=True
    )

    assert "Saved." in said(saved)
    shown = said(await server.admin.slash(server.general, "setup show"))
    assert "Cap per staff member: 3 open requests · on call to claim: required" in shown
    await server.admin.slash(server.general, "setup limits", hourly_cap=12)
    await server.admin.slash(server.general, "setup group", welcome_dm=True)
    shown = said(await server.admin.slash(server.general, "setup show"))
    assert "Cap per staff member: 3 open requests · on call to claim: required" in shown
    config = await the_bot(env).services.configs.get(server.guild.id)
    assert (config.claim_cap, config.require_oncall, config.hourly_cap) == (3, True, 12)

    await server.admin.slash(server.general, "setup clear", setting="claim_cap")
    await server.admin.slash(server.general, "setup limits", require_oncall=False)
    shown = said(await server.admin.slash(server.general, "setup show"))
    assert "Cap per staff member: none · on call to claim: not required" in shown


@pytest.mark.parametrize("cap", [0, 51])
async def test_a_cap_outside_one_to_fifty_is_refused(env: simcord.Env, cap: int) -> None:
    server = await make_consult_server(env, members=0, staff=0)

    with pytest.raises((simcord.OptionError, simcord.SetupError)):
        await server.admin.slash(server.general, "setup limits", claim_cap=cap)

    assert (await the_bot(env).services.configs.get(server.guild.id)).claim_cap is None


# --------------------------------------------------------------------------- lifetime


async def test_on_call_and_the_cap_survive_a_restart(env: simcord.Env, settings: Settings) -> None:
    server = await make_consult_server(env, members=3, claim_cap=1)
    await server.staff[0].slash(server.queue, "oncall on")
    await ask(server)
    await claim_card(server, server.staff[0], 1)

    await restart(env, settings)

    status = said(await server.staff[1].slash(server.queue, "oncall status"))
    assert f"<@{server.staff[0].id}> (staff0) · 1/1 open" in status
    await ask(server, server.members[1])
    post = card_posts(server)[-1]
    assert [int(u) for u in post["allowed_mentions"]["users"]] == [server.staff[0].id]
    assert "cap of 1" in said(await claim_card(server, server.staff[0], 2))


async def test_leaving_the_server_takes_you_off_call(consult_server: ConsultServer) -> None:
    server = consult_server
    await server.staff[0].slash(server.queue, "oncall on")
    await server.staff[1].slash(server.queue, "oncall on")

    server.guild.remove_member(server.staff[0])
    await server.env.settle()

    assert await on_call_ids(server) == {server.staff[1].id}


async def test_export_lists_the_on_call_row_and_delete_removes_it(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    staff = server.staff[0]
    await staff.slash(server.queue, "oncall on")

    exported = await staff.slash(server.general, "mydata export")

    message = exported.response
    assert message is not None
    data = json.loads(await message.attachments[0].read())["data"]
    records = data["oncall"]["records"]
    assert [(r["staff_id"], r["guild_id"]) for r in records] == [
        (str(staff.id), str(server.guild.id))
    ]
    assert records[0]["since"].endswith("Z")

    asked = await staff.slash(server.general, "mydata delete")
    assert asked.response is not None
    await staff.click(asked.response, label="Delete my data")
    assert await on_call_ids(server) == set()


async def test_on_call_in_one_server_never_counts_in_another(env: simcord.Env) -> None:
    first = await make_consult_server(env, members=2, claim_cap=1)
    second = await make_consult_server(env, members=2, claim_cap=1)
    user = env.create_user("both")
    here = first.guild.add_member(user, roles=[first.staff_role])
    there = second.guild.add_member(user, roles=[second.staff_role])
    await here.slash(first.queue, "oncall on")
    await ask(first)
    assert "You claimed request #1" in said(await claim_card(first, here, 1))

    status = said(await there.slash(second.queue, "oncall status"))
    assert "Nobody is on call right now" in status
    assert "You hold 0 open requests" in status
    await ask(second)
    post = card_posts(second)[-1]
    assert not post["allowed_mentions"].get("users")
    # the claim held in the first server doesn't count against the cap in the second
    assert "You claimed request #1" in said(await claim_card(second, there, 1))
    assert await on_call_ids(second) == set()
    assert await on_call_ids(first) == {user.id}
