"""The guard frames added for set P (issue 14), as tables: each pins a frame on both sides.

A bare "try again" needs a crisis word near (or the short memory); ordinary leaving (a job, a
lease) is not a plan; a story dated by a year or an age is the past; advice to anyone is not
the speaker's own; a message that says itself not literal is not meant, unless it takes that
back; games and plots are not the speaker; a coping step keeps the model's second look quiet.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.safety import Category, CrisisMatcher, Level, Match
from bot.safety.memory import SignalMemory
from bot.safety.model import CrisisModel
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def matcher() -> CrisisMatcher:
    return CrisisMatcher.from_content_dir(PROJECT_ROOT / "data")


@pytest.fixture(scope="module")
def combined() -> CrisisMatcher:
    model = CrisisModel.from_content_dir(PROJECT_ROOT / "data")
    return CrisisMatcher.from_content_dir(PROJECT_ROOT / "data", model=model)


def _level(matcher: CrisisMatcher, text: str) -> Level | None:
    found = matcher.match(text)
    return None if found is None else found.level


# (message, the level the grammar gives it: None for nothing)
FRAMES = [
    # "try again": a crisis word near it makes it an attempt; alone it is a cue.
    ("the pills didnt work so im going to try again tonight", Level.HIGH),
    ("i survived the overdose and i want to try it again", Level.HIGH),
    ("gonna try again after the attempt last month", Level.HIGH),
    ("insurance denied the claim, ill try again next week", None),
    ("lost the boss fight, trying again after dinner", None),
    ("im going to try again", Level.CUE),
    # Ordinary leaving: a job, a lease, school, with a word of leaving.
    ("three more weeks then im out of this job for good", None),
    ("two more shifts and im done with this warehouse", None),
    ("two more weeks then im gone for good", Level.HIGH),
    ("lease is up in march. 3 more weeks then im out", None),
    ("once the lease is up im ending it", Level.HIGH),
    ("lost my job today. im done. goodbye everyone", Level.HIGH),
    # A year before this one or an age dates a story; "again" or "still" brings it back.
    ("in 2009 i tried to kill myself", None),
    ("at 16 i wanted to die every day", None),
    ("when i was 19 i cut myself", None),
    ("in 2009 i tried to kill myself and i want to again", Level.HIGH),
    ("at 16 i wanted to die and i still do", Level.HIGH),
    ("i want to kill myself at 3am", Level.HIGH),
    ("i tried to end my life and im glad it didnt work", None),
    ("i tried to end my life at 19. im 45 now", None),
    ("at fifteen i wanted to die", None),
    ("in year 10 i cut myself every night", None),
    ("in the 90s i tried to overdose", None),
    ("i want to end my life at 19 minutes past", Level.HIGH),
    ("at 40 i want to die, nothing to show for it", Level.HIGH),
    ("i have wanted to die since 2019", Level.HIGH),
    # Advice or an announcement to anyone, with no first-person word near.
    ("if anyone here is having thoughts of suicide please reach out", None),
    ("if youre feeling like hurting yourself please talk to someone", None),
    ("if anyone cares i want to kill myself", Level.HIGH),
    ("when you are at the point of wanting to end it, tell one person", None),
    ("lots of us have thought about suicide", None),
    ("does anyone else keep thinking about suicide", Level.HIGH),
    ("what would you do if youd already set a date? mines the 14th", Level.HIGH),
    ("can you die from taking too many sleeping pills", Level.HIGH),
    # Said to be not literal, unless taken back.
    ("im going to kill myself lol jk this exam is brutal", None),
    ("i want to die (not literally) this meeting is long", None),
    ("kms /j my code wont compile", None),
    ("i want to kill myself. not joking", Level.HIGH),
    ("gonna kms lol jk unless", Level.HIGH),
    ("gonna kms /hj", Level.HIGH),
    ("lol anyway im gonna kms", Level.HIGH),
    # Someone else's suicide or self-harm named as theirs.
    ("a guy from my home group died by suicide saturday", None),
    ("its the anniversary of my brothers suicide today", None),
    ("my roommate has been hiding her self harm", None),
    ("i am thinking about suicide saturday", Level.HIGH),
    # Games and plots.
    ("died in the raid three times, respawn took forever", None),
    ("in the movie he jumps off a bridge", None),
    ("i want to jump off a bridge", Level.HIGH),
    # Hopeless at a skill is not hopelessness.
    ("im hopeless at knitting", None),
    ("im so hopeless", Level.CONCERN),
]


@pytest.mark.parametrize(("text", "level"), FRAMES)
def test_each_frame_on_both_sides(matcher: CrisisMatcher, text: str, level: Level | None) -> None:
    assert _level(matcher, text) is level, matcher.explain(text)


# (message, whether grammar + model alert): the model is not asked after a coping step that
# did not fail, a not-literal marker, advice to anyone, ordinary leaving or a dated story.
SECOND_LOOK = [
    ("rough day at work, craving a drink bad but im not going to drink over it", False),
    ("lost my job today and feel like garbage, called my sponsor", False),
    ("i feel like i am drowning and nobody sees it", True),
]


@pytest.mark.parametrize(("text", "alerts"), SECOND_LOOK)
def test_the_second_look_after_a_coping_step(
    combined: CrisisMatcher, text: str, alerts: bool
) -> None:
    found = combined.match(text)
    assert (found is not None and found.level.rank >= Level.CONCERN.rank) is alerts


def test_coping_that_failed_does_not_quiet_the_model(combined: CrisisMatcher) -> None:
    guards = combined._guards
    assert guards.coped(" called my sponsor . ")
    assert not guards.coped(" called my sponsor but it didnt help . ")
    assert not guards.coped(" i cant do this . ")


def test_a_bare_try_again_is_raised_by_the_memory(matcher: CrisisMatcher) -> None:
    # Alone, "im going to try again" is only a cue; a few minutes after a hopeless message
    # from the same member it is a high-risk signal.
    memory = SignalMemory()
    now = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    first = matcher.match("nothing is ever going to get better for me")
    assert first is not None
    assert first.level is Level.CONCERN
    memory.observe(1, 2, first, now)
    again = matcher.match("im going to try again")
    assert again == Match(Category.AMBIGUOUS, Level.CUE)
    signal = memory.observe(1, 2, again, now + dt.timedelta(minutes=2))
    assert signal is not None
    assert signal.level is Level.HIGH
    assert SignalMemory().observe(1, 3, again, now) is None


def test_a_dated_year_must_be_before_this_one(matcher: CrisisMatcher) -> None:
    guards = matcher._guards
    assert guards.dated(f" in {guards.this_year - 1} i tried . ")
    assert not guards.dated(f" in {guards.this_year + 1} i will . ")
    assert not guards.dated(" in 5 minutes i will . ")
