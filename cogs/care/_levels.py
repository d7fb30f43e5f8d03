"""The levels of care: the overview, one level, two side by side."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Self

import discord

from bot import limits
from bot.care import OVERVIEW_KEY
from bot.errors import OutOfDateError
from bot.i18n import ENGLISH
from bot.i18n.messages import say
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

    def __init__(
        self, state: CareState, current: str | None = None, language: str = ENGLISH
    ) -> None:
        levels = state.levels_in(language)
        super().__init__(
            discord.ui.Select(
                custom_id="care:levels:open",
                placeholder=say(language, "levels.menu"),
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
        language = await self.state.language(interaction)
        await show_level(self.state, interaction, self.item.values[0], language)


class LevelCompareSelect(CareMenu, template=r"care:levels:compare"):
    """Pick two levels to see side by side."""

    def __init__(self, state: CareState, language: str = ENGLISH) -> None:
        levels = state.levels_in(language)
        super().__init__(
            discord.ui.Select(
                custom_id="care:levels:compare",
                placeholder=say(language, "levels.compare_menu"),
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
        language = await self.state.language(interaction)
        await show_compare(self.state, interaction, first, second, language)


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
        language = await self.state.language(interaction)
        await show_level(self.state, interaction, self.key, language)


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
        language = await self.state.language(interaction)
        await show_compare(self.state, interaction, self.first, self.second, language)


# Each page is looked up first and only built (and its key checked) the first time: an
# unknown key is never cached, so it always reaches its builder, which refuses it.


def levels_overview(state: CareState, language: str = ENGLISH) -> Page:
    return state.pages.get(("levels", language), _build_levels_overview, state, language)


def _build_levels_overview(state: CareState, language: str) -> Page:
    overview = stopped_view(LevelSelect(state, None, language), LevelCompareSelect(state, language))
    return page(state, state.levels_in(language).overview_card(language), overview, language)


def level_page(state: CareState, key: str, language: str = ENGLISH) -> Page:
    if key == OVERVIEW_KEY:
        return levels_overview(state, language)
    return state.pages.get(("level", key, language), _build_level_page, state, key, language)


def _build_level_page(state: CareState, key: str, language: str) -> Page:
    levels = state.levels_in(language)
    if levels.get(key) is None:
        raise OutOfDateError()
    before, after = levels.neighbours(key)
    items: list[discord.ui.Item[Any]] = [LevelSelect(state, key, language)]
    if before is not None:
        items.append(LevelButton(before.key, f"◀ {before.short_name}"))
    items.append(LevelButton(OVERVIEW_KEY, say(language, "levels.all")))
    if after is not None:
        items.append(LevelButton(after.key, f"{after.short_name} ▶"))
    other = after or before
    if other is not None:
        level = levels.get(key)
        assert level is not None
        label = say(language, "levels.compare_two", first=level.short_name, second=other.short_name)
        items.append(CompareButton(key, other.key, label))
    return page(state, levels.level_card(key, language), stopped_view(*items), language)


def compare_page(state: CareState, first: str, second: str, language: str = ENGLISH) -> Page:
    key = ("compare", first, second, language)
    return state.pages.get(key, _build_compare_page, state, first, second, language)


def _build_compare_page(state: CareState, first: str, second: str, language: str) -> Page:
    levels = state.levels_in(language)
    if levels.get(first) is None or levels.get(second) is None or first == second:
        raise OutOfDateError()
    view = stopped_view(
        LevelSelect(state, None, language),
        LevelCompareSelect(state, language),
        LevelButton(OVERVIEW_KEY, say(language, "levels.all")),
    )
    return page(state, levels.compare_card(first, second, language), view, language)


async def show_level(
    state: CareState, interaction: discord.Interaction[Any], key: str, language: str = ENGLISH
) -> None:
    await show(interaction, level_page(state, key, language))


async def show_compare(
    state: CareState,
    interaction: discord.Interaction[Any],
    first: str,
    second: str,
    language: str = ENGLISH,
) -> None:
    await show(interaction, compare_page(state, first, second, language))
