"""The matcher against the project's evaluation set (tests/data/crisis_eval/, issue 14).

The targets are deterministic, so they are asserted here: recall at least 95% over the
messages that must alert, false alarms at most 5% over the ones that must not. A cue alone
("bye everyone") does not alert, so it counts as neither. `python -m benchmarks.safety`
prints the same figures per category.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from bot.safety import Category, CrisisMatcher, Level
from bot.settings import PROJECT_ROOT

EVAL = PROJECT_ROOT / "tests" / "data" / "crisis_eval"


def _lines(name: str) -> list[dict[str, str]]:
    with (EVAL / name).open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def matcher() -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(PROJECT_ROOT / "data")


def _alerts(matcher: CrisisMatcher, text: str) -> bool:
    found = matcher.match(text)
    return found is not None and found.level.rank >= Level.CONCERN.rank


def test_the_set_is_large_enough_and_labelled() -> None:
    positives, negatives = _lines("alert.jsonl"), _lines("no_alert.jsonl")
    assert len(positives) >= 300
    assert len(negatives) >= 300
    categories = {category.value for category in Category} | {"disguised"}
    assert {line["category"] for line in positives} <= categories


def test_recall_is_at_least_95_percent(matcher: CrisisMatcher) -> None:
    positives = _lines("alert.jsonl")
    missed = [line for line in positives if not _alerts(matcher, line["text"])]
    recall = 1 - len(missed) / len(positives)
    assert recall >= 0.95, (recall, Counter(line["category"] for line in missed))


def test_false_alarms_are_at_most_5_percent(matcher: CrisisMatcher) -> None:
    negatives = _lines("no_alert.jsonl")
    raised = [line for line in negatives if _alerts(matcher, line["text"])]
    rate = len(raised) / len(negatives)
    assert rate <= 0.05, (rate, Counter(line["category"] for line in raised))


def test_no_category_is_left_behind(matcher: CrisisMatcher) -> None:
    # Every category, on its own, is caught at least 85% of the time.
    caught, total = Counter[str](), Counter[str]()
    for line in _lines("alert.jsonl"):
        total[line["category"]] += 1
        caught[line["category"]] += _alerts(matcher, line["text"])
    weak = {name: caught[name] / total[name] for name in total if caught[name] < 0.85 * total[name]}
    assert weak == {}


def test_high_risk_messages_reach_staff_at_once(matcher: CrisisMatcher) -> None:
    # A message labelled high that alerts is reported high in most cases (the level decides
    # whether the staff role is pinged).
    high = [line for line in _lines("alert.jsonl") if line["level"] == "high"]
    found = [matcher.match(line["text"]) for line in high]
    at_high = sum(1 for match in found if match is not None and match.level is Level.HIGH)
    assert at_high / len(high) >= 0.85


# Sets E and F (tests/data/crisis_eval/README.md) were written after the grammar, in voices
# unlike A-D: E terse fragments, emoji and no punctuation; F dark humour and recovery-room
# slang. Before any rule was changed for them (2026-12-02) the grammar caught 70.0% of E (0.6%
# false alarms) and 47.3% of F (2.7%): that is the honest estimate for a new writer. The
# grammar was then broadened per category with all six sets in view, so the floors below are
# in-sample and only guard against regressions.
# Sets L-O (four more writers, 2026-12-02: L clinical and intellectual, M South Asian, African,
# Filipino, Singaporean and Caribbean English, N replies and questions in threads, O blunt men
# and practical risk talk) were measured before anything was changed for them: the grammar
# alone caught L 46.2%, M 59.6%, N 56.5%, O 51.5% (grammar + model 72.5%, 86.4%, 81.9%,
# 78.7%, README). The grammar was then broadened by construction for what they missed, so
# their floors are in-sample too. N stays lowest: its misses are mostly generic "you" and third
# person used about oneself ("asking for a friend (its me)"), which the guards read as someone
# else.
NEW_WRITERS = {
    "e": 0.95,
    "f": 0.90,
    "l": 0.89,
    "m": 0.96,
    "n": 0.81,
    "o": 0.94,
}
"""Each new writer's set and the grammar's recall floor on it (measured 2026-12-02: E 97.5%,
F 90.0%, L 89.2%, M 96.2%, N 81.9%, O 94.6%)."""

POSITIVE_CATEGORIES = {c.value for c in Category if c is not Category.AMBIGUOUS} | {"disguised"}
NEGATIVE_CATEGORIES = {
    "relapse_craving",
    "recovery_story",
    "crisis_resources",
    "helping_others",
    "news_grief",
    "figures_of_speech",
    "jokes_lyrics",
    "medication_naloxone",
    "measurements_abbreviations",
    "everyday",
}
EVERY_SET = (
    "",
    "_b",
    "_c",
    "_d",
    "_e",
    "_f",
    "_g",
    "_h",
    "_i",
    "_j",
    "_k",
    "_l",
    "_m",
    "_n",
    "_o",
    "_p",
    "_q",
)

# Sets G-K (five more writers, 2026-12-02) were measured before anything was changed for them.
# No pattern has been written from their positives since, so the grammar's recall on them is
# still the honest estimate for a new writer (README). The constructions added for sets L-O
# raised it from 60.7%, 69.3%, 71.9%, 53.2%, 67.2% to the figures below: that rise is what
# those constructions carry over to writers they were not written from. Their negatives were
# looked at (every change is checked against every set's negatives), and guards were added
# for the false alarms of K and J (hair dye, anniversaries, possessive referents, fiction), so
# K's 6.1% false alarms fell to 3.1%: no set is now over the 5% target.
GRAMMAR_FALSE_ALARMS_OVER_TARGET: dict[str, float] = {}
"""Sets on which the grammar alone is allowed over 5% false alarms (none since 2026-12-02)."""
UNTOUCHED_WRITERS = {"g": 0.63, "h": 0.72, "i": 0.76, "j": 0.57, "k": 0.69}
"""Sets no pattern was written from, and the grammar's recall floor on each (measured
2026-12-02: 63.8%, 72.0%, 76.2%, 57.9%, 69.9%; after set P's frames G is 63.4%, one line having
been caught only by the bare "try again"). A floor guards against regressions; the gap to 95%
is real."""


@pytest.mark.parametrize("name", sorted(NEW_WRITERS))
def test_each_new_writers_set_covers_every_category(name: str) -> None:
    positives, negatives = _lines(f"alert_{name}.jsonl"), _lines(f"no_alert_{name}.jsonl")
    assert len(positives) >= 150
    assert len(negatives) >= 150
    assert {line["category"] for line in positives} == POSITIVE_CATEGORIES
    assert {line["category"] for line in negatives} == NEGATIVE_CATEGORIES
    assert {line["level"] for line in positives} == {"concern", "high"}
    for line in positives:
        if line["category"] in {"passive", "burden", "hopeless"}:
            assert line["level"] == "concern", line
        elif line["category"] != "disguised":
            assert line["level"] == "high", line


@pytest.mark.parametrize(("name", "floor"), sorted(NEW_WRITERS.items()))
def test_the_grammar_on_each_new_writers_set(
    matcher: CrisisMatcher, name: str, floor: float
) -> None:
    positives = _lines(f"alert_{name}.jsonl")
    missed = [line for line in positives if not _alerts(matcher, line["text"])]
    recall = 1 - len(missed) / len(positives)
    assert recall >= floor, (recall, Counter(line["category"] for line in missed))


@pytest.mark.parametrize("suffix", EVERY_SET)
def test_false_alarms_stay_at_most_5_percent_on_every_writers_set(
    matcher: CrisisMatcher, suffix: str
) -> None:
    # Broadening the grammar for recall must not buy it with false alarms on any writer.
    negatives = _lines(f"no_alert{suffix}.jsonl")
    raised = [line for line in negatives if _alerts(matcher, line["text"])]
    rate = len(raised) / len(negatives)
    limit = GRAMMAR_FALSE_ALARMS_OVER_TARGET.get(suffix, 0.05)
    assert rate <= limit, (suffix, rate, Counter(line["category"] for line in raised))


@pytest.mark.parametrize(("name", "floor"), sorted(UNTOUCHED_WRITERS.items()))
def test_the_grammar_on_writers_it_was_never_changed_for(
    matcher: CrisisMatcher, name: str, floor: float
) -> None:
    positives, negatives = _lines(f"alert_{name}.jsonl"), _lines(f"no_alert_{name}.jsonl")
    assert len(positives) >= 200
    assert len(negatives) >= 200
    assert {line["category"] for line in positives} == POSITIVE_CATEGORIES
    assert {line["category"] for line in negatives} == NEGATIVE_CATEGORIES
    missed = [line for line in positives if not _alerts(matcher, line["text"])]
    recall = 1 - len(missed) / len(positives)
    assert recall >= floor, (recall, Counter(line["category"] for line in missed))


# Set P (2026-12-02, tests/data/crisis_eval/README.md) was written for the kinds of error the
# net made on held-out sets (a bare "try again", leaving a job, dated recovery stories, kin's
# history, advice to anyone, jokes marked not literal, games and plots, venting with a coping
# step; overdose by count, lethality questions, death wishes as images, farewells read after,
# self-harm with other tools). Before any change for it the grammar caught 70.5% of its first
# 139 must-alert lines with 22.6% false alarms on its first 155 ordinary ones (28 at HIGH). The
# guards and patterns were then written for its kinds, in rounds: each round's new phrasings
# were measured before the change for them and then added to the set (README), so these
# figures are in-sample.
SET_P_GRAMMAR_RECALL = 0.88
"""The grammar's recall floor on set P (measured 2026-12-02: 89.1%)."""


