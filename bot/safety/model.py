"""A small linear model behind the crisis-language grammar: a second look at what it misses.

The grammar (``bot.safety``) is the floor and decides whenever it matches. When it finds
nothing, this model reads the same normalised text (``Normaliser.read``: the grammar's own
reading, never a second normaliser) and gives a probability that the message should reach
staff, plus the most likely of the nine meaning categories for a positive.

Features are the words of the reading and its word pairs and triples (sentence ends ``.`` and
``?`` are words too, so "whats the point ?" is a feature), each present one weighted by its
inverse document frequency, the vector scaled to unit length over all the message's n-grams,
kept or not, repeats included (TF-IDF over binary counts: a long message is not louder than a
short one, and a short one is not read as its one known word). Messages shorter than
``min_words`` words are left to the grammar. The weights live in ``data/crisis_model.json``,
written by ``scripts/train_safety_model.py`` from the project's own hand-written evaluation
sets only (``tests/data/crisis_eval/``) and pruned to the features that matter. Scoring is one
set intersection and a sum: pure Python, linear in the length of the message, no numpy.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import chain, pairwise
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from bot.content import RESTORE, ContentModel, load_content
from bot.safety.values import Category

MODEL_FILE = "crisis_model.json"

MAX_GRAM = 3
"""Word n-grams up to this many words."""


def grams(text: str, size: int = MAX_GRAM) -> Iterator[str]:
    """The word 1- to ``size``-grams of a normalised reading (``Reading.text``), in order."""
    words = text.split()
    if size == 1:
        return iter(words)
    pairs = map(" ".join, pairwise(words))
    if size == 2:
        return chain(words, pairs)
    triples = map(" ".join, zip(words, words[1:], words[2:], strict=False))
    return chain(words, pairs, triples)


Key = str | tuple[str, ...]
"""A feature at run time: a word, or a tuple of words (hashing a tuple reuses its words'
cached hashes, so no joined string is built per n-gram)."""


_MARKS = frozenset({".", "?"})


def _key(gram: str) -> Key:
    return tuple(gram.split(" ")) if " " in gram else gram


def _keys(text: str, size: int) -> Iterator[Key]:
    """``grams`` as keys: the same features, without joining strings."""
    return _word_keys(text.split(), size)


def _word_keys(words: list[str], size: int) -> Iterator[Key]:
    """``_keys`` of a reading already split into words."""
    if size == 1:
        return iter(words)
    if size == 2:
        return chain(words, pairwise(words))
    return chain(words, pairwise(words), zip(words, words[1:], words[2:], strict=False))


def gram_count(text: str, size: int = MAX_GRAM) -> int:
    """How many n-grams ``grams`` yields, repeats included (the length counts them all)."""
    return _count(len(text.split()), size)


def _count(words: int, size: int) -> int:
    """``gram_count`` of a reading of ``words`` words."""
    return sum(max(0, words - k) for k in range(size))


def features(text: str, size: int = MAX_GRAM) -> set[str]:
    """The distinct word 1- to ``size``-grams of a normalised reading (what the model counts)."""
    return set(grams(text, size))


class ModelFile(ContentModel):
    """``data/crisis_model.json``: weights of the alert head and of the category head."""

    about: str = Field(min_length=1)
    trained_on: tuple[str, ...] = Field(min_length=1)
    max_gram: int = Field(ge=1, le=MAX_GRAM)
    """Features are word 1- to ``max_gram``-grams."""
    min_words: int = Field(ge=1)
    """Shorter messages are the grammar's alone: a word or two is too little evidence."""
    threshold: float = Field(gt=0, lt=1)
    """The probability from which a message alerts (chosen by leave-one-writer-out)."""
    bias: float
    unknown_idf: float = Field(gt=0)
    """The inverse document frequency a message's other n-grams count with in its length."""
    weights: dict[str, tuple[float, float]] = Field(min_length=1)
    """Each feature's weight and inverse document frequency."""
    categories: tuple[Category, ...] = Field(min_length=2)
    category_bias: tuple[float, ...]
    category_weights: dict[str, tuple[float, ...]] = Field(min_length=1)

    @field_validator("categories")
    @classmethod
    def _meaning_categories(cls, value: tuple[Category, ...]) -> tuple[Category, ...]:
        if Category.AMBIGUOUS in value:
            raise ValueError("may not include 'ambiguous' (a cue is never a model match)")
        if len(set(value)) != len(value):
            raise ValueError("lists a category twice")
        return value

    @model_validator(mode="after")
    def _shapes(self) -> ModelFile:
        for where, table in (
            ("weights", self.weights),
            ("category_weights", self.category_weights),
        ):
            for gram in table:
                words = gram.split(" ")
                if not 1 <= len(words) <= self.max_gram or not all(words):
                    raise ValueError(
                        f"{where} has {gram!r}, which is not 1 to {self.max_gram} words"
                    )
        size = len(self.categories)
        if len(self.category_bias) != size:
            raise ValueError(f"category_bias has {len(self.category_bias)} values, not {size}")
        for gram, row in self.category_weights.items():
            if len(row) != size:
                raise ValueError(f"category_weights[{gram!r}] has {len(row)} values, not {size}")
        if any(idf <= 0 for _, idf in self.weights.values()):
            raise ValueError("has an inverse document frequency that is not positive")
        numbers = [self.bias, *self.category_bias]
        numbers += [n for pair in self.weights.values() for n in pair]
        numbers += [w for row in self.category_weights.values() for w in row]
        if not all(math.isfinite(n) for n in numbers):
            raise ValueError("has a weight that is not a finite number")
        return self


