"""Several shards in one process (discord.py's AutoShardedBot, through SimCord with two shards):
commands work in the servers of both shards, and the database, its process lock and every
background task (reminders, retention, heartbeat) exist once per process, not once per shard."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import discord
import pytest
import simcord

from bot.bot import SupportBot, create_bot
from bot.db import Database, database_in_use
from bot.errors import StartupError
from bot.health import health_file_for, keep_heartbeat
from bot.settings import Settings
from tests.conftest import ConsultServer, make_consult_server, make_settings
from tests.test_consult_member import ask, said

SHARDS = 2


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, shard_count=SHARDS)


@pytest.fixture
def simcord_bot(settings: Settings) -> SupportBot:
    return create_bot(settings)


async def one_server_per_shard(env: simcord.Env) -> list[ConsultServer]:
    return [
        await make_consult_server(env, shard_id=shard, reminder_minutes=30)
        for shard in range(SHARDS)
    ]


def the_bot(env: simcord.Env) -> SupportBot:
    assert isinstance(env.bot, SupportBot)
    return env.bot


async def test_the_bot_runs_every_shard_in_this_process(env: simcord.Env) -> None:
    bot = the_bot(env)
    servers = await one_server_per_shard(env)

    assert isinstance(bot, discord.AutoShardedClient)
    assert bot.shard_count == SHARDS
    assert sorted(bot.shards) == list(range(SHARDS))
    shards = []
    for server in servers:
        guild = bot.get_guild(server.guild.id)
        assert guild is not None
        shards.append(guild.shard_id)
    assert shards == list(range(SHARDS))
    assert bot.is_ready()


async def test_commands_work_in_the_servers_of_both_shards(env: simcord.Env) -> None:
    for server in await one_server_per_shard(env):
        crisis = await server.member.slash(server.general, "crisis")
        assert "988" in said(crisis)

        asked = await ask(server)

        assert "Your request #1 is in" in said(asked)
        cards = [m for m in server.queue.history() if m.embeds]
        assert len(cards) == 1
        claimed = await server.staff[0].slash(server.queue, "queue next")
        assert claimed.ephemeral


async def test_reminders_run_once_per_process_for_every_shard(env: simcord.Env) -> None:
    servers = await one_server_per_shard(env)
    for server in servers:
        await ask(server)

    await env.advance_time(31 * 60)

    for server in servers:
        reminders = [m for m in server.queue.history() if "Still waiting" in m.content]
        assert len(reminders) == 1, server.guild.id  # one loop, not one per shard


async def test_one_database_and_one_lock_for_all_shards(env: simcord.Env) -> None:
    bot = the_bot(env)
    await one_server_per_shard(env)
    path = bot.settings.database_path

    assert database_in_use(path)
    with pytest.raises(StartupError):
        await Database.open(path)  # a second user of the file is refused, shards or not
    assert bot.db is bot.db


async def test_retention_and_ready_run_once_for_all_shards(
    simcord_bot: SupportBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    seen: list[str] = []

    async def on_ready() -> None:
        seen.append("ready")

    async def on_shard_ready(shard_id: int) -> None:
        seen.append(f"shard {shard_id}")

    simcord_bot.add_listener(on_ready)
    simcord_bot.add_listener(on_shard_ready)
    async with simcord.run(simcord_bot) as env:
        await one_server_per_shard(env)
        await env.settle()
        purged = [r for r in caplog.records if r.getMessage().startswith("privacy.purged")]
        assert len(purged) == 1
        # The cogs start their loops on_ready, which comes once for the whole process.
        assert sorted(seen) == ["ready", "shard 0", "shard 1"]
        await simcord_bot.close_database()


async def test_one_heartbeat_says_connected_once_every_shard_is(
    env: simcord.Env, simcord_bot: SupportBot
) -> None:
    await one_server_per_shard(env)
    path = health_file_for(simcord_bot.settings.database_path)

    beating = asyncio.create_task(keep_heartbeat(simcord_bot, path, interval=0.01))
    for _ in range(500):
        if path.exists():
            break
        await asyncio.sleep(0.01)
    beating.cancel()
    with_shards = json.loads(path.read_text()) if path.exists() else None
    await asyncio.gather(beating, return_exceptions=True)

    assert with_shards is not None
    assert with_shards["connected"] is True
    assert not path.exists()  # removed when it stops


@pytest.mark.parametrize(("given", "expected"), [("", None), ("  ", None), ("3", 3)])
def test_shard_count_reaches_the_bot(tmp_path: Path, given: str, expected: int | None) -> None:
    settings = make_settings(tmp_path, shard_count=given)

    assert settings.shard_count == expected
    assert create_bot(settings).shard_count == expected  # None: Discord's recommendation
