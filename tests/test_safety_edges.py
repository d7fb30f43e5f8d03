"""The crisis matcher's rules at their edges, as tables (issue 15).

Each table pins one rule of ``bot/safety/`` on both sides of its boundary: the window searched
around an anchor word, the longest spaced-out word, doubled and stretched letters, look-alike
letters and digits, invisible characters, censoring asterisks, sentence ends, every category
at its level. They were written against mutation testing (``scripts/mutate bot/safety.py``,
before the split into modules): each case kills a planted bug that the rest of the suite let
through.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from bot.db import Database
from bot.safety import REPLY_COOLDOWN, Category, CrisisMatcher, CrisisMatchLog, Level, Match
from bot.safety.normaliser import Speller
from bot.settings import PROJECT_ROOT
from tests.test_safety_matcher import _minimal

T0 = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(scope="module")
def matcher() -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(PROJECT_ROOT / "data")


def read(matcher: CrisisMatcher, text: str, *, one: str = "i") -> str:
    return matcher.normaliser.read(text, one=one).text.strip()


# ---------------------------------------------------------------------- normalising

# (message, its reading with ``1`` as ``i``, with ``1`` as ``l``, whether it has a ``1`` and
# look-alikes were read, whether a ``1`` was read as a letter): one row per step of
# ``Normaliser.read``, and its edge where it has one.
READINGS = [
    pytest.param("k\u200bi\u200bl\u200bl", " kill ", " kill ", False, False, id="zero-width-space"),
    # A decimal point is not a sentence end: "2.5mg" stays in its sentence.
    pytest.param(
        "took 2.5mg tonight",
        " took 2 5mg tonight ",
        " took 2 5mg tonight ",
        False,
        False,
        id="decimal-point",
    ),
    pytest.param(
        "by 10.30 i mean", " by 10 30 i mean ", " by 10 30 i mean ", False, False, id="decimal-time"
    ),
    pytest.param(
        "took 2. then",
        " took 2 . then ",
        " took 2 . then ",
        False,
        False,
        id="number-then-full-stop",
    ),
    pytest.param("ki\u200dll", " kill ", " kill ", False, False, id="zero-width-joiner"),
    pytest.param("ki\u2060ll", " kill ", " kill ", False, False, id="word-joiner"),
    pytest.param("\ufeffkill", " kill ", " kill ", False, False, id="byte-order-mark"),
    pytest.param("ki\xadll", " kill ", " kill ", False, False, id="soft-hyphen"),
    pytest.param("\u202ekill\u202c", " kill ", " kill ", False, False, id="direction-override"),
    pytest.param("kill️", " kill ", " kill ", False, False, id="variation-selector"),
    pytest.param("kiㅤll", " kill ", " kill ", False, False, id="hangul-filler"),
    pytest.param("кill myself", " kill myself ", " kill myself ", False, False, id="cyrillic"),
    pytest.param("gοοdbye", " goodbye ", " goodbye ", False, False, id="greek"),
    pytest.param("ＫＩＬＬ", " kill ", " kill ", False, False, id="fullwidth"),
    pytest.param("café naïve", " cafe naive ", " cafe naive ", False, False, id="accents"),
    pytest.param("kíll", " kill ", " kill ", False, False, id="combining-mark"),
    pytest.param(
        "i want to 💀 myself",
        " i want to kill myself ",
        " i want to kill myself ",
        False,
        False,
        id="emoji-word",
    ),
    pytest.param("kill ★ now", " kill now ", " kill now ", False, False, id="other-symbol"),
    pytest.param("don’t", " dont ", " dont ", False, False, id="curly-apostrophe"),
    pytest.param("KILL Myself", " kill myself ", " kill myself ", False, False, id="uppercase"),
    pytest.param("k!ll", " kill ", " kill ", False, False, id="leet-bang"),
    pytest.param("k1ll", " kill ", " kll ", True, True, id="leet-one"),
    pytest.param("$uicide", " suicide ", " suicide ", False, False, id="leet-dollar"),
    pytest.param("h3ll0", " hello ", " hello ", False, False, id="leet-digits"),
    pytest.param("|ife", " life ", " life ", False, False, id="leet-pipe"),
    pytest.param("+ired", " tired ", " tired ", False, False, id="leet-plus"),
    pytest.param("@ll", " all ", " all ", False, False, id="leet-at"),
    pytest.param("(k!ll)", " kill ", " kill ", False, False, id="leet-edges"),
    pytest.param("5km", " 5km ", " 5km ", False, False, id="unit-km"),
    pytest.param("3am", " 3am ", " 3am ", False, False, id="unit-am"),
    pytest.param("1st", " 1st ", " 1st ", True, False, id="unit-ordinal"),
    pytest.param("1 2 3", " 1 2 3 ", " 1 2 3 ", False, False, id="digits-alone"),
    pytest.param("ok1", " oki ", " okl ", True, True, id="digit-after-letter"),
    pytest.param("a 123", " a 123 ", " a 123 ", False, False, id="digits-only-token"),
    pytest.param("k*ll", " kill ", " kill ", False, False, id="censored"),
    pytest.param("*ill", " ill ", " ill ", False, False, id="censored-two-fits"),
    pytest.param("**", "  ", "  ", False, False, id="only-asterisks"),
    pytest.param("s*icide", " suicide ", " suicide ", False, False, id="censored-long"),
    pytest.param("o.d.", " od ", " od ", False, False, id="dotted"),
    pytest.param("o.d", " od ", " od ", False, False, id="dotted-no-last-dot"),
    pytest.param(
        "took an o.d. tonight",
        " took an od tonight ",
        " took an od tonight ",
        False,
        False,
        id="dotted-in-sentence",
    ),
    pytest.param("end.now", " end . now ", " end . now ", False, False, id="not-dotted-word"),
    pytest.param("wait... what", " wait what ", " wait what ", False, False, id="ellipsis"),
    pytest.param("so.. tired", " so tired ", " so tired ", False, False, id="two-dots"),
    pytest.param("i'm", " im ", " im ", False, False, id="apostrophe"),
    pytest.param("don`t", " dont ", " dont ", False, False, id="backtick"),
    pytest.param("no!", " no . ", " no . ", False, False, id="bang"),
    pytest.param("one;two", " one . two ", " one . two ", False, False, id="semicolon"),
    pytest.param("one\ntwo", " one . two ", " one . two ", False, False, id="new-line"),
    pytest.param("why?", " why ? ", " why ? ", False, False, id="question"),
    pytest.param("ok. . . fine", " ok . fine ", " ok . fine ", False, False, id="runs-of-ends"),
    pytest.param(
        "why ? . now", " why ? now ", " why ? now ", False, False, id="question-then-stop"
    ),
    pytest.param("so . ? now", " so ? now ", " so ? now ", False, False, id="stop-then-question"),
    pytest.param("why ? ? now", " why ? now ", " why ? now ", False, False, id="two-questions"),
    pytest.param("a-b_c/d", " a b c d ", " a b c d ", False, False, id="other-marks"),
    pytest.param(
        "k i l l m y s e l f", " kill myself ", " kill myself ", False, False, id="spaced"
    ),
    pytest.param("a b", " a b ", " a b ", False, False, id="spaced-two-letters"),
    pytest.param("q z x", " q z x ", " q z x ", False, False, id="spaced-not-words"),
    pytest.param("k i l l", " kill ", " kill ", False, False, id="spaced-one-word"),
    pytest.param("offfff", " off ", " off ", False, False, id="stretched-off"),
    pytest.param("sooo", " so ", " so ", False, False, id="stretched-so"),
    pytest.param("of too", " of too ", " of too ", False, False, id="doubled-kept"),
    pytest.param("zzzzt", " zt ", " zt ", False, False, id="stretched-unknown"),
    pytest.param("unalive", " die ", " die ", False, False, id="rewrite-word"),
    pytest.param("unalive unalive", " die die ", " die die ", False, False, id="rewrite-twice"),
    pytest.param("killing myself laughing", " ~ ", " ~ ", False, False, id="ignored-phrase"),
    pytest.param("", "  ", "  ", False, False, id="empty"),
    pytest.param("   ", "  ", "  ", False, False, id="spaces"),
]


@pytest.mark.parametrize(("text", "as_i", "as_l", "ones", "ones_read"), READINGS)
def test_each_normalising_step(
    matcher: CrisisMatcher, text: str, as_i: str, as_l: str, ones: bool, ones_read: bool
) -> None:
    reading = matcher.normaliser.read(text)
    assert (reading.text, reading.ones, reading.ones_read) == (as_i, ones, ones_read)
    assert frozenset(as_i.split()) <= reading.words
    assert matcher.normaliser.read(text, one="l").text == as_l


SPACED_60 = " ".join("killmyself" * 6)


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        pytest.param(SPACED_60, " kill myself" * 6 + " ", id="sixty-spaced-letters-are-joined"),
        pytest.param(SPACED_60 + " a", f" {SPACED_60} a ", id="sixty-one-are-left-alone"),
    ],
)
def test_spaced_letters_are_joined_up_to_sixty(
    matcher: CrisisMatcher, text: str, reading: str
) -> None:
    assert matcher.normaliser.read(text).text == reading


# ------------------------------------------------------------------------- the record


async def _note(
    log: CrisisMatchLog,
    at: dt.datetime,
    level: Level | None = Level.CONCERN,
    *,
    user: int = 20,
    guild: int | None = 10,
    message: int = 1,
) -> tuple[bool, bool]:
    outcome = await log.record(
        guild_id=guild,
        channel_id=5,
        message_id=message,
        user_id=user,
        category="dm" if level is None else "hopeless",
        level=level,
        now=at,
    )
    return outcome.respond, outcome.alert


@pytest.mark.parametrize(
    ("later", "answered"),
    [
        pytest.param(REPLY_COOLDOWN - SECOND, False, id="a-second-before-the-cooldown-ends"),
        pytest.param(REPLY_COOLDOWN, True, id="when-the-cooldown-ends"),
        pytest.param(REPLY_COOLDOWN + SECOND, True, id="a-second-after"),
    ],
)
async def test_the_reply_cooldown_ends_exactly_after_ten_minutes(
    db: Database, later: dt.timedelta, answered: bool
) -> None:
    log = CrisisMatchLog(db)
    assert await _note(log, T0) == (True, True)
    assert await _note(log, T0 + later, message=2) == (answered, answered)


async def test_the_cooldown_is_per_member_and_per_server(db: Database) -> None:
    log = CrisisMatchLog(db)
    assert await _note(log, T0) == (True, True)
    assert await _note(log, T0 + SECOND, user=21) == (True, True)
    assert await _note(log, T0 + SECOND, guild=11) == (True, True)
    assert await _note(log, T0 + SECOND, guild=None) == (True, True)
    assert await _note(log, T0 + SECOND) == (False, False)


@pytest.mark.parametrize("level", list(Level))
async def test_a_dm_reply_does_not_stop_the_first_alert_at_any_level(
    db: Database, level: Level
) -> None:
    # A DM to the bot is answered but alerts nobody; a signal with a level in the same place
    # within the cooldown is not answered again, but staff hear of it: no alert came before.
    log = CrisisMatchLog(db)
    assert await _note(log, T0, None, guild=None) == (True, False)
    assert await _note(log, T0 + SECOND, level, guild=None, message=2) == (False, True)


@pytest.mark.parametrize(
    ("age", "kept"),
    [
        pytest.param(dt.timedelta(days=7) - SECOND, True, id="a-second-short-of-the-retention"),
        pytest.param(dt.timedelta(days=7), False, id="exactly-the-retention"),
        pytest.param(dt.timedelta(days=7) + SECOND, False, id="a-second-past-it"),
    ],
)
async def test_matches_older_than_the_retention_are_deleted_on_the_next_record(
    db: Database, age: dt.timedelta, kept: bool
) -> None:
    log = CrisisMatchLog(db, retention_days=7)
    await _note(log, T0)
    await _note(log, T0 + age, user=21, message=2)
    assert await log.count(20) == (1 if kept else 0)
    assert await log.count(21) == 1


async def test_the_record_keeps_ids_level_and_time_and_logs_ids_only(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    log = CrisisMatchLog(db)
    with caplog.at_level(logging.INFO, logger="bot.safety"):
        outcome = await log.record(
            guild_id=10,
            channel_id=5,
            message_id=77,
            user_id=20,
            category="plan",
            level=Level.HIGH,
            now=T0,
        )
    assert outcome.record_id > 0
    row = await db.fetchone(
        "SELECT id, guild_id, channel_id, message_id, user_id, category, level, matched_at, "
        "replied, alerted FROM crisis_matches"
    )
    assert row is not None
    assert tuple(row) == (
        outcome.record_id,
        10,
        5,
        77,
        20,
        "plan",
        "high",
        "2026-03-01T12:00:00.000000+00:00",
        1,
        1,
    )
    assert [r.getMessage() for r in caplog.records if r.name == "bot.safety"] == [
        "safety.match guild=10 channel=5 message=77 user=20 category=plan level=high "
        "respond=True alert=True"
    ]
    assert await log.count(20) == 1
    assert await log.count(21) == 0


# ------------------------------------------------------------------ long messages


def _filler(words: int, extra: str = "") -> str:
    """``words`` meaningless two-letter words (``extra`` letters on the last), then a space."""
    return ("zq " * words)[:-1] + extra + " "


PHRASE = "i want to kill myself"


@pytest.mark.parametrize(
    ("length", "found"),
    [
        pytest.param(4095, True, id="ends-a-character-short-of-the-limit"),
        pytest.param(4096, True, id="ends-at-the-limit"),
        pytest.param(4097, False, id="its-last-letter-past-the-limit"),
    ],
)
def test_only_the_first_4096_characters_are_read(
    matcher: CrisisMatcher, length: int, found: bool
) -> None:
    body = ("zq " * 2000)[: length - len(PHRASE) - 1]
    text = body.removesuffix(" ") + "z" * body.endswith(" ") + " " + PHRASE
    assert len(text) == length
    assert text.endswith(" " + PHRASE)
    assert (matcher.match(text) == Match.of(Category.ACTIVE)) is found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # The matcher looks 240 characters before a match for the rest of its sentence: from
        # " years ago " to " kill" is 240 characters, then 241.
        pytest.param("years ago " + _filler(73, "z") + PHRASE, False, id="story-240-before"),
        pytest.param("years ago " + _filler(73, "zz") + PHRASE, True, id="story-241-before"),
        # ...and 240 after it: from " myself" to " years ago " 238 (the match ends with the
        # space after "myself"), then 239.
        pytest.param(PHRASE + " " + _filler(77) + "years ago", False, id="story-238-after"),
        pytest.param(PHRASE + " " + _filler(77, "z") + "years ago", True, id="story-239-after"),
        # The words just before a match are read back 80 characters: "dont" starts 80
        # characters before " kill", then 81 (only "ont" is left of it).
        pytest.param(
            "i dont " + "really " * 9 + "want want to kill myself", False, id="negation-80-before"
        ),
        pytest.param(
            "i dont " + "really " * 9 + "wanna want to kill myself", True, id="negation-81-before"
        ),
        # A sentence end closes the window on either side.
        pytest.param("years ago. " + PHRASE, True, id="story-in-the-sentence-before"),
        pytest.param(PHRASE + ". years ago", True, id="story-in-the-sentence-after"),
        pytest.param("years ago? " + PHRASE, True, id="story-in-the-question-before"),
        pytest.param(PHRASE + "? years ago", True, id="story-in-the-question-after"),
        pytest.param("years ago " + PHRASE, False, id="story-in-the-same-sentence"),
        pytest.param(PHRASE + " years ago", False, id="story-after-in-the-same-sentence"),
        pytest.param("i dont. " + PHRASE, True, id="negation-in-the-sentence-before"),
    ],
)
def test_the_guards_look_only_so_far_around_a_match(
    matcher: CrisisMatcher, text: str, found: bool
) -> None:
    assert (matcher.match(text) == Match.of(Category.ACTIVE)) is found


# ---------------------------------------------------------------------------- levels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", None, id="empty"),
        pytest.param(" \n\t ", None, id="only-spaces"),
        pytest.param("k1ll myself", Match.of(Category.ACTIVE), id="one-read-as-i"),
        pytest.param("ki11 myse1f", Match.of(Category.ACTIVE), id="one-read-as-l"),
        pytest.param("i w1sh i was dead", Match.of(Category.PASSIVE), id="the-i-reading-kept"),
        # A concern read with 1 as i, high-risk read with 1 as l: the higher one wins.
        pytest.param(
            "i w1sh i was dead and i want to ki11 myse1f",
            Match.of(Category.ACTIVE),
            id="the-l-reading-is-higher",
        ),
        pytest.param("bye everyone", Match.of(Category.AMBIGUOUS), id="a-cue"),
    ],
)
def test_the_grammar_alone(matcher: CrisisMatcher, text: str, expected: Match | None) -> None:
    assert matcher.match(text) == expected


@pytest.fixture(scope="module")
def combined() -> CrisisMatcher:
    from bot.safety.model import CrisisModel

    data = PROJECT_ROOT / "data"
    return CrisisMatcher.from_content_dir(data, model=CrisisModel.from_content_dir(data))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Nothing from the grammar: the model's category, at most a concern.
        pytest.param(
            "set my alarm for 4am. not for work. for the last thing i do",
            Match(Category.PLAN, Level.CONCERN),
            id="nothing-then-the-model",
        ),
        # A cue from the grammar: the model may raise it to a concern.
        pytest.param(
            "i cant do this anymore", Match(Category.HOPELESS, Level.CONCERN), id="cue-raised"
        ),
        pytest.param("tonights the night", Match.of(Category.AMBIGUOUS), id="cue-kept"),
        # A concern or high-risk match from the grammar: the model is not asked.
        pytest.param(
            "i wish i could just not wake up tomorrow",
            Match.of(Category.PASSIVE),
            id="concern-kept",
        ),
        pytest.param(PHRASE, Match.of(Category.ACTIVE), id="high-kept"),
        pytest.param("gonna take a permanent dirt nap", None, id="nothing-from-either"),
    ],
)
def test_the_model_looks_only_where_the_grammar_found_no_alert(
    combined: CrisisMatcher, text: str, expected: Match | None
) -> None:
    assert combined.match(text) == expected


# ------------------------------------------------------------ the word before a match


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # "<hands|hat|… {kill} {self}": not after one of those words ("hands kill myself" is
        # about a task), anywhere else it counts, and a blocked place does not hide a later one.
        pytest.param("hands kill myself", False, id="after-a-listed-word"),
        pytest.param("i kill myself", True, id="after-another-word"),
        pytest.param("the hat kill myself and then i kill myself", True, id="blocked-then-found"),
        # "<#|… kms": not after a number ("ran 7 kms" is a distance), "#" for any number.
        pytest.param("ran 7 kms today", False, id="after-any-number"),
        pytest.param("ran 70 kms today", False, id="after-a-longer-number"),
        pytest.param("i wanna kms", True, id="after-a-word"),
    ],
)
def test_a_pattern_does_not_count_after_the_words_it_names(
    matcher: CrisisMatcher, text: str, found: bool
) -> None:
    assert (matcher.match(text) == Match.of(Category.ACTIVE)) is found
    assert any(line.startswith("active: ") for line in matcher.explain(text)) is found


# ------------------------------------------------------- sentences and many anchor words


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # The sentence of a match runs from the last sentence end before it to the first after.
        pytest.param("why? years ago? " + PHRASE, True, id="the-last-question-before"),
        pytest.param("ok. years ago. " + PHRASE, True, id="the-last-stop-before"),
        pytest.param(PHRASE + ". ok. years ago.", True, id="the-first-stop-after"),
        pytest.param(PHRASE + "? ok? years ago?", True, id="the-first-question-after"),
        pytest.param("ok. years ago " + PHRASE, False, id="story-after-an-earlier-stop"),
        pytest.param("ok? years ago " + PHRASE, False, id="story-after-an-earlier-question"),
        pytest.param(PHRASE + " years ago. ok", False, id="story-just-before-the-stop"),
        pytest.param(PHRASE + " years ago? ok", False, id="story-just-before-the-question"),
        # A sentence end further than the window does not stretch the sentence.
        pytest.param(PHRASE + " " + _filler(77, "z") + "years ago.", True, id="stop-239-after"),
        pytest.param(PHRASE + " " + _filler(77, "z") + "years ago?", True, id="question-239-after"),
    ],
)
def test_a_sentence_ends_at_the_nearest_stop_or_question(
    matcher: CrisisMatcher, text: str, found: bool
) -> None:
    assert (matcher.match(text) == Match.of(Category.ACTIVE)) is found


def test_a_message_with_many_anchor_words_is_read_in_one_pass(matcher: CrisisMatcher) -> None:
    # Past 64 anchor words and word pairs the matcher finds them in one pass over the tokens
    # instead of one search each; the result must be the same.
    words: list[str] = []
    for word in sorted(matcher._single_words):
        if word.isalpha() and matcher.match(" ".join([*words, word])) is None:
            words.append(word)
        if len(words) == 70:
            break
    quiet = " ".join(words)
    assert len(matcher._single_words & matcher.normaliser.read(quiet).words) > 64
    assert matcher.match(quiet) is None
    assert matcher.match(f"{quiet}. {PHRASE}") == Match.of(Category.ACTIVE)
    assert matcher.match(f"{PHRASE}. {quiet}") == Match.of(Category.ACTIVE)


def test_equal_levels_from_the_two_readings_keep_the_first(matcher: CrisisMatcher) -> None:
    # With 1 as i: a passive wish (and a burden); with 1 as l only the burden. Both concerns:
    # the first reading's category stands.
    text = "i w1sh i was dead. they would be better off without me"
    assert matcher.match(text) == Match.of(Category.PASSIVE)


# ------------------------------------------------------------ a small data file


def _small(tmp_path: Path, **patterns: str) -> CrisisMatcher:
    text = _minimal(**patterns)
    text = text.replace('resources = ["zzzz"]', 'resources = ["988"]')
    text = text.replace('addressed = ["zzzz"]', 'addressed = ["if you"]')
    (tmp_path / "crisis_phrases.toml").write_text(text)
    return CrisisMatcher.from_content_dir(tmp_path)


def test_a_crisis_line_quoted_to_others_does_not_count(tmp_path: Path) -> None:
    matcher = _small(tmp_path, passive="{want} vanish")
    assert matcher.match("i wanna vanish") == Match.of(Category.PASSIVE)
    assert matcher.match("if you wanna vanish call 988") is None
    assert matcher.match("i wanna vanish. if you call 988") == Match.of(Category.PASSIVE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "!never vanish" has no word to anchor on (its only word follows a look-ahead): it is
        # searched whole, wherever one of its words stands.
        pytest.param("i vanish", Match.of(Category.ACTIVE), id="found-whole"),
        pytest.param("i stay", None, id="not-there"),
    ],
)
def test_a_pattern_without_an_anchor_is_searched_whole(
    tmp_path: Path, text: str, expected: Match | None
) -> None:
    matcher = _small(tmp_path, active="!never vanish")
    assert matcher.match(text) == expected


def test_a_pattern_without_an_anchor_that_fails_leaves_the_next_to_count(
    tmp_path: Path,
) -> None:
    # "!vanish vanish" can never match ("vanish" may not be followed by itself) but is tried
    # wherever "vanish" stands; the passive pattern after it still counts.
    matcher = _small(tmp_path, active="!vanish vanish")
    assert matcher.match("i vanish. qqqq passive") == Match.of(Category.PASSIVE)


WHERE = "<never want to_vanish_now_please quickly"
"""A pattern anchored inside a phrase ("vanish" in "to vanish now please"), with a word before
the phrase, one after it, and a word it may not follow."""
GOOD = "want to vanish now please quickly"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param(GOOD, True, id="alone"),
        # Each way a place of the anchor word can fail, then a place where all holds: the
        # later place still counts.
        pytest.param(f"i vanish now please. {GOOD}", True, id="phrase-start-differs"),
        pytest.param(f"to vanish now later. {GOOD}", True, id="phrase-end-differs"),
        pytest.param(f"want to vanish now please slowly. {GOOD}", True, id="word-after-differs"),
        pytest.param(f"hope to vanish now please quickly. {GOOD}", True, id="word-before-differs"),
        pytest.param(f"never {GOOD}. i {GOOD}", True, id="after-never"),
        # ...and each failure alone.
        pytest.param("i vanish now please", False, id="only-phrase-start-differs"),
        pytest.param("want to vanish now later quickly", False, id="only-phrase-end-differs"),
        pytest.param("want to vanish now please slowly", False, id="only-word-after-differs"),
        pytest.param("hope to vanish now please quickly", False, id="only-word-before-differs"),
        pytest.param(f"never {GOOD}", False, id="only-after-never"),
    ],
)
def test_every_place_of_an_anchor_word_is_tried(tmp_path: Path, text: str, found: bool) -> None:
    matcher = _small(tmp_path, active=WHERE)
    assert (matcher.match(text) == Match.of(Category.ACTIVE)) is found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Spaced letters whose first word is one letter long ("i").
        pytest.param("i w a n t t o d i e", Match.of(Category.ACTIVE), id="spaced-from-one-letter"),
        # Someone else's words, reported ("saying stuff like"), do not count.
        pytest.param("he keeps saying stuff like i want to kill myself", None, id="reported"),
        pytest.param(
            "ok. he keeps saying stuff like i want to kill myself", None, id="reported-later"
        ),
    ],
)
def test_spaced_words_and_reported_words(
    matcher: CrisisMatcher, text: str, expected: Match | None
) -> None:
    assert matcher.match(text) == expected


# ------------------------------------------------------------- code fixes (issue 14)

# (message, its reading with a capital I after a lowercase letter read as ``l``, whether the
# ``l`` reading is tried, the match). A capital I standing for ``l`` ("kiII myseIf") gets the
# ``l`` reading the digit 1 gets; words that start with a capital I keep their meaning.
CAPITAL_I = [
    pytest.param("kiII myseIf", " kill myself ", True, Match.of(Category.ACTIVE), id="kiII-myseIf"),
    pytest.param(
        "I want to kiII myseIf",
        " i want to kill myself ",
        True,
        Match.of(Category.ACTIVE),
        id="sentence",
    ),
    pytest.param("KiII myseIf", " kill myself ", True, Match.of(Category.ACTIVE), id="capital-k"),
    pytest.param("I", " i ", False, None, id="I"),
    pytest.param("Ill be fine", " ill be fine ", False, None, id="Ill"),
    pytest.param("IIRC the meeting is at 7", " iirc the meeting is at 7 ", False, None, id="IIRC"),
    pytest.param("Iowa was lovely", " iowa was lovely ", False, None, id="Iowa"),
    pytest.param("ILL CALL YOU", " ill call you ", False, None, id="all-capitals"),
    # The 1 path is unchanged: read as i first ("ki myseif"), as l second.
    pytest.param("ki11 myse1f", " kill myself ", True, Match.of(Category.ACTIVE), id="digit-one"),
]


@pytest.mark.parametrize(("text", "as_l", "tried", "expected"), CAPITAL_I)
def test_a_capital_i_after_a_letter_is_also_read_as_l(
    matcher: CrisisMatcher, text: str, as_l: str, tried: bool, expected: Match | None
) -> None:
    reading = matcher.normaliser.read(text)
    assert matcher.normaliser.read(text, one="l").text == as_l
    assert reading.ones_read is tried
    if not tried:  # one reading, the plain one
        assert reading.text == as_l
    assert matcher.match(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A past word before the match ("had", "was", "wanted") yields to a present marker
        # in the same sentence, the story guard's list ("again", "tonight", "now", "still").
        pytest.param("had the urge to end myself again", Match.of(Category.ACTIVE), id="again"),
        pytest.param(
            "i had the urge to end myself tonight", Match.of(Category.ACTIVE), id="tonight"
        ),
        pytest.param(
            "i had the urge to end myself right now", Match.of(Category.ACTIVE), id="right-now"
        ),
        pytest.param("i wanted to kill myself again", Match.of(Category.ACTIVE), id="wanted"),
        pytest.param("i still had the urge to kill myself", Match.of(Category.ACTIVE), id="still"),
        # Without one, or with one that belongs to the past phrase or to the match, it is past.
        pytest.param("had the urge to end myself", None, id="no-marker"),
        pytest.param("i used to want to kill myself", None, id="used-to"),
        pytest.param("i will never again want to kill myself", None, id="never-again"),
        pytest.param("dreamt i was drinking again", None, id="marker-inside-the-match"),
        # The words before the past word are still guards: someone else's, a negation.
        pytest.param("my friend had the urge to kill himself again", None, id="others"),
        pytest.param("i never had the urge to kill myself again", None, id="negation"),
    ],
)
def test_a_present_marker_overrides_the_past_word_before(
    matcher: CrisisMatcher, text: str, expected: Match | None
) -> None:
    assert matcher.match(text) == expected


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        # Slang a rewrite produces is read again: "sewer slide" → "suicide", then "suicide
        # thoughts" → "suicidal thoughts"; neither compound is listed.
        pytest.param("sewer slide thoughts", " suicidal thoughts ", id="phrase-in-a-phrase"),
        pytest.param("kermit sewer slide", " commit suicide ", id="phrase-then-phrase"),
        pytest.param("sewerslide thoughts", " suicidal thoughts ", id="word-then-phrase"),
        pytest.param("unalive unalive", " die die ", id="a-word-twice"),
    ],
)
def test_rewrites_are_read_until_nothing_changes(
    matcher: CrisisMatcher, text: str, reading: str
) -> None:
    assert read(matcher, text) == reading.strip()


def test_rewrites_stop_after_three_passes_and_on_a_loop(tmp_path: Path) -> None:
    rewrite = {"aa": "bb", "bb": "cc", "cc": "dd", "dd": "ee", "xx": "yy", "yy": "xx"}
    rewrite |= {"p q": "r s", "r s": "t u", "t u": "kill myself"}
    text = _minimal(active="kill myself") + "[rewrite]\n"
    text += "".join(f'"{key}" = "{value}"\n' for key, value in rewrite.items())
    (tmp_path / "crisis_phrases.toml").write_text(text)
    matcher = CrisisMatcher.from_content_dir(tmp_path)
    assert read(matcher, "aa") == "dd"  # three passes, not four
    assert read(matcher, "xx") in {"xx", "yy"}  # a loop ends
    assert matcher.match("p q") == Match.of(Category.ACTIVE)


# ------------------------------------------------- phrases as the rewrites leave them


def _rewriting(tmp_path: Path, **patterns: str) -> CrisisMatcher:
    text = _minimal(**patterns)
    text = text.replace('resources = ["zzzz"]', 'resources = ["988"]')
    text = text.replace('addressed = ["zzzz"]', 'addressed = ["if youre"]')
    text = text.replace(
        'want = ["want to", "wanna"]', 'want = ["want to", "wanna"]\nno_one = ["nobody"]'
    )
    text += '[rewrite]\n"youre" = "you are"\n"nobody" = "no one"\n"i m" = "im"\n'
    (tmp_path / "crisis_phrases.toml").write_text(text)
    return CrisisMatcher.from_content_dir(tmp_path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A pattern's own word ("youre") and a list's entry ("nobody") that the rewrites
        # replace in every message: the pattern looks for what replaces them.
        pytest.param("youre better off gone", Match.of(Category.BURDEN), id="pattern-word"),
        pytest.param("you're better off gone", Match.of(Category.BURDEN), id="apostrophe"),
        pytest.param("nobody would miss me", Match.of(Category.ACTIVE), id="list-entry"),
        pytest.param("no one would miss me", Match.of(Category.ACTIVE), id="list-rewritten"),
        # A phrase the rewrites change across two words ("i m" → "im").
        pytest.param("i m so done", Match.of(Category.HOPELESS), id="phrase"),
        pytest.param("im so done", Match.of(Category.HOPELESS), id="phrase-as-typed"),
        # A guard's phrase: "if youre" is read "if you are" in the message and in the guard.
        pytest.param("if youre wanna vanish call 988", None, id="guard-phrase"),
        pytest.param("i wanna vanish", Match.of(Category.PASSIVE), id="guard-absent"),
    ],
)
def test_phrases_are_looked_for_as_the_rewrites_leave_them(
    tmp_path: Path, text: str, expected: Match | None
) -> None:
    matcher = _rewriting(
        tmp_path,
        passive="{want} vanish",
        burden="youre better_off gone",
        active="{no_one} would miss me",
        hopeless="i_m so done",
    )
    assert matcher.match(text) == expected


def test_a_phrase_the_rewrites_blank_is_kept_as_written() -> None:
    # [ignore] phrases become "~" in a message; a pattern's phrase is never spelt that way,
    # or the pattern would match the blank left where a phrase was meant to be ignored.
    spell = Speller({"youre": "you are"}, ("youre so dead",))
    assert spell("youre") == "you are"
    assert spell("youre so dead") == "youre so dead"
    assert spell("youre so dead meat") == "youre so dead meat"


# ------------------------------------------ abbreviations used in their other senses


@pytest.mark.parametrize(
    ("text", "alerts"),
    [
        # A measure in its sentence: a unit. Said as something the writer will do: slang.
        pytest.param("what does kms say on the treadmill", False, id="measure"),
        pytest.param("treadmill again, i wanna kms", True, id="measure-but-intent"),
        pytest.param("ran 5 miles today. honestly kms", True, id="measure-other-sentence"),
        # Its meaning asked or told.
        pytest.param("what does kms mean in this app", False, id="meaning-asked"),
        pytest.param("ctb in our group chat means coming to bed", False, id="meaning-told"),
        pytest.param("im gonna kms, that means tonight", True, id="meaning-but-intent"),
        pytest.param("kmsss i mean it this time", True, id="meaning-only-stressed"),
        pytest.param("ugh kms, i meant it", True, id="meaning-only-stressed-after"),
        pytest.param(
            "what does ctb mean. i want to ctb tonight", True, id="meaning-other-sentence"
        ),
        # Spelt out right after it, one word per letter; one letter off is not spelt out.
        pytest.param("our ctb (click to buy) rate fell", False, id="spelt-out"),
        pytest.param("our ctb (click for buy) rate fell", True, id="not-spelt-out"),
        pytest.param("ugh kms", True, id="alone"),
    ],
)
def test_an_abbreviation_in_another_sense_is_not_slang(
    matcher: CrisisMatcher, text: str, alerts: bool
) -> None:
    found = matcher.match(text)
    assert (found is not None and found.level.rank >= Level.CONCERN.rank) is alerts, text
