"""The coping ideas: one tip at a time, and "Another tip" from where the member is."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Self

import discord

from bot.care import TipPosition
from bot.errors import OutOfDateError
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


class TipButton(
    PersistentItem[Button],
    template=r"care:tip:(?P<topic>[a-z-]{1,24})"
    r"(?::(?P<start>[0-9]{1,3})\.(?P<shown>[0-9]{1,3})|:[0-9]{1,20}:[0-9a-f]{1,8})?",
):
    """ "Another tip": the next tip in the rotation.

    The custom_id carries where the answer's member is (``care:tip:sleep:3.2``), so a restart
    doesn't lose it; anyone else pressing a shared answer gets their own rotation. No member id
    is in it, so the same page serves everyone at that position. (Buttons from
    before this format, ``care:tip:<topic>:<owner>:<seen>``, still work: they carry on with
    the presser's remembered rotation, which is empty after a restart.)
    """

    state: ClassVar[CareState]

    def __init__(self, topic: str, position: TipPosition | None) -> None:
        where = "" if position is None else f":{position.start}.{position.shown}"
        super().__init__(
            discord.ui.Button(
                label="Another tip",
                style=discord.ButtonStyle.primary,
                custom_id=f"care:tip:{topic}{where}",
            )
        )
        self.topic, self.position = topic, position

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        position = TipPosition(int(match["start"]), int(match["shown"])) if match["start"] else None
        return cls(match["topic"], position)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        # Carry on from the button's position when the answer is the presser's own (a private
        # one, or one they shared); anyone else pressing a shared answer gets their own rotation.
        message = interaction.message
        asked_by = message.interaction_metadata if message is not None else None
        mine = message is not None and (
            message.flags.ephemeral
            or (asked_by is not None and asked_by.user.id == interaction.user.id)
        )
        after = self.position if mine else None
        await show_tip(self.state, interaction, self.topic, after=after)


class CopingTopicSelect(CareMenu, template=r"care:coping:topics"):
    def __init__(self, state: CareState, current: str | None = None) -> None:
        topics = state.care.coping.topics
        options = state.pages.get(
            ("coping-options", current or ""),
            lambda: [
                discord.SelectOption(label=topic.title, value=key, default=key == current)
                for key, topic in topics.items()
            ],
        )
        super().__init__(
            discord.ui.Select(
                custom_id="care:coping:topics",
                placeholder="Ideas for something else…",
                options=list(options),
            )
        )

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_tip(self.state, interaction, self.item.values[0])


def tip_page(
    state: CareState, member_id: int, topic_key: str, *, after: TipPosition | None = None
) -> Page:
    """The member's next coping tip (``after``: carry on from a button's position)."""
    pool = state.tip_counts.get(topic_key)
    if pool is None:
        raise OutOfDateError()
    position = state.rotation.next(member_id, topic_key, pool, after)
    return state.pages.get(
        ("tip", topic_key, position), _build_tip_page, state, topic_key, position
    )


def _build_tip_page(state: CareState, topic_key: str, position: TipPosition) -> Page:
    topic = state.care.coping.topics[topic_key]
    return page(
        state,
        topic.tip_card(position.current(len(topic.tips)), position.shown),
        stopped_view(TipButton(topic_key, position), CopingTopicSelect(state, topic_key)),
    )


async def show_tip(
    state: CareState,
    interaction: discord.Interaction[Any],
    topic: str,
    *,
    after: TipPosition | None = None,
) -> None:
    await show(interaction, tip_page(state, interaction.user.id, topic, after=after))
