"""The crisis-language matcher on its own: true positives, obfuscations, false positives.

Policy (also in data/crisis_phrases.toml and the README): a false positive costs one kind
reply and a quiet note to staff; a miss can cost far more. So first-person statements of
intent match, including slang and jokes that still count; figures of speech do not.
"""

from __future__ import annotations

import pytest

from bot.safety import (
    Category,
    CrisisMatcher,
    IgnoreGroup,
    PhraseFile,
    PhraseGroup,
    normalise,
    normalise_variants,
)
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def matcher() -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(PROJECT_ROOT / "data")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to kill myself", Category.ACTIVE),
        ("honestly i just want to die", Category.ACTIVE),
        ("I don't want to be alive anymore", Category.ACTIVE),
        ("everyone would be better off without me", Category.ACTIVE),
        ("I've been feeling suicidal again", Category.ACTIVE),
        ("thinking about ending my life tonight", Category.ACTIVE),
        ("i keep getting the urge to hurt myself", Category.ACTIVE),
        # Slang and jokes still count: a joke about it is often how it first comes up.
        ("ugh kms", Category.ACTIVE),
        ("this week lol kms", Category.ACTIVE),
        ("gonna unalive myself fr", Category.ACTIVE),
        ("kill me now", Category.ACTIVE),
        # Means tied to oneself.
        ("I'm going to take all my pills", Category.METHOD),
        ("been saving up my pills", Category.METHOD),
        # Overdose and other means, first person, with or without the subject (recovery group:
        # these matter most).
        ("I want to overdose", Category.METHOD),
        ("gonna od tonight", Category.METHOD),
        ("GONNA OD", Category.METHOD),
        ("going to overdose", Category.METHOD),
        ("i keep thinking about overdosing", Category.METHOD),
        ("thinking of jumping off a bridge", Category.METHOD),
        ("i wanna jump off the bridge", Category.METHOD),
        # "Can't go on": apostrophes become spaces, so "cant" and "can't" both have to work.
        ("cant go on anymore", Category.ACTIVE),
        ("I can't go on anymore", Category.ACTIVE),
        ("i can’t go on any longer", Category.ACTIVE),
        ("can't go on", Category.ACTIVE),
        ("I just cant go on...", Category.ACTIVE),
        # ...also at the end of a sentence, with more after it.
        ("can't go on. Everything hurts.", Category.ACTIVE),
        ("i cant go on!\nnobody would even notice", Category.ACTIVE),
        ("I can't go on; I'm done", Category.ACTIVE),
        # Dotted abbreviations.
        ("gonna o.d. tonight", Category.METHOD),
        ("I want to O.D.", Category.METHOD),
        ("I want to O.D.!", Category.METHOD),
        ("gonna o.d., tonight", Category.METHOD),
        ("i want to (o.d.)", Category.METHOD),
        ("dont want to live", Category.ACTIVE),
        # Several categories: the most direct one is reported.
        ("I want to die, kms", Category.ACTIVE),
    ],
)
def test_true_positives(matcher: CrisisMatcher, text: str, category: Category) -> None:
    found = matcher.match(text)
    assert found is not None, text
    assert found.category == category


@pytest.mark.parametrize(
    "text",
    [
        "I want to k!ll myself",  # look-alike inside a word
        "I want to k1ll mys3lf",  # leetspeak, 1 read as i
        "i want to ki11 myse1f",  # leetspeak, 1 read as l
        "I WANT TO KILL MYSELF",  # case
        "I want to ｋｉｌｌ ｍｙｓｅｌｆ",  # full-width (NFKC)
        "I want to ki\u200bll my\u200dself",  # zero-width characters
        "I want to kіll myself",  # Cyrillic і
        "k i l l  m y s e l f",  # spaced-out letters
        "k.i.l.l m.y.s.e.l.f",  # dotted letters
        "killmyself",  # no space
        "I want to kiiiilllll myseeelf",  # stretched letters
        "want to d-i-e",  # hyphenated letters
        "Want To Die!!!",  # trailing punctuation stays punctuation
        "$uicidal",  # dollar for s
        "K M S",  # spaced slang
        "𝐤𝐦𝐬",  # mathematical bold (NFKC)
        "su1c1dal",
        "gonna 0d tonight",  # zero for o
        "wanna oooood",  # stretched
        "I can`t go on",  # backtick apostrophe
    ],
)
def test_obfuscated_variants_still_match(matcher: CrisisMatcher, text: str) -> None:
    assert matcher.match(text) is not None, text


