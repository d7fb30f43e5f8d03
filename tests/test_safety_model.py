"""The safety net's model (bot/safety_model.py, data/crisis_model.json), behind the grammar.

The combined figures below are measured on every in-repo evaluation set, which are also the
model's training data: they are IN-SAMPLE for the model and say little about new writers.
The generalisation estimate is the leave-one-writer-out table that
``scripts/train_safety_model.py`` prints (train on all sets but one, test on that one).
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import sys
from pathlib import Path

import pytest

from bot.content import ContentError
from bot.library import load_library
from bot.safety import Category, CrisisMatcher, Level, Match
from bot.safety.model import MODEL_FILE, CrisisModel, features, gram_count
from bot.settings import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"
EVAL = PROJECT_ROOT / "tests" / "data" / "crisis_eval"


def _lines(pattern: str) -> list[dict[str, str]]:
    lines = []
    for path in sorted(EVAL.glob(pattern)):
        lines += [json.loads(raw) for raw in path.read_text("utf-8").splitlines() if raw.strip()]
    return lines


@pytest.fixture(scope="module")
def model() -> CrisisModel:
    return CrisisModel.from_content_dir(DATA)


@pytest.fixture(scope="module")
def grammar() -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(DATA)


@pytest.fixture(scope="module")
def combined(model: CrisisModel) -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(DATA, model=model)


def _alerts(matcher: CrisisMatcher, text: str) -> bool:
    found = matcher.match(text)
    return found is not None and found.level.rank >= Level.CONCERN.rank


def test_the_shipped_model_loads_with_the_library() -> None:
    library = load_library(DATA)
    assert library.crisis_phrases.model is not None
    assert 0 < library.crisis_phrases.model.threshold < 1


def test_a_damaged_model_file_stops_the_library_at_start_up(tmp_path: Path) -> None:
    content = tmp_path / "data"
    shutil.copytree(DATA, content)
    (content / MODEL_FILE).write_text('{"about": "half a file', "utf-8")
    with pytest.raises(ContentError, match=r"^The content file .*crisis_model\.json is not valid"):
        load_library(content)


def test_the_model_file_is_small() -> None:
    assert (DATA / MODEL_FILE).stat().st_size < 300 * 1024


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (None, "is missing: restore it from the repository or rebuild it with "),
        ("{not json", "is not valid JSON ("),
        ('{"about": "x"}', "has a problem at `trained_on`: Field required."),
        (
            lambda raw: {**raw, "threshold": 1.5},
            "has a problem at `threshold`: Input should be less than 1.",
        ),
        (
            lambda raw: {**raw, "weights": {**raw["weights"], "kill": [1.0, 0.0]}},
            "has a problem at `(top level)`: has an inverse document frequency that is not "
            "positive.",
        ),
        (
            lambda raw: {**raw, "category_bias": raw["category_bias"][:-1]},
            "has a problem at `(top level)`: category_bias has 8 values, not 9.",
        ),
        (
            lambda raw: {**raw, "categories": [*raw["categories"][:-1], "ambiguous"]},
            "has a problem at `categories`: may not include 'ambiguous' (a cue is never a "
            "model match).",
        ),
        (
            lambda raw: {**raw, "weights": {**raw["weights"], "a b c d": [1.0, 1.0]}},
            "has a problem at `(top level)`: weights has 'a b c d', which is not 1 to 3 words.",
        ),
    ],
)
def test_a_damaged_model_file_stops_start_up_with_one_sentence(
    tmp_path: Path, damage: object, message: str
) -> None:
    for name in ("crisis_phrases.toml",):
        (tmp_path / name).write_text((DATA / name).read_text("utf-8"), "utf-8")
    path = tmp_path / MODEL_FILE
    if isinstance(damage, str):
        path.write_text(damage, "utf-8")
    elif callable(damage):
        raw = json.loads((DATA / MODEL_FILE).read_text("utf-8"))
        path.write_text(json.dumps(damage(raw)), "utf-8")
    with pytest.raises(ContentError) as error:
        CrisisModel.from_content_dir(tmp_path)
    text = str(error.value)
    assert text.startswith(f"The content file {path} ")
    assert message in text
    assert text.endswith(".")
    assert "\n" not in text


def test_scoring_counts_exactly_the_features_the_model_was_trained_on(
    model: CrisisModel, combined: CrisisMatcher
) -> None:
    # The run-time scorer (tuple keys, set intersection) against TF-IDF written out by hand
    # over the training features (joined 1-3-grams), on every line of set B: unit length over
    # all the message's n-grams, the ones not kept (and repeats) counting at `unknown_idf`.
    raw = json.loads((DATA / MODEL_FILE).read_text("utf-8"))
    weights: dict[str, list[float]] = raw["weights"]
    for line in _lines("*_b.jsonl"):
        reading = combined.normaliser.read(combined.quotes.of(line["text"])).text
        grams = features(reading)
        present = [weights[gram] for gram in grams if gram in weights]
        unknown = (gram_count(reading) - len(present)) * raw["unknown_idf"] ** 2
        norm = math.sqrt(sum(idf * idf for _, idf in present) + unknown) or 1.0
        score = raw["bias"] + sum(w * idf for w, idf in present) / norm
        expected = 1 / (1 + math.exp(-score))
        if len([w for w in reading.split() if w not in ".?"]) < raw["min_words"]:
            expected = 0.0
        assert model.probability(reading) == pytest.approx(expected)


def test_the_combination_over_every_in_repo_set(combined: CrisisMatcher) -> None:
    # IN-SAMPLE for the model (these sets are its training data) and for the grammar (it was
    # broadened with sets A-F and L-O in view), so optimistic. The target is recall
    # >= 95% at <= 5% false alarms. The threshold is chosen by leave-one-writer-out (mean false
    # alarms at most 4%); over all fifteen sets the combination reaches a mean of 97.8% recall
    # and 1.5% false alarms in-sample (2026-12-02). The generalisation estimate is the script's
    # leave-one-writer-out table, and the figures measured on sets E-O before anything was
    # changed for them (README).
    positives, negatives = _lines("alert*.jsonl"), _lines("no_alert*.jsonl")
    recall = sum(_alerts(combined, line["text"]) for line in positives) / len(positives)
    false_alarms = sum(_alerts(combined, line["text"]) for line in negatives) / len(negatives)
    assert recall >= 0.95, recall
    assert false_alarms <= 0.05, false_alarms


# Measured 2026-12-02 (model trained on all fifteen sets): recall E 99.4%, F 96.0%, G 96.0%,
# H 97.3%, I 98.3%, J 95.3%, K 96.9%, L 97.1%, M 99.6%, N 96.6%, O 99.6%; false alarms 0.0-3.1%
# (K's 6.1% from the grammar alone is gone, so no set needs a looser ceiling). Set P (not in the
# model's training data; its frames are guards): 99.3% recall, 4.5% false alarms.
IN_SAMPLE_FLOORS = {
    name: (0.95, 0.05) for name in ("e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p")
}
"""Recall floor and false-alarm ceiling of grammar + model on each newer writer's set."""


