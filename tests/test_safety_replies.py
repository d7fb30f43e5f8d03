"""The frames added for set Q (issue 14), as tables: each pins a frame on both sides.

Discord quote lines are the quoted member's words unless the reply only agrees with them; a
recovery story told across sentences, its crisis phrase in a past form, is the past, while
harm just done ("an hour ago", "last night") is a crisis; a question or advice put to you is
about someone else's risk; food and fun hyperbole is not meant.
"""

from __future__ import annotations

import pytest

from bot.safety import CrisisMatcher, Level
from bot.safety.quotes import OwnWords
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def matcher() -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(PROJECT_ROOT / "data")


def _level(matcher: CrisisMatcher, text: str) -> Level | None:
    found = matcher.match(text)
    return None if found is None else found.level


# (message, the level the grammar gives it: None for nothing)
QUOTES = [
    # A quote only: nothing else was said, so it counts whole.
    ("> i want to kill myself", Level.HIGH),
    ("> > i want to kill myself", Level.HIGH),
    # A quote and the replier's support: the quote is the other member's.
    ("> i want to kill myself\nplease call someone tonight, we care about you", None),
    ("> i took a bunch of pills\nare you still with us? please answer", None),
    ("> everyone would be better off without me\nthat is the illness talking", None),
    ("  > i want to kill myself\nhang in there, im here", None),
    # ...and the replier's own crisis still counts.
    ("> how is everyone\nnot good. i want to kill myself", Level.HIGH),
    ("> proud of you\ndont be. i took 40 of my pills an hour ago", Level.HIGH),
    # A quote and agreement or identification: the quote is the replier's own words.
    ("> i want to kill myself\nsame", Level.HIGH),
    ("> i want to kill myself\nme too", Level.HIGH),
    ("> i want to kill myself\nthis", Level.HIGH),
    ("> i want to kill myself\nfelt this", Level.HIGH),
    ("> i want to kill myself\nsame here tbh", Level.HIGH),
    ("> i want to kill myself\nliterally me", Level.HIGH),
    ("> i want to kill myself\nrelate", Level.HIGH),
    ("> i want to kill myself\n+1", Level.HIGH),
    ("> i want to kill myself\n😔😔", Level.HIGH),
    ("> wish i was dead\nsame. every single day", Level.CONCERN),
    # Agreement is short: a longer reply says its own thing.
    ("> i want to kill myself\nsame thing happened to my friend, she got help and it worked", None),
    # Nested quotes: a quote of a quote is quoted too, and "same" takes both as its own.
    ("> > i want to kill myself\n> please call someone\nseconding, please call", None),
    ("> > i dont want to be alive\n> same\nme too", Level.CONCERN),
    # ">>> " quotes the rest of the message, as Discord shows it: a quote only.
    (">>> i want to kill myself\nand i mean it", Level.HIGH),
    # A ">" that is not at a line's start, or without a space, is ordinary text.
    ("3 > 2 and i want to kill myself", Level.HIGH),
    (">i want to kill myself\nhang in there", Level.HIGH),
    ("i read this > i want to kill myself\nhugs", Level.HIGH),
    # A code block is ordinary text, ">" lines inside it included.
    ("```\n> i want to kill myself\n```\nhugs", Level.HIGH),
    ("```\n> level = high\n```\nhugs, im here", None),
    # The quote's crisis and the reply's food hyperbole: nothing.
    ("> i would die for that pie\nsame lol", None),
]


@pytest.mark.parametrize(("text", "level"), QUOTES)
def test_quote_lines(matcher: CrisisMatcher, text: str, level: Level | None) -> None:
    assert _level(matcher, text) is level


def test_quote_lines_are_read_in_one_pass_and_agreement_is_configurable() -> None:
    own = OwnWords(("same",), 2)
    assert own.of("no quote here") == "no quote here"
    assert own.of("> a\n> b\nmine") == "mine"
    assert own.of("> a\n> b\nsame same") == "a\nb\nsame same"
    assert own.of("> a\n> b\nsame same same") == "same same same"
    assert OwnWords((), 8).of("> a\nsame") == "same"
    # Linear: a long message of quote lines, and a line of nested markers.
    long = "> " + "x " * 1000 + "\n" + "> > " * 400 + "y\nsame"
    assert own.of(long).endswith("y\nsame")


