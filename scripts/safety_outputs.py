"""Dump, or compare, everything the safety net says about a fixed corpus (a refactoring check).

    python scripts/safety_outputs.py --write /tmp/safety-before.jsonl   # before a change
    python scripts/safety_outputs.py --compare /tmp/safety-before.jsonl # after: identical?

A development tool for changes to the matcher's engine (``bot/safety/``, including
``bot/safety/model.py``) that must not change a single result. For every message of
``tests/data/crisis_eval/*.jsonl`` and a few thousand generated ones (adversarial: long runs of
one letter, spaces and separators, many trigger words, leetspeak, asterisks, spaced and
stretched letters, look-alike letters; and random mixes of the grammar's own words), it writes
one line: the grammar's match, the match with the model behind it, the model's score to six
decimals and its category, both normalised readings (``1`` read as ``i`` and as ``l``), the
model's features, and for short messages ``explain``. The corpus is seeded, so two runs on the
same data files give the same lines; after a change to the data files, write a new baseline.
Exit status 1 when ``--compare`` finds a difference (the first few are printed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.safety import CrisisMatcher  # noqa: E402
from bot.safety.model import CrisisModel, features, gram_count, grams  # noqa: E402

EVAL = ROOT / "tests" / "data" / "crisis_eval"
DATA = ROOT / "data"
SEED = 20261202

_SEPARATORS = " .,;:!?*-_'`\"()[]{}<>/\\|~@#$%^&+=\n\t…’"
_LOOKALIKES = "аеорсхкмтуіαεοριτ€£0134578@$!|+1"
_EMOJI = "💀☠⚰🔫🔪💊🪢🩸🙂❤️"
_INVISIBLE = "\u200b\u200d\u00ad\ufeff\u2060\u202e"


def eval_messages() -> Iterator[str]:
    for path in sorted(EVAL.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                yield json.loads(line)["text"]


def _vocabulary(matcher: CrisisMatcher) -> list[str]:
    return sorted(matcher.normaliser._lexicon.words)


def _disguise(word: str, rng: random.Random) -> str:
    kind = rng.randrange(7)
    if kind == 0:
        return " ".join(word)
    if kind == 1:
        at = rng.randrange(len(word))
        return word[:at] + word[at] * rng.randint(3, 9) + word[at + 1 :]
    if kind == 2:
        leet = {"i": "1", "e": "3", "a": "4", "o": "0", "s": "$", "t": "7", "l": "1"}
        return "".join(leet.get(c, c) if rng.random() < 0.6 else c for c in word)
    if kind == 3:
        return "".join("*" if rng.random() < 0.3 else c for c in word)
    if kind == 4:
        return ".".join(word) + "."
    if kind == 5:
        return word.upper()
    return "".join(rng.choice(_INVISIBLE) + c if rng.random() < 0.2 else c for c in word)


def generated(matcher: CrisisMatcher) -> Iterator[str]:
    rng = random.Random(SEED)
    words = _vocabulary(matcher)
    originals = list(eval_messages())
    # Long runs and separators.
    for size in (1, 2, 3, 10, 100, 1000, 2000, 4000, 5000):
        for unit in ("a", "l", "1", " ", ".", "*", "!", "?", "a ", "ab", "i ", "k*", "a.", "'"):
            yield (unit * size)[:size]
    for unit in (
        "die kill myself end it ",
        "i used to want to die. ",
        "a b c d e f g ",
        "k1ll m3 5u1c1d3 ",
        "diiiiieeee sooooo ",
        "!?.;,*'` ",
        "s*ic*de k*ll ",
        "k i l l m y s e l f ",
        "i want to ",
        "i dont want to die ",
        "o.d. o.d. ",
        "5km 3am 10mg ",
    ):
        for size in (100, 500, 2000, 4000):
            yield (unit * (size // len(unit) + 1))[:size]
    # Many trigger words at once.
    for _ in range(300):
        yield " ".join(rng.choice(words) for _ in range(rng.randint(1, 40)))
    for _ in range(40):
        yield " ".join(rng.choice(words) for _ in range(rng.randint(200, 700)))
    # Disguised and mangled evaluation messages.
    for _ in range(2500):
        text = rng.choice(originals)
        parts = text.split(" ")
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(parts))
            parts[at] = _disguise(parts[at], rng) if parts[at] else parts[at]
        joiner = rng.choice([" ", " ", " ", "  ", " . ", "\n", ", "])
        text = joiner.join(parts)
        if rng.random() < 0.2:
            text += rng.choice(_SEPARATORS) * rng.randint(1, 5)
        if rng.random() < 0.1:
            text = rng.choice(_EMOJI) + " " + text
        yield text
    # Random characters.
    alphabet = "abcdeiklmnoprstuy " + _SEPARATORS + _LOOKALIKES + _EMOJI + _INVISIBLE
    for _ in range(700):
        yield "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 300)))
    # Two messages run together, and long everyday text.
    for _ in range(300):
        yield rng.choice(originals) + rng.choice([" ", ". ", "\n", " and "]) + rng.choice(originals)
    for _ in range(30):
        yield ". ".join(rng.choice(originals) for _ in range(rng.randint(10, 40)))


def _match(found: object) -> str | None:
    return None if found is None else f"{found.category.value}/{found.level.value}"  # type: ignore[attr-defined]


def describe(
    grammar: CrisisMatcher, combined: CrisisMatcher, model: CrisisModel, text: str
) -> dict[str, object]:
    own = grammar.quotes.of(text)  # what the matcher reads: a reply's own lines
    reading = grammar.normaliser.read(own)
    other = grammar.normaliser.read(own, one="l")
    feats = sorted(features(reading.text))
    line: dict[str, object] = {
        "text": text,
        "grammar": _match(grammar.match(text)),
        "combined": _match(combined.match(text)),
        "score": f"{model.probability(reading.text):.6f}",
        "classify": None if (c := model.classify(reading.text)) is None else c.value,
        "category": model.category(reading.text).value,
        "reading": reading.text,
        "words": sorted(reading.words),
        "ones": reading.ones,
        "reading_l": other.text,
        "words_l": sorted(other.words),
        "features": hashlib.sha256("\n".join(feats).encode()).hexdigest(),
        "grams": hashlib.sha256("\n".join(grams(reading.text)).encode()).hexdigest(),
        "gram_count": gram_count(reading.text),
    }
    if len(text) <= 400:
        line["explain"] = grammar.explain(text)
    return line


def corpus(matcher: CrisisMatcher) -> list[str]:
    return [*eval_messages(), *generated(matcher)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path)
    mode.add_argument("--compare", type=Path)
    args = parser.parse_args()
    model = CrisisModel.from_content_dir(DATA)
    grammar = CrisisMatcher.from_content_dir(DATA)
    combined = CrisisMatcher.from_content_dir(DATA, model=model)
    texts = corpus(grammar)
    lines = [json.dumps(describe(grammar, combined, model, t), ensure_ascii=False) for t in texts]
    if args.write:
        args.write.write_text("\n".join(lines) + "\n", "utf-8")
        print(f"wrote {len(lines)} lines to {args.write}")
        return 0
    expected = args.compare.read_text("utf-8").splitlines()
    if len(expected) != len(lines):
        print(f"{len(lines)} lines, the baseline has {len(expected)}")
        return 1
    different = [(old, new) for old, new in zip(expected, lines, strict=True) if old != new]
    for old, new in different[:5]:
        before, after = json.loads(old), json.loads(new)
        keys = [k for k in before if before[k] != after.get(k)]
        print(f"DIFFERENT {keys}: {before['text'][:120]!r}")
        for key in keys:
            print(f"  before {key}: {str(before[key])[:300]}")
            print(f"  after  {key}: {str(after[key])[:300]}")
    print(f"{len(lines)} messages, {len(different)} different")
    return 1 if different else 0


if __name__ == "__main__":
    raise SystemExit(main())
