"""bot.ui.escape: member text lands in markdown literally, pings nobody, fits its limit."""

from __future__ import annotations

import re

import pytest

from bot.text import clean
from bot.ui import escape

LIVE_MASKED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")


@pytest.mark.parametrize(
    "text",
    [
        "[free pills](https://evil.example)",
        "[a](https://x.example) then [b](https://y.example)",
        "[[nested]](https://x.example)",
    ],
)
def test_no_masked_link_survives(text: str) -> None:
    assert not LIVE_MASKED_LINK.search(escape(text))


def test_markdown_is_escaped() -> None:
    assert escape("**bold** __u__ ~~s~~ ||spoiler|| `code`") == (
        "\\*\\*bold\\*\\* \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\|\\|spoiler\\|\\| \\`code\\`"
    )
    assert escape("> quote").startswith("\\>")
    assert escape("# header").startswith("\\#")
    assert escape("-# small").startswith("\\-#")


def test_mass_and_id_mentions_are_defused() -> None:
    text = escape("@everyone @here <@123456789012345678> <@&123456789012345678>")
    assert "@everyone" not in text
    assert "@here" not in text
    assert "<@123456789012345678>" not in text
    assert "<@&123456789012345678>" not in text


def test_invisible_and_control_characters_are_removed() -> None:
    assert clean("a\u200bb\u202ec\u0000d\u2066e\ufefff") == "abcdef"
    assert clean("line one\nline two\ttab") == "line one\nline two\ttab"


def test_escape_cleans_text_stored_before_the_boundary() -> None:
    shown = escape("a\ud800\U000e0041\u3164\u2800\u202eb")
    assert shown == "a\ufffdb"


def test_cutting_never_leaves_a_dangling_escape() -> None:
    cut = escape("abc*def", 5)
    assert len(cut) <= 5
    assert not cut.endswith("\\…")
    assert len(escape("x" * 10_000, 1024)) == 1024
