"""Discord-side helpers shared by every cog: replying safely, escaping member text,
the base classes for views and modals, colours and the standard footer.

Domain modules never import this; cogs and the bot class do.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord

from bot import limits
from bot.crisis import DEFAULT_REGION, REMINDER, CrisisResources
from bot.errors import UserFacingError
from bot.i18n import ENGLISH
from bot.i18n.messages import refusal, say
from bot.incidents import new_error_id
from bot.text import clean

log = logging.getLogger(__name__)

CALM = discord.Colour(0x4A90A4)
WARM = discord.Colour(0xE8A33D)
URGENT = discord.Colour(0xC0392B)
QUIET = discord.Colour(0x7F8C8D)

FOOTER = say(ENGLISH, "footer")

SOMETHING_WENT_WRONG = say(ENGLISH, "error.went_wrong.us")
"""Said when we don't know whether anything was saved: never "it is safe" (house style 17).
US wording; ``something_went_wrong`` gives it for a region and a language."""


def something_went_wrong(
    resources: CrisisResources | None, region: str | None, language: str = ENGLISH
) -> str:
    """``SOMETHING_WENT_WRONG`` with the region's first line instead of 988 (US); ``resources``
    are the lines in ``language``."""
    if resources is None or resources.region(region).code == DEFAULT_REGION:
        return say(language, "error.went_wrong.us")
    first = resources.region(region).lines[0]
    return say(language, "error.went_wrong", name=first.name, contact=first.contact)


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_UNESCAPED_BRACKET = re.compile(r"(?<!\\)([\[\]])")


def escape(text: str, limit: int | None = None) -> str:
    """Member text made safe to show inside markdown: cleaned, escaped, mentions defused, cut.

    Typed text was already cleaned at the boundary (``bot.text.sanitise``); cleaning again here
    covers what was stored before it existed and names that come from Discord.

    Every square bracket is escaped too: ``escape_markdown``'s masked-link pattern is greedy,
    so a second ``[label](url)`` in the same text would otherwise stay a disguised link.
    """
    escaped = discord.utils.escape_markdown(clean(text))
    safe = discord.utils.escape_mentions(_UNESCAPED_BRACKET.sub(r"\\\1", escaped))
    if limit is None:
        return safe
    cut = shorten(safe, limit)
    # Never end on a lone backslash: it would escape the ellipsis or whatever follows.
    return cut if not cut.endswith("\\…") else cut[:-2] + "…"


def embed(
    title: str, description: str = "", *, colour: discord.Colour = CALM, language: str = ENGLISH
) -> discord.Embed:
    """An embed with the standard footer (in ``language``); title and description cut to
    Discord's limits."""
    result = discord.Embed(
        title=shorten(title, limits.EMBED_TITLE),
        description=shorten(description, limits.EMBED_DESCRIPTION) or None,
        colour=colour,
    )
    result.set_footer(text=say(language, "footer"))
    return result


def add_field(target: discord.Embed, name: str, value: str, *, inline: bool = False) -> None:
    """Add a field cut to Discord's limits (silently ignored past the 25th field)."""
    if len(target.fields) >= limits.EMBED_FIELDS:
        return
    target.add_field(
        name=shorten(name, limits.EMBED_FIELD_NAME),
        value=shorten(value, limits.EMBED_FIELD_VALUE) or "\u200b",
        inline=inline,
    )


ELSEWHERE = say(ENGLISH, "crisis.elsewhere")
"""The last field of the crisis embed: the international fallback and the other countries."""


def crisis_embed(
    resources: CrisisResources, region: str | None = None, language: str = ENGLISH
) -> discord.Embed:
    """One region's crisis lines, as one short embed (one phone screen): each line's name, how
    to reach it and at most one short sentence, then where the other countries are.
    ``resources`` are the lines in ``language`` (``Library.crisis_in``)."""
    chosen = resources.region(region)
    result = embed(resources.title, f"{resources.intro}\n**{chosen.name}**", colour=URGENT)
    for line in chosen.lines:
        add_field(result, line.name, "\n".join(filter(None, (line.contact, line.purpose))))
    other = resources.international
    elsewhere = say(language, "crisis.pick_another", name=other.name, contact=other.contact)
    add_field(
        result,
        say(language, "crisis.elsewhere"),
        " ".join(filter(None, (elsewhere, other.purpose))) + f"\n{resources.closing}",
    )
    result.set_footer(text=say(language, "crisis.footer"))
    return result


def reminder_line() -> str:
    return REMINDER


async def send_ephemeral(
    interaction: discord.Interaction[Any],
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    embeds: list[discord.Embed] | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
) -> None:
    """Reply privately, whether or not the interaction was already answered or deferred."""
    kwargs: dict[str, Any] = {"ephemeral": True}
    if file is not None:
        kwargs["file"] = file
    if content is not None:
        kwargs["content"] = shorten(content, limits.MESSAGE_CONTENT)
    if embed is not None:
        kwargs["embed"] = embed
    if embeds is not None:
        kwargs["embeds"] = embeds
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def report_error(
    interaction: discord.Interaction[Any],
    error: BaseException,
    *,
    where: str,
    crisis: CrisisResources | None,
    region: str | None = None,
    language: str = ENGLISH,
) -> str | None:
    """The one place a failure becomes a polite, private message (and a log line with ids only).
    ``crisis`` are the lines in ``language``: the crisis lines and "something went wrong" are
    in the person's language; a refusal's own sentence is as its raiser wrote it.

    ``crisis`` and the person's ``region`` (``SupportBot.error_region``: from memory, or one
    read that falls back to memory if storage fails) are handed in by the caller (the tree, or
    ``cogs._components`` for buttons and forms), so this module never needs the bot class.
    Returns the reference id written in the log line of an unexpected failure (the callers tell
    the server's admins about it), or None for a polite refusal.
    """
    error_id: str | None = None
    original = getattr(error, "original", error)
    if isinstance(original, UserFacingError):
        log.info(
            "interaction.refused where=%s reason=%s user=%s guild=%s",
            where,
            type(original).__name__,
            interaction.user.id,
            interaction.guild_id,
        )
        content = refusal(language, original.message)
        extra: list[discord.Embed] = []
        if original.show_crisis and crisis is not None:
            extra.append(crisis_embed(crisis, region, language))
    else:
        error_id = new_error_id()
        log.error(
            "interaction.failed error_id=%s where=%s user=%s guild=%s channel=%s",
            error_id,
            where,
            interaction.user.id,
            interaction.guild_id,
            interaction.channel_id,
            exc_info=original,
        )
        content, extra = something_went_wrong(crisis, region, language), []
        if crisis is not None:
            extra.append(crisis_embed(crisis, region, language))
    try:
        await send_ephemeral(interaction, content, embeds=extra or None)
    except discord.HTTPException:
        log.warning("interaction.error_reply_failed where=%s user=%s", where, interaction.user.id)
    return error_id
