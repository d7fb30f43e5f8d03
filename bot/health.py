"""The running bot's heartbeat, for a container ``HEALTHCHECK`` or a service monitor.

While ``python -m bot`` runs, it rewrites a small file next to the database
(``<database>.health``) every ``HEARTBEAT_SECONDS``: the time and whether it is connected to
Discord, nothing about anyone. ``python -m bot health`` reads it and exits 0 only when the bot
is connected and the heartbeat is fresh, so a stuck or disconnected bot is restarted by the
container runtime instead of sitting silent. A clean shutdown removes the file.

``python -m bot check`` is the full offline doctor (stop the bot first); ``health`` is the cheap
question "is the running bot alive?", safe to ask every minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30.0
"""How often the running bot rewrites its heartbeat."""

STALE_AFTER_SECONDS = 120.0
"""A heartbeat older than this means the bot is stuck (four missed beats)."""


class Connection(Protocol):
    """What the heartbeat needs to know of the bot (a ``discord.Client`` has all of it)."""

    def is_ready(self) -> bool: ...

    def is_closed(self) -> bool: ...


def health_file_for(database: Path) -> Path:
    return database.with_name(database.name + ".health")


def write_heartbeat(path: Path, *, connected: bool, now: float) -> None:
    """Replace the heartbeat file atomically (a reader never sees half a file)."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump({"time": now, "connected": connected}, file)
    os.replace(partial, path)


def remove_heartbeat(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


async def keep_heartbeat(
    bot: Connection, path: Path, *, interval: float = HEARTBEAT_SECONDS
) -> None:
    """Beat until cancelled or the bot closes; the file is removed when it stops.

    The write is a few dozen bytes without fsync, done on the loop: a worker thread could
    finish writing after a cancelled beat had already removed the file.
    """
    try:
        while not bot.is_closed():
            try:
                write_heartbeat(path, connected=bot.is_ready(), now=time.time())
            except OSError as error:
                log.warning("health.write_failed errno=%s", error.errno)
            await asyncio.sleep(interval)
    finally:
        remove_heartbeat(path)


@dataclass(frozen=True)
class Health:
    healthy: bool
    sentence: str


def read_health(path: Path, *, now: float, stale_after: float = STALE_AFTER_SECONDS) -> Health:
    """The answer to "is the running bot alive?", in one sentence."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Health(
            False,
            f"The bot is not running: there is no heartbeat at {path} (start it, or give it a "
            "minute after starting).",
        )
    except OSError as error:
        return Health(False, f"The heartbeat file {path} cannot be read ({error.strerror}).")
    try:
        beat = json.loads(raw)
        written = float(beat["time"])
        connected = beat["connected"]
        if not isinstance(connected, bool):
            raise TypeError("connected is not true or false")
    except (ValueError, TypeError, KeyError):
        return Health(False, f"The heartbeat file {path} is damaged: restart the bot.")
    age = max(0, round(now - written))
    if now - written > stale_after:
        return Health(
            False,
            f"The bot's last heartbeat was {age} seconds ago, so it looks stuck: restart it.",
        )
    if not connected:
        return Health(
            False, f"The bot is running but not connected to Discord (heartbeat {age} s ago)."
        )
    return Health(True, f"Healthy: connected to Discord, last heartbeat {age} s ago.")
