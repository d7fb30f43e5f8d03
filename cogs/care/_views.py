"""Menus and buttons for the care commands.

Every interactive part is a persistent ``DynamicItem``: its whole state is in its custom_id
(``care:level:iop``, ``care:fit:<owner>:<answers>``…), so it keeps working after a restart.
A click on a member's own private message edits it in place; a click on a shared (public)
message answers the clicker privately, so nobody changes what everyone else sees.
Views hold only dynamic items (and the externally handled consult button), so discord.py
never has to keep per-message state for them.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Callable
from typing import Any, NamedTuple, ParamSpec, Self, TypeVar

import discord

from bot import limits
from bot.bot import SupportBot
from bot.care import (
    FIT_ANSWERS,
    FIT_TOPIC,
    IOP_TOPICS,
    OVERVIEW_KEY,
    RELAPSE_TOPICS,
    Card,
    CareContent,
    TipPosition,
    TipRotation,
)
from bot.errors import OutOfDateError
from bot.ui import send_ephemeral, shorten
from cogs._components import PersistentItem
from cogs.care._embeds import card_embeds

log = logging.getLogger(__name__)

CONSULT_CUSTOM_ID = "consult:start"
"""Handled by the consultation feature, not here."""

NOT_YOURS = (
    "This reflection belongs to someone else, and only they can answer it. "
    "You can start your own, privately, with `/iop topic:is-it-for-me`."
)

Button = discord.ui.Button[discord.ui.View]
Select = discord.ui.Select[discord.ui.View]
AnyItem = discord.ui.Item[Any]


def care_bot(interaction: discord.Interaction[Any]) -> SupportBot:
    client = interaction.client
    if not isinstance(client, SupportBot):  # pragma: no cover - only ever our bot
        raise RuntimeError("care components need the SupportBot")
    return client


async def show(interaction: discord.Interaction[Any], answer: Page) -> None:
    """Show ``answer``: edit the member's own private message, or reply privately to a click on
    a public one (and privately to a slash command)."""
    message = interaction.message
    is_click = interaction.type is discord.InteractionType.component
    if is_click and message is not None and message.flags.ephemeral:
        await interaction.response.edit_message(embeds=answer.embeds, view=answer.view)
        return
    await interaction.response.send_message(
        embeds=answer.embeds,
        view=answer.view if answer.view is not None else discord.utils.MISSING,
        ephemeral=True,
        allowed_mentions=NO_MENTIONS,
    )


NO_MENTIONS = discord.AllowedMentions.none()
"""Care answers quote nobody, but they never ping anyone either."""


class ExternalButton(Button):
    """A button rendered here but handled by another feature (matched by its custom_id)."""

    def is_dispatchable(self) -> bool:
        return False


def _view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of dynamic (or externally handled) items, already stopped.

    discord.py dispatches dynamic items by their custom_id, so it has nothing to track per
    message: a stopped view is sent without being stored or given a 15-minute timer, and the
    same view can go out with any number of messages.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view


class Page(NamedTuple):
    """An answer ready to send: its embeds and its menus (None: no menus)."""

    embeds: tuple[discord.Embed, ...]
    view: discord.ui.View | None


def page(bot: SupportBot, card: Card, view: discord.ui.View | None) -> Page:
    return Page(card_embeds(card, bot.crisis), view)


T = TypeVar("T")
P = ParamSpec("P")


class PageCache:
    """Pages (and menu options) that look the same for everyone, built once per bot.

    Content is loaded once at start-up and never changes while the bot runs, so a page is a pure
    function of its key. Built per interaction, the menus cost more than discord.py's own
    handling of the whole interaction (see ``benchmarks/interactions.py``). The content bounds
    the number of pages: the most are coping tips, one per topic, first tip and tips shown.
    """

    def __init__(self) -> None:
        self._built: dict[tuple[object, ...], Any] = {}

    def get(
        self, key: tuple[object, ...], build: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """The page for ``key``, built by ``build(*args, **kwargs)`` the first time."""
        try:
            value: T = self._built[key]
        except KeyError:
            value = self._built[key] = build(*args, **kwargs)
        return value


class CareState:
    """What the care commands keep while the bot runs: the pages built once, and where each
    member is in the coping tips. One per bot (``care_state``), shared by the cog and its
    buttons."""

    def __init__(self, care: CareContent) -> None:
        self.pages = PageCache()
        self.rotation = TipRotation()
        self._tip_counts = {key: len(topic.tips) for key, topic in care.coping.topics.items()}

    def tip_page(
        self, bot: SupportBot, member_id: int, topic_key: str, after: TipPosition | None = None
    ) -> Page:
        """The member's next coping tip (``after``: carry on from a button's position)."""
        pool = self._tip_counts.get(topic_key)
        if pool is None:
            raise OutOfDateError()
        position = self.rotation.next(member_id, topic_key, pool, after)
        return self.pages.get(
            ("tip", topic_key, position), _build_tip_page, bot, topic_key, position
        )


_STATES: weakref.WeakKeyDictionary[SupportBot, CareState] = weakref.WeakKeyDictionary()
"""Each bot's care state, made on first use and gone with the bot."""


