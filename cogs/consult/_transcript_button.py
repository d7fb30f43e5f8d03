"""The "Get a copy of this conversation" button on a closed request's last message.

``transcript:copy:<request id>``: a persistent ``DynamicItem``, so it works after a restart;
the request is read again on every press. The work is the transcript desk's
(``cogs.consult._transcript``), bound to the registered class; this module does not import
it, so the flow's close path can show the button without an import circle.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Protocol, Self

import discord

from bot.errors import OutOfDateError
from cogs._components import PersistentButton, StaleButton, parse_id, stopped_view

LABEL = "Get a copy of this conversation"


class Desk(Protocol):
    """What the button asks of the transcript desk."""

    async def copy_by_id(self, interaction: discord.Interaction[Any], request_id: int) -> None: ...


class TranscriptButton(PersistentButton, template=r"transcript:copy:(?P<id>[^:]*)"):
    """Sends the presser a copy of the request's thread by DM, if it is theirs to have."""

    desk: ClassVar[Desk]
    where = "button:transcript:copy"

    def __init__(self, request_id: int | None) -> None:
        super().__init__(
            discord.ui.Button(
                label=LABEL,
                emoji="📄",
                style=discord.ButtonStyle.secondary,
                custom_id=f"transcript:copy:{request_id}",
            )
        )
        self.request_id = request_id

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
        if self.request_id is None:
            raise OutOfDateError()
        await self.desk.copy_by_id(interaction, self.request_id)


class StaleTranscriptButton(StaleButton, template=r"transcript:(?!copy:[^:]*$).*"):
    """Any other ``transcript:`` id (an older version's button, or a forged one)."""

    stale_id = "transcript:stale"
    where = "button:transcript:stale"


BUTTONS = (TranscriptButton, StaleTranscriptButton)


def transcript_view(request_id: int) -> discord.ui.View:
    """The button, for the closing message of request ``request_id`` (a stopped view: the
    registered, bound class answers the press)."""
    return stopped_view(TranscriptButton(request_id))
