"""The one boundary for typed text (house style 16). No Discord here: display escaping is bot.ui.

Everything a member or staff member types (a form's note, a slash option, a close reason)
passes ``sanitise`` before it is stored, encrypted, logged or shown:

* malformed Unicode (a lone surrogate such as U+D800) becomes U+FFFD, so encryption and
  Discord never see text that cannot be encoded;
* line and paragraph separators (U+2028, U+2029, NEL) and carriage returns become newlines;
* control characters go (newlines and tabs stay);
* invisible and direction-changing characters go: zero-width characters, bidi embeddings,
  overrides, isolates and marks, the soft hyphen, Unicode tag characters, Hangul fillers, the
  braille blank, and any other invisible format character;
* a variation selector stays only right after a character it can change, one per character
  (a run of them after an emoji can hide a whole message);
* a zero-width joiner stays only between two emoji, where it is part of one picture (❤️‍🩹);
* the result is NFC-normalised, trimmed, and checked against the field's limit.

A text that is only invisible characters counts as empty: a required field is refused, an
optional one becomes ``None``. A refusal is a ``TextRefusedError`` whose sentence names the field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from bot.errors import UserFacingError


@dataclass(frozen=True)
class TextField:
    """One place a person types: what we call it to them, its limit, and how it is kept."""

    name: str
    """How the field is named to the person, e.g. "note" or "reason"."""
    limit: int
    """The most characters kept (after cleaning)."""
    required: bool = False
    one_line: bool = False
    """Runs of whitespace (newlines too) become one space, as in a label."""


class TextRefusedError(UserFacingError):
    """A typed text was refused (too long, or empty where something is needed)."""

    def __init__(self, message: str, field: TextField) -> None:
        super().__init__(message)
        self.field = field


# An emoji, or the variation selector that makes one (for the joiner rule).
_EMOJI = "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2190-\u2bff\u3030\u303d\ufe0f\U0001f000-\U0001faff"
_EMOJI_CHAR = re.compile(f"[{_EMOJI}]")

# The only tag sequences kept: the three subdivision flags (England, Scotland, Wales). Every
# other tag character (U+E0000-U+E007F) is removed: they are invisible and can carry text.
_TAG_FLAG = (
    "\U0001f3f4\U000e0067\U000e0062"
    "(?:\U000e0065\U000e006e\U000e0067|\U000e0073\U000e0063\U000e0074|\U000e0077\U000e006c\U000e0073)"
    "\U000e007f"
)

_PLAIN = re.compile("[\x20-\x7e\n\t]*")
_NEWLINES = re.compile("\r\n|[\r\u0085\u2028\u2029]")

INVISIBLE = frozenset(
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # Arabic letter mark
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u17b4\u17b5"  # Khmer inherent vowels (invisible)
    "\u180e"  # Mongolian vowel separator
    "\u200b\u200c\u200e\u200f"  # zero width space, non-joiner; left/right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\u206a\u206b\u206c\u206d\u206e\u206f"  # deprecated format characters
    "\u2800"  # braille pattern blank
    "\ufeff"  # zero width no-break space (BOM)
    "\ufff9\ufffa\ufffb"  # interlinear annotation
    "\ufffe\uffff"  # noncharacters
)
"""Characters that show nothing (or only change the direction of what follows)."""

_VISIBLE_FORMAT = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
"""Format characters that do show a sign (Arabic number marks and the like): kept."""

_ZWJ = "\u200d"

_SUSPECT = re.compile(
    f"({_TAG_FLAG})"
    "|[\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160"
    "\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb\ufffe\uffff\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
)
"""Every character ``clean`` may have to drop or check: all others are kept as they are.
(Every format character, category Cf, of Unicode 15 is in it.)"""


def _is_selector(ch: str) -> bool:
    code = ord(ch)
    return (
        0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or code in (0x180B, 0x180C, 0x180D, 0x180F)
    )


def _selector_fits(selector: str, base: str | None) -> bool:
    """A variation selector is kept only directly after a character it can change."""
    if base is None or base.isspace() or _is_selector(base):
        return False
    category = unicodedata.category(base)
    if category[0] not in "LNSP":
        return False
    if ord(selector) >= 0xE0100:  # ideographic variation sequences: Han characters only
        return "IDEOGRAPH" in unicodedata.name(base, "")
    return True


def _drops(ch: str) -> bool:
    if ch in "\n\t":
        return False
    if ch in INVISIBLE or 0xE0000 <= ord(ch) <= 0xE007F:  # tag characters
        return True
    category = unicodedata.category(ch)
    if category == "Cc" or category == "Cs":
        return True
    return category == "Cf" and ch not in _VISIBLE_FORMAT


def clean(text: str) -> str:
    """``text`` with malformed Unicode replaced and every invisible trick removed (NFC).

    Only the characters change: no trimming and no length check (``sanitise`` does those).
    Also used when showing text stored before this boundary existed.
    """
    if _PLAIN.fullmatch(text):  # the common case: printable ASCII, newlines and tabs
        return text
    # A lone surrogate cannot be encoded: U+FFFD instead. A pair split in two becomes one.
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    text = _NEWLINES.sub("\n", text)

    def decide(match: re.Match[str]) -> str:
        if match.group(1):  # a whole subdivision flag
            return match.group(1)
        ch = match.group()
        at = match.start()
        previous = text[at - 1] if at else None
        if ch == _ZWJ:
            following = text[at + 1 : at + 2]
            keep = bool(
                previous
                and _EMOJI_CHAR.match(previous)
                and following
                and _EMOJI_CHAR.match(following)
            )
            return ch if keep else ""
        if _is_selector(ch):
            return ch if _selector_fits(ch, previous) else ""
        return "" if _drops(ch) else ch

    return unicodedata.normalize("NFC", _SUSPECT.sub(decide, text))


def sanitise(text: str | None, field: TextField) -> str | None:
    """The typed ``text`` as it may be stored and shown, ``None`` when it is (visibly) empty.

    Raises ``TextRefusedError`` naming the field when it is too long, or empty but required.
    """
    raw = text or ""
    cleaned = clean(raw)
    cleaned = " ".join(cleaned.split()) if field.one_line else cleaned.strip()
    if not cleaned:
        if not field.required:
            return None
        if raw.strip():
            raise TextRefusedError(
                f"The {field.name} you wrote shows up as empty: it has only invisible "
                f"characters in it. Please write a {field.name} and try again.",
                field,
            )
        raise TextRefusedError(f"Please write a {field.name}.", field)
    if len(cleaned) > field.limit:
        raise TextRefusedError(
            f"Your {field.name} is {len(cleaned):,} characters long; the limit is "
            f"{field.limit}. Please shorten it and try again. Nothing was saved.",
            field,
        )
    return cleaned


def sanitise_required(text: str | None, field: TextField) -> str:
    """``sanitise`` for a required field: never ``None`` (an empty text is refused)."""
    value = sanitise(text, field if field.required else replace(field, required=True))
    assert value is not None
    return value
