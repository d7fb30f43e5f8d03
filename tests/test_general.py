"""/help and /crisis through SimCord: what a member sees."""

from __future__ import annotations

import logging
from pathlib import Path

import discord
import pytest
import simcord
from discord import app_commands

from bot.bot import SupportBot
from bot.ui import SOMETHING_WENT_WRONG
from tests.helpers import text_of as _text


async def test_help_answers_privately_with_the_crisis_line_first(env: simcord.Env) -> None:
    channel = env.create_guild().create_text_channel("general")
    member = env.guild.add_member(env.create_user("ann"))

    result = await member.slash(channel, "help")

    assert result.ephemeral
    text = _text(result.response.embeds[0])
    assert "If you are in danger right now, use </crisis:" in text
    assert "Start here" in text  # the rest is one tap away (tests/test_general_help.py)


async def test_crisis_shows_every_resource_privately(env: simcord.Env) -> None:
    channel = env.create_guild().create_text_channel("general")
    member = env.guild.add_member(env.create_user("ann"))

    result = await member.slash(channel, "crisis")

    assert result.ephemeral
    text = _text(result.response.embeds[0])
    for needle in ("988", "1-800-662-4357", "741741", "911", "findahelpline.com"):
        assert needle in text
    assert "press 3" not in text.lower()


async def test_crisis_and_help_work_in_a_dm(env: simcord.Env) -> None:
    user = env.create_user("alone")

    crisis = await user.slash("crisis")
    help_result = await user.slash("help")

    assert "988" in _text(crisis.response.embeds[0])
    assert "If you are in danger right now, use </crisis:" in _text(help_result.response.embeds[0])


@pytest.mark.parametrize("damage", ["deleted", "corrupted"])
async def test_crisis_answers_with_the_database_broken(
    env: simcord.Env, settings: object, damage: str
) -> None:
    bot = env.bot
    assert isinstance(bot, SupportBot)
    channel = env.create_guild().create_text_channel("general")
    member = env.guild.add_member(env.create_user("ann"))
    path = Path(bot.settings.database_path)
    await bot.close_database()
    if damage == "deleted":
        path.unlink()
    else:
        path.write_bytes(b"this is not a database" * 100)

    result = await member.slash(channel, "crisis")

    assert result.ephemeral
    assert "988" in _text(result.response.embeds[0])


async def test_an_unexpected_error_gets_a_polite_private_reply(
    simcord_bot: SupportBot, caplog: pytest.LogCaptureFixture
) -> None:
    @app_commands.command(name="explode", description="Always fails.")
    async def explode(interaction: discord.Interaction[SupportBot]) -> None:
        raise RuntimeError("secret member words")

    simcord_bot.tree.add_command(explode)
    caplog.set_level(logging.INFO)
    async with simcord.run(simcord_bot) as env:
        channel = env.create_guild().create_text_channel("general")
        member = env.guild.add_member(env.create_user("ann"))

        result = await member.slash(channel, "explode")
        errors = env.errors  # acknowledge: the handler logged it on purpose

        assert result.ephemeral
        assert result.response.content == SOMETHING_WENT_WRONG
        assert "988" in result.response.content
        # We don't know what was saved, so we never say it is safe; the crisis lines come too.
        assert "safe" not in result.response.content
        assert "may not have been saved" in result.response.content
        assert any("988" in str(embed.to_dict()) for embed in result.response.embeds)
        await simcord_bot.close_database()
    failure = [r for r in caplog.records if r.getMessage().startswith("interaction.failed")]
    assert failure
    assert "command:explode" in failure[0].getMessage()
    assert f"user={member.id}" in failure[0].getMessage()
    assert "secret member words" not in failure[0].getMessage()
    del errors


async def test_an_error_after_deferring_still_gets_a_reply(simcord_bot: SupportBot) -> None:
    @app_commands.command(name="slowfail", description="Defers, then fails.")
    async def slowfail(interaction: discord.Interaction[SupportBot]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        raise RuntimeError("boom")

    simcord_bot.tree.add_command(slowfail)
    async with simcord.run(simcord_bot) as env:
        channel = env.create_guild().create_text_channel("general")
        member = env.guild.add_member(env.create_user("ann"))

        result = await member.slash(channel, "slowfail")
        _ = env.errors

        assert result.acknowledged
        assert result.response.content == SOMETHING_WENT_WRONG
        assert result.ephemeral
        await simcord_bot.close_database()
