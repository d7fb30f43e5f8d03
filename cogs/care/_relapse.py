"""The relapse pages."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot import limits
from bot.bot import SupportBot
from bot.care import RELAPSE_TOPICS
from bot.errors import OutOfDateError
from bot.ui import shorten
from cogs._components import stopped_view
from cogs.care._pages import CareMenu, Page, care_bot, page, page_cache, show

log = logging.getLogger(__name__)


class RelapseTopicSelect(CareMenu, template=r"care:relapse:topics"):
    def __init__(self, bot: SupportBot, current: str | None = None) -> None:
        topics = bot.care.relapse.topics
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
        await show_relapse(interaction, self.item.values[0])


def relapse_page(bot: SupportBot, topic: str) -> Page:
    return page_cache(bot).get(("relapse", topic), _build_relapse_page, bot, topic)


def _build_relapse_page(bot: SupportBot, topic: str) -> Page:
    if topic not in RELAPSE_TOPICS:
        raise OutOfDateError()
    card = bot.care.relapse.topics[topic].card()
    return page(bot, card, stopped_view(RelapseTopicSelect(bot, topic)))


async def show_relapse(interaction: discord.Interaction[Any], topic: str) -> None:
    await show(interaction, relapse_page(care_bot(interaction), topic))
