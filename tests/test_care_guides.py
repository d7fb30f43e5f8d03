"""The guides to acting on care (issue 23): /find-treatment, /withdrawal, /medications,
/families, /peer-groups and /mental-health. Their facts and sources, the crisis lines on every
page that touches risk, and, through SimCord, every page as a member sees it, in a server and
in a DM, within Discord's limits."""

from __future__ import annotations

from typing import Any

import pytest
import simcord

from bot import limits
from bot.care import (
    CONSULT_GUIDES,
    FOOTER_RESERVE,
    GUIDE_TOPICS,
    TOP_LINE_RESERVE,
    Card,
    CardField,
    CareContent,
    check_card,
    load_care_content,
)
from bot.consultations import ConsultationService
from bot.consultations.values import Topic
from bot.crisis import load_crisis_resources, top_line
from bot.safe_messaging import first_breach
from bot.settings import PROJECT_ROOT, Settings
from cogs.care._cog import WITHDRAWAL_CHOICES
from cogs.care._embeds import CRISIS_LINE_NAME
from cogs.care._guides import CONSULT_LABEL
from cogs.care._views import DYNAMIC_ITEMS
from tests.conftest import ConsultServer, restart
from tests.helpers import text_of, the_bot
from tests.test_care_commands import custom_ids, options_of, private

DATA = PROJECT_ROOT / "data"

COMMANDS: dict[str, tuple[str, dict[str, str]]] = {
    "find-treatment": ("find-treatment", {}),
    "withdrawal": ("withdrawal", {}),
    "after-withdrawal": ("withdrawal", {"topic": "after-withdrawal"}),
    "medications": ("medications", {}),
    "families": ("families", {}),
    "peer-groups": ("peer-groups", {}),
    "mental-health": ("mental-health", {}),
}
"""How a member opens each guide."""

MENU = "care:guide:topics"
CONSULT = "consult:start"


@pytest.fixture(scope="module")
def care() -> CareContent:
    return load_care_content(DATA)


def guide_text(care: CareContent, topic: str) -> str:
    card = care.guides.topics[topic].card()
    return "\n".join([card.title, card.description, *(f"{f.name}\n{f.value}" for f in card.fields)])


# ----------------------------------------------------------------------------- content


def test_every_guide_is_there_sourced_verified_and_safe(care: CareContent) -> None:
    assert list(care.guides.topics) == list(GUIDE_TOPICS)
    assert set(COMMANDS) == set(GUIDE_TOPICS)
    for key, page in care.guides.topics.items():
        assert page.sources, key
        assert all(s.startswith("https://") or s == "iop-article" for s in page.sources), key
        assert str(page.last_verified) >= "2026-12-01", key
        text = guide_text(care, key)
        assert first_breach(text) is None, (key, first_breach(text))


def test_every_guide_that_touches_risk_shows_the_crisis_lines(care: CareContent) -> None:
    topics = care.guides.topics
    for key in ("withdrawal", "after-withdrawal", "families", "mental-health"):
        assert topics[key].show_crisis, key  # the whole list, in its own embed
    for key in ("find-treatment", "medications"):
        assert topics[key].crisis_line, key  # the top line, inline


def test_finding_treatment_has_where_to_look_what_to_ask_and_who_decides(
    care: CareContent,
) -> None:
    text = guide_text(care, "find-treatment")
    assert "FindTreatment.gov" in text
    assert "1-800-662-4357" in text
    assert "435748" in text
    for question in (
        "licensed",
        "accredited",
        "backed by research",
        "medications",
        "family",
        "cost",
        "insurance",
        "aftercare",
    ):
        assert question in text, question
    assert "assessment" in text
    assert "This bot never does" in text
    assert "Talk to a consultant" in text


def test_withdrawal_warns_without_doses_and_says_when_to_get_help_at_once(
    care: CareContent,
) -> None:
    text = guide_text(care, "withdrawal")
    assert "alcohol" in text
    assert "benzodiazepines" in text
    assert "seizures" in text
    assert "life-threatening" in text
    assert "911" in text
    assert "chest pain or trouble breathing" in text
    assert "Nobody here can advise on doses or cutting down" in text
    lowered = text.lower()
    for advice in ("taper", " mg", "milligram", "per day", "reduce by"):
        assert advice not in lowered, advice


