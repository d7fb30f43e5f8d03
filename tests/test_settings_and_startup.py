"""Start-up failures: each one is a single sentence that names the problem, never the token."""

from __future__ import annotations

import http.server
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import discord
import pytest
import simcord
from pydantic import ValidationError

from bot.__main__ import explain_failure
from bot.bot import create_bot
from bot.errors import StartupError
from bot.settings import Settings, describe_settings_error, load_settings
from tests.conftest import make_settings

# Most start python -m bot in a subprocess: up to 6 s each on two loaded cores.
pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parent.parent
SECRET = "MTIzNDU2Nzg5.SECRET-TOKEN-VALUE.abcdefghijklmnop"


def run_main(tmp_path: Path, env_file: str | None, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in Settings.model_fields
        and not k.startswith(
            ("DISCORD_", "DATABASE_", "LOG_", "DEV_", "RETENTION_", "ENCRYPTION_", "SAFETY_")
        )
    }
    clean.update(env)
    args = [sys.executable, "-m", "bot"]
    if env_file is not None:
        args += ["--env-file", env_file]
    return subprocess.run(args, cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60)


def assert_one_sentence(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr + result.stdout
    for needle in needles:
        assert needle in lines[0]


def test_no_env_file_and_no_token_is_one_sentence(tmp_path: Path) -> None:
    result = run_main(tmp_path, None)
    assert_one_sentence(result, "DISCORD_TOKEN", "missing")


@pytest.mark.parametrize("token", ["", "   ", "has a space"])
def test_empty_or_malformed_token(tmp_path: Path, token: str) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={token!r}\n")
    result = run_main(tmp_path, ".env")
    assert_one_sentence(result, "DISCORD_TOKEN")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LOG_LEVEL", "LOUD"),
        ("DEV_GUILD_ID", "not-a-number"),
        ("RETENTION_DAYS", "-3"),
        ("SAFETY_NET", "maybe"),
    ],
)
def test_a_bad_setting_is_named_and_the_token_never_printed(
    tmp_path: Path, name: str, value: str
) -> None:
    result = run_main(tmp_path, None, DISCORD_TOKEN=SECRET, **{name: value})
    assert_one_sentence(result, name)
    assert value not in result.stderr or (value in ("maybe",) and "maybe" not in result.stderr)


def test_corrupt_database_is_named_before_reaching_discord(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "support.db").write_bytes(b"not a database at all" * 200)
    result = run_main(tmp_path, None, DISCORD_TOKEN=SECRET)
    assert_one_sentence(result, "support.db", "corrupt")


def test_a_newer_database_schema_is_named_before_reaching_discord(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    connection = sqlite3.connect(tmp_path / "data" / "support.db")
    connection.execute("PRAGMA user_version = 999")
    connection.close()
    result = run_main(tmp_path, None, DISCORD_TOKEN=SECRET)
    assert_one_sentence(result, "support.db", "schema version 999", "newer")


def test_unreadable_database_folder_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    result = run_main(
        tmp_path, None, DISCORD_TOKEN=SECRET, DATABASE_PATH=str(blocker / "support.db")
    )
    assert_one_sentence(result, "support.db")


def test_settings_error_never_echoes_input() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, discord_token=SECRET, retention_days="lots")  # type: ignore[call-arg,arg-type]
    sentence = describe_settings_error(caught.value)
    assert "RETENTION_DAYS" in sentence
    assert "lots" not in sentence
    assert SECRET not in sentence


def test_load_settings_reads_an_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=abc.def\nLOG_LEVEL=debug\nDEV_GUILD_ID=\n")
    settings = load_settings(env_file)
    assert settings.discord_token.get_secret_value() == "abc.def"
    assert settings.log_level == "DEBUG"
    assert settings.dev_guild_id is None


def test_a_broken_content_file_stops_start_up_naming_file_and_field(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    text = (ROOT / "data" / "crisis.toml").read_text()
    (content / "crisis.toml").write_text(
        text.replace("last_verified = 2026-11-27", "last_verified = 2999-01-01", 1)
    )
    with pytest.raises(StartupError) as caught:
        create_bot(make_settings(tmp_path, content_dir=content))
    assert "crisis.toml" in str(caught.value)
    assert "resources.0.last_verified" in str(caught.value)


def test_rejected_token_becomes_one_sentence(tmp_path: Path) -> None:
    """discord.py's real login against a local server that answers 401, as Discord does."""

    class Unauthorized(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"message": "401: Unauthorized", "code": 0}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        script = (
            "import sys, discord.http\n"
            f"discord.http.Route.BASE = 'http://127.0.0.1:{port}/api/v10'\n"
            "from bot.__main__ import main\n"
            "sys.exit(main())\n"
        )
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
        environment["DISCORD_TOKEN"] = SECRET
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.shutdown()
    assert_one_sentence(result, "DISCORD_TOKEN", "rejected")


@pytest.mark.parametrize("safety_net", [False, True])
async def test_missing_privileged_intent_becomes_one_sentence(
    tmp_path: Path, safety_net: bool
) -> None:
    bot = create_bot(make_settings(tmp_path, safety_net=safety_net))
    approved = discord.Intents.default()
    approved.members = safety_net  # with the safety net on, only Message Content is missing
    env = simcord.Env(bot, approved_intents=approved)
    with pytest.raises(discord.PrivilegedIntentsRequired) as caught:
        await env.start()
    sentence = explain_failure(caught.value)
    assert sentence is not None
    assert "intent" in sentence
    assert "developer portal" in sentence


CONTENT_FILES = sorted(
    str(path.relative_to(ROOT / "data")) for path in (ROOT / "data").rglob("*.toml")
)


@pytest.mark.parametrize("name", CONTENT_FILES)
def test_every_content_file_is_checked_before_connecting(tmp_path: Path, name: str) -> None:
    content = tmp_path / "content"
    shutil.copytree(
        ROOT / "data", content, ignore=shutil.ignore_patterns("*.db*", "*.key", "*.lock")
    )
    (content / name).write_text("this is = = not toml")
    with pytest.raises(StartupError) as caught:
        create_bot(make_settings(tmp_path, content_dir=content))
    assert name.split("/")[-1] in str(caught.value)
    assert len(str(caught.value).splitlines()) == 1
