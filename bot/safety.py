"""The crisis-language safety net: a phrase matcher and the record of matches.

The matcher is plain Python (no Discord): it normalises a message and looks for the phrases
in ``data/crisis_phrases.toml``. It returns only the *category* that matched, never the
text, so nothing downstream can store or log a member's words by accident.

Normalisation, applied identically to the message and to every phrase:

1. Unicode NFKC (full-width and styled letters become plain ones), then case-folding.
2. Zero-width, bidi-control and other invisible characters are removed.
3. Look-alikes inside a word are mapped to letters: ``k!ll`` → ``kill``, ``su1c1de`` →
   ``suicide``, ``$`` → ``s``, Cyrillic ``а`` → ``a``. A ``1`` may stand for ``i`` or ``l``,
   so both readings are tried. Trailing ``!`` and ``?`` stay punctuation.
4. Dotted abbreviations are joined (``o.d.`` → ``od``); then anything that is not a letter or
   digit becomes a space.
5. Runs of three or more single letters are joined: ``k i l l  m y s e l f`` → ``killmyself``
   (each phrase is also tried without spaces, so this matches "kill myself").
6. Repeated letters are collapsed: ``kiiiill`` and ``kill`` both become ``kil``.

Phrases match whole words only. A phrase written with an apostrophe ("can't") also matches
without it ("cant"): the apostrophe becomes a space in step 4, so both spellings are compiled.
Phrases listed under ``at_end`` match only when they end a sentence or the message ("I can't
go on." and "I can't go on. Everything hurts." but not "I can't go on the trip"). The policy
for false positives is written at the top of the data file and in the README: figures of
speech are not listed, so they never match; talking about the topic may match, and staff
decide.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import Field

from bot.content import ContentModel, load_toml
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


_GROUP_CATEGORY = {"direct": Category.ACTIVE, "means": Category.METHOD, "slang": Category.ACTIVE}
CHECK_ORDER = ("direct", "means", "slang")
"""The phrase groups of the data file, checked in this order (the first match is reported)."""

DM = "dm"
"""The category recorded for a direct message to the bot (never matched, always answered)."""


# --------------------------------------------------------------------------- content


class PhraseGroup(ContentModel):
    description: str = Field(min_length=1, max_length=200)
    phrases: tuple[str, ...] = Field(min_length=1)
    at_end: tuple[str, ...] = ()
    """Phrases that count only as the last words of a message (everyday speech otherwise)."""


class IgnoreGroup(ContentModel):
    phrases: tuple[str, ...] = ()


class PhraseFile(ContentModel):
    direct: PhraseGroup
    slang: PhraseGroup
    means: PhraseGroup
    ignore: IgnoreGroup = IgnoreGroup()


# ----------------------------------------------------------------------- normalising

_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)

_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ӏ": "l", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ς": "s", "σ": "s",
}  # fmt: skip

_IN_WORD = {
    "0": "o", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l",
}  # fmt: skip
"""Symbols read as letters when they sit inside a word (``k!ll``), not at its edges."""

_ONE_AS = ("i", "l")
_EDGE_PUNCTUATION = ".,;:!?\"'()[]{}<>*_~`-–—…"
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DOTTED = re.compile(r"(?<![a-z0-9])(?:[a-z]\.)+[a-z]\.?(?![a-z0-9])")
_SENTENCE_END = re.compile(r"[.!?…;]+(?=\s|$)|\n")
_REPEATS = re.compile(r"([a-z0-9])\1+")


def _strip_edges(token: str) -> tuple[str, str, str]:
    start, end = 0, len(token)
    while start < end and token[start] in _EDGE_PUNCTUATION:
        start += 1
    while end > start and token[end - 1] in _EDGE_PUNCTUATION:
        end -= 1
    return token[:start], token[start:end], token[end:]


def _map_token(token: str, one: str) -> str:
    lead, core, trail = _strip_edges(token)
    if not any(ch.isalpha() for ch in core):
        return token
    mapped = "".join(one if ch == "1" else _IN_WORD.get(ch, ch) for ch in core)
    return f"{lead}{mapped}{trail}"


def _join_spaced_letters(words: list[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1:
            run.append(word)
            continue
        if len(run) >= 3:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if word:
            out.append(word)
    return out


def _base(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _INVISIBLE.sub("", text)
    text = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )
    return "".join(_HOMOGLYPHS.get(ch, ch) for ch in text)


def normalise_variants(text: str) -> tuple[str, ...]:
    """The message as the matcher sees it (one reading per meaning of ``1``)."""
    base = _base(text)
    variants = []
    for one in _ONE_AS:
        mapped = " ".join(_map_token(token, one) for token in base.split())
        mapped = _DOTTED.sub(lambda dotted: dotted.group(0).replace(".", ""), mapped)
        words = _NON_ALNUM.sub(" ", mapped).split()
        joined = " ".join(_join_spaced_letters(words))
        variants.append(_REPEATS.sub(r"\1", joined))
        if "1" not in base:
            break
    return tuple(dict.fromkeys(variants))


def normalise(text: str) -> str:
    """The first reading of ``text`` (used for phrases, which are written plainly)."""
    return normalise_variants(text)[0]


# -------------------------------------------------------------------------- matching


_APOSTROPHES = re.compile("['\u2019\u2018\u02bc`]")


def _phrase_pattern(phrase: str, *, at_end: bool = False) -> re.Pattern[str]:
    options: list[str] = []
    # "can't" normalises to "can t"; people also type "cant", so both spellings are tried.
    for spelling in dict.fromkeys((phrase, _APOSTROPHES.sub("", phrase))):
        plain = normalise(spelling)
        options.append(re.escape(plain))
        squashed = plain.replace(" ", "")
        if squashed != plain:
            options.append(re.escape(_REPEATS.sub(r"\1", squashed)))
    ending = r"\s*$" if at_end else r"(?![a-z0-9])"
    return re.compile(rf"(?<![a-z0-9])(?:{'|'.join(dict.fromkeys(options))}){ending}")


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
    """Finds crisis language in a message; ``match`` returns a category or ``None``."""

    def __init__(self, phrases: PhraseFile) -> None:
        self._patterns: dict[str, tuple[re.Pattern[str], ...]] = {}
        self._at_end: dict[str, tuple[re.Pattern[str], ...]] = {}
        for category in CHECK_ORDER:
            group: PhraseGroup = getattr(phrases, category)
            self._patterns[category] = tuple(_phrase_pattern(p) for p in group.phrases if p.strip())
            self._at_end[category] = tuple(
                _phrase_pattern(p, at_end=True) for p in group.at_end if p.strip()
            )
        self._ignore = tuple(_phrase_pattern(p) for p in phrases.ignore.phrases if p.strip())

    @classmethod
    def from_content_dir(cls, content_dir: Path) -> CrisisMatcher:
        return cls(load_toml(content_dir / PHRASES_FILE, PhraseFile))

    def match(self, text: str) -> Match | None:
        if not text or not text.strip():
            return None
        text = text[:4000]
        whole = self._readings(text)
        ends: list[str] | None = None  # sentence readings, made only when needed
        for category in CHECK_ORDER:
            if any(p.search(v) for v in whole for p in self._patterns[category]):
                return Match.of(_GROUP_CATEGORY[category])
            if self._at_end[category]:
                if ends is None:
                    ends = [
                        reading
                        for sentence in _SENTENCE_END.split(text)
                        if sentence.strip()
                        for reading in self._readings(sentence)
                    ]
                if any(p.search(v) for v in ends for p in self._at_end[category]):
                    return Match.of(_GROUP_CATEGORY[category])
        return None

    def _readings(self, text: str) -> list[str]:
        """The normalised readings of ``text`` with ignored phrases blanked out."""
        readings = []
        for variant in normalise_variants(text):
            for pattern in self._ignore:
                variant = pattern.sub(" | ", variant)
            readings.append(variant)
        return readings


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
