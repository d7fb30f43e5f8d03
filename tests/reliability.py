"""Helpers shared by the reliability suite (bad input, faults, load, restart chaos).

They look at what the bot *did* in SimCord's Discord: every message it stored (who it pinged),
every REST call it made (the ``allowed_mentions`` it sent), and every interaction (answered,
not left "thinking"). Nothing here imports the bot's private helpers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import discord
import simcord
from simcord import interactions as simcord_interactions

from bot.bot import SupportBot
from bot.text import clean as clean_text
from bot.ui import SOMETHING_WENT_WRONG


def bot_of(env: simcord.Env) -> SupportBot:
    bot = env.bot
    assert isinstance(bot, SupportBot)
    return bot


# --------------------------------------------------------------------------- pings


def bot_messages(env: simcord.Env) -> list[Any]:
    """Every message the bot has in SimCord's Discord (channels, threads, DMs, ephemerals)."""
    backend = env.backend
    me = backend.bot_user.id
    return [m for msgs in backend.messages.values() for m in msgs.values() if m.author_id == me]


def assert_nothing_pinged(
    env: simcord.Env,
    *,
    users: set[int] | frozenset[int] = frozenset(),
    roles: set[int] | frozenset[int] = frozenset(),
) -> None:
    """No message of the bot pinged @everyone/@here, and only ``users``/``roles`` were pinged.

    Checks both sides: what Discord resolved for each stored message, and the
    ``allowed_mentions`` of every REST call that carried content (nothing parsed from text).
    """
    for message in bot_messages(env):
        assert not message.mention_everyone, message.content
        assert set(message.ping_user_ids) <= set(users), (message.content, message.ping_user_ids)
        assert set(message.ping_role_ids) <= set(roles), (message.content, message.ping_role_ids)
    for request in env.http_requests:
        body = request.json if isinstance(request.json, dict) else None
        if body is None:
            continue
        if isinstance(body.get("data"), dict):  # an interaction callback
            body = body["data"]
        if "content" not in body and "embeds" not in body:
            continue
        policy = body.get("allowed_mentions")
        assert policy is not None, (request.method, request.path)
        assert policy.get("parse", []) == [], (request.path, policy)
        assert {int(u) for u in policy.get("users", [])} <= set(users), (request.path, policy)
        assert {int(r) for r in policy.get("roles", [])} <= set(roles), (request.path, policy)


# --------------------------------------------------------------------------- what was said


def texts_of(message: Any) -> list[str]:
    """Content, embed titles, descriptions, field names and values of one message."""
    parts: list[str] = [message.content or ""]
    embeds = message.embeds
    for raw in embeds:
        embed = raw if isinstance(raw, discord.Embed) else discord.Embed.from_dict(raw)
        parts += [embed.title or "", embed.description or ""]
        parts += [f"{field.name}\n{field.value}" for field in embed.fields]
        if embed.footer and embed.footer.text:
            parts.append(embed.footer.text)
    return parts


def said(result: simcord.InteractionResult) -> str:
    messages = [m for m in (result.response, *result.followups) if m is not None]
    return "\n".join(text for m in messages for text in texts_of(m))


def assert_polite(result: simcord.InteractionResult) -> str:
    """Answered, privately, with words (not a generic failure, not left thinking)."""
    assert result.acknowledged, result
    assert result.ephemeral, result
    assert not result._interaction.loading, "left 'thinking…' forever"
    text = said(result)
    assert text.strip(), result
    assert SOMETHING_WENT_WRONG not in text, text
    assert "Traceback" not in text
    return text


def visible(text: str | None) -> str:
    """What a person sees of a text: invisible characters gone, whitespace collapsed."""
    return " ".join(clean_text(text or "").split())


# --------------------------------------------------------------------------- forged input


@contextlib.contextmanager
def without_client_checks() -> Iterator[None]:
    """Let slash options past the length checks Discord's client and API make.

    The bot must not rely on them alone: a command synced by an older version (with a larger
    limit) or a modified client can deliver what the current definition forbids.
    """
    original = simcord_interactions.validate_option_value

    def lenient(command_name: str, option: dict[str, Any], value: Any) -> Any:
        if isinstance(value, str):
            option = {k: v for k, v in option.items() if k not in ("min_length", "max_length")}
        return original(command_name, option, value)

    simcord_interactions.validate_option_value = lenient  # type: ignore[assignment]
    try:
        yield
    finally:
        simcord_interactions.validate_option_value = original  # type: ignore[assignment]


def lift_form_limits(shown: simcord.InteractionResult) -> None:
    """Make a shown form accept any text (as a form from an older version would)."""

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == discord.ComponentType.text_input.value:
                for key in ("min_length", "max_length"):
                    node.pop(key, None)
                node["required"] = False
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(shown._interaction.modal)


# --------------------------------------------------------------------------- interactions


def unanswered(results: list[simcord.InteractionResult]) -> list[simcord.InteractionResult]:
    """The results that were not acknowledged or were left thinking (should be empty)."""
    return [r for r in results if not r.acknowledged or r._interaction.loading]
