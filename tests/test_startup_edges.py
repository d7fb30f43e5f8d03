"""Start-up at its edges: every bound of every setting, every kind of broken key, and a database
exactly one schema version ahead. Each refusal is one sentence that names the problem and
never echoes the value; the value just inside each bound is accepted.

Most cases run the real ``python -m bot`` entry point in-process (``bot.__main__.main``: it
reads the environment, opens the database and checks the key before it would reach Discord);
one of each kind also runs as a subprocess, as an admin would start it.
"""

from __future__ import annotations

import base64
import os
import sqlite3
from pathlib import Path

import discord.http
import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from bot.__main__ import main
from bot.crypto import key_file_for, load_key, open_cipher
from bot.db import Database, load_migrations
from bot.errors import StartupError
from bot.settings import (
    PACKAGED_CONTENT,
    PROJECT_ROOT,
    Settings,
    default_content_dir,
    describe_settings_error,
    load_settings,
)
from tests.test_settings_and_startup import SECRET, assert_one_sentence, run_main

# A few start python -m bot in a subprocess: about 6 s each on two loaded cores.
pytestmark = pytest.mark.timeout(60)

LATEST = len(load_migrations())


def start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], **env: str
) -> tuple[int, str]:
    """``python -m bot`` in-process, in an empty folder, with only ``env`` set, offline."""
    for name in list(os.environ):
        if name.upper() in {field.upper() for field in Settings.model_fields}:
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    # Should a bug let a bad setting through, the bot must not reach the real Discord.
    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")
    capsys.readouterr()
    code = main(["--env-file", str(tmp_path / "absent.env")])
    return code, capsys.readouterr().err


def one_sentence(code: int, stderr: str, *needles: str, never: str | None = None) -> str:
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    sentence = lines[0]
    assert sentence.endswith("."), sentence
    assert "Traceback" not in stderr
    assert SECRET not in stderr
    if never is not None:
        assert never not in sentence, sentence
    for needle in needles:
        assert needle in sentence, sentence
    return sentence


# --------------------------------------------------------------------------- setting bounds

