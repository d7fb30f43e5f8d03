"""The matcher's fast paths give exactly what the plain ones give (speed lives in benchmarks/).

Each shortcut in ``bot/safety/`` (the matcher and ``model.py``) has a plain way of getting the
same answer; these tests run both over every message of the evaluation sets and a few hard
generated ones. ``scripts/safety_outputs.py`` is the wider check, against a saved baseline.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest

from bot.safety import CrisisMatcher, Reading
from bot.safety.model import MODEL_FILE, CrisisModel, features, gram_count
from bot.safety.patterns import _Entry
from bot.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"
EVAL = PROJECT_ROOT / "tests" / "data" / "crisis_eval"

HARD = [
    "die kill myself end it " * 40,
    "i used to want to die. " * 60,
    "k1ll m3 5u1c1d3 " * 30,
    "k i l l m y s e l f " * 20,
    "s*ic*de k*ll " * 50,
    "a" * 4000,
    " . " * 1000,
    "took 10mg at 3am after a 5km walk, 1 more day sober",
    "1 w4nt t0 d1e",
    "im g0nna k1ll mys3lf",
    "i w1ll end 1t tonight",
]


def _messages() -> list[str]:
    texts = [
        json.loads(line)["text"]
        for path in sorted(EVAL.glob("*.jsonl"))
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    return texts + HARD


MESSAGES = _messages()


@pytest.fixture(scope="module")
def matcher() -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(DATA)


def _places(tries: dict[_Entry, list[tuple[int, int]]]) -> dict[int, set[tuple[int, int]]]:
    return {id(entry): set(places) for entry, places in tries.items()}


def _both_ways(
    matcher: CrisisMatcher, reading: Reading
) -> tuple[dict[int, set[tuple[int, int]]], dict[int, set[tuple[int, int]]]]:
    tokens = reading.text.split(" ")
    words = reading.words
    singles = matcher._single_words.intersection(words)
    pairs = matcher._pair_keys.intersection(itertools.pairwise(tokens))

    def possible(needs: tuple[frozenset[str], ...]) -> bool:
        return all(not need.isdisjoint(words) for need in needs)

    searched: dict[_Entry, list[tuple[int, int]]] = {}
    scanned: dict[_Entry, list[tuple[int, int]]] = {}
    matcher._tries_by_search(reading.text, singles, pairs, possible, searched)
    matcher._tries_by_token(tokens, words, possible, scanned)
    return _places(searched), _places(scanned)


def test_searching_for_anchor_words_finds_what_a_pass_over_the_tokens_finds(
    matcher: CrisisMatcher,
) -> None:
    for text in MESSAGES:
        for one in ("i", "l"):
            searched, scanned = _both_ways(matcher, matcher.normaliser.read(text, one=one))
            assert searched == scanned, text


def test_an_entry_skips_only_the_requirements_its_anchor_word_meets(
    matcher: CrisisMatcher,
) -> None:
    for word, anchor in matcher._by_anchor.items():
        for group in (anchor.any_next, *anchor.by_next.values(), *anchor.by_previous.values()):
            for entry in group:
                requires = entry.rule.compiled.requires
                assert set(entry.needs) <= set(requires)
                if entry.before is not None:
                    assert all(word in need for need in set(requires) - set(entry.needs))
                else:
                    assert set(entry.needs) == set(requires)


def test_the_l_reading_is_skipped_only_when_it_reads_the_same(matcher: CrisisMatcher) -> None:
    skipped = 0
    for text in MESSAGES:
        reading = matcher.normaliser.read(text)
        if not reading.ones_read:
            other = matcher.normaliser.read(text, one="l")
            assert (other.text, other.words) == (reading.text, reading.words), text
            skipped += reading.ones
    assert skipped  # some messages have a 1 that is never read as a letter ("10mg")


def test_compiling_every_regex_ahead_changes_no_result(matcher: CrisisMatcher) -> None:
    ahead = CrisisMatcher.from_content_dir(DATA)
    ahead.compile_all()

    entries = [
        entry
        for anchor in ahead._by_anchor.values()
        for group in (anchor.any_next, *anchor.by_next.values(), *anchor.by_previous.values())
        for entry in group
    ]
    assert entries
    assert all(entry.regexes is not None for entry in entries)
    for text in MESSAGES:
        assert ahead.match(text) == matcher.match(text), text


def test_the_model_scores_what_its_training_features_say(matcher: CrisisMatcher) -> None:
    """The run-time scoring (tuples, one table) against the formula over ``features``, the
    featurisation ``scripts/train_safety_model.py`` trains on."""
    raw = json.loads(Path(DATA / MODEL_FILE).read_text("utf-8"))
    model = CrisisModel.from_content_dir(DATA)
    weights = raw["weights"]
    for text in MESSAGES:
        reading = matcher.normaliser.read(text).text
        first = reading.split()[: raw["min_words"] + 2]
        if sum(word not in {".", "?"} for word in first) < raw["min_words"]:
            assert model.probability(reading) == 0.0
            continue
        known = [gram for gram in features(reading, raw["max_gram"]) if gram in weights]
        norm = sum(weights[g][1] ** 2 for g in known)
        norm += (gram_count(reading, raw["max_gram"]) - len(known)) * raw["unknown_idf"] ** 2
        total = sum(weights[g][0] * weights[g][1] for g in known) / math.sqrt(norm)
        expected = 1 / (1 + math.exp(-(raw["bias"] + total)))
        assert model.probability(reading) == pytest.approx(expected, rel=1e-9, abs=1e-12), text