@pytest.mark.parametrize(
    "text",
    [
        # Figures of speech: not listed, so never matched (policy).
        "this traffic is killing me",
        "I'd die for pizza",
        "I'm dying of laughter",
        "you killed it at the meeting!",
        "the suspense is killing me",
        "I could kill for a coffee",
        "that cake is to die for",
        "my phone died again",
        "just killing time before group",
        # Everyday recovery and injury talk that shares words (policy: left out on purpose).
        "I'm taking my life back one day at a time",
        "cut myself some slack today",
        "I hurt myself at the gym",
        "took my pills this morning like the doctor said",
        "I nearly killed myself laughing",  # set phrase on the ignore list
        "we talked about suicide prevention week",  # ignore list
        # Overdose as a topic, not an intent (policy: no intent phrase, no match).
        "overdose risk after a break",
        "we talked about overdose at the meeting",
        "narcan reverses an overdose",
        "how to spot an overdose and call for help",
        "my OD is set to 5 on the amp",
        # "Can't go on" followed by something else is everyday speech (policy: at_end only),
        # and "like this" is most often a wish to change.
        "I can't go on like this at work",
        "I can't go on the trip this weekend",
        "cant go on tuesday, sorry",
        "I can't go on the trip. See you at group!",
        "my O.D. is set to 5 on the amp",
        # Bridges: the schoolyard line and bungee jumping (ignore list).
        "if your friends jumped off a bridge would you?",
        "bungee jumping off a bridge was amazing",
        # Whole words only.
        "I need to skill myself up",
        "kmsg is a linux log",
        # Ordinary messages.
        "good morning everyone, day 12 today",
        "",
        "   ",
    ],
)
def test_false_positives_do_not_match(matcher: CrisisMatcher, text: str) -> None:
    assert matcher.match(text) is None, text


@pytest.mark.parametrize(
    "text",
    [
        # Accepted matches (policy in the data file): staff decide, the reply is kind.
        "I don't want to overdose, fentanyl is everywhere",
        "I'm scared my brother is going to overdose",
        # A bare "can't go on" ending a sentence, about something else: staff decide.
        "we can't go on. The venue is closed",
    ],
)
def test_accepted_matches(matcher: CrisisMatcher, text: str) -> None:
    assert matcher.match(text) is not None, text


def test_at_end_phrases_need_the_end_of_the_message() -> None:
    group = PhraseGroup(description="d", phrases=("zzzz qqqq",), at_end=("can't go on",))
    other = PhraseGroup(description="d", phrases=("zzzz qqqq",))
    matcher = CrisisMatcher(
        PhraseFile(direct=group, slang=other, means=other, ignore=IgnoreGroup())
    )
    assert matcher.match("honestly I can't go on") is not None
    assert matcher.match("honestly I cant go on!!") is not None
    assert matcher.match("I can't go on holiday") is None


def test_normalisation_steps() -> None:
    assert normalise("ＫＩＬＬ") == "kil"
    assert normalise("k\u200bi\u200bl\u200bl") == "kil"
    assert normalise("a b c d") == "abcd"
    assert normalise("I am ok") == "i am ok"
    assert normalise("Hello!!!") == "helo"
    assert normalise_variants("ki11") == ("kiii".replace("iii", "i"), "kil")


def test_a_match_holds_no_text(matcher: CrisisMatcher) -> None:
    found = matcher.match("I want to die SENTINEL-TEXT")
    assert found is not None
    assert "SENTINEL" not in repr(found)
    assert set(vars(found)) == {"category", "level"}
