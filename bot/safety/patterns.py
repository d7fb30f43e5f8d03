"""The pattern compiler: each pattern of the data file as regexes around its anchor words.

``_compile_pattern`` reads a pattern (``{wish_die} die``, ``wish|wished i|id was|were dead``)
into a ``Compiled``: the whole pattern as a regex, and for each anchor word (a word of its least
common required part) the words before it as a regex over the reversed text and the words after
it as one over the text. A ``Rule`` is one compiled pattern with its category, level and guards;
an ``_Entry`` is a rule seen from one of its anchor words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.safety.phrase_file import _LIST_NAME, _is_phrase
from bot.safety.values import Category, Level

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


Spelling = Callable[[str], str]
"""A phrase as the normaliser's rewrites leave it (``Normaliser.spell``)."""


def _as_typed(phrase: str) -> str:
    return phrase


def _piece(token: str, words: Mapping[str, tuple[str, ...]], spell: Spelling = _as_typed) -> _Piece:
    gaps = {"..": (_GAP, 3), "...": (_GAP, 8), "~": (_GAP_ACROSS, 12)}
    if token in gaps:
        word, most = gaps[token]
        return _Piece(f"(?:{word} ){{0,{most}}}", f"(?: {word}){{0,{most}}}")
    if token == "$":
        return _Piece(_END, None)
    if token.startswith("!"):
        return _Piece(f"(?!{_options_regex(token[1:], words, spell)} )", None)
    if token.startswith("[") and token.endswith("]"):
        inner = _options(token[1:-1], words, spell)
        back = _regex_of(inner, reverse=True)
        return _Piece(f"(?:{_regex_of(inner)} )?", f"(?: {back})?")
    if "$" in token.split("|"):
        rest = "|".join(part for part in token.split("|") if part != "$")
        if not rest:
            raise PatternError("has an empty choice")
        return _Piece(f"(?:{_options_regex(rest, words, spell)} |{_END})", None)
    found = _options(token, words, spell)
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
    spell: Spelling = _as_typed,
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
        not_after = frozenset(_options(tokens.pop(0)[1:], words, spell))
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
            piece = pieces_of[token] = _piece(token, words, spell)
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


def _options(
    token: str, words: Mapping[str, tuple[str, ...]], spell: Spelling = _as_typed
) -> list[str]:
    """The phrases ``token`` stands for; a literal one as ``spell`` leaves it (``{list}``
    entries are spelt once, where the lists are read)."""
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
        elif part == "#":
            options.append(part)
        elif _is_phrase(part):
            options.append(spell(part))
        else:
            raise PatternError(f"has {part!r}, which is neither a word nor a {{list}}")
    return options


def _options_regex(
    token: str,
    words: Mapping[str, tuple[str, ...]],
    spell: Spelling = _as_typed,
    *,
    reverse: bool = False,
) -> str:
    return _regex_of(_options(token, words, spell), reverse=reverse)


def _regex_of(found: list[str], *, reverse: bool = False) -> str:
    """A choice of phrases as a regex, longest first (reversed, for reading backwards)."""
    options = sorted(dict.fromkeys(found), key=len, reverse=True)
    if reverse:
        options = [option[::-1] for option in options]
    return "(?:" + "|".join(map(_escape, options)) + ")"


_escape = functools.cache(re.escape)
