"""Train the safety net's model (data/crisis_model.json) and print how well it generalises.

    pip install -e ".[dev,train]"
    python scripts/train_safety_model.py            # train, print the figures, write the file
    python scripts/train_safety_model.py --check    # print only; exit 1 if the file differs

A development tool, never run by CI or the bot. It trains only on the project's own
hand-written evaluation sets (``tests/data/crisis_eval/alert*.jsonl`` and
``no_alert*.jsonl``; each pair is one writer), reads every message through the grammar's own
normaliser (``CrisisMatcher.normaliser``), and is deterministic: the same sets give the same
file, byte for byte.

It prints leave-one-writer-out figures: for each set, train on all the others and test on it,
for the grammar alone, the model alone and the two together (the grammar decides when it
matches; otherwise the model alerts from the threshold, where the matcher lets it look:
``CrisisMatcher.model_may_look``). The threshold is the one with the
highest mean combined recall whose leave-one-writer-out false alarms for the combination,
averaged over the writers, stay at most ``MAX_MEAN_FALSE_ALARMS`` (4%: a point of headroom
under the 5% target, since single writers spread around the mean); those figures are the
generalisation estimate, with recall per category over all held-out writers. Figures on
the sets the shipped model was trained on are in-sample and say little.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import numpy as np
    from scipy.sparse import csr_matrix, diags
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
except ImportError:  # pragma: no cover - the message is the point
    sys.exit('scikit-learn is missing: pip install -e ".[train]"')

from bot.safety import Category, CrisisMatcher, Level  # noqa: E402
from bot.safety.model import MODEL_FILE, CrisisModel, ModelFile, gram_count  # noqa: E402
from bot.safety.model import features as all_features  # noqa: E402

EVAL = ROOT / "tests" / "data" / "crisis_eval"
DATA = ROOT / "data"

SEED = 14
MIN_WORDS = 4
"""The model reads messages of at least this many words (the sets have almost no short
everyday messages, so it never learned that "good night everyone" is ordinary)."""
MAX_GRAM = 3
"""Word 1- to 3-grams (1- to 2-grams measured a point lower leave-one-writer-out: 75.2% v 76.2%
mean combined recall at the same false alarms, 2026-12-02)."""
C_ALERT = 30.0
"""Inverse L2 strength of the alert head (measured by leave-one-writer-out)."""
C_CATEGORY = 4.0
MIN_DF = 2
"""A feature must appear in at least this many training messages."""
KEEP_ALERT = 5000
"""The alert head keeps the features with its largest weights, up to this many, and is fitted
again on only those (so the shipped weights are exactly a model, not a cut one)."""
KEEP_CATEGORY = 1000
"""The category head keeps the features with the largest weights, up to this many."""
DIGITS = 4
MAX_FALSE_ALARMS = 0.05
MAX_MEAN_FALSE_ALARMS = 0.04
"""The threshold keeps the mean leave-one-writer-out false alarms at or under this (see choose).

