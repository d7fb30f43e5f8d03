"""Every /setup command keeps what it is not given; `/setup clear` is the one way to empty a
setting (issue 13, item 15)."""

from __future__ import annotations

import dataclasses
from typing import Any

import discord
import pytest
import simcord
from discord import app_commands

from bot.bot import SupportBot
from bot.guild_config import GuildConfig, GuildConfigRepository, SafetyReply
from cogs.setup._cog import CLEARABLE
from tests.conftest import ConsultServer, make_consult_server

OPTION_FIELDS: dict[str, dict[str, str]] = {
    "consultations": {
        "log_channel": "log_channel_id",
        "response_time": "response_time_text",
        "work_start": "work_start_hour",
        "work_end": "work_end_hour",
        "timezone": "timezone",
    },
    "limits": {
        "cooldown_minutes": "cooldown_minutes",
        "hourly_cap": "hourly_cap",
        "reminder_minutes": "reminder_minutes",
        "urgent_reminder_minutes": "urgent_reminder_minutes",
        "claim_cap": "claim_cap",
        "require_oncall": "require_oncall",
    },
    "conversations": {
        "quiet_nudge_hours": "quiet_nudge_hours",
        "quiet_close_hours": "quiet_close_hours",
        "staff_reply_minutes": "staff_reply_minutes",
    },
    "group": {
        "welcome_channel": "welcome_channel_id",
        "welcome_dm": "welcome_dm",
        "welcome_ping": "welcome_ping",
        "meetings_channel": "meetings_channel_id",
        "meeting_reminder_minutes": "meeting_reminder_minutes",
        "member_role": "member_role_id",
        "celebrate_channel": "celebrate_channel_id",
    },
    "safety": {"state": "safety_enabled", "reply": "safety_reply"},
    "crisis": {"region": "crisis_region"},
    "clear": {},
    "quickstart": {},
    "panel": {},  # posts a message; stores no setting
    "show": {},
}
"""Each /setup subcommand's optional options, and the setting each one writes."""


def the_bot(env: simcord.Env) -> SupportBot:
    bot = env.bot
    assert isinstance(bot, SupportBot)
    return bot


def setup_group(bot: SupportBot) -> app_commands.Group:
    group = bot.tree.get_command("setup")
    assert isinstance(group, app_commands.Group)
    return group


def test_the_table_names_every_optional_option_of_every_setup_command(
    simcord_bot: SupportBot,
) -> None:
    # A bot that never started: add the /setup group to its tree by hand.
    from cogs.setup._cog import Setup

    simcord_bot.tree.add_command(Setup(simcord_bot).app_command)  # type: ignore[arg-type]
    found = {
        command.name: {p.name for p in command.parameters if not p.required}
        for command in setup_group(simcord_bot).commands
        if isinstance(command, app_commands.Command)
    }
    assert found == {name: set(options) for name, options in OPTION_FIELDS.items()}


async def configured(env: simcord.Env) -> tuple[ConsultServer, GuildConfig]:
    """A server where every /setup setting holds a value that is not its default."""
    server = await make_consult_server(env, members=0, staff=0)
    guild = server.guild
    owner = guild.create_role("Owner", permissions=discord.Permissions(administrator=True))
    server.admin = guild.add_member(env.create_user("owner"), roles=[owner])  # sees every channel
    config = await server.configure(
        response_time_text="Within two hours.",
        work_start_hour=9,
        work_end_hour=17,
        timezone="Europe/London",
        cooldown_minutes=3,
        hourly_cap=7,
        reminder_minutes=11,
        urgent_reminder_minutes=4,
        welcome_channel_id=guild.create_text_channel("welcome").id,
        welcome_dm=True,
        welcome_ping=True,
        meetings_channel_id=guild.create_text_channel("meetings").id,
        meeting_reminder_minutes=22,
        member_role_id=guild.create_role("Member").id,
        celebrate_channel_id=guild.create_text_channel("cheers").id,
        safety_enabled=True,
        safety_reply=SafetyReply.CHANNEL,
        claim_cap=4,
        require_oncall=True,
        hours_days="01234",
        hours_mode="hold",
        hours_oncall_role_id=guild.create_role("On call").id,
        quiet_nudge_hours=12,
        quiet_close_hours=24,
        staff_reply_minutes=45,
        crisis_region="GB",
    )
    for field in dataclasses.fields(GuildConfig):
        assert getattr(config, field.name) != field.default, field.name
    return server, config


def required_options(server: ConsultServer, command: str) -> dict[str, Any]:
    """The options a command cannot be run without, set to what is already saved."""
    if command == "consultations":
        return {
            "staff_role": server.staff_role,
            "queue_channel": server.queue,
            "consult_channel": server.consult,
        }
    if command == "clear":
        pytest.skip("/setup clear is tested below")
    if command == "panel":
        return {"channel": server.general}
    return {}


@pytest.mark.parametrize("command", [c for c in OPTION_FIELDS if c != "clear"])
async def test_an_option_left_out_keeps_its_setting(env: simcord.Env, command: str) -> None:
    server, before = await configured(env)

    result = await server.admin.slash(
        server.general, f"setup {command}", **required_options(server, command)
    )

    assert result.ephemeral
    after = await GuildConfigRepository(the_bot(env).db).get(server.guild.id)
    for option, field in OPTION_FIELDS[command].items():
        assert getattr(after, field) == getattr(before, field), f"{command} {option}"
    assert after == before


@pytest.mark.parametrize("setting", sorted(CLEARABLE))
async def test_setup_clear_empties_only_that_setting(env: simcord.Env, setting: str) -> None:
    server, before = await configured(env)

    result = await server.admin.slash(server.general, "setup clear", setting=setting)

    assert result.ephemeral
    after = await GuildConfigRepository(the_bot(env).db).get(server.guild.id)
    _, columns = CLEARABLE[setting]
    assert after == dataclasses.replace(before, **dict.fromkeys(columns))


async def test_setup_clear_is_for_manage_server_only(env: simcord.Env) -> None:
    server, before = await configured(env)
    someone = server.guild.add_member(env.create_user("someone"))
    command = env.backend.find_command("setup", None)
    assert command is not None
    server.guild.set_command_permissions(int(command["id"]), {someone: True})

    result = await someone.slash(server.general, "setup clear", setting="log_channel")

    assert "Manage Server" in (result.response.content if result.response else "")
    assert await GuildConfigRepository(the_bot(env).db).get(server.guild.id) == before
