"""The buttons and menus of a DM request (``dm:…``), pressed in the member's DM with the bot.

State comes from the custom_id: the server, the type and the urgency chosen so far, or the
request. Each is registered bound to the DM desk (``cogs.consult._dm.DmDesk``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, Self

import discord

from bot.consultations import URGENCY_LABELS, ConsultType, Urgency
from bot.errors import OutOfDateError
from cogs._components import (
    PersistentButton,
    PersistentItem,
    StaleButton,
    parse_id,
    stopped_view,
)


class DmDesk(Protocol):
    """What these items ask of the DM desk (``cogs.consult._dm.DmDesk``)."""

    async def start(self, interaction: discord.Interaction[Any]) -> None: ...

    async def server_chosen(self, interaction: discord.Interaction[Any], guild_id: int) -> None: ...

    async def type_chosen(
        self, interaction: discord.Interaction[Any], guild_id: int, type_id: int
    ) -> None: ...

    async def send_request(
        self,
        interaction: discord.Interaction[Any],
        guild_id: int,
        type_id: int | None,
        urgency: Urgency,
        *,
        pseudonymous: bool = False,
    ) -> None: ...

    async def member_end(self, interaction: discord.Interaction[Any], request_id: int) -> None: ...


AnySelect = discord.ui.Select[discord.ui.View]

START = "dm:start"
"""The "Message us privately" button under the bot's answer to a DM (``cogs._handoff``)."""

_ID = r"(?P<id>[^:]*)"


def _chosen(interaction: discord.Interaction[Any]) -> str | None:
    data: dict[str, Any] = dict(interaction.data or {})
    values = data.get("values")
    first = values[0] if isinstance(values, list) and values else None
    return first if isinstance(first, str) else None


class StartButton(PersistentButton, template=r"dm:start"):
    desk: ClassVar[DmDesk]
    where = "button:dm:start"

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label="Message us privately", style=discord.ButtonStyle.primary, custom_id=START
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], m: re.Match[str], /
    ) -> Self:
        button = cls()
        button.item.label = getattr(item, "label", None) or button.item.label  # as shown
        return button

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await self.desk.start(interaction)


class ServerMenu(PersistentItem[AnySelect], template=r"dm:server"):
    """Which shared server to message (only when there is more than one)."""

    desk: ClassVar[DmDesk]
    where = "menu:dm:server"

    def __init__(self, chosen: int | None = None) -> None:
        super().__init__(
            discord.ui.Select(custom_id="dm:server", options=[discord.SelectOption(label="…")])
        )
        self.chosen = chosen

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], m: re.Match[str], /
    ) -> Self:
        return cls(parse_id(_chosen(interaction)))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if self.chosen is None:
            raise OutOfDateError()
        await self.desk.server_chosen(interaction, self.chosen)


class TypeMenu(PersistentItem[AnySelect], template=rf"dm:type:{_ID}"):
    """The kind of consultation, in the chosen server (``dm:type:<server id>``)."""

    desk: ClassVar[DmDesk]
    where = "menu:dm:type"

    def __init__(self, guild_id: int | None, chosen: int | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"dm:type:{guild_id}", options=[discord.SelectOption(label="…")]
            )
        )
        self.guild_id = guild_id
        self.chosen = chosen

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], m: re.Match[str], /
    ) -> Self:
        return cls(parse_id(m["id"]), parse_id(_chosen(interaction)))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if self.guild_id is None or self.chosen is None:
            raise OutOfDateError()
        await self.desk.type_chosen(interaction, self.guild_id, self.chosen)


class UrgencyButton(
    PersistentButton,
    template=r"dm:go:(?P<guild>[^:]*):(?P<type>[^:]*):(?P<urgency>[a-z]*):(?P<hidden>[01]?)",
):
    """Send the request: ``dm:go:<server id>:<type id, 0 for none>:<urgency>:<name kept 0/1>``."""

    desk: ClassVar[DmDesk]
    where = "button:dm:go"

    def __init__(
        self,
        guild_id: int | None,
        type_id: int | None,
        urgency: Urgency | None,
        *,
        hidden: bool = False,
    ) -> None:
        label = URGENCY_LABELS[urgency] if urgency else "…"
        style = (
            discord.ButtonStyle.danger if urgency is Urgency.URGENT else discord.ButtonStyle.primary
        )
        value = urgency.value if urgency else ""
        super().__init__(
            discord.ui.Button(
                label=label,
                style=style,
                custom_id=f"dm:go:{guild_id}:{type_id or 0}:{value}:{int(hidden)}",
            )
        )
        self.guild_id = guild_id
        self.type_id = type_id
        self.urgency = urgency
        self.hidden = hidden

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], m: re.Match[str], /
    ) -> Self:
        urgency = m["urgency"]
        return cls(
            parse_id(m["guild"]),
            parse_id(m["type"]),
            Urgency(urgency) if urgency in set(Urgency) else None,
            hidden=m["hidden"] == "1",
        )

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if self.guild_id is None or self.urgency is None:
            raise OutOfDateError()
        await self.desk.send_request(
            interaction, self.guild_id, self.type_id, self.urgency, pseudonymous=self.hidden
        )


