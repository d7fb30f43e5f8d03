"""The levels of care: the overview, one level, two side by side."""

from __future__ import annotations

import logging
import re
from typing import Any, Self

import discord

from bot import limits
from bot.bot import SupportBot
from bot.care import OVERVIEW_KEY
from bot.errors import OutOfDateError
from bot.ui import shorten
from cogs._components import PersistentItem, stopped_view
from cogs.care._pages import (
    AnyItem,
    Button,
    CareMenu,
    Page,
    care_bot,
    page,
    page_cache,
    show,
)

log = logging.getLogger(__name__)


class LevelSelect(CareMenu, template=r"care:levels:open"):
    """Open one level of care in depth."""

    def __init__(self, bot: SupportBot, current: str | None = None) -> None:
        levels = bot.care.levels
        super().__init__(
            discord.ui.Select(
                custom_id="care:levels:open",
                placeholder="Read about one level…",
                options=[
                    discord.SelectOption(
                        label=level.name,
                        value=level.key,
                        description=shorten(level.summary, limits.SELECT_DESCRIPTION),
                        default=level.key == current,
                    )
                    for level in levels.levels
                ],
                row=0,
            )
        )

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_level(interaction, self.item.values[0])


class LevelCompareSelect(CareMenu, template=r"care:levels:compare"):
    """Pick two levels to see side by side."""

    def __init__(self, bot: SupportBot) -> None:
        levels = bot.care.levels
        super().__init__(
            discord.ui.Select(
                custom_id="care:levels:compare",
                placeholder="Compare two levels side by side…",
                min_values=2,
                max_values=2,
                options=[
                    discord.SelectOption(label=level.name, value=level.key)
                    for level in levels.levels
                ],
                row=1,
            )
        )

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        first, second = self.item.values
        await show_compare(interaction, first, second)


class LevelButton(PersistentItem[Button], template=r"care:level:(?P<key>[a-z0-9-]{1,24})"):
    """Jump to one level (``all`` is the overview)."""

    def __init__(self, key: str, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=shorten(label, limits.BUTTON_LABEL),
                style=discord.ButtonStyle.secondary,
                custom_id=f"care:level:{key}",
                row=2,
            )
        )
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        return cls(match["key"], getattr(item, "label", None) or match["key"])

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_level(interaction, self.key)


class CompareButton(
    PersistentItem[Button],
    template=r"care:compare:(?P<first>[a-z0-9-]{1,24}):(?P<second>[a-z0-9-]{1,24})",
):
    def __init__(self, first: str, second: str, label: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=shorten(label, limits.BUTTON_LABEL),
                style=discord.ButtonStyle.primary,
                custom_id=f"care:compare:{first}:{second}",
                row=3,
            )
        )
        self.first, self.second = first, second

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        return cls(match["first"], match["second"], getattr(item, "label", None) or "Compare")

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_compare(interaction, self.first, self.second)


# Each page is looked up first and only built (and its key checked) the first time: an
# unknown key is never cached, so it always reaches its builder, which refuses it.


def levels_overview(bot: SupportBot) -> Page:
    return page_cache(bot).get(("levels",), _build_levels_overview, bot)


def _build_levels_overview(bot: SupportBot) -> Page:
    overview = stopped_view(LevelSelect(bot), LevelCompareSelect(bot))
    return page(bot, bot.care.levels.overview_card(), overview)


def level_page(bot: SupportBot, key: str) -> Page:
    if key == OVERVIEW_KEY:
        return levels_overview(bot)
    return page_cache(bot).get(("level", key), _build_level_page, bot, key)


def _build_level_page(bot: SupportBot, key: str) -> Page:
    levels = bot.care.levels
    if levels.get(key) is None:
        raise OutOfDateError()
    before, after = levels.neighbours(key)
    items: list[discord.ui.Item[Any]] = [LevelSelect(bot, key)]
    if before is not None:
        items.append(LevelButton(before.key, f"◀ {before.short_name}"))
    items.append(LevelButton(OVERVIEW_KEY, "All levels"))
    if after is not None:
        items.append(LevelButton(after.key, f"{after.short_name} ▶"))
    other = after or before
    if other is not None:
        level = levels.get(key)
        assert level is not None
        items.append(
            CompareButton(key, other.key, f"Compare {level.short_name} and {other.short_name}")
        )
    return page(bot, levels.level_card(key), stopped_view(*items))


def compare_page(bot: SupportBot, first: str, second: str) -> Page:
    return page_cache(bot).get(("compare", first, second), _build_compare_page, bot, first, second)


def _build_compare_page(bot: SupportBot, first: str, second: str) -> Page:
    levels = bot.care.levels
    if levels.get(first) is None or levels.get(second) is None or first == second:
        raise OutOfDateError()
    view = stopped_view(
        LevelSelect(bot), LevelCompareSelect(bot), LevelButton(OVERVIEW_KEY, "All levels")
    )
    return page(bot, levels.compare_card(first, second), view)


async def show_level(interaction: discord.Interaction[Any], key: str) -> None:
    await show(interaction, level_page(care_bot(interaction), key))


async def show_compare(interaction: discord.Interaction[Any], first: str, second: str) -> None:
    await show(interaction, compare_page(care_bot(interaction), first, second))
