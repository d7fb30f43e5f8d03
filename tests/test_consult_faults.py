"""Everything that goes wrong around the consultation queue, through SimCord: restarts,
Discord refusing or failing, start-up reconciliation, members leaving, things deleted by hand."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
import simcord

from bot.bot import SupportBot, create_bot
from bot.consultations import CloseKind, Status
from bot.settings import Settings
from tests.conftest import ConsultServer, make_consult_server, make_settings, restart
from tests.test_consult_member import ask, said, service
from tests.test_consult_staff import button_ids, card_for, cards, open_and_claim, the_thread


async def db_execute(env: simcord.Env, sql: str, params: tuple[object, ...] = ()) -> None:
    bot = env.bot
    assert isinstance(bot, SupportBot)
    async with bot.db.transaction() as tx:
        await tx.execute(sql, params)


def notices(channel: simcord.ChannelHandle) -> list[str]:
    return [m.content for m in channel.history() if not m.embeds]


# --------------------------------------------------------------------------- restarts


async def test_restart_between_create_claim_and_close(env: simcord.Env, settings: Settings) -> None:
    server = await make_consult_server(env)
    await ask(server)
    card = cards(server)[0]

    await restart(env, settings)
    claimed = await server.staff[0].click(card, label="Claim")
    assert "You claimed request #1" in said(claimed)

    await restart(env, settings)
    card = card_for(server, 1)
    form = await server.staff[0].click(card, label="Close")
    assert form.modal is not None
    await restart(env, settings)  # a form opened before a restart still works
    done = await server.staff[0].submit_modal(form, {"reason": "All good"})

    assert "Request #1 is closed" in said(done)
    stored = await service(env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLOSED
    assert "All good" in the_thread(server).history()[-1].content


async def test_member_buttons_and_forms_work_after_a_restart(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    shown = await server.member.slash(server.general, "consult")
    await restart(env, settings)
    await server.member.submit_modal(shown, {"topic": ["family"], "urgency": ["soon"]})
    status = await server.member.slash(server.general, "consult-status")
    assert status.response is not None

    await restart(env, settings)
    confirm = await server.member.click(status.response, label="Cancel my request")
    assert confirm.response is not None
    done = await server.member.click(confirm.response, label="Yes, cancel it")

    assert "is cancelled" in said(done)


# --------------------------------------------------------------------------- Discord says no


async def test_a_missing_permission_on_thread_creation_is_named_and_nothing_is_lost(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    bot = server.env.bot
    assert isinstance(bot, SupportBot)
    assert bot.user is not None
    locked = server.guild.create_text_channel(
        "locked-consultations",
        overwrites={
            server.guild.roles[bot.user.name]: discord.PermissionOverwrite(
                create_private_threads=False
            )
        },
    )
    await server.configure(consult_channel_id=locked.id)
    await ask(server)

    result = await server.staff[0].click(cards(server)[0], label="Claim")

    assert result.ephemeral
    assert "missing Create Private Threads" in said(result)
    assert "saved and back in the queue" in said(result)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.OPEN
    assert stored.problem == "thread:missing:create_private_threads"
    card = card_for(server, 1)
    assert "Create Private Threads" in str(card.embeds[0].fields)
    assert button_ids(card) == ["consult:claim:1", "consult:close:1"]
    listing = await server.staff[0].slash(server.queue, "queue list")
    assert "Create Private Threads" in said(listing)
    assert any("Create Private Threads" in text for text in notices(server.log))
    assert not [r for r in server.env.http_requests if r.path.endswith("/threads")]

    await server.configure(consult_channel_id=server.consult.id)  # the admin fixes it
    again = await server.staff[0].click(card_for(server, 1), label="Claim")
    assert "You claimed request #1" in said(again)
    fixed = await service(server.env).get_in_guild(server.guild.id, 1)
    assert fixed.problem is None


async def test_a_403_from_discord_on_thread_creation(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server)
    server.env.inject_error(
        "POST", "/channels/*/threads", status=403, code=50013, message="Missing Permissions"
    )

    result = await server.staff[0].click(cards(server)[0], label="Claim")

    assert "refused to let me create the private thread" in said(result)
    assert (await service(server.env).get_in_guild(server.guild.id, 1)).status is Status.OPEN
    assert server.consult.threads == []


async def test_a_500_from_discord_on_thread_creation(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server)
    server.env.inject_error("POST", "/channels/*/threads", status=500, times=None)

    result = await server.staff[0].click(cards(server)[0], label="Claim")

    assert result.acknowledged
    assert "Discord had trouble creating the private thread" in said(result)
    assert "saved and back in the queue" in said(result)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.OPEN
    assert stored.problem == "thread:discord_error"


async def test_a_failed_card_is_in_the_queue_and_posted_after_a_restart(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    env.inject_error("POST", f"/channels/{server.queue.id}/messages", status=500, times=None)

    result = await ask(server)

    assert "Your request #1 is in" in said(result)
    stored = await service(env).get_in_guild(server.guild.id, 1)
    assert stored.card_message_id is None
    assert stored.problem == "card:discord_error"
    env.backend.faults.clear()
    listing = await server.staff[0].slash(server.queue, "queue list")
    assert "**#1**" in said(listing)
    assert "queue card" in said(listing)

    await restart(env, settings)

    assert len(cards(server)) == 1
    posted = await service(env).get_in_guild(server.guild.id, 1)
    assert posted.card_message_id == cards(server)[0].id
    assert posted.problem is None


async def test_a_queue_channel_the_bot_cannot_post_in_is_named(env: simcord.Env) -> None:
    server = await make_consult_server(env)
    bot = env.bot
    assert isinstance(bot, SupportBot)
    assert bot.user is not None
    mute = server.guild.create_text_channel(
        "muted-queue",
        overwrites={
            server.guild.roles[bot.user.name]: discord.PermissionOverwrite(send_messages=False)
        },
    )
    await server.configure(queue_channel_id=mute.id)

    result = await ask(server)

    assert "Your request #1 is in" in said(result)
    assert any("missing Send Messages" in text for text in notices(server.log))


# --------------------------------------------------------------------------- reconciliation


async def test_a_claim_without_a_thread_gets_one_at_start_up(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    await ask(server)
    # The bot stopped right after committing the claim, before making the thread.
    await service(env).claim(server.guild.id, 1, server.staff[0].id, env.now())

    await restart(env, settings)

    thread = the_thread(server)
    stored = await service(env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED
    assert stored.thread_id == thread.id
    assert thread.history(viewer=server.member)
    assert f"Claimed by <@{server.staff[0].id}>" in (
        card_for(server, 1).embeds[0].description or ""
    )

    await restart(env, settings)
    assert len(server.consult.threads) == 1  # no duplicate thread


async def test_a_thread_made_just_before_a_crash_is_adopted_not_duplicated(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    await ask(server)
    # The bot committed the claim and made the thread, then stopped before saving its id.
    await service(env).claim(server.guild.id, 1, server.staff[0].id, env.now())
    bot = env.bot
    assert isinstance(bot, SupportBot)
    channel = bot.get_channel(server.consult.id)
    assert isinstance(channel, discord.TextChannel)
    made = await channel.create_thread(
        name="request-1", type=discord.ChannelType.private_thread, invitable=False
    )

    await restart(env, settings)

    assert [t.id for t in server.consult.threads] == [made.id]  # no second thread
    stored = await service(env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED
    assert stored.thread_id == made.id
    assert the_thread(server).history(viewer=server.member)  # the member was added


async def test_an_older_thread_with_the_same_name_is_not_adopted(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    bot = env.bot
    assert isinstance(bot, SupportBot)
    channel = bot.get_channel(server.consult.id)
    assert isinstance(channel, discord.TextChannel)
    # Someone else's conversation from before a database reset, with the same name.
    with env.time_context():
        old = await channel.create_thread(
            name="request-1", type=discord.ChannelType.private_thread, invitable=False
        )
    await env.advance_time(3600)
    await ask(server)
    await service(env).claim(server.guild.id, 1, server.staff[0].id, env.now())

    await restart(env, settings)

    stored = await service(env).get_in_guild(server.guild.id, 1)
    assert stored.thread_id is not None
    assert stored.thread_id != old.id
    assert len(server.consult.threads) == 2
    older = next(t for t in server.consult.threads if t.id == old.id)
    with pytest.raises(simcord.SetupError):  # the member was not added to it
        older.history(viewer=server.member)


async def test_a_thread_deleted_while_the_bot_was_away(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    await open_and_claim(server)
    await db_execute(env, "UPDATE consultations SET thread_id = 123456789 WHERE id = 1")

    await restart(env, settings)

    stored = await service(env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLOSED
    assert stored.close_kind is CloseKind.THREAD_DELETED
    assert any("thread of request #1 was deleted" in text for text in notices(server.queue))
    again = await ask(server)
    assert "Your request #2 is in" in said(again)


async def test_an_unavailable_guild_is_left_alone(
    env: simcord.Env, settings: Settings, caplog: object
) -> None:
    server = await make_consult_server(env)
    await ask(server)
    # A request in a server the bot cannot see right now (an outage).
    await db_execute(
        env,
        "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, priority, "
        "status, created_at, claimed_by, thread_id) VALUES "
        "(987654321, 1, 5, 'other', 'routine', 2, 'claimed', 0, 6, 777)",
    )

    await restart(env, settings)

    bot = env.bot
    assert isinstance(bot, SupportBot)
    row = await bot.db.fetchone(
        "SELECT status, thread_id FROM consultations WHERE guild_id = 987654321"
    )
    assert row is not None
    assert (row["status"], row["thread_id"]) == ("claimed", 777)


# --------------------------------------------------------------------------- people leave


async def test_a_member_who_leaves_is_marked_not_deleted(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server)
    await ask(server, server.members[1])
    await server.staff[0].click(card_for(server, 2), label="Claim")

    server.guild.remove_member(server.member)
    server.guild.remove_member(server.members[1])
    await server.env.settle()

    waiting = await service(server.env).get_in_guild(server.guild.id, 1)
    claimed = await service(server.env).get_in_guild(server.guild.id, 2)
    assert waiting.member_left
    assert waiting.status is Status.OPEN
    assert claimed.member_left
    assert claimed.status is Status.CLAIMED
    assert "has left the server" in (card_for(server, 1).embeds[0].description or "")
    assert "has left the server" in the_thread(server).history()[-1].content
    assert any("request #1 has left the server" in text for text in notices(server.queue))

    refused = await server.staff[1].click(card_for(server, 1), label="Claim")
    assert "has left the server" in said(refused)
    form = await server.staff[1].click(card_for(server, 1), label="Close")
    assert form.modal is not None
    closed = await server.staff[1].submit_modal(form, {"reason": "Member left"})
    assert "Request #1 is closed" in said(closed)


async def test_a_claimer_who_leaves_puts_the_request_back(consult_server: ConsultServer) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)

    server.guild.remove_member(server.staff[0])
    await server.env.settle()

    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.OPEN
    assert "back in the queue" in thread.history()[-1].content
    assert any("is back in the queue" in text for text in notices(server.queue))
    again = await server.staff[1].click(card_for(server, 1), label="Claim")
    assert "You claimed request #1" in said(again)
    assert len(server.consult.threads) == 1


async def test_a_claimer_who_lost_the_staff_role_can_be_released_by_other_staff(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await open_and_claim(server)
    server.env.backend.remove_member_role(server.guild.id, server.staff[0].id, server.staff_role.id)
    await server.env.settle()

    released = await server.staff[1].click(card_for(server, 1), label="Release")

    assert "back in the queue" in said(released)
    claimed = await server.staff[1].click(card_for(server, 1), label="Claim")
    assert "You claimed request #1" in said(claimed)


async def test_a_thread_deleted_by_hand_closes_the_request(consult_server: ConsultServer) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)

    server.env.backend.delete_channel(thread.id)
    await server.env.settle()

    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLOSED
    assert stored.close_kind is CloseKind.THREAD_DELETED
    assert "private thread was deleted" in (card_for(server, 1).embeds[0].description or "")
    assert button_ids(card_for(server, 1)) == []
    assert any("was deleted, so the request is closed" in text for text in notices(server.queue))
    again = await ask(server)
    assert "Your request #2 is in" in said(again)


async def test_a_card_deleted_by_hand_when_the_member_takes_no_dms(tmp_path: Path) -> None:
    bot = create_bot(make_settings(tmp_path))
    async with simcord.run(bot) as env:
        server = await make_consult_server(env)
        dm = f"/channels/{server.member.user.dm_channel.id}/messages"
        env.inject_error("POST", dm, status=403, code=50007, times=None)
        await ask(server)

        mod_role = server.guild.create_role(
            "Mod", permissions=discord.Permissions(administrator=True)
        )
        mod = server.guild.add_member(env.create_user("mod"), roles=[mod_role])
        await mod.delete(card_for(server, 1))

        stored = await service(env).get_in_guild(server.guild.id, 1)
        assert stored.close_kind is CloseKind.CARD_DELETED
        assert any("(I couldn't DM them)" in t for t in notices(server.queue))
        await bot.close_database()


async def test_a_card_deleted_by_hand(tmp_path: Path) -> None:
    # Noticing deleted messages needs the Guild Messages intent, which the bot always asks for.
    bot = create_bot(make_settings(tmp_path))
    async with simcord.run(bot) as env:
        server = await make_consult_server(env)
        mod_role = server.guild.create_role(
            "Mod", permissions=discord.Permissions(administrator=True)
        )
        mod = server.guild.add_member(env.create_user("mod"), roles=[mod_role])
        await ask(server)
        await ask(server, server.members[1])
        await server.staff[0].click(card_for(server, 2), label="Claim")

        await mod.delete(card_for(server, 1))
        await mod.delete(card_for(server, 2))

        waiting = await service(env).get_in_guild(server.guild.id, 1)
        assert waiting.status is Status.CLOSED
        assert waiting.close_kind is CloseKind.CARD_DELETED
        claimed = await service(env).get_in_guild(server.guild.id, 2)
        assert claimed.status is Status.CLAIMED
        assert claimed.card_message_id is None
        assert any("queue card of request #1 was deleted" in t for t in notices(server.queue))
        assert any("(I told them by DM)" in t for t in notices(server.queue))
        dms = [m.content for m in server.members[0].user.dm_channel.history()]
        assert len(dms) == 1
        assert "was closed by the staff team" in dms[0]
        assert "/consult" in dms[0]
        assert "988" in dms[0]
        assert server.members[1].user.dm_channel.history() == []  # claimed: carries on
        again = await ask(server)
        assert "Your request #3 is in" in said(again)
        done = await server.staff[0].slash(the_thread(server), "ticket close", reason="ok")
        assert "Request #2 is closed" in said(done)
        await bot.close_database()


async def test_staff_who_erase_their_data_hand_their_requests_back_to_the_queue(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await open_and_claim(server)
    leaving = server.staff[0]

    asked = await leaving.slash(server.general, "mydata delete")
    done = await leaving.click(asked.response, label="Delete my data")

    assert done.acknowledged
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.OPEN
    assert stored.claimed_by is None
    told = [m.content for m in the_thread(server).history()]
    assert any("no longer available" in text and "back in the queue" in text for text in told)
    assert any("asked for their data to be erased" in text for text in notices(server.queue))
    again = await server.staff[1].click(card_for(server, 1), label="Claim")
    assert "You claimed request #1" in said(again)


# --------------------------------------------------------------------------- thread members


def member_path(server: ConsultServer, user: simcord.MemberActor) -> str:
    return f"/channels/*/thread-members/{user.id}"


def add_calls(server: ConsultServer, user: simcord.MemberActor) -> int:
    return sum(
        1
        for r in server.env.http_requests
        if r.method == "PUT" and r.path.endswith(f"/thread-members/{user.id}")
    )


def can_read(thread: simcord.ChannelHandle, user: simcord.MemberActor) -> bool:
    try:
        thread.history(viewer=user)
    except simcord.SetupError:
        return False
    return True


async def test_a_passing_fault_adding_the_member_is_retried(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server)
    server.env.inject_error("PUT", member_path(server, server.member), status=503, times=1)

    result = await server.staff[0].click(cards(server)[0], label="Claim")

    assert "You claimed request #1" in said(result)
    assert "kept failing" not in said(result)
    thread = the_thread(server)
    assert can_read(thread, server.member)
    assert add_calls(server, server.member) == 2  # failed once, then added
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.problem is None
    assert f"<@{server.member.id}>" in thread.history()[0].content  # the opening message


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_a_member_who_cannot_be_added_is_named_to_the_claimer(
    consult_server: ConsultServer, status: int
) -> None:
    server = consult_server
    await ask(server)
    server.env.inject_error("PUT", member_path(server, server.member), status=status, times=None)

    result = await server.staff[0].click(cards(server)[0], label="Claim")

    text = said(result)
    assert "You claimed request #1" in text
    assert f"add <@{server.member.id}> to the thread" in text
    assert add_calls(server, server.member) == 3  # bounded: three tries, then the claimer is told
    thread = the_thread(server)
    assert not can_read(thread, server.member)
    assert can_read(thread, server.staff[0])
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED
    assert stored.problem == "thread:member_not_added"
    card = card_for(server, 1)
    assert "add the member to the private thread" in str(card.embeds[0].fields)


async def test_the_tries_adding_someone_follow_the_setting(
    consult_server: ConsultServer, tmp_path: Path
) -> None:
    """The waits between tries come from ``THREAD_ADD_RETRY_SECONDS`` (zero in these tests, so
    no test sleeps): one wait configured, two tries."""
    server = consult_server
    await restart(server.env, make_settings(tmp_path, thread_add_retry_seconds=(0.0,)))
    await ask(server)
    server.env.inject_error("PUT", member_path(server, server.member), status=503, times=None)

    result = await server.staff[0].click(cards(server)[0], label="Claim")

    assert f"add <@{server.member.id}> to the thread" in said(result)
    assert add_calls(server, server.member) == 2


def test_the_bot_waits_briefly_between_tries_by_default(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, discord_token="test-token-not-real")  # type: ignore[call-arg]
    assert settings.thread_add_retry_seconds == (0.25, 0.75)
    assert make_settings(tmp_path).thread_add_retry_seconds == (0.0, 0.0)


async def test_a_refusal_adding_the_member_is_not_retried(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server)
    server.env.inject_error(
        "PUT", member_path(server, server.member), status=403, code=50013, times=None
    )

    result = await server.staff[0].click(cards(server)[0], label="Claim")

    assert f"add <@{server.member.id}> to the thread" in said(result)
    assert add_calls(server, server.member) == 1


async def test_start_up_adds_the_member_who_could_not_be_added(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    await ask(server)
    env.inject_error("PUT", member_path(server, server.member), status=503, times=None)
    await server.staff[0].click(cards(server)[0], label="Claim")
    thread = the_thread(server)
    assert not can_read(thread, server.member)
    env.backend.faults.clear()

    await restart(env, settings)

    assert can_read(thread, server.member)
    stored = await service(env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED
    assert stored.problem is None
    welcome = thread.history()[-1]
    assert f"<@{server.member.id}>, this is your private thread for request #1" in welcome.content
    assert "Needs attention" not in str(card_for(server, 1).embeds[0].fields)

    await restart(env, settings)  # repaired once: nothing more is posted
    assert thread.history()[-1].id == welcome.id


async def test_start_up_keeps_trying_while_discord_still_fails(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    await ask(server)
    env.inject_error("PUT", member_path(server, server.member), status=503, times=None)
    await server.staff[0].click(cards(server)[0], label="Claim")

    await restart(env, settings)

    stored = await service(env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED
    assert stored.problem == "thread:member_not_added"
    env.backend.faults.clear()


async def test_a_claimer_who_cannot_be_added_is_told(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server)
    server.env.inject_error("PUT", member_path(server, server.staff[0]), status=500, times=None)

    result = await server.staff[0].click(cards(server)[0], label="Claim")

    assert "kept failing when I tried to add you to the thread" in said(result)
    assert can_read(the_thread(server), server.member)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.problem == "thread:claimer_not_added"
    assert "add the claimer to the private thread" in str(card_for(server, 1).embeds[0].fields)
