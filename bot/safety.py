"""The crisis-language safety net: a small grammar over normalised text, and the match record.

The matcher is plain Python (no Discord). It reads a message once into a normalised form,
then looks for *ways of saying it* written in ``data/crisis_phrases.toml``: patterns over
words and word lists (``{want_to} die``, ``wish i was|were dead``), grouped by category. It
returns only the category and its level, never the text, so nothing downstream can store or
log a member's words by accident.

Normalisation (each step once, each linear in the length of the message):

1. Unicode NFKC, case-folding, invisible characters removed, Cyrillic and Greek look-alikes
   and accents mapped to plain letters (skipped for plain ASCII, which is most messages).
2. Look-alikes inside a word are read as letters: ``k!ll`` → ``kill``, ``su1c1de`` →
   ``suicide``, ``$`` → ``s``; a ``1`` is read as ``i`` first and as ``l`` if that finds
   nothing high; numbers with units ("5km", "3am", "10mg") are left alone. Censoring
   asterisks are resolved against the words the grammar knows (``k*ll`` → ``kill``).
3. Dotted abbreviations are joined (``o.d.`` → ``od``); apostrophes vanish (``don't`` →
   ``dont``); ``. ! ? ;`` and new lines end a sentence; every other symbol is a space.
4. Spaced-out letters are joined when they spell known words (``k i l l  m y s e l f`` →
   ``kill myself``); stretched letters are read as the word they stretch (``kiiiilllll`` →
   ``kill``, ``offfff`` → ``off``). Doubled letters are kept, so "of myself" is never
   "off myself".
5. Slang is rewritten to plain words (``unalive`` → ``kill``, ``sewerslide`` →
   ``suicide``) and set phrases that only look like crisis language are blanked ("killing
   myself laughing", "in the end").

Matching: every pattern has *anchors*, the words of its least common required part. Only
patterns whose anchor is in the message run, and only within ``_WINDOW`` characters of the
anchor, so the time is linear in the length of the message, with no pathological input. A
found pattern still does not count when the words just before it name someone else ("my
friend", "he", "you", "who"), negate it ("i don't", "i would never") or put it in the past
("used to"); nor when its sentence tells a recovery story ("years ago", "when i was using")
without bringing it back to now ("again", "still"), quotes a crisis line to others ("call 988
if you're…"), asks how to help someone else, or is about the topic ("awareness"). Each
category chooses its guards in the data file. The most severe match wins (high over concern
over cue).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from bot.content import ContentError, ContentModel, load_toml
from bot.db import Database

log = logging.getLogger(__name__)

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


def _is_phrase(text: str) -> bool:
    words = text.split(" ")
    return bool(text) and all(_WORD.fullmatch(word) for word in words)


# ----------------------------------------------------------------------- normalising

_LIMIT = 4096
"""Characters read per message: Discord's longest message (4,000 with Nitro) and a margin."""

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

_LEET = {"0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g", "@": "a",
         "$": "s", "!": "i", "|": "l", "+": "t"}  # fmt: skip
_LEET_I = str.maketrans({**_LEET, "1": "i"})
_LEET_L = str.maketrans({**_LEET, "1": "l"})
_LEET_MIX = re.compile(r"[a-z][0-9@$!|+*]|[0-9@$|+*][a-z]")
"""A letter next to a symbol or digit: the only messages that need look-alikes read."""
_TOKEN = re.compile(r"\S+")
_EDGES = "\"'()[]{}<>,.;:!?~`-_"
_UNIT = re.compile(
    r"\d+(?:[.,]\d+)?(?:am|pm|st|nd|rd|th|s|k|m|g|kg|lb|lbs|mg|mcg|ml|oz|km|kms|mi|ft|"
    r"min|mins|h|hr|hrs|day|days|wk|wks|yr|yrs|x|ish|mo|mos)"
)
_DOTTED = re.compile(r"(?<![a-z0-9.])(?:[a-z]\.)+[a-z]\.?(?![a-z0-9])")
_ELLIPSIS = re.compile(r"\.{2,}")

