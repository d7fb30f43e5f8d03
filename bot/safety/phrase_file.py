"""The content file ``data/crisis_phrases.toml`` as pydantic models, checked when it is read:
word lists, rewrites, ignored phrases, guards, each category's patterns, cues and combinations.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from bot.content import ContentModel
from bot.safety.values import GUARDS, KNOWN_GUARDS, Category

PHRASES_FILE = "crisis_phrases.toml"


_TEMPLATE_CHARS = re.compile(r"[a-z0-9 {}_|\[\]!<.$^#~@]+")


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
    conditional: tuple[str, ...] = ()
    """An addressee that is anyone or a generic you ("if anyone here is having thoughts of..."):
    a match after one, with no first-person word in between, is advice or an announcement."""
    own_question: tuple[str, ...] = ()
    """...unless the question is about oneself ("what would you do if youd set a date?")."""
    first_person: tuple[str, ...] = ()
    asked: tuple[str, ...] = ()
    """A question put to you ("have you had thoughts of...?", "are you safe?"): a match in
    it, with no first-person word in the question, asks about someone else's risk."""
    not_literal: tuple[str, ...] = ()
    """Markers that a message says itself not meant ("lol jk", "not literally", "/j")..."""
    literal: tuple[str, ...] = ()
    """...unless it says it is meant after all ("this time i mean it", "not joking")."""
    ordinary: tuple[str, ...] = ()
    """Ordinary things one leaves (a job, a lease, school): a sentence about them..."""
    ordinary_unless: tuple[str, ...] = ()
    """...unless it also names what a plan is about ("ending it", "do it", "pills")."""
    leaving: tuple[str, ...] = ()
    """Words of leaving, which an ordinary sentence must have too ("then im out")."""
    coping: tuple[str, ...] = ()
    """A coping step taken or planned ("called my sponsor", "not going to drink over it"):
    with one, the model's second look does not alert (the grammar still decides)..."""
    coping_unless: tuple[str, ...] = ()
    """...unless the message says the step failed ("didnt help", "no one answered")."""
    past_form: tuple[str, ...] = ()
    """A past verb form on the match itself ("i was cutting", "id taken", "i thought
    about"): in a message that tells a story (``story_time``) and says how things are now
    (``resolved``), the match is part of the story..."""
    present_form: tuple[str, ...] = ()
    """...unless its sentence, up to the match, is in the present ("i want", "i still")..."""
    recent: tuple[str, ...] = ()
    """...or its sentence says it is now or just happened ("tonight", "an hour ago")..."""
    story_time: tuple[str, ...] = ()
    """Words placing a story in the past, anywhere in the message ("back then", "my first
    months"), besides the story phrases, a year and an age."""
    resolved: tuple[str, ...] = ()
    """Words of how things are now ("sober 3 years now", "writing this from")."""
    story_unless: tuple[str, ...] = ()
    """...and it is not a story when the message brings the act back ("did it again tonight")."""


class Combination(ContentModel):
    """Signals that together, in one message, mean more than each alone."""

    when: tuple[str, ...] = Field(min_length=2)
    """Categories or cue groups (a name twice: two different patterns of it)."""
    category: Category


class Quotes(ContentModel):
    """Discord quote lines (``> ...``) in a reply: the quoted member's words, not the
    replier's, unless the replier's own lines only agree with them (``bot.safety.quotes``)."""

    agree: tuple[str, ...] = ()
    """Words of agreement or identification ("same", "me too", "felt this", "+1" as "1")
    and the fillers around them; own lines made only of these make the quote their own."""
    most_words: int = Field(default=8, ge=0, le=40)
    """Agreement is short: own lines with more words than this say their own thing."""

    @field_validator("agree")
    @classmethod
    def _words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            if not _is_phrase(entry):
                raise ValueError(f"quotes.agree has {entry!r}: use lowercase words only")
        return value


class Ignore(ContentModel):
    phrases: tuple[str, ...] = ()


class Abbreviations(ContentModel):
    """Slang abbreviations that are also ordinary ones, and the frames of their other senses
    (``bot.safety.abbreviations``)."""

    words: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    """Words of distance and speed: beside one, the abbreviation is a unit ("kms")."""
    meanings: tuple[str, ...] = ()
    """Words asking or telling what letters stand for ("mean", "stands for")."""
    emphases: tuple[str, ...] = ()
    """Phrases where a meaning word only stresses ("i mean it"): they cancel it."""
    intents: tuple[str, ...] = ()
    """Words before the abbreviation that make it something the writer will do ("gonna"):
    then no frame blanks it."""

    @field_validator("words", "measures", "meanings", "emphases", "intents")
    @classmethod
    def _phrases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for entry in value:
            if not _is_phrase(entry):
                raise ValueError(f"abbreviations has {entry!r}: use lowercase words only")
        return value


class PhraseFile(ContentModel):
    words: dict[str, tuple[str, ...]]
    rewrite: dict[str, str] = Field(default_factory=dict)
    ignore: Ignore = Ignore()
    abbreviations: Abbreviations = Abbreviations()
    quotes: Quotes = Quotes()
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
