"""The safety net through SimCord: one kind reply, one staff alert, rate limits, no text kept."""

from __future__ import annotations

import logging
from pathlib import Path

import discord
import pytest
import simcord

from bot.bot import SupportBot, create_bot
from bot.guild_config import GuildConfigRepository
from bot.settings import Settings
from tests.conftest import make_settings

SENTINEL = "ZEBRA-SENTINEL-4417"
"""A string only the member's message contains: it must never reach the database or logs."""


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, safety_net=True)


def _bot(env: simcord.Env) -> SupportBot:
    assert isinstance(env.bot, SupportBot)
    return env.bot


def _custom_ids(message: discord.Message) -> list[str]:
    return [
        child.custom_id
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button) and child.custom_id
    ]


def _from_bot(channel: simcord.ChannelHandle, env: simcord.Env) -> list[discord.Message]:
    me = _bot(env).user
    assert me is not None
    return [m for m in channel.history() if m.author.id == me.id]


class World:
    def __init__(self, env: simcord.Env) -> None:
        self.env = env
        self.guild = env.create_guild()
        self.general = self.guild.create_text_channel("general")
        self.queue = self.guild.create_text_channel("staff-queue")
        self.staff = self.guild.create_role("Staff")
        self.member = self.guild.add_member(env.create_user("ann"))

    async def configure(self, **changes: object) -> None:
        values: dict[str, object] = {
            "safety_enabled": True,
            "queue_channel_id": self.queue.id,
            "staff_role_id": self.staff.id,
        }
        values.update(changes)
        await GuildConfigRepository(_bot(self.env).db).update(
            self.guild.id, self.env.now(), **values
        )


