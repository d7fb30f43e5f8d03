"""The IOP pages and the private is-it-for-me reflection."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Self

import discord

from bot import limits
from bot.care import FIT_ANSWERS, FIT_TOPIC, IOP_TOPICS
from bot.errors import OutOfDateError
from bot.ui import send_ephemeral, shorten
from cogs._components import PersistentItem, stopped_view
from cogs._handoff import CONSULT_START
from cogs.care._pages import (
    AnyItem,
    Button,
    CareMenu,
    CareState,
    ExternalButton,
    Page,
    page,
    show,
)

log = logging.getLogger(__name__)

CONSULT_CUSTOM_ID = CONSULT_START
"""Handled by the consultation feature, not here."""

NOT_YOURS = (
    "This reflection belongs to someone else, and only they can answer it. "
    "You can start your own, privately, with `/iop topic:is-it-for-me`."
)


class IopTopicSelect(CareMenu, template=r"care:iop:topics"):
    """Switch between the /iop topics (including the is-it-for-me reflection)."""

    def __init__(self, state: CareState, current: str | None = None) -> None:
        iop = state.care.iop
        options = [
            discord.SelectOption(
                label=shorten(iop.topics[topic].title, limits.SELECT_LABEL),
                value=topic,
                default=topic == current,
            )
            for topic in IOP_TOPICS
        ]
        options.append(
            discord.SelectOption(
                label=shorten(iop.fit.title, limits.SELECT_LABEL),
                value=FIT_TOPIC,
                description="A private reflection, one question at a time",
            )
        )
        super().__init__(
            discord.ui.Select(
                custom_id="care:iop:topics", placeholder="More about IOPs…", options=options, row=1
            )
        )

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        topic = self.item.values[0]
        if topic == FIT_TOPIC:
            await show_fit(self.state, interaction, interaction.user.id, "")
        else:
            await show_iop_topic(self.state, interaction, topic)


class ApproachSelect(CareMenu, template=r"care:iop:approach"):
    """Read one treatment approach in depth."""

    def __init__(self, state: CareState, current: str | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id="care:iop:approach",
                placeholder="Read about one approach…",
                options=[
                    discord.SelectOption(
                        label=approach.name,
                        value=approach.key,
                        description=approach.summary,
                        default=approach.key == current,
                    )
                    for approach in state.care.iop.approaches
                ],
                row=0,
            )
        )

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_approach(self.state, interaction, self.item.values[0])


def iop_page(state: CareState, topic: str) -> Page:
    return state.pages.get(("iop", topic), _build_iop_page, state, topic)


def _build_iop_page(state: CareState, topic: str) -> Page:
    if topic not in IOP_TOPICS:
        raise OutOfDateError()
    items: list[discord.ui.Item[Any]] = []
    if topic == "approaches":
        items.append(ApproachSelect(state))
    items.append(IopTopicSelect(state, topic))
    return page(state, state.care.iop.topic_card(topic), stopped_view(*items))


def approach_page(state: CareState, key: str) -> Page:
    return state.pages.get(("approach", key), _build_approach_page, state, key)


def _build_approach_page(state: CareState, key: str) -> Page:
    if state.care.iop.approach(key) is None:
        raise OutOfDateError()
    view = stopped_view(ApproachSelect(state, key), IopTopicSelect(state, "approaches"))
    return page(state, state.care.iop.approach_card(key), view)


async def show_iop_topic(
    state: CareState, interaction: discord.Interaction[Any], topic: str
) -> None:
    await show(interaction, iop_page(state, topic))


async def show_approach(state: CareState, interaction: discord.Interaction[Any], key: str) -> None:
    await show(interaction, approach_page(state, key))


# ----------------------------------------------------------------------------- is it for me?


class FitButton(
    PersistentItem[Button],
    template=r"care:fit:(?P<owner>[0-9]{1,20}):(?P<answers>[ynu]{0,9})",
):
    """One answer (or "start over") in the is-it-for-me reflection. Only its owner may press it."""

    state: ClassVar[CareState]

    def __init__(self, owner: int, answers: str, label: str, style: discord.ButtonStyle) -> None:
        super().__init__(
            discord.ui.Button(
                label=shorten(label, limits.BUTTON_LABEL),
                style=style,
                custom_id=f"care:fit:{owner}:{answers}",
            )
        )
        self.owner = owner
        self.answers = answers

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        label = getattr(item, "label", None) or "…"
        style = getattr(item, "style", discord.ButtonStyle.secondary)
        return cls(int(match["owner"]), match["answers"], label, style)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner:
            log.info("care.fit_refused user=%s owner=%s", interaction.user.id, self.owner)
            await send_ephemeral(interaction, NOT_YOURS)
            return
        await show_fit(self.state, interaction, self.owner, self.answers)


_ANSWER_STYLES = {
    "y": discord.ButtonStyle.primary,
    "n": discord.ButtonStyle.primary,
    "u": discord.ButtonStyle.secondary,
}


def fit_page(state: CareState, owner: int, answers: str) -> Page:
    fit = state.care.iop.fit
    if len(answers) > len(fit.questions):
        raise OutOfDateError()
    if fit.is_complete(answers):
        consult = ExternalButton(
            label="Talk to a consultant",
            style=discord.ButtonStyle.success,
            custom_id=CONSULT_CUSTOM_ID,
        )
        restart = FitButton(owner, "", "Start over", discord.ButtonStyle.secondary)
        return page(state, fit.ending_card(answers), stopped_view(consult, restart))
    items: list[discord.ui.Item[Any]] = [
        FitButton(owner, answers + code, label, _ANSWER_STYLES[code])
        for code, label in FIT_ANSWERS.items()
    ]
    if answers:
        items.append(FitButton(owner, "", "Start over", discord.ButtonStyle.secondary))
    return page(state, fit.question_card(answers), stopped_view(*items))


async def show_fit(
    state: CareState, interaction: discord.Interaction[Any], owner: int, answers: str
) -> None:
    await show(interaction, fit_page(state, owner, answers))
