"""Buttons at the end of a conversation: the member's "Close my request" (on the opening
message of their private thread, with a confirmation) and staff's outcome menu (after a close
without one). Persistent ``DynamicItem``s: ``consult:done:<request id>``,
``consult:done-yes:<request id>``, ``consult:outcome:<request id>``; a malformed, unknown or
another server's id is "out of date".
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Protocol, Self

import discord

from bot.consultations import (
    Consultation,
    ConsultationService,
    NoLongerOpenError,
    Outcome,
    Status,
    back_in_queue,
)
from bot.errors import OutOfDateError, UserFacingError
from bot.guild_config import GuildConfig
from bot.ui import send_ephemeral
from cogs._components import PersistentItem, defer, parse_id, stopped_view
from cogs.consult import _close_render as render
from cogs.consult._request_button import RequestIdButton

log = logging.getLogger(__name__)

_ID = r"(?P<id>[^:]*)"
AnySelect = discord.ui.Select[discord.ui.View]


class CloseFlow(Protocol):
    """What these items ask of the consultation flow (``cogs.consult._flow``)."""

    @property
    def service(self) -> ConsultationService: ...

    async def require_staff(
        self, interaction: discord.Interaction[Any]
    ) -> tuple[GuildConfig, discord.Member]: ...

    async def member_close(
        self, interaction: discord.Interaction[Any], request_id: int
    ) -> Consultation: ...


class _MemberButton(RequestIdButton, template=r"consult:(?!)"):
    """``consult:<action>:<request id>`` on the member's side of the thread."""

    flow: ClassVar[CloseFlow]

    async def _mine(self, interaction: discord.Interaction[Any]) -> Consultation:
        """The request, if the one pressing is its member, in its own server, and someone is
        with them; a polite refusal for staff and for anyone else."""
        if self.request_id is None or interaction.guild_id is None:
            raise OutOfDateError()
        consultation = await self.flow.service.get(self.request_id)
        if consultation is None or consultation.guild_id != interaction.guild_id:
            raise OutOfDateError()  # a forged id, or a button carried to another server
        if consultation.member_id != interaction.user.id:
            try:
                await self.flow.require_staff(interaction)
            except UserFacingError:
                raise UserFacingError(render.NOT_YOURS) from None
            log.info("consultation.member_close_by_staff id=%s", consultation.id)
            raise UserFacingError(render.STAFF_PRESSED)
        if not consultation.active:
            raise NoLongerOpenError(
                f"Request #{consultation.number} is already closed. You can start a new one "
                "with `/consult` whenever you'd like."
            )
        if consultation.status is Status.OPEN:
            raise NoLongerOpenError(back_in_queue(consultation.number))
        return consultation


class MemberCloseButton(_MemberButton, template=rf"consult:done:{_ID}"):
    """On the opening message of the thread: asks the member to confirm, privately."""

    action = "done"
    label = render.MEMBER_CLOSE_LABEL
    style = discord.ButtonStyle.secondary

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        consultation = await self._mine(interaction)
        await send_ephemeral(
            interaction,
            render.confirm_member_close(consultation),
            view=stopped_view(MemberCloseConfirmButton(consultation.id)),
        )


class MemberCloseConfirmButton(_MemberButton, template=rf"consult:done-yes:{_ID}"):
    action = "done-yes"
    label = "Yes, close it"
    style = discord.ButtonStyle.danger

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        consultation = await self._mine(interaction)
        await defer(interaction)
        closed = await self.flow.member_close(interaction, consultation.id)
        await send_ephemeral(interaction, render.member_closed_reply(closed))


def member_close_view(request_id: int) -> discord.ui.View:
    """The opening message's button."""
    return stopped_view(MemberCloseButton(request_id))


class OutcomeMenu(PersistentItem[AnySelect], template=rf"consult:outcome:{_ID}"):
    """After a close without an outcome (``/ticket close`` left it out, or the form's menu was
    left empty): staff choose one; choosing again corrects it."""

    flow: ClassVar[CloseFlow]
    where = "menu:consult:outcome"

    def __init__(self, request_id: int | None, chosen: Outcome | None = None) -> None:
        # ``required`` only means something in a form; in a message it stays discord.py's default.
        super().__init__(render.outcome_select(f"consult:outcome:{request_id}", required=False))
        self.request_id = request_id
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
        return cls(parse_id(match["id"]), render.parse_outcome(data.get("values")))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if self.request_id is None or self.chosen is None or interaction.guild_id is None:
            raise OutOfDateError()
        await self.flow.require_staff(interaction)
        await defer(interaction)
        saved = await self.flow.service.set_outcome(
            interaction.guild_id, self.request_id, self.chosen
        )
        await send_ephemeral(interaction, render.outcome_saved(saved))


async def closed_and_asked(interaction: discord.Interaction[Any], closed: Consultation) -> None:
    """The closer's private reply (form or command): with the outcome, or a menu to choose
    one when none was given."""
    if closed.outcome is not None:
        await send_ephemeral(interaction, render.closed_reply(closed, asked=False))
        return
    await send_ephemeral(
        interaction,
        render.closed_reply(closed, asked=True),
        view=stopped_view(OutcomeMenu(closed.id)),
    )


CLOSE_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    MemberCloseButton,
    MemberCloseConfirmButton,
    OutcomeMenu,
)
