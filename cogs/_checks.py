"""The runtime permission checks shared by features (house style 9: a command's
``default_permissions`` only hides it; every command and button checks again when used)."""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import UserFacingError


def require_manager(
    interaction: discord.Interaction[Any], *, action: str = "change the setup"
) -> discord.Member:
    """The runtime check behind the Manage Server hint (admins can change command permissions):
    Manage Server, or Administrator (which includes it). ``action`` completes the refusal,
    "Only people with the Manage Server permission can …"."""
    user = interaction.user
    if not isinstance(user, discord.Member) or not user.guild_permissions.manage_guild:
        raise UserFacingError(f"Only people with the Manage Server permission can {action}.")
    return user
