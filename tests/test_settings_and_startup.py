"""Start-up failures: each one is a single sentence that names the problem, never the token."""

from __future__ import annotations

import asyncio
import http.server
import os
import shutil
import socket
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
from bot.crypto import CANARY_KEY, key_file_for, new_key, open_cipher
from bot.db import Database
from bot.errors import StartupError
from bot.settings import Settings, describe_settings_error, load_settings
from tests.conftest import make_settings
from tests.test_privacy import MEMBER, Seeder

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
    assert "international.last_verified" in str(caught.value)


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
    assert list(tmp_path.iterdir()) == []  # the first start's database and key are gone again


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


# --------------------------------------------------------------------------- damaged storage
#
# Each case runs the real ``python -m bot`` with Discord pointed at a closed local port, so a
# start-up that wrongly gets past the storage checks fails fast ("could not reach Discord")
# instead of waiting on the network. Nothing may be left behind: no lock, key or database.


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_offline(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    script = (
        "import sys, discord.http\n"
        f"discord.http.Route.BASE = 'http://127.0.0.1:{closed_port()}/api/v10'\n"
        "from bot.__main__ import main\n"
        f"sys.exit(main({list(args)!r}))\n"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISCORD_", "DATABASE_", "ENCRYPTION_", "CONTENT_"))
    }
    clean.update({"DISCORD_TOKEN": SECRET, **env})
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def files_under(folder: Path) -> set[Path]:
    return {path.relative_to(folder) for path in folder.rglob("*")}


async def make_database(path: Path, key: str | None = None, note: str | None = None) -> None:
    """A database as a bot leaves it: migrated, key checked, closed cleanly; with a note."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = await Database.open(path)
    cipher = await open_cipher(db, key)
    if note is not None:
        await Seeder(db, cipher).consultation(MEMBER, note=note)
    await db.close()


def change(path: Path, *statements: str) -> None:
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()


def test_a_first_start_that_cannot_reach_discord_leaves_no_files(tmp_path: Path) -> None:
    result = run_offline(tmp_path)

    assert_one_sentence(result, "could not reach Discord")
    assert files_under(tmp_path) == set()


def test_database_path_pointing_at_a_folder_is_one_line_and_creates_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    before = files_under(tmp_path)

    result = run_offline(tmp_path, DATABASE_PATH="data")

    assert_one_sentence(result, "DATABASE_PATH", "folder")
    assert "Event loop is closed" not in result.stderr
    assert files_under(tmp_path) == before  # no data.lock beside the folder


def test_a_corrupt_database_leaves_no_lock_file_behind(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "support.db").write_bytes(b"not a database at all" * 200)
    before = files_under(tmp_path)

    result = run_offline(tmp_path)

    assert_one_sentence(result, "support.db", "corrupt")
    assert files_under(tmp_path) == before


def test_a_malformed_encryption_key_creates_no_database(tmp_path: Path) -> None:
    result = run_offline(tmp_path, ENCRYPTION_KEY="not-a-key")

    assert_one_sentence(result, "ENCRYPTION_KEY", "not a valid key")
    assert files_under(tmp_path) == set()


def test_a_table_dropped_by_hand_is_named_at_start_up(tmp_path: Path) -> None:
    database = tmp_path / "data" / "support.db"
    asyncio.run(make_database(database))
    change(database, "DROP TABLE meeting_reminders", "DROP INDEX checkins_by_user_day")
    before = files_under(tmp_path)

    result = run_offline(tmp_path)

    assert_one_sentence(result, "support.db", "missing table meeting_reminders")
    assert "missing index checkins_by_user_day" in result.stderr
    assert files_under(tmp_path) == before


def test_a_wrong_key_with_the_check_row_gone_is_refused_and_writes_nothing(
    tmp_path: Path,
) -> None:
    database = tmp_path / "data" / "support.db"
    right = new_key()
    asyncio.run(make_database(database, right, note="my private words"))
    change(database, f"DELETE FROM bot_state WHERE key = '{CANARY_KEY}'")

    result = run_offline(tmp_path, ENCRYPTION_KEY=new_key())

    assert_one_sentence(result, "does not match")
    connection = sqlite3.connect(database)
    canary = connection.execute("SELECT 1 FROM bot_state WHERE key = ?", (CANARY_KEY,)).fetchone()
    connection.close()
    assert canary is None  # no check row written with the wrong key: the right one still works
    again = run_offline(tmp_path, ENCRYPTION_KEY=right)
    assert_one_sentence(again, "could not reach Discord")  # past every storage check


def test_a_database_copied_without_its_key_file_gets_no_new_key(tmp_path: Path) -> None:
    database = tmp_path / "data" / "support.db"
    asyncio.run(make_database(database, note="my private words"))
    key_file_for(database).unlink()
    change(database, f"DELETE FROM bot_state WHERE key = '{CANARY_KEY}'")  # only the notes tell
    before = files_under(tmp_path)

    result = run_offline(tmp_path)

    assert_one_sentence(result, "no key")
    assert not key_file_for(database).exists()
    assert files_under(tmp_path) == before


def test_start_up_after_a_crash_runs_the_full_check(tmp_path: Path) -> None:
    database = tmp_path / "data" / "support.db"
    asyncio.run(make_database(database))
    crash = (
        "import asyncio, os, pathlib\n"
        "from bot.db import Database\n"
        f"asyncio.run(Database.open(pathlib.Path({str(database)!r})))\n"
        "os._exit(0)\n"  # no close: as if the machine lost power
    )
    subprocess.run([sys.executable, "-c", crash], check=True, timeout=60)
    damage_a_data_page(database)

    result = run_offline(tmp_path)

    assert_one_sentence(result, "support.db", "integrity check")


def fill_and_close(database: Path) -> None:
    """A table big enough that its last pages hold nothing but its rows."""
    change(
        database,
        "CREATE TABLE filler (x BLOB)",
        "INSERT INTO filler SELECT randomblob(400) FROM generate_series(1, 3000)"
        if sqlite3.sqlite_version_info >= (3, 44)
        else "INSERT INTO filler WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
        "FROM n WHERE i < 3000) SELECT randomblob(400) FROM n",
    )


def damage_a_data_page(database: Path) -> None:
    """Scribble over a leaf page near the end of the file: the header and schema are intact."""
    fill_and_close(database)
    size = database.stat().st_size
    with open(database, "r+b") as handle:
        handle.seek(size - 3 * 4096)
        handle.write(b"\xff" * 4096)


def test_start_up_after_a_clean_shutdown_does_not_read_every_page(tmp_path: Path) -> None:
    """Start-up time must not grow with the database: the full check waits for `check`."""
    database = tmp_path / "data" / "support.db"
    asyncio.run(make_database(database))
    damage_a_data_page(database)

    started = run_offline(tmp_path)
    checked = run_offline(tmp_path, "check")

    assert_one_sentence(started, "could not reach Discord")  # cheap checks only: passed
    assert checked.returncode == 1
    report = checked.stdout.strip().splitlines()
    assert len(report) == 1, checked.stdout
    assert "integrity check" in report[0]
    assert "support.db" in report[0]
