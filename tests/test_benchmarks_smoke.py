"""Each benchmark runs once at a tiny size, so they cannot rot. Timings are never asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# Each runs a benchmark in a subprocess (up to 20 s on two loaded cores; their own limit is 300 s).
pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent


def run_benchmark(module: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout


@pytest.mark.parametrize(
    ("module", "args", "titles"),
    [
        (
            "interactions",
            ("--iterations", "3"),
            [
                "Handling time per interaction",
                "| bare discord.py",
                "| /crisis",
                "| /help",
                "| /iop",
                "| /consult (opens the form)",
                "| /queue list",
                "| Claim (button)",
                "Claim's Discord calls, no database",
            ],
        ),
        (
            "memory",
            (
                "--sizes",
                "30",
                "--requests",
                "20",
                "--joins",
                "5",
                "--messages",
                "5",
                "--burst-forms",
                "3",
                "--burst-messages",
                "3",
            ),
            [
                "Resident memory (MiB) kept by the bot",
                "| 30 ",
                "| member joins (GUILD_MEMBER_ADD)",
                "Burst: 3 form submissions and 3 long messages",
            ],
        ),
        (
            "safety",
            ("--quick",),
            [
                "Recall on alert.jsonl",
                "False alarms on no_alert.jsonl",
                "| 100 chars, everyday messages",
                "one-regex floor",
                "Adversarial inputs",
            ],
        ),
        (
            "chart",
            ("--quick",),
            ["Chart render, 1000×660 PNG", "| 14 days", "| 90 days", "Memory across 20 renders"],
        ),
        (
            "startup",
            ("--runs", "1", "--rows", "50", "--scale-rows", "50"),
            [
                "Start-up, process start → READY",
                "| total",
                "Restart → READY at scale",
                "| 50 consultations + 50 events",
                "Migrations on a database with 50 rows",
            ],
        ),
    ],
)
def test_benchmark_runs_and_prints_its_table(
    module: str, args: tuple[str, ...], titles: list[str]
) -> None:
    output = run_benchmark(module, *args)

    for title in titles:
        assert title in output
    assert "| ---" in output
