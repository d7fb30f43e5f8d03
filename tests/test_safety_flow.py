"""The safety net through SimCord: graded signals, a private reply first, a short memory,
staff alerts that never carry the text, rate limits, and nothing of the message kept."""

from __future__ import annotations

import logging
from pathlib import Path

import discord
import pytest
import simcord

from bot.bot import SupportBot, create_bot
from bot.guild_config import SafetyReply
from bot.safety import Category, Level
from bot.settings import Settings
from tests.conftest import add_admin, make_settings

SENTINEL = "ZEBRA-SENTINEL-4417"
"""A string only the member's message contains: it must never reach the database or logs."""

# Sentences as members write them, one per level the tests need (checked first, below).
HIGH = "honestly I want to kill myself"
HOPELESS = "theres no way out of this"
BURDEN = "everyone would be better off without me"
CUE = "bye guys"
OTHER_CUE = "bye everyone"

EXPECTED = {
    HIGH: (Category.ACTIVE, Level.HIGH),
    HOPELESS: (Category.HOPELESS, Level.CONCERN),
    BURDEN: (Category.BURDEN, Level.CONCERN),
    CUE: (Category.AMBIGUOUS, Level.CUE),
    OTHER_CUE: (Category.AMBIGUOUS, Level.CUE),
}


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


def _words(message: discord.Message) -> str:
    parts = [message.content]
    for item in message.embeds:
        parts.append(str(item.to_dict()))
    return "\n".join(parts)


def _shown(result: simcord.InteractionResult) -> str:
    """Everything the presser saw in answer: text and embeds."""
    messages = ([result.response] if result.response else []) + result.followups
    parts = []
    for message in messages:
        parts.append(message.content)
        parts += [str(item.to_dict()) for item in message.embeds]
    return "\n".join(parts)


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
        await _bot(self.env).services.configs.update(self.guild.id, self.env.now(), **values)

    def dms(self) -> list[discord.Message]:
        """What the bot sent the member privately."""
        return _from_bot(self.member.user.dm_channel, self.env)

    def in_channel(self) -> list[discord.Message]:
        return _from_bot(self.general, self.env)

    def alerts(self) -> list[discord.Message]:
        return _from_bot(self.queue, self.env)

    def pinged_roles(self, alert: discord.Message) -> list[int]:
        return list(self.env.backend.get_message(self.queue.id, alert.id).ping_role_ids)

    def close_dms(self) -> None:
        self.env.inject_error(
            "POST",
            f"/channels/{self.member.user.dm_channel.id}/messages",
            status=403,
            code=50007,
            message="Cannot send messages to this user",
            times=None,
        )

    async def rows(self) -> list[dict[str, object]]:
        rows = await _bot(self.env).db.fetchall(
            "SELECT category, level, replied, alerted FROM crisis_matches ORDER BY id"
        )
        return [dict(row) for row in rows]