Measured 2026-12-02 over sixteen writers (grammar + model, the matcher's gates applied):
threshold 0.679 gives 95.2% / 3.5%, 0.731 gives 94.1% / 3.0%, 0.777 gives 93.2% / 2.5% (and
in-sample recall on J and N fell to 90.6% and 92.4% there). Writers kept outside the project
ran a few points above this mean in false alarms, so the grammar and the gates carry the
false-alarm work; a stricter threshold costs recall on exactly the writers the grammar
catches least."""
LOGITS = tuple(round(0.25 * i, 2) for i in range(61))
"""Thresholds tried, as log-odds from 0 to 15 (a probability of 0.5 to 0.9999997)."""
MEANING = tuple(c for c in Category if c is not Category.AMBIGUOUS)
"""The nine categories the model predicts ("disguised" lines are left out of that head)."""


def features(text: str) -> set[str]:
    return all_features(text, MAX_GRAM)


@dataclass(frozen=True)
class Line:
    writer: str
    """The set it comes from: ``A``, ``B``…"""
    text: str
    """The normalised reading."""
    alert: bool
    category: str
    grammar: bool
    """Whether the grammar alone alerts on it."""
    asked: bool = True
    """Whether the matcher lets the model look at it (``CrisisMatcher.model_may_look``: not
    after a coping step, a not-literal marker, advice to anyone, ordinary leaving or a dated
    story)."""


def sets(matcher: CrisisMatcher) -> dict[str, list[Line]]:
    """Every in-repo writer's set: ``A`` is alert.jsonl, ``B`` alert_b.jsonl and so on."""
    found: dict[str, list[Line]] = {}
    for alert_path in sorted(EVAL.glob("alert*.jsonl")):
        suffix = alert_path.stem.removeprefix("alert")
        name = suffix.removeprefix("_").upper() or "A"
        lines: list[Line] = []
        for path, alert in ((alert_path, True), (EVAL / f"no_alert{suffix}.jsonl", False)):
            for raw in path.read_text("utf-8").splitlines():
                if raw.strip():
                    item = json.loads(raw)
                    found_match = matcher.match(item["text"])
                    reading = matcher.normaliser.read(matcher.quotes.of(item["text"]))
                    lines.append(
                        Line(
                            name,
                            reading.text,
                            alert,
                            item["category"],
                            found_match is not None
                            and found_match.level.rank >= Level.CONCERN.rank,
                            matcher.model_may_look(reading),
                        )
                    )
        found[name] = lines
    return found


def unit_rows(vectoriser: TfidfVectorizer, texts: list[str], unknown_idf: float) -> csr_matrix:
    """TF-IDF rows scaled to unit length over *all* of each message's n-grams: those the
    model does not keep, and repeats, count in the length at ``unknown_idf`` (as
    ``bot.safety.model`` does), so a short message is not read as its one known word."""
    matrix = vectoriser.transform(texts)
    sizes = np.array([gram_count(text, MAX_GRAM) for text in texts], dtype=float)
    unknown = sizes - matrix.getnnz(axis=1)
    squares = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    norms = np.sqrt(squares + unknown * unknown_idf**2)
    norms[norms == 0] = 1.0
    return csr_matrix(diags(1 / norms) @ matrix)


def train(lines: list[Line], threshold: float) -> ModelFile:
    """The model file's content, trained on ``lines``."""
    texts, labels = [line.text for line in lines], [line.alert for line in lines]
    vectoriser = TfidfVectorizer(analyzer=features, binary=True, min_df=MIN_DF)
    alert = LogisticRegression(C=C_ALERT, max_iter=5000, random_state=SEED)
    alert.fit(vectoriser.fit_transform(texts), labels)
    names, coefficients = vectoriser.get_feature_names_out(), alert.coef_[0]
    order = sorted(range(len(names)), key=lambda i: (-abs(coefficients[i]), names[i]))
    kept = sorted(str(names[i]) for i in order[:KEEP_ALERT])
    vectoriser = TfidfVectorizer(analyzer=features, binary=True, vocabulary=kept, norm=None)
    vectoriser.fit(texts)
    unknown_idf = math.log(1 + len(texts)) + 1
    alert = LogisticRegression(C=C_ALERT, max_iter=5000, random_state=SEED)
    alert.fit(unit_rows(vectoriser, texts, unknown_idf), labels)
    names, coefficients = vectoriser.get_feature_names_out(), alert.coef_[0]
    weights = {
        str(name): (round(float(weight), DIGITS), round(float(idf), DIGITS))
        for name, weight, idf in zip(names, coefficients, vectoriser.idf_, strict=True)
    }

    positives = [line for line in lines if line.alert and line.category in MEANING]
    vectoriser = CountVectorizer(analyzer=features, binary=True, min_df=MIN_DF)
    matrix = vectoriser.fit_transform([line.text for line in positives])
    names = vectoriser.get_feature_names_out()
    head = LogisticRegression(C=C_CATEGORY, max_iter=5000, random_state=SEED)
    head.fit(matrix, [line.category for line in positives])
    classes = [str(c) for c in head.classes_]
    strength = abs(head.coef_).max(axis=0)
    order = sorted(range(len(names)), key=lambda i: (-strength[i], names[i]))
    rows = {
        str(names[i]): tuple(round(float(w), DIGITS) for w in head.coef_[:, i])
        for i in order[:KEEP_CATEGORY]
    }
    return ModelFile(
        about=(
            "Weights of the safety net's model (bot/safety/model.py), written by "
            "scripts/train_safety_model.py from tests/data/crisis_eval only; do not edit."
        ),
        trained_on=tuple(sorted({line.writer for line in lines})),
        max_gram=MAX_GRAM,
        min_words=MIN_WORDS,
        threshold=round(threshold, 8),
        bias=round(float(alert.intercept_[0]), DIGITS),
        unknown_idf=round(unknown_idf, DIGITS),
        weights=dict(sorted(weights.items())),
        categories=tuple(Category(c) for c in classes),
        category_bias=tuple(round(float(b), DIGITS) for b in head.intercept_),
        category_weights=dict(sorted(rows.items())),
    )


@dataclass(frozen=True)
class Figures:
    recall: float
    false_alarms: float


def figures(lines: list[Line], alerts: list[bool]) -> Figures:
    positives = [a for line, a in zip(lines, alerts, strict=True) if line.alert]
    negatives = [a for line, a in zip(lines, alerts, strict=True) if not line.alert]
    return Figures(sum(positives) / len(positives), sum(negatives) / len(negatives))


def leave_one_writer_out(
    by_set: dict[str, list[Line]],
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """For each set, trained without it: the probability of each of its lines, and how often
    the category head names the labelled category of its positives (disguised ones aside)."""
    held: dict[str, list[float]] = {}
    right: dict[str, float] = {}
    for name, lines in by_set.items():
        rest = [line for other, ls in by_set.items() if other != name for line in ls]
        model = CrisisModel(train(rest, 0.5))
        held[name] = [model.probability(line.text) for line in lines]
        labelled = [line for line in lines if line.alert and line.category in MEANING]
        right[name] = mean([model.category(line.text) == line.category for line in labelled])
    return held, right


def table(
    by_set: dict[str, list[Line]], held: dict[str, list[float]], threshold: float
) -> list[tuple[str, Figures, Figures, Figures]]:
    rows = []
    for name, lines in by_set.items():
        model = [p >= threshold for p in held[name]]
        grammar = [line.grammar for line in lines]
        both = [g or (m and line.asked) for g, m, line in zip(grammar, model, lines, strict=True)]
        rows.append((name, figures(lines, grammar), figures(lines, model), figures(lines, both)))
    return rows


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def choose(by_set: dict[str, list[Line]], held: dict[str, list[float]]) -> float:
    """The threshold with the best mean combined recall at mean leave-one-writer-out false
    alarms ≤ ``MAX_MEAN_FALSE_ALARMS``."""
    best: tuple[float, float] | None = None
    for logit in LOGITS:
        threshold = 1 / (1 + math.exp(-logit))
        rows = table(by_set, held, threshold)
        # A writer on whom the grammar alone already passes 5% cannot be brought under it by
        # any threshold: that is for the data file to fix, and the table shows it.
        # The mean over writers, with a point of headroom: the writers' false alarms spread
        # from 0% to 9% around it (eleven writers, 2026-12-02), and a new writer can be
        # anywhere in that spread. (Requiring at most 5% on every writer leaves no threshold
        # once one writer's grammar alone is over 5%, and the strictest threshold that allows
        # cost about 6 points of recall.)
        false_alarms = mean([both.false_alarms for *_, both in rows])
        recall = mean([both.recall for *_, both in rows])
        if false_alarms <= MAX_MEAN_FALSE_ALARMS and (best is None or recall > best[1]):
            best = (threshold, recall)
    if best is None:
        sys.exit("no threshold keeps the leave-one-writer-out false alarms at 5%")
    return best[0]


def per_category(
    by_set: dict[str, list[Line]], held: dict[str, list[float]], threshold: float
) -> None:
    """Leave-one-writer-out recall per category, over every held-out writer's positives."""
    caught: dict[str, list[int]] = {}
    for name, lines in by_set.items():
        for line, p in zip(lines, held[name], strict=True):
            if line.alert:
                counts = caught.setdefault(line.category, [0, 0, 0])
                counts[0] += line.grammar
                counts[1] += line.grammar or (line.asked and p >= threshold)
                counts[2] += 1
    print("\nLeave-one-writer-out recall per category (all held-out writers)")
    print("| category | grammar | grammar + model | messages |")
    print("| --- | --- | --- | --- |")
    for category, (grammar, both, total) in sorted(caught.items()):
        print(f"| {category} | {grammar / total:.1%} | {both / total:.1%} | {total} |")


def model_alone_at_5(by_set: dict[str, list[Line]], held: dict[str, list[float]]) -> float:
    """For comparison: the lowest threshold at which the model alone stays at most 5% on
    every held-out set (its own false alarms, ignoring the grammar's)."""
    for logit in LOGITS:
        threshold = 1 / (1 + math.exp(-logit))
        rows = table(by_set, held, threshold)
        if all(model.false_alarms <= MAX_FALSE_ALARMS for _, _, model, _ in rows):
            return threshold
    return 1 / (1 + math.exp(-LOGITS[-1]))


def show(rows: list[tuple[str, Figures, Figures, Figures]], title: str) -> None:
    print(f"\n{title}")
    print(
        "| set | grammar recall | grammar false alarms | model recall | model false alarms "
        "| combined recall | combined false alarms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, grammar, model, both in rows:
        cells = [
            f"{f:.1%}" for fig in (grammar, model, both) for f in (fig.recall, fig.false_alarms)
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    means = [
        mean([getattr(row[k], attr) for row in rows])
        for k in (1, 2, 3)
        for attr in ("recall", "false_alarms")
    ]
    print("| **mean** | " + " | ".join(f"**{m:.1%}**" for m in means) + " |")


def build() -> tuple[ModelFile, dict[str, list[Line]], dict[str, list[float]], dict[str, float]]:
    matcher = CrisisMatcher.from_content_dir(DATA)
    by_set = sets(matcher)
    held, right = leave_one_writer_out(by_set)
    threshold = choose(by_set, held)
    everything = [line for lines in by_set.values() for line in lines]
    return train(everything, threshold), by_set, held, right


def render(model: ModelFile) -> str:
    """The file's text: compact, one feature a line (so a retrain diffs readably)."""

    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    parts = []
    for key, value in model.model_dump(mode="json").items():
        if isinstance(value, dict):
            inner = ",\n".join(f"{dump(k)}:{dump(v)}" for k, v in value.items())
            parts.append(f"{dump(key)}:{{\n{inner}\n}}")
        else:
            parts.append(f"{dump(key)}:{dump(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args()
    model, by_set, held, right = build()
    sizes = ", ".join(
        f"{name}: {sum(line.alert for line in ls)} alert / {sum(not line.alert for line in ls)}"
        for name, ls in by_set.items()
    )
    print(f"sets: {sizes}")
    show(
        table(by_set, held, model.threshold),
        f"Leave-one-writer-out (threshold {model.threshold:.6g}): trained without the set",
    )
    per_category(by_set, held, model.threshold)
    print(
        "\nCategory head, leave-one-writer-out: the labelled category named for "
        + ", ".join(f"{name} {share:.1%}" for name, share in right.items())
        + f" of the positives (mean {mean(list(right.values())):.1%}; chance about 11%)"
    )
    other = model_alone_at_5(by_set, held)
    show(
        table(by_set, held, other),
        f"For comparison, not shipped: leave-one-writer-out at threshold {other:.6g}, the "
        "lowest where the model alone stays at most 5% on every set",
    )
    shipped = CrisisModel(model)
    in_sample = {
        name: [shipped.probability(line.text) for line in lines] for name, lines in by_set.items()
    }
    show(table(by_set, in_sample, model.threshold), "In-sample (the shipped model on its own data)")
    text = render(model)
    print(
        f"\n{len(model.weights)} alert features, {len(model.category_weights)} category "
        f"features, {len(text.encode()) / 1024:.0f} KB"
    )
    path = DATA / MODEL_FILE
    if args.check:
        same = path.exists() and path.read_text("utf-8") == text
        print(f"{path}: {'up to date' if same else 'differs from what this script writes'}")
        sys.exit(0 if same else 1)
    path.write_text(text, "utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
