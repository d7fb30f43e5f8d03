"""The group's welcome message and guidelines, from ``data/welcome.toml`` and
``data/guidelines.toml`` (admins may edit both; the bot checks them at start-up)."""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator

from bot.content import ContentModel, Description, FieldValue, Title, load_toml

WELCOME_FILE = "welcome.toml"
GUIDELINES_FILE = "guidelines.toml"


class Section(ContentModel):
    name: Title
    text: FieldValue


class Welcome(ContentModel):
    title: Title
    """May contain ``{name}`` (the newcomer's display name, escaped) and ``{server}``."""
    body: Description
    sections: tuple[Section, ...] = ()

    @field_validator("sections")
    @classmethod
    def _few(cls, value: tuple[Section, ...]) -> tuple[Section, ...]:
        if len(value) > 10:
            raise ValueError("has more than 10 sections")
        return value


class Guidelines(ContentModel):
    title: Title
    intro: Description
    items: tuple[Section, ...]
    closing: FieldValue
    agree_label: str = "I agree"

    @field_validator("items")
    @classmethod
    def _some(cls, value: tuple[Section, ...]) -> tuple[Section, ...]:
        if not 1 <= len(value) <= 20:
            raise ValueError("needs between 1 and 20 items")
        return value

    @field_validator("agree_label")
    @classmethod
    def _short(cls, value: str) -> str:
        if not 1 <= len(value.strip()) <= 80:
            raise ValueError("must be 1 to 80 characters")
        return value.strip()


def load_welcome(content_dir: Path) -> Welcome:
    return load_toml(content_dir / WELCOME_FILE, Welcome)


def load_guidelines(content_dir: Path) -> Guidelines:
    return load_toml(content_dir / GUIDELINES_FILE, Guidelines)
