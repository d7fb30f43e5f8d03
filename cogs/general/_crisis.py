"""/crisis: one region's lines first, one phone screen, the other countries one tap away.

The region comes from ``region:`` if given, else the member's own choice, the server's default,
then US (``SupportBot.crisis_region``); ``remember:`` keeps the choice (a region code only) or
forgets it. The menu under the answer shows another country's lines without remembering it.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Self

import discord
from discord import app_commands

from bot import limits
from bot.crisis import CrisisResources
from bot.i18n import ENGLISH
from bot.i18n.messages import say
from bot.ui import crisis_embed, shorten
from cogs._components import PersistentItem, stopped_view

Select = discord.ui.Select[discord.ui.View]

REGION_MENU_ID = "crisis:region"

REMEMBER = "remember"
FORGET = "forget"
REMEMBER_CHOICES = [
    app_commands.Choice(name="yes, remember this country for me", value=REMEMBER),
    app_commands.Choice(name="forget the country I saved", value=FORGET),
]


class RegionSelect(PersistentItem[Select], template=REGION_MENU_ID):
    """Show another country's lines (not remembered: ``/crisis region:`` does that)."""

    crisis_in: ClassVar[Callable[[str], CrisisResources]]
    """The lines in a language (``Library.crisis_in``); set on the subclass the cog registers
    (``cogs._components.bind``), with ``language_of``."""
    language_of: ClassVar[Callable[[discord.Interaction[Any]], Awaitable[str]]]
    where = "item:crisis_region"

    def __init__(
        self, crisis: CrisisResources, current: str | None = None, language: str = ENGLISH
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=REGION_MENU_ID,
                placeholder=say(language, "crisis.menu"),
                options=[
                    discord.SelectOption(
                        label=region.name,
                        value=region.code,
                        description=shorten(
                            ", ".join(line.name for line in region.lines),
                            limits.SELECT_DESCRIPTION,
                        ),
                        default=region.code == current,
                    )
                    for region in crisis.regions
                ][: limits.SELECT_OPTIONS],
            )
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(cls.crisis_in(ENGLISH))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        language = await type(self).language_of(interaction)
        crisis = type(self).crisis_in(language)
        code = crisis.region(self.item.values[0] if self.item.values else None).code
        embed = crisis_embed(crisis, code, language)
        view = crisis_view(type(self), crisis, code, language)
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            await interaction.response.edit_message(embed=embed, view=view)
            return
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


def crisis_view(
    select: type[RegionSelect], crisis: CrisisResources, current: str, language: str = ENGLISH
) -> discord.ui.View:
    """The menu under a /crisis answer, with ``current`` marked."""
    return stopped_view(select(crisis, current, language))
