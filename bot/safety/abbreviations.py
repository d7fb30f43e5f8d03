"""Slang abbreviations used in their other senses: "kms" as kilometres, "ctb" spelt out.

A few crisis abbreviations ("kms", "ctb", "od", "sh") are also ordinary ones. In a sentence
that is about the letters themselves or about distance and speed, the abbreviation is blanked
(``~``) before the rewrites and the patterns read it, as [ignore] does for set phrases. Three
frames, each confined to the abbreviation's own sentence, so a crisis said in the next
sentence still counts:

- a measure named beside it ("velocity in km s ... kms", "kms on the treadmill");
- its meaning asked or told ("what does kms mean", "ctb in my office means cost to build"),
  not the emphasis "i mean it" ("kmsss i mean it this time" still counts);
- its expansion right after it, one word per letter ("ctb click to buy").

None of them applies where the abbreviation is said as something the writer will do ("im
gonna kms, that means tonight", "treadmill again, i wanna kms" still count).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.safety.phrase_file import Abbreviations


@dataclass(frozen=True)
class Abbreviated:
    """The compiled [abbreviations] section (``Normaliser`` calls ``blank``)."""

    words: frozenset[str]
    measures: tuple[str, ...]
    meanings: tuple[str, ...]
    emphases: tuple[str, ...]
    intents: frozenset[str]

    @classmethod
    def of(cls, section: Abbreviations) -> Abbreviated:
        return cls(
            frozenset(section.words),
            tuple(f" {phrase} " for phrase in section.measures),
            tuple(f" {phrase} " for phrase in section.meanings),
            tuple(f" {phrase} " for phrase in section.emphases),
            frozenset(section.intents),
        )

    def blank(self, text: str, words: set[str]) -> str:
        """``text`` (a reading: `` word word . word ``) with the abbreviations blanked where
        their sentence uses them in another sense; ``words`` is its set of words."""
        if self.words.isdisjoint(words):
            return text
        sentences = text.replace(" ? ", " ? \n").replace(" . ", " . \n").split("\n")
        return "".join(self._sentence(sentence) for sentence in sentences)

    def _sentence(self, sentence: str) -> str:
        tokens = sentence.split(" ")
        places = [i for i, token in enumerate(tokens) if token in self.words]
        if not places:
            return sentence
        padded = f" {sentence} "
        measured = any(phrase in padded for phrase in self.measures)
        explained = any(phrase in padded for phrase in self.meanings) and not any(
            phrase in padded for phrase in self.emphases
        )
        for i in places:
            said = i > 0 and tokens[i - 1] in self.intents
            if not said and (measured or explained or _spelt_out(tokens, i)):
                tokens[i] = "~"
        return " ".join(tokens)


def _spelt_out(tokens: list[str], at: int) -> bool:
    """Whether the words after ``tokens[at]`` start with its letters ("ctb click to buy")."""
    letters = tokens[at]
    following = tokens[at + 1 : at + 1 + len(letters)]
    return len(following) == len(letters) and all(
        word[:1] == letter for word, letter in zip(following, letters, strict=True)
    )
