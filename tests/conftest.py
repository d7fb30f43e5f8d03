"""Shared fixtures: real settings, a real SQLite file, and the real bot inside SimCord.

``simcord._modal`` is imported here, at collection time: SimCord imports it lazily on the first
modal submit, and pytest's assertion rewriting of a plugin module parsed that deep inside an
event loop's call stack trips CPython 3.11's "AST constructor recursion depth mismatch" bug.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import discord
import pytest
import pytest_asyncio
import simcord
import simcord._modal  # imported early: see the module docstring
from cryptography.fernet import Fernet
from discord import app_commands

from bot.bot import SupportBot, create_bot
from bot.consultations import ConsultationService
from bot.crypto import Cipher
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.library import Library, load_library
from bot.settings import Settings, default_content_dir
from tests._simcord_gaps import unacknowledged_errors


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "discord_token": "test-token-not-real",
        "database_path": tmp_path / "support.db",
        # Discord's failures are simulated: retrying at once tries as often, without the waits.
        "thread_add_retry_seconds": (0.0, 0.0),
        "shard_count": 1,  # SimCord runs an AutoShardedBot only with a known count
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest_asyncio.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "service.db")
    yield database
    await database.close()


@pytest.fixture
def service(db: Database) -> ConsultationService:
    """The consultation service on the test's own database, with a fresh key (a test module
    that needs the bot's own service, as ``test_consult_member`` does, defines its own)."""
    return ConsultationService(db, Cipher(Fernet.generate_key()))


@functools.cache
def _shipped_library() -> Library:
    return load_library(default_content_dir())


def build_bot(settings: Settings) -> SupportBot:
    """``create_bot``, reusing the shipped content when the settings point at it.

    Loading the content (above all building the safety net's grammar and model) takes about a
    second; a bot per test would pay it a thousand times. The content is immutable, so one copy
    serves every test; a test with its own ``CONTENT_DIR`` still loads and checks its files.
    """
    shipped = settings.content_dir == default_content_dir()
    return create_bot(settings, _shipped_library() if shipped else None)


@pytest.fixture
def simcord_bot(settings: Settings) -> SupportBot:
    return build_bot(settings)


def is_expected_refusal(error: BaseException) -> bool:
    """A polite refusal the bot meant to give (bad input, staff only…), not a bug."""
    original = getattr(error, "original", error)
    return isinstance(
        original,
        UserFacingError
        | app_commands.CheckFailure
        | app_commands.TransformerError
        | app_commands.CommandOnCooldown,
    )


def acknowledge_refusals(env: simcord.Env) -> None:
    """SimCord records every error the tree handled; refusals are behaviour, not failures.

    Anything else stays unacknowledged, so SimCord fails the test at teardown.
    """
    pending = unacknowledged_errors(env)
    if all(is_expected_refusal(error) for error in pending):
        _ = env.errors


@pytest_asyncio.fixture
async def env(simcord_env: simcord.Env) -> AsyncIterator[simcord.Env]:
    """SimCord's environment around our bot; closes the database of whichever bot is last.

    Polite refusals (``UserFacingError`` and app-command check failures) are acknowledged;
    any other error the bot hit still fails the test.
    """
    yield simcord_env
    acknowledge_refusals(simcord_env)
    bot = simcord_env.bot
    assert isinstance(bot, SupportBot)
    await bot.close_database()


async def restart(env: simcord.Env, settings: Settings) -> SupportBot:
    """Stop the running bot (closing its database) and start a fresh one on the same file."""
    old = env.bot
    assert isinstance(old, SupportBot)
    await env.settle()
    await old.close_database()
    fresh = build_bot(settings)
    await env.restart_bot(fresh)
    return fresh


