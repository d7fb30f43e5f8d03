"""What every care menu and button shares: pages built once per bot, how they are shown, and
the base of the menus (see ``_views`` for how the components keep working after a restart)."""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from typing import Any, NamedTuple, ParamSpec, Self, TypeVar, cast

import discord

from bot.bot import SupportBot
from bot.care import Card, CareContent, TipRotation
from cogs._components import PersistentItem
from cogs.care._embeds import card_embeds

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


class CareMenu(PersistentItem[Select], template=r"(?!)"):
    """A care menu whose options come from the content alone: a press rebuilds it from the bot,
    so a subclass's ``__init__`` takes the bot (and optionally what is chosen now)."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        build = cast(Callable[[SupportBot], Self], cls)
        return build(care_bot(interaction))


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
        self.tip_counts = {key: len(topic.tips) for key, topic in care.coping.topics.items()}


_STATES: weakref.WeakKeyDictionary[SupportBot, CareState] = weakref.WeakKeyDictionary()
"""Each bot's care state, made on first use and gone with the bot."""


def care_state(bot: SupportBot) -> CareState:
    """This bot's care state: the cog and every care button read the same one."""
    state = _STATES.get(bot)
    if state is None:
        state = _STATES[bot] = CareState(bot.care)
    return state


def page_cache(bot: SupportBot) -> PageCache:
    return care_state(bot).pages
