"""Crisis resources: who to reach right now. Loaded from ``data/crisis.toml`` at start-up.

Nothing here touches the database, so ``/crisis`` answers even when storage is broken.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator, model_validator

from bot.content import (
    ContentModel,
    Description,
    FieldValue,
    Source,
    Title,
    VerifiedDate,
    load_toml,
)

CRISIS_FILE = "crisis.toml"

REMINDER = (
    "This is peer support, not an emergency service. If you are in danger now, "
    "call or text 988 (US) or your local emergency number, or use /crisis."
)
"""The one line every member-facing reply that is not itself about crisis carries."""


class CrisisResource(ContentModel):
    name: Title
    contact: FieldValue
    region: Title
    purpose: FieldValue
    source_url: Source
    last_verified: VerifiedDate


class CrisisResources(ContentModel):
    title: Title
    intro: Description
    closing: FieldValue
    resources: tuple[CrisisResource, ...]

    @field_validator("resources")
    @classmethod
    def _some(cls, value: tuple[CrisisResource, ...]) -> tuple[CrisisResource, ...]:
        if not 1 <= len(value) <= 20:
            raise ValueError("needs between 1 and 20 resources")
        return value

    @model_validator(mode="after")
    def _no_retired_options(self) -> CrisisResources:
        # The 988 "press 3" LGBTQ+ youth option ended on 17 July 2025; never advertise it.
        for index, resource in enumerate(self.resources):
            if "press 3" in f"{resource.contact} {resource.purpose}".lower():
                raise ValueError(f"resources.{index} mentions the retired 988 'press 3' option")
        return self


def load_crisis_resources(content_dir: Path) -> CrisisResources:
    return load_toml(content_dir / CRISIS_FILE, CrisisResources)


def crisis_lines(resources: CrisisResources) -> str:
    """The crisis lines as lines of a message, for a text that must carry them inline (a saved
    reply's ``{crisis}``): each line's name, where it serves and how to reach it, as
    ``bot.ui.crisis_embed`` shows them, without the longer purpose; ``/crisis`` has the rest."""
    lines = [f"• **{r.name}** ({r.region}): {r.contact}" for r in resources.resources]
    return "\n".join([*lines, "`/crisis` shows these lines any time."])


def top_line(resources: CrisisResources) -> str:
    """The first crisis line, for a page that must show one inline (after a slip, a low
    check-in): its name, where it serves and how to reach it, then where the others are.
    ``data/crisis.toml`` lists the lines in order, the one most members need first."""
    first = resources.resources[0]
    return f"**{first.name}** ({first.region}): {first.contact}. `/crisis` shows every line."
