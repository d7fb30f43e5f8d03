"""SIGTERM and Ctrl-C: the real process closes its database and exits 0."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.db import database_in_use
from bot.health import health_file_for, read_health

# Starts python -m bot in a subprocess and signals it: about 5 s on two loaded cores.
pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_shuts_the_bot_down_cleanly(tmp_path: Path, sig: signal.Signals) -> None:
    # A local "Discord" that accepts connections and never answers keeps the bot in login.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []

    def accept_forever() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)

    threading.Thread(target=accept_forever, daemon=True).start()
    port = listener.getsockname()[1]
    script = (
        "import sys, discord.http\n"
        f"discord.http.Route.BASE = 'http://127.0.0.1:{port}/api/v10'\n"
        "from bot.__main__ import main\n"
        "sys.exit(main())\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    environment["DISCORD_TOKEN"] = "not.a.real.token"
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    database = tmp_path / "data" / "support.db"
    try:
        deadline = time.monotonic() + 30
        while not accepted and time.monotonic() < deadline:  # login has begun: DB is open
            time.sleep(0.05)
        assert accepted, "the bot never tried to log in"
        assert database_in_use(database)
        heartbeat = read_health(health_file_for(database), now=time.time())
        assert "running but not connected to Discord" in heartbeat.sentence  # still in login
        process.send_signal(sig)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
        listener.close()
        for connection in accepted:
            connection.close()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "shutdown.done" in stdout
    assert not database_in_use(database)
    assert not health_file_for(database).exists()  # a clean stop leaves no stale heartbeat
