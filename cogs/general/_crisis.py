"""/crisis: one region's lines first, one phone screen, the other countries one tap away.

The region comes from ``region:`` if given, else the member's own choice, the server's default,
then US (``SupportBot.crisis_region``); ``remember:`` keeps the choice (a region code only) or
forgets it. The menu under the answer shows another country's lines without remembering it.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord
from discord import app_commands

from bot import limits
from bot.crisis import CrisisResources
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

    crisis: ClassVar[CrisisResources]
    """Set on the subclass the cog registers (``cogs._components.bind``)."""
    where = "item:crisis_region"

    def __init__(self, crisis: CrisisResources, current: str | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=REGION_MENU_ID,
                placeholder="Lines for another country…",
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
        return cls(cls.crisis)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        code = self.crisis.region(self.item.values[0] if self.item.values else None).code
        embed = crisis_embed(self.crisis, code)
        view = crisis_view(type(self), self.crisis, code)
        message = interaction.message
        if message is not None and message.flags.ephemeral:
            await interaction.response.edit_message(embed=embed, view=view)
            return
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


def crisis_view(
    select: type[RegionSelect], crisis: CrisisResources, current: str
) -> discord.ui.View:
    """The menu under a /crisis answer, with ``current`` marked."""
    return stopped_view(select(crisis, current))