def test_post_acute_withdrawal_is_explained_and_points_to_care(care: CareContent) -> None:
    text = guide_text(care, "after-withdrawal")
    assert "post-acute withdrawal (PAWS)" in text
    assert "eases with time" in text
    assert "/relapse topic:warning-signs" in text
    assert "doctor or counsellor" in text


def test_medications_name_each_one_without_prescribing(care: CareContent) -> None:
    text = guide_text(care, "medications")
    for medicine in ("Buprenorphine", "methadone", "naltrexone", "Naltrexone", "acamprosate"):
        assert medicine in text, medicine
    assert "disulfiram" in text
    assert "opioid use disorder" in text
    assert "alcohol use disorder" in text
    assert "backed by research" in text
    assert "part of recovery" in text
    assert "Only a prescriber who knows you" in text
    lowered = text.lower()
    for advice in ("you should take", " mg", "dose of", "start on"):
        assert advice not in lowered, advice


def test_families_have_craft_self_care_groups_and_an_emergency_plan(care: CareContent) -> None:
    text = guide_text(care, "families")
    assert "Community Reinforcement and Family Training (CRAFT)" in text
    assert "Look after yourself" in text
    for group in ("Al-Anon", "Nar-Anon", "SMART Recovery Family & Friends"):
        assert group in text, group
    assert "911" in text
    assert "naloxone" in text
    assert "988" in text


def test_peer_groups_beyond_12_step_and_online_meetings(care: CareContent) -> None:
    text = guide_text(care, "peer-groups")
    for group in ("SMART Recovery", "Recovery Dharma", "LifeRing", "Celebrate Recovery"):
        assert group in text, group
    assert "online" in text
    assert "/meetings" in text


def test_mental_health_is_short_sourced_and_never_diagnoses(care: CareContent) -> None:
    text = guide_text(care, "mental-health")
    assert "co-occurring" in text
    assert "dual diagnosis" in text
    assert "Only a professional can diagnose" in text
    assert "988" in text


def test_the_top_crisis_line_is_the_first_resource() -> None:
    crisis = load_crisis_resources(DATA)
    line = top_line(crisis)
    first = crisis.region(crisis.default_region).lines[0]
    assert first.name in line
    assert first.contact in line
    assert "/crisis" in line
    assert len(line) <= limits.EMBED_FIELD_VALUE


# ----------------------------------------------------------------------------- SimCord


@pytest.fixture
def place(env: simcord.Env) -> tuple[Any, Any]:
    channel = env.create_guild().create_text_channel("general")
    member = env.guild.add_member(env.create_user("ann"))
    return channel, member


def assert_shows_its_crisis_lines(env: simcord.Env, message: Any, topic: str) -> None:
    page = env.bot.care.guides.topics[topic]  # type: ignore[attr-defined]
    crisis = env.bot.crisis  # type: ignore[attr-defined]
    if page.show_crisis:
        assert [embed.title for embed in message.embeds] == [page.title, crisis.title]
    else:
        assert [embed.title for embed in message.embeds] == [page.title]
    if page.crisis_line:
        last = message.embeds[0].fields[-1]
        assert last.name == CRISIS_LINE_NAME
        assert last.value == top_line(crisis)


@pytest.mark.parametrize("topic", GUIDE_TOPICS)
async def test_every_guide_opens_privately_within_discords_limits(
    env: simcord.Env, place: tuple[Any, Any], topic: str
) -> None:
    channel, member = place
    command, options = COMMANDS[topic]

    message = private(await member.slash(channel, command, **options))  # checks the limits

    assert_shows_its_crisis_lines(env, message, topic)
    embed = message.embeds[0]
    assert len(embed.description or "") <= limits.EMBED_DESCRIPTION
    assert len(embed.fields) <= limits.EMBED_FIELDS
    assert all(len(f.value or "") <= limits.EMBED_FIELD_VALUE for f in embed.fields)
    assert options_of(message, MENU) == list(GUIDE_TOPICS)
    labels = [
        option["label"]
        for row in message.components
        for component in row.get("components", [])
        if component.get("custom_id") == MENU
        for option in component["options"]
    ]
    assert len(labels) <= limits.SELECT_OPTIONS
    assert all(len(label) <= limits.SELECT_LABEL for label in labels)
    if topic in CONSULT_GUIDES:
        assert custom_ids(message) == [MENU, CONSULT]
    else:
        assert custom_ids(message) == [MENU]