_PUNCTUATION = {chr(c): " " for c in range(128) if not chr(c).isalnum()}
_PUNCTUATION.update({"'": "", "`": "", ".": " . ", "!": " . ", ";": " . ", "\n": " . "})
_PUNCTUATION.update({"?": " ? "})
_PUNCTUATION_TABLE = str.maketrans({k: v for k, v in _PUNCTUATION.items() if k != " "})

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
    by_length: dict[int, tuple[str, ...]]
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
            {n: tuple(ws) for n, ws in by_length.items()},
            max(map(len, words), default=1),
        )

    def uncensor(self, word: str) -> str:
        """``k*ll`` → ``kill`` when exactly one known word fits the asterisks."""
        fits = [
            known
            for known in self.by_length.get(len(word), ())
            if all(c == "*" or c == k for c, k in zip(word, known, strict=True))
        ]
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

    __slots__ = ("ones", "text", "words")

    def __init__(self, text: str, words: frozenset[str], *, ones: bool) -> None:
        self.text = text
        self.words = words
        self.ones = ones
        """Whether a ``1`` was read as ``i`` (so an ``l`` reading is worth trying)."""


class Normaliser:
    """Turns a message into the text the patterns are written for (see the module docstring)."""

    def __init__(self, lexicon: _Lexicon, rewrite: dict[str, str], ignore: tuple[str, ...]):
        self._lexicon = lexicon
        self._rewrite = {f" {k}": f" {v}" for k, v in rewrite.items()}
        self._rewrite_first = frozenset(k.split(" ")[0] for k in rewrite)
        self._rewrite_rx = _alternation(rewrite)
        self._ignore_first = frozenset(p.split(" ")[0] for p in ignore)
        self._ignore_rx = _alternation({p: "~" for p in ignore})

    def read(self, text: str, *, one: str = "i") -> Reading:
        text = _base(text[:_LIMIT])
        ones = False
        if _LEET_MIX.search(text):
            table = _LEET_I if one == "i" else _LEET_L
            ones = "1" in text
            text = _TOKEN.sub(lambda t: _read_token(t.group(0), table, self._lexicon), text)
        if "." in text:
            text = _DOTTED.sub(lambda d: d.group(0).replace(".", ""), text)
            text = _ELLIPSIS.sub(" ", text)
        text = text.translate(_PUNCTUATION_TABLE)
        text = " ".join(text.split())
        if ". ." in text or "? " in text:
            text = _BOUNDARIES.sub(lambda b: "?" if "?" in b.group(0) else ".", text)
        if _SPACED.search(text):
            text = _SPACED.sub(self._join_letters, text)
        if _STRETCHED.search(text):
            text = " ".join(self._lexicon.unstretch(word) for word in text.split(" "))
        text = f" {text} "
        words = frozenset(text.split())
        if not self._rewrite_first.isdisjoint(words):
            text = self._rewrite_rx.sub(lambda m: self._rewrite[m.group(0)], text)
            words = frozenset(text.split())
        if not self._ignore_first.isdisjoint(words):
            text = self._ignore_rx.sub(" ~", text)
            words = frozenset(text.split())
        return Reading(text, words, ones=ones)

    def _join_letters(self, run: re.Match[str]) -> str:
        letters = run.group(0).replace(" ", "")
        if letters in self._lexicon.words:
            return letters
        return self._lexicon.split(letters) or run.group(0)


def _alternation(phrases: dict[str, str]) -> re.Pattern[str]:
    """`` phrase `` for any of the phrases (spaces included, so whole words only)."""
    if not phrases:
        return re.compile(r"(?!)")
    options = sorted(phrases, key=len, reverse=True)
    # The trailing space is a lookahead so back-to-back phrases are all found.
    return re.compile(r" (?:" + "|".join(re.escape(p) for p in options) + r")(?= )")


# -------------------------------------------------------------------------- patterns


class PatternError(ValueError):
    """A pattern in the data file cannot be read."""


