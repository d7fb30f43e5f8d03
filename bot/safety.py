"""The crisis-language safety net: a small grammar over normalised text, and the match record.

The matcher is plain Python (no Discord). It reads a message once into a normalised form,
then looks for *ways of saying it* written in ``data/crisis_phrases.toml``: patterns over
words and word lists (``{wish_die} die``, ``wish|wished i|id was|were dead``), grouped by
category, plus cue groups that count only together (``[[combine]]``). It returns only the
category and its level, never the text, so nothing downstream can store or log a member's
words by accident.

Normalisation (each step once, each linear in the length of the message; most are skipped
by a cheap check when the message has nothing for them):

1. Unicode NFKC, case-folding, invisible characters removed, Cyrillic and Greek look-alikes
   and accents mapped to plain letters, a few emoji read as words (``💀`` → ``kill``);
   plain ASCII, most messages, is only lowercased.
2. Look-alikes inside a word are read as letters: ``k!ll`` → ``kill``, ``su1c1de`` →
   ``suicide``, ``$`` → ``s``; a ``1`` is read as ``i`` first and as ``l`` if that finds
   nothing high; numbers with units ("5km", "3am", "10mg") are left alone. Censoring
   asterisks are resolved against the words the grammar knows (``k*ll`` → ``kill``).
3. Dotted abbreviations are joined (``o.d.`` → ``od``); apostrophes vanish (``don't`` →
   ``dont``); ``. ! ? ;`` and new lines end a sentence; every other symbol is a space (one
   ``str.translate``).
4. Spaced-out letters are joined when they spell known words (``k i l l  m y s e l f`` →
   ``kill myself``); stretched letters are read as the word they stretch (``kiiiilllll`` →
   ``kill``, ``offfff`` → ``off``). Doubled letters are kept, so "of myself" is never
   "off myself".
5. Slang is rewritten to plain words (``unalive`` → ``die``, ``sewerslide`` → ``suicide``,
   ``theyd`` → ``they would``) and set phrases that only look like crisis language are
   blanked ("killing myself laughing", "in the end").

Matching: every pattern is anchored on a word of its least common required part. Only the
patterns whose anchor word is in the message are tried, and only where the anchor stands
(and where the word next to it fits): the words after the anchor are matched forwards and
the words before it backwards, on the reversed text, so each try costs about the length of
the pattern, never the length of the message. The time is linear in the length of the
message, with no pathological input (``benchmarks/safety.py`` measures it).

A found pattern still does not count when the words just before it name someone else ("my
friend", "he", "you", "who"), negate it ("i don't", "i would never") or put it in the past
("used to"); nor when its sentence tells a recovery story ("years ago", "when i was using")
without bringing it back to now ("again", "still"), quotes a crisis line to others ("call
988 if you're…"), asks how to help someone else, reports someone else's words, or is about
the topic ("awareness"). Each category chooses its guards in the data file. The most severe
match wins (high over concern over cue); two signals in one message may combine into a
higher one (a goodbye next to "i'm done" is a farewell).

When the grammar finds nothing that alerts, an optional small model (``bot.safety_model``,
passed in as ``model``) reads the same normalised text; what it finds is at most ``CONCERN``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain, pairwise
from pathlib import Path
from typing import Protocol

from pydantic import Field, field_validator, model_validator

from bot.content import ContentError, ContentModel, load_toml
from bot.db import Database

log = logging.getLogger(__name__)


class SecondLook(Protocol):
    """What the matcher needs of the optional model (``bot.safety_model.CrisisModel``): the
    category it finds most likely in a normalised reading, or None."""

    def classify(self, text: str) -> Category | None: ...


PHRASES_FILE = "crisis_phrases.toml"
REPLY_COOLDOWN = dt.timedelta(minutes=10)
"""A member gets at most one safety-net reply (and staff one alert) per this long."""


class Level(StrEnum):
    """How urgently staff should hear about a signal.

    ``CUE`` never alerts on its own (an ambiguous "bye guys", "i'm done"): it only raises a
    signal from the same member a few minutes before or after (see ``bot.safety_memory``).
    ``CONCERN`` (a passive wish, hopelessness, feeling a burden) gets the member a gentle
    private check-in and staff a quiet note. ``HIGH`` (wanting to die by suicide, a method, a
    plan or a time, a goodbye, self-harm, overdose intent) pings the staff role at once.
    """

    CUE = "cue"
    CONCERN = "concern"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _LEVEL_RANK[self]


_LEVEL_RANK = {Level.CUE: 0, Level.CONCERN: 1, Level.HIGH: 2}


class Category(StrEnum):
    """What kind of crisis language was found (after the C-SSRS and the interpersonal theory).

    Disguised forms (spacing, leetspeak, look-alikes, slang such as "kms") are not a category
    of their own: they are read as what they mean.
    """

    PASSIVE = "passive"
    """A wish to be dead or not to exist."""
    ACTIVE = "active"
    """Wanting to kill oneself, without a method."""
    METHOD = "method"
    """A method or means tied to oneself."""
    PLAN = "plan"
    """Intent, a plan or a time."""
    FAREWELL = "farewell"
    """Preparatory acts and goodbyes."""
    BURDEN = "burden"
    """Feeling a burden, or that one does not belong."""
    HOPELESS = "hopeless"
    """Hopelessness and feeling trapped."""
    SELF_HARM = "self_harm"
    """Hurting oneself."""
    OVERDOSE = "overdose"
    """Overdose intent, including not caring whether one survives using."""
    AMBIGUOUS = "ambiguous"
    """A cue that means something only next to another signal ("bye everyone", "i'm done")."""


LEVEL_OF: dict[Category, Level] = {
    Category.PASSIVE: Level.CONCERN,
    Category.BURDEN: Level.CONCERN,
    Category.HOPELESS: Level.CONCERN,
    Category.ACTIVE: Level.HIGH,
    Category.METHOD: Level.HIGH,
    Category.PLAN: Level.HIGH,
    Category.FAREWELL: Level.HIGH,
    Category.SELF_HARM: Level.HIGH,
    Category.OVERDOSE: Level.HIGH,
    Category.AMBIGUOUS: Level.CUE,
}
"""The level a category carries on its own; a short memory may raise it."""


DM = "dm"
"""The category recorded for a direct message to the bot (never matched, always answered)."""


# --------------------------------------------------------------------------- content

CATEGORY_ORDER: tuple[Category, ...] = (
    Category.ACTIVE,
    Category.METHOD,
    Category.OVERDOSE,
    Category.PLAN,
    Category.SELF_HARM,
    Category.FAREWELL,
    Category.PASSIVE,
    Category.BURDEN,
    Category.HOPELESS,
    Category.AMBIGUOUS,
)
"""Ties within a level are reported in this order."""

GUARDS = (
    "others",
    "negation",
    "past",
    "story",
    "resources",
    "helping",
    "reported",
    "topic",
)
"""The checks a category's patterns pass unless its ``guards`` says otherwise."""