def care_state(bot: SupportBot) -> CareState:
    """This bot's care state: the cog and every care button read the same one."""
    state = _STATES.get(bot)
    if state is None:
        state = _STATES[bot] = CareState(bot.care)
    return state


def _cache(bot: SupportBot) -> PageCache:
    return care_state(bot).pages


# ----------------------------------------------------------------------------- levels


class LevelSelect(PersistentItem[Select], template=r"care:levels:open"):
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

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        return cls(care_bot(interaction))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_level(interaction, self.item.values[0])


class LevelCompareSelect(PersistentItem[Select], template=r"care:levels:compare"):
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

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        return cls(care_bot(interaction))

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
    return _cache(bot).get(("levels",), _build_levels_overview, bot)


def _build_levels_overview(bot: SupportBot) -> Page:
    overview = _view(LevelSelect(bot), LevelCompareSelect(bot))
    return page(bot, bot.care.levels.overview_card(), overview)


def level_page(bot: SupportBot, key: str) -> Page:
    if key == OVERVIEW_KEY:
        return levels_overview(bot)
    return _cache(bot).get(("level", key), _build_level_page, bot, key)


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
    return page(bot, levels.level_card(key), _view(*items))


def compare_page(bot: SupportBot, first: str, second: str) -> Page:
    return _cache(bot).get(("compare", first, second), _build_compare_page, bot, first, second)


def _build_compare_page(bot: SupportBot, first: str, second: str) -> Page:
    levels = bot.care.levels
    if levels.get(first) is None or levels.get(second) is None or first == second:
        raise OutOfDateError()
    view = _view(LevelSelect(bot), LevelCompareSelect(bot), LevelButton(OVERVIEW_KEY, "All levels"))
    return page(bot, levels.compare_card(first, second), view)


async def show_level(interaction: discord.Interaction[Any], key: str) -> None:
    await show(interaction, level_page(care_bot(interaction), key))


async def show_compare(interaction: discord.Interaction[Any], first: str, second: str) -> None:
    await show(interaction, compare_page(care_bot(interaction), first, second))


# ----------------------------------------------------------------------------- IOP


class IopTopicSelect(PersistentItem[Select], template=r"care:iop:topics"):
    """Switch between the /iop topics (including the is-it-for-me reflection)."""

    def __init__(self, bot: SupportBot, current: str | None = None) -> None:
        iop = bot.care.iop
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

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        return cls(care_bot(interaction))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        topic = self.item.values[0]
        if topic == FIT_TOPIC:
            await show_fit(interaction, interaction.user.id, "")
        else:
            await show_iop_topic(interaction, topic)


class ApproachSelect(PersistentItem[Select], template=r"care:iop:approach"):
    """Read one treatment approach in depth."""

    def __init__(self, bot: SupportBot, current: str | None = None) -> None:
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
                    for approach in bot.care.iop.approaches
                ],
                row=0,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        return cls(care_bot(interaction))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_approach(interaction, self.item.values[0])


def iop_page(bot: SupportBot, topic: str) -> Page:
    return _cache(bot).get(("iop", topic), _build_iop_page, bot, topic)


def _build_iop_page(bot: SupportBot, topic: str) -> Page:
    if topic not in IOP_TOPICS:
        raise OutOfDateError()
    items: list[discord.ui.Item[Any]] = []
    if topic == "approaches":
        items.append(ApproachSelect(bot))
    items.append(IopTopicSelect(bot, topic))
    return page(bot, bot.care.iop.topic_card(topic), _view(*items))


def approach_page(bot: SupportBot, key: str) -> Page:
    return _cache(bot).get(("approach", key), _build_approach_page, bot, key)


