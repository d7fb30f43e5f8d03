"""Care content: the real files load, every rule is enforced with a clear sentence, the facts
from issue 3 are present, and the wording follows safe-messaging guidance."""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.bot import create_bot
from bot.care import (
    COPING_TOPICS,
    FIT_ANSWERS,
    IOP_TOPICS,
    MIN_TIPS,
    RELAPSE_TOPICS,
    Card,
    CareContent,
    TipPosition,
    TipRotation,
    load_care_content,
)
from bot.content import ContentError
from bot.crisis import load_crisis_resources
from bot.safe_messaging import UNSAFE as SAFE_MESSAGING_PATTERNS
from bot.settings import PROJECT_ROOT
from tests.conftest import make_settings

DATA = PROJECT_ROOT / "data"


@pytest.fixture(scope="module")
def care() -> CareContent:
    return load_care_content(DATA)


def all_text(care: CareContent) -> str:
    return "\n".join(text for _, text in care.all_text())


# ----------------------------------------------------------------------------- real files


def test_the_real_content_loads_with_every_topic(care: CareContent) -> None:
    assert set(care.iop.topics) == set(IOP_TOPICS)
    assert set(care.relapse.topics) == set(RELAPSE_TOPICS)
    assert set(care.coping.topics) == set(COPING_TOPICS)
    assert [level.key for level in care.levels.levels] == [
        "outpatient",
        "iop",
        "php",
        "residential",
        "acute",
    ]


def test_every_coping_topic_has_enough_tips(care: CareContent) -> None:
    for key, topic in care.coping.topics.items():
        assert len(topic.tips) >= MIN_TIPS, key
        assert len({tip.title for tip in topic.tips}) == len(topic.tips), key


def test_every_entry_is_sourced_and_verified(care: CareContent) -> None:
    today = dt.datetime.now(dt.UTC).date()
    entries = [
        care.levels,
        *care.levels.levels,
        *care.iop.topics.values(),
        *care.iop.approaches,
        care.iop.fit,
        *care.relapse.topics.values(),
        *care.coping.topics.values(),
        care.support,
        *care.guides.topics.values(),
    ]
    for entry in entries:
        assert entry.sources, entry
        assert entry.last_verified <= today


# ----------------------------------------------------------------------------- accuracy


def test_levels_carry_the_hours_and_asam_levels(care: CareContent) -> None:
    levels = {level.key: level for level in care.levels.levels}
    assert "one session a week" in levels["outpatient"].intensity
    assert "9 hours a week for adults and 6 for teens" in levels["iop"].intensity
    assert "5 hours a day, 5 days a week" in levels["php"].intensity
    assert "20 or more hours a week" in levels["php"].intensity
    assert "month or more" in levels["residential"].intensity + levels["residential"].detail
    assert "crisis" in levels["acute"].fits
    # ASAM Criteria, 4th edition (2023) names, with the 3rd edition's as "formerly".
    assert levels["outpatient"].asam.startswith("ASAM level 1.5, outpatient therapy")
    assert "formerly level 1" in levels["outpatient"].asam
    assert levels["iop"].asam.startswith("ASAM level 2.1, intensive outpatient")
    assert levels["php"].asam.startswith("ASAM level 2.5, high-intensity outpatient")
    assert "formerly partial hospitalization" in levels["php"].asam
    assert levels["residential"].asam.startswith("ASAM levels 3.1 to 3.7")
    assert "3.3 is being phased out" in levels["residential"].asam
    assert levels["acute"].asam.startswith("ASAM level 4, medically managed inpatient")
    assert "formerly medically managed intensive inpatient" in levels["acute"].asam
    assert "4th edition (2023)" in care.levels.asam_note
    assert "3rd-edition numbers" in care.levels.asam_note


def test_iop_about_has_the_core_services_and_the_four_samhsa_goals(care: CareContent) -> None:
    about = all_text_of(care.iop.topic_card("about"))
    for service in (
        "Individual therapy",
        "Group therapy",
        "Family therapy",
        "Education",
        "Case management",
    ):
        assert service in about
    # The evidence is a 2014 review of many studies, not "one study".
    assert "one study" not in about
    assert "2014 review" in about
    assert "McCarty" in about
    assert "Psychiatric Services" in about
    assert "https://pmc.ncbi.nlm.nih.gov/articles/PMC4152944/" in care.iop.topics["about"].sources
    for goal in (
        "early-stage relapse management",
        "coping strategies",
        "support network",
        "social well-being and mental health",
    ):
        assert goal in about


