"""/language: the member's own choice, kept as a code (``bot.i18n.members``)."""

from __future__ import annotations

from discord import app_commands

from bot.errors import UserFacingError
from bot.i18n import LANGUAGES, NAMES

FOLLOW_CLIENT = "auto"
"""The choice that forgets the member's language: their Discord app's decides again."""

LANGUAGE_CHOICES = [
    *(app_commands.Choice(name=NAMES[code], value=code) for code in LANGUAGES),
    app_commands.Choice(name="The language of my Discord app", value=FOLLOW_CLIENT),
]


def parse_language(value: str) -> str:
    """A language code from ``/language``'s choice (Discord refuses others before the bot
    sees them; this refuses a forged one)."""
    if value not in LANGUAGES:
        raise UserFacingError("Please pick English or Español from the list.")
    return value