# Every bound in bot/settings.py, from both sides: (setting, refused values, accepted values).
BOUNDS = [
    ("RETENTION_DAYS", ["0", "-1", "3651", "36500"], ["1", "3650"]),
    ("DEV_GUILD_ID", ["0", "-5"], ["1", "1234567890123456789"]),
    ("LOG_LEVEL", ["LOUD", "TRACE", "INFOO"], ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    ("SAFETY_NET", ["maybe", "2"], ["true", "false", "1", "0"]),
    ("RELAY", ["maybe", "2"], ["true", "false", "1", "0"]),
    ("RELAY_PREFIX", ["", "//////"], ["/", "!!", "/////"]),
    ("DISCORD_TOKEN", ["", "   ", "two words"], ["abc.def"]),
    ("SHARD_COUNT", ["0", "-1", "1025", "two", "1.5"], ["1", "1024"]),
]
REFUSED = [(name, value) for name, refused, _ in BOUNDS for value in refused]
ACCEPTED = [(name, value) for name, _, accepted in BOUNDS for value in accepted]


@pytest.mark.parametrize(("name", "value"), REFUSED)
def test_a_setting_past_its_bound_is_refused_in_one_sentence(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
) -> None:
    env = {"DISCORD_TOKEN": SECRET, name: value}
    code, stderr = start(tmp_path, monkeypatch, capsys, **env)

    sentence = one_sentence(code, stderr, name)
    if value.strip() and value not in ("0", "1", "2"):  # digits appear in the hint itself
        assert value not in sentence
    assert not (tmp_path / "data").exists()  # refused before the database is touched


@pytest.mark.parametrize(("name", "value"), ACCEPTED)
def test_a_setting_just_inside_its_bound_is_accepted(name: str, value: str) -> None:
    values = {"discord_token": SECRET, name.lower(): value}
    settings = Settings(_env_file=None, **values)  # type: ignore[arg-type]

    assert getattr(settings, name.lower()) is not None


def test_retention_days_zero_is_refused_by_the_real_command(tmp_path: Path) -> None:
    result = run_main(tmp_path, None, DISCORD_TOKEN=SECRET, RETENTION_DAYS="0")

    assert_one_sentence(result, "RETENTION_DAYS", "between 1 and 3650")


def test_every_settings_field_has_its_own_hint() -> None:
    """A new setting without a hint would fall back to a vague sentence."""
    for field in Settings.model_fields:
        values: dict[str, object] = {"discord_token": SECRET, field: object()}
        with pytest.raises(ValidationError) as caught:
            Settings(_env_file=None, **values)  # type: ignore[arg-type]
        sentence = describe_settings_error(caught.value)
        assert field.upper() in sentence
        assert "check .env.example" not in sentence, field


# --------------------------------------------------------------------------- encryption keys

GOOD_KEY = Fernet.generate_key().decode("ascii")
MALFORMED_KEYS = [
    pytest.param("not-a-key", id="not-base64"),
    pytest.param(GOOD_KEY[:-4], id="too-short"),
    pytest.param(base64.urlsafe_b64encode(bytes(33)).decode(), id="too-long"),
    pytest.param("ключ" + GOOD_KEY[4:], id="non-ascii"),
    pytest.param("é" * 44, id="all-non-ascii"),
    pytest.param(GOOD_KEY[:20] + " " + GOOD_KEY[21:], id="space-inside"),
]


@pytest.mark.parametrize("key", MALFORMED_KEYS)
def test_a_malformed_encryption_key_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], key: str
) -> None:
    code, stderr = start(tmp_path, monkeypatch, capsys, DISCORD_TOKEN=SECRET, ENCRYPTION_KEY=key)

    one_sentence(code, stderr, "ENCRYPTION_KEY", "keygen", never=key.strip())
    assert not key_file_for(tmp_path / "data" / "support.db").exists()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"not-a-key\n", id="not-base64"),
        pytest.param(b"", id="empty"),
        pytest.param(GOOD_KEY[:-4].encode(), id="too-short"),
        pytest.param(base64.urlsafe_b64encode(bytes(33)), id="too-long"),
        pytest.param(("é" * 44).encode("utf-8"), id="non-ascii"),
        pytest.param(b"\xff\xfe" + GOOD_KEY.encode()[2:], id="not-utf8"),
    ],
)
def test_a_malformed_key_file_is_one_sentence_naming_the_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: bytes,
) -> None:
    (tmp_path / "data").mkdir()
    key_file = key_file_for(tmp_path / "data" / "support.db")
    key_file.write_bytes(content)

    code, stderr = start(tmp_path, monkeypatch, capsys, DISCORD_TOKEN=SECRET)

    one_sentence(code, stderr, "support.db.key", "not a valid key")
    assert key_file.read_bytes() == content  # never replaced by a fresh key


def test_a_malformed_key_is_refused_by_the_real_command(tmp_path: Path) -> None:
    result = run_main(tmp_path, None, DISCORD_TOKEN=SECRET, ENCRYPTION_KEY="ключ-not-a-key")

    assert_one_sentence(result, "ENCRYPTION_KEY", "not a valid key")
    assert "ключ" not in result.stderr


def test_a_good_key_with_surrounding_blanks_is_accepted(tmp_path: Path) -> None:
    assert load_key(f"  {GOOD_KEY}\n", tmp_path / "support.db") == GOOD_KEY.encode()
    key_file_for(tmp_path / "other.db").write_text(f"{GOOD_KEY}\n")
    assert load_key(None, tmp_path / "other.db") == GOOD_KEY.encode()


# --------------------------------------------------------------------------- schema version