def test_iop_topics_carry_the_article_facts(care: CareContent) -> None:
    schedule = all_text_of(care.iop.topic_card("schedule"))
    assert "9 hours a week for adults" in schedule
    assert "6 for teens" in schedule
    assert "morning or the evening" in schedule
    assert "3 to 5 weeks" in schedule
    assert "4 to 6 weeks" in schedule
    assert "Lengths vary widely" in schedule
    assert "16 weeks" in schedule  # the Matrix Model
    expect = all_text_of(care.iop.topic_card("what-to-expect"))
    for item in (
        "Individual counselling",
        "Group therapy",
        "Psychiatric care",
        "Medication management",
        "Education",
        "Complementary therapies",
    ):
        assert item in expect
    conditions = all_text_of(care.iop.topic_card("conditions"))
    for item in ("Substance use", "Eating disorders", "Depression", "Dual diagnosis"):
        assert item in conditions
    history = all_text_of(care.iop.topic_card("history"))
    assert "1980s" in history
    assert "1990s" in history
    assert "6,089 programs" in history
    assert "2011" in history


def test_every_approach_is_there(care: CareContent) -> None:
    names = " ".join(approach.name for approach in care.iop.approaches)
    for approach in (
        "12-Step",
        "Cognitive Behavioral Therapy",
        "Motivational Enhancement Therapy",
        "Therapeutic Community",
        "Matrix Model",
        "Community Reinforcement and Contingency Management",
    ):
        assert approach in names
    matrix = care.iop.approach("matrix")
    assert matrix is not None
    assert "1980s" in matrix.description
    assert "16 weeks" in matrix.description
    assert "https://pubmed.ncbi.nlm.nih.gov/10908003/" in matrix.sources


def test_relapse_topics_carry_the_tools_and_facts(care: CareContent) -> None:
    text = {key: all_text_of(page.card()) for key, page in care.relapse.topics.items()}
    for stage in ("Emotional relapse", "Mental relapse", "Physical relapse"):
        assert stage in text["stages"]
    assert "**H**ungry, **A**ngry, **L**onely or **T**ired" in text["warning-signs"]
    assert "Play the tape through" in text["plan"]
    assert "Urge surfing" in text["plan"]
    assert "▢" in text["plan"]  # a fill-in checklist
    assert "NIDA" in text["after-a-slip"]
    assert "40 to 60%" in text["after-a-slip"]
    assert "asthma" in text["after-a-slip"]
    overdose = text["overdose-risk"]
    assert "tolerance" in overdose
    assert "911" in overdose
    assert "naloxone" in overdose
    assert "1-800-662-4357" in overdose
    assert care.relapse.topics["overdose-risk"].show_crisis
    # Overdose response, as SAMHSA's toolkit gives it, and naloxone without a prescription.
    assert "over the counter since 2023" in overdose
    assert "rescue breaths" in overdose
    assert "2 to 3 minutes" in overdose
    assert "second dose" in overdose
    assert "Stay with them" in overdose
    assert "naloxone wears off" in overdose
    assert "Good Samaritan" in overdose
    assert "Fentanyl test strips" in overdose
    assert "pharmacist can tell you" not in overdose  # no prescription needed any more
    # After a slip: the top crisis line inline, not only "use /crisis".
    assert care.relapse.topics["after-a-slip"].card().crisis_line


def test_anxiety_points_to_medical_care_for_chest_pain_or_trouble_breathing(
    care: CareContent,
) -> None:
    intro = care.coping.topics["anxiety"].intro
    assert "can't hurt you" not in intro
    assert "chest pain" in intro
    assert "trouble breathing" in intro
    assert "medical help" in intro


def test_box_breathing_and_5_4_3_2_1_grounding_are_there(care: CareContent) -> None:
    grounding = " ".join(tip.title for tip in care.coping.topics["grounding"].tips)
    stress = " ".join(tip.title for tip in care.coping.topics["stress"].tips)
    assert "5-4-3-2-1" in grounding
    assert "Box breathing" in stress
    box = next(t for t in care.coping.topics["stress"].tips if t.title == "Box breathing")
    assert box.text.count("4") >= 4  # in, hold, out, hold


def test_crisis_numbers_are_reachable_from_the_crisis_path(care: CareContent) -> None:
    crisis = load_crisis_resources(DATA)
    contacts = " ".join(line.contact for line in crisis.region("US").lines)
    assert "988" in contacts
    assert "1-800-662-4357" in contacts
    fit = care.iop.fit
    crisis_answers = "y" + "n" * (len(fit.questions) - 1)
    assert fit.ending_card(crisis_answers).show_crisis
    assert fit.question_card("y").show_crisis
    assert not fit.ending_card("n" * len(fit.questions)).show_crisis
    assert care.relapse.topics["overdose-risk"].card().show_crisis