class NameButton(
    PersistentButton, template=r"dm:name:(?P<guild>[^:]*):(?P<type>[^:]*):(?P<hidden>[01]?)"
):
    """ "Keep my name from the consultant", on or off (``dm:name:<server>:<type>:<now 0/1>``):
    pressing it turns it the other way and redraws the urgency buttons."""

    desk: ClassVar[DmDesk]
    where = "button:dm:name"

    def __init__(self, guild_id: int | None, type_id: int | None, *, hidden: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"Keep my name from the consultant: {'on' if hidden else 'off'}",
                style=discord.ButtonStyle.success if hidden else discord.ButtonStyle.secondary,
                custom_id=f"dm:name:{guild_id}:{type_id or 0}:{int(hidden)}",
            )
        )
        self.guild_id = guild_id
        self.type_id = type_id
        self.hidden = hidden

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], m: re.Match[str], /
    ) -> Self:
        return cls(parse_id(m["guild"]), parse_id(m["type"]), hidden=m["hidden"] == "1")

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if self.guild_id is None:
            raise OutOfDateError()
        await interaction.response.edit_message(
            view=urgency_view(self.guild_id, self.type_id, hidden=not self.hidden)
        )


class EndButton(PersistentButton, template=rf"dm:end:{_ID}"):
    """The member ends their DM conversation (``dm:end:<request id>``)."""

    desk: ClassVar[DmDesk]
    where = "button:dm:end"

    def __init__(self, request_id: int | None) -> None:
        super().__init__(
            discord.ui.Button(
                label="End conversation",
                style=discord.ButtonStyle.secondary,
                custom_id=f"dm:end:{request_id}",
            )
        )
        self.request_id = request_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], m: re.Match[str], /
    ) -> Self:
        return cls(parse_id(m["id"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if self.request_id is None:
            raise OutOfDateError()
        await self.desk.member_end(interaction, self.request_id)


class StaleDmButton(
    StaleButton,
    template=r"dm:(?!(?:start|server|type:[^:]*|go:[^:]*:[^:]*:[a-z]*:[01]?"
    r"|name:[^:]*:[^:]*:[01]?|end:[^:]*)$).*",
):
    """Any other ``dm:`` id (an older version's, or a forged one)."""

    stale_id = "dm:stale"
    where = "button:dm:stale"


DM_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    StartButton,
    ServerMenu,
    TypeMenu,
    UrgencyButton,
    NameButton,
    EndButton,
    StaleDmButton,
)


def server_view(guilds: Sequence[tuple[int, str]]) -> discord.ui.View:
    menu = ServerMenu()
    select = menu.item
    assert isinstance(select, discord.ui.Select)
    select.placeholder = "Choose a group"
    select.options = [
        discord.SelectOption(label=name[:100], value=str(guild_id))
        for guild_id, name in guilds[:25]
    ]
    return stopped_view(menu)


def type_view(guild_id: int, kinds: Sequence[ConsultType]) -> discord.ui.View:
    menu = TypeMenu(guild_id)
    select = menu.item
    assert isinstance(select, discord.ui.Select)
    select.placeholder = "Choose what it's about"
    select.options = [
        discord.SelectOption(
            label=kind.name[:100],
            value=str(kind.id),
            description=(kind.description or "")[:100] or None,
        )
        for kind in kinds[:25]
    ]
    return stopped_view(menu)


def urgency_view(guild_id: int, type_id: int | None, *, hidden: bool = False) -> discord.ui.View:
    """How urgent (each sends the request), and "Keep my name from the consultant"."""
    order = (Urgency.URGENT, Urgency.SOON, Urgency.ROUTINE)
    buttons = [UrgencyButton(guild_id, type_id, urgency, hidden=hidden).item for urgency in order]
    toggle = NameButton(guild_id, type_id, hidden=hidden).item
    toggle.row = 1
    return stopped_view(*buttons, toggle)


def end_view(request_id: int) -> discord.ui.View:
    return stopped_view(EndButton(request_id).item)