@pytest.fixture
def caplog_all(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest_asyncio.fixture(autouse=True)
async def _close_every_database(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """A test that fails half-way must not leave an aiosqlite thread keeping pytest alive."""
    opened: list[Database] = []
    original = Database.open.__func__  # type: ignore[attr-defined]

    async def recording_open(cls: type[Database], *args: object, **kwargs: object) -> Database:
        database = await original(cls, *args, **kwargs)
        opened.append(database)
        return database

    monkeypatch.setattr(Database, "open", classmethod(recording_open))
    yield
    for database in opened:
        await database.close()


# --------------------------------------------------------------------------- a configured server


@dataclass
class ConsultServer:
    """A server set up for consultations, as `/setup` would leave it.

    ``queue`` is visible to staff only; ``consult`` is where private threads are made, every
    member can see it and staff hold Manage Threads there; ``general`` is an ordinary channel.
    ``members`` have no roles, ``staff`` hold ``staff_role``, ``admin`` has Manage Server but
    is not staff.
    """

    env: simcord.Env
    guild: simcord.GuildHandle
    staff_role: simcord.RoleHandle
    queue: simcord.ChannelHandle
    consult: simcord.ChannelHandle
    general: simcord.ChannelHandle
    log: simcord.ChannelHandle
    members: list[simcord.MemberActor]
    staff: list[simcord.MemberActor]
    admin: simcord.MemberActor

    @property
    def member(self) -> simcord.MemberActor:
        return self.members[0]

    async def configure(self, **changes: object) -> GuildConfig:
        """Change this server's configuration directly (what `/setup` stores)."""
        bot = self.env.bot
        assert isinstance(bot, SupportBot)
        return await bot.services.configs.update(self.guild.id, self.env.now(), **changes)


def add_admin(
    env: simcord.Env, guild: simcord.GuildHandle
) -> tuple[simcord.MemberActor, simcord.RoleHandle]:
    """A member with Manage Server, and the role that gives it."""
    role = guild.create_role("Admin", permissions=discord.Permissions(manage_guild=True))
    return guild.add_member(env.create_user("admin"), roles=[role]), role


async def make_consult_server(
    env: simcord.Env,
    *,
    members: int = 2,
    staff: int = 2,
    configure: bool = True,
    shard_id: int | None = None,
    **config: object,
) -> ConsultServer:
    """Build a server with a Staff role, a staff-only queue channel, a consultation channel,
    members and staff; with ``configure`` (the default) its consultation settings are saved."""
    guild = env.create_guild("Recovery Group", shard_id=shard_id)
    staff_role = guild.create_role("Staff")
    assert env.bot.user is not None
    bot_role = guild.roles[env.bot.user.name]
    staff_only = {
        guild.default_role: discord.PermissionOverwrite(view_channel=False),
        staff_role: discord.PermissionOverwrite(view_channel=True),
        bot_role: discord.PermissionOverwrite(view_channel=True),
    }
    queue = guild.create_text_channel("staff-queue", overwrites=dict(staff_only))
    log_channel = guild.create_text_channel("bot-log", overwrites=dict(staff_only))
    # Staff hold Manage Threads here, so they can read (and help in) every private thread.
    consult = guild.create_text_channel(
        "consultations", overwrites={staff_role: discord.PermissionOverwrite(manage_threads=True)}
    )
    general = guild.create_text_channel("general")
    server = ConsultServer(
        env=env,
        guild=guild,
        staff_role=staff_role,
        queue=queue,
        consult=consult,
        general=general,
        log=log_channel,
        members=[guild.add_member(env.create_user(f"member{n}")) for n in range(members)],
        staff=[
            guild.add_member(env.create_user(f"staff{n}"), roles=[staff_role]) for n in range(staff)
        ],
        admin=add_admin(env, guild)[0],
    )
    if configure:
        values: dict[str, object] = {
            "staff_role_id": staff_role.id,
            "queue_channel_id": queue.id,
            "consult_channel_id": consult.id,
            "log_channel_id": log_channel.id,
            "response_time_text": "Staff usually reply within a few hours.",
        }
        values.update(config)
        await server.configure(**values)
    return server


@pytest_asyncio.fixture
async def consult_server(env: simcord.Env) -> ConsultServer:
    """A configured consultation server (see ``make_consult_server``)."""
    return await make_consult_server(env)
