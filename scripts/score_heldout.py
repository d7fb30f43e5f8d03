"""Score held-out crisis sets, kept outside the project, against this checkout's safety net.

    python scripts/score_heldout.py SETDIR [SETDIR ...] [--show]

Each SETDIR holds ``alert.jsonl`` (must alert) and ``quiet.jsonl`` (must not), one
``{"text": ..., "category": ...}`` a line, written by someone who never saw the project. The
matcher is the bot's own (grammar and model, ``bot.library``); an alert is a match at
*concern* or above. It prints recall and false alarms per set and per category. ``--show``
prints the lines it gets wrong: once a set's lines are read, it is no longer held out (add it
to ``tests/data/crisis_eval`` as a new writer's set, measured first, as its README says).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safety import CrisisMatcher, Level  # noqa: E402
from bot.safety.model import CrisisModel  # noqa: E402


def alerts(matcher: CrisisMatcher, text: str) -> bool:
    found = matcher.match(text)
    return found is not None and found.level.rank >= Level.CONCERN.rank


def score(matcher: CrisisMatcher, folder: Path, *, show: bool) -> None:
    for name, wanted in (("alert.jsonl", True), ("quiet.jsonl", False)):
        lines = [
            json.loads(raw)
            for raw in (folder / name).read_text("utf-8").splitlines()
            if raw.strip()
        ]
        hits, totals = Counter[str](), Counter[str]()
        wrong: list[tuple[str, str]] = []
        for line in lines:
            got = alerts(matcher, line["text"])
            totals[line["category"]] += 1
            hits[line["category"]] += got
            if got is not wanted:
                wrong.append((line["category"], line["text"]))
        label = "recall" if wanted else "false alarms"
        rate = sum(hits.values()) / len(lines)
        print(f"{folder.name} {name}: {label} {rate:.1%} ({sum(hits.values())} / {len(lines)})")
        print("   " + ", ".join(f"{c} {hits[c]}/{totals[c]}" for c in sorted(totals)))
        if show:
            for category, text in wrong:
                print(f"   [{category}] {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--show", action="store_true", help="print the lines it gets wrong")
    args = parser.parse_args()
    data = ROOT / "data"
    matcher = CrisisMatcher.from_content_dir(data, model=CrisisModel.from_content_dir(data))
    matcher.compile_all()
    for folder in args.folders:
        score(matcher, folder, show=args.show)


if __name__ == "__main__":
    main()
