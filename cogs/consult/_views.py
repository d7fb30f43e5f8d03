"""Buttons of the consultation queue (its forms are in ``_forms``).

Every button is a persistent ``DynamicItem``: its state comes from its custom_id and the
database, never from memory, so buttons on old messages keep working after a restart. Ids
are namespaced and never contain member text: ``consult:claim:<request id>``. A malformed,
unknown or foreign id gets a polite "this button is out of date", never an exception.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import discord

from bot import limits
from bot.consultations import (
    DEFAULT_TYPE_NAME,
    Consultation,
    ConsultType,
    NotYourTypeError,
    Status,
    Topic,
    Urgency,
    claimed_already,
)
from bot.errors import OutOfDateError, UserFacingError
from bot.ui import send_ephemeral, shorten
from cogs._components import (
    PersistentButton,
    PersistentItem,
    StaleButton,
    defer,
    pager,
    parse_id,
    parse_page,
    stopped_view,
)
from cogs.consult import _embeds as render
from cogs.consult._dm_views import START as DM_START
from cogs.consult._forms import PICK, Flow, _own_request, close_form, note_form, open_form
from cogs.consult._kinds import emoji_of, not_your_type
from cogs.consult._request_button import RequestIdButton

log = logging.getLogger(__name__)

START = "consult:start"
START_URGENT = "consult:start:urgent"
_ID = r"(?P<id>[^:]*)"
PANEL_BUTTONS = 25
"""A message holds at most 25 buttons (five rows of five); a server has at most 10 types."""
AnySelect = discord.ui.Select[discord.ui.View]


class ConsultButton(PersistentButton, template=r"consult:(?!)"):
    """A consultation button; the registered (bound) subclasses carry the cog's ``flow``."""

    flow: ClassVar[Flow]


# --------------------------------------------------------------------------- member side


class StartButton(ConsultButton, template=r"consult:start(?P<kind>:urgent)?"):
    """The "Talk to a consultant" button other features put on their messages."""

    def __init__(self, *, urgent: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Talk to a consultant now" if urgent else "Talk to a consultant",
                style=discord.ButtonStyle.danger if urgent else discord.ButtonStyle.primary,
                custom_id=START_URGENT if urgent else START,
            )
        )
        self.urgent = urgent
        self.where = "button:consult:start:urgent" if urgent else "button:consult:start"

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(urgent=match["kind"] is not None)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if self.urgent:
            # Someone who may be in crisis gets a request at once, not a form to fill in.
            await self.flow.submit(
                interaction,
                topic=Topic.CRISIS,
                urgency=Urgency.URGENT,
                note=None,
                preferred_time=None,
            )
            return
        await open_form(self.flow, interaction, urgent=False)


class TypeMenu(PersistentItem[AnySelect], template=r"consult:pick"):
    """The member's choice of consultation type (built by ``_forms.type_menu``); the chosen
    type is read again, in this server only, so a removed or forged one is out of date."""

    flow: ClassVar[Flow]
    where = "menu:consult:pick"

    def __init__(self, chosen: int | None = None) -> None:
        super().__init__(
            discord.ui.Select(custom_id=PICK, options=[discord.SelectOption(label="…")])
        )
        self.chosen = chosen

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values")
        first = values[0] if isinstance(values, list) and values else None
        return cls(parse_id(first if isinstance(first, str) else None))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await open_form(self.flow, interaction, urgent=False, type_id=self.chosen or -1)


