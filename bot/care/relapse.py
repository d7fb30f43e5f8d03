"""Relapse management (``relapse.toml``).

No discord import.
"""

from __future__ import annotations

from pydantic import field_validator

from bot.care.pages import RELAPSE_TOPICS, Page, _require_topics
from bot.content import (
    ContentModel,
)


class RelapseContent(ContentModel):
    topics: dict[str, Page]

    @field_validator("topics")
    @classmethod
    def _all_topics(cls, value: dict[str, Page]) -> dict[str, Page]:
        _require_topics(value, RELAPSE_TOPICS)
        return value