@pytest.mark.parametrize("topic", GUIDE_TOPICS)
async def test_the_guide_menu_opens_each_guide_in_place(
    env: simcord.Env, place: tuple[Any, Any], topic: str
) -> None:
    channel, member = place
    first = private(await member.slash(channel, "peer-groups"))

    opened = private(await member.select(first, [topic], custom_id=MENU))

    assert opened.id == first.id  # the member's own private message, edited
    assert_shows_its_crisis_lines(env, opened, topic)
    assert (CONSULT in custom_ids(opened)) == (topic in CONSULT_GUIDES)


async def test_the_consultant_button_goes_to_the_consultation_feature(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    message = private(await member.slash(channel, "find-treatment"))
    button = next(
        component
        for row in message.components
        for component in row.get("components", [])
        if component.get("custom_id") == CONSULT
    )
    assert button["label"] == CONSULT_LABEL
    assert not any(
        item.__discord_ui_compiled_template__.pattern.startswith("consult")
        for item in DYNAMIC_ITEMS
    )

    answered = await member.click(message, custom_id=CONSULT)

    assert answered.acknowledged  # the consultation feature answered (a form or a reply)


async def test_a_family_member_reaches_a_consultant_from_families(
    consult_server: ConsultServer,
) -> None:
    member = consult_server.member
    message = private(await member.slash(consult_server.general, "families"))
    assert "I'm a family member or friend" in text_of(message)

    shown = await member.click(message, custom_id=CONSULT)

    assert shown.modal is not None  # the consultation feature's own form
    assert "I'm a family member or friend" in str(shown.modal)
    sent = await member.submit_modal(shown, {"topic": ["family"], "urgency": ["routine"]})
    assert sent.acknowledged
    bot = the_bot(consult_server.env)
    requests = await ConsultationService(bot.db, bot.cipher).active(consult_server.guild.id)
    assert [request.topic for request in requests] == [Topic.FAMILY]


async def test_guides_work_in_a_dm_without_a_consultant_button(env: simcord.Env) -> None:
    user = env.create_user("alone")

    message = private(await user.slash("find-treatment"))

    assert custom_ids(message) == [MENU]
    assert "/consult` in the server" in text_of(message)
    families = private(await user.select(message, ["families"], custom_id=MENU))
    assert custom_ids(families) == [MENU]
    assert_shows_its_crisis_lines(env, families, "families")


async def test_a_guide_can_be_shared_without_pinging_anyone(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place

    result = await member.slash(channel, "peer-groups", share=True)

    assert result.acknowledged
    assert result.response is not None
    assert not result.response.ephemeral
    assert "Recovery Dharma" in text_of(result.response)


async def test_the_guide_menu_still_works_after_a_restart(
    env: simcord.Env, settings: Settings, place: tuple[Any, Any]
) -> None:
    channel, member = place
    message = private(await member.slash(channel, "medications"))

    await restart(env, settings)

    opened = private(await member.select(message, ["withdrawal"], custom_id=MENU))
    assert_shows_its_crisis_lines(env, opened, "withdrawal")


async def test_after_a_slip_shows_the_top_crisis_line_inline(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place

    message = private(await member.slash(channel, "relapse", topic="after-a-slip"))

    last = message.embeds[0].fields[-1]
    assert last.name == CRISIS_LINE_NAME
    assert "988" in last.value


def test_the_withdrawal_choices_match_the_guides() -> None:
    assert [choice.value for choice in WITHDRAWAL_CHOICES] == ["withdrawal", "after-withdrawal"]
    assert all(choice.value in GUIDE_TOPICS for choice in WITHDRAWAL_CHOICES)


def test_a_card_with_the_crisis_line_keeps_room_for_it() -> None:
    room = limits.EMBED_TOTAL - FOOTER_RESERVE - TOP_LINE_RESERVE
    description = "x" * 4000

    def card(size: int) -> Card:
        value = "y" * (size - len("T") - len(description) - len("n"))
        return Card("T", description, (CardField("n", value),), crisis_line=True)

    check_card(card(room), "fits")
    with pytest.raises(ValueError, match="over the"):
        check_card(card(room + 1), "too long")
    full = tuple(CardField(f"name {n}", "value") for n in range(limits.EMBED_FIELDS))
    check_card(Card("T", "d", full), "full without the line")
    with pytest.raises(ValueError, match="no field is left for the crisis line"):
        check_card(Card("T", "d", full, crisis_line=True), "full with the line")
    # With the whole list shown, the inline line is not added, so a full card is fine.
    check_card(Card("T", "d", full, show_crisis=True, crisis_line=True), "list instead")