class PanelButton(ConsultButton, template=rf"consult:panel:{_ID}"):
    """One consultation type's button on a standing panel (``/setup panel``):
    ``consult:panel:<type id>``. Pressing it starts the same flow as /consult for that type."""

    def __init__(self, type_id: int | None, *, label: str = "…") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                custom_id=f"consult:panel:{type_id}",
            )
        )
        self.type_id = type_id
        self.where = "button:consult:panel"

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(parse_id(match["id"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await open_form(self.flow, interaction, urgent=False, type_id=self.type_id or -1)


def panel_view(kinds: Sequence[ConsultType]) -> discord.ui.View:
    """A standing panel's buttons: one per type (its emoji and name), or, in a server with
    no types, the one "Talk to a consultant" button; then "Message us privately" (by DM).
    Plain buttons with the persistent ids, in a stopped view, so any feature can post them and
    this one (or the DM desk) answers them."""
    view = discord.ui.View(timeout=None)
    if not kinds:
        view.add_item(
            discord.ui.Button(
                label="Talk to a consultant", style=discord.ButtonStyle.primary, custom_id=START
            )
        )
    for kind in kinds[:PANEL_BUTTONS]:
        view.add_item(
            discord.ui.Button(
                label=shorten(kind.name, limits.BUTTON_LABEL),
                emoji=emoji_of(kind),
                style=discord.ButtonStyle.primary,
                custom_id=f"consult:panel:{kind.id}",
            )
        )
    if len(view.children) < PANEL_BUTTONS:  # a request by DM, when there is room
        view.add_item(
            discord.ui.Button(
                label="Message us privately",
                style=discord.ButtonStyle.secondary,
                custom_id=DM_START,
            )
        )
    view.stop()
    return view


class RequestButton(RequestIdButton, template=r"consult:(?!)"):
    """A consultation button about one request (``_request_button``), carrying the cog's
    ``flow`` like every ``ConsultButton``."""

    flow: ClassVar[Flow]


class NoteButton(RequestButton, template=rf"consult:note:{_ID}"):
    action = "note"
    label = "Update my note"
    style = discord.ButtonStyle.secondary

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        consultation = await _own_request(self.flow, interaction, self.request_id)
        await interaction.response.send_modal(note_form(consultation))


class CancelButton(RequestButton, template=rf"consult:cancel:{_ID}"):
    action = "cancel"
    label = "Cancel my request"
    style = discord.ButtonStyle.secondary

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        consultation = await _own_request(self.flow, interaction, self.request_id)
        await ask_to_cancel(interaction, consultation)


async def ask_to_cancel(interaction: discord.Interaction[Any], consultation: Consultation) -> None:
    if consultation.status is Status.CLAIMED:
        raise UserFacingError(claimed_already(consultation.number))
    view = stopped_view(CancelConfirmButton(consultation.id))
    await send_ephemeral(
        interaction,
        f"Cancel request #{consultation.number}? You can always ask again later with /consult.",
        view=view,
    )


class CancelConfirmButton(RequestButton, template=rf"consult:cancel-yes:{_ID}"):
    action = "cancel-yes"
    label = "Yes, cancel it"
    style = discord.ButtonStyle.danger

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await _own_request(self.flow, interaction, self.request_id)
        await cancel_request(self.flow, interaction)


async def cancel_request(flow: Flow, interaction: discord.Interaction[Any]) -> None:
    guild = interaction.guild
    assert guild is not None
    await defer(interaction)
    cancelled = await flow.cancel(guild, interaction.user.id)
    await send_ephemeral(
        interaction,
        f"Request #{cancelled.number} is cancelled. Whenever you'd like to talk, /consult is "
        "here, and /crisis lists free lines open any time.",
    )


def paused_view() -> discord.ui.View:
    """Beside "requests are paused": the urgent request, which a block never stops."""
    return stopped_view(StartButton(urgent=True))


def member_request_view(consultation: Consultation) -> discord.ui.View:
    if consultation.status is Status.OPEN:
        return stopped_view(NoteButton(consultation.id), CancelButton(consultation.id))
    return stopped_view(NoteButton(consultation.id))


# --------------------------------------------------------------------------- staff side


class ClaimButton(RequestButton, template=rf"consult:claim:{_ID}"):
    action = "claim"
    label = "Claim"
    style = discord.ButtonStyle.success

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        flow = self.flow
        if self.request_id is None:
            raise OutOfDateError()
        # Acknowledge first: the staff check reads the database, and a busy moment
        # (twenty staff clicking at once) must never cost anyone the 3-second window.
        await defer(interaction)
        config, _staff = await flow.require_staff(interaction)
        claimed = await flow.claim(interaction, config, self.request_id)
        await send_ephemeral(interaction, render.claimed_reply(claimed))


class ReleaseButton(RequestButton, template=rf"consult:release:{_ID}"):
    action = "release"
    label = "Release"
    style = discord.ButtonStyle.secondary

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        flow = self.flow
        if self.request_id is None:
            raise OutOfDateError()
        # Acknowledge first, as Claim does: the staff check reads the database.
        await defer(interaction)
        await flow.require_staff(interaction)
        released = await flow.release(interaction, self.request_id)
        await send_ephemeral(interaction, render.released_reply(released))


class CloseButton(RequestButton, template=rf"consult:close:{_ID}"):
    action = "close"
    label = "Close"
    style = discord.ButtonStyle.danger

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        flow = self.flow
        if self.request_id is None or interaction.guild_id is None:
            raise OutOfDateError()
        _config, _staff, covers = await flow.require_scope(interaction)
        consultation = await flow.service.get_in_guild(interaction.guild_id, self.request_id)
        if not consultation.active:
            raise UserFacingError(f"Request #{consultation.number} is already closed.")
        if not covers.covers(consultation.type_id):  # another type's team's request
            kind = await flow.types.get(interaction.guild_id, consultation.type_id or 0)
            name = kind.name if kind is not None else DEFAULT_TYPE_NAME
            refused = NotYourTypeError(consultation.number, name)
            raise UserFacingError(not_your_type(refused, action="close"))
        await interaction.response.send_modal(close_form(consultation))


def pager_view(page: int, pages: int) -> discord.ui.View | None:
    return pager(QueuePageButton, page, pages)


def card_view(consultation: Consultation) -> discord.ui.View:
    """The card's buttons: Claim/Close while waiting, Release/Close once claimed, none after."""
    if consultation.status is Status.OPEN:
        return stopped_view(ClaimButton(consultation.id), CloseButton(consultation.id))
    if consultation.status is Status.CLAIMED:
        return stopped_view(ReleaseButton(consultation.id), CloseButton(consultation.id))
    return stopped_view()


class QueuePageButton(ConsultButton, template=r"consult:queue:(?P<page>[^:]*)"):
    """Previous/next on a /queue page; the page is re-read from the database on every click."""

    def __init__(self, page: int | None, *, label: str = "Next", disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"consult:queue:{page}",
                disabled=disabled,
            )
        )
        self.page = page
        self.where = "button:consult:queue"

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(parse_page(match["page"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        flow = self.flow
        if self.page is None or interaction.guild_id is None:
            raise OutOfDateError()
        _config, _staff, covers = await flow.require_scope(interaction)
        await interaction.response.defer()  # the members' names are looked up in Discord
        embed, view = await flow.queue_page(interaction.guild_id, self.page, covers)
        await interaction.edit_original_response(embed=embed, view=view)


class StaleConsultButton(
    StaleButton,
    template=r"consult:(?!(?:start(?::urgent)?|pick|(?:claim|release|close|note|cancel|cancel-yes"
    r"|queue|panel|done|done-yes|outcome):[^:]*)$).*",
):
    """Any other ``consult:`` id (an older version's button, or a forged one)."""

    stale_id = "consult:stale"
    where = "button:consult:stale"

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        log.info("consultation.stale_button user=%s", interaction.user.id)
        await super().run(interaction)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    StartButton,
    TypeMenu,
    PanelButton,
    NoteButton,
    CancelButton,
    CancelConfirmButton,
    ClaimButton,
    ReleaseButton,
    CloseButton,
    QueuePageButton,
    StaleConsultButton,
)
