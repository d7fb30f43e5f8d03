"""Content files under ``data/``: loading and validation, with one clear sentence on failure.

Content is TOML (and the safety net's model, JSON), read into pydantic models at start-up by
one loader, ``load_content``. A broken file stops the bot with a ``ContentError`` that names
the file and the field, so staff can fix wording without reading a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator

from bot import limits
from bot.errors import StartupError

ModelT = TypeVar("ModelT", bound=BaseModel)

ARTICLE_SOURCE = "iop-article"
"""How a content entry cites the team's reference article on Intensive Outpatient Programs."""


class ContentError(StartupError):
    """A content file is missing, malformed or breaks a rule."""


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _not_in_future(value: dt.date) -> dt.date:
    if value > _today():
        raise ValueError("is in the future")
    return value


def _is_source(value: str) -> str:
    if value != ARTICLE_SOURCE and not value.startswith("https://"):
        raise ValueError(f"must be an https:// address or {ARTICLE_SOURCE!r}")
    return value


VerifiedDate = Annotated[dt.date, AfterValidator(_not_in_future)]
Source = Annotated[str, AfterValidator(_is_source)]


def text_up_to(limit: int) -> AfterValidator:
    """A validator that refuses blank text and text longer than ``limit`` characters."""

    def check(value: str) -> str:
        if not value.strip():
            raise ValueError("is empty")
        if len(value) > limit:
            raise ValueError(f"is {len(value)} characters, over Discord's limit of {limit}")
        return value

    return AfterValidator(check)


Title = Annotated[str, text_up_to(limits.EMBED_TITLE)]
Description = Annotated[str, text_up_to(limits.EMBED_DESCRIPTION)]
FieldValue = Annotated[str, text_up_to(limits.EMBED_FIELD_VALUE)]
Label = Annotated[str, text_up_to(limits.SELECT_LABEL)]


class ContentModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SourcedEntry(ContentModel):
    """Every piece of care content says where its facts come from and when they were checked."""

    sources: tuple[Source, ...]
    last_verified: VerifiedDate

    @field_validator("sources")
    @classmethod
    def _at_least_one(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("needs at least one source")
        return value


_FORMATS: dict[str, tuple[str, Callable[[str], Any], type[ValueError]]] = {
    ".toml": ("TOML", tomllib.loads, tomllib.TOMLDecodeError),
    ".json": ("JSON", json.loads, json.JSONDecodeError),
}
"""How each kind of content file is parsed, by its suffix."""

RESTORE = "restore it from the repository"


def load_content(path: Path, model: type[ModelT], *, restore: str = RESTORE) -> ModelT:
    """Read the TOML or JSON file ``path`` (by its suffix) into ``model``.

    Any problem becomes one sentence naming the file, and the field when the content breaks a
    rule: missing (``restore`` says how to get it back), unreadable, not valid TOML or JSON,
    or "has a problem at `field`".
    """
    try:
        kind, parse, invalid = _FORMATS[path.suffix]
    except KeyError:
        raise ValueError(f"content files are .toml or .json, not {path.name}") from None
    try:
        raw = parse(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ContentError(f"The content file {path} is missing: {restore}.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"The content file {path} cannot be read ({error}).") from None
    except invalid as error:
        raise ContentError(f"The content file {path} is not valid {kind} ({error}).") from None
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        reason = first["msg"].removeprefix("Value error, ")
        raise ContentError(
            f"The content file {path} has a problem at `{where}`: {reason}."
        ) from None


def load_toml(path: Path, model: type[ModelT]) -> ModelT:
    """``load_content`` for a TOML file (the name the care, crisis and group content use)."""
    return load_content(path, model)
