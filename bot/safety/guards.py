"""The guards: the words around a found pattern that stop it from counting (someone else's,
negated, in the past, a recovery story, quoting a crisis line, helping someone, reported
speech, the topic), looked up as phrases without one big regex."""

from __future__ import annotations

import datetime as dt
import re

from bot.safety.patterns import Spelling, _as_typed
from bot.safety.phrase_file import Guards

_WINDOW = 240
"""Characters searched either side of an anchor word; longer than any pattern can match."""


class _Phrases:
    """A set of phrases looked up by their first word, then as substrings (no big regex)."""

    def __init__(self, phrases: tuple[str, ...], spell: Spelling = _as_typed) -> None:
        by_first: dict[str, list[str]] = {}
        for phrase in phrases:
            phrase = spell(" ".join(phrase.split()))
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

    def __init__(self, guards: Guards, spell: Spelling = _as_typed) -> None:
        self.between = _Phrases(guards.between, spell)
        self.before = {
            "others": _Phrases(guards.others, spell),
            "negation": _Phrases(guards.negation, spell),
            "past": _Phrases(guards.past, spell),
        }
        self.not_negation_after = _Phrases(guards.not_negation_after, spell)
        self.story = _Phrases(guards.story, spell)
        self.present = _Phrases(guards.present, spell)
        self.resources = _Phrases(guards.resources, spell)
        self.addressed = _Phrases(guards.addressed, spell)
        self.helping = _Phrases(guards.helping, spell)
        self.referents = _Phrases(guards.referents, spell)
        self.topic = _Phrases(guards.topic, spell)
        self.reported = _Phrases(guards.reported, spell)
        self.own_words = _Phrases(guards.own_words, spell)
        self.returning = _Phrases(guards.returning, spell)
        self.conditional = _Phrases(guards.conditional, spell)
        self.first_person = frozenset(map(spell, guards.first_person))
        self.own_question = _Phrases(guards.own_question, spell)
        self.not_literal = _Phrases(guards.not_literal, spell)
        self.literal = _Phrases(guards.literal, spell)
        self.ordinary = _Phrases(guards.ordinary, spell)
        self.ordinary_unless = _Phrases(guards.ordinary_unless, spell)
        self.leaving = _Phrases(guards.leaving, spell)
        self.coping = _Phrases(guards.coping, spell)
        self.coping_unless = _Phrases(guards.coping_unless, spell)
        self.asked = _Phrases(guards.asked, spell)
        self.past_form = _Phrases(guards.past_form, spell)
        self.present_form = _Phrases(guards.present_form, spell)
        self.recent = _Phrases(guards.recent, spell)
        self.story_time = _Phrases(guards.story_time, spell)
        self.resolved = _Phrases(guards.resolved, spell)
        self.story_unless = _Phrases(guards.story_unless, spell)
        self.this_year = dt.datetime.now(dt.UTC).year
        """A year before this one dates a story ("in 2009 i tried..."); a later one does not."""

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
        if (
            "story" in guards
            and (self.story.within(sentence, words) or self.dated(sentence))
            and not self.present.within(sentence, words)
        ):
            return True
        at = (start - first, end - first)
        if "story" in guards and self.told_before(sentence, words, at, text):
            return True
        if within("resources", guards, sentence, words) and self.addressed.within(sentence, words):
            return True
        if within("helping", guards, sentence, words) and self.referents.within(sentence, words):
            return True
        if "reported" in guards and self._reported(sentence, words, start - first):
            return True
        if "topic" in guards and self.topic.within(sentence, words):
            return True
        if "conditional" in guards and self._advised(sentence, words, start - first, end - first):
            return True
        if guards.isdisjoint(_AROUND_GUARDS):
            return False
        around = text[max(0, start - _WINDOW) : min(len(text), end + _WINDOW)]
        return self._around(around, frozenset(around.split()), sentence, words, guards)

    def _around(
        self,
        around: str,
        near: frozenset[str],
        sentence: str,
        words: frozenset[str],
        guards: frozenset[str],
    ) -> bool:
        """The guards that look at the words around a match, not only its sentence: a
        goodbye with words of coming back, advice to anyone with no first-person word near,
        a not-literal marker, a coping step, ordinary leaving (a job, a lease) near."""
        if "returning" in guards and self.returning.within(around, near):
            return True
        if (
            "conditional" in guards
            and self.conditional.within(sentence, words)
            and self.first_person.isdisjoint(near)
            and not self.own_question.within(around, near)
        ):
            return True
        if "not_literal" in guards and self.said_not_literal(around, near):
            return True
        if "coping" in guards and self.coped(around, near):
            return True
        return (
            "ordinary" in guards
            and self.ordinary.within(around, near)
            and self.leaving.within(sentence, words)
            and not self.ordinary_unless.within(around, near)
        )

    def _advised(self, sentence: str, words: frozenset[str], start: int, end: int) -> bool:
        """Whether the match at ``sentence[start:end]`` is advice or a question to someone
        else: after an addressee who is anyone or a generic you ("if youre having thoughts
        of hurting yourself, please reach out") with no first-person word from there to the
        match's end, or in a question put to you ("have you had any thoughts of suicide?",
        "are you thinking about ending your life?") with no first-person word in it."""
        if self.own_question.within(sentence, words):
            return False
        said = self.conditional.last(sentence, words, start + 1)
        if said != -1 and self.first_person.isdisjoint(sentence[said:end].split()):
            return True
        return (
            sentence.rstrip().endswith("?")
            and self.asked.last(sentence, words, start + 1) != -1
            and self.first_person.isdisjoint(words)
        )

    def told_before(
        self, sentence: str, words: frozenset[str], at: tuple[int, int], text: str
    ) -> bool:
        """Whether the match at ``sentence[at[0]:at[1]]`` is a past act in a story the
        message ``text`` tells, its time in another sentence ("five years ago my life was a
        mess. i was cutting most nights. now im four years sober"): the match in a past
        form (``past_form``, not ``present_form``), its sentence with nothing of now or just
        now (``recent``: "i cut again last night" is a crisis), and the message placing a
        story in the past and saying how things are now (``told_story``)."""
        window = sentence[max(0, at[0] - 80) : at[1]]
        near = frozenset(window.split())
        if not self.past_form.within(window, near) or self.present_form.within(window, near):
            return False
        if self.recent.within(sentence, words):
            return False
        return self.told_story(text, frozenset(text.split()))

    def told_story(self, text: str, words: frozenset[str]) -> bool:
        """Whether the message places a story in the past (``story_time``, a year, an age)
        and says how things are now (``resolved``), without bringing the act back
        (``story_unless``)."""
        return (
            self.resolved.within(text, words)
            and (self.story_time.within(text, words) or self.dated(text))
            and not self.story_unless.within(text, words)
        )

    def dated(self, sentence: str) -> bool:
        """Whether ``sentence`` dates itself in the past: a year before this one ("in 2009",
        "back in 2015"), an age ("at 16 i", "when i was 19", "aged 22")."""
        if _AGE.search(sentence):
            return True
        return any(int(year) < self.this_year for year in _YEAR.findall(sentence))

    def said_not_literal(self, around: str, words: frozenset[str] | None = None) -> bool:
        """Whether ``around`` marks itself as not meant ("lol jk", "not literally", "/j") and
        does not take that back ("not kidding", "this time i mean it")."""
        words = frozenset(around.split()) if words is None else words
        return self.not_literal.within(around, words) and not self.literal.within(around, words)

    def coped(self, text: str, words: frozenset[str] | None = None) -> bool:
        """Whether ``text`` names a coping step ("called my sponsor") that did not fail."""
        words = frozenset(text.split()) if words is None else words
        return self.coping.within(text, words) and not self.coping_unless.within(text, words)

    def model_not_asked(self, text: str, words: frozenset[str]) -> bool:
        """Whether the model's second look is skipped for the whole message ``text`` (its
        n-grams cannot see these frames): a coping step that did not fail ("not going to drink
        over it"), a not-literal marker, advice to anyone (a generic addressee and no
        first-person word), ordinary leaving ("two more shifts and im done with this job"),
        or a story dated by a year or an age with nothing bringing it back to now."""
        if self.coped(text, words) or self.said_not_literal(text, words):
            return True
        if (
            self.first_person.isdisjoint(words)
            and self.conditional.within(text, words)
            and not self.own_question.within(text, words)
        ):
            return True
        if (
            self.ordinary.within(text, words)
            and self.leaving.within(text, words)
            and not self.ordinary_unless.within(text, words)
        ):
            return True
        return self.dated(text) and not self.present.within(text, words)

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


