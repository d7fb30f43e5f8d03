"""/checkin-history's PNG chart: how long one render takes, and that memory stays flat.

    python -m benchmarks.chart            # the full run (the README's figures)
    python -m benchmarks.chart --quick    # a tiny run (CI smoke test)

Each render is timed alone (``bot.checkin_chart.render_png``: drawing and PNG encoding, what
the cog runs on a worker thread) for 14, 30 and 90 days of check-ins with gaps. The floor,
measured in the same run and interleaved with ours, is a blank canvas of the same size
encoded as PNG: the least any chart of this size costs, so the ratio can be compared across
machines and loads. The target is a median of at most 150 ms.

Memory: ``tracemalloc`` (Python's own allocations) and settled RSS (which also counts
Pillow's pixel buffers, allocated in C where tracemalloc cannot see them), after a warm-up and
again after 1,000 more renders; a leak would show as growth proportional to the renders.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import time
import tracemalloc
from collections.abc import Callable

from benchmarks._common import machine, median, note, percentile, print_table, settled_rss_mib
from bot.checkin_chart import HEIGHT, WIDTH, describe, render_png
from bot.checkins import DaySummary, History

TARGET_MS = 150.0


def history(days: int, seed: int = 23) -> History:
    """``days`` of check-ins ending today, one day in four without one, cravings on most."""
    rng = random.Random(seed)
    today = dt.date(2026, 12, 4)
    summaries = []
    for index in range(days):
        day = today - dt.timedelta(days=days - 1 - index)
        if rng.random() < 0.25:
            summaries.append(DaySummary(day, None, None))
            continue
        craving = None if rng.random() < 0.2 else float(rng.randint(0, 10))
        summaries.append(DaySummary(day, float(rng.randint(1, 5)), craving))
    return History(tuple(summaries), days, 3.0, 5.0, 2, ())


def floor() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (WIDTH, HEIGHT), (30, 35, 48)).save(out, "PNG", compress_level=6)
    return out.getvalue()


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1e3


def speed(iterations: int) -> None:
    rows = []
    for days in (14, 30, 90):
        data = history(days)
        ours, base = [], []
        png = render_png(data)  # warm: the font is loaded once per process by Pillow
        assert png is not None, "Pillow is not installed"
        for _ in range(iterations):
            ours.append(timed(lambda data=data: render_png(data)))  # type: ignore[misc]
            base.append(timed(floor))
        mid = median(ours)
        rows.append(
            [
                f"{days} days",
                iterations,
                f"{mid:.1f}",
                f"{percentile(ours, 0.99):.1f}",
                f"{median(base):.1f}",
                f"{mid / median(base):.2f}",
                f"{len(png) / 1024:.0f} KiB",
                len(describe(data)),
                f"≤ {TARGET_MS:.0f} ms {'met' if mid <= TARGET_MS else 'not met'}",
            ]
        )
    print_table(
        f"Chart render, {WIDTH}×{HEIGHT} PNG (ms; floor: a blank canvas of the same size "
        "encoded as PNG, same run)",
        ["period", "n", "median", "p99", "floor", "ratio", "PNG", "alt chars", "target"],
        rows,
    )


def memory(renders: int, warm: int) -> None:
    data = history(90)
    tracemalloc.start()
    for _ in range(warm):
        render_png(data)
    rss_before = settled_rss_mib()
    before, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    for _ in range(renders):
        render_png(data)
    rss_after = settled_rss_mib()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert after - before < 256 * 1024, f"Python's memory grew by {after - before} bytes"
    print_table(
        f"Memory across {renders:,} renders (90 days; after {warm} to warm up)",
        ["measure", "before", "after", "growth", "peak during"],
        [
            [
                "tracemalloc (KiB)",
                f"{before / 1024:.0f}",
                f"{after / 1024:.0f}",
                f"{(after - before) / 1024:+.1f}",
                f"{peak / 1024:.0f}",
            ],
            [
                "settled RSS (MiB)",
                f"{rss_before:.1f}",
                f"{rss_after:.1f}",
                f"{rss_after - rss_before:+.1f}",
                "",
            ],
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tiny run (CI smoke test)")
    parser.add_argument("--iterations", type=int, default=101, help="timed renders per period")
    parser.add_argument("--renders", type=int, default=1000, help="renders for the memory check")
    args = parser.parse_args()
    iterations, renders, warm = (3, 20, 5) if args.quick else (args.iterations, args.renders, 50)
    note(machine())
    note(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start")
    speed(iterations)
    memory(renders, warm)


if __name__ == "__main__":
    main()
