"""The safety plan's buttons: show my plan, continue to the second form, and the "delete?"
question's two answers. State is in the custom_id; the cog registers them bound to itself
(``cogs._components.bind``) and sends them in stopped views.

``safety-plan:show`` is also shown by other features (the safety net's message, the reply
after a low check-in) through ``cogs._handoff.safety_plan_button``: it shows the presser's
own plan, whoever sent the message it is on.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Protocol, Self

import discord

from bot.ui import send_ephemeral
from cogs._components import PersistentButton, parse_id
from cogs._handoff import SAFETY_PLAN_SHOW
from cogs.safety_plan import _embeds as render

SHOW = SAFETY_PLAN_SHOW


class Feature(Protocol):
    """What the buttons ask of the safety-plan cog."""

    async def show(self, interaction: discord.Interaction[Any]) -> None: ...

    async def open_form(self, interaction: discord.Interaction[Any], part: int) -> None: ...

    async def delete_plan(self, interaction: discord.Interaction[Any]) -> None: ...


def _owner(match: re.Match[str]) -> int:
    owner = parse_id(match["owner"])
    return owner if owner is not None else 0  # 0 is no one: every press is "not yours"


class ShowButton(PersistentButton, template=r"safety-plan:show"):
    """Show the presser's own plan (or how to start one), privately."""

    feature: ClassVar[Feature]
    where = "button:safety-plan:show"

    def __init__(self, label: str = "My safety plan") -> None:
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=SHOW)
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> Self:
        return cls(label=getattr(item, "label", None) or "My safety plan")

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await self.feature.show(interaction)


class ContinueButton(
    PersistentButton, template=r"safety-plan:next:(?P<owner>[0-9]{1,20}):(?P<part>[0-9])"
):
    """Open the plan's next form, for the member who filled in the one before."""

    feature: ClassVar[Feature]
    where = "button:safety-plan:next"

    def __init__(self, owner: int, part: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Continue",
                style=discord.ButtonStyle.primary,
                custom_id=f"safety-plan:next:{owner}:{part}",
            )
        )
        self.owner, self.part = owner, part

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> Self:
        return cls(_owner(match), int(match["part"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner:
            await send_ephemeral(interaction, render.NOT_YOURS)
            return
        await self.feature.open_form(interaction, self.part)


class _AnswerButton(PersistentButton, template=r"(?!)"):
    """One answer to the "delete?" question: only the member who asked can press it. A
    subclass gives its template, ``action`` (the custom_id's middle part), label, style and
    ``answer``; this base is never registered (its template matches nothing)."""

    feature: ClassVar[Feature]
    action: ClassVar[str]
    label: ClassVar[str]
    style: ClassVar[discord.ButtonStyle]

    def __init__(self, owner: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.label,
                style=self.style,
                custom_id=f"safety-plan:{self.action}:{owner}",
            )
        )
        self.owner = owner

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: Any, /
    ) -> Self:
        return cls(_owner(match))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner:
            await send_ephemeral(interaction, render.NOT_YOURS)
            return
        await self.answer(interaction)

    async def answer(self, interaction: discord.Interaction[Any]) -> None:
        raise NotImplementedError


class DeleteButton(_AnswerButton, template=r"safety-plan:delete:(?P<owner>[0-9]{1,20})"):
    """Yes, delete my plan."""

    where = "button:safety-plan:delete"
    action = "delete"
    label = "Delete my plan"
    style = discord.ButtonStyle.danger

    async def answer(self, interaction: discord.Interaction[Any]) -> None:
        await self.feature.delete_plan(interaction)


class KeepButton(_AnswerButton, template=r"safety-plan:keep:(?P<owner>[0-9]{1,20})"):
    """No, keep it: nothing is deleted."""

    where = "button:safety-plan:keep"
    action = "keep"
    label = "Keep it"
    style = discord.ButtonStyle.secondary

    async def answer(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.edit_message(content=render.KEPT, embed=None, view=None)


BUTTONS: tuple[type[PersistentButton], ...] = (ShowButton, ContinueButton, DeleteButton, KeepButton)
"""Every persistent item of the feature (the cog binds them to itself)."""
