"""The saved replies' forms: a new reply's text, and a reply's text to change.

Forms are layout only, answered from the submitted interaction itself (``handle_form``, called
by the cog's ``on_modal_submit``), so a form opened before a restart still works. Ids carry a
checked name or a reply's id, never its text: ``snippet:add:<name>``,
``snippet:edit:<id>`` and ``snippet:edit:<id>:<new name>``; a malformed one is "out of date".
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import discord

from bot import limits
from bot.errors import OutOfDateError, UserFacingError
from bot.snippets import NAME_LIMIT, TEXT_LIMIT, Snippet, SnippetService, check_name
from bot.ui import send_ephemeral, shorten
from cogs._checks import require_manager
from cogs._components import defer, guarded, parse_id
from cogs.snippets import _embeds as render

log = logging.getLogger(__name__)

ACTION = "manage saved replies"
ADD_FORM = "snippet:add:"
EDIT_FORM = "snippet:edit:"
_EDIT = re.compile(r"snippet:edit:(?P<id>[^:]*)(?::(?P<name>.*))?")
TEXT = "text"


class Forms(Protocol):
    """What the forms ask of the feature: its storage, and the crisis lines as ``{crisis}``
    is filled (for the length check)."""

    @property
    def service(self) -> SnippetService: ...

    def crisis_text(self) -> str: ...


def require_lead(interaction: discord.Interaction[Any]) -> int:
    """A staff lead (Manage Server or Administrator) in a server: the server's id."""
    require_manager(interaction, action=ACTION)
    if interaction.guild_id is None:  # pragma: no cover - a Member is always in a server
        raise OutOfDateError()
    return interaction.guild_id


def _stopped(modal: discord.ui.Modal) -> discord.ui.Modal:
    """discord.py keeps no handler for a stopped modal: ``handle_form`` answers it."""
    modal.stop()
    return modal


def _text_input(default: str | None = None) -> discord.ui.Label[discord.ui.View]:
    text: discord.ui.TextInput[discord.ui.View] = discord.ui.TextInput(
        custom_id=TEXT,
        style=discord.TextStyle.paragraph,
        required=True,
        max_length=TEXT_LIMIT,
        default=default,
        placeholder="Hi {member}, thanks for reaching out. I'm {staff} …",
    )
    return discord.ui.Label(
        text=f"The text (up to {TEXT_LIMIT:,} characters)",
        description="{member} {staff} {server} {crisis} {hours} are filled in when it is sent.",
        component=text,
    )


def add_form(name: str) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=shorten(f"New saved reply: {name}", limits.MODAL_TITLE),
        custom_id=f"{ADD_FORM}{name}",
    )
    modal.add_item(_text_input())
    return _stopped(modal)


def edit_form(snippet: Snippet, new_name: str | None = None) -> discord.ui.Modal:
    custom_id = f"{EDIT_FORM}{snippet.id}" + (f":{new_name}" if new_name else "")
    modal = discord.ui.Modal(
        title=shorten(f"Saved reply: {new_name or snippet.name}", limits.MODAL_TITLE),
        custom_id=custom_id,
    )
    modal.add_item(_text_input(snippet.body))
    return _stopped(modal)


def _typed(interaction: discord.Interaction[Any]) -> str:
    """The submitted text (empty when the form carried none)."""

    def visit(node: Any) -> str | None:
        if not isinstance(node, dict):
            return None
        if node.get("custom_id") == TEXT and isinstance(node.get("value"), str):
            return str(node["value"])
        for child in [node.get("component"), *(node.get("components") or ())]:
            found = visit(child)
            if found is not None:
                return found
        return None

    data: dict[str, Any] = dict(interaction.data or {})
    for component in data.get("components") or ():
        found = visit(component)
        if found is not None:
            return found
    return ""


def _checked_name(text: str | None) -> str:
    """A name carried by a form's id, checked again (a forged id is out of date)."""
    if not text or len(text) > NAME_LIMIT:
        raise OutOfDateError()
    try:
        return check_name(text)
    except UserFacingError:
        raise OutOfDateError() from None


async def handle_form(feature: Forms, interaction: discord.Interaction[Any]) -> bool:
    """Answer a submitted saved-reply form; False when the form isn't ours."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if not custom_id.startswith("snippet:"):
        return False
    await guarded(interaction, "form:snippet", _submit(feature, interaction, custom_id))
    return True


async def _submit(feature: Forms, interaction: discord.Interaction[Any], custom_id: str) -> None:
    guild_id = require_lead(interaction)
    now = discord.utils.utcnow()
    if custom_id.startswith(ADD_FORM):
        name = _checked_name(custom_id.removeprefix(ADD_FORM))
        await defer(interaction)
        added = await feature.service.add(
            guild_id, name=name, body=_typed(interaction), now=now, crisis=feature.crisis_text()
        )
        await send_ephemeral(interaction, render.added_reply(added))
        return
    found = _EDIT.fullmatch(custom_id)
    snippet_id = parse_id(found["id"]) if found else None
    if found is None or snippet_id is None:
        raise OutOfDateError()
    new_name = None if found["name"] is None else _checked_name(found["name"])
    await defer(interaction)
    edited = await feature.service.edit(
        guild_id,
        snippet_id,
        body=_typed(interaction),
        now=now,
        crisis=feature.crisis_text(),
        new_name=new_name,
    )
    await send_ephemeral(interaction, render.edited_reply(edited.snippet, edited.old_name))