def test_support_network_points_to_the_groups_own_resources(care: CareContent) -> None:
    text = all_text_of(care.support.card())
    assert "/meetings" in text
    assert "/consult" in text
    assert "/crisis" in text
    assert "support network" in text.lower()
    assert "SAMHSA" in text


# ----------------------------------------------------------------------------- safe messaging

UNSAFE = list(SAFE_MESSAGING_PATTERNS)
"""The rules live in ``bot.safe_messaging``: the same ones check a saved reply's text."""


def test_no_content_breaks_safe_messaging(care: CareContent) -> None:
    problems = []
    for where, text in care.all_text():
        for pattern in UNSAFE:
            if re.search(pattern, text, re.IGNORECASE):
                problems.append(f"{where}: {pattern}")
    assert problems == []


def test_the_lint_would_catch_unsafe_wording() -> None:
    samples = [
        "He committed suicide last year.",
        "Based on your answers, you need an IOP.",
        "Once an addict, always an addict.",
        "Hanging out is fine",  # the lint is strict on purpose: reword rather than risk it
    ]
    for sample in samples:
        assert any(re.search(p, sample, re.IGNORECASE) for p in UNSAFE), sample


def test_the_reflection_never_concludes_what_a_member_needs(care: CareContent) -> None:
    fit = care.iop.fit
    for answers in ("yyyyy", "nnnnn", "uuuuu", "nyyyy", "ynnnn"):
        text = all_text_of(fit.ending_card(answers))
        assert not re.search(
            r"you (need|should|must) (an? )?(iop|php|inpatient|outpatient|go)", text, re.I
        )
        assert "based on your answers" not in text.lower()
        assert "doesn't say what care you need" in text
        assert "/consult" in text
        for code in answers:
            assert f"You said: **{FIT_ANSWERS[code]}**" in text


# ----------------------------------------------------------------------------- tip rotation


def test_tips_never_repeat_until_the_pool_is_used_up() -> None:
    rotation = TipRotation(rng=random.Random(7))
    first_round = [rotation.next(1, "stress", 8).current(8) for _ in range(8)]
    assert sorted(first_round) == list(range(8))
    second_round = [rotation.next(1, "stress", 8).current(8) for _ in range(8)]
    assert sorted(second_round) == list(range(8))
    assert second_round[0] != first_round[-1]  # no tip twice in a row across rounds


def test_rotation_is_per_member_and_per_topic() -> None:
    rotation = TipRotation(rng=random.Random(1))
    rotation.next(1, "sleep", 8)
    assert rotation.next(2, "sleep", 8).shown == 1
    assert rotation.next(1, "stress", 8).shown == 1
    assert rotation.next(1, "sleep", 8).shown == 2


def test_rotation_carries_on_from_a_buttons_position() -> None:
    rotation = TipRotation(rng=random.Random(3))
    remembered = TipPosition(start=5, shown=7)  # 7 of 8 shown (e.g. before a restart)
    position = rotation.next(5, "sleep", 8, after=remembered)
    assert position == TipPosition(start=5, shown=8)
    assert position.current(8) == 4  # 5, 6, 7, 0, 1, 2, 3 were shown; 4 is the last one


def test_a_position_that_no_longer_fits_the_content_starts_afresh() -> None:
    rotation = TipRotation(rng=random.Random(3))
    position = rotation.next(5, "sleep", 8, after=TipPosition(start=11, shown=2))
    assert position.shown == 1
    assert 0 <= position.start < 8


def test_rotation_memory_is_bounded() -> None:
    rotation = TipRotation(max_entries=3)
    for member in range(10):
        rotation.next(member, "sleep", 8)
    assert len(rotation._at) == 3


# ----------------------------------------------------------------------------- validation

Edit = Callable[[str], str]


def broken_copy(tmp_path: Path, file: str, edit: Edit) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA / "care", target / "care")
    path = target / "care" / file
    before = path.read_text("utf-8")
    after = edit(before)
    assert after != before, "the edit did not change the file"
    path.write_text(after, "utf-8")
    return target


def replace_once(old: str, new: str) -> Edit:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def many_fields(count: int, length: int) -> str:
    return "".join(
        f'\n[[fields]]\nname = "Field {i}"\nvalue = "{"x" * length}"\n' for i in range(count)
    )


