"""What every care menu and button shares: the care state (pages built once per bot, the tip
rotation), how pages are shown, and the base of the menus (see ``_views`` for how the
components keep working after a restart)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, NamedTuple, ParamSpec, Self, TypeVar, cast

import discord

from bot.bot import SupportBot
from bot.care import Card, CareContent, TipRotation
from bot.care.iop import IopContent
from bot.care.levels import LevelsContent
from bot.crisis import CrisisResources, top_line
from bot.i18n import ENGLISH
from bot.i18n.messages import say
from bot.library import Library
from bot.ui import crisis_embed
from cogs._components import PersistentItem
from cogs.care._embeds import card_embeds

Button = discord.ui.Button[discord.ui.View]
Select = discord.ui.Select[discord.ui.View]
AnyItem = discord.ui.Item[Any]


async def regional(interaction: discord.Interaction[Any], answer: Page, *, private: bool) -> Page:
    """``answer`` with the crisis lines of the person's region (their own choice when only they
    will see it, else the server's): pages are built once, with the default region's."""
    client = interaction.client
    if not isinstance(client, SupportBot):
        return answer
    code = await client.crisis_region(interaction.user.id, interaction.guild_id, private=private)
    return with_region(answer, client.library.crisis_in(answer.language), code)


def with_region(answer: Page, crisis: CrisisResources, code: str) -> Page:
    """``answer`` with region ``code``'s crisis embed and top line instead of the default's
    (``crisis``: in the answer's language)."""
    if code == crisis.default_region:
        return answer
    line_name = say(answer.language, "care.crisis_line")
    embeds: list[discord.Embed] = []
    for shown in answer.embeds:
        if shown.title == crisis.title:
            embeds.append(crisis_embed(crisis, code, answer.language))
            continue
        if shown.fields and shown.fields[-1].name == line_name:
            shown = shown.copy()
            shown.set_field_at(
                len(shown.fields) - 1, name=line_name, value=top_line(crisis, code, answer.language)
            )
        embeds.append(shown)
    return Page(tuple(embeds), answer.view, answer.language)


async def show(interaction: discord.Interaction[Any], answer: Page) -> None:
    """Show ``answer``: edit the member's own private message, or reply privately to a click on
    a public one (and privately to a slash command)."""
    answer = await regional(interaction, answer, private=True)
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
    """A care menu whose options come from the content alone: a press rebuilds it from the care
    state, so a subclass's ``__init__`` takes the state (and optionally what is chosen now)."""

    state: ClassVar[CareState]
    """Set on the subclasses the cog registers (``cogs._components.bind``)."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: AnyItem, match: re.Match[str], /
    ) -> Self:
        build = cast(Callable[[CareState], Self], cls)
        return build(cls.state)


class Page(NamedTuple):
    """An answer ready to send: its embeds and its menus (None: no menus), in a language."""

    embeds: tuple[discord.Embed, ...]
    view: discord.ui.View | None
    language: str = ENGLISH


def page(
    state: CareState, card: Card, view: discord.ui.View | None, language: str = ENGLISH
) -> Page:
    return Page(card_embeds(card, state.crisis_in(language), language), view, language)


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
    """What the care commands keep while the bot runs: the content they show, the pages built
    once, and where each member is in the coping tips. The cog builds one and hands it to its
    menus and buttons (``cogs._components.bind``)."""

    def __init__(
        self,
        care: CareContent,
        crisis: CrisisResources,
        library: Library | None = None,
        language_of: Callable[[discord.Interaction[Any]], Awaitable[str]] | None = None,
    ) -> None:
        self.care = care
        self.crisis = crisis
        self.library = library
        """Every language's translated content (``/iop`` in Spanish)."""
        self.language_of = language_of
        """The language to answer a person in (``SupportBot.language``)."""
        self.pages = PageCache()
        self.rotation = TipRotation()
        self.tip_counts = {key: len(topic.tips) for key, topic in care.coping.topics.items()}

    def crisis_in(self, language: str) -> CrisisResources:
        return self.crisis if self.library is None else self.library.crisis_in(language)

    def levels_in(self, language: str) -> LevelsContent:
        return self.care.levels if self.library is None else self.library.levels_in(language)

    def iop_in(self, language: str) -> IopContent:
        return self.care.iop if self.library is None else self.library.iop_in(language)

    async def language(self, interaction: discord.Interaction[Any]) -> str:
        return ENGLISH if self.language_of is None else await self.language_of(interaction)
