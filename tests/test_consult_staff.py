"""The staff side of the consultation queue, through SimCord: cards, claims, threads, /ticket,
/queue and the reminder loop."""

from __future__ import annotations

import re

import discord
import pytest
import simcord
from simcord import interactions as simcord_interactions
from simcord.backend import serializers

from bot.bot import SupportBot
from bot.consultations import Status, Topic, Urgency
from cogs.consult._flow import ConsultFlow
from tests.conftest import ConsultServer, make_consult_server
from tests.test_consult_member import ask, said, service, text_of


def cards(server: ConsultServer) -> list[discord.Message]:
    return [m for m in server.queue.history() if m.embeds and m.embeds[0].title]


def card_for(server: ConsultServer, number: int) -> discord.Message:
    return next(m for m in cards(server) if f"Request #{number} " in (m.embeds[0].title or ""))


def button_ids(message: discord.Message | simcord.ResponseMessage) -> list[str]:
    rows = message.components
    found: list[str] = []
    for row in rows:
        children = row.get("components", []) if isinstance(row, dict) else row.children
        for child in children:
            custom_id = child.get("custom_id") if isinstance(child, dict) else child.custom_id
            if custom_id:
                found.append(custom_id)
    return found


async def stale_copy(server: ConsultServer, custom_id: str) -> discord.Message:
    """A message in the queue channel carrying an (old) card button."""
    bot = server.env.bot
    assert isinstance(bot, SupportBot)
    channel = bot.get_channel(server.queue.id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Claim", custom_id=custom_id))
    message = await channel.send("an older copy of the card", view=view)
    view.stop()
    return message


async def open_and_claim(
    server: ConsultServer, *, staff: int = 0, member: int = 0, urgency: str = "routine"
) -> tuple[discord.Message, simcord.InteractionResult]:
    await ask(server, server.members[member], urgency=urgency, note="I'd like to talk")
    card = cards(server)[-1]
    result = await server.staff[staff].click(card, label="Claim")
    return card, result


def the_thread(server: ConsultServer) -> simcord.ChannelHandle:
    threads = server.consult.threads
    assert len(threads) == 1, threads
    return threads[0]


async def test_claim_makes_a_private_thread_with_member_and_claimer(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    _card, result = await open_and_claim(server)

    assert result.ephemeral
    assert "You claimed request #1" in said(result)
    thread = the_thread(server)
    assert f"<#{thread.id}>" in said(result)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED
    assert stored.claimed_by == server.staff[0].id
    assert stored.thread_id == thread.id
    create = next(
        r
        for r in server.env.http_requests
        if r.method == "POST" and r.path == f"/channels/{server.consult.id}/threads"
    )
    assert create.json is not None
    assert create.json["type"] == discord.ChannelType.private_thread.value
    assert create.json["invitable"] is False
    assert create.json["name"] == "request-1"
    opening = thread.history()[0]
    assert f"<@{server.member.id}>" in opening.content
    assert f"<@{server.staff[0].id}>" in opening.content
    assert "I'd like to talk" in opening.content
    assert "not an emergency service" in opening.content
    # the member and the claimer can read it; another member cannot
    assert thread.history(viewer=server.member)
    assert thread.history(viewer=server.staff[0])
    with pytest.raises(simcord.SetupError):
        thread.history(viewer=server.members[1])
    updated = card_for(server, 1)
    assert f"Claimed by <@{server.staff[0].id}>" in (updated.embeds[0].description or "")
    assert button_ids(updated) == ["consult:release:1", "consult:close:1"]


async def test_twenty_staff_clicking_claim_one_after_another(env: simcord.Env) -> None:
    server = await make_consult_server(env, staff=20)
    await ask(server)
    # What each staff member's client still shows: the card as it was before anyone claimed.
    stale = await stale_copy(server, "consult:claim:1")

    results = [await staff.click(stale, label="Claim") for staff in server.staff]

    winners = [r for r in results if "You claimed request #1" in said(r)]
    losers = [r for r in results if "already claimed by" in said(r)]
    assert len(winners) == 1
    assert len(losers) == 19
    assert all(f"<@{server.staff[0].id}>" in said(r) for r in losers)
    assert all(r.ephemeral for r in results)
    assert len(server.consult.threads) == 1


async def burst_clicks(
    env: simcord.Env, actors: list[simcord.MemberActor], message: discord.Message, custom_id: str
) -> list[simcord.InteractionResult]:
    """Deliver one click per actor in the same event-loop tick, then let the bot settle.

    SimCord's public verbs refuse to overlap (each settles before returning), so this builds
    the same INTERACTION_CREATE payloads its click verb builds and emits them back to back.
    """
    backend = env.backend
    stored = backend.get_message(message.channel.id, message.id)
    records = []
    for actor in actors:
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


async def test_twenty_staff_clicking_claim_in_the_same_tick(env: simcord.Env) -> None:
    server = await make_consult_server(env, staff=20)
    await ask(server)
    card = cards(server)[0]

    results = await burst_clicks(env, server.staff, card, "consult:claim:1")

    assert all(r.acknowledged for r in results)
    winners = [r for r in results if "You claimed request #1" in said(r)]
    losers = [r for r in results if "already claimed by" in said(r)]
    assert len(winners) == 1
    assert len(losers) == 19
    winner_id = (await service(env).get_in_guild(server.guild.id, 1)).claimed_by
    assert all(f"<@{winner_id}>" in said(r) for r in losers)
    assert len(server.consult.threads) == 1
    bot = env.bot
    assert isinstance(bot, SupportBot)
    events = await bot.db.fetchall("SELECT kind FROM consultation_events WHERE kind = 'claimed'")
    assert len(events) == 1


async def test_a_non_staff_click_on_claim_is_refused_and_changes_nothing(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await ask(server)
    bot = server.env.bot
    assert isinstance(bot, SupportBot)
    # A card button reachable by a non-staff member (e.g. a queue channel that leaks).
    channel = bot.get_channel(server.general.id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Claim", custom_id="consult:claim:1"))
    leaked = await channel.send("leaked card", view=view)
    view.stop()

    for outsider in (server.members[1], server.admin):
        result = await outsider.click(leaked, label="Claim")
        assert result.ephemeral
        assert "only this server's staff" in said(result)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.OPEN
    assert server.consult.threads == []


@pytest.mark.parametrize(
    "custom_id",
    [
        "consult:claim:abc",
        "consult:claim:999999999999999999999",
        "consult:claim:424242",
        "consult:claim:",
        "consult:release:-1",
        "consult:close:1x",
        "consult:queue:nope",
        "consult:frobnicate:1",
        "consult:start:sometimes",
        "consult:cancel-yes:0",
    ],
)
async def test_stale_or_forged_buttons_are_out_of_date(
    consult_server: ConsultServer, custom_id: str
) -> None:
    server = consult_server
    bot = server.env.bot
    assert isinstance(bot, SupportBot)
    channel = bot.get_channel(server.queue.id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Old", custom_id=custom_id))
    old = await channel.send("an old card", view=view)
    view.stop()

    result = await server.staff[0].click(old, label="Old")

    assert result.ephemeral
    assert "out of date" in said(result)
    assert server.env.errors == []


async def test_a_button_with_another_servers_request_is_out_of_date(env: simcord.Env) -> None:
    first = await make_consult_server(env)
    await ask(first)
    other_guild = env.create_guild("Other")
    other_role = other_guild.create_role("Staff")
    other_channel = other_guild.create_text_channel("queue")
    other_staff = other_guild.add_member(env.create_user("otherstaff"), roles=[other_role])
    bot = env.bot
    assert isinstance(bot, SupportBot)

    await bot.services.configs.update(
        other_guild.id,
        env.now(),
        staff_role_id=other_role.id,
        queue_channel_id=other_channel.id,
        consult_channel_id=other_channel.id,
    )
    channel = bot.get_channel(other_channel.id)
    assert isinstance(channel, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="Claim", custom_id="consult:claim:1"))
    forged = await channel.send("forged", view=view)
    view.stop()

    result = await other_staff.click(forged, label="Claim")

    assert "out of date" in said(result)
    assert (await service(env).get_in_guild(first.guild.id, 1)).status is Status.OPEN


async def test_urgent_cards_ping_only_the_staff_role(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server, note="@everyone <@&1> hello", urgency="urgent")

    post = next(
        r
        for r in server.env.http_requests
        if r.method == "POST" and r.path == f"/channels/{server.queue.id}/messages"
    )
    assert post.json is not None
    mentions = post.json["allowed_mentions"]
    assert mentions["parse"] == []
    assert mentions["roles"] == [server.staff_role.id]
    assert not mentions.get("users")
    assert post.json["content"].startswith(f"<@&{server.staff_role.id}>")
    card = cards(server)[0]
    assert card.role_mentions
    assert card.role_mentions[0].id == server.staff_role.id
    assert not card.mention_everyone

    await ask(server, server.members[1], urgency="soon")
    routine_post = [
        r
        for r in server.env.http_requests
        if r.method == "POST" and r.path == f"/channels/{server.queue.id}/messages"
    ][-1]
    assert routine_post.json is not None
    assert routine_post.json["allowed_mentions"].get("roles", []) == []
    assert "<@&" not in routine_post.json["content"]


async def test_ticket_close_tells_the_member_and_locks_the_thread(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)

    result = await server.staff[0].slash(thread, "ticket close", reason="**Talked it** through")

    assert result.ephemeral
    assert "Request #1 is closed" in said(result)
    closing = thread.history()[-1]
    assert f"<@{server.member.id}>" in closing.content
    assert "/consult" in closing.content
    assert "/crisis" in closing.content
    assert "\\*\\*Talked it\\*\\*" in closing.content
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLOSED
    assert stored.close_reason == "**Talked it** through"
    bot = server.env.bot
    assert isinstance(bot, SupportBot)
    edits = [
        r.json
        for r in server.env.http_requests
        if r.method == "PATCH" and r.path == f"/channels/{thread.id}"
    ]
    assert {"archived": True, "locked": True}.items() <= (edits[-1] or {}).items()
    card = card_for(server, 1)
    assert "Closed by" in (card.embeds[0].description or "")
    assert button_ids(card) == []

    again = await server.staff[0].slash(server.queue, "ticket close", reason="again")
    assert "inside a consultation's private thread" in said(again)


async def test_close_from_the_card_asks_for_a_reason(consult_server: ConsultServer) -> None:
    server = consult_server
    card, _ = await open_and_claim(server)
    card = card_for(server, 1)

    form = await server.staff[1].click(card, label="Close")
    assert form.modal is not None
    done = await server.staff[1].submit_modal(form, {"reason": "Duplicate request"})

    assert "Request #1 is closed" in said(done)
    assert "Duplicate request" in the_thread(server).history()[-1].content
    closed_card = card_for(server, 1)
    assert button_ids(closed_card) == []


async def test_release_keeps_the_place_and_only_the_claimer_or_an_admin_may(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, members=3)
    await ask(server, server.members[0])
    await ask(server, server.members[1])
    first_card = cards(server)[0]
    await server.staff[0].click(first_card, label="Claim")
    thread = the_thread(server)

    refused = await server.staff[1].slash(thread, "ticket release")
    assert "Only <@" in said(refused)

    released = await server.staff[0].slash(thread, "ticket release")
    assert "back in the queue" in said(released)
    assert "back in the queue" in thread.history()[-1].content
    listing = await server.staff[1].slash(server.queue, "queue list")
    text = said(listing)
    assert text.index("**#1**") < text.index("**#2**")
    card = card_for(server, 1)
    assert button_ids(card) == ["consult:claim:1", "consult:close:1"]

    # claimed again by someone else: same thread, the new staff member is added
    await server.staff[1].click(card, label="Claim")
    assert len(server.consult.threads) == 1
    assert f"<@{server.staff[1].id}>" in thread.history()[-1].content
    assert thread.history(viewer=server.staff[1])


async def test_transfer_to_another_staff_member(consult_server: ConsultServer) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)

    not_staff = await server.staff[0].slash(thread, "ticket transfer", to=server.members[1])
    assert "isn't on the staff team" in said(not_staff)

    moved = await server.staff[0].slash(thread, "ticket transfer", to=server.staff[1])

    assert "is now with" in said(moved)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.claimed_by == server.staff[1].id
    assert thread.history(viewer=server.staff[1])
    assert f"<@{server.staff[1].id}>" in thread.history()[-1].content
    card = card_for(server, 1)
    assert f"Claimed by <@{server.staff[1].id}>" in (card.embeds[0].description or "")


async def test_refusals_name_the_staff_member_by_mention(consult_server: ConsultServer) -> None:
    """The domain refuses with ids; what staff read names the claimer (or target) by mention."""
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)
    first = server.staff[0].id

    to_self = await server.staff[0].slash(thread, "ticket transfer", to=server.staff[0])
    stale = await stale_copy(server, "consult:claim:1")
    claim_again = await server.staff[1].click(stale, label="Claim")

    assert said(to_self).strip() == f"<@{first}> already has request #1."
    assert said(claim_again).strip() == f"Request #1 was already claimed by <@{first}>."


async def test_staff_notes_are_private_and_encrypted(consult_server: ConsultServer) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)

    saved = await server.staff[0].slash(thread, "ticket note", text="Prefers evenings SENTINEL")
    assert saved.ephemeral
    assert "Only staff can see it" in said(saved)
    notes = await server.staff[1].slash(thread, "ticket notes")
    assert notes.ephemeral
    assert "Prefers evenings SENTINEL" in said(notes)
    member_try = await server.member.slash(thread, "ticket notes")
    assert "only this server's staff" in said(member_try)
    assert "SENTINEL" not in said(member_try)
    assert all("SENTINEL" not in m.content for m in thread.history())
    bot = server.env.bot
    assert isinstance(bot, SupportBot)
    assert b"SENTINEL" not in bot.db.path.read_bytes()


@pytest.mark.parametrize("count", [0, 1, 25, 26, 500])
async def test_queue_list_pages_stay_within_discord_limits(env: simcord.Env, count: int) -> None:
    server = await make_consult_server(env, hourly_cap=1000)
    bot = env.bot
    assert isinstance(bot, SupportBot)
    config = await server.configure()
    svc = service(env)
    for n in range(count):
        await svc.create(
            guild_id=server.guild.id,
            member_id=10_000 + n,
            topic=Topic.OTHER,
            urgency=Urgency.URGENT if n % 7 == 0 else Urgency.ROUTINE,
            now=env.now(),
            config=config,
            note="x" * 500,
        )

    result = await server.staff[0].slash(server.queue, "queue list")

    assert result.ephemeral
    assert result.response is not None
    pages = max(1, -(-count // 10))
    seen: list[int] = []
    message: simcord.ResponseMessage = result.response
    for page in range(pages):
        embed = message.embeds[0]
        assert len(embed) <= 6000
        assert len(embed.description or "") <= 4096
        numbers = [int(n) for n in re.findall(r"\*\*#(\d+)\*\*", embed.description or "")]
        assert len(numbers) == min(10, count - page * 10)
        seen += numbers
        if count == 0:
            assert "Nobody is waiting" in (embed.description or "")
        if pages == 1:
            assert message.components == []
            break
        assert len(button_ids(message)) == 2
        if page < pages - 1:
            clicked = await server.staff[0].click(message, label="Next")
            assert clicked.response is not None
            message = clicked.response
    assert len(seen) == count
    assert len(set(seen)) == count
    if count:
        urgent = {n + 1 for n in range(count) if n % 7 == 0}
        assert set(seen[: len(urgent)]) == urgent


async def test_queue_next_claims_the_most_urgent(env: simcord.Env) -> None:
    server = await make_consult_server(env, members=3)
    await ask(server, server.members[0], urgency="routine")
    await ask(server, server.members[1], urgency="urgent")
    await ask(server, server.members[2], urgency="soon")

    first = await server.staff[0].slash(server.queue, "queue next")
    second = await server.staff[1].slash(server.queue, "queue next")

    assert "You claimed request #2" in said(first)
    assert "You claimed request #3" in said(second)
    assert len(server.consult.threads) == 2
    await server.staff[0].slash(server.queue, "queue next")
    empty = await server.staff[0].slash(server.queue, "queue next")
    assert "Nobody is waiting" in said(empty)


async def test_queue_stats(consult_server: ConsultServer) -> None:
    server = consult_server
    await open_and_claim(server)
    await server.staff[0].slash(the_thread(server), "ticket close", reason="done")
    await ask(server, server.members[1])

    before = len(server.env.http_requests)

    result = await server.staff[0].slash(server.queue, "queue stats")

    text = said(result)
    assert result.ephemeral
    callbacks = [r.json for r in server.env.http_requests[before:] if r.path.endswith("/callback")]
    assert len(callbacks) == 1
    assert callbacks[0] is not None
    assert callbacks[0]["type"] == 5  # deferred: a message will follow
    assert callbacks[0]["data"]["flags"] & discord.MessageFlags.ephemeral.flag
    assert "Waiting 1" in text
    assert "Closed today 1" in text
    assert f"<@{server.staff[0].id}> (staff0): 1 claimed, 1 closed" in text


async def test_staff_commands_check_the_role_at_run_time(env: simcord.Env) -> None:
    server = await make_consult_server(env, configure=False)
    before = await server.staff[0].slash(server.general, "queue list")
    assert "an admin needs to run `/setup`" in said(before)

    await server.configure(
        staff_role_id=server.staff_role.id,
        queue_channel_id=server.queue.id,
        consult_channel_id=server.consult.id,
    )
    for command in ("queue list", "queue next", "queue stats", "ticket notes", "ticket release"):
        result = await server.member.slash(server.general, command)
        assert result.ephemeral
        assert "only this server's staff" in said(result), command
        manager = await server.admin.slash(server.general, command)
        assert "only this server's staff" in said(manager), command


async def test_reminders_re_ping_staff_once_per_interval(env: simcord.Env) -> None:
    server = await make_consult_server(env, reminder_minutes=30, urgent_reminder_minutes=10)
    await ask(server, server.members[0], urgency="routine")
    await ask(server, server.members[1], urgency="urgent")

    def reminders() -> list[discord.Message]:
        return [m for m in server.queue.history() if "Still waiting" in m.content]

    await env.advance_time(9 * 60)
    assert reminders() == []
    await env.advance_time(2 * 60)
    assert len(reminders()) == 1
    assert "#2" in reminders()[0].content
    assert "#1" not in reminders()[0].content
    await env.advance_time(5 * 60)
    assert len(reminders()) == 1  # not again within the interval
    await env.advance_time(5 * 60)
    assert len(reminders()) == 2  # urgent: every 10 minutes
    assert "#1" not in reminders()[-1].content
    await env.advance_time(10 * 60)
    latest = reminders()
    assert len(latest) == 3  # routine joins at 30 minutes, in the same message
    assert "#1" in latest[-1].content
    assert "#2" in latest[-1].content
    post = [
        r
        for r in env.http_requests
        if r.method == "POST"
        and r.path == f"/channels/{server.queue.id}/messages"
        and "Still waiting" in str(r.json)
    ][-1]
    assert post.json is not None
    assert post.json["allowed_mentions"]["roles"] == [server.staff_role.id]
    assert post.json["allowed_mentions"]["parse"] == []

    card = cards(server)[0]
    await server.staff[0].click(card, label="Claim")
    await env.advance_time(60 * 60)
    assert "#1" not in reminders()[-1].content
    assert text_of(card.embeds)


async def test_the_safety_net_can_open_an_urgent_request_for_a_member(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    bot = server.env.bot
    assert isinstance(bot, SupportBot)
    cog = bot.get_cog("Consult")
    guild = bot.get_guild(server.guild.id)
    assert cog is not None
    assert guild is not None

    opened = await cog.flow.open_for_member(guild, server.member.id)  # type: ignore[attr-defined]
    again = await cog.flow.open_for_member(guild, server.member.id)  # type: ignore[attr-defined]
    await server.env.settle()

    assert opened is not None
    assert opened.urgency is Urgency.URGENT
    assert opened.topic is Topic.CRISIS
    assert again.id == opened.id
    card = cards(server)[0]
    assert card.content.startswith(f"<@&{server.staff_role.id}>")
    assert len(cards(server)) == 1


async def test_a_card_claimed_before_it_was_saved_is_brought_up_to_date(
    consult_server: ConsultServer,
) -> None:
    """Staff can claim a request (``/queue next``) while its card is on its way: the claim
    finds no card to update, so posting the card updates it once it is saved."""
    server = consult_server
    bot = server.env.bot
    assert isinstance(bot, SupportBot)
    flow = getattr(bot.get_cog("Consult"), "flow", None)
    assert isinstance(flow, ConsultFlow)
    guild = bot.get_guild(server.guild.id)
    assert guild is not None
    config = await bot.services.configs.get(guild.id)
    made = await service(server.env).create(
        guild_id=guild.id,
        member_id=server.member.id,
        topic=Topic.COPING,
        urgency=Urgency.ROUTINE,
        now=server.env.now(),
        config=config,
    )
    await service(server.env).claim(
        guild.id, made.consultation.id, server.staff[0].id, server.env.now()
    )
    assert await flow.post_card(guild, config, made.consultation)  # as it was when created
    await server.env.settle()

    card = card_for(server, made.consultation.number)
    assert f"Claimed by <@{server.staff[0].id}>" in (card.embeds[0].description or "")
    assert button_ids(card) == [
        f"consult:release:{made.consultation.id}",
        f"consult:close:{made.consultation.id}",
    ]
