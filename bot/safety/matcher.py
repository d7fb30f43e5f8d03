"""The matcher: ``CrisisMatcher`` finds the most severe crisis language in a message and
returns a ``Match`` (a category and level, never the text).

Only the patterns whose anchor word is in the message are tried, and only where the anchor
stands; the most severe match wins, and signals in one message may combine into a higher one.
When the grammar finds nothing that alerts, the optional model (``SecondLook``) has a look.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, pairwise
from pathlib import Path

from bot.content import ContentError, load_toml
from bot.safety.abbreviations import Abbreviated
from bot.safety.guards import _GuardSet
from bot.safety.normaliser import Normaliser, Reading, Speller, _Lexicon
from bot.safety.patterns import (
    _COMMON,
    _REGEXES,
    _TOP,
    PatternError,
    Rule,
    _Anchor,
    _compile_pattern,
    _Entry,
    _Piece,
    _regex,
)
from bot.safety.phrase_file import PHRASES_FILE, PhraseFile, Phrases
from bot.safety.quotes import OwnWords
from bot.safety.values import CATEGORY_ORDER, LEVEL_OF, Category, Level, SecondLook

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Match:
    """Which kind of crisis language was found, and how urgent. Deliberately holds no text."""

    category: Category
    level: Level

    @classmethod
    def of(cls, category: Category) -> Match:
        """A match at the level its category carries on its own."""
        return cls(category, LEVEL_OF[category])


class CrisisMatcher:
    """Finds crisis language in a message; ``match`` returns a category and level or ``None``."""

    def __init__(
        self,
        phrases: PhraseFile,
        *,
        source: str = PHRASES_FILE,
        model: SecondLook | None = None,
    ) -> None:
        self.model = model
        """The second look when the grammar finds nothing (``bot.safety.model``), if any."""
        rules: list[Rule] = []
        vocabulary: set[str] = set()
        spell = Speller(phrases.rewrite, phrases.ignore.phrases)
        words = {
            name: tuple(dict.fromkeys(map(spell, listed))) for name, listed in phrases.words.items()
        }
        for phrases_of_list in chain(phrases.words.values(), words.values()):
            for phrase in phrases_of_list:
                vocabulary.update(phrase.split(" "))
        groups: list[tuple[Category, str, Phrases]] = [
            (category, category.value, getattr(phrases, category.value))
            for category in CATEGORY_ORDER
        ]
        groups.extend((Category.AMBIGUOUS, name, cue) for name, cue in phrases.cues.items())
        pieces_of: dict[str, _Piece] = {}
        """Each pattern token read once (the same lists recur in many patterns)."""
        for category, label, group in groups:
            where = label if label == category.value else f"cues.{label}"
            for index, pattern in enumerate(group.patterns):
                try:
                    compiled = _compile_pattern(pattern, words, pieces_of, spell)
                except PatternError as error:
                    raise ContentError(
                        f"The content file {source} has a problem at "
                        f"`{where}.patterns.{index}`: the pattern {pattern!r} {error}."
                    ) from None
                vocabulary.update(_WORD.findall(pattern.replace("_", " ")))
                guards = frozenset(group.guards)
                if compiled.no_before_guards:
                    guards -= {"others", "negation", "past"}
                rules.append(
                    Rule(
                        category,
                        LEVEL_OF[category],
                        compiled,
                        guards,
                        pattern,
                        len(rules),
                        label,
                    )
                )
        for spelling in phrases.rewrite.values():
            vocabulary.update(spelling.split())
        vocabulary.update(_COMMON)
        rank = {category: i for i, category in enumerate(CATEGORY_ORDER)}
        rules.sort(key=lambda r: (-r.level.rank, rank[r.category], r.order))
        self.rules = tuple(rules)
        self._by_anchor: dict[str, _Anchor] = {}
        for position, rule in enumerate(self.rules):
            for word, left, right, before, after, nexts, prevs in rule.compiled.anchored:
                entry = _Entry(
                    rule,
                    position,
                    f" {left} " if left else "",
                    f" {right} " if right else "",
                    before,
                    after,
                    _needs(rule.compiled.requires, word),
                )
                self._by_anchor.setdefault(word, _Anchor({}, {}, [])).add(entry, nexts, prevs)
            if not rule.compiled.anchored:
                for word in _WORD.findall(rule.source.replace("_", " ")):
                    if word not in _COMMON:
                        whole = _Entry(
                            rule, position, "", "", None, None, _needs(rule.compiled.requires)
                        )
                        anchor = self._by_anchor.setdefault(word, _Anchor({}, {}, []))
                        anchor.add(whole, None, None)
        self._anchors = frozenset(self._by_anchor)
        single: dict[str, list[_Entry]] = {}
        pairs: dict[tuple[str, str], tuple[list[_Entry], list[_Entry]]] = {}
        for word, anchor in self._by_anchor.items():
            if anchor.any_next:
                single[word] = anchor.any_next
            for then, entries in anchor.by_next.items():
                pairs.setdefault((word, then), ([], []))[0].extend(entries)
            for previous, entries in anchor.by_previous.items():
                pairs.setdefault((previous, word), ([], []))[1].extend(entries)
        self._single = {word: _by_needs(entries) for word, entries in single.items()}
        """Entries tried wherever their anchor word stands, grouped by what else they need."""
        self._pairs = {pair: (_by_needs(a), _by_needs(b)) for pair, (a, b) in pairs.items()}
        """Entries tried where a word pair stands: those anchored on its first word (the
        second is the word that must follow) and those anchored on its second."""
        self._single_words = frozenset(self._single)
        self._pair_keys = frozenset(self._pairs)
        self._guards = _GuardSet(phrases.guards, spell)
        self._combine = phrases.combine
        self.quotes = OwnWords(phrases.quotes.agree, phrases.quotes.most_words)
        """Which lines of a reply are its writer's own (Discord quote lines left out)."""
        self.normaliser = Normaliser(
            _Lexicon.of(vocabulary),
            phrases.rewrite,
            phrases.ignore.phrases,
            Abbreviated.of(phrases.abbreviations),
        )

    @classmethod
    def from_content_dir(
        cls, content_dir: Path, *, model: SecondLook | None = None
    ) -> CrisisMatcher:
        path = content_dir / PHRASES_FILE
        return cls(load_toml(path, PhraseFile), source=str(path), model=model)

    def compile_all(self) -> None:
        """Compile every pattern's regexes now; otherwise each is compiled when first needed.

        Building the matcher only reads the patterns (and so checks them), which keeps
        start-up short. This takes a few hundred milliseconds of pure Python: call it on a
        worker thread (``asyncio.to_thread``); it gives the interpreter back between regexes,
        so the event loop is never held for long. Matching meanwhile stays correct: a regex
        not yet compiled is compiled where it is first needed.
        """
        entries = dict.fromkeys(
            entry
            for anchor in self._by_anchor.values()
            for entry in chain(
                anchor.any_next, *anchor.by_next.values(), *anchor.by_previous.values()
            )
            if entry.before is not None and entry.after is not None
        )
        sources = [source for entry in entries for source in (entry.before, entry.after)]
        for source in dict.fromkeys(sources):
            if source is not None and source not in _REGEXES:
                _regex(source)
                time.sleep(0)  # let a waiting thread (the event loop) run
        for entry in entries:
            entry.compiled()

    def match(self, text: str) -> Match | None:
        """The most severe crisis language in ``text`` (its category and level), or ``None``."""
        # Mutation testing, equivalent: ``and`` in the first test (an empty or blank reading
        # matches nothing), ``or`` for ``ones_read and`` (without a 1 read the l reading is the
        # same text) and any ``one`` but "i" (it selects the l table).
        if not text or text.isspace():
            return None
        text = self.quotes.of(text)
        reading = self.normaliser.read(text)
        found = self._match(reading)
        if reading.ones_read and (found is None or found.level is not Level.HIGH):
            other = self._match(self.normaliser.read(text, one="l"))
            if other is not None and (found is None or other.level.rank > found.level.rank):
                found = other
        if (
            self.model is not None
            and (found is None or found.level is Level.CUE)
            and self.model_may_look(reading)
        ):
            found = self._second_look(self.model, reading) or found
        return found

    def model_may_look(self, reading: Reading) -> bool:
        """Whether the model may take its second look at ``reading`` at all: not after a coping
        step that did not fail, a not-literal marker, advice to anyone, ordinary leaving or a
        story dated by a year or an age (frames its n-grams cannot see; ``bot.safety.guards``).
        The training script uses the same test, so its figures are the shipped behaviour."""
        return not self._guards.model_not_asked(reading.text, reading.words)

    @staticmethod
    def _second_look(model: SecondLook, reading: Reading) -> Match | None:
        """The model's match when the grammar found nothing that alerts: never above CONCERN.

        The model is less certain than a pattern, so what it finds gets the gentle private
        check-in and a quiet staff note, under the category it finds most likely.
        """
        category = model.classify(reading.text)
        return None if category is None else Match(category, Level.CONCERN)

    def _match(self, reading: Reading) -> Match | None:
        words = reading.words
        if self._anchors.isdisjoint(words):
            return None
        text = reading.text
        tokens = text.split(" ")
        singles = self._single_words.intersection(words)
        pairs = self._pair_keys.intersection(pairwise(tokens))
        if not singles and not pairs:
            return None
        viable: dict[tuple[frozenset[str], ...], bool] = {}
        # Mutation testing, equivalent: ``possible`` is a cache and a pre-filter (a rule whose
        # needs are missing cannot match), so breaking the cache or answering True changes no
        # result; nor does which of the two searches runs (``- / >=`` below: both find the same
        # places, pinned by test_safety_engine.py).

        def possible(needs: tuple[frozenset[str], ...]) -> bool:
            """Whether ``words`` has a word of each of ``needs`` (an entry's other parts)."""
            known = viable.get(needs)
            if known is None:
                known = True
                for need in needs:
                    if need.isdisjoint(words):
                        known = False
                        break
                viable[needs] = known
            return known

        tries: dict[_Entry, list[tuple[int, int]]] = {}
        if len(singles) + len(pairs) > _MOST_SEARCHES:
            self._tries_by_token(tokens, words, possible, tries)
        else:
            self._tries_by_search(text, singles, pairs, possible, tries)
        if not tries:
            return None
        backwards = text[::-1]
        entries = sorted(tries.items(), key=lambda item: item[0].position)
        best: Rule | None = None
        found_rules: dict[int, Rule] = {}
        for entry, places in entries:
            rule = entry.rule
            if entry.position in found_rules:
                continue
            if entry.before is None:
                if not self._found(rule, text, 0, len(text)):
                    continue
            elif not self._found_at(entry, text, backwards, places):
                continue
            if rule.level is Level.HIGH:
                return Match(rule.category, rule.level)
            found_rules[entry.position] = rule
            best = best or rule
        if best is None:
            return None
        found = Match(best.category, best.level)
        signals = Counter(rule.label for rule in found_rules.values())
        for combination in self._combine:
            if all(signals[name] >= combination.when.count(name) for name in combination.when):
                combined = Match.of(combination.category)
                if combined.level.rank > found.level.rank:
                    found = combined
        return found

    def _tries_by_search(
        self,
        text: str,
        singles: frozenset[str],
        pairs: frozenset[tuple[str, str]],
        possible: Callable[[tuple[frozenset[str], ...]], bool],
        tries: dict[_Entry, list[tuple[int, int]]],
    ) -> None:
        """Where each viable entry's anchor word stands, found with ``str.find`` (in C).

        A place is (the space before the anchor word, the space after it). `` word `` in the
        text is always one whole token: the text is words between single spaces.
        """
        for word in singles:
            entries = _viable(self._single[word], possible)
            # ``words`` may still hold a word a rewrite replaced: it has no place then.
            places = _places(text, f" {word} ", 0, len(word) + 1) if entries else []
            if places:
                for entry in entries:
                    tries.setdefault(entry, []).extend(places)
        for pair in pairs:
            by_first, by_second = self._pairs[pair]
            firsts = _viable(by_first, possible)
            seconds = _viable(by_second, possible)
            if not (firsts or seconds):
                continue
            first, second = pair
            needle = f" {first} {second} "
            if firsts:
                places = _places(text, needle, 0, len(first) + 1)
                for entry in firsts:
                    tries.setdefault(entry, []).extend(places)
            if seconds:
                offset = len(first) + 1
                places = _places(text, needle, offset, offset + len(second) + 1)
                for entry in seconds:
                    tries.setdefault(entry, []).extend(places)

    def _tries_by_token(
        self,
        tokens: list[str],
        words: frozenset[str],
        possible: Callable[[tuple[frozenset[str], ...]], bool],
        tries: dict[_Entry, list[tuple[int, int]]],
    ) -> None:
        """The same places, found in one pass over the tokens (for messages with many
        anchor words, where searching once per word would cost more)."""
        hits = self._anchors.intersection(words)
        by_anchor = self._by_anchor
        at = 0
        for index, token in enumerate(tokens):
            if token in hits:
                anchor = by_anchor[token]
                place = (at - 1, at + len(token))
                for entry in anchor.any_next:
                    if possible(entry.needs):
                        tries.setdefault(entry, []).append(place)
                if anchor.by_next:
                    for entry in anchor.by_next.get(tokens[index + 1], ()):
                        if possible(entry.needs):
                            tries.setdefault(entry, []).append(place)
                if anchor.by_previous:
                    for entry in anchor.by_previous.get(tokens[index - 1], ()):
                        if possible(entry.needs):
                            tries.setdefault(entry, []).append(place)
            at += len(token) + 1

    def _found_at(
        self, entry: _Entry, text: str, backwards: str, places: list[tuple[int, int]]
    ) -> bool:
        """Whether ``entry``'s rule counts around one of the anchor word's ``places``."""
        before_regex, after_regex = entry.compiled()
        # Mutation testing: ``endswith(left, None, …)`` is equivalent (None is 0).
        rule, left, right = entry.rule, entry.left, entry.right
        size = len(text)
        for space, word_end in places:
            if left:
                if not text.endswith(left, 0, space + 1):
                    continue
                piece_start = space + 2 - len(left)
            else:
                piece_start = space + 1
            if right:
                if not text.startswith(right, word_end):
                    continue
                piece_end = word_end + len(right)
            else:
                piece_end = word_end + 1
            after = after_regex.match(text, piece_end)
            if after is None:
                continue
            before = before_regex.match(backwards, size - piece_start)
            if before is None:
                continue
            start = size - before.end()
            if rule.not_after and _after(text, start, rule.not_after):
                continue
            if not self._guards.blocks(text, start, after.end(), rule.guards):
                return True
        return False

    def _found(self, rule: Rule, text: str, low: int, high: int) -> bool:
        # Mutation testing: ``finditer`` without ``high`` is equivalent (callers pass the end).
        for found in rule.regex.finditer(text, low, high):
            start = found.start()
            if rule.not_after and _after(text, start, rule.not_after):
                continue
            if not self._guards.blocks(text, start, found.end(), rule.guards):
                return True
        return False

    def explain(self, text: str) -> list[str]:
        """Every pattern that counts in ``text`` (for writing patterns and tests; never logged)."""
        reading = self.normaliser.read(self.quotes.of(text))
        return [
            f"{rule.label}: {rule.source}"
            for rule in self.rules
            if self._found(rule, reading.text, 0, len(reading.text))
        ]