CASES: list[tuple[str, str, Edit, tuple[str, ...]]] = [
    (
        "title over 256",
        "levels.toml",
        replace_once('title = "Levels of care, at a glance"', f'title = "{"x" * 257}"'),
        ("levels.toml", "`title`", "256"),
    ),
    (
        "description over 4096",
        "iop.toml",
        replace_once(
            'description = "IOPs are built around ordinary life',
            f'description = "{"x" * 4097}IOPs are built around ordinary life',
        ),
        ("iop.toml", "`topics.schedule.description`", "4096"),
    ),
    (
        "field value over 1024",
        "relapse.toml",
        replace_once(
            'value = "Taking opioids together', f'value = "{"x" * 1025}Taking opioids together'
        ),
        ("relapse.toml", "`topics.overdose-risk.fields.0.value`", "1024"),
    ),
    (
        "more than 25 fields",
        "support_network.toml",
        lambda text: text + many_fields(21, 10),
        ("support_network.toml", "`fields`", "25"),
    ),
    (
        "over 6000 characters in one message",
        "support_network.toml",
        lambda text: text + many_fields(6, 1000),
        ("support_network.toml", "characters in total", "6000"),
    ),
    (
        "missing sources",
        "iop.toml",
        replace_once(
            'sources = ["iop-article"]\nlast_verified = 2026-11-27\n\n[[topics.what-to-expect',
            "last_verified = 2026-11-27\n\n[[topics.what-to-expect",
        ),
        ("iop.toml", "`topics.what-to-expect.sources`", "Field required"),
    ),
    (
        "empty sources",
        "coping.toml",
        replace_once(
            'sources = ["iop-article", "https://pubmed.ncbi.nlm.nih.gov/26339217/"]',
            "sources = []",
        ),
        ("coping.toml", "`topics.cravings.sources`", "at least one source"),
    ),
    (
        "a source that is not a link",
        "levels.toml",
        replace_once('sources = ["iop-article", "https://www.asam.org', 'sources = ["my notes", "'),
        ("levels.toml", "`sources.0`", "https://"),
    ),
    (
        "last_verified in the future",
        "relapse.toml",
        replace_once("last_verified = 2026-11-27", "last_verified = 2999-01-01"),
        ("relapse.toml", "`topics.warning-signs.last_verified`", "in the future"),
    ),
    (
        "a missing topic",
        "relapse.toml",
        lambda text: text.replace("[topics.stages]", "[topics.stagez]").replace(
            "[[topics.stages.fields]]", "[[topics.stagez.fields]]"
        ),
        ("relapse.toml", "`topics`", "'stages'"),
    ),
    (
        "an unknown field (a typo)",
        "levels.toml",
        replace_once('short_name = "IOP"', 'short_name = "IOP"\nshortname = "IOP"'),
        ("levels.toml", "`levels.1.shortname`", "Extra inputs"),
    ),
    (
        "a level using the overview's key",
        "levels.toml",
        replace_once('key = "php"', 'key = "all"'),
        ("levels.toml", "`levels`", "'all'"),
    ),
    (
        "not TOML",
        "iop.toml",
        lambda text: text + "\nthis is = = not toml\n",
        ("iop.toml", "not valid TOML"),
    ),
]


@pytest.mark.parametrize(
    ("file", "edit", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_broken_file_is_named_with_its_field(
    tmp_path: Path, file: str, edit: Edit, expected: tuple[str, ...]
) -> None:
    content_dir = broken_copy(tmp_path, file, edit)

    with pytest.raises(ContentError) as caught:
        load_care_content(content_dir)

    message = str(caught.value)
    for needle in expected:
        assert needle in message
    assert "\n" not in message  # one sentence, no traceback


def test_too_few_tips_names_the_topic(tmp_path: Path) -> None:
    def drop_sleep_tips(text: str) -> str:
        head, _, tail = text.partition('[[topics.sleep.tips]]\ntitle = "Wind down"')
        rest = tail.split("[topics.loneliness]", 1)[1]
        return head + "[topics.loneliness]" + rest

    content_dir = broken_copy(tmp_path, "coping.toml", drop_sleep_tips)
    with pytest.raises(ContentError, match=r"coping\.toml.*`topics\.sleep\.tips`.*between 8"):
        load_care_content(content_dir)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    target = tmp_path / "data"
    shutil.copytree(DATA / "care", target / "care")
    (target / "care" / "coping.toml").unlink()
    with pytest.raises(ContentError, match=r"coping\.toml is missing"):
        load_care_content(target)


def test_a_broken_care_file_stops_start_up(tmp_path: Path) -> None:
    content_dir = broken_copy(
        tmp_path,
        "levels.toml",
        replace_once(
            'asam = "ASAM level 4, medically managed inpatient (formerly medically managed '
            'intensive inpatient)"',
            'asam = ""',
        ),
    )
    shutil.copy(DATA / "crisis.toml", content_dir / "crisis.toml")
    settings = make_settings(tmp_path, content_dir=content_dir)

    with pytest.raises(ContentError, match=r"levels\.toml.*`levels\.4\.asam`.*empty"):
        create_bot(settings)


def all_text_of(card: Card) -> str:
    return "\n".join([card.title, card.description, *(f"{f.name}\n{f.value}" for f in card.fields)])
