"""The one error path of buttons and forms, shared by every feature.

Slash-command errors go through the command tree (``bot.tree``). Everything a member clicks or
submits goes through ``report`` here: discord.py only logs an exception raised by a
``DynamicItem`` callback, so each callback runs inside ``guarded``.
"""

from __future__ import annotations

import re
import types
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ClassVar, Generic, Self, TypeVar

import discord

from bot.bot import SupportBot
from bot.errors import OutOfDateError
from bot.i18n import ENGLISH
from bot.ui import report_error


async def report(
    interaction: discord.Interaction[Any], error: BaseException, *, where: str
) -> None:
    """A failure in a button or form: the polite private reply, with the crisis lines; an
    unexpected one is then told to the server's admins (``SupportBot.report_incident``)."""
    client = interaction.client
    bot = client if isinstance(client, SupportBot) else None
    language = ENGLISH if bot is None else bot.kept_language(interaction)
    crisis = None if bot is None else bot.library.crisis_in(language)
    region = None if bot is None else await bot.error_region(interaction)
    error_id = await report_error(
        interaction, error, where=where, crisis=crisis, region=region, language=language
    )
    if error_id is not None and isinstance(client, SupportBot):
        await client.report_incident(interaction, error, where, error_id)


async def guarded(
    interaction: discord.Interaction[Any], where: str, action: Awaitable[None]
) -> None:
    """Run a component's work; any failure becomes the usual polite private reply."""
    try:
        await action
    except Exception as error:
        await report(interaction, error, where=where)


async def defer(interaction: discord.Interaction[Any]) -> None:
    """Acknowledge now ("thinking…", private) and answer later with ``send_ephemeral``.

    The defer policy (CONTRIBUTING.md, "Where things go"): checks that need at most one
    indexed read (the staff check, the request a thread belongs to) run first, so a refusal is
    the direct reply; then ``defer``, before any write, Discord REST call or heavier read.
    Where many press at once (Claim, Release), the first read is heavy (``/queue stats``) or
    the member may be in crisis (the request form, the urgent buttons), ``defer`` comes first.
    A handler that opens a form never defers.
    """
    await interaction.response.defer(ephemeral=True, thinking=True)


# --------------------------------------------------------------------------- persistent buttons

AnyButton = discord.ui.Button[discord.ui.View]
MAX_ID = 2**63 - 1
"""The largest id SQLite (and Discord) can hold."""


def parse_id(text: str | None) -> int | None:
    """An id from a custom_id, or None when it is malformed or out of range."""
    if text is None or not re.fullmatch(r"[0-9]{1,19}", text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def parse_page(text: str) -> int | None:
    """A page number from a pager's custom_id (at most six digits), or None when malformed."""
    return int(text) if re.fullmatch(r"[0-9]{1,6}", text) else None


BaseT = TypeVar("BaseT", bound=discord.ui.Item[Any])


class PersistentItem(discord.ui.DynamicItem[BaseT], Generic[BaseT], template=r"(?!)"):
    """The base of every persistent button or menu: a template, a parse and a ``run``.

    State comes from the custom_id (parsed in ``from_custom_id``) and the database, never from
    memory, so a button keeps working after a restart. ``run`` does the work; any failure in it
    (a stale or forged id raises ``OutOfDateError``) becomes the usual polite private reply
    through ``report``. ``where`` names the item in the logs (by default ``item:<class>``).

    The base is never registered (its template matches nothing). A feature whose buttons need
    its services registers ``bind(buttons, name=service)``: subclasses carrying them for this
    bot only, so no button looks its feature up by name. Such buttons go out in stopped views
    (``stopped_view``): discord.py would otherwise register the unbound class again.
    """

    where: str = ""

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        where = self.where or f"item:{type(self).__name__}"
        await guarded(interaction, where, self.run(interaction))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        raise NotImplementedError


PersistentButton = PersistentItem[AnyButton]
"""The base of every persistent button."""


class StaleButton(PersistentButton, template=r"(?!)"):
    """The base of a feature's catch-all for ids it no longer makes (an older version's button,
    or a forged one): the id carries nothing to parse, so every press is answered "this button
    is out of date" (``OutOfDateError``) instead of being dropped.

    A subclass gives its ``template``, the ``stale_id`` its placeholder button carries and its
    ``where``; it may override ``run`` to log the press before calling ``super().run``.
    """

    stale_id: ClassVar[str] = "stale"

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="…", custom_id=self.stale_id))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls()

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        raise OutOfDateError()


ItemT = TypeVar("ItemT", bound=discord.ui.DynamicItem[Any])


def bind(items: Iterable[type[ItemT]], **services: object) -> tuple[type[ItemT], ...]:
    """Subclasses of ``items`` (same names and templates) that carry ``services`` as class
    attributes; the feature registers these with ``add_dynamic_items``."""

    def subclass(item: type[ItemT]) -> type[ItemT]:
        template = item.__discord_ui_compiled_template__
        bound = types.new_class(
            item.__name__, (item,), {"template": template}, lambda ns: ns.update(services)
        )
        bound.__qualname__ = item.__qualname__
        bound.__module__ = item.__module__
        return bound

    return tuple(subclass(item) for item in items)


def pager(
    button: Callable[..., discord.ui.Item[Any]], page: int, pages: int
) -> discord.ui.View | None:
    """Previous and Next under page ``page`` of ``pages`` (none for a single page); ``button``
    makes one pager button from ``(page, label=..., disabled=...)``."""
    if pages <= 1:
        return None
    return stopped_view(
        button(page - 1, label="Previous", disabled=page <= 0),
        button(page + 1, label="Next", disabled=page >= pages - 1),
    )


def stopped_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view of dynamic (or other features') items, already stopped.

    discord.py dispatches dynamic items by their custom_id, so it has nothing to track per
    message: a stopped view is sent without being stored (which would also register the
    unbound button class over the bound one) or given a timer.
    """
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    view.stop()
    return view
