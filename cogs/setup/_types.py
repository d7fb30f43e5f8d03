"""``/setup type add|edit|remove|list``: the kinds of consultation a server offers.

A subcommand group of ``/setup`` (Manage Server, checked again at run time on every command,
menu and button). The domain side is ``bot.consultations.types``; this module validates what
only Discord knows (a role, a channel, a custom emoji I can use), calls it and renders the
answer. Routing requests by type is the consultation feature's (``bot.consultations.routing``);
every reply here says what a change does (``ROUTING_NOTE``).

Removing asks first: a "Remove" button whose custom_id carries the type's id, so the question
can be answered after a restart; the type is read again (in this server only) when pressed.
"""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar, Self

import discord
from discord import app_commands

from bot.bot import SupportBot
from bot.consultations import (
    CLEARABLE_LABELS,
    TYPE_DESCRIPTION_LIMIT,
    TYPE_NAME_LIMIT,
    TYPE_RESPONSE_LIMIT,
    BadEmojiError,
    Clearable,
    ConsultType,
    ConsultTypeService,
    TypeInUseError,
    TypeNotFoundError,
    custom_emoji,
    validate_emoji,
)
from bot.errors import UserFacingError
from bot.services import Services
from bot.ui import escape, send_ephemeral
from cogs._checks import require_manager
from cogs._components import PersistentButton, StaleButton, bind, defer, parse_id, stopped_view
from cogs.setup._type_render import ROUTING_NOTE, render_type, render_types, title
from cogs.setup._warnings import type_warnings

log = logging.getLogger(__name__)

ACTION = "change the consultation types"

ALREADY_REMOVED = (
    "That consultation type was already removed. `/setup type list` shows the ones there are."
)


def _guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    """The server, once the person is known to have Manage Server there."""
    require_manager(interaction, action=ACTION)
    if interaction.guild is None:  # pragma: no cover - a Member is always in a server
        raise UserFacingError("Please use this in a server.")
    return interaction.guild


def _staff_role(role: discord.Role, what: str = "staff role") -> int:
    if role.is_default():
        raise UserFacingError(
            f"Please choose a role for the {what}, not @everyone. Nothing was saved."
        )
    return role.id


def _emoji(emoji: str | None) -> int | None:
    """The id of a custom emoji to check with Discord (None: unicode, or none); a text that is
    no emoji at all is refused here, before anything else."""
    custom = custom_emoji(validate_emoji(emoji))
    return None if custom is None else custom.id


async def _require_own_emoji(guild: discord.Guild, emoji_id: int | None) -> None:
    """A custom emoji must be this server's own (asked of Discord: my cache may be older), as
    Discord refuses an emoji it cannot find in a menu."""
    if emoji_id is None:
        return
    try:
        await guild.fetch_emoji(emoji_id)
    except discord.NotFound:
        raise BadEmojiError() from None
    except discord.HTTPException:
        raise UserFacingError(
            "I couldn't check that emoji with Discord just now. Please try again. "
            "Nothing was saved."
        ) from None


class RemoveTypeButton(PersistentButton, template=r"setup-type:remove:(?P<id>[^:]*)"):
    """Go ahead: remove the type (read again, in this server only, when pressed)."""

    types: ClassVar[TypeCommands]
    where = "button:setup-type:remove"

    def __init__(self, type_id: int | None) -> None:
        super().__init__(
            discord.ui.Button(
                label="Remove",
                style=discord.ButtonStyle.danger,
                custom_id=f"setup-type:remove:{type_id}",
            )
        )
        self.type_id = type_id

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
        await self.types.confirmed(interaction, self.type_id)


class KeepTypeButton(PersistentButton, template=r"setup-type:keep:(?P<id>[^:]*)"):
    """Call it off: nothing is removed (the id says which question it answers)."""

    where = "button:setup-type:keep"

    def __init__(self, type_id: int | None) -> None:
        super().__init__(
            discord.ui.Button(
                label="Keep it",
                style=discord.ButtonStyle.secondary,
                custom_id=f"setup-type:keep:{type_id}",
            )
        )
        self.type_id = type_id

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
        _guild(interaction)
        await interaction.response.edit_message(
            content="Nothing was removed.", embed=None, view=None
        )


class StaleTypeButton(StaleButton, template=r"setup-type:(?!(?:remove|keep):[^:]*$).*"):
    """Any other ``setup-type:`` id (an older version's button, or a forged one)."""

    stale_id = "setup-type:stale"
    where = "button:setup-type:stale"