def _needs(requires: tuple[frozenset[str], ...], anchor: str = "") -> tuple[frozenset[str], ...]:
    """``requires`` without the parts ``anchor`` meets, the most selective first (the order
    only makes a failing check end sooner)."""
    return tuple(
        sorted(
            (need for need in requires if anchor not in need),
            key=lambda need: (not need.isdisjoint(_TOP), not need.isdisjoint(_COMMON), len(need)),
        )
    )


def _by_needs(
    entries: list[_Entry],
) -> tuple[tuple[tuple[frozenset[str], ...], tuple[_Entry, ...]], ...]:
    """``entries`` grouped by their ``needs`` (many share them), each checked once."""
    groups: dict[tuple[frozenset[str], ...], list[_Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.needs, []).append(entry)
    return tuple((needs, tuple(group)) for needs, group in groups.items())


def _viable(
    groups: tuple[tuple[tuple[frozenset[str], ...], tuple[_Entry, ...]], ...],
    possible: Callable[[tuple[frozenset[str], ...]], bool],
) -> list[_Entry]:
    return [entry for needs, group in groups if possible(needs) for entry in group]


_MOST_SEARCHES = 64
"""Up to this many anchor words and word pairs in a message, each is found with a search of
the text; beyond, one pass over its tokens finds them all (so the time stays linear)."""


def _places(text: str, needle: str, start: int, end: int) -> list[tuple[int, int]]:
    """(``start``, ``end``) after each place ``needle`` stands in ``text``, overlaps included."""
    places = []
    at = text.find(needle)
    while at != -1:
        places.append((at + start, at + end))
        at = text.find(needle, at + 1)
    return places


def _after(text: str, start: int, words: frozenset[str]) -> bool:
    """Whether the word before ``start`` (a match's leading space) is one of ``words``.

    ``#`` among ``words`` stands for any number.
    """
    head = text.rfind(" ", 0, start)
    word = text[head + 1 : start]
    return word in words or ("#" in words and word[:1].isdigit())
