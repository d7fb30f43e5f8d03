"""Structure: every command, option and persistent custom_id within Discord's rules."""

from __future__ import annotations

import re

import simcord
from discord import app_commands

from bot import limits
from bot.bot import EXTENSIONS, SupportBot
from bot.settings import Settings
from tests.conftest import restart

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")
"""Discord allows more (other scripts' lower-case letters); we keep to ASCII lower case."""


async def test_every_command_and_option_follows_discord_rules(simcord_bot: SupportBot) -> None:
    for extension in EXTENSIONS:
        await simcord_bot.load_extension(extension)
    commands = list(simcord_bot.tree.walk_commands())
    top_level = simcord_bot.tree.get_commands()
    assert len(top_level) <= 100
    assert commands
    for command in commands:
        assert NAME.match(command.name), command.name
        assert 1 <= len(command.description) <= limits.COMMAND_DESCRIPTION, command.qualified_name
        if isinstance(command, app_commands.Group):
            assert len(command.commands) <= 25
            continue
        assert len(command.parameters) <= 25
        for parameter in command.parameters:
            assert NAME.match(parameter.name), f"{command.qualified_name}.{parameter.name}"
            assert 1 <= len(parameter.description) <= limits.COMMAND_DESCRIPTION
            assert len(parameter.choices) <= limits.CHOICES
            for choice in parameter.choices:
                assert 1 <= len(choice.name) <= 100


async def test_commands_sync_once_and_not_again_after_a_restart(
    env: simcord.Env, settings: Settings
) -> None:
    syncs_before = [r for r in env.http_requests if r.method == "PUT" and "/commands" in r.path]
    assert len(syncs_before) == 1

    bot = await restart(env, settings)

    syncs_after = [r for r in env.http_requests if r.method == "PUT" and "/commands" in r.path]
    assert len(syncs_after) == 1
    channel = env.create_guild().create_text_channel("general")
    member = env.guild.add_member(env.create_user("ann"))
    result = await member.slash(channel, "crisis")
    assert result.ephemeral
    assert bot.db.path == settings.database_path
