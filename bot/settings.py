"""Settings, read from the environment and ``.env``.

Every field is documented in ``.env.example``. ``load_settings`` turns pydantic's
validation errors into one sentence that names the setting and never echoes its value.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from bot.errors import StartupError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout root (for an installed wheel: the site-packages folder)."""

PACKAGED_CONTENT = Path(__file__).resolve().parent / "_data"
"""Where a wheel (``pip install .``) carries the content files: ``data/`` becomes ``bot/_data/``."""


def default_content_dir() -> Path:
    """The bot's own content: the wheel's copy when installed, else the checkout's ``data/``."""
    return PACKAGED_CONTENT if PACKAGED_CONTENT.is_dir() else PROJECT_ROOT / "data"


MAX_SHARDS = 1024
"""A bound that catches a typo; a bot that needs more runs several processes (README)."""

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Everything the admin can configure outside Discord."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
    )

    discord_token: SecretStr
    database_path: Path = Path("data/support.db")
    log_level: LogLevel = "INFO"
    dev_guild_id: int | None = Field(default=None, gt=0)
    content_dir: Path = Field(default_factory=default_content_dir)
    retention_days: int = Field(default=30, ge=1, le=3650)
    encryption_key: SecretStr | None = None
    safety_net: bool = False
    relay: bool = False
    """Relay what staff type in a request by DM's thread to the member (needs the Message
    Content intent); off: staff answer with ``/reply``."""
    relay_prefix: str = Field(default="//", min_length=1, max_length=5)
    """With ``relay``: a thread message starting with this stays among staff."""
    thread_add_retry_seconds: tuple[Annotated[float, Field(ge=0, le=10)], ...] = Field(
        default=(0.25, 0.75), max_length=5
    )
    """Waits between tries when Discord fails (5xx, 429) to add someone to a request's thread,
    or to relay a message of a request by DM: one more try than waits. The tests set them to
    zero."""
    shard_count: int | None = Field(default=None, ge=1, le=MAX_SHARDS)
    """Gateway shards, all in this one process; None: as many as Discord recommends."""

    @field_validator("discord_token")
    @classmethod
    def _token_is_plausible(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not token:
            raise ValueError("empty")
        if any(ch.isspace() for ch in token):
            raise ValueError("contains spaces")
        return SecretStr(token)

    @field_validator("content_dir", mode="before")
    @classmethod
    def _blank_is_the_bots_own(cls, value: object) -> object:
        return default_content_dir() if isinstance(value, str) and not value.strip() else value

    @field_validator("content_dir")
    @classmethod
    def _is_a_folder(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError("not a folder")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper().strip() if isinstance(value, str) else value

    @field_validator("dev_guild_id", "encryption_key", "shard_count", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


_HINTS: dict[str, str] = {
    "discord_token": (
        "copy your bot's token from the Discord developer portal (Bot → Reset Token) "
        "into .env, as shown in .env.example"
    ),
    "database_path": "set it to a file path such as data/support.db",
    "log_level": "use one of DEBUG, INFO, WARNING, ERROR or CRITICAL",
    "dev_guild_id": "use the numeric id of your test server, or leave it empty",
    "content_dir": (
        "point it at a folder that holds the content files (crisis.toml, care/ and the rest, "
        "as in the repository's data/ folder), or leave it empty for the bot's own"
    ),
    "retention_days": "use a whole number of days between 1 and 3650",
    "encryption_key": "use a key made by `python -m bot keygen`, or leave it empty",
    "safety_net": "use true or false",
    "relay": "use true or false",
    "relay_prefix": "use one to five characters, such as //",
    "thread_add_retry_seconds": (
        "use a JSON list of at most five waits in seconds, each between 0 and 10, such as "
        "[0.25, 0.75]"
    ),
    "shard_count": (
        f"use a whole number of shards from 1 to {MAX_SHARDS}, or leave it empty for as many as "
        "Discord recommends"
    ),
}


def describe_settings_error(error: ValidationError) -> str:
    """One sentence naming the first bad setting, without its value."""
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "settings"
    if first["type"] == "missing":
        problem = "is missing"
    elif field == "discord_token":
        problem = "is empty or malformed"
    else:
        problem = "is not valid"
    return _sentence(field, problem)


def _sentence(field: str, problem: str) -> str:
    hint = _HINTS.get(field, "check .env.example for the expected form")
    return f"The setting {field.upper()} {problem}: {hint}."


_UNPARSED_FIELD = re.compile(r'field "(\w+)"')


def describe_unparsed_setting(error: SettingsError) -> str:
    """One sentence for a value pydantic-settings could not even decode (a bad JSON list)."""
    found = _UNPARSED_FIELD.search(str(error))
    return _sentence(found.group(1) if found else "settings", "is not valid")


def read_settings(env_file: Path | str | None, **overrides: object) -> Settings:
    """``Settings`` from ``env_file`` and the environment; any problem is one ``StartupError``."""
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise StartupError(describe_settings_error(error)) from None
    except SettingsError as error:
        raise StartupError(describe_unparsed_setting(error)) from None


def load_settings(env_file: Path | str | None = ".env") -> Settings:
    """Read settings, turning any problem into a ``StartupError`` of one sentence."""
    return read_settings(env_file)
