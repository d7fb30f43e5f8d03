"""``scripts/score_heldout.py``: held-out crisis sets scored with the bot's own matcher."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT


def write(folder: Path, name: str, lines: list[tuple[str, str]]) -> None:
    folder.mkdir(exist_ok=True)
    rows = [json.dumps({"text": text, "category": category}) for category, text in lines]
    (folder / name).write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_a_set_is_scored_per_category_and_its_misses_shown_only_when_asked(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "W"
    write(folder, "alert.jsonl", [("active", "i want to kill myself"), ("passive", "nice day")])
    write(folder, "quiet.jsonl", [("everyday", "ran 5 kms today"), ("idioms", "ugh kms")])
    script = PROJECT_ROOT / "scripts" / "score_heldout.py"

    quiet = subprocess.run(
        [sys.executable, str(script), str(folder)], capture_output=True, text=True, check=True
    ).stdout
    shown = subprocess.run(
        [sys.executable, str(script), str(folder), "--show"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert "W alert.jsonl: recall 50.0% (1 / 2)" in quiet
    assert "active 1/1, passive 0/1" in quiet
    assert "W quiet.jsonl: false alarms 50.0% (1 / 2)" in quiet
    assert "nice day" not in quiet
    assert "[passive] nice day" in shown
    assert "[idioms] ugh kms" in shown
