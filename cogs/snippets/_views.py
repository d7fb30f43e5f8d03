"""The saved replies' persistent buttons: Previous/Next under ``/snippet list``."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Protocol, Self

import discord

from bot.errors import OutOfDateError
from cogs._components import PersistentButton, StaleButton, pager, parse_page
from cogs.snippets._forms import require_lead


class Lister(Protocol):
    async def page(
        self, guild_id: int, page: int
    ) -> tuple[discord.Embed, discord.ui.View | None]: ...


class SnippetPageButton(PersistentButton, template=r"snippet:page:(?P<page>[^:]*)"):
    """Previous/next on a ``/snippet list`` page, re-read on every click (staff leads only)."""

    snippets: ClassVar[Lister]

    def __init__(self, page: int | None, *, label: str = "Next", disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"snippet:page:{page}",
                disabled=disabled,
            )
        )
        self.page = page
        self.where = "button:snippet:page"

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(parse_page(match["page"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = require_lead(interaction)
        if self.page is None:
            raise OutOfDateError()
        await interaction.response.defer()  # the page is redrawn in place
        embed, view = await self.snippets.page(guild_id, self.page)
        await interaction.edit_original_response(embed=embed, view=view)


class StaleSnippetButton(StaleButton, template=r"snippet:(?!page:[^:]*$).*"):
    """Any other ``snippet:`` button id (an older version's, or a forged one)."""

    stale_id = "snippet:stale"
    where = "button:snippet:stale"


BUTTONS = (SnippetPageButton, StaleSnippetButton)


def pager_view(page: int, pages: int) -> discord.ui.View | None:
    return pager(SnippetPageButton, page, pages)
