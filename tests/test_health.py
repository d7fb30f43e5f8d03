"""``python -m bot health``: the container's HEALTHCHECK. Exit 0 only while the running bot is
connected and its heartbeat is fresh; one sentence otherwise; it never creates a file."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
import simcord

from bot.bot import SupportBot
from bot.health import (
    STALE_AFTER_SECONDS,
    health_file_for,
    keep_heartbeat,
    read_health,
    write_heartbeat,
)
from tests.test_settings_and_startup import files_under, run_offline

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("age", "connected", "healthy", "needle"),
    [
        (0, True, True, "Healthy: connected to Discord, last heartbeat 0 s ago."),
        (STALE_AFTER_SECONDS - 1, True, True, "Healthy"),
        (STALE_AFTER_SECONDS, True, True, "Healthy"),  # the edge itself still counts
        (STALE_AFTER_SECONDS + 1, True, False, "121 seconds ago, so it looks stuck"),
        (STALE_AFTER_SECONDS + 1, False, False, "looks stuck"),
        (5, False, False, "running but not connected to Discord (heartbeat 5 s ago)"),
        (-3, True, True, "0 s ago"),  # a clock stepped back is not "-3 s"
    ],
)
def test_the_heartbeat_is_read_at_its_edges(
    tmp_path: Path, age: float, connected: bool, healthy: bool, needle: str
) -> None:
    path = tmp_path / "support.db.health"
    write_heartbeat(path, connected=connected, now=NOW - age)
    health = read_health(path, now=NOW)
    assert health.healthy is healthy
    assert needle in health.sentence


@pytest.mark.parametrize(
    "content",
    [
        "",
        "not json",
        "[]",
        '{"time": 1}',
        '{"connected": true}',
        '{"time": "x", "connected": true}',
        '{"time": 1, "connected": "yes"}',
    ],
)
def test_a_damaged_heartbeat_is_unhealthy_in_one_sentence(tmp_path: Path, content: str) -> None:
    path = tmp_path / "support.db.health"
    path.write_text(content)
    health = read_health(path, now=NOW)
    assert not health.healthy
    assert health.sentence == f"The heartbeat file {path} is damaged: restart the bot."


def test_the_heartbeat_file_is_private_and_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "support.db.health"
    write_heartbeat(path, connected=True, now=NOW)
    write_heartbeat(path, connected=False, now=NOW + 30)
    assert json.loads(path.read_text()) == {"time": NOW + 30, "connected": False}
    assert path.stat().st_mode & 0o777 == 0o600
    assert files_under(tmp_path) == {Path("support.db.health")}  # no partial file left


async def test_a_connected_bot_beats_and_the_file_goes_when_it_stops(
    env: simcord.Env, simcord_bot: SupportBot
) -> None:
    path = health_file_for(simcord_bot.settings.database_path)
    assert simcord_bot.is_ready()
    beating = asyncio.create_task(keep_heartbeat(simcord_bot, path, interval=0.01))
    for _ in range(500):
        if path.exists():
            break
        await asyncio.sleep(0.01)
    first = json.loads(path.read_text())
    assert first["connected"] is True
    await asyncio.sleep(0.05)
    assert json.loads(path.read_text())["time"] > first["time"]  # it keeps beating
    health = read_health(path, now=first["time"] + 1)
    assert health.healthy, health.sentence
    beating.cancel()
    with pytest.raises(asyncio.CancelledError):
        await beating
    assert not path.exists()
    assert not read_health(path, now=first["time"]).healthy


def test_health_without_a_running_bot_says_so_and_creates_nothing(tmp_path: Path) -> None:
    before = files_under(tmp_path)
    result = run_offline(tmp_path, "health")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("The bot is not running: there is no heartbeat at data/support.db")
    assert files_under(tmp_path) == before


def test_health_reads_the_heartbeat_beside_the_configured_database(tmp_path: Path) -> None:
    database = tmp_path / "elsewhere" / "bot.db"
    database.parent.mkdir()
    write_heartbeat(health_file_for(database), connected=True, now=time.time())
    result = run_offline(tmp_path, "health", DATABASE_PATH=str(database))
    assert result.returncode == 0, result
    assert result.stdout.startswith("Healthy: connected to Discord")