class CrisisModel:
    """Scores a normalised reading: ``probability`` and, for a positive, ``category``."""

    def __init__(self, data: ModelFile) -> None:
        self.threshold = data.threshold
        self._size = data.max_gram
        self._min_words = data.min_words
        self._bias = data.bias
        self._known = frozenset(map(_key, data.weights))
        self._table = {_key(gram): (w * idf, idf * idf) for gram, (w, idf) in data.weights.items()}
        """Each kept feature's weight times its inverse document frequency, and the square of
        that frequency (its share of the length)."""
        self._unknown_square = data.unknown_idf * data.unknown_idf
        self._categories = data.categories
        self._category_bias = data.category_bias
        self._category_weights = {_key(g): row for g, row in data.category_weights.items()}

    @classmethod
    def from_content_dir(cls, content_dir: Path) -> CrisisModel:
        return cls(load_model_file(content_dir / MODEL_FILE))

    def probability(self, text: str) -> float:
        """How likely ``text`` (a normalised reading) is to need staff, from 0 to 1."""
        words = text.split()
        return self._probability(words) if self._long(words) else 0.0

    def _long(self, words: list[str]) -> bool:
        """Whether ``words`` has at least ``min_words`` words (sentence marks aside)."""
        return sum(word not in _MARKS for word in words[: self._min_words + 2]) >= self._min_words

    def _probability(self, words: list[str]) -> float:
        """TF-IDF over the distinct kept n-grams of ``words``, scaled to unit length over all of
        its n-grams (each one not kept, or repeated, counts at ``unknown_idf``)."""
        known = self._known.intersection(_word_keys(words, self._size))
        if known:
            weights, squares = zip(*map(self._table.__getitem__, known), strict=True)
        else:
            weights = squares = ()
        # The same sums, in the same order, as summing each table over ``known``.
        norm = sum(squares)
        norm += (_count(len(words), self._size) - len(known)) * self._unknown_square
        total = sum(weights) / math.sqrt(norm) if norm else 0.0
        score = self._bias + total
        if score < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-score))

    def category(self, text: str) -> Category:
        """The most likely meaning category of ``text`` (a normalised reading)."""
        return self._category(set(_keys(text, self._size)))

    def _category(self, found: set[Key]) -> Category:
        scores = list(self._category_bias)
        table = self._category_weights
        for row in filter(None, map(table.get, found)):
            for index, weight in enumerate(row):
                scores[index] += weight
        return self._categories[max(range(len(scores)), key=scores.__getitem__)]

    def classify(self, text: str) -> Category | None:
        """The category of ``text`` (a normalised reading) if it reaches the threshold."""
        words = text.split()
        if not self._long(words):
            return None
        if self._probability(words) < self.threshold:
            return None
        return self._category(set(_word_keys(words, self._size)))


def load_model_file(path: Path) -> ModelFile:
    """Read and check the model file; any problem becomes one sentence naming the file."""
    return load_content(
        path,
        ModelFile,
        restore=f"{RESTORE} or rebuild it with scripts/train_safety_model.py",
    )