_YEAR = re.compile(r" (?:in|around|of|back in|during) ((?:19|20)[0-9][0-9]) ")
"""A year placing what the sentence tells ("in 2009", "summer of 2015"); not "since 2019",
which runs on to now."""
_AGE_NUMBER = (
    r"(?:1[0-9]|[2-9][0-9]|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
    r"|(?:twenty|thirty|forty|fifty|sixty)(?: one| two| three| four| five| six| seven| eight"
    r"| nine)?)"
)
_AGE = re.compile(
    rf" (?:at|aged|age|at age) {_AGE_NUMBER} (?:i |and i )?(?:was|were|had|tried|took|wanted|cut"
    r"|burned|burnt|overdosed|attempted|did|started|got|went|ended|spent|used|swallowed|jumped"
    r"|wrote|left|lost|thought|felt|nearly|almost|ended up|years old|yrs old|yo) "
    rf"| when i was {_AGE_NUMBER} | (?:at|aged) {_AGE_NUMBER} [.?]"
    r"| (?:in|during) (?:year|grade) [0-9]{1,2} | (?:in|during) [0-9]{1,2}(?:st|nd|rd|th) grade "
    r"| (?:in|during) the (?:[5-9]0s|19[5-9]0s|2000s|2010s|fifties|sixties|seventies|eighties"
    r"|nineties) "
)
"""An age, a school year or a decade placing what the sentence tells ("at 16 i was in the
ward", "when i was nineteen", "in year 10", "in the 90s"). An age needs a verb in the past
after it ("at 40 i want to die" is now)."""

_BEFORE_GUARDS = frozenset({"others", "negation", "past"})
_AROUND_GUARDS = frozenset({"returning", "conditional", "not_literal", "coping", "ordinary"})
