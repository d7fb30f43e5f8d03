"""The time zone autocomplete every zone option shares (the names come from ``bot.timezones``)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.timezones import suggest


async def timezone_choices(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Up to 25 canonical zone names matching what was typed so far."""
    return [app_commands.Choice(name=name, value=name) for name in suggest(current)]