def _raw_database(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def test_a_match_gets_one_gentle_reply_and_one_staff_alert(
    env: simcord.Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = World(env)
    await world.configure()

    sent = await world.member.send(world.general, f"honestly I want to kill myself {SENTINEL}")

    replies = _from_bot(world.general, env)
    assert len(replies) == 1
    reply = replies[0]
    assert reply.reference is not None
    assert reply.reference.message_id == sent.id
    for needle in ("You matter", "988", "HOME", "741741", "/crisis"):
        assert needle in reply.content
    assert _custom_ids(reply) == ["consult:start:urgent"]
    assert SENTINEL not in reply.content

    alerts = _from_bot(world.queue, env)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.content == world.staff.mention
    stored = env.backend.get_message(world.queue.id, alert.id)
    assert list(stored.ping_role_ids) == [world.staff.id]  # exactly the staff role
    assert list(stored.ping_user_ids) == []
    stored_reply = env.backend.get_message(world.general.id, reply.id)
    assert (list(stored_reply.ping_user_ids), list(stored_reply.ping_role_ids)) == ([], [])
    text = str(alert.embeds[0].to_dict())
    assert sent.jump_url in text
    assert "wanting to end their life" in text
    assert world.member.mention in text
    assert SENTINEL not in text
    assert "kill" not in text.lower()

    # The member's message is never deleted.
    assert any(m.id == sent.id for m in world.general.history())

    bot = _bot(env)
    rows = await bot.db.fetchall("SELECT * FROM crisis_matches")
    assert len(rows) == 1
    assert dict(rows[0]) | {"id": 0, "matched_at": ""} == {
        "id": 0,
        "guild_id": world.guild.id,
        "channel_id": world.general.id,
        "message_id": sent.id,
        "user_id": world.member.id,
        "category": "direct",
        "matched_at": "",
        "replied": 1,
    }
    await bot.close_database()
    assert SENTINEL.encode() not in _raw_database(bot.settings.database_path)
    assert SENTINEL not in caplog.text
    assert "kill myself" not in caplog.text


async def test_five_messages_in_a_minute_still_get_one_reply(
    env: simcord.Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = World(env)
    await world.configure()

    for text in ("kms", "I want to die", "k i l l  m y s e l f", "want to d-i-e", "kms fr"):
        await world.member.send(world.general, f"{text} {SENTINEL}")
        await env.advance_time(10)

    assert len(_from_bot(world.general, env)) == 1
    assert len(_from_bot(world.queue, env)) == 1
    bot = _bot(env)
    rows = await bot.db.fetchall("SELECT replied FROM crisis_matches ORDER BY id")
    assert [r["replied"] for r in rows] == [1, 0, 0, 0, 0]

    # Another member is not held back by the first one's rate limit.
    other = world.guild.add_member(env.create_user("bo"))
    await other.send(world.general, "kms")
    assert len(_from_bot(world.general, env)) == 2

    # After ten minutes, the first member can get another reply.
    await env.advance_time(10 * 60)
    await world.member.send(world.general, "I want to die")
    assert len(_from_bot(world.general, env)) == 3
    assert len(_from_bot(world.queue, env)) == 3

    await bot.close_database()
    assert SENTINEL.encode() not in _raw_database(bot.settings.database_path)
    assert SENTINEL not in caplog.text


async def test_ordinary_messages_and_figures_of_speech_get_nothing(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()

    for text in ("good morning all", "this traffic is killing me", "I'd die for pizza"):
        await world.member.send(world.general, text)

    assert _from_bot(world.general, env) == []
    assert _from_bot(world.queue, env) == []
    assert await _bot(env).db.fetchall("SELECT * FROM crisis_matches") == []


async def test_a_server_that_has_not_opted_in_is_not_read(env: simcord.Env) -> None:
    world = World(env)
    await world.configure(safety_enabled=False)

    await world.member.send(world.general, "I want to die")

    assert _from_bot(world.general, env) == []
    assert _from_bot(world.queue, env) == []
    assert await _bot(env).db.fetchall("SELECT * FROM crisis_matches") == []


async def test_without_a_queue_channel_the_member_still_gets_help(env: simcord.Env) -> None:
    world = World(env)
    await world.configure(queue_channel_id=None, staff_role_id=None)

    await world.member.send(world.general, "I want to die")

    assert len(_from_bot(world.general, env)) == 1
    assert _from_bot(world.queue, env) == []


async def test_a_dm_to_the_bot_gets_resources_once_per_ten_minutes(env: simcord.Env) -> None:
    user = env.create_user("alone")

    await user.send_dm(f"hello? {SENTINEL}")
    await user.send_dm("anyone there")

    replies = _from_bot(user.dm_channel, env)
    assert len(replies) == 1
    assert "/consult" in replies[0].content
    assert "988" in str(replies[0].embeds[0].to_dict())

    await env.advance_time(11 * 60)
    await user.send_dm("still here")
    assert len(_from_bot(user.dm_channel, env)) == 2
    rows = await _bot(env).db.fetchall("SELECT guild_id, category FROM crisis_matches")
    assert {(r["guild_id"], r["category"]) for r in rows} == {(None, "dm")}


async def test_with_the_intent_off_nothing_is_read(tmp_path: Path) -> None:
    bot = create_bot(make_settings(tmp_path / "off"))
    assert not bot.intents.message_content
    async with simcord.run(bot) as env:
        world = World(env)
        await world.configure()  # even if a server turned it on

        await world.member.send(world.general, "I want to kill myself")

        assert _from_bot(world.general, env) == []
        assert _from_bot(world.queue, env) == []
        assert await bot.db.fetchall("SELECT * FROM crisis_matches") == []
        await bot.close_database()


async def test_talk_to_a_consultant_now_opens_an_urgent_request(env: simcord.Env) -> None:
    world = World(env)
    consultations = world.guild.create_text_channel("consultations")
    await world.configure(consult_channel_id=consultations.id)
    await world.member.send(world.general, "i want to die")
    reply = _from_bot(world.general, env)[0]

    result = await world.member.click(reply, custom_id="consult:start:urgent")

    assert result.ephemeral
    assert result.modal is None
    bot = _bot(env)
    row = await bot.db.fetchone(
        "SELECT urgency, topic, status FROM consultations WHERE member_id = ?", (world.member.id,)
    )
    assert row is not None
    assert (row["urgency"], row["topic"], row["status"]) == ("urgent", "crisis", "open")
    cards = [m for m in _from_bot(world.queue, env) if m.embeds and "#1" in str(m.embeds[0].title)]
    assert len(cards) == 1
