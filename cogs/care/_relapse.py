"""The relapse pages."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot import limits
from bot.care import RELAPSE_TOPICS
from bot.errors import OutOfDateError
from bot.ui import shorten
from cogs._components import stopped_view
from cogs.care._pages import CareMenu, CareState, Page, page, show

log = logging.getLogger(__name__)


class RelapseTopicSelect(CareMenu, template=r"care:relapse:topics"):
    def __init__(self, state: CareState, current: str | None = None) -> None:
        topics = state.care.relapse.topics
        super().__init__(
            discord.ui.Select(
                custom_id="care:relapse:topics",
                placeholder="More about relapse…",
                options=[
                    discord.SelectOption(
                        label=shorten(topics[topic].title, limits.SELECT_LABEL),
                        value=topic,
                        default=topic == current,
                    )
                    for topic in RELAPSE_TOPICS
                ],
            )
        )

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_relapse(self.state, interaction, self.item.values[0])


def relapse_page(state: CareState, topic: str) -> Page:
    return state.pages.get(("relapse", topic), _build_relapse_page, state, topic)


def _build_relapse_page(state: CareState, topic: str) -> Page:
    if topic not in RELAPSE_TOPICS:
        raise OutOfDateError()
    card = state.care.relapse.topics[topic].card()
    return page(state, card, stopped_view(RelapseTopicSelect(state, topic)))


async def show_relapse(state: CareState, interaction: discord.Interaction[Any], topic: str) -> None:
    await show(interaction, relapse_page(state, topic))
