"""Discord quote lines: which words of a reply are the replier's own (``OwnWords``).

A reply that begins ``> ...`` quotes another member (Discord's quote markdown); that member's
own message was checked when they posted it. So quoted lines are left out of the reply, and
only the replier's own lines are matched, EXCEPT when those own lines are short agreement or
identification with the quote ("same", "me too", "felt this", "+1", emoji only): then the
quote counts as the replier's own words. A message that is only a quote counts whole too
(nothing else was said; people also use ``>`` to set out their own text).

A quote line is ``>`` followed by a space (or nothing) at the start of a line, after any
spaces; ``> >`` (a quote of a quote) is a quote line too; ``>>> `` quotes the rest of the
message, as Discord renders it. A ``>`` anywhere else ("3 > 2") and every line inside a
``````` code block are ordinary text. One pass over the lines; each line is handled by
string methods (in C), so the time is linear in the length of the message.
"""

from __future__ import annotations

import re

from bot.safety.normaliser import _LIMIT

_WORDS = re.compile(r"[a-z0-9]+")
_FENCE = "```"
_MARKS = re.compile(r"(?:>[ \t]+|>$)+")
"""The quote markers at the start of a quote line ("> ", "> > ", a bare ">")."""


class OwnWords:
    """The words of a message that count as its writer's own (see the module docstring)."""

    def __init__(self, agree: tuple[str, ...], most_words: int) -> None:
        self._agree = frozenset(word for phrase in agree for word in phrase.split())
        """Words that make a reply agreement or identification (and the fillers around
        them: "same here tbh", "literally me")."""
        self._most_words = most_words
        """Agreement is short: more own words than this, and the reply says its own thing."""

    def agreeing(self, own: str) -> bool:
        """Whether ``own`` (the reply's own lines) only agrees with or identifies with the
        quote: every word one of the agreement words and few of them, or no word at all
        (emoji, "+1" is the word "1")."""
        words = _WORDS.findall(own.lower())
        return len(words) <= self._most_words and self._agree.issuperset(words)

    def of(self, text: str) -> str:
        """``text`` as its writer's own words: quoted lines left out, unless the rest agrees.

        Returns ``text`` itself when it has no quote line (the common case, one ``in`` test).
        """
        if ">" not in text:
            return text
        text = text[:_LIMIT]
        own: list[str] = []
        quoted: list[str] = []
        in_code = False
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if in_code or _FENCE in line:
                if line.count(_FENCE) % 2:
                    in_code = not in_code
                own.append(line)
                continue
            body = line.lstrip(" \t")
            if body.startswith(">>> ") or body == ">>>":
                quoted.append(body[3:])
                quoted.extend(lines[index + 1 :])
                break
            marks = _MARKS.match(body)
            if marks is not None:
                quoted.append(body[marks.end() :])
            else:
                own.append(line)
        if not quoted:
            return text
        own_text = "\n".join(own)
        if own_text.strip() and not self.agreeing(own_text):
            return own_text
        return "\n".join((*quoted, own_text))