def test_set_p_is_large_enough_and_covers_every_category() -> None:
    positives, negatives = _lines("alert_p.jsonl"), _lines("no_alert_p.jsonl")
    assert len(positives) >= 120
    assert len(negatives) >= 120
    assert {line["category"] for line in positives} == POSITIVE_CATEGORIES
    assert {line["category"] for line in negatives} == NEGATIVE_CATEGORIES
    for line in positives:
        if line["category"] in {"passive", "burden", "hopeless"}:
            assert line["level"] == "concern", line
        elif line["category"] != "disguised":
            assert line["level"] == "high", line


def test_the_grammar_on_set_p(matcher: CrisisMatcher) -> None:
    positives, negatives = _lines("alert_p.jsonl"), _lines("no_alert_p.jsonl")
    missed = [line for line in positives if not _alerts(matcher, line["text"])]
    recall = 1 - len(missed) / len(positives)
    assert recall >= SET_P_GRAMMAR_RECALL, (recall, Counter(line["category"] for line in missed))
    # Almost none of its ordinary messages pages staff at once (before: 28 of the first 155
    # did). The one left is a holiday countdown ("3 more sleeps then im out of here, cancun
    # baby"), worded as a countdown plan is.
    high = [
        line["text"]
        for line in negatives
        if (found := matcher.match(line["text"])) is not None and found.level is Level.HIGH
    ]
    assert len(high) <= 1, high