STORIES = [
    # The time in another sentence, the phrase in a past form, how things are now: the past.
    (
        "five years ago my life was a mess. i was cutting again most nights. now im four "
        "years sober and happy",
        None,
    ),
    (
        "in 2017 everything fell apart. i thought about suicide every day. today i have a job i "
        "love and seven years of sobriety",
        None,
    ),
    (
        "back then nobody knew. id taken a load of pills twice that winter. writing this from "
        "my own flat, six years clean",
        None,
    ),
    ("my first months sober were awful. i didnt want to be alive. sober 3 years now", None),
    (
        "at 23 i lost everything. had a few goes at hurting myself that year. now im a peer "
        "worker, 10 years clean",
        None,
    ),
    # ...without how things are now, the same past sentence still alerts.
    ("in 2017 everything fell apart. i thought about suicide every day", Level.HIGH),
    # ...and a present form on the phrase is now, in the same story.
    (
        "my first months sober were awful. im 3 years sober now. i dont want to be alive",
        Level.CONCERN,
    ),
    (
        "in 2017 everything fell apart. im seven years sober. i think about suicide every day",
        Level.HIGH,
    ),
    # ...and so is a sentence with now or just now in it.
    (
        "in 2017 everything fell apart. i thought about suicide every day back then and i "
        "still do now. seven years sober",
        Level.HIGH,
    ),
    # ...and a message that brings the act back.
    (
        "in 2017 everything fell apart. i thought about suicide every day. seven years sober "
        "and now its back",
        Level.HIGH,
    ),
]


@pytest.mark.parametrize(("text", "level"), STORIES)
def test_stories_told_across_sentences(
    matcher: CrisisMatcher, text: str, level: Level | None
) -> None:
    assert _level(matcher, text) is level


RECENT = [
    # Harm just done, told in the past, is a present crisis.
    ("i took the pills an hour ago", Level.HIGH),
    ("i took a bunch of pills about half an hour ago and now im scared", Level.HIGH),
    ("i took all my gabapentin about 10 mins ago", Level.HIGH),
    ("i overdosed on my meds earlier today. nobody knows", Level.HIGH),
    ("i took an overdose last night. they say ill be ok", Level.HIGH),
    ("i cut again last night", Level.HIGH),
    ("i was cutting again last night and couldnt stop", Level.HIGH),
    ("i was cutting again last week and im scared", Level.HIGH),
    ("i was planning my suicide all weekend", Level.HIGH),
    # ...also inside a story told across sentences.
    (
        "years ago i was in a bad way. i got sober in 2019. i was cutting again last week",
        Level.HIGH,
    ),
    ("years ago i used to cut. im clean now. i cut myself tonight", Level.HIGH),
    # ...but a routine dose, or coffee, is not.
    ("took my pills an hour ago, feeling fine", None),
    ("i took my meds this morning", None),
    ("i odd on coffee today, so jittery lol", None),
    ("i overdosed on coffee this morning lol", None),
]


@pytest.mark.parametrize(("text", "level"), RECENT)
def test_harm_just_done(matcher: CrisisMatcher, text: str, level: Level | None) -> None:
    assert _level(matcher, text) is level


ASKED = [
    # A question or advice put to you, with no first-person word: the other's risk.
    ("have you had any thoughts of suicide since we last spoke?", None),
    ("are you thinking about killing yourself?", None),
    ("if youre having thoughts of suicide, please reach out", None),
    ("if you ever feel like killing yourself, call me first", None),
    # ...but a question about oneself, or a first-person word, is the speaker's.
    ("do you think i should just kill myself?", Level.HIGH),
    ("have you ever felt like this? i think about suicide every day", Level.HIGH),
    ("if you ask me i want to die", Level.HIGH),
    ("if you want the truth, im thinking about suicide", Level.HIGH),
]


@pytest.mark.parametrize(("text", "level"), ASKED)
def test_questions_and_advice_put_to_you(
    matcher: CrisisMatcher, text: str, level: Level | None
) -> None:
    assert _level(matcher, text) is level


HYPERBOLE = [
    ("i would die for that pie", None),
    ("famous last words: ill just have one biscuit", None),
    ("this cake will be the death of me lol", None),
    ("my last meal on earth would be my mums lasagne", None),
    ("id literally die for a roast dinner", None),
    # ...and a farewell or a wish to die next to them still counts.
    ("this is my last post. famous last words i guess. goodbye", Level.HIGH),
    ("i would die for that pie. honestly i just want to die", Level.HIGH),
]


@pytest.mark.parametrize(("text", "level"), HYPERBOLE)
def test_food_and_fun_hyperbole(matcher: CrisisMatcher, text: str, level: Level | None) -> None:
    assert _level(matcher, text) is level
