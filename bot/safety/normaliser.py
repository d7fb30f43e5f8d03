"""Normalising: a message read once into the text the patterns are written for (``Reading``).

The steps are listed in the package docstring (``bot.safety``): Unicode folding and look-alikes,
leetspeak and censoring asterisks, punctuation, spaced-out and stretched letters, then slang
rewritten and set phrases blanked. ``_Lexicon`` holds the words the grammar knows.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from bot.safety.abbreviations import Abbreviated

_LIMIT = 4096
"""Characters read per message: Discord's longest message (4,000 with Nitro) and a margin."""

_LONGEST_SPACED = 60
"""Spaced-out letters are joined only up to this many ("k i l l m y s e l f" is 10)."""

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
_DECIMAL = re.compile(r"(?<=\d)[.,](?=\d)")
"""A decimal point or thousands comma ("2.5mg", "10.30", "1,000"): not a sentence end."""

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

    def __init__(
        self,
        lexicon: _Lexicon,
        rewrite: dict[str, str],
        ignore: tuple[str, ...],
        abbreviated: Abbreviated | None = None,
    ):
        self._lexicon = lexicon
        self._abbreviated = abbreviated
        """Abbreviations blanked where their sentence uses them in another sense."""
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
        if "." in text and _DECIMAL.search(text):
            text = _DECIMAL.sub(" ", text)
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
        if self._abbreviated is not None:
            text = self._abbreviated.blank(text, words)
        text = self._rewritten(text, words)
        return Reading(text, frozenset(words), ones=ones, ones_read=ones_read)

    def spell(self, phrase: str) -> str:
        """``phrase`` as the rewrites leave it in a message ("youre" → "you are").

        The patterns' words go through this too: a word the rewrites replace can never be
        found in a normalised message, so the pattern must look for what replaces it.
        """
        return " ".join(self._rewritten(f" {phrase} ", set(phrase.split())).split())

    def _rewritten(self, text: str, words: set[str]) -> str:
        """``text`` with [rewrite] and [ignore] applied (``words`` grows with what they add).

        Rewrites until nothing changes: slang a rewrite produces is read again ("sewer slide
        thoughts" → "suicide thoughts" → "suicidal thoughts"). At most _REWRITE_PASSES
        passes, so a loop in [rewrite] ("a" = "b", "b" = "a") cannot run on.
        """
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
        return text

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


class Speller:
    """The patterns' phrases as messages read after the rewrites: "youre" → "you are".

    A phrase the rewrites would change can never be found as written, so the matcher looks
    for what the rewrites leave. A phrase they would blank ([ignore]) is kept as written.
    """

    def __init__(self, rewrite: dict[str, str], ignore: tuple[str, ...]) -> None:
        self._normaliser = Normaliser(_Lexicon.of(set()), rewrite, ignore)

    def __call__(self, phrase: str) -> str:
        spelt = self._normaliser.spell(phrase)
        return phrase if "~" in spelt.split() else spelt
