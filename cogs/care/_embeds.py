"""Care cards as embeds: pure functions, no state (see ``bot.care.Card``)."""

from __future__ import annotations

import discord

from bot.care import Card
from bot.crisis import CrisisResources, top_line
from bot.ui import CALM, add_field, crisis_embed, embed


def card_embed(card: Card, *, colour: discord.Colour = CALM) -> discord.Embed:
    """One care card as an embed with the standard footer."""
    result = embed(card.title, card.description, colour=colour)
    for field in card.fields:
        add_field(result, field.name, field.value, inline=field.inline)
    return result


CRISIS_LINE_NAME = "If you need someone now"
"""The field that carries the top crisis line on a card with ``crisis_line``."""


def card_embeds(card: Card, crisis: CrisisResources) -> tuple[discord.Embed, ...]:
    """The card, followed by the crisis resources when the card asks for them, or with the
    top crisis line as its last field when it asks for that."""
    if card.show_crisis:
        return card_embed(card), crisis_embed(crisis)
    result = card_embed(card)
    if card.crisis_line:
        add_field(result, CRISIS_LINE_NAME, top_line(crisis))
    return (result,)