def _raw_database(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


async def test_the_sentences_these_tests_use_mean_what_they_say(env: simcord.Env) -> None:
    matcher = _bot(env).library.crisis_phrases
    for text, (category, level) in EXPECTED.items():
        found = matcher.match(text)
        assert found is not None, text
        assert (found.category, found.level) == (category, level), text


# --------------------------------------------------------------------------- graded signals


async def test_high_risk_gets_a_private_message_and_pings_staff_at_once(
    env: simcord.Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = World(env)
    await world.configure()

    sent = await world.member.send(world.general, f"{HIGH} {SENTINEL}")

    # The member is reached privately; nobody in the channel learns anything.
    assert world.in_channel() == []
    [dm] = world.dms()
    for needle in ("Test Guild", "You matter", "988", "HOME", "741741", "/crisis"):
        assert needle in dm.content
    assert SENTINEL not in dm.content
    assert _custom_ids(dm) == [f"safety:consult:{world.guild.id}", "safety-plan:show"]
    plan = await world.member.user.click(dm, custom_id="safety-plan:show")
    assert plan.ephemeral
    assert "/safety-plan edit" in _shown(plan)  # no plan yet: how to make one, privately
    assert "988" in _shown(plan)

    [alert] = world.alerts()
    assert alert.content == world.staff.mention
    stored = env.backend.get_message(world.queue.id, alert.id)
    assert list(stored.ping_role_ids) == [world.staff.id]  # exactly the staff role
    assert list(stored.ping_user_ids) == []
    text = _words(alert)
    assert sent.jump_url in text
    assert "wanting to end their life" in text
    assert "high" in text
    assert "private message" in text
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
        "category": "active",
        "level": "high",
        "matched_at": "",
        "replied": 1,
        "alerted": 1,
    }
    await bot.close_database()
    assert SENTINEL.encode() not in _raw_database(bot.settings.database_path)
    assert SENTINEL not in caplog.text
    assert "kill myself" not in caplog.text


async def test_a_concern_gets_a_gentle_check_in_and_a_quiet_note_to_staff(
    env: simcord.Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = World(env)
    await world.configure()

    sent = await world.member.send(world.general, f"{HOPELESS} {SENTINEL}")

    assert world.in_channel() == []
    [dm] = world.dms()
    assert "check in" in dm.content
    for needle in ("988", "741741", "/crisis"):
        assert needle in dm.content
    assert _custom_ids(dm) == [f"safety:consult:{world.guild.id}", "safety-plan:show"]

    [alert] = world.alerts()
    assert not alert.content  # no mention at all
    assert world.pinged_roles(alert) == []
    text = _words(alert)
    assert "concern" in text
    assert "feeling hopeless or trapped" in text
    assert sent.jump_url in text
    assert SENTINEL not in text
    assert await world.rows() == [
        {"category": "hopeless", "level": "concern", "replied": 1, "alerted": 1}
    ]
    bot = _bot(env)
    await bot.close_database()
    assert SENTINEL.encode() not in _raw_database(bot.settings.database_path)
    assert SENTINEL not in caplog.text


async def test_a_cue_on_its_own_does_nothing(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()

    await world.member.send(world.general, CUE)
    await world.member.send(world.general, OTHER_CUE)

    assert world.dms() == []
    assert world.in_channel() == []
    assert world.alerts() == []
    assert await world.rows() == []


async def test_ordinary_messages_and_figures_of_speech_get_nothing(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()

    for text in ("good morning all", "this traffic is killing me", "I'd die for pizza"):
        await world.member.send(world.general, text)

    assert world.dms() == []
    assert world.in_channel() == []
    assert world.alerts() == []
    assert await world.rows() == []


# ------------------------------------------------------------------------ the short memory


async def test_a_goodbye_after_a_hopeless_message_is_high(
    env: simcord.Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = World(env)
    await world.configure()

    await world.member.send(world.general, f"{HOPELESS} {SENTINEL}")
    await env.advance_time(3 * 60)
    goodbye = await world.member.send(world.general, f"{CUE} {SENTINEL}")

    quiet, urgent = world.alerts()
    assert world.pinged_roles(quiet) == []
    assert urgent.content == world.staff.mention
    assert world.pinged_roles(urgent) == [world.staff.id]
    text = _words(urgent)
    assert goodbye.jump_url in text
    assert "feeling hopeless or trapped" in text  # why it counts as high
    assert "high" in text
    assert SENTINEL not in text
    assert len(world.dms()) == 1  # the member already has the lines and the button
    assert await world.rows() == [
        {"category": "hopeless", "level": "concern", "replied": 1, "alerted": 1},
        {"category": "ambiguous", "level": "high", "replied": 0, "alerted": 1},
    ]
    assert SENTINEL not in caplog.text


async def test_a_goodbye_long_after_a_hopeless_message_is_only_a_cue(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()

    await world.member.send(world.general, HOPELESS)
    await env.advance_time(11 * 60)
    await world.member.send(world.general, CUE)

    assert len(world.alerts()) == 1
    assert world.pinged_roles(world.alerts()[0]) == []
    assert len(world.dms()) == 1
    assert await world.rows() == [
        {"category": "hopeless", "level": "concern", "replied": 1, "alerted": 1}
    ]


async def test_two_different_worries_together_are_high(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()

    await world.member.send(world.general, HOPELESS)
    await env.advance_time(60)
    await world.member.send(world.general, HOPELESS)  # the same worry again: no new alert
    await env.advance_time(60)
    await world.member.send(world.general, BURDEN)

    quiet, urgent = world.alerts()
    assert world.pinged_roles(quiet) == []
    assert world.pinged_roles(urgent) == [world.staff.id]
    assert "feeling a burden or alone" in _words(urgent)
    assert [(r["level"], r["alerted"]) for r in await world.rows()] == [
        ("concern", 1),
        ("concern", 0),
        ("high", 1),
    ]


async def test_a_rising_level_within_the_reply_cooldown_still_alerts_staff(
    env: simcord.Env,
) -> None:
    world = World(env)
    await world.configure()

    await world.member.send(world.general, HOPELESS)
    await env.advance_time(2 * 60)
    sent = await world.member.send(world.general, HIGH)

    quiet, urgent = world.alerts()
    assert world.pinged_roles(quiet) == []
    assert world.pinged_roles(urgent) == [world.staff.id]
    assert sent.jump_url in _words(urgent)
    assert "nothing new" in _words(urgent)  # staff know the member got no second message
    assert len(world.dms()) == 1

    # The same level again within the cooldown: no third alert.
    await env.advance_time(2 * 60)
    await world.member.send(world.general, HIGH)
    assert len(world.alerts()) == 2
    assert [(r["level"], r["replied"], r["alerted"]) for r in await world.rows()] == [
        ("concern", 1, 1),
        ("high", 0, 1),
        ("high", 0, 0),
    ]


async def test_five_messages_in_a_minute_still_get_one_reply(
    env: simcord.Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = World(env)
    await world.configure()

    for text in ("kms", "I want to die", "k i l l  m y s e l f", "want to d-i-e", "kms fr"):
        await world.member.send(world.general, f"{text} {SENTINEL}")
        await env.advance_time(10)

    assert len(world.dms()) == 1
    assert len(world.alerts()) == 1
    rows = await world.rows()
    assert [(r["replied"], r["alerted"]) for r in rows] == [(1, 1)] + [(0, 0)] * 4

    # Another member is not held back by the first one's rate limit.
    other = world.guild.add_member(env.create_user("bo"))
    await other.send(world.general, "kms")
    assert len(_from_bot(other.user.dm_channel, env)) == 1
    assert len(world.alerts()) == 2

    # After ten minutes, the first member can get another reply.
    await env.advance_time(10 * 60)
    await world.member.send(world.general, "I want to die")
    assert len(world.dms()) == 2
    assert len(world.alerts()) == 3

    bot = _bot(env)
    await bot.close_database()
    assert SENTINEL.encode() not in _raw_database(bot.settings.database_path)
    assert SENTINEL not in caplog.text


# ------------------------------------------------------------------ reaching the member


async def test_closed_dms_get_a_neutral_note_in_the_channel(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()
    world.close_dms()

    await world.member.send(world.general, f"{HIGH} {SENTINEL}")

    assert world.dms() == []
    [note] = world.in_channel()
    assert note.reference is None  # not a reply: it points at no message
    assert world.member.mention in note.content
    for needle in ("988", "741741", "/crisis", "/consult"):
        assert needle in note.content
    lowered = note.content.lower()
    for revealing in ("dm", "private", "wrote", "noticed", "worried", "safety", "kill", SENTINEL):
        assert revealing.lower() not in lowered, revealing
    assert _custom_ids(note) == ["consult:start:urgent"]
    stored = env.backend.get_message(world.general.id, note.id)
    assert list(stored.ping_user_ids) == [world.member.id]  # only the member
    assert list(stored.ping_role_ids) == []

    [alert] = world.alerts()
    assert "couldn't DM them" in _words(alert)


async def test_the_note_reads_the_same_for_a_concern(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()
    world.close_dms()
    other = world.guild.add_member(env.create_user("bo"))
    env.inject_error(
        "POST", f"/channels/{other.user.dm_channel.id}/messages", status=403, code=50007, times=None
    )

    await world.member.send(world.general, HOPELESS)
    await other.send(world.general, HIGH)

    concern_note, high_note = world.in_channel()
    assert (concern_note.reference, high_note.reference) == (None, None)
    assert concern_note.content.replace(world.member.mention, "") == high_note.content.replace(
        other.mention, ""
    )


async def test_a_server_can_choose_the_channel(env: simcord.Env) -> None:
    world = World(env)
    await world.configure(safety_reply=SafetyReply.CHANNEL)

    sent = await world.member.send(world.general, HIGH)

    assert world.dms() == []
    [reply] = world.in_channel()
    assert reply.reference is not None
    assert reply.reference.message_id == sent.id
    for needle in ("You matter", "988", "HOME", "741741", "/crisis"):
        assert needle in reply.content
    assert _custom_ids(reply) == ["consult:start:urgent", "safety-plan:show"]
    stored_reply = env.backend.get_message(world.general.id, reply.id)
    assert (list(stored_reply.ping_user_ids), list(stored_reply.ping_role_ids)) == ([], [])
    [alert] = world.alerts()
    assert "reply in the channel" in _words(alert)


async def test_when_nothing_reaches_the_member_staff_are_told(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()
    world.close_dms()
    env.inject_error(
        "POST", f"/channels/{world.general.id}/messages", status=403, code=50013, times=None
    )

    await world.member.send(world.general, HIGH)

    [alert] = world.alerts()
    assert "couldn't reach them" in _words(alert)
    assert world.pinged_roles(alert) == [world.staff.id]


async def test_without_a_queue_channel_the_member_still_gets_help(env: simcord.Env) -> None:
    world = World(env)
    await world.configure(queue_channel_id=None, staff_role_id=None)

    await world.member.send(world.general, "I want to die")

    assert len(world.dms()) == 1
    assert world.alerts() == []


async def test_a_long_message_is_read_too(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()

    await world.member.send(world.general, "so much going on today. " * 60 + HIGH)

    assert len(world.dms()) == 1
    assert len(world.alerts()) == 1


# --------------------------------------------------------------------------- the button


async def test_the_private_button_opens_the_members_own_urgent_request(env: simcord.Env) -> None:
    world = World(env)
    consultations = world.guild.create_text_channel("consultations")
    await world.configure(consult_channel_id=consultations.id)
    await world.member.send(world.general, HIGH)
    [dm] = world.dms()

    result = await world.member.user.click(dm, custom_id=f"safety:consult:{world.guild.id}")

    assert result.ephemeral
    assert "request #1" in _shown(result)
    assert "988" in _shown(result)
    bot = _bot(env)
    rows = await bot.db.fetchall("SELECT member_id, urgency, topic, status FROM consultations")
    assert [tuple(r) for r in rows] == [(world.member.id, "urgent", "crisis", "open")]
    cards = [m for m in world.alerts() if m.embeds and "#1" in str(m.embeds[0].title)]
    assert len(cards) == 1
    assert world.pinged_roles(cards[0]) == [world.staff.id]

    # Pressed again, it shows the same request instead of opening another.
    again = await world.member.user.click(dm, custom_id=f"safety:consult:{world.guild.id}")
    assert "request #1" in _shown(again)
    assert len(await bot.db.fetchall("SELECT id FROM consultations")) == 1


async def test_the_private_button_after_leaving_the_server_opens_nothing(
    env: simcord.Env,
) -> None:
    world = World(env)
    consultations = world.guild.create_text_channel("consultations")
    await world.configure(consult_channel_id=consultations.id)
    await world.member.send(world.general, HIGH)
    [dm] = world.dms()
    world.guild.remove_member(world.member)
    await env.settle()

    result = await world.member.user.click(dm, custom_id=f"safety:consult:{world.guild.id}")

    assert result.ephemeral
    assert "/consult" in _shown(result)
    assert "988" in _shown(result)
    assert await _bot(env).db.fetchall("SELECT id FROM consultations") == []


async def test_the_private_button_where_consultations_are_not_set_up(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()  # no consultation channel
    await world.member.send(world.general, HIGH)
    [dm] = world.dms()

    result = await world.member.user.click(dm, custom_id=f"safety:consult:{world.guild.id}")

    assert result.ephemeral
    assert "can't open a request in that server" in _shown(result)
    assert "988" in _shown(result)
    assert await _bot(env).db.fetchall("SELECT id FROM consultations") == []


async def test_the_private_button_opens_a_request_even_when_the_queue_is_full(
    env: simcord.Env,
) -> None:
    world = World(env)
    consultations = world.guild.create_text_channel("consultations")
    await world.configure(consult_channel_id=consultations.id, hourly_cap=1)
    other = world.guild.add_member(env.create_user("bo"))
    await other.send(world.general, HIGH)
    await world.member.send(world.general, HIGH)
    button = f"safety:consult:{world.guild.id}"
    await other.user.click(_from_bot(other.user.dm_channel, env)[0], custom_id=button)

    result = await world.member.user.click(world.dms()[0], custom_id=button)

    assert "request #2" in _shown(result)
    rows = await _bot(env).db.fetchall("SELECT member_id, urgency FROM consultations")
    assert [tuple(r) for r in rows] == [(other.id, "urgent"), (world.member.id, "urgent")]


async def test_the_channel_button_opens_the_pressers_own_urgent_request(env: simcord.Env) -> None:
    world = World(env)
    consultations = world.guild.create_text_channel("consultations")
    await world.configure(consult_channel_id=consultations.id)
    world.close_dms()
    await world.member.send(world.general, HIGH)
    [note] = world.in_channel()
    bystander = world.guild.add_member(env.create_user("bystander"))

    result = await bystander.click(note, custom_id="consult:start:urgent")

    assert result.ephemeral
    bot = _bot(env)
    rows = await bot.db.fetchall("SELECT member_id, urgency, topic FROM consultations")
    assert [tuple(r) for r in rows] == [(bystander.id, "urgent", "crisis")]


# ------------------------------------------------------------------------ /setup safety


async def test_setup_safety_chooses_how_members_are_reached_and_keeps_it(
    env: simcord.Env,
) -> None:
    world = World(env)
    admin, _ = add_admin(env, world.guild)
    repo = _bot(env).services.configs  # the one the bot reads

    assert (await repo.get(world.guild.id)).safety_reply is SafetyReply.DM  # the default
    await admin.slash(world.general, "setup safety", state=True, reply="channel")
    config = await repo.get(world.guild.id)
    assert (config.safety_enabled, config.safety_reply) == (True, SafetyReply.CHANNEL)

    await admin.slash(world.general, "setup safety", state=False)  # reply not given: kept
    config = await repo.get(world.guild.id)
    assert (config.safety_enabled, config.safety_reply) == (False, SafetyReply.CHANNEL)

    shown = await admin.slash(world.general, "setup show")
    assert shown.response is not None
    assert "reaches members in the channel" in str(shown.response.embeds[0].to_dict())

    await admin.slash(world.general, "setup safety", reply="dm")
    config = await repo.get(world.guild.id)
    assert (config.safety_enabled, config.safety_reply) == (False, SafetyReply.DM)


# ----------------------------------------------------------------- unchanged behaviour


async def test_a_server_that_has_not_opted_in_is_not_read(env: simcord.Env) -> None:
    world = World(env)
    await world.configure(safety_enabled=False)

    await world.member.send(world.general, "I want to die")

    assert world.dms() == []
    assert world.in_channel() == []
    assert world.alerts() == []
    assert await world.rows() == []


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
    rows = await _bot(env).db.fetchall("SELECT guild_id, category, level FROM crisis_matches")
    assert {(r["guild_id"], r["category"], r["level"]) for r in rows} == {(None, "dm", None)}


async def test_with_the_intent_off_nothing_is_read(tmp_path: Path) -> None:
    bot = create_bot(make_settings(tmp_path / "off"))
    assert not bot.intents.message_content
    async with simcord.run(bot) as env:
        world = World(env)
        await world.configure()  # even if a server turned it on

        await world.member.send(world.general, "I want to kill myself")

        assert world.dms() == []
        assert world.in_channel() == []
        assert world.alerts() == []
        assert await bot.db.fetchall("SELECT * FROM crisis_matches") == []
        await bot.close_database()
