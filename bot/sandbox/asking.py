"""Asking for a consultant through the real ``/consult`` flow, as a member does in the page.

The sandbox's seeded requests and the guided tour's scripted member both ask this way, so
their requests are made by the same command, menu and form a member uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from simcord import MemberActor

    from bot.sandbox.world import SandboxServer


async def ask_for_consultant(
    server: SandboxServer, member: MemberActor, *, topic: str, urgency: str, note: str
) -> str | None:
    """``member`` runs ``/consult`` in #general, picks a type and fills in the form.

    Returns None when the form was sent, or why it could not be (a short phrase). Each step is
    one SimCord operation: the caller makes sure none is running when it starts.
    """
    commands = member.available_commands(server.general)
    if not any(name == "consult" or name.startswith("consult ") for name in commands):
        return "the /consult command is not there yet"
    shown = await member.slash(server.general, "consult")
    choice = _type_choice(shown, family=topic == "family")
    if shown.modal is None and choice is not None and shown.response is not None:
        shown = await member.select(shown.response, [choice])
    if shown.modal is None:
        return "/consult did not open a form"
    values = _modal_values(shown, topic=topic, urgency=urgency, note=note)
    await member.submit_modal(shown, values)
    return None


def _type_choice(shown: Any, *, family: bool) -> str | None:
    """In a server with consultation types, /consult first offers them in a menu: the value
    of the family type (``family``) or of the first one; None when there is no menu."""
    response = shown.response
    if shown.modal is not None or response is None:
        return None
    for row in response.components:
        for child in row.get("components", []) if isinstance(row, dict) else ():
            options = child.get("options") or []
            if child.get("custom_id") == "consult:pick" and options:
                wanted = [o for o in options if family == o["label"].startswith("Family")]
                return str((wanted or options)[0]["value"])
    return None


def _modal_values(shown: Any, **wanted: str) -> dict[str, Any]:
    """Fill the /consult form by matching its fields' ids to what we want to say."""
    modal = shown.modal
    values: dict[str, Any] = {}
    for component in _modal_fields(modal):
        custom_id = str(component.get("custom_id", ""))
        for key, value in wanted.items():
            if key in custom_id.lower():
                is_select = component.get("type") == discord.ComponentType.string_select.value
                values[custom_id] = [value] if is_select else value
    return values


def _modal_fields(modal: Any) -> list[dict[str, Any]]:
    payload = modal if isinstance(modal, dict) else getattr(modal, "payload", None) or {}
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "custom_id" in node and node.get("type") in (3, 4, 21, 22, 23):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return found
