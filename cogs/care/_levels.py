"""The levels of care: the overview, one level, two side by side."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Self

import discord

from bot import limits
from bot.care import OVERVIEW_KEY
from bot.errors import OutOfDateError
from bot.ui import shorten
from cogs._components import PersistentItem, stopped_view
from cogs.care._pages import (
    AnyItem,
    Button,
    CareMenu,
    CareState,
    Page,
    page,
    show,
)

log = logging.getLogger(__name__)


class LevelSelect(CareMenu, template=r"care:levels:open"):
    """Open one level of care in depth."""

    def __init__(self, state: CareState, current: str | None = None) -> None:
        levels = state.care.levels
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
        await show_level(self.state, interaction, self.item.values[0])


class LevelCompareSelect(CareMenu, template=r"care:levels:compare"):
    """Pick two levels to see side by side."""

    def __init__(self, state: CareState) -> None:
        levels = state.care.levels
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
        await show_compare(self.state, interaction, first, second)


class LevelButton(PersistentItem[Button], template=r"care:level:(?P<key>[a-z0-9-]{1,24})"):
    """Jump to one level (``all`` is the overview)."""

    state: ClassVar[CareState]

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
        await show_level(self.state, interaction, self.key)


class CompareButton(
    PersistentItem[Button],
    template=r"care:compare:(?P<first>[a-z0-9-]{1,24}):(?P<second>[a-z0-9-]{1,24})",
):
    state: ClassVar[CareState]

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
        await show_compare(self.state, interaction, self.first, self.second)


# Each page is looked up first and only built (and its key checked) the first time: an
# unknown key is never cached, so it always reaches its builder, which refuses it.


def levels_overview(state: CareState) -> Page:
    return state.pages.get(("levels",), _build_levels_overview, state)


def _build_levels_overview(state: CareState) -> Page:
    overview = stopped_view(LevelSelect(state), LevelCompareSelect(state))
    return page(state, state.care.levels.overview_card(), overview)


def level_page(state: CareState, key: str) -> Page:
    if key == OVERVIEW_KEY:
        return levels_overview(state)
    return state.pages.get(("level", key), _build_level_page, state, key)


def _build_level_page(state: CareState, key: str) -> Page:
    levels = state.care.levels
    if levels.get(key) is None:
        raise OutOfDateError()
    before, after = levels.neighbours(key)
    items: list[discord.ui.Item[Any]] = [LevelSelect(state, key)]
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
    return page(state, levels.level_card(key), stopped_view(*items))


def compare_page(state: CareState, first: str, second: str) -> Page:
    return state.pages.get(("compare", first, second), _build_compare_page, state, first, second)


def _build_compare_page(state: CareState, first: str, second: str) -> Page:
    levels = state.care.levels
    if levels.get(first) is None or levels.get(second) is None or first == second:
        raise OutOfDateError()
    view = stopped_view(
        LevelSelect(state), LevelCompareSelect(state), LevelButton(OVERVIEW_KEY, "All levels")
    )
    return page(state, levels.compare_card(first, second), view)


async def show_level(state: CareState, interaction: discord.Interaction[Any], key: str) -> None:
    await show(interaction, level_page(state, key))


async def show_compare(
    state: CareState, interaction: discord.Interaction[Any], first: str, second: str
) -> None:
    await show(interaction, compare_page(state, first, second))
