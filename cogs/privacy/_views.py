"""The buttons of a "delete?" question: erase, or keep it (and the answer to an older one)."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Protocol, Self

import discord

from bot.ui import send_ephemeral
from cogs._components import PersistentButton, StaleButton

log = logging.getLogger(__name__)


class Confirmer(Protocol):
    """What the erase button asks of the privacy cog (bound to it, ``cogs._components.bind``)."""

    async def confirmed(
        self, interaction: discord.Interaction[Any], button: EraseButton
    ) -> None: ...


CONFIRM_MINUTES = 10
"""How long a "delete?" question can be answered; after that the member asks again."""

NOT_YOURS = "This question belongs to someone else. Run the command yourself if you need it."
EXPIRED = (
    "This question has expired, so nothing was deleted. Run the command again if you still want to."
)


class EraseButton(
    PersistentButton,
    template=r"privacy:erase:(?P<owner>\d+):(?P<target>\d+):(?P<guild>\d+|dm):(?P<asked>\d+)",
):
    """Go ahead: erase ``target``'s data, asked by ``owner`` (the member themself, or an admin
    for ``/admin forget``) at ``asked`` (Unix seconds). Everything is in the custom_id, so the
    question can be answered after a restart; it expires after ``CONFIRM_MINUTES``.

    The cog registers it bound to itself (``cogs._components.bind``)."""

    privacy: ClassVar[Confirmer]

    def __init__(
        self, owner: int, target: int, guild_id: int | None, asked: int, label: str
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.danger,
                custom_id=f"privacy:erase:{owner}:{target}:{guild_id or 'dm'}:{asked}",
            )
        )
        self.owner, self.target, self.guild_id, self.asked = owner, target, guild_id, asked

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        guild = None if match["guild"] == "dm" else int(match["guild"])
        label = getattr(item, "label", None) or "Delete"
        return cls(int(match["owner"]), int(match["target"]), guild, int(match["asked"]), label)

    where = "button:privacy:erase"

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await self.privacy.confirmed(interaction, self)


class KeepButton(
    PersistentButton,
    template=r"privacy:keep:(?P<owner>\d+)",
):
    """Call it off: nothing is deleted."""

    def __init__(self, owner: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Keep it",
                style=discord.ButtonStyle.secondary,
                custom_id=f"privacy:keep:{owner}",
            )
        )
        self.owner = owner

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(int(match["owner"]))

    where = "button:privacy:keep"

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner:
            await send_ephemeral(interaction, NOT_YOURS)
            return
        await interaction.response.edit_message(
            content="Nothing was deleted.", embed=None, view=None
        )


class OldConfirmButton(StaleButton, template=r"privacy:(?:confirm|cancel)"):
    """The buttons of a question asked before the confirmation moved into the custom_id: they
    are answered (nothing is deleted) instead of failing silently."""

    stale_id = "privacy:confirm"
    where = "button:privacy:old"


BUTTONS = (EraseButton, KeepButton, OldConfirmButton)


def confirm_view(owner: int, target: int, guild_id: int | None, label: str) -> discord.ui.View:
    """The two answers to a "delete?" question, built from the question's own facts.

    The view is stopped: discord.py dispatches its dynamic items by custom_id, so nothing is
    kept in memory and no timer runs; a restart loses nothing.
    """
    asked = int(discord.utils.utcnow().timestamp())
    view = discord.ui.View(timeout=None)
    view.add_item(EraseButton(owner, target, guild_id, asked, label))
    view.add_item(KeepButton(owner))
    view.stop()
    return view
