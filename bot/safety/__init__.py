"""The crisis-language safety net: a small grammar over normalised text, and the match record.

The matcher is plain Python (no Discord). It reads a message once into a normalised form,
then looks for *ways of saying it* written in ``data/crisis_phrases.toml``: patterns over
words and word lists (``{wish_die} die``, ``wish|wished i|id was|were dead``), grouped by
category, plus cue groups that count only together (``[[combine]]``). It returns only the
category and its level, never the text, so nothing downstream can store or log a member's
words by accident.

First, a reply's Discord quote lines (``> ...``, another member's words, checked when they
posted them) are left out unless the reply's own lines only agree with them ("same", "me
too", "+1"), in one pass over the lines (``bot.safety.quotes``; ``[quotes]`` in the data file).

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
   ``dont``); ``. ! ? ;`` and new lines end a sentence, except a decimal point ("2.5mg",
   "10.30"); every other symbol is a space (one ``str.translate``).
4. Spaced-out letters are joined when they spell known words (``k i l l  m y s e l f`` →
   ``kill myself``); stretched letters are read as the word they stretch (``kiiiilllll`` →
   ``kill``, ``offfff`` → ``off``). Doubled letters are kept, so "of myself" is never
   "off myself".
5. Slang is rewritten to plain words (``unalive`` → ``die``, ``sewerslide`` → ``suicide``,
   ``theyd`` → ``they would``) and set phrases that only look like crisis language are
   blanked ("killing myself laughing", "in the end"). The patterns', lists' and guards'
   own phrases are spelt the same way when the data file is read (``Speller``: a pattern
   written "youre" looks for "you are"), so no entry is left that no message could match.

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

When the grammar finds nothing that alerts, an optional small model (``bot.safety.model``,
passed in as ``model``) reads the same normalised text; what it finds is at most ``CONCERN``.
"""

# The package, by job: values (levels, categories, the reply cooldown, guard names, the model's
# protocol), phrase_file (the content file's models), normaliser (reading a message), patterns
# (the pattern compiler), guards (what stops a match from counting), quotes (a reply's own
# lines), matcher (CrisisMatcher)
# and match_log (the match record and rate limit); memory (the short memory of signals) and
# model (the optional linear model) are imported from their own modules. Every module that
# logs does so as ``bot.safety``.

from bot.safety.match_log import CrisisMatchLog, MatchOutcome
from bot.safety.matcher import CrisisMatcher, Match
from bot.safety.normaliser import Normaliser, Reading
from bot.safety.patterns import Compiled, PatternError, Rule
from bot.safety.phrase_file import PHRASES_FILE, Combination, Guards, Ignore, PhraseFile, Phrases
from bot.safety.values import (
    CATEGORY_ORDER,
    DM,
    GUARDS,
    KNOWN_GUARDS,
    LEVEL_OF,
    REPLY_COOLDOWN,
    Category,
    Level,
    SecondLook,
)

__all__ = [
    "CATEGORY_ORDER",
    "DM",
    "GUARDS",
    "KNOWN_GUARDS",
    "LEVEL_OF",
    "PHRASES_FILE",
    "REPLY_COOLDOWN",
    "Category",
    "Combination",
    "Compiled",
    "CrisisMatchLog",
    "CrisisMatcher",
    "Guards",
    "Ignore",
    "Level",
    "Match",
    "MatchOutcome",
    "Normaliser",
    "PatternError",
    "PhraseFile",
    "Phrases",
    "Reading",
    "Rule",
    "SecondLook",
]
