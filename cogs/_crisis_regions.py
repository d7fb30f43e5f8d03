"""The ``region:`` option of ``/crisis`` and ``/setup crisis``: what a person may type, the
autocomplete list, and the polite refusal of a country the content does not list."""

from __future__ import annotations

from discord import app_commands

from bot import limits
from bot.crisis import CrisisResources
from bot.errors import UserFacingError
from bot.text import TextField, sanitise
from bot.ui import escape

REGION_FIELD = TextField("country", 60, one_line=True)
"""What a person may type in ``region:`` (a code such as GB, or a country's name)."""


def parse_region(resources: CrisisResources, typed: str | None) -> str | None:
    """The region code a person typed (a code or a name, any case), None when they typed
    nothing; a country not listed is refused, with the crisis lines still shown."""
    text = sanitise(typed, REGION_FIELD)
    if text is None:
        return None
    wanted = text.casefold()
    for region in resources.regions:
        if wanted in (region.code.casefold(), region.name.casefold()):
            return region.code
    listed = ", ".join(f"{region.name} ({region.code})" for region in resources.regions)
    raise UserFacingError(
        f"I don't have crisis lines for “{escape(text, 40)}” yet; I have {listed}. Nothing was "
        "changed. The lines below are the ones I'd show you now, and findahelpline.com lists "
        "many more countries.",
        show_crisis=True,
    )


def region_choices(resources: CrisisResources, current: str) -> list[app_commands.Choice[str]]:
    """The autocomplete list for ``region:``: countries whose name or code starts with (or
    holds) what was typed so far, at most Discord's 25."""
    typed = current.strip().casefold()
    return [
        app_commands.Choice(name=f"{region.name} ({region.code})", value=region.code)
        for region in resources.regions
        if not typed or typed in region.name.casefold() or typed == region.code.casefold()
    ][: limits.CHOICES]
