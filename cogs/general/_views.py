"""The buttons under ``/help``: a page for each section, and Previous/Next in a long one.

``help:<section>`` opens a section's first page; ``help:<section>:<page>`` turns to a page.
The whole state is in the custom_id, so the buttons keep working after a restart. Every press
checks again what the presser may see: a member pressing a forged "Staff tools" is refused.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Protocol, Self

import discord

from bot.errors import OutOfDateError
from bot.i18n.messages import say
from cogs._components import PersistentButton, StaleButton, parse_page, stopped_view
from cogs.general._pages import LABELS, SECTIONS, Page, Section, label


class Pages(Protocol):
    async def show(
        self, interaction: discord.Interaction[Any], section: Section, index: int
    ) -> None: ...


def parse_section(text: str) -> Section | None:
    return next((section for section in SECTIONS if section == text), None)


_ID = rf"help:(?P<section>{'|'.join(SECTIONS)})(?::(?P<page>[0-9]{{1,6}}))?"
"""``help:<section>`` or ``help:<section>:<page>``: nothing else is a help button."""


class HelpButton(PersistentButton, template=_ID):
    """Open a section of ``/help`` (``help:staff``) or turn to a page of it (``help:staff:1``)."""

    pages: ClassVar[Pages]

    def __init__(
        self,
        section: Section | None,
        page: int | None = None,
        *,
        label: str = "",
        disabled: bool = False,
        row: int = 0,
    ) -> None:
        custom_id = f"help:{section}" if page is None else f"help:{section}:{page}"
        super().__init__(
            discord.ui.Button(
                label=label or (LABELS[section] if section else "Help"),
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id,
                disabled=disabled,
                row=row,
            )
        )
        self.section = section
        self.page = page
        self.where = "button:help"

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        page = match["page"]
        return cls(parse_section(match["section"]), None if page is None else parse_page(page))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if self.section is None:  # unreachable through the template; kept as the parse's guard
            raise OutOfDateError()
        await self.pages.show(interaction, self.section, self.page or 0)


class StaleHelpButton(StaleButton, template=rf"help:(?!{_ID.removeprefix('help:')}$).*"):
    """Any other ``help:`` id (an older version's, or a forged one)."""

    stale_id = "help:stale"
    where = "button:help:stale"


def help_view(
    button: type[HelpButton], page: Page, sections: list[Section]
) -> discord.ui.View | None:
    """A button for each section the person may open (this one greyed out), and Previous and
    Next under a section of several pages; None when there is nowhere else to go."""
    items: list[discord.ui.Item[Any]] = []
    if len(sections) > 1:
        items += [
            button(
                section,
                label=label(section, page.language),
                disabled=section == page.section and page.index == 0,
            )
            for section in sections
        ]
    if page.count > 1:  # a greyed-out Previous or Next keeps an id in range
        back, on = max(page.index - 1, 0), min(page.index + 1, page.count - 1)
        items += [
            button(
                page.section,
                back,
                label=say(page.language, "page.previous"),
                disabled=page.index <= 0,
                row=1,
            ),
            button(
                page.section,
                on,
                label=say(page.language, "page.next"),
                disabled=page.index >= page.count - 1,
                row=1,
            ),
        ]
    return stopped_view(*items) if items else None
