"""The crisis-language matcher on its own: true positives, obfuscations, false positives.

Policy (also in data/crisis_phrases.toml and the README): a false positive costs one kind
reply and a quiet note to staff; a miss can cost far more. So first-person statements of
intent match, including slang and jokes that still count; figures of speech do not.
"""

from __future__ import annotations

import pytest

from bot.safety import Category, CrisisMatcher
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def matcher() -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(PROJECT_ROOT / "data")


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to kill myself", Category.ACTIVE),
        ("honestly i just want to die", Category.ACTIVE),
        # New policy (issue 14): not wanting to be alive is a passive wish (concern).
        ("I don't want to be alive anymore", Category.PASSIVE),
        # New policy (issue 14): feeling a burden is its own category, at concern level.
        ("everyone would be better off without me", Category.BURDEN),
        ("I've been feeling suicidal again", Category.ACTIVE),
        ("thinking about ending my life tonight", Category.ACTIVE),
        # New policy: hurting oneself is self-harm, not wanting to die.
        ("i keep getting the urge to hurt myself", Category.SELF_HARM),
        # Slang and jokes still count: a joke about it is often how it first comes up.
        ("ugh kms", Category.ACTIVE),
        ("this week lol kms", Category.ACTIVE),
        ("gonna unalive myself fr", Category.ACTIVE),
        ("kill me now", Category.ACTIVE),
        # Means tied to oneself.
        # New policy: pills and overdose intent are the overdose category (both high).
        ("I'm going to take all my pills", Category.OVERDOSE),
        ("been saving up my pills", Category.OVERDOSE),
        # Overdose and other means, first person, with or without the subject (recovery group:
        # these matter most).
        ("I want to overdose", Category.OVERDOSE),
        ("gonna od tonight", Category.OVERDOSE),
        ("GONNA OD", Category.OVERDOSE),
        ("going to overdose", Category.OVERDOSE),
        ("i keep thinking about overdosing", Category.OVERDOSE),
        ("thinking of jumping off a bridge", Category.METHOD),
        ("i wanna jump off the bridge", Category.METHOD),
        # "Can't go on": apostrophes vanish, so "cant" and "can't" both have to work. New policy
        # (issue 14): not being able to go on is hopelessness and entrapment (concern).
        ("cant go on anymore", Category.HOPELESS),
        ("I can't go on anymore", Category.HOPELESS),
        ("i can’t go on any longer", Category.HOPELESS),
        ("can't go on", Category.HOPELESS),
        ("I just cant go on...", Category.HOPELESS),
        # ...also at the end of a sentence, with more after it.
        ("can't go on. Everything hurts.", Category.HOPELESS),
        # (Both concern; feeling one would not be missed is reported before hopelessness.)
        ("i cant go on!\nnobody would even notice", Category.BURDEN),
        ("I can't go on; I'm done", Category.HOPELESS),
        # Dotted abbreviations.
        ("gonna o.d. tonight", Category.OVERDOSE),
        ("I want to O.D.", Category.OVERDOSE),
        ("I want to O.D.!", Category.OVERDOSE),
        ("gonna o.d., tonight", Category.OVERDOSE),
        ("i want to (o.d.)", Category.OVERDOSE),
        # New policy: not wanting to live is a passive wish (concern).
        ("dont want to live", Category.PASSIVE),
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
        # These were accepted matches under the phrase list. New policy (issue 14): negated and
        # third-person language does not alert (the eval set's helping_others negatives).
        "I don't want to overdose, fentanyl is everywhere",
        "I'm scared my brother is going to overdose",
        "we can't go on. The venue is closed",
    ],
)
def test_negated_and_third_person_overdose_talk_does_not_alert(
    matcher: CrisisMatcher, text: str
) -> None:
    assert matcher.match(text) is None, text


def test_normalisation_steps(matcher: CrisisMatcher) -> None:
    def normalise(text: str) -> str:
        return matcher.normaliser.read(text).text.strip()

    assert normalise("ＫＩＬＬ") == "kill"
    assert normalise("k\u200bi\u200bl\u200bl") == "kill"
    assert normalise("I am ok") == "i am ok"
    assert normalise("Hello!!!") == "hello ."
    assert normalise("ki11 myse1f") == "ki myseif"
    assert matcher.normaliser.read("ki11 myse1f", one="l").text.strip() == "kill myself"


def test_a_match_holds_no_text(matcher: CrisisMatcher) -> None:
    found = matcher.match("I want to die SENTINEL-TEXT")
    assert found is not None
    assert "SENTINEL" not in repr(found)
    assert set(vars(found)) == {"category", "level"}
