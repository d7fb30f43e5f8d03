"""Guides to acting on care (``guides.toml``): finding treatment, withdrawal safety, what
comes after withdrawal, medications, families and friends, peer groups, mental health.

No discord import.
"""

from __future__ import annotations

from pydantic import field_validator

from bot.care.pages import GUIDE_TOPICS, Page, _require_topics
from bot.content import (
    ContentModel,
)


class GuidesContent(ContentModel):
    topics: dict[str, Page]

    @field_validator("topics")
    @classmethod
    def _all_topics(cls, value: dict[str, Page]) -> dict[str, Page]:
        _require_topics(value, GUIDE_TOPICS)
        return value
