"""The command tree: one place where every slash-command error becomes a polite reply."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.crisis import CrisisResources
from bot.errors import UserFacingError
from bot.i18n import ENGLISH, language_of_locale
from bot.i18n.commands import COMMAND_TEXT
from bot.ui import report_error

log = logging.getLogger(__name__)


def _as_user_facing(error: app_commands.AppCommandError) -> UserFacingError | None:
    if isinstance(error, app_commands.NoPrivateMessage):
        return UserFacingError("Please use this command inside the support server, not in a DM.")
    if isinstance(error, app_commands.MissingPermissions):
        needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
        return UserFacingError(f"You need the {needed} permission to do that.")
    if isinstance(error, app_commands.CommandOnCooldown):
        return UserFacingError(
            f"Please wait {error.retry_after:.0f} seconds before using that again. "
            "If you need help right now, /crisis is always open.",
            show_crisis=False,
        )
    if isinstance(error, app_commands.TransformerError):
        return UserFacingError("That value doesn't look right. Please check it and try again.")
    if isinstance(error, app_commands.CheckFailure):
        return UserFacingError("Sorry, you can't use that here.")
    return None


NAMES_STAY_ENGLISH = frozenset(
    {
        app_commands.TranslationContextLocation.command_name,
        app_commands.TranslationContextLocation.group_name,
        app_commands.TranslationContextLocation.parameter_name,
    }
)
"""Command, group and option names are never translated: ``/help`` and the README stay simple."""


class SupportTranslator(app_commands.Translator):
    """Descriptions and choices in each language Discord asks for (``bot.i18n.commands``):
    Spanish for ``es-ES`` and ``es-419``; None (Discord shows the English) for the rest."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if context.location in NAMES_STAY_ENGLISH:
            return None
        language = language_of_locale(locale.value)
        return COMMAND_TEXT.get(language or "", {}).get(string.message)


IncidentHook = Callable[[discord.Interaction[Any], BaseException, str, str], Awaitable[None]]
"""Told of each unexpected failure after the member's reply: (interaction, error, where, id)."""


class SupportTree(app_commands.CommandTree["Any"]):
    crisis: CrisisResources | None = None
    """Shown with every error reply; handed in by the bot that owns the tree."""
    region_of: Callable[[discord.Interaction[Any]], Awaitable[str]] | None = None
    """The person's crisis region (``SupportBot.error_region``); handed in too."""
    on_incident: IncidentHook | None = None
    """Tells the server's admins (its log channel); handed in by the bot that owns the tree."""
    kept_language: Callable[[discord.Interaction[Any]], str] | None = None
    """``SupportBot.kept_language``: the person's language from memory alone, for an error
    reply (the database may be what failed)."""
    crisis_in: Callable[[str], CrisisResources] | None = None
    """``Library.crisis_in``: the crisis lines in a language."""
    language_of: Callable[[discord.Interaction[Any]], Awaitable[str]] | None = None
    """``SupportBot.language``: called before every command, so the language of the person's
    Discord app at their last command is known to the messages the bot sends on its own."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if self.language_of is not None:
            await self.language_of(interaction)  # never raises: storage trouble uses memory
        return True

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "unknown"
        friendly = _as_user_facing(error)
        where = f"command:{command}"
        region = await self.region_of(interaction) if self.region_of is not None else None
        language = self.kept_language(interaction) if self.kept_language else ENGLISH
        crisis = self.crisis_in(language) if self.crisis_in else self.crisis
        error_id = await report_error(
            interaction,
            friendly or error,
            where=where,
            crisis=crisis,
            region=region,
            language=language,
        )
        if error_id is not None and self.on_incident is not None:
            await self.on_incident(interaction, error, where, error_id)
