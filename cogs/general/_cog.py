"""Help and crisis resources: the two commands every member can always reach.

``/help`` shows each person what they can use where they are (``_audience``): the five things
most members need first, and the rest one tap away (``_pages``, ``_views``)."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import SupportBot
from bot.errors import UserFacingError
from bot.i18n.messages import say
from bot.services import Services
from bot.ui import crisis_embed
from cogs._components import bind
from cogs._crisis_regions import parse_region, region_choices
from cogs.general._audience import AnyCommand, iter_leaf_commands, require_audience, viewer_of
from cogs.general._crisis import (
    FORGET,
    REMEMBER,
    REMEMBER_CHOICES,
    RegionSelect,
    crisis_view,
)
from cogs.general._language import FOLLOW_CLIENT, LANGUAGE_CHOICES, parse_language
from cogs.general._pages import AUDIENCE_OF_SECTION, Page, Section, help_page, sections_for
from cogs.general._views import HelpButton, StaleHelpButton, help_view

log = logging.getLogger(__name__)


class General(commands.Cog):
    def __init__(self, bot: SupportBot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.button = bind((HelpButton,), pages=self)[0]
        self.region_select = bind(
            (RegionSelect,), crisis_in=bot.library.crisis_in, language_of=bot.language
        )[0]
        self.buttons = (self.button, StaleHelpButton, self.region_select)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)

    async def _page(
        self, interaction: discord.Interaction[Any], section: Section, index: int
    ) -> tuple[Page, discord.ui.View | None]:
        """The page as this person may see it here, with the buttons they may press; a page
        they may not see (a forged button) is refused."""
        viewer = await viewer_of(interaction, self.services)
        require_audience(viewer, AUDIENCE_OF_SECTION[section])
        listed: list[AnyCommand] = list(iter_leaf_commands(self.bot.tree))
        ids = await self.bot.command_ids()
        language = await self.bot.language(interaction)
        page = help_page(listed, section, index, ids=ids, viewer=viewer, language=language)
        return page, help_view(self.button, page, sections_for(listed, viewer))

    async def show(
        self, interaction: discord.Interaction[Any], section: Section, index: int
    ) -> None:
        """A help button: turn the person's own private message to the page; a press on a
        public message (a forged one) gets a private reply, so nobody changes what others see."""
        page, view = await self._page(interaction, section, index)
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            await interaction.response.edit_message(embed=page.embed, view=view)
            return
        await interaction.response.send_message(
            embed=page.embed, view=view or discord.utils.MISSING, ephemeral=True
        )

    @app_commands.command(name="help")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def help_command(self, interaction: discord.Interaction[SupportBot]) -> None:
        """What this bot does and how to use it."""
        page, view = await self._page(interaction, "start", 0)
        await interaction.response.send_message(
            embed=page.embed, view=view or discord.utils.MISSING, ephemeral=True
        )

    @app_commands.command(name="crisis")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(
        region="The country whose lines to show first",
        remember="Remember this country for you, or forget the one you saved",
    )
    @app_commands.choices(remember=REMEMBER_CHOICES)
    async def crisis_command(
        self,
        interaction: discord.Interaction[SupportBot],
        region: str | None = None,
        remember: str | None = None,
    ) -> None:
        """Get help right now: crisis lines you can call or text, free, any time.

        Args:
            region: The country whose lines to show first
            remember: Remember this country for you, or forget the one you saved
        """
        language = await self.bot.language(interaction)
        crisis = self.bot.library.crisis_in(language)
        user, guild_id = interaction.user.id, interaction.guild_id
        chosen = parse_region(crisis, region)
        note: str | None = None
        if remember == FORGET:
            await self.services.regions.members.forget(user)
            note = say(language, "crisis.forgotten")
        elif remember == REMEMBER:
            if chosen is None:
                raise UserFacingError(say(language, "crisis.pick_first"), show_crisis=True)
            await self.services.regions.members.remember(user, chosen)
            note = say(language, "crisis.saved", country=crisis.region(chosen).name)
        if chosen is None:
            chosen = await self.bot.crisis_region(user, guild_id, private=True)
        log.info("crisis.shown user=%s region=%s language=%s", user, chosen, language)
        await interaction.response.send_message(
            note,
            embed=crisis_embed(crisis, chosen, language),
            view=crisis_view(self.region_select, crisis, chosen, language),
            ephemeral=True,
        )

    @app_commands.command(name="language")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    @app_commands.describe(language="The language I answer you in")
    @app_commands.choices(language=LANGUAGE_CHOICES)
    async def language_command(
        self, interaction: discord.Interaction[SupportBot], language: str | None = None
    ) -> None:
        """Choose the language I answer you in: English or Spanish.

        Args:
            language: The language I answer you in
        """
        user = interaction.user.id
        if language is None:
            note = "language.now"
        elif language == FOLLOW_CLIENT:
            await self.services.languages.choose(user, None)
            note = "language.forgotten"
        else:
            await self.services.languages.choose(user, parse_language(language))
            note = "language.saved"
        answer = await self.bot.language(interaction)
        await interaction.response.send_message(say(answer, note), ephemeral=True)

    @crisis_command.autocomplete("region")
    async def _region_autocomplete(
        self, interaction: discord.Interaction[SupportBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return region_choices(self.bot.crisis, current)
