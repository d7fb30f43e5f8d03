"""Content files in other languages: ``data/<code>/`` mirrors the English files it translates.

A translated file has exactly the English file's keys (the same tables, the same number of
entries in each list), and its facts are the English file's: keys that name a thing (``code``,
``key``, ``sources``, ``source_url``), every number, date and flag, and, inside the text, every
web address, every run of digits (a phone number, "press 2") and every keyword to text in
bold capitals (``**HOME**``). Anything else is a start-up error in one sentence, never a
fallback to English: a member in crisis must never read a number in one language that differs
from the other. The translated file is then read into the same model as the English one, so
Discord's limits hold in every language. No discord import.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

from bot.content import ContentError, ModelT, load_content

IDENTICAL_KEYS = frozenset({"code", "key", "sources", "source_url", "default_region"})
"""Keys whose values name a thing, not say something: never translated."""

_FACT = re.compile(
    r"https?://[^\s)>*,]+"  # a web address
    r"|\b[\w-]+\.(?:org|com|gov|net|nz|au|ie|uk|ca)\b[^\s)>*,]*"  # a bare domain
    r"|\*\*[A-Z]{2,}\*\*"  # a keyword to text, in bold capitals
    r"|\d+"  # a number: a phone number's digits, an option to press, a year
)


def facts(text: str) -> Counter[str]:
    """The facts in a sentence: addresses, keywords to text and runs of digits."""
    found: Counter[str] = Counter()
    for match in _FACT.finditer(text):
        fact = match.group(0).rstrip(".")
        found[fact] += 1
    return found


def _where(path: tuple[str | int, ...]) -> str:
    return ".".join(str(part) for part in path) or "(top level)"


def difference(english: Any, translated: Any, path: tuple[str | int, ...] = ()) -> str | None:
    """Where ``translated`` first differs from ``english`` in keys or facts, as the end of a
    sentence ("is missing `title`"); None when they agree."""
    key = path[-1] if path else None
    if isinstance(english, dict):
        if not isinstance(translated, dict):
            return f"has `{_where(path)}` in another shape than the English file"
        for name in english:
            if name not in translated:
                return f"is missing `{_where((*path, name))}`"
        for name in translated:
            if name not in english:
                return f"has `{_where((*path, name))}`, which the English file does not"
        for name, value in english.items():
            found = difference(value, translated[name], (*path, name))
            if found:
                return found
        return None
    if isinstance(english, list):
        if not isinstance(translated, list) or len(translated) != len(english):
            return f"has a different number of entries at `{_where(path)}` than the English file"
        if key in IDENTICAL_KEYS and english != translated:
            return f"changes `{_where(path)}` (it must be the English file's)"
        for index, (one, other) in enumerate(zip(english, translated, strict=True)):
            found = difference(one, other, (*path, index))
            if found:
                return found
        return None
    if isinstance(english, str) and isinstance(translated, str):
        if key in IDENTICAL_KEYS:
            return None if english == translated else f"changes `{_where(path)}`"
        if facts(english) != facts(translated):
            wanted = ", ".join(sorted(facts(english))) or "none"
            return (
                f"has other numbers, addresses or keywords at `{_where(path)}` than the "
                f"English file (it has: {wanted})"
            )
        return None
    if english != translated:
        return f"changes `{_where(path)}` (it must be the English file's)"
    return None


def _raw(path: Path) -> Any:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # load_content says what is wrong, in its own words


def load_translated(
    english_path: Path, translated_path: Path, model: type[ModelT], *, language: str
) -> ModelT:
    """Read ``translated_path`` into ``model``, after checking it against ``english_path``."""
    english, translated = _raw(english_path), _raw(translated_path)
    found = None if english is None or translated is None else difference(english, translated)
    if found:
        raise ContentError(
            f"The {language} content file {translated_path} {found}: translate the words, "
            "and keep every key, number and address as they are in English."
        )
    restore = f"restore it from the repository, or translate {english_path} there"
    return load_content(translated_path, model, restore=restore)
