"""Cleaning member-typed text before it is stored (no Discord here: display escaping is bot.ui)."""

from __future__ import annotations


def strip_controls(text: str) -> str:
    """Text without NULs and other control characters (newlines and tabs kept)."""
    return "".join(ch for ch in text if ch in "\n\t" or not (ord(ch) < 32 or 127 <= ord(ch) < 160))
