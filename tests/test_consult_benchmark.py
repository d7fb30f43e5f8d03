"""benchmarks/queue.py runs once at a tiny size so it cannot rot (timings are never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


# Runs the benchmark in a subprocess (its own limit is 300 s).
@pytest.mark.slow
@pytest.mark.timeout(300)
def test_queue_benchmark_runs_and_prints_its_tables(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.queue",
            "--rounds",
            "3",
            "--warmup",
            "1",
            "--closed",
            "100",
            "--open",
            "15",
            "--runs",
            "1",
            "--db-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr[-4000:]
    for needle in (
        "Service operations",
        "| create ",
        "| claim ",
        "| close ",
        "| config read (kept)",
        "/queue list",
    ):
        assert needle in done.stdout