_COMMON = frozenset(
    [
        "i",
        "im",
        "ive",
        "id",
        "ill",
        "me",
        "my",
        "myself",
        "to",
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "it",
        "its",
        "is",
        "be",
        "am",
        "are",
        "was",
        "were",
        "so",
        "just",
        "want",
        "wanna",
        "like",
        "of",
        "in",
        "on",
        "at",
        "all",
        "that",
        "this",
        "for",
        "you",
        "u",
        "not",
        "dont",
        "do",
        "have",
        "get",
        "go",
        "going",
        "gonna",
        "feel",
        "about",
        "can",
        "cant",
        "will",
        "would",
        "could",
        "should",
        "no",
        "now",
        "with",
        "out",
        "up",
        "what",
        "if",
        "really",
        "know",
        "think",
        "been",
        "being",
        "one",
        "more",
        "anymore",
        "any",
        "even",
        "still",
        "again",
        "very",
        "too",
        "much",
        "how",
        "when",
        "why",
        "who",
        "there",
        "here",
        "they",
        "them",
        "he",
        "she",
        "we",
        "our",
        "your",
        "their",
        "his",
        "her",
        "as",
        "by",
        "from",
    ]
)


def _rarity(word: str) -> tuple[bool, int]:
    return (word not in _COMMON, len(word))


@dataclass(frozen=True)
class Rule:
    """One compiled pattern: its category, regex, anchor words and guards."""

    category: Category
    level: Level
    regex: re.Pattern[str]
    anchors: frozenset[str]
    not_after: frozenset[str]
    guards: frozenset[str]
    source: str
    order: int
    label: str
    """The category's name, or the cue group's (for ``combine``)."""


_END = r"(?=[.?] |$)"
"""The end of a sentence in normalised text."""


@dataclass(frozen=True)
class _Piece:
    regex: str
    cover: frozenset[str] | None
    """The words one of which any match of this piece contains (``None``: optional)."""


def _compile_pattern(
    pattern: str, words: Mapping[str, tuple[str, ...]]
) -> tuple[str, frozenset[str], frozenset[str]]:
    """A pattern as a regex over `` word word `` text, its anchor words, its not-after words."""
    tokens = pattern.split()
    if tokens and tokens[0] == "@":
        tokens.pop(0)
    not_after: frozenset[str] = frozenset()
    if tokens and tokens[0].startswith("<"):
        not_after = frozenset(_options(tokens.pop(0)[1:], words))
    if not tokens:
        raise PatternError("has no words")
    start = ""
    if tokens[0] == "^":
        tokens.pop(0)
        start = r"(?<![^.?])"
    pieces: list[_Piece] = []
    for token in tokens:
        if token == "..":
            pieces.append(_Piece(r"(?:[a-z0-9~]+ ){0,3}", None))
        elif token == "...":
            pieces.append(_Piece(r"(?:[a-z0-9~]+ ){0,8}", None))
        elif token == "~":
            pieces.append(_Piece(r"(?:[a-z0-9~.?]+ ){0,12}", None))
        elif token == "$":
            pieces.append(_Piece(_END, None))
        elif token.startswith("!"):
            pieces.append(_Piece(f"(?!{_options_regex(token[1:], words)} )", None))
        elif token.startswith("[") and token.endswith("]"):
            pieces.append(_Piece(f"(?:{_options_regex(token[1:-1], words)} )?", None))
        elif "$" in token.split("|"):
            rest = "|".join(part for part in token.split("|") if part != "$")
            if not rest:
                raise PatternError("has an empty choice")
            pieces.append(_Piece(f"(?:{_options_regex(rest, words)} |{_END})", None))
        else:
            options = _options(token, words)
            cover = frozenset(max(option.split(" "), key=_rarity) for option in options)
            pieces.append(_Piece(f"{_options_regex(token, words)} ", cover))
    covers = [piece.cover for piece in pieces if piece.cover is not None]
    if not covers:
        raise PatternError("needs at least one word that is not optional")
    anchors = min(covers, key=lambda c: sum(w in _COMMON for w in c) * 100 + len(c))
    regex = start + " " + "".join(piece.regex for piece in pieces)
    return regex, anchors, not_after


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


