"""Which language a person reads, and where every translation lives (issue 22, "Languages").

The one place for translations is this package: ``messages`` holds the bot's own sentences in
every language, ``commands`` the Spanish of the command tree (for discord.py's
``app_commands.Translator``), and ``content`` checks that a content file translated under
``data/<code>/`` has the English file's keys and facts. The language comes from, in order:

1. the member's own choice (``/language``, kept in ``member_settings.language``);
2. the interaction's locale (their Discord client's language: ``es-ES``, ``es-419`` → ``es``);
3. the server's preferred locale;
4. English.

A message the bot sends on its own (the safety net's DM) has no interaction: it uses the
member's choice, then the client language seen at their last command (``last_locale``), then
the server's. Only codes are stored. This module never imports discord.
"""

from __future__ import annotations

ENGLISH = "en"
SPANISH = "es"

LANGUAGES: tuple[str, ...] = (ENGLISH, SPANISH)
"""Every language the bot speaks, English (the source of every translation) first."""

TRANSLATED: tuple[str, ...] = LANGUAGES[1:]
"""The languages translated from English (``data/<code>/`` holds their content files)."""

NAMES: dict[str, str] = {ENGLISH: "English", SPANISH: "Español"}
"""Each language in its own words, as ``/language`` offers it."""


def language_of_locale(locale: str | None) -> str | None:
    """The language a Discord locale (``es-ES``, ``es-419``, ``en-US``) is in, when the bot
    speaks it; None otherwise (``fr``: the next in line decides)."""
    if not locale:
        return None
    code = locale.split("-", 1)[0].lower()
    return code if code in LANGUAGES else None


def choose_language(*codes: str | None) -> str:
    """The first of ``codes`` the bot speaks, else English (a code no longer offered is
    skipped)."""
    for code in codes:
        if code in LANGUAGES:
            return code
    return ENGLISH
