"""Helpers shared by the behaviour tests: the bot under test, and what a member reads in a
message, as plain text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord
import simcord

from bot.bot import SupportBot


def _embeds_of(source: Any) -> Iterable[discord.Embed]:
    if isinstance(source, discord.Embed):
        return [source]
    if isinstance(source, list | tuple):
        return [item for item in source if isinstance(item, discord.Embed)]
    return list(getattr(source, "embeds", None) or [])


def text_of(source: Any) -> str:
    """Everything a member reads in ``source``, one part per line.

    ``source`` is a message (its content and embeds), an interaction's result (its response),
    one embed or a list of embeds. Each embed gives its author, title, description, every
    field as "name value", and its footer.
    """
    if isinstance(source, simcord.InteractionResult):
        assert source.response is not None
        source = source.response
    parts: list[str] = []
    content = getattr(source, "content", None)
    if isinstance(content, str):
        parts.append(content)
    for embed in _embeds_of(source):
        parts += [embed.author.name or "", embed.title or "", embed.description or ""]
        parts += [f"{field.name} {field.value}" for field in embed.fields]
        parts.append(embed.footer.text or "")
    return "\n".join(parts)


def the_bot(env: simcord.Env) -> SupportBot:
    """The bot running in ``env`` (after any restart), typed as ours."""
    bot = env.bot
    assert isinstance(bot, SupportBot)
    return bot
