"""The crisis-language matcher: recall and false alarms on the evaluation set, and its speed.

    python -m benchmarks.safety            # the full run (the README's figures)
    python -m benchmarks.safety --quick    # a tiny run (CI smoke test)

Speed is printed next to a one-regex floor (a single compiled pattern searched over the same
lowercased messages, the least any matcher can cost) measured in the same run, so the
figures can be compared across machines and loads. The adversarial inputs show the time per
character staying flat as messages grow: the matcher is linear, with no pathological input.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks._common import machine, note, print_table
from bot.safety import CrisisMatcher, Level
from bot.safety.model import CrisisModel
from bot.settings import PROJECT_ROOT
from cogs.safety._cog import OFF_LOOP_CHARS

EVAL = PROJECT_ROOT / "tests" / "data" / "crisis_eval"
FLOOR = re.compile(r"\bkill myself\b")


def load(name: str) -> list[dict[str, str]]:
    with (EVAL / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def alerts(matcher: CrisisMatcher, text: str) -> bool:
    """Whether ``text`` alerts staff on its own (a cue alone does not)."""
    found = matcher.match(text)
    return found is not None and found.level.rank >= Level.CONCERN.rank


def evaluation(matcher: CrisisMatcher) -> tuple[float, float]:
    positives, negatives = load("alert.jsonl"), load("no_alert.jsonl")
    caught, total = Counter[str](), Counter[str]()
    for line in positives:
        total[line["category"]] += 1
        caught[line["category"]] += alerts(matcher, line["text"])
    rows = [
        [category, total[category], caught[category], f"{caught[category] / total[category]:.1%}"]
        for category in sorted(total)
    ]
    recall = sum(caught.values()) / len(positives)
    rows.append(["**all**", len(positives), sum(caught.values()), f"**{recall:.1%}**"])
    print_table(
        "Recall on alert.jsonl (must alert)", ["category", "messages", "caught", "recall"], rows
    )

    raised, seen = Counter[str](), Counter[str]()
    for line in negatives:
        seen[line["category"]] += 1
        raised[line["category"]] += alerts(matcher, line["text"])
    rows = [
        [category, seen[category], raised[category], f"{raised[category] / seen[category]:.1%}"]
        for category in sorted(seen)
    ]
    false_rate = sum(raised.values()) / len(negatives)
    rows.append(["**all**", len(negatives), sum(raised.values()), f"**{false_rate:.1%}**"])
    print_table(
        "False alarms on no_alert.jsonl (must not alert)",
        ["category", "messages", "alerted", "false alarms"],
        rows,
    )
    return recall, false_rate


def per_call(function: Callable[[str], object], texts: Sequence[str], seconds: float) -> float:
    """Seconds per call of ``function`` over ``texts``, repeated for about ``seconds``."""
    calls, start = 0, time.perf_counter()
    while True:
        for text in texts:
            function(text)
        calls += len(texts)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / calls


def floor(text: str) -> object:
    return FLOOR.search(text.lower())


def sized(texts: Sequence[str], size: int) -> list[str]:
    """Each text repeated or cut to exactly ``size`` characters."""
    return [((text + " ") * (size // (len(text) + 1) + 1))[:size] for text in texts if text]


def speed(matcher: CrisisMatcher, seconds: float) -> None:
    everyday = [line["text"] for line in load("no_alert.jsonl")]
    crisis = [line["text"] for line in load("alert.jsonl")]
    short_everyday, short_all = sized(everyday, 100), sized(everyday + crisis, 100)
    long_text = ". ".join(everyday)[:2000]
    longest = ". ".join(everyday * 2)[: 4000 - len(". i want to die")] + ". i want to die"
    rows = []
    for name, texts in [
        ("100 chars, everyday messages", short_everyday),
        ("100 chars, all evaluation messages", short_all),
    ]:
        ours = per_call(matcher.match, texts, seconds)
        base = per_call(floor, texts, seconds / 2)
        rows.append([name, f"{1 / ours:,.0f}/s", f"{ours * 1e6:,.1f} µs", f"{1 / base:,.0f}/s"])
    for name, text in [("2,000 chars", long_text), ("4,000 chars, crisis words last", longest)]:
        ours = per_call(matcher.match, [text], seconds)
        base = per_call(floor, [text], seconds / 2)
        rows.append([name, f"{1 / ours:,.0f}/s", f"{ours * 1e3:,.3f} ms", f"{1 / base:,.0f}/s"])
    print_table(
        "Matcher speed (one process, this machine)",
        ["messages", "matcher", "per message", "one-regex floor"],
        rows,
    )
    assert matcher.match(longest) is not None, "crisis words at the end of 4,000 chars"


ADVERSARIAL: dict[str, str] = {
    "anchor words repeated": "die kill myself end it ",
    "many different trigger words": "",  # filled in from the grammar's anchor words
    "spaces between letters": "a  b   c ",
    "separators only": ".,;:!?*-_/\\|~ ",
    "guarded matches repeated": "i used to want to die. ",
    "single letters": "a b c d e f g ",
    "leetspeak": "k1ll m3 5u1c1d3 ",
    "stretched letters": "diiiiieeee sooooo ",
    "one long word": "a",
    "punctuation only": "!?.;,*'` ",
    "censoring asterisks": "s*ic*de k*ll ",
}


def linearity(matcher: CrisisMatcher, seconds: float, sizes: Sequence[int]) -> None:
    rows = []
    inputs = dict(ADVERSARIAL)
    inputs["many different trigger words"] = " ".join(sorted(matcher._by_anchor)) + " "
    for name, unit in inputs.items():
        cells: list[object] = [name]
        for size in sizes:
            text = (unit * (size // len(unit) + 1))[:size]
            cells.append(f"{per_call(matcher.match, [text], seconds) / size * 1e9:,.0f} ns")
        rows.append(cells)
    print_table(
        "Adversarial inputs: time per character (flat = linear)",
        ["input", *(f"{size:,} chars" for size in sizes)],
        rows,
    )


def on_the_loop(matcher: CrisisMatcher, limit: int, every: int = 1) -> None:
    """The slowest single message the event loop reads itself (up to ``limit`` characters;
    longer ones go to a worker thread), each timed alone, best of three."""
    texts = [
        line["text"][:limit] for path in sorted(EVAL.glob("*.jsonl")) for line in load(path.name)
    ]
    texts = texts[::every]
    units = [*ADVERSARIAL.values(), " ".join(sorted(matcher._by_anchor)) + " "]
    texts += [(unit * (limit // len(unit) + 1))[:limit] for unit in units if unit]
    times = []
    for text in texts:
        best = min(per_call(matcher.match, [text], 0) for _ in range(3))
        times.append(best)
    times.sort()
    print_table(
        f"One message on the event loop (≤ {limit} characters, {len(texts):,} messages)",
        ["median", "99th percentile", "slowest"],
        [
            [
                f"{times[len(times) // 2] * 1e3:.3f} ms",
                f"{times[int(len(times) * 0.99)] * 1e3:.3f} ms",
                f"{times[-1] * 1e3:.3f} ms",
            ]
        ],
    )


def model_rows(matcher: CrisisMatcher, combined: CrisisMatcher, seconds: float) -> None:
    """The grammar with the model behind it (``bot.safety.model``): its figures and speed.

    Recall and false alarms are over every in-repo set, which is the model's training data,
    so they are in-sample; ``scripts/train_safety_model.py`` prints the leave-one-writer-out
    figures, the estimate for new writers.
    """
    rows = []
    for pattern in ("alert*.jsonl", "no_alert*.jsonl"):
        lines = [line for path in sorted(EVAL.glob(pattern)) for line in load(path.name)]
        for name, which in (("grammar", matcher), ("grammar + model", combined)):
            rate = sum(alerts(which, line["text"]) for line in lines) / len(lines)
            rows.append([name, pattern, len(lines), f"{rate:.1%}"])
    print_table(
        "Every in-repo set (in-sample for the model): share that alerts",
        ["matcher", "files", "messages", "alerted"],
        rows,
    )
    per_set: list[list[object]] = []
    for path in sorted(EVAL.glob("alert*.jsonl")):
        suffix = path.stem.removeprefix("alert")
        positives, negatives = load(path.name), load(f"no_alert{suffix}.jsonl")
        row: list[object] = [
            suffix.removeprefix("_").upper() or "A",
            len(positives),
            len(negatives),
        ]
        for which in (matcher, combined):
            recall = sum(alerts(which, line["text"]) for line in positives) / len(positives)
            raised = [which.match(line["text"]) for line in negatives]
            alarms = sum(1 for found in raised if found and found.level.rank >= Level.CONCERN.rank)
            high = sum(1 for found in raised if found and found.level is Level.HIGH)
            row += [f"{recall:.1%}", f"{alarms / len(negatives):.1%} ({high} high)"]
        per_set.append(row)
    print_table(
        "Each writer's set (P: the error kinds of held-out sets): recall, false alarms",
        ["set", "alert", "no alert", "grammar", "false alarms", "grammar + model", "false alarms"],
        per_set,
    )
    everyday = [line["text"] for line in load("no_alert.jsonl")]
    long_text = ". ".join(everyday)[:2000]
    rows = []
    for name, texts in [
        ("100 chars, everyday messages", sized(everyday, 100)),
        ("2,000 chars", [long_text]),
    ]:
        alone = per_call(matcher.match, texts, seconds)
        both = per_call(combined.match, texts, seconds)
        rows.append([name, f"{1 / alone:,.0f}/s", f"{1 / both:,.0f}/s", f"{both * 1e6:,.1f} µs"])
    print_table(
        "Grammar + model speed (same run)",
        ["messages", "grammar alone", "grammar + model", "per message"],
        rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tiny run (CI smoke test)")
    args = parser.parse_args()
    seconds = 0.05 if args.quick else 1.5
    sizes = (250, 500) if args.quick else (1000, 2000, 4000)
    note(machine())
    note(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the start")
    started = time.perf_counter()
    matcher = CrisisMatcher.from_content_dir(Path(PROJECT_ROOT / "data"))
    note(
        "matcher built (patterns read and checked) in "
        f"{(time.perf_counter() - started) * 1e3:,.0f} ms"
    )
    started = time.perf_counter()
    matcher.compile_all()
    note(
        f"its regexes compiled in {(time.perf_counter() - started) * 1e3:,.0f} ms "
        "(the bot does this on a worker thread after start-up)"
    )
    recall, false_rate = evaluation(matcher)
    note(f"recall {recall:.1%}, false alarms {false_rate:.1%} (targets: ≥ 95%, ≤ 5%)")
    speed(matcher, seconds)
    linearity(matcher, seconds / 3, sizes)
    started = time.perf_counter()
    model = CrisisModel.from_content_dir(PROJECT_ROOT / "data")
    note(f"model loaded and checked in {(time.perf_counter() - started) * 1e3:,.0f} ms")
    combined = CrisisMatcher.from_content_dir(PROJECT_ROOT / "data", model=model)
    combined.compile_all()
    model_rows(matcher, combined, seconds)
    on_the_loop(combined, OFF_LOOP_CHARS, every=50 if args.quick else 1)


if __name__ == "__main__":
    main()