# Set Q (2026-12-02, tests/data/crisis_eval/README.md) was written for the kinds of false alarm
# the net raised on held-out long posts and thread replies: Discord quote lines ("> ...") of
# another member's crisis, recovery stories told across sentences in a past form, questions
# and advice put to you, food and fun hyperbole; and hard positives (a quote reply whose own
# text is a crisis, "same" under a crisis quote, a present crisis buried in a long story, harm
# just done told in the past). Before any change for it the grammar caught 78.5% (84 / 107)
# with 47.4% false alarms (55 of 116, 40 at HIGH); the frames were then written for its kinds,
# so these figures are in-sample.
SET_Q_GRAMMAR_RECALL = 0.82
"""The grammar's recall floor on set Q (measured 2026-12-02: 83.2%)."""


def test_set_q_is_large_enough_and_labelled() -> None:
    positives, negatives = _lines("alert_q.jsonl"), _lines("no_alert_q.jsonl")
    assert len(positives) >= 100
    assert len(negatives) >= 100
    assert {line["category"] for line in positives} <= POSITIVE_CATEGORIES
    assert {line["category"] for line in negatives} <= NEGATIVE_CATEGORIES
    # Mostly long posts and quote replies.
    long_or_quoted = [
        line
        for line in positives + negatives
        if line["text"].startswith(">") or len(line["text"].split()) >= 40
    ]
    assert len(long_or_quoted) > (len(positives) + len(negatives)) / 2
    for line in positives:
        if line["category"] in {"passive", "burden", "hopeless"}:
            assert line["level"] == "concern", line
        else:
            assert line["level"] == "high", line


def test_the_grammar_on_set_q(matcher: CrisisMatcher) -> None:
    positives, negatives = _lines("alert_q.jsonl"), _lines("no_alert_q.jsonl")
    missed = [line for line in positives if not _alerts(matcher, line["text"])]
    recall = 1 - len(missed) / len(positives)
    assert recall >= SET_Q_GRAMMAR_RECALL, (recall, Counter(line["category"] for line in missed))
    # Few of its ordinary messages page staff at once (before: 40 of 116 did). Those left: a
    # config pasted in a code block (a code block is the writer's own text), a ">>> " quote
    # (which quotes the rest of the message, so the reply is a quote only and counts whole),
    # and a chip-night share whose sentence says "tonight".
    high = [
        line["text"]
        for line in negatives
        if (found := matcher.match(line["text"])) is not None and found.level is Level.HIGH
    ]
    assert len(high) <= 3, high
