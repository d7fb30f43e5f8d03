"""A server's configuration is read once, then kept in memory; every change replaces it.

On a real SQLite file, statements are counted with ``sqlite3``'s own trace callback on the
connection the database thread uses; through SimCord, a change made with ``/setup`` is what the
very next command and the safety net act on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import discord
import pytest
import simcord

from bot.bot import SupportBot
from bot.db import Database
from bot.errors import TryAgainError
from bot.guild_config import GuildConfigRepository, SafetyReply
from bot.settings import Settings
from tests.conftest import add_admin, make_consult_server, make_settings
from tests.helpers import text_of

GUILD = 77
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
HIGH = "honestly I want to kill myself"


class Statements:
    """Every SQL statement the database thread runs, as SQLite reports it."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    async def watch(self, db: Database) -> None:
        await db.read(lambda c: c.set_trace_callback(self.seen.append))

    def about_config(self) -> list[str]:
        return [sql for sql in self.seen if "guild_config" in sql]


async def test_the_second_read_makes_no_query(db: Database) -> None:
    repo = GuildConfigRepository(db)
    statements = Statements()
    await statements.watch(db)

    first = await repo.get(GUILD)
    assert len(statements.about_config()) == 1
    statements.seen.clear()
    second = await repo.get(GUILD)
    assert second == first
    assert statements.seen == []


async def test_a_change_replaces_the_kept_copy(db: Database) -> None:
    repo = GuildConfigRepository(db)
    await repo.get(GUILD)
    statements = Statements()
    await statements.watch(db)

    updated = await repo.update(GUILD, T0, staff_role_id=5, safety_reply="channel")
    assert updated.staff_role_id == 5
    assert updated.safety_reply is SafetyReply.CHANNEL
    statements.seen.clear()
    again = await repo.get(GUILD)
    assert again == updated
    assert statements.seen == []
    stored = await GuildConfigRepository(db).get(GUILD)  # a fresh read of the file
    assert stored == updated


async def test_a_change_that_failed_is_read_again(db: Database) -> None:
    repo = GuildConfigRepository(db)
    await repo.update(GUILD, T0, cooldown_minutes=5)
    await db.fetchone("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE guild_config SET cooldown_minutes = 9 WHERE guild_id = ?", (GUILD,))
    try:
        with pytest.raises(TryAgainError):
            await repo.update(GUILD, T0, cooldown_minutes=7)
    finally:
        other.execute("COMMIT")  # another writer changed it meanwhile
        other.close()
    assert (await repo.get(GUILD)).cooldown_minutes == 9


async def test_a_read_that_started_before_a_change_is_not_kept(db: Database) -> None:
    repo = GuildConfigRepository(db)
    reading = repo.get(GUILD)
    changing = repo.update(GUILD, T0, hourly_cap=3)
    # The read is queued first and sees the old row; the change lands after it.
    old, new = await asyncio.gather(reading, changing)
    assert (old.hourly_cap, new.hourly_cap) == (30, 3)
    assert (await repo.get(GUILD)).hourly_cap == 3


# --------------------------------------------------------------------------- through SimCord


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, safety_net=True)


def _bot(env: simcord.Env) -> SupportBot:
    assert isinstance(env.bot, SupportBot)
    return env.bot


def _from_bot(channel: simcord.ChannelHandle, env: simcord.Env) -> list[discord.Message]:
    me = _bot(env).user
    assert me is not None
    return [m for m in channel.history() if m.author.id == me.id]


async def test_setup_is_seen_at_once_by_the_safety_net(env: simcord.Env) -> None:
    guild = env.create_guild()
    general = guild.create_text_channel("general")
    admin, _ = add_admin(env, guild)
    ann = guild.add_member(env.create_user("ann"))
    bea = guild.add_member(env.create_user("bea"))
    cal = guild.add_member(env.create_user("cal"))
    await admin.slash(general, "setup safety", state=True)

    await ann.send(general, HIGH)  # read with the net on: the config is now kept
    assert len(_from_bot(ann.user.dm_channel, env)) == 1

    await admin.slash(general, "setup safety", state=False)
    await bea.send(general, HIGH)
    assert _from_bot(bea.user.dm_channel, env) == []
    assert _from_bot(general, env) == []

    await admin.slash(general, "setup safety", state=True, reply="channel")
    await cal.send(general, HIGH)
    assert _from_bot(cal.user.dm_channel, env) == []
    [note] = _from_bot(general, env)
    assert "988" in note.content
    rows = await _bot(env).db.fetchall("SELECT user_id FROM crisis_matches ORDER BY id")
    assert [r[0] for r in rows] == [ann.id, cal.id]


async def test_setup_is_seen_at_once_by_the_next_command(env: simcord.Env) -> None:
    server = await make_consult_server(env)
    helpers = server.guild.create_role("Helpers")
    helper = server.guild.add_member(env.create_user("helper"), roles=[helpers])
    desk = server.guild.create_text_channel("helpers-desk")

    before = await helper.slash(server.general, "queue list")  # the config is now kept
    assert "only this server's staff" in text_of(before)

    await server.admin.slash(
        server.general,
        "setup consultations",
        staff_role=helpers,
        queue_channel=desk,
        consult_channel=server.consult,
    )
    after = await helper.slash(server.general, "queue list")
    assert "only this server's staff" not in text_of(after)
    former = await server.staff[0].slash(server.general, "queue list")
    assert "only this server's staff" in text_of(former)
