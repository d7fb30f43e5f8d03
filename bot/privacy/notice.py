"""The plain-language notice /privacy shows (``data/privacy.toml``).

This module never imports discord.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator, model_validator

from bot import limits
from bot.content import ContentModel, Description, FieldValue, Title, load_toml

NOTICE_FILE = "privacy.toml"
_DAYS_ROOM = 4  # "{days}" becomes at most "3650"


class NoticeSection(ContentModel):
    name: Title
    text: FieldValue

    @field_validator("text")
    @classmethod
    def _room_for_days(cls, value: str) -> str:
        if len(value) + value.count("{days}") * _DAYS_ROOM > limits.EMBED_FIELD_VALUE:
            raise ValueError("is too long once {days} is filled in")
        return value


class PrivacyNotice(ContentModel):
    title: Title
    intro: Description
    sections: tuple[NoticeSection, ...]

    @field_validator("sections")
    @classmethod
    def _some(cls, value: tuple[NoticeSection, ...]) -> tuple[NoticeSection, ...]:
        if not 1 <= len(value) <= 10:
            raise ValueError("needs between 1 and 10 sections")
        return value

    @model_validator(mode="after")
    def _fits_one_embed(self) -> PrivacyNotice:
        total = len(self.title) + len(self.intro)
        total += sum(len(s.name) + len(s.text) + _DAYS_ROOM for s in self.sections)
        if total > limits.EMBED_TOTAL - 500:  # room for the footer
            raise ValueError(f"is {total} characters in all, too long for one Discord embed")
        return self

    def sections_for(self, retention_days: int) -> list[tuple[str, str]]:
        return [(s.name, s.text.replace("{days}", str(retention_days))) for s in self.sections]


def load_privacy_notice(content_dir: Path) -> PrivacyNotice:
    return load_toml(content_dir / NOTICE_FILE, PrivacyNotice)
