"""Care cards as embeds: pure functions, no state (see ``bot.care.Card``)."""

from __future__ import annotations

import discord

from bot.care import Card
from bot.crisis import CrisisResources
from bot.ui import CALM, add_field, crisis_embed, embed


def card_embed(card: Card, *, colour: discord.Colour = CALM) -> discord.Embed:
    """One care card as an embed with the standard footer."""
    result = embed(card.title, card.description, colour=colour)
    for field in card.fields:
        add_field(result, field.name, field.value, inline=field.inline)
    return result


def card_embeds(card: Card, crisis: CrisisResources) -> tuple[discord.Embed, ...]:
    """The card, followed by the crisis resources when the card asks for them.

    Cards and crisis resources are frozen values, so each card's embeds are built once and the
    same objects are sent every time: callers must not change them. The cache is keyed by the
    objects' identity (the cached entry keeps both alive, so an id cannot be reused meanwhile):
    hashing a card field by field on every answer cost more than building the embeds is worth
    saving (see ``benchmarks/interactions.py``).
    """
    key = (id(card), id(crisis))
    hit = _built.get(key)
    if hit is not None and hit[0] is card and hit[1] is crisis:
        return hit[2]
    embeds = (card_embed(card), crisis_embed(crisis)) if card.show_crisis else (card_embed(card),)
    if len(_built) >= MAX_CACHED_CARDS:
        _built.clear()
    _built[key] = (card, crisis, embeds)
    return embeds


MAX_CACHED_CARDS = 1024
"""More than the content has pages (the reflection's per-member cards come and go)."""

_built: dict[tuple[int, int], tuple[Card, CrisisResources, tuple[discord.Embed, ...]]] = {}
