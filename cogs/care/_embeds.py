"""Care cards as embeds: pure functions, no state (see ``bot.care.Card``)."""

from __future__ import annotations

import discord

from bot.care import Card
from bot.crisis import CrisisResources, top_line
from bot.i18n import ENGLISH
from bot.i18n.messages import say
from bot.ui import CALM, add_field, crisis_embed, embed


def card_embed(
    card: Card, *, colour: discord.Colour = CALM, language: str = ENGLISH
) -> discord.Embed:
    """One care card as an embed with the standard footer (in ``language``)."""
    result = embed(card.title, card.description, colour=colour, language=language)
    for field in card.fields:
        add_field(result, field.name, field.value, inline=field.inline)
    return result


CRISIS_LINE_NAME = say(ENGLISH, "care.crisis_line")
"""The field that carries the top crisis line on a card with ``crisis_line``."""


def card_embeds(
    card: Card, crisis: CrisisResources, language: str = ENGLISH
) -> tuple[discord.Embed, ...]:
    """The card, followed by the crisis resources when the card asks for them, or with the
    top crisis line as its last field when it asks for that. ``crisis``: in ``language``."""
    if card.show_crisis:
        return card_embed(card, language=language), crisis_embed(crisis, None, language)
    result = card_embed(card, language=language)
    if card.crisis_line:
        add_field(result, say(language, "care.crisis_line"), top_line(crisis, None, language))
    return (result,)
