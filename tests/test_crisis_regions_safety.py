"""The safety net, error replies and crisis regions (issue 22): a reply only the member reads
(a DM, an error reply) shows their own region's lines; a reply in the channel shows the
server's, so nobody learns the member's country from it."""

from __future__ import annotations

from pathlib import Path

import pytest
import simcord

from bot.guild_config import SafetyReply
from bot.settings import Settings
from tests.conftest import make_settings, restart
from tests.helpers import text_of
from tests.test_safety_flow import HIGH, HOPELESS, World, _from_bot


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, safety_net=True)


async def choose(world: World, code: str) -> None:
    await world.member.slash(world.general, "crisis", region=code, remember="remember")


async def test_a_dm_from_the_safety_net_shows_the_members_own_lines(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()
    await choose(world, "GB")

    await world.member.send(world.general, HIGH)

    [dm] = world.dms()
    assert "116 123" in dm.content
    assert "85258" in dm.content
    assert "988" not in dm.content
    assert "/crisis" in dm.content


async def test_a_reply_in_the_channel_shows_the_servers_lines_never_the_members(
    env: simcord.Env,
) -> None:
    world = World(env)
    await world.configure(safety_reply=SafetyReply.CHANNEL, crisis_region="AU")
    await choose(world, "GB")

    await world.member.send(world.general, HOPELESS)

    [reply] = world.in_channel()
    assert "13 11 14" in reply.content  # the server's region
    assert "116 123" not in reply.content  # the member's own stays private
    assert "Samaritans" not in reply.content


async def test_the_neutral_note_for_closed_dms_shows_the_servers_lines(env: simcord.Env) -> None:
    world = World(env)
    await world.configure(crisis_region="NZ")
    await choose(world, "IE")
    world.close_dms()

    await world.member.send(world.general, HIGH)

    [note] = world.in_channel()
    assert "1737" in note.content
    assert "50808" not in note.content


async def test_a_dm_to_the_bot_gets_the_lines_of_the_members_region(env: simcord.Env) -> None:
    world = World(env)
    await choose(world, "AU")

    await world.member.user.send_dm("hello?")

    [reply] = _from_bot(world.member.user.dm_channel, env)
    assert reply.embeds[0].fields[0].name == "Lifeline"
    assert "13 11 14" in text_of(reply)


async def test_a_refusal_after_a_restart_reads_the_members_region(
    env: simcord.Env, settings: Settings
) -> None:
    world = World(env)
    await choose(world, "GB")
    await restart(env, settings)  # nothing of the member is in memory now

    refused = await world.member.slash(world.general, "crisis", region="Atlantis")

    assert "I don't have crisis lines for" in text_of(refused)
    assert "Samaritans" in text_of(refused)