KNOWN_GUARDS = (*GUARDS, "returning")
"""The checks a category's patterns pass through (``guards`` in the data file)."""

_TEMPLATE_CHARS = re.compile(r"[a-z0-9 {}_|\[\]!<.$^#~@]+")
_WORD = re.compile(r"[a-z0-9]+")
_LIST_NAME = re.compile(r"\{([a-z_]+)\}")


class Phrases(ContentModel):
    """The patterns of one category."""

    description: str = Field(min_length=1, max_length=300)
    patterns: tuple[str, ...] = Field(min_length=1)
    guards: tuple[str, ...] = GUARDS

    @field_validator("patterns")
    @classmethod
    def _plain(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, pattern in enumerate(value):
            if not pattern or _TEMPLATE_CHARS.fullmatch(pattern) is None:
                raise ValueError(
                    f"pattern {index + 1} ({pattern!r}) may use only lowercase letters, "
                    "digits, spaces and { } [ ] | ! < . $ ^"
                )
        return value

    @field_validator("guards")
    @classmethod
    def _known_guards(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(KNOWN_GUARDS))
        if unknown:
            raise ValueError(f"unknown guard {unknown[0]!r} (known: {', '.join(KNOWN_GUARDS)})")
        return value


class Guards(ContentModel):
    """Words that stop a pattern from counting (see the data file for each one's rule)."""

    others: tuple[str, ...] = Field(min_length=1)
    negation: tuple[str, ...] = Field(min_length=1)
    not_negation_after: tuple[str, ...] = ()
    past: tuple[str, ...] = Field(min_length=1)
    between: tuple[str, ...] = Field(min_length=1)
    story: tuple[str, ...] = Field(min_length=1)
    present: tuple[str, ...] = ()
    resources: tuple[str, ...] = Field(min_length=1)
    addressed: tuple[str, ...] = Field(min_length=1)
    helping: tuple[str, ...] = Field(min_length=1)
    referents: tuple[str, ...] = Field(min_length=1)
    reported: tuple[str, ...] = ()
    own_words: tuple[str, ...] = ()
    returning: tuple[str, ...] = ()
    topic: tuple[str, ...] = ()


class Combination(ContentModel):
    """Signals that together, in one message, mean more than each alone."""

    when: tuple[str, ...] = Field(min_length=2)
    """Categories or cue groups (a name twice: two different patterns of it)."""
    category: Category


class Ignore(ContentModel):
    phrases: tuple[str, ...] = ()


class PhraseFile(ContentModel):
    words: dict[str, tuple[str, ...]]
    rewrite: dict[str, str] = Field(default_factory=dict)
    ignore: Ignore = Ignore()
    guards: Guards
    passive: Phrases
    active: Phrases
    method: Phrases
    plan: Phrases
    farewell: Phrases
    burden: Phrases
    hopeless: Phrases
    self_harm: Phrases
    overdose: Phrases
    ambiguous: Phrases
    cues: dict[str, Phrases] = Field(default_factory=dict)
    combine: tuple[Combination, ...] = ()

    @field_validator("words")
    @classmethod
    def _lists(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for name, entries in value.items():
            if _LIST_NAME.fullmatch(f"{{{name}}}") is None:
                raise ValueError(f"list name {name!r} may use only lowercase letters and _")
            if not entries:
                raise ValueError(f"list {name!r} is empty")
            for entry in entries:
                if not _is_phrase(entry):
                    raise ValueError(
                        f"list {name!r} has {entry!r}: use lowercase words and spaces only"
                    )
        return value

    @model_validator(mode="after")
    def _combinations_name_signals(self) -> PhraseFile:
        known = {category.value for category in Category} | set(self.cues)
        for index, combination in enumerate(self.combine):
            unknown = sorted(set(combination.when) - known)
            if unknown:
                raise ValueError(
                    f"combine[{index}] names {unknown[0]!r}, which is neither a category "
                    "nor a [cues] group"
                )
        return self


_PHRASE = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


def _is_phrase(text: str) -> bool:
    """Lowercase words (letters and digits) between single spaces."""
    return _PHRASE.fullmatch(text) is not None


# ----------------------------------------------------------------------- normalising

_LIMIT = 4096
"""Characters read per message: Discord's longest message (4,000 with Nitro) and a margin."""

_LONGEST_SPACED = 60
"""Spaced-out letters are joined only up to this many ("k i l l m y s e l f" is 10)."""

_WINDOW = 240
"""Characters searched either side of an anchor word; longer than any pattern can match."""

_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ӏ": "l", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ς": "s", "σ": "s",
    # Symbols used as letters, and apostrophes
    "€": "e", "£": "l", "’": "'", "‘": "'", "ʼ": "'", "´": "'", "…": "...",
    # Emoji that stand for words in crisis slang ("i wanna 💀 myself")
    "💀": " kill ", "☠": " kill ", "⚰": " coffin ", "🔫": " gun ", "🔪": " knife ",
    "💊": " pills ", "🪢": " rope ", "🩸": " blood ",
}  # fmt: skip

_INVISIBLE = (
    list(range(0x00, 0x09))
    + list(range(0x0B, 0x20))
    + [0x7F, 0xAD, 0x34F, 0x61C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
    + list(range(0x200B, 0x2010))
    + list(range(0x202A, 0x202F))
    + list(range(0x2060, 0x2070))
    + list(range(0xFE00, 0xFE10))
)

_UNICODE_TABLE: dict[int, str | None] = {ord(k): v for k, v in _HOMOGLYPHS.items()}
_UNICODE_TABLE.update(dict.fromkeys(_INVISIBLE))
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")

_REWRITE_PASSES = 3
"""How many times [rewrite] is applied at most (a rewrite inside a rewrite is read again)."""

_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a",
         "$": "s", "!": "i", "|": "l", "+": "t"}  # fmt: skip
_LEET_I = str.maketrans({**_LEET, "1": "i"})
_LEET_L = str.maketrans({**_LEET, "1": "l"})
_CAPITAL_I = re.compile(r"(?<=[a-z])I+")
"""Capital I's after a lowercase letter ("kiII myseIf"): read as ``l`` too, like the digit 1.
Words that start with a capital I ("I", "Ill", "IIRC", "Iowa") are left as they are."""
_LEET_MIX = re.compile(r"[a-z][0-9@$!|+*]|[0-9@$|+*][a-z]")
"""A letter next to a symbol or digit: the only messages that need look-alikes read."""
_EDGES = "\"'()[]{}<>,.;:!?~`-_"
_UNIT = re.compile(
    r"\d+(?:[.,]\d+)?(?:am|pm|st|nd|rd|th|s|k|m|g|kg|lb|lbs|mg|mcg|ml|oz|km|kms|mi|ft|"
    r"min|mins|h|hr|hrs|day|days|wk|wks|yr|yrs|x|ish|mo|mos)"
)
_DOTTED = re.compile(r"(?<![a-z0-9.])(?:[a-z]\.)+[a-z]\.?(?![a-z0-9])")
_ELLIPSIS = re.compile(r"\.{2,}")

_PUNCTUATION = {chr(c): " " for c in range(128) if not chr(c).isalnum()}
_PUNCTUATION.update({".": ".", "!": ".", ";": ".", "\n": ".", "?": "?"})
_PUNCTUATION_TABLE = str.maketrans(_PUNCTUATION)
"""One character for one (CPython's fast path): sentence ends become ``.``, other marks spaces."""

_LEET_HINT = re.compile(r"[0-9@$!|+*]")
_DOT_HINT = re.compile(r"[a-z]\.[a-z](?![a-z])")
_SPACED_HINT = re.compile(r" [a-z] [a-z] [a-z] ")
_LEET_TOKEN = re.compile(r"(?<!\S)\S*?(?:[a-z][0-9@$!|+*]|[0-9@$|+*][a-z])\S*")
_STRETCHED_WORD = re.compile(r"(?<![a-z])[a-z]*?([a-z])\1\1[a-z]*")
_BOUNDARIES = re.compile(r"[.?](?: [.?])+")
_SPACED = re.compile(r"(?<![a-z0-9])[a-z](?: [a-z](?![a-z0-9])){2,}")
_STRETCHED = re.compile(r"([a-z])\1\1")
_RUNS_OF_THREE = re.compile(r"([a-z])\1{2,}")
_RUNS = re.compile(r"([a-z])\1+")


def _skeleton(word: str) -> str:
    return _RUNS.sub(r"\1", word)


@dataclass(frozen=True)
class _Lexicon:
    """The words the grammar knows: for stretched, censored and run-together spellings."""

    words: frozenset[str]
    by_skeleton: dict[str, str]
    blobs: dict[int, str]
    """The known words of each length, one a line (searched with a regex, in C)."""
    longest: int

    @classmethod
    def of(cls, words: set[str]) -> _Lexicon:
        by_skeleton: dict[str, str] = {}
        by_length: dict[int, list[str]] = {}
        for word in sorted(words, key=lambda w: (-len(w), w)):
            by_skeleton.setdefault(_skeleton(word), word)
            by_length.setdefault(len(word), []).append(word)
        return cls(
            frozenset(words),
            by_skeleton,
            {n: "\n".join(ws) for n, ws in by_length.items()},
            max(map(len, words), default=1),
        )

    def uncensor(self, word: str) -> str:
        """``k*ll`` → ``kill`` when exactly one known word fits the asterisks."""
        known = self.blobs.get(len(word))
        if known is None or not word.strip("*"):
            return word.replace("*", "")
        fits = _fitting(known, word)
        return fits[0] if len(fits) == 1 else word.replace("*", "")

    def unstretch(self, word: str) -> str:
        if not _STRETCHED.search(word):
            return word
        two = _RUNS_OF_THREE.sub(r"\1\1", word)
        if two in self.words:
            return two
        one = _RUNS_OF_THREE.sub(r"\1", word)
        if one in self.words:
            return one
        return self.by_skeleton.get(_skeleton(word), one)

    def split(self, letters: str) -> str | None:
        """Known words that spell ``letters`` run together (fewest words), or ``None``."""
        size = len(letters)
        count = [0] + [size + 1] * size
        back = [0] * (size + 1)
        for end in range(1, size + 1):
            for start in range(max(0, end - self.longest), end):
                if count[start] + 1 < count[end] and letters[start:end] in self.words:
                    count[end] = count[start] + 1
                    back[end] = start
        if count[size] > size:
            return None
        found: list[str] = []
        end = size
        while end:
            found.append(letters[back[end] : end])
            end = back[end]
        return " ".join(reversed(found))


_REGEXES: dict[str, re.Pattern[str]] = {}


def _regex(source: str) -> re.Pattern[str]:
    """Each regex compiled once, when first needed (many entries share one).

    Sources are built only from escaped words and fixed pieces, so they always compile: a
    pattern's mistakes are found at start-up, when it is read (``PatternError``).
    """
    regex = _REGEXES.get(source)
    if regex is None:
        regex = _REGEXES[source] = re.compile(source)
    return regex


@functools.lru_cache(maxsize=2048)
def _fitting(known: str, word: str) -> tuple[str, ...]:
    """The lines of ``known`` that ``word`` fits, each ``*`` standing for one letter."""
    pattern = re.escape(word).replace(r"\*", "[a-z]")
    return tuple(re.findall(rf"^{pattern}$", known, re.MULTILINE))


def _read_token(token: str, table: dict[int, str], lexicon: _Lexicon) -> str:
    start, end = 0, len(token)
    while start < end and token[start] in _EDGES:
        start += 1
    while end > start and token[end - 1] in _EDGES:
        end -= 1
    core = token[start:end]
    if not core or _UNIT.fullmatch(core) or not any(c.isalpha() for c in core):
        return token
    read = core.translate(table)
    if "*" in read:
        read = lexicon.uncensor(read)
    return f"{token[:start]} {read} {token[end:]}"


def _base(text: str) -> str:
    """Lowercase plain letters: Unicode folded, look-alike letters mapped, invisibles gone."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKC", text).casefold().translate(_UNICODE_TABLE)
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
        text = _NON_ASCII.sub(" ", text)
    return text


class Reading:
    """One normalised reading of a message: `` word word . word ? `` (spaces all round)."""

    __slots__ = ("ones", "ones_read", "text", "words")

    def __init__(
        self, text: str, words: frozenset[str], *, ones: bool, ones_read: bool | None = None
    ) -> None:
        self.text = text
        self.words = words
        self.ones = ones
        """Whether the message has a ``1`` and look-alikes were read (so an ``l`` reading is
        worth trying)."""
        self.ones_read = ones if ones_read is None else ones_read
        """Whether a ``1`` was read as a letter, or the message has a capital I after a
        lowercase letter ("kiII"): without one, the ``l`` reading is this one."""


class Normaliser:
    """Turns a message into the text the patterns are written for (see the module docstring)."""

    def __init__(self, lexicon: _Lexicon, rewrite: dict[str, str], ignore: tuple[str, ...]):
        self._lexicon = lexicon
        rewrite = {k: v for k, v in rewrite.items() if k != v}
        self._words = {k: v for k, v in rewrite.items() if " " not in k}
        phrases = {k: v for k, v in rewrite.items() if " " in k}
        phrases.update(dict.fromkeys(ignore, "~"))
        first: dict[str, list[tuple[str, str]]] = {}
        for phrase, meaning in sorted(phrases.items(), key=lambda item: -len(item[0])):
            first.setdefault(phrase.split(" ")[0], []).append((f" {phrase} ", f" {meaning} "))
        self._by_first = {word: tuple(group) for word, group in first.items()}
        """Phrases to rewrite or blank, by first word (looked for only when that word is there)."""
        self._firsts = frozenset(self._by_first)
        self._word_keys = frozenset(self._words)

    def read(self, text: str, *, one: str = "i") -> Reading:
        text = text[:_LIMIT]
        ones = ones_read = False
        if "I" in text and _CAPITAL_I.search(text):
            ones_read = True
            if one != "i":
                text = _CAPITAL_I.sub(lambda run: "l" * len(run.group(0)), text)
        text = _base(text)
        if _LEET_HINT.search(text) and _LEET_MIX.search(text):
            table = _LEET_I if one == "i" else _LEET_L
            ones = "1" in text
            lexicon = self._lexicon

            def token(found: re.Match[str]) -> str:
                nonlocal ones_read
                old = found.group(0)
                new = _read_token(old, table, lexicon)
                if new is not old and "1" in old:
                    ones_read = True
                return new

            text = _LEET_TOKEN.sub(token, text)
        if _DOT_HINT.search(text):
            text = _DOTTED.sub(lambda d: d.group(0).replace(".", ""), text)
        if ".." in text:
            text = _ELLIPSIS.sub(" ", text)
        if "'" in text or "`" in text:
            text = text.replace("'", "").replace("`", "")
        text = text.translate(_PUNCTUATION_TABLE)
        if "." in text or "?" in text:
            text = text.replace(".", " . ").replace("?", " ? ")
        text = " ".join(text.split())
        if ". ." in text or "? ." in text or ". ?" in text or "? ?" in text:
            text = _BOUNDARIES.sub(lambda b: "?" if "?" in b.group(0) else ".", text)
        text = f" {text} "
        if _SPACED_HINT.search(text):
            text = _SPACED.sub(self._join_letters, text)
        if _STRETCHED.search(text):
            text = _STRETCHED_WORD.sub(lambda w: self._lexicon.unstretch(w.group(0)), text)
        words = set(text.split())
        # Replaced words may stay in ``words``: it only decides which patterns are tried.
        # Rewrites until nothing changes: slang a rewrite produces is read again ("sewer slide
        # thoughts" → "suicide thoughts" → "suicidal thoughts"). At most _REWRITE_PASSES
        # passes, so a loop in [rewrite] ("a" = "b", "b" = "a") cannot run on.
        seen: tuple[str, ...] = (text,)
        for _ in range(_REWRITE_PASSES):
            if not words.isdisjoint(self._firsts):
                text = self._phrases_of(text, words)
            if not words.isdisjoint(self._word_keys):
                for word in words.intersection(self._word_keys):
                    meaning = self._words[word]
                    old, new = f" {word} ", f" {meaning} "
                    text = text.replace(old, new).replace(old, new)
                    words.update(meaning.split())
            if text in seen:
                break
            seen = (*seen, text)
        return Reading(text, frozenset(words), ones=ones, ones_read=ones_read)

    def _phrases_of(self, text: str, words: set[str]) -> str:
        """``text`` with the rewrite and ignore phrases it contains replaced (``words`` grows)."""
        found = [
            (old, new)
            for word in words.intersection(self._firsts)
            for old, new in self._by_first[word]
            if old in text
        ]
        for old, new in sorted(found, key=lambda pair: -len(pair[0])):
            text = text.replace(old, new).replace(old, new)
            words.update(new.split())
        return text

    def _join_letters(self, run: re.Match[str]) -> str:
        letters = run.group(0).replace(" ", "")
        if len(letters) > _LONGEST_SPACED:
            return run.group(0)
        if letters in self._lexicon.words:
            return letters
        return self._lexicon.split(letters) or run.group(0)


# -------------------------------------------------------------------------- patterns


def _word_set(text: str) -> frozenset[str]:
    # Mutation testing: called only at import, before mutmut can switch a mutant on.
    return frozenset(text.split())


class PatternError(ValueError):
    """A pattern in the data file cannot be read."""


_COMMON = _word_set(
    "i im ive id ill me my to a an the and or but it its is be am are was were so just "
    "want wanna like of in on at all that this for you u not dont do have get go going "
    "gonna feel about can cant will would could should no now with out up what if really "
    "know think been being one more anymore any even still again very too much how when "
    "why who there here they them he she we our your their his her as by from care done "
    "fine ok okay time never everything take ready better stop trying life last over good "
    "day today tonight tomorrow week night morning back make made got had did does doing "
    "say said see saw thing things way people everyone anyone someone something nothing "
    "need needed help right well yeah yes lol haha thanks thank love hope tell told work "
    "home meeting group sober clean days years year sponsor first new old little big long "
    "keep kept try tried feeling felt went come came let lets put off down after before "
    "always sometimes maybe also than then only other same every because cause since "
    "while until though honestly literally actually pretty kinda gotta ur yall guys "
    "friend friends family mom dad kids wife husband talk talking call called text "
    "another around away bit both each else end enough ever few give gone great hard head "
    "heart hours hour kind least left less live lot mind minute most must next once own "
    "part place real rest sure thought through tired together two use used using wait "
    "watch whole without word words world worse worst wrong yet "
)


@functools.cache
def _rarity(word: str) -> tuple[bool, bool, int]:
    return (word not in _TOP, word not in _COMMON, len(word))


@dataclass(frozen=True, eq=False)
class Rule:
    """One compiled pattern: its category, regex, anchor words and guards."""

    category: Category
    level: Level
    compiled: Compiled
    guards: frozenset[str]
    source: str
    order: int
    label: str
    """The category's name, or the cue group's (for ``combine``)."""

    @property
    def regex(self) -> re.Pattern[str]:
        return _regex(self.compiled.source)

    @property
    def not_after(self) -> frozenset[str]:
        return self.compiled.not_after


@dataclass(frozen=True)
class _Anchor:
    """The entries of one anchor word, by the word that must follow it."""

    by_next: dict[str, list[_Entry]]
    by_previous: dict[str, list[_Entry]]
    any_next: list[_Entry]

    def add(
        self, entry: _Entry, nexts: frozenset[str] | None, previous: frozenset[str] | None
    ) -> None:
        if nexts is not None:
            for word in nexts:
                self.by_next.setdefault(word, []).append(entry)
        elif previous is not None:
            for word in previous:
                self.by_previous.setdefault(word, []).append(entry)
        else:
            self.any_next.append(entry)


@dataclass(eq=False)
class _Entry:
    """A rule seen from one of its anchor words."""

    rule: Rule
    position: int
    left: str
    """`` words `` that must come just before the anchor word ("" if none)."""
    right: str
    before: str | None
    """The reversed prefix as a regex (``None``: search the whole pattern instead)."""
    after: str | None
    needs: tuple[frozenset[str], ...] = ()
    """The rule's ``requires`` that the anchor word does not already meet, most selective
    first: the rule can match only if the message has a word of each."""
    regexes: tuple[re.Pattern[str], re.Pattern[str]] | None = None
    """``before`` and ``after`` compiled, on first use (see ``CrisisMatcher.compile_all``)."""

    def compiled(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        regexes = self.regexes
        if regexes is None:
            assert self.before is not None
            assert self.after is not None
            regexes = self.regexes = (_regex(self.before), _regex(self.after))
        return regexes


_END = r"(?=[.?] |$)"
"""The end of a sentence in normalised text."""


@dataclass(frozen=True)
class _Piece:
    forward: str
    """The regex over `` word word `` text, read left to right."""
    backward: str | None
    """The same over the reversed text (``None``: it can only follow the anchor)."""
    options: tuple[str, ...] = ()
    """For a required choice of words: the phrases (one may be the anchor)."""


_GAP = r"[a-z0-9~]{1,40}"
_GAP_ACROSS = r"[a-z0-9~.?]{1,40}"


def _piece(token: str, words: Mapping[str, tuple[str, ...]]) -> _Piece:
    gaps = {"..": (_GAP, 3), "...": (_GAP, 8), "~": (_GAP_ACROSS, 12)}
    if token in gaps:
        word, most = gaps[token]
        return _Piece(f"(?:{word} ){{0,{most}}}", f"(?: {word}){{0,{most}}}")
    if token == "$":
        return _Piece(_END, None)
    if token.startswith("!"):
        return _Piece(f"(?!{_options_regex(token[1:], words)} )", None)
    if token.startswith("[") and token.endswith("]"):
        inner = _options(token[1:-1], words)
        back = _regex_of(inner, reverse=True)
        return _Piece(f"(?:{_regex_of(inner)} )?", f"(?: {back})?")
    if "$" in token.split("|"):
        rest = "|".join(part for part in token.split("|") if part != "$")
        if not rest:
            raise PatternError("has an empty choice")
        return _Piece(f"(?:{_options_regex(rest, words)} |{_END})", None)
    found = _options(token, words)
    return _Piece(
        f"{_regex_of(found)} ",
        f" {_regex_of(found, reverse=True)}",
        tuple(dict.fromkeys(found)),
    )


@dataclass(frozen=True)
class Compiled:
    """A pattern ready to match: whole, and split around each of its anchor words."""

    source: str
    """The whole pattern as a regex (used by ``explain`` and for patterns with no usable
    anchor), compiled only when first needed."""
    anchored: tuple[
        tuple[
            str,
            str,
            str,
            str,
            str,
            frozenset[str] | None,
            frozenset[str] | None,
        ],
        ...,
    ]
    """(anchor word, words before it, words after it, reversed prefix, suffix (both regexes,
    compiled when first needed), next words, previous words).

    The next (previous) words are those one of which must follow (precede) the anchor word
    (``None``: any), so most patterns are never tried where they cannot match.
    """
    anchors: frozenset[str]
    not_after: frozenset[str]
    no_before_guards: bool
    requires: tuple[frozenset[str], ...] = ()
    """For each required part, words one of which any match contains (a cheap first test)."""


def _compile_pattern(
    pattern: str,
    words: Mapping[str, tuple[str, ...]],
    pieces_of: dict[str, _Piece] | None = None,
) -> Compiled:
    """A pattern as regexes over `` word word `` text, around its least common required word.

    Matching starts at an anchor word (found in one pass over the words): the words after it
    are matched forwards and the words before it backwards, on the reversed text, so each try
    costs
    about the length of the pattern, never the length of the message.
    """
    tokens = pattern.split()
    free = bool(tokens) and tokens[0] == "@"
    if free:
        tokens.pop(0)
    not_after: frozenset[str] = frozenset()
    if tokens and tokens[0].startswith("<"):
        not_after = frozenset(_options(tokens.pop(0)[1:], words))
    if not tokens:
        raise PatternError("has no words")
    start = back_start = ""
    if tokens[0] == "^":
        tokens.pop(0)
        start, back_start = r"(?<![^.?])", r"(?![^.?])"
    if pieces_of is None:
        pieces_of = {}
    pieces = []
    for token in tokens:
        piece = pieces_of.get(token)
        if piece is None:
            piece = pieces_of[token] = _piece(token, words)
        pieces.append(piece)
    required = [i for i, piece in enumerate(pieces) if piece.options]
    if not required:
        raise PatternError("needs at least one word that is not optional")
    whole = start + " " + "".join(piece.forward for piece in pieces)
    reversible = [i for i in required if all(p.backward is not None for p in pieces[:i])]
    if not reversible:
        return Compiled(whole, (), frozenset(), not_after, free)
    at = min(reversible, key=lambda i: _commonness(pieces[i].options))
    prefix = "".join(piece.backward or "" for piece in reversed(pieces[:at])) + " " + back_start
    suffix = "".join(piece.forward for piece in pieces[at + 1 :])
    before, after = prefix, suffix
    following = pieces[at + 1].options if at + 1 < len(pieces) else ()
    then = frozenset(option.split(" ")[0] for option in following) if following else None
    preceding = pieces[at - 1].options if at > 0 else ()
    first = frozenset(option.split(" ")[-1] for option in preceding) if preceding else None
    anchored = []
    for option in pieces[at].options:
        parts = option.split(" ")
        index = max(range(len(parts)), key=lambda i: _rarity(parts[i]))
        left, right = " ".join(parts[:index]), " ".join(parts[index + 1 :])
        nexts = frozenset({parts[index + 1]}) if right else then
        prevs = frozenset({parts[index - 1]}) if left else first
        anchored.append((parts[index], left, right, before, after, nexts, prevs))
    requires = tuple(
        frozenset(max(option.split(" "), key=_rarity) for option in pieces[i].options)
        for i in required
    )
    return Compiled(
        whole,
        tuple(anchored),
        frozenset(a[0] for a in anchored),
        not_after,
        free,
        requires,
    )


_TOP = _word_set(
    "i im ive id ill me my to a an the and or but it its is be am are was were so just want "
    "wanna like of in on at all that this for you u not dont do have get go going gonna if "
    "can cant will would with no now what up out they them he she we"
)
"""The most frequent words of chat: a pattern is never anchored on them if it can help it."""


def _commonness(options: tuple[str, ...]) -> float:
    """How often a choice of words is expected in everyday messages (lower is rarer)."""
    score = 0.0
    for option in options:
        parts = option.split(" ")
        word = max(parts, key=_rarity)
        if word in _TOP:
            score += 10000.0
        elif word in _COMMON:
            score += 100.0
        else:
            score += 1.0 + (len(parts) > 1)
    return score


def _options(token: str, words: Mapping[str, tuple[str, ...]]) -> list[str]:
    options: list[str] = []
    for part in token.split("|"):
        part = part.replace("_", " ")
        name = _LIST_NAME.fullmatch(part.replace(" ", "_")) if part.startswith("{") else None
        if name:
            if name.group(1) not in words:
                raise PatternError(
                    f"uses the list {{{name.group(1)}}}, which [words] does not have"
                )
            options.extend(words[name.group(1)])
        elif _is_phrase(part) or part == "#":
            options.append(part)
        else:
            raise PatternError(f"has {part!r}, which is neither a word nor a {{list}}")
    return options


def _options_regex(
    token: str, words: Mapping[str, tuple[str, ...]], *, reverse: bool = False
) -> str:
    return _regex_of(_options(token, words), reverse=reverse)


def _regex_of(found: list[str], *, reverse: bool = False) -> str:
    """A choice of phrases as a regex, longest first (reversed, for reading backwards)."""
    options = sorted(dict.fromkeys(found), key=len, reverse=True)
    if reverse:
        options = [option[::-1] for option in options]
    return "(?:" + "|".join(map(_escape, options)) + ")"


_escape = functools.cache(re.escape)


class _Phrases:
    """A set of phrases looked up by their first word, then as substrings (no big regex)."""

    def __init__(self, phrases: tuple[str, ...]) -> None:
        by_first: dict[str, list[str]] = {}
        for phrase in phrases:
            phrase = " ".join(phrase.split())
            if phrase:
                by_first.setdefault(phrase.split(" ")[0], []).append(f" {phrase} ")
        self._by_first = {word: tuple(group) for word, group in by_first.items()}
        self._firsts = frozenset(self._by_first)
        self.whole = frozenset(phrase.strip() for group in by_first.values() for phrase in group)
        self.longest = max((len(p.split()) for p in self.whole), default=1)

    def __bool__(self) -> bool:
        return bool(self._by_first)

    def within(self, sentence: str, words: frozenset[str]) -> bool:
        for word in words.intersection(self._firsts):
            for phrase in self._by_first[word]:
                if phrase in sentence:
                    return True
        return False

    def last(self, sentence: str, words: frozenset[str], end: int) -> int:
        """Where the last of these phrases starts before ``end`` (-1: none)."""
        found = -1
        for word in words.intersection(self._firsts):
            for phrase in self._by_first[word]:
                found = max(found, sentence.rfind(phrase, 0, end))
        return found

    def ends(self, words: list[str], end: int) -> int:
        """How many of ``words[:end]``, at their end, are one of these phrases (0: none)."""
        for size in range(min(self.longest, end), 0, -1):
            if " ".join(words[end - size : end]) in self.whole:
                return size
        return 0


class _GuardSet:
    """The compiled guards, looked at around one match."""

    def __init__(self, guards: Guards) -> None:
        self.between = _Phrases(guards.between)
        self.before = {
            "others": _Phrases(guards.others),
            "negation": _Phrases(guards.negation),
            "past": _Phrases(guards.past),
        }
        self.not_negation_after = _Phrases(guards.not_negation_after)
        self.story = _Phrases(guards.story)
        self.present = _Phrases(guards.present)
        self.resources = _Phrases(guards.resources)
        self.addressed = _Phrases(guards.addressed)
        self.helping = _Phrases(guards.helping)
        self.referents = _Phrases(guards.referents)
        self.topic = _Phrases(guards.topic)
        self.reported = _Phrases(guards.reported)
        self.own_words = _Phrases(guards.own_words)
        self.returning = _Phrases(guards.returning)

    def _governed(
        self, before: list[str], guards: frozenset[str], outside: str, words: frozenset[str]
    ) -> bool:
        """Whether the words before a match end in a guard word and then only `between` words.

        "my friend said she wants to" (others), "i dont want to" (negation), "i used to"
        (past); "why not just" is not a negation. A past word does not block when the sentence
        puts it in the present, as for a story ("had the urge to end it again"): the words
        before it are still looked at ("my friend had the urge ... again" is someone else's).
        """
        end = len(before)
        present: bool | None = None
        while end > 0:
            skip = 0
            for name, phrases in self.before.items():
                size = phrases.ends(before, end) if name in guards else 0
                if not size or (
                    name == "negation" and self.not_negation_after.ends(before, end - size)
                ):
                    continue
                if name != "past":
                    return True
                if present is None:
                    # Present markers outside the match ("drinking again" is what it says)
                    # and outside this past phrase ("never again" is past).
                    said = " " + " ".join(before[end - size : end]) + " "
                    present = self.present.within(outside.replace(said, " ", 1), words)
                if not present:
                    return True
                skip = size
                break
            skip = skip or self.between.ends(before, end)
            if not skip:
                return False
            end -= skip
        return False

    def blocks(self, text: str, start: int, end: int, guards: frozenset[str]) -> bool:
        """Whether a match at ``text[start:end]`` is someone else's, negated, past or quoted."""
        # Mutation testing, equivalent: ``low`` only bounds the search for the sentence start
        # (None, 0 or 1 give the same: ``first`` and ``before`` are clamped to the window, and
        # the text starts with a space); ``|`` for ``&`` (``_governed`` checks each guard);
        # ``+ 2`` for ``+ 1`` (adds the space after the stop, which no phrase can use).
        low = max(0, start - _WINDOW)
        sentence_start = max(text.rfind(".", low, start), text.rfind("?", low, start)) + 1
        high = min(len(text), end + _WINDOW)
        ends = [i for i in (text.find(".", end, high), text.find("?", end, high)) if i != -1]
        first = max(sentence_start, start - _WINDOW)
        sentence = text[first : min(ends, default=high) + 1]
        words = frozenset(sentence.split())
        before = text[max(sentence_start, start - 80) : start].split()
        outside = f"{sentence[: start - first]} {sentence[end - first :]}"
        if guards & _BEFORE_GUARDS and self._governed(before, guards, outside, words):
            return True
        within = self._within
        if within("story", guards, sentence, words) and not self.present.within(sentence, words):
            return True
        if within("resources", guards, sentence, words) and self.addressed.within(sentence, words):
            return True
        if within("helping", guards, sentence, words) and self.referents.within(sentence, words):
            return True
        if "reported" in guards and self._reported(sentence, words, start - first):
            return True
        if "returning" in guards and self.returning:
            around = text[max(0, start - _WINDOW) : min(len(text), end + _WINDOW)]
            if self.returning.within(around, frozenset(around.split())):
                return True
        return "topic" in guards and self.topic.within(sentence, words)

    def _within(
        self, name: str, guards: frozenset[str], sentence: str, words: frozenset[str]
    ) -> bool:
        phrases: _Phrases = getattr(self, name)
        return name in guards and phrases.within(sentence, words)

    def _reported(self, sentence: str, words: frozenset[str], at: int) -> bool:
        """Someone else's words, reported before the match at ``sentence[at:]``."""
        if not self.referents.within(sentence, words):
            return False
        said = self.reported.last(sentence, words, at + 1)
        if said == -1:
            return False
        return not self.own_words.within(sentence[said : at + 1], words)


_BEFORE_GUARDS = frozenset({"others", "negation", "past"})


# -------------------------------------------------------------------------- matching


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
        """The second look when the grammar finds nothing (``bot.safety_model``), if any."""
        rules: list[Rule] = []
        vocabulary: set[str] = set()
        for phrases_of_list in phrases.words.values():
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
                    compiled = _compile_pattern(pattern, phrases.words, pieces_of)
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
        self._guards = _GuardSet(phrases.guards)
        self._combine = phrases.combine
        self.normaliser = Normaliser(
            _Lexicon.of(vocabulary), phrases.rewrite, phrases.ignore.phrases
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
        reading = self.normaliser.read(text)
        found = self._match(reading)
        if reading.ones_read and (found is None or found.level is not Level.HIGH):
            other = self._match(self.normaliser.read(text, one="l"))
            if other is not None and (found is None or other.level.rank > found.level.rank):
                found = other
        if self.model is not None and (found is None or found.level is Level.CUE):
            found = self._second_look(self.model, reading) or found
        return found

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
        reading = self.normaliser.read(text)
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


# ------------------------------------------------------------------------- the record


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class MatchOutcome:
    """What to do about a match: reply to the member, alert staff, both, or stay quiet."""

    record_id: int
    respond: bool
    """Reply to the member (at most once per ``REPLY_COOLDOWN``)."""
    alert: bool = False
    """Alert staff: with the reply, or alone when the level rose above the last alert's."""


class CrisisMatchLog:
    """Matches: guild, channel, message id, member id, time, category and level. Never text.

    The same table is the per-member rate limit: a member gets one reply (and staff one
    alert) per ``REPLY_COOLDOWN``, however many messages match in that time, except that a
    level above the last alert's (a concern, then a high-risk signal) alerts staff again.
    """

    def __init__(self, db: Database, *, retention_days: int = 30) -> None:
        self._db = db
        self._retention = dt.timedelta(days=retention_days)

    async def record(
        self,
        *,
        guild_id: int | None,
        channel_id: int,
        message_id: int,
        user_id: int,
        category: str,
        now: dt.datetime,
        level: Level | None = None,
    ) -> MatchOutcome:
        """Store a match; ``level`` None is a DM to the bot (answered, never alerted)."""
        # Mutation testing, equivalent: the case of SQL text or of a ``sqlite3.Row`` key; a
        # ``default`` of -2 (every rank is >= 0); ``or row["level"]`` (an alerted row always
        # has a level: a DM is never alerted).
        since = _iso(now - REPLY_COOLDOWN)
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM crisis_matches WHERE matched_at < ?", (_iso(now - self._retention),)
            )
            recent = await tx.fetchall(
                "SELECT replied, alerted, level FROM crisis_matches WHERE user_id = ? "
                "AND guild_id IS ? AND matched_at > ? AND (replied = 1 OR alerted = 1)",
                (user_id, guild_id, since),
            )
            respond = not any(row["replied"] for row in recent)
            alerted = max(
                (Level(row["level"]).rank for row in recent if row["alerted"] and row["level"]),
                default=-1,
            )
            alert = level is not None and (respond or level.rank > alerted)
            cursor = await tx.execute(
                "INSERT INTO crisis_matches (guild_id, channel_id, message_id, user_id, "
                "category, level, matched_at, replied, alerted) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    guild_id,
                    channel_id,
                    message_id,
                    user_id,
                    category,
                    level,
                    _iso(now),
                    int(respond),
                    int(alert),
                ),
            )
            record_id = int(cursor.lastrowid or 0)
        log.info(
            "safety.match guild=%s channel=%s message=%s user=%s category=%s level=%s "
            "respond=%s alert=%s",
            guild_id,
            channel_id,
            message_id,
            user_id,
            category,
            level,
            respond,
            alert,
        )
        return MatchOutcome(record_id, respond, alert)

    async def count(self, user_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT COUNT(*) FROM crisis_matches WHERE user_id = ?", (user_id,)
        )
        return int(row[0]) if row else 0