@pytest.mark.parametrize(("name", "floors"), sorted(IN_SAMPLE_FLOORS.items()))
def test_the_combination_on_each_new_writers_set(
    combined: CrisisMatcher, name: str, floors: tuple[float, float]
) -> None:
    # Sets E-O, new voices. Before any change for them, grammar + model caught 81.2% of E (0.6%
    # false alarms) and 62.0% of F (4.7%); G-K 71.5-88.1%; L-O 72.5-86.4% (README). The model
    # is now trained on all of them (in-sample, measured 95.3-99.6%), so this guards against
    # regressions. The honest figure for a new writer is leave-one-writer-out, printed by the
    # training script, and the before-figures.
    positives, negatives = _lines(f"alert_{name}.jsonl"), _lines(f"no_alert_{name}.jsonl")
    recall = sum(_alerts(combined, line["text"]) for line in positives) / len(positives)
    false_alarms = sum(_alerts(combined, line["text"]) for line in negatives) / len(negatives)
    assert recall >= floors[0], recall
    assert false_alarms <= floors[1], false_alarms


def test_the_model_adds_to_the_grammar_and_never_replaces_it(
    grammar: CrisisMatcher, combined: CrisisMatcher
) -> None:
    # The grammar decides whenever it alerts: the combination reports exactly its match.
    for line in _lines("alert*.jsonl") + _lines("no_alert*.jsonl"):
        found = grammar.match(line["text"])
        if found is not None and found.level is not Level.CUE:
            assert combined.match(line["text"]) == found


def test_model_only_matches_are_at_most_concern(
    grammar: CrisisMatcher, combined: CrisisMatcher, model: CrisisModel
) -> None:
    # Where the grammar finds nothing that alerts, the model's match is a gentle one (a
    # private check-in and a quiet staff note) under the category its second head finds.
    model_only = []
    for line in _lines("alert*.jsonl"):
        found = grammar.match(line["text"])
        if found is None or found.level is Level.CUE:
            added = combined.match(line["text"])
            if added is not None and added != found:
                reading = combined.normaliser.read(combined.quotes.of(line["text"])).text
                assert model.probability(reading) >= model.threshold
                assert added == Match(model.category(reading), Level.CONCERN)
                model_only.append(added)
    assert model_only, "the model adds nothing the grammar misses"
    assert {match.level for match in model_only} == {Level.CONCERN}
    assert {match.category for match in model_only} <= set(Category) - {Category.AMBIGUOUS}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "good",
        "good morning all",
        "good night everyone",
        "night all",
        "good bye",
        "see you all at the 7pm meeting",
        "ran 5 kms this morning, feeling good",
        "good night everyone see you tomorrow",
        "that was a good meeting tonight",
        "logging off for the night",
    ],
)
def test_ordinary_talk_stays_quiet(combined: CrisisMatcher, text: str) -> None:
    # The sets have almost no short everyday messages, so the model reads only messages of
    # at least `min_words` words: "good" alone once scored 0.996 (its weight comes from
    # "for good"), and "good night everyone" 0.95.
    assert not _alerts(combined, text)


def _training_script() -> object:
    spec = importlib.util.spec_from_file_location(
        "train_safety_model", PROJECT_ROOT / "scripts" / "train_safety_model.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 15 sets, 16 fits: 2.3 min of CPU, 9 min at a load of 7 (2026-12-02)
def test_the_shipped_model_is_what_the_training_script_writes() -> None:
    pytest.importorskip("sklearn", reason="scikit-learn is only in the `train` extra")
    script = _training_script()
    model = script.build()[0]  # type: ignore[attr-defined]
    shipped = (DATA / MODEL_FILE).read_text("utf-8")
    assert script.render(model) == shipped, (  # type: ignore[attr-defined]
        "data/crisis_model.json is stale: run python scripts/train_safety_model.py"
    )
