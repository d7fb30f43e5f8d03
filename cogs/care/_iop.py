"""The IOP pages and the private is-it-for-me reflection."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Self

import discord

from bot import limits
from bot.care import FIT_ANSWERS, FIT_TOPIC, IOP_TOPICS
from bot.errors import OutOfDateError
from bot.i18n import ENGLISH
from bot.i18n.messages import say
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

    def __init__(
        self, state: CareState, current: str | None = None, language: str = ENGLISH
    ) -> None:
        iop = state.iop_in(language)
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
                description=say(language, "iop.fit_option"),
            )
        )
        super().__init__(
            discord.ui.Select(
                custom_id="care:iop:topics",
                placeholder=say(language, "iop.topics_menu"),
                options=options,
                row=1,
            )
        )

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        topic = self.item.values[0]
        language = await self.state.language(interaction)
        if topic == FIT_TOPIC:
            await show_fit(self.state, interaction, interaction.user.id, "", language)
        else:
            await show_iop_topic(self.state, interaction, topic, language)


class ApproachSelect(CareMenu, template=r"care:iop:approach"):
    """Read one treatment approach in depth."""

    def __init__(
        self, state: CareState, current: str | None = None, language: str = ENGLISH
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id="care:iop:approach",
                placeholder=say(language, "iop.approach_menu"),
                options=[
                    discord.SelectOption(
                        label=approach.name,
                        value=approach.key,
                        description=approach.summary,
                        default=approach.key == current,
                    )
                    for approach in state.iop_in(language).approaches
                ],
                row=0,
            )
        )

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        language = await self.state.language(interaction)
        await show_approach(self.state, interaction, self.item.values[0], language)


def iop_page(state: CareState, topic: str, language: str = ENGLISH) -> Page:
    return state.pages.get(("iop", topic, language), _build_iop_page, state, topic, language)


def _build_iop_page(state: CareState, topic: str, language: str) -> Page:
    if topic not in IOP_TOPICS:
        raise OutOfDateError()
    items: list[discord.ui.Item[Any]] = []
    if topic == "approaches":
        items.append(ApproachSelect(state, None, language))
    items.append(IopTopicSelect(state, topic, language))
    card = state.iop_in(language).topic_card(topic, language)
    return page(state, card, stopped_view(*items), language)


def approach_page(state: CareState, key: str, language: str = ENGLISH) -> Page:
    return state.pages.get(("approach", key, language), _build_approach_page, state, key, language)


def _build_approach_page(state: CareState, key: str, language: str) -> Page:
    iop = state.iop_in(language)
    if iop.approach(key) is None:
        raise OutOfDateError()
    view = stopped_view(
        ApproachSelect(state, key, language), IopTopicSelect(state, "approaches", language)
    )
    return page(state, iop.approach_card(key, language), view, language)


async def show_iop_topic(
    state: CareState, interaction: discord.Interaction[Any], topic: str, language: str
) -> None:
    await show(interaction, iop_page(state, topic, language))


async def show_approach(
    state: CareState, interaction: discord.Interaction[Any], key: str, language: str
) -> None:
    await show(interaction, approach_page(state, key, language))


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
        language = await self.state.language(interaction)
        await show_fit(self.state, interaction, self.owner, self.answers, language)


_ANSWER_STYLES = {
    "y": discord.ButtonStyle.primary,
    "n": discord.ButtonStyle.primary,
    "u": discord.ButtonStyle.secondary,
}


def fit_page(state: CareState, owner: int, answers: str, language: str = ENGLISH) -> Page:
    fit = state.iop_in(language).fit
    if len(answers) > len(fit.questions):
        raise OutOfDateError()
    start_over = say(language, "iop.start_over")
    if fit.is_complete(answers):
        consult = ExternalButton(
            label=say(language, "iop.talk"),
            style=discord.ButtonStyle.success,
            custom_id=CONSULT_CUSTOM_ID,
        )
        restart = FitButton(owner, "", start_over, discord.ButtonStyle.secondary)
        card = fit.ending_card(answers, language)
        return page(state, card, stopped_view(consult, restart), language)
    items: list[discord.ui.Item[Any]] = [
        FitButton(owner, answers + code, say(language, f"iop.answer.{code}"), _ANSWER_STYLES[code])
        for code in FIT_ANSWERS
    ]
    if answers:
        items.append(FitButton(owner, "", start_over, discord.ButtonStyle.secondary))
    return page(state, fit.question_card(answers, language), stopped_view(*items), language)


async def show_fit(
    state: CareState,
    interaction: discord.Interaction[Any],
    owner: int,
    answers: str,
    language: str = ENGLISH,
) -> None:
    await show(interaction, fit_page(state, owner, answers, language))
