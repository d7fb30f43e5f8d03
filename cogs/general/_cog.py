"""Help and crisis resources: the two commands every member can always reach."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import limits
from bot.bot import SupportBot
from bot.ui import CALM, add_field, crisis_embed, embed

Audience = Literal["member", "staff", "admin"]

AUDIENCE_TITLES: dict[Audience, str] = {
    "member": "For everyone",
    "staff": "For staff and consultants",
    "admin": "For server admins",
}


def audience_of(command: app_commands.Command[Any, ..., Any] | app_commands.Group) -> Audience:
    """Who a command is for: an explicit ``extras['audience']``, else from its permissions."""
    node: app_commands.Command[Any, ..., Any] | app_commands.Group | None = command
    while node is not None:
        audience = node.extras.get("audience")
        if audience in AUDIENCE_TITLES:
            return audience  # type: ignore[no-any-return]
        permissions = node.default_permissions
        if permissions is not None and (permissions.manage_guild or permissions.administrator):
            return "admin"
        node = node.parent
    return "member"


def iter_leaf_commands(
    tree: app_commands.CommandTree[SupportBot],
) -> Iterator[app_commands.Command[Any, ..., Any]]:
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command):
            yield command


def help_embed(tree: app_commands.CommandTree[SupportBot]) -> discord.Embed:
    """The command list, generated from the tree so it cannot go stale."""
    lines: dict[Audience, list[str]] = {audience: [] for audience in AUDIENCE_TITLES}
    for command in sorted(iter_leaf_commands(tree), key=lambda c: c.qualified_name):
        lines[audience_of(command)].append(f"`/{command.qualified_name}` {command.description}")
    result = embed(
        "How this bot can help",
        "This server is a free peer support group. I can explain levels of care, share coping "
        "ideas, connect you with a consultant, and show crisis resources any time.\n"
        "**If you are in danger right now, use `/crisis`.**",
        colour=CALM,
    )
    for audience, entries in lines.items():
        chunk: list[str] = []
        part = 1
        for entry in entries:
            if sum(len(line) + 1 for line in chunk) + len(entry) + 1 > limits.EMBED_FIELD_VALUE:
                add_field(result, f"{AUDIENCE_TITLES[audience]} ({part})", "\n".join(chunk))
                chunk, part = [], part + 1
            chunk.append(entry)
        if chunk:
            title = (
                AUDIENCE_TITLES[audience] if part == 1 else f"{AUDIENCE_TITLES[audience]} ({part})"
            )
            add_field(result, title, "\n".join(chunk))
    return result


class General(commands.Cog):
    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot
        self._help: discord.Embed | None = None
        self._crisis = crisis_embed(bot.crisis)

    @app_commands.command(name="help")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def help_command(self, interaction: discord.Interaction[SupportBot]) -> None:
        """What this bot does and how to use it."""
        if self._help is None:  # the tree is complete once the bot is up; build it once
            self._help = help_embed(self.bot.tree)
        await interaction.response.send_message(embed=self._help, ephemeral=True)

    @app_commands.command(name="crisis")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def crisis_command(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Get help right now: crisis lines you can call or text, free, any time."""
        await interaction.response.send_message(embed=self._crisis, ephemeral=True)