def database_at_version(path: Path, version: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA user_version = {version}")
    connection.close()


async def test_a_database_one_version_newer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "support.db"
    database_at_version(path, LATEST + 1)

    with pytest.raises(StartupError) as caught:
        await Database.open(path)

    sentence = str(caught.value)
    assert len(sentence.splitlines()) == 1
    assert f"schema version {LATEST + 1}" in sentence
    assert f"({LATEST})" in sentence
    assert "newer" in sentence


async def test_a_database_at_exactly_this_version_opens(tmp_path: Path) -> None:
    path = tmp_path / "support.db"
    first = await Database.open(path)
    await first.close()

    again = await Database.open(path)
    try:
        assert await again.schema_version() == LATEST
    finally:
        await again.close()


def test_a_database_one_version_newer_stops_the_real_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database_at_version(tmp_path / "data" / "support.db", LATEST + 1)

    code, stderr = start(tmp_path, monkeypatch, capsys, DISCORD_TOKEN=SECRET)

    one_sentence(code, stderr, "support.db", f"schema version {LATEST + 1}", "newer")


def test_a_database_one_version_newer_is_refused_by_the_real_command(tmp_path: Path) -> None:
    database_at_version(tmp_path / "data" / "support.db", LATEST + 1)

    result = run_main(tmp_path, None, DISCORD_TOKEN=SECRET)

    assert_one_sentence(result, "support.db", f"schema version {LATEST + 1}", "newer")


# --------------------------------------------------------------------------- the sentences

# The words are pinned at both ends, so a sentence that loses its start or its end (or names
# the wrong source) fails here, not in front of an admin.


def test_a_malformed_configured_key_names_its_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stderr = start(
        tmp_path, monkeypatch, capsys, DISCORD_TOKEN=SECRET, ENCRYPTION_KEY="not-a-key"
    )

    sentence = one_sentence(code, stderr)
    assert sentence.startswith("The encryption key from ENCRYPTION_KEY is not a valid key")
    assert sentence.endswith("make one with `python -m bot keygen`.")


async def test_a_different_key_than_the_databases_is_one_sentence(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "support.db")
    try:
        await open_cipher(database, GOOD_KEY)
        other = Fernet.generate_key().decode("ascii")
        with pytest.raises(StartupError) as caught:
            await open_cipher(database, other)
        assert (await open_cipher(database, GOOD_KEY)).decrypt(None) is None  # still opens
    finally:
        await database.close()

    sentence = str(caught.value)
    assert len(sentence.splitlines()) == 1
    assert sentence.startswith("The encryption key does not match the one this database was")
    assert "(support.db.key)" in sentence
    assert sentence.endswith("members' notes cannot be read without it.")
    assert other not in sentence


# Each refusal, word for word: the admin reads exactly this at the terminal.
SENTENCES = [
    (
        {"discord_token": None},
        "The setting DISCORD_TOKEN is missing: copy your bot's token from the Discord developer "
        "portal (Bot → Reset Token) into .env, as shown in .env.example.",
    ),
    (
        {"discord_token": "two words"},
        "The setting DISCORD_TOKEN is empty or malformed: copy your bot's token from the Discord "
        "developer portal (Bot → Reset Token) into .env, as shown in .env.example.",
    ),
    (
        {"retention_days": "0"},
        "The setting RETENTION_DAYS is not valid: use a whole number of days between 1 and 3650.",
    ),
    (
        {"log_level": "LOUD"},
        "The setting LOG_LEVEL is not valid: use one of DEBUG, INFO, WARNING, ERROR or CRITICAL.",
    ),
    (
        {"dev_guild_id": "0"},
        "The setting DEV_GUILD_ID is not valid: use the numeric id of your test server, or leave "
        "it empty.",
    ),
    ({"safety_net": "maybe"}, "The setting SAFETY_NET is not valid: use true or false."),
    ({"relay": "maybe"}, "The setting RELAY is not valid: use true or false."),
    (
        {"relay_prefix": ""},
        "The setting RELAY_PREFIX is not valid: use one to five characters, such as //.",
    ),
    (
        {"database_path": 12.5},
        "The setting DATABASE_PATH is not valid: set it to a file path such as data/support.db.",
    ),
    (
        {"content_dir": 12.5},
        "The setting CONTENT_DIR is not valid: point it at a folder that holds the content "
        "files (crisis.toml, care/ and the rest, as in the repository's data/ folder), or leave "
        "it empty for the bot's own.",
    ),
    (
        {"encryption_key": 12.5},
        "The setting ENCRYPTION_KEY is not valid: use a key made by `python -m bot keygen`, or "
        "leave it empty.",
    ),
]


@pytest.mark.parametrize(("values", "sentence"), SENTENCES)
def test_each_refused_setting_reads_exactly_so(values: dict[str, object], sentence: str) -> None:
    given: dict[str, object] = {"discord_token": SECRET, **values}
    given = {name: value for name, value in given.items() if value is not None}
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, **given)  # type: ignore[arg-type]

    assert describe_settings_error(caught.value) == sentence