def _build_approach_page(bot: SupportBot, key: str) -> Page:
    if bot.care.iop.approach(key) is None:
        raise OutOfDateError()
    view = _view(ApproachSelect(bot, key), IopTopicSelect(bot, "approaches"))
    return page(bot, bot.care.iop.approach_card(key), view)


async def show_iop_topic(interaction: discord.Interaction[Any], topic: str) -> None:
    await show(interaction, iop_page(care_bot(interaction), topic))


async def show_approach(interaction: discord.Interaction[Any], key: str) -> None:
    await show(interaction, approach_page(care_bot(interaction), key))


# ----------------------------------------------------------------------------- is it for me?


class FitButton(
    PersistentItem[Button],
    template=r"care:fit:(?P<owner>[0-9]{1,20}):(?P<answers>[ynu]{0,9})",
):
    """One answer (or "start over") in the is-it-for-me reflection. Only its owner may press it."""

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
        await show_fit(interaction, self.owner, self.answers)


_ANSWER_STYLES = {
    "y": discord.ButtonStyle.primary,
    "n": discord.ButtonStyle.primary,
    "u": discord.ButtonStyle.secondary,
}


def fit_page(bot: SupportBot, owner: int, answers: str) -> Page:
    fit = bot.care.iop.fit
    if len(answers) > len(fit.questions):
        raise OutOfDateError()
    if fit.is_complete(answers):
        consult = ExternalButton(
            label="Talk to a consultant",
            style=discord.ButtonStyle.success,
            custom_id=CONSULT_CUSTOM_ID,
        )
        restart = FitButton(owner, "", "Start over", discord.ButtonStyle.secondary)
        return page(bot, fit.ending_card(answers), _view(consult, restart))
    items: list[discord.ui.Item[Any]] = [
        FitButton(owner, answers + code, label, _ANSWER_STYLES[code])
        for code, label in FIT_ANSWERS.items()
    ]
    if answers:
        items.append(FitButton(owner, "", "Start over", discord.ButtonStyle.secondary))
    return page(bot, fit.question_card(answers), _view(*items))


async def show_fit(interaction: discord.Interaction[Any], owner: int, answers: str) -> None:
    await show(interaction, fit_page(care_bot(interaction), owner, answers))


# ----------------------------------------------------------------------------- relapse


class RelapseTopicSelect(PersistentItem[Select], template=r"care:relapse:topics"):
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

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        return cls(care_bot(interaction))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_relapse(interaction, self.item.values[0])


def relapse_page(bot: SupportBot, topic: str) -> Page:
    return _cache(bot).get(("relapse", topic), _build_relapse_page, bot, topic)


def _build_relapse_page(bot: SupportBot, topic: str) -> Page:
    if topic not in RELAPSE_TOPICS:
        raise OutOfDateError()
    card = bot.care.relapse.topics[topic].card()
    return page(bot, card, _view(RelapseTopicSelect(bot, topic)))


async def show_relapse(interaction: discord.Interaction[Any], topic: str) -> None:
    await show(interaction, relapse_page(care_bot(interaction), topic))


# ----------------------------------------------------------------------------- coping


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
        await show_tip(interaction, self.topic, after=after)


class CopingTopicSelect(PersistentItem[Select], template=r"care:coping:topics"):
    def __init__(self, bot: SupportBot, current: str | None = None) -> None:
        topics = bot.care.coping.topics
        options = _cache(bot).get(
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

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        return cls(care_bot(interaction))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await show_tip(interaction, self.item.values[0])


def tip_page(
    bot: SupportBot, member_id: int, topic_key: str, *, after: TipPosition | None = None
) -> Page:
    """The member's next coping tip (``after``: from a button's position)."""
    return care_state(bot).tip_page(bot, member_id, topic_key, after)


def _build_tip_page(bot: SupportBot, topic_key: str, position: TipPosition) -> Page:
    topic = bot.care.coping.topics[topic_key]
    return page(
        bot,
        topic.tip_card(position.current(len(topic.tips)), position.shown),
        _view(TipButton(topic_key, position), CopingTopicSelect(bot, topic_key)),
    )


async def show_tip(
    interaction: discord.Interaction[Any], topic: str, *, after: TipPosition | None = None
) -> None:
    await show(
        interaction, tip_page(care_bot(interaction), interaction.user.id, topic, after=after)
    )


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    LevelSelect,
    LevelCompareSelect,
    LevelButton,
    CompareButton,
    IopTopicSelect,
    ApproachSelect,
    FitButton,
    RelapseTopicSelect,
    TipButton,
    CopingTopicSelect,
)