BUTTONS = (RemoveTypeButton, KeepTypeButton, StaleTypeButton)

_CLEAR_CHOICES = [
    app_commands.Choice(
        name=f"{label} (back to the server's)"
        if "channel" in label or "response" in label
        else label,
        value=clearable.value,
    )
    for clearable, label in CLEARABLE_LABELS.items()
]


class TypeCommands(app_commands.Group):
    """``/setup type``: built once by the setup cog, which registers ``buttons``."""

    def __init__(self, bot: SupportBot, services: Services) -> None:
        super().__init__(
            name="type", description="The kinds of consultation members can ask for (Manage Server)"
        )
        self.bot = bot
        self.services = services
        self.buttons = bind(BUTTONS, types=self)

    @property
    def service(self) -> ConsultTypeService:
        return self.services.consult_types

    async def _warnings(self, guild: discord.Guild, kind: ConsultType) -> list[str]:
        config = await self.services.configs.get(guild.id)
        return type_warnings(guild, config, (kind,))

    async def name_choices(
        self, interaction: discord.Interaction[SupportBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """This server's types whose name holds what is typed (nothing for non-admins)."""
        try:
            guild = _guild(interaction)
        except UserFacingError:
            return []
        typed = current.casefold().strip()
        return [
            app_commands.Choice(name=kind.name, value=kind.name)
            for kind in await self.service.list(guild.id)
            if typed in kind.name.casefold()
        ][:25]

    @app_commands.command(name="add")
    @app_commands.describe(
        name="What members will see, e.g. 'Family support' (up to 40 characters)",
        description="One line saying who it is for (up to 100 characters)",
        staff_role="The role whose members take these requests",
        emoji="Optional: one emoji, from the picker or this server's own",
        queue_channel="Optional: a staff-only channel for these requests (else the server's)",
        consult_channel="Optional: where their private threads are made (else the server's)",
        response_time="Optional: what members are told, e.g. 'usually within a day'",
        urgent_fallback_role="Optional: a role pinged as well when one of these is urgent",
    )
    async def add(
        self,
        interaction: discord.Interaction[SupportBot],
        name: app_commands.Range[str, 1, TYPE_NAME_LIMIT],
        description: app_commands.Range[str, 1, TYPE_DESCRIPTION_LIMIT],
        staff_role: discord.Role,
        emoji: app_commands.Range[str, 1, 64] | None = None,
        queue_channel: discord.TextChannel | None = None,
        consult_channel: discord.TextChannel | None = None,
        response_time: app_commands.Range[str, 1, TYPE_RESPONSE_LIMIT] | None = None,
        urgent_fallback_role: discord.Role | None = None,
    ) -> None:
        """Add a kind of consultation, with its own staff role (up to 10 per server)."""
        guild = _guild(interaction)
        role_id = _staff_role(staff_role)
        fallback_id = (
            _staff_role(urgent_fallback_role, "urgent fallback role")
            if urgent_fallback_role
            else None
        )
        emoji_id = _emoji(emoji)
        await defer(interaction)
        await _require_own_emoji(guild, emoji_id)
        kind = await self.service.add(
            guild.id,
            name=name,
            description=description,
            staff_role_id=role_id,
            now=discord.utils.utcnow(),
            emoji=emoji,
            queue_channel_id=queue_channel.id if queue_channel else None,
            consult_channel_id=consult_channel.id if consult_channel else None,
            response_time_text=response_time,
            urgent_fallback_role_id=fallback_id,
        )
        log.info(
            "setup.type_added guild=%s user=%s type=%s", guild.id, interaction.user.id, kind.id
        )
        self.bot.dispatch("consult_types_changed", guild.id)
        await send_ephemeral(
            interaction,
            f"Added the consultation type **{escape(kind.name, 80)}**. {ROUTING_NOTE}",
            embed=render_type(kind, await self._warnings(guild, kind)),
        )

    @app_commands.command(name="edit")
    @app_commands.describe(
        name="The type to change",
        new_name="Optional: a new name (up to 40 characters)",
        description="Optional: a new description (up to 100 characters)",
        staff_role="Optional: a new staff role for it",
        emoji="Optional: a new emoji, from the picker or this server's own",
        queue_channel="Optional: its own staff-only queue channel",
        consult_channel="Optional: its own channel for private threads",
        response_time="Optional: what members are told about when staff reply",
        urgent_fallback_role="Optional: a role pinged as well when one of these is urgent",
        clear="Optional: empty one of its optional settings",
    )
    @app_commands.choices(clear=_CLEAR_CHOICES)
    async def edit(
        self,
        interaction: discord.Interaction[SupportBot],
        name: app_commands.Range[str, 1, 100],
        new_name: app_commands.Range[str, 1, TYPE_NAME_LIMIT] | None = None,
        description: app_commands.Range[str, 1, TYPE_DESCRIPTION_LIMIT] | None = None,
        staff_role: discord.Role | None = None,
        emoji: app_commands.Range[str, 1, 64] | None = None,
        queue_channel: discord.TextChannel | None = None,
        consult_channel: discord.TextChannel | None = None,
        response_time: app_commands.Range[str, 1, TYPE_RESPONSE_LIMIT] | None = None,
        urgent_fallback_role: discord.Role | None = None,
        clear: app_commands.Choice[str] | None = None,
    ) -> None:
        """Change a consultation type (whatever you leave empty is kept)."""
        guild = _guild(interaction)
        cleared: tuple[Clearable, ...] = ()
        if clear is not None:
            if clear.value not in {c.value for c in Clearable}:  # a stale command
                raise UserFacingError("I don't know that setting. Nothing was changed.")
            cleared = (Clearable(clear.value),)
        role_id = _staff_role(staff_role) if staff_role else None
        fallback_id = (
            _staff_role(urgent_fallback_role, "urgent fallback role")
            if urgent_fallback_role
            else None
        )
        emoji_id = _emoji(emoji)
        await defer(interaction)
        await _require_own_emoji(guild, emoji_id)
        edited = await self.service.edit(
            guild.id,
            name,
            new_name=new_name,
            description=description,
            emoji=emoji,
            staff_role_id=role_id,
            queue_channel_id=queue_channel.id if queue_channel else None,
            consult_channel_id=consult_channel.id if consult_channel else None,
            response_time_text=response_time,
            urgent_fallback_role_id=fallback_id,
            clear=cleared,
        )
        kind = edited.kind
        if edited.changed:
            log.info(
                "setup.type_edited guild=%s user=%s type=%s fields=%s",
                guild.id,
                interaction.user.id,
                kind.id,
                ",".join(edited.changed),
            )
            self.bot.dispatch("consult_types_changed", guild.id)
            said = f"Saved the consultation type **{escape(kind.name, 80)}**. {ROUTING_NOTE}"
        else:
            said = "Nothing to change: give at least one new setting. Nothing was changed."
        await send_ephemeral(
            interaction, said, embed=render_type(kind, await self._warnings(guild, kind))
        )

    @app_commands.command(name="remove")
    @app_commands.describe(name="The type to remove")
    async def remove(
        self, interaction: discord.Interaction[SupportBot], name: app_commands.Range[str, 1, 100]
    ) -> None:
        """Remove a consultation type (asks first; refused while its requests are open)."""
        guild = _guild(interaction)
        kind = await self.service.find(guild.id, name)
        if kind is None:
            raise TypeNotFoundError()
        active = await self.service.active_requests(guild.id, kind.id)
        if active:
            raise TypeInUseError(active)
        await send_ephemeral(
            interaction,
            f"Remove the consultation type **{escape(kind.name, 80)}**? Its past requests will "
            "count under the server's own setup. This can't be undone.",
            embed=render_type(kind),
            view=stopped_view(RemoveTypeButton(kind.id), KeepTypeButton(kind.id)),
        )

    async def confirmed(self, interaction: discord.Interaction[Any], type_id: int | None) -> None:
        """ "Remove" pressed: checked again (Manage Server, this server, nothing still open)."""
        guild = _guild(interaction)
        if type_id is None:
            raise UserFacingError(ALREADY_REMOVED)
        try:
            removed = await self.service.remove(guild.id, type_id)
        except TypeNotFoundError:
            raise UserFacingError(ALREADY_REMOVED) from None
        log.info(
            "setup.type_removed guild=%s user=%s type=%s", guild.id, interaction.user.id, type_id
        )
        self.bot.dispatch("consult_types_changed", guild.id)
        past = (
            f" Its {removed.past_requests} past requests now count under the server's own setup."
            if removed.past_requests
            else ""
        )
        await interaction.response.edit_message(
            content=f"Removed the consultation type **{title(removed.kind)}**.{past}",
            embed=None,
            view=None,
        )

    @app_commands.command(name="list")
    async def list_types(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Show this server's consultation types."""
        guild = _guild(interaction)
        types = await self.service.list(guild.id)
        await send_ephemeral(interaction, embed=render_types(types))

    edit.autocomplete("name")(name_choices)
    remove.autocomplete("name")(name_choices)
