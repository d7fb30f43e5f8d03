"""Crisis resources: who to reach right now, by region. Loaded from ``data/crisis.toml``.

Nothing here touches the database, so ``/crisis`` answers even when storage is broken. Which
region a person sees first is ``bot.crisis_regions``'s question; this module only answers
"the lines of region X", falling back to the file's default region for a code it does not know.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from bot import limits
from bot.content import (
    ContentModel,
    Description,
    FieldValue,
    Label,
    Title,
    VerifiedDate,
    load_toml,
    text_up_to,
)
from bot.i18n import ENGLISH
from bot.i18n.messages import say

CRISIS_FILE = "crisis.toml"

DEFAULT_REGION = "US"
"""Where a person with no region of their own and no server default starts."""

REGION_CODE = re.compile(r"[A-Z]{2}")
"""A region code: ISO 3166-1 alpha-2, upper case (``GB``, not ``UK`` or ``gb``)."""

MISTAKEN_CODES = {"UK": "GB", "EN": "GB", "EL": "GR"}
"""Two-letter codes that look right but are not ISO 3166-1 country codes."""

PURPOSE_LIMIT = 120
"""A line's purpose stays one short sentence, so ``/crisis`` fits one phone screen."""

RETIRED_OPTIONS = ("press 3", "marca 3", "marque 3", "oprime 3", "presiona 3")
"""The 988 "press 3" LGBTQ+ youth option ended on 17 July 2025: never advertise it (in any
language: the Spanish file is checked too)."""

REMINDER = say(ENGLISH, "crisis.reminder.us")
"""The one line every member-facing reply that is not itself about crisis carries (US
wording; ``reminder`` gives it for a region)."""


class CrisisLine(ContentModel):
    name: Title
    contact: FieldValue
    purpose: Annotated[str, text_up_to(PURPOSE_LIMIT)] | None = None
    source_url: str = Field(default="", validate_default=True)
    """The provider's own page, where the number was checked."""
    last_verified: VerifiedDate
    emergency: bool = False
    """The region's emergency number (police, ambulance)."""

    @field_validator("source_url")
    @classmethod
    def _sourced(cls, value: str) -> str:
        if not value:
            raise ValueError("is missing: every line names the provider's own page")
        if not value.startswith("https://"):
            raise ValueError("must be an https:// address (the provider's own page)")
        return value


class CrisisRegion(ContentModel):
    code: str
    name: Label
    quick: Annotated[str, text_up_to(PURPOSE_LIMIT)]
    """The main lines in a few words, for inside a sentence ("call or text **988** (US), or
    text **HOME** to **741741**"): the safety net's replies and other short notes."""
    lines: tuple[CrisisLine, ...]

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if value in MISTAKEN_CODES:
            raise ValueError(f"{value!r} is not a region code: use {MISTAKEN_CODES[value]!r}")
        if REGION_CODE.fullmatch(value) is None:
            raise ValueError(f"{value!r} is not a two-letter upper-case region code such as GB")
        return value

    @model_validator(mode="after")
    def _shape(self) -> CrisisRegion:
        if not 1 <= len(self.lines) <= 8:
            raise ValueError(f"region {self.code} needs between 1 and 8 lines")
        if not any(line.emergency for line in self.lines):
            raise ValueError(
                f"region {self.code} has no emergency number (mark one line emergency = true)"
            )
        return self


class CrisisResources(ContentModel):
    title: Title
    intro: Description
    closing: FieldValue
    default_region: str = DEFAULT_REGION
    international: CrisisLine
    regions: tuple[CrisisRegion, ...]

    @field_validator("regions")
    @classmethod
    def _some(cls, value: tuple[CrisisRegion, ...]) -> tuple[CrisisRegion, ...]:
        # One select option per region, and Discord allows 25 options in a menu.
        if not 1 <= len(value) <= limits.SELECT_OPTIONS:
            raise ValueError(f"needs between 1 and {limits.SELECT_OPTIONS} regions")
        seen: set[str] = set()
        for region in value:
            if region.code in seen:
                raise ValueError(f"region {region.code} is listed twice")
            seen.add(region.code)
        return value

    @model_validator(mode="after")
    def _checks(self) -> CrisisResources:
        if self.default_region not in self.codes:
            raise ValueError(f"default_region {self.default_region} is not one of the regions")
        for region in self.regions:
            texts = [(f"the quick lines of {region.code}", region.quick)]
            texts += [
                (f"{line.name} in region {region.code}", f"{line.contact} {line.purpose}")
                for line in region.lines
            ]
            for name, said in texts:
                for retired in RETIRED_OPTIONS:
                    if retired in said.lower():
                        raise ValueError(f"{name} mentions the retired 988 '{retired}' option")
        return self

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(region.code for region in self.regions)

    def region(self, code: str | None) -> CrisisRegion:
        """The region with this code; the default region for None or a code not listed (a
        region removed from the file since someone chose it)."""
        by_code = {region.code: region for region in self.regions}
        return by_code.get(code or self.default_region) or by_code[self.default_region]


def load_crisis_resources(content_dir: Path) -> CrisisResources:
    return load_toml(content_dir / CRISIS_FILE, CrisisResources)


def _line(line: CrisisLine) -> str:
    return f"**{line.name}**: {line.contact}"


def emergency_line(resources: CrisisResources, code: str | None = None) -> CrisisLine:
    return next(line for line in resources.region(code).lines if line.emergency)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def reminder(resources: CrisisResources, code: str | None = None, language: str = ENGLISH) -> str:
    """``REMINDER`` for a region: its first line and its emergency number (``resources``: the
    lines in ``language``)."""
    region = resources.region(code)
    if region.code == DEFAULT_REGION:
        return say(language, "crisis.reminder.us")
    first, emergency = region.lines[0], emergency_line(resources, region.code)
    return say(
        language,
        "crisis.reminder",
        name=first.name,
        contact=_lower_first(first.contact),
        emergency=_lower_first(emergency.contact),
    )


def quick_lines(resources: CrisisResources, code: str | None = None) -> str:
    """A region's main lines in a few words, for inside a sentence (``quick`` in the file)."""
    return resources.region(code).quick


def crisis_lines(resources: CrisisResources, code: str | None = None) -> str:
    """A region's crisis lines as lines of a message, for a text that must carry them inline
    (a saved reply's ``{crisis}``): each line's name and how to reach it, then where the other
    countries are; ``/crisis`` has the rest."""
    region = resources.region(code)
    lines = [f"• {_line(line)}" for line in region.lines]
    elsewhere = f"Elsewhere: {resources.international.contact}"
    return "\n".join([f"{region.name}:", *lines, elsewhere, "`/crisis` shows these any time."])


def longest_crisis_lines(resources: CrisisResources) -> str:
    """The longest ``crisis_lines`` of any region: what a saved reply must leave room for."""
    return max((crisis_lines(resources, code) for code in resources.codes), key=len)


def top_line(resources: CrisisResources, code: str | None = None, language: str = ENGLISH) -> str:
    """A region's first crisis line, for a page that must show one inline (after a slip, a low
    check-in): its name and how to reach it, the emergency number, then where the others are.
    ``data/crisis.toml`` lists each region's lines in order, the one most members need first."""
    region = resources.region(code)
    first = region.lines[0]
    emergency = emergency_line(resources, region.code)
    head = f"**{first.name}** ({region.name}): {first.contact}."
    if emergency is not first:
        head += say(language, "crisis.top_emergency", contact=emergency.contact)
    return f"{head} {say(language, 'crisis.top_more')}"
