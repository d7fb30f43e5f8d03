"""The guides to acting on care: finding treatment, withdrawal, medications, families, peer
groups and mental health. One menu moves between them; the finding-treatment and families
guides carry the consultation feature's "Talk to a consultant" button in a server."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot import limits
from bot.care import CONSULT_GUIDES, GUIDE_TOPICS
from bot.errors import OutOfDateError
from bot.ui import shorten
from cogs._components import stopped_view
from cogs._handoff import CONSULT_START
from cogs.care._pages import AnyItem, CareMenu, CareState, ExternalButton, Page, page, show

log = logging.getLogger(__name__)

CONSULT_LABEL = "Talk to a consultant"


class GuideTopicSelect(CareMenu, template=r"care:guide:topics"):
    """Switch between the guides."""

    def __init__(self, state: CareState, current: str | None = None) -> None:
        topics = state.care.guides.topics
        super().__init__(
            discord.ui.Select(
                custom_id="care:guide:topics",
                placeholder="More guides…",
                options=[
                    discord.SelectOption(
                        label=shorten(topics[topic].title, limits.SELECT_LABEL),
                        value=topic,
                        default=topic == current,
                    )
                    for topic in GUIDE_TOPICS
                ],
            )
        )

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_guide(self.state, interaction, self.item.values[0])


def guide_page(state: CareState, topic: str, *, in_server: bool) -> Page:
    """The guide ``topic``; in a server, the guides that offer a consultant carry its button
    (the queue lives in a server, so a DM gets the text's pointer to `/consult` alone)."""
    consult = in_server and topic in CONSULT_GUIDES
    return state.pages.get(("guide", topic, consult), _build_guide_page, state, topic, consult)


def _build_guide_page(state: CareState, topic: str, consult: bool) -> Page:
    if topic not in GUIDE_TOPICS:
        raise OutOfDateError()
    items: list[AnyItem] = [GuideTopicSelect(state, topic)]
    if consult:
        items.append(
            ExternalButton(
                label=CONSULT_LABEL,
                style=discord.ButtonStyle.primary,
                custom_id=CONSULT_START,
                row=1,
            )
        )
    card = state.care.guides.topics[topic].card()
    return page(state, card, stopped_view(*items))


async def show_guide(state: CareState, interaction: discord.Interaction[Any], topic: str) -> None:
    await show(interaction, guide_page(state, topic, in_server=interaction.guild is not None))