def _options_regex(token: str, words: Mapping[str, tuple[str, ...]]) -> str:
    options = sorted(dict.fromkeys(_options(token, words)), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(option) for option in options) + ")"


def _words_regex(phrases: tuple[str, ...]) -> str:
    options = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(option) for option in options) + ")"


def _last(regex: re.Pattern[str], text: str, end: int) -> re.Match[str] | None:
    found = None
    for found in regex.finditer(text, 0, end):  # noqa: B007 (the last one is wanted)
        pass
    return found


def _optional(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile(rf" {_words_regex(phrases)} ") if phrases else None


class _GuardSet:
    """The compiled guards: each a regex over the words before a match or over its sentence."""

    def __init__(self, guards: Guards) -> None:
        between = _words_regex(guards.between)
        tail = rf"(?: {between})* $"
        lookbehinds = "".join(f"(?<!{re.escape(w)} )" for w in guards.not_negation_after)
        self.before = {
            "others": re.compile(rf"(?:^| ){_words_regex(guards.others)}{tail}"),
            "negation": re.compile(rf"(?:^| ){lookbehinds}{_words_regex(guards.negation)}{tail}"),
            "past": re.compile(rf"(?:^| ){_words_regex(guards.past)}{tail}"),
        }
        self.story = re.compile(rf" {_words_regex(guards.story)} ")
        self.present = re.compile(rf" {_words_regex(guards.present)} ") if guards.present else None
        self.resources = re.compile(rf" {_words_regex(guards.resources)} ")
        self.addressed = re.compile(rf" {_words_regex(guards.addressed)} ")
        self.helping = re.compile(rf" {_words_regex(guards.helping)} ")
        self.referents = re.compile(rf" {_words_regex(guards.referents)} ")
        self.topic = re.compile(rf" {_words_regex(guards.topic)} ") if guards.topic else None
        self.reported = _optional(guards.reported)
        self.own_words = _optional(guards.own_words)
        self.returning = _optional(guards.returning)

    def _reported(self, sentence: str, at: int) -> bool:
        """Someone else's words, reported before the match at ``sentence[at:]``."""
        if self.reported is None or not self.referents.search(sentence):
            return False
        said = _last(self.reported, sentence, at + 1)
        if said is None:
            return False
        return self.own_words is None or not self.own_words.search(sentence, said.start(), at + 1)

    def blocks(self, text: str, start: int, end: int, guards: frozenset[str]) -> bool:
        """Whether a match at ``text[start:end]`` is someone else's, negated, past or quoted."""
        low = max(0, start - _WINDOW)
        sentence_start = max(text.rfind(".", low, start), text.rfind("?", low, start)) + 1
        before = text[max(sentence_start, start - 80) : start + 1]
        for name, regex in self.before.items():
            if name in guards and regex.search(before):
                return True
        high = min(len(text), end + _WINDOW)
        ends = [i for i in (text.find(".", end, high), text.find("?", end, high)) if i != -1]
        sentence = text[max(sentence_start, start - _WINDOW) : min(ends, default=high) + 1]
        story = "story" in guards and self.story.search(sentence)
        if story and (self.present is None or not self.present.search(sentence)):
            return True
        quoted = "resources" in guards and self.resources.search(sentence)
        if quoted and self.addressed.search(sentence):
            return True
        helping = "helping" in guards and self.helping.search(sentence)
        if helping and self.referents.search(sentence):
            return True
        if "reported" in guards and self._reported(
            sentence, start - max(sentence_start, start - _WINDOW)
        ):
            return True
        if "returning" in guards and self.returning:
            around = text[max(0, start - _WINDOW) : min(len(text), end + _WINDOW)]
            if self.returning.search(around):
                return True
        return "topic" in guards and self.topic is not None and bool(self.topic.search(sentence))


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

    def __init__(self, phrases: PhraseFile, *, source: str = PHRASES_FILE) -> None:
        rules: list[Rule] = []
        vocabulary: set[str] = set()
        for entries in phrases.words.values():
            for entry in entries:
                vocabulary.update(entry.split(" "))
        groups: list[tuple[Category, str, Phrases]] = [
            (category, category.value, getattr(phrases, category.value))
            for category in CATEGORY_ORDER
        ]
        groups.extend((Category.AMBIGUOUS, name, cue) for name, cue in phrases.cues.items())
        for category, label, group in groups:
            where = label if label == category.value else f"cues.{label}"
            for index, pattern in enumerate(group.patterns):
                try:
                    regex, anchors, not_after = _compile_pattern(pattern, phrases.words)
                    compiled = re.compile(regex)
                except (PatternError, re.error) as error:
                    raise ContentError(
                        f"The content file {source} has a problem at "
                        f"`{where}.patterns.{index}`: the pattern {pattern!r} {error}."
                    ) from None
                vocabulary.update(_WORD.findall(pattern.replace("_", " ")))
                guards = frozenset(group.guards)
                if pattern.split()[0] == "@":
                    guards -= {"others", "negation", "past"}
                rules.append(
                    Rule(
                        category,
                        LEVEL_OF[category],
                        compiled,
                        anchors,
                        not_after,
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
        self._by_anchor: dict[str, list[Rule]] = {}
        for rule in self.rules:
            for anchor in rule.anchors:
                self._by_anchor.setdefault(anchor, []).append(rule)
        self._anchors = frozenset(self._by_anchor)
        self._position = {rule: i for i, rule in enumerate(self.rules)}
        self._guards = _GuardSet(phrases.guards)
        self._combine = phrases.combine
        self.normaliser = Normaliser(
            _Lexicon.of(vocabulary), phrases.rewrite, phrases.ignore.phrases
        )

    @classmethod
    def from_content_dir(cls, content_dir: Path) -> CrisisMatcher:
        path = content_dir / PHRASES_FILE
        return cls(load_toml(path, PhraseFile), source=str(path))

    def match(self, text: str) -> Match | None:
        """The most severe crisis language in ``text`` (its category and level), or ``None``."""
        if not text or text.isspace():
            return None
        reading = self.normaliser.read(text)
        found = self._match(reading)
        if reading.ones and (found is None or found.level is not Level.HIGH):
            other = self._match(self.normaliser.read(text, one="l"))
            if other is not None and (found is None or other.level.rank > found.level.rank):
                found = other
        return found

    def _match(self, reading: Reading) -> Match | None:
        hits = self._anchors.intersection(reading.words)
        if not hits:
            return None
        text = reading.text
        tasks: list[tuple[int, Rule, int, int]] = []
        for word in hits:
            windows = _windows(text, f" {word} ")
            for rule in self._by_anchor[word]:
                position = self._position[rule]
                tasks.extend((position, rule, low, high) for low, high in windows)
        tasks.sort(key=lambda task: (task[0], task[2]))
        best: Rule | None = None
        found_rules: set[Rule] = set()
        for _, rule, low, high in tasks:
            if rule in found_rules or not self._found(rule, text, low, high):
                continue
            if rule.level is Level.HIGH:
                return Match(rule.category, rule.level)
            found_rules.add(rule)
            best = best or rule
        if best is None:
            return None
        found = Match(best.category, best.level)
        signals = Counter(rule.label for rule in found_rules)
        for combination in self._combine:
            if all(signals[name] >= combination.when.count(name) for name in combination.when):
                combined = Match.of(combination.category)
                if combined.level.rank > found.level.rank:
                    found = combined
        return found

    def _found(self, rule: Rule, text: str, low: int, high: int) -> bool:
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


def _windows(text: str, needle: str) -> list[tuple[int, int]]:
    """Merged spans of ``text`` within ``_WINDOW`` characters of each ``needle``."""
    windows: list[tuple[int, int]] = []
    at = text.find(needle)
    while at != -1:
        low = max(0, at - _WINDOW)
        high = min(len(text), at + len(needle) + _WINDOW)
        if windows and low <= windows[-1][1]:
            windows[-1] = (windows[-1][0], high)
        else:
            windows.append((low, high))
        at = text.find(needle, at + len(needle) - 1)
    return windows


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