@pytest.mark.parametrize(
    ("kind", "loc", "sentence"),
    [
        (
            "missing",
            ("mystery_setting",),
            "The setting MYSTERY_SETTING is missing: check .env.example for the expected form.",
        ),
        (
            "int_parsing",
            (),
            "The setting SETTINGS is not valid: check .env.example for the expected form.",
        ),
    ],
)
def test_a_setting_without_a_hint_points_at_the_example(
    kind: str, loc: tuple[str, ...], sentence: str
) -> None:
    error = ValidationError.from_exception_data(
        "Settings",
        [{"type": kind, "loc": loc, "input": "x"}],  # type: ignore[list-item,typeddict-item]
    )

    assert describe_settings_error(error) == sentence


def test_load_settings_reads_dot_env_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.upper() in {field.upper() for field in Settings.model_fields}:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc.def\nRETENTION_DAYS=7\n")

    settings = load_settings()

    assert settings.discord_token.get_secret_value() == "abc.def"
    assert settings.retention_days == 7
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc.def\nRETENTION_DAYS=0\n")
    with pytest.raises(StartupError, match=r"^The setting RETENTION_DAYS is not valid"):
        load_settings()


# --------------------------------------------------------------------------- CONTENT_DIR


def test_a_blank_content_dir_is_the_bots_own() -> None:
    for blank in ("", "   "):
        settings = Settings(_env_file=None, discord_token=SECRET, content_dir=blank)  # type: ignore[call-arg,arg-type]
        assert settings.content_dir == default_content_dir()
    assert Settings(_env_file=None, discord_token=SECRET).content_dir == default_content_dir()  # type: ignore[call-arg]
    assert (default_content_dir() / "crisis.toml").is_file()


def test_content_dir_must_be_a_folder(tmp_path: Path) -> None:
    a_file = tmp_path / "crisis.toml"
    a_file.write_text("x")

    for refused in (a_file, tmp_path / "missing"):
        with pytest.raises(ValidationError) as caught:
            Settings(_env_file=None, discord_token=SECRET, content_dir=refused)  # type: ignore[call-arg]
        assert describe_settings_error(caught.value).startswith(
            "The setting CONTENT_DIR is not valid"
        )
    accepted = Settings(_env_file=None, discord_token=SECRET, content_dir=tmp_path)  # type: ignore[call-arg]
    assert accepted.content_dir == tmp_path


def test_the_bots_own_content_is_the_checkouts_data_folder_here() -> None:
    """In a checkout there is no packaged copy, so the default is the repository's data/."""
    assert not PACKAGED_CONTENT.is_dir()
    assert default_content_dir() == PROJECT_ROOT / "data"


def test_an_installed_wheels_content_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the wheel's copy exists (``bot/_data``), it is the bot's own content."""
    monkeypatch.setattr("bot.settings.PACKAGED_CONTENT", tmp_path)

    assert default_content_dir() == tmp_path


@pytest.mark.parametrize("value", ["", "0.5, 1", "[0.5,", "nonsense"])
def test_a_list_setting_that_is_not_json_is_refused_by_the_real_command(
    tmp_path: Path, value: str
) -> None:
    """pydantic-settings decodes a list before validating it and raises its own error: still one
    sentence naming the setting, never a traceback, nothing created."""
    result = run_main(tmp_path, None, DISCORD_TOKEN=SECRET, THREAD_ADD_RETRY_SECONDS=value)

    assert_one_sentence(result, "THREAD_ADD_RETRY_SECONDS", "JSON list")
    assert not (tmp_path / "data").exists()
