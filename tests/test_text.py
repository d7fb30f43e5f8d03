"""bot.text.sanitise, the one boundary for typed text: every character class it handles."""

from __future__ import annotations

import pytest

from bot.text import TextField, TextRefusedError, clean, sanitise, sanitise_required

NOTE = TextField("note", 50)
REASON = TextField("reason", 50, required=True)
LABEL = TextField("label", 20, one_line=True)

TAGS = "".join(chr(code) for code in (0xE0000, 0xE0001, 0xE0020, 0xE0041, 0xE0068, 0xE007F))
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        # malformed Unicode: a lone surrogate becomes U+FFFD, a split pair is joined again
        pytest.param("a\ud800b", "a\ufffdb", id="lone-high-surrogate"),
        pytest.param("a\udfffb", "a\ufffdb", id="lone-low-surrogate"),
        pytest.param("\ud800\ud800", "\ufffd\ufffd", id="two-high-surrogates"),
        pytest.param("\ud83d\ude00", "😀", id="surrogate-pair"),
        # controls go, newlines and tabs stay
        pytest.param("a\x00b\x07c\x1bd\x7fe\x9ff", "abcdef", id="controls"),
        pytest.param("one\ntwo\tthree", "one\ntwo\tthree", id="newline-and-tab"),
        # line and paragraph separators, carriage returns, NEL: newlines
        pytest.param("a\u2028b\u2029c", "a\nb\nc", id="line-paragraph-separators"),
        pytest.param("a\r\nb\rc\x85d", "a\nb\nc\nd", id="carriage-returns-and-nel"),
        # zero-width characters
        pytest.param("a\u200bb\u200cc\u2060d\ufefff", "abcdf", id="zero-width"),
        pytest.param("ad\u200dmin", "admin", id="joiner-outside-emoji"),
        pytest.param(
            "❤️\u200d🩹 👨\u200d👩\u200d👧", "❤️\u200d🩹 👨\u200d👩\u200d👧", id="joiner-in-emoji"
        ),
        # direction changes: overrides, embeddings, isolates, marks
        pytest.param("a\u202ab\u202bc\u202cd\u202de\u202ef", "abcdef", id="bidi-embed-override"),
        pytest.param("a\u2066b\u2067c\u2068d\u2069e", "abcde", id="bidi-isolates"),
        pytest.param("a\u200eb\u200fc\u061cd", "abcd", id="bidi-marks"),
        # Unicode tag characters (invisible, can carry a whole hidden text)
        pytest.param(f"hi{TAGS}there", "hithere", id="tag-characters"),
        pytest.param(f"flag {ENGLAND}", f"flag {ENGLAND}", id="subdivision-flag-kept"),
        pytest.param("\U0001f3f4\U000e0041\U000e007f", "\U0001f3f4", id="fake-flag-tags-removed"),
        # blank-looking letters and symbols
        pytest.param("a\u3164b\u115fc\u1160d\uffa0e", "abcde", id="hangul-fillers"),
        pytest.param("a\u2800b", "ab", id="braille-blank"),
        pytest.param("so\u00adft", "soft", id="soft-hyphen"),
        pytest.param("a\u034fb\u180ec\u17b4d", "abcd", id="other-invisible"),
        pytest.param("a\u2061b\u2064c\ufff9d", "abcd", id="invisible-operators-annotations"),
        # variation selectors: kept once after a character they change, else removed
        pytest.param("\ufe0fa", "a", id="selector-at-start"),
        pytest.param("x \ufe0f", "x ", id="selector-after-space"),
        pytest.param("❤\ufe0f", "❤\ufe0f", id="selector-after-emoji-kept"),
        pytest.param("1\ufe0f\u20e3", "1\ufe0f\u20e3", id="keycap-kept"),
        pytest.param("🙂\ufe0f\ufe0e\ufe0f", "🙂\ufe0f", id="selector-run"),
        pytest.param("🙂\U000e0100\U000e0101\U000e0102", "🙂", id="smuggled-selectors"),
        pytest.param("葛\U000e0100", "葛\U000e0100", id="ideographic-selector-kept"),
        # normalised to NFC; visible format signs and ordinary text untouched
        pytest.param("e\u0301", "\u00e9", id="nfc"),
        pytest.param("\u0600\u0661", "\u0600\u0661", id="visible-format-sign"),
        pytest.param("Привет, 你好, مرحبا 🙂🙏🏽", "Привет, 你好, مرحبا 🙂🙏🏽", id="ordinary"),
    ],
)
def test_clean(raw: str, kept: str) -> None:
    assert clean(raw) == kept
    clean(raw).encode("utf-8")  # always encodable: encryption never throws


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   \n\t ",
        "\u200b\u200c\u200d\ufeff",
        "\u3164\u115f\u1160\uffa0",
        "\u2800\u2800",
        TAGS,
        "\u202e\u2066\u2069\u200e",
        "\ufe0f\U000e0100",
        "\u00ad \u2028\u2029",
    ],
)
def test_only_invisible_is_empty(raw: str) -> None:
    assert sanitise(raw, NOTE) is None
    with pytest.raises(TextRefusedError) as caught:
        sanitise(raw, REASON)
    assert "reason" in caught.value.message
    assert caught.value.field is REASON


def test_invisible_only_is_explained() -> None:
    with pytest.raises(TextRefusedError, match="only invisible characters"):
        sanitise("\u3164", REASON)
    with pytest.raises(TextRefusedError, match=r"^Please write a reason"):
        sanitise(None, REASON)


def test_the_limit_counts_what_is_kept_and_names_the_field() -> None:
    assert sanitise("x" * 50 + "\u200b" * 100, NOTE) == "x" * 50
    with pytest.raises(TextRefusedError) as caught:
        sanitise("x" * 51, NOTE)
    assert "Your note is 51 characters long; the limit is 50" in caught.value.message
    assert "Nothing was saved" in caught.value.message


def test_trimmed_and_one_line() -> None:
    assert sanitise("  \u200b keep  me \n", NOTE) == "keep  me"
    assert sanitise(" sober\n\n  since\u2028 May ", LABEL) == "sober since May"
    assert sanitise("a\ud800", NOTE) == "a\ufffd"


def test_sanitise_required_never_returns_none() -> None:
    assert sanitise_required(" ok ", NOTE) == "ok"
    with pytest.raises(TextRefusedError, match="Please write a note"):
        sanitise_required("\u2800", NOTE)


def test_every_control_and_format_character_goes() -> None:
    """Whatever Unicode adds, no control or format character (category Cc, Cf) slips through
    between two letters, except newline and tab (carriage return and NEL become newlines) and
    the few format signs that show."""
    import sys
    import unicodedata

    shown_signs = "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2"
    shown_signs += "\U000110bd\U000110cd"
    kept = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Cc", "Cf")
        and chr(code) not in "\n\t" + shown_signs
        and clean(f"a{chr(code)}b") not in ("ab", "a\nb")
    ]
    assert kept == []
