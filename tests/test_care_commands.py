"""/levels, /iop, /relapse, /coping and /support-network through SimCord: what a member sees."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord

from bot import limits
from bot.bot import SupportBot, create_bot
from bot.care import COPING_TOPICS, FIT_TOPIC, IOP_TOPICS, RELAPSE_TOPICS, CareContent
from bot.content import ContentError
from bot.errors import OutOfDateError
from bot.settings import PROJECT_ROOT, Settings
from bot.ui import FOOTER
from cogs.care._cog import ALWAYS_PRIVATE, IOP_CHOICES, LEVEL_CHOICES, RELAPSE_CHOICES, Care
from cogs.care._iop import CONSULT_CUSTOM_ID, NOT_YOURS, fit_page
from cogs.care._levels import compare_page, level_page
from cogs.care._pages import CareState
from cogs.care._views import DYNAMIC_ITEMS
from tests.conftest import restart
from tests.helpers import text_of

Result = simcord.InteractionResult


def custom_ids(message: Any) -> list[str]:
    found: list[str] = []

    def walk(components: list[dict[str, Any]]) -> None:
        for component in components:
            if "custom_id" in component:
                found.append(component["custom_id"])
            walk(component.get("components", []))

    walk(message.components)
    return found


def options_of(message: Any, custom_id: str) -> list[str]:
    for row in message.components:
        for component in row.get("components", []):
            if component.get("custom_id") == custom_id:
                return [option["value"] for option in component["options"]]
    raise AssertionError(f"no select {custom_id}")


def check_message(message: Any) -> None:
    """Every care reply: the standard footer and within Discord's limits."""
    assert message.embeds
    assert message.embeds[0].footer.text == FOOTER
    total = 0
    for embed in message.embeds:
        assert len(embed.fields) <= limits.EMBED_FIELDS
        total += len(embed.title or "") + len(embed.description or "")
        total += len(embed.footer.text or "")
        total += sum(len(f.name or "") + len(f.value or "") for f in embed.fields)
    assert total <= limits.EMBED_TOTAL
    for custom_id in custom_ids(message):
        assert len(custom_id) <= limits.CUSTOM_ID


def private(result: Result) -> Any:
    assert result.acknowledged
    message = result.response
    assert message is not None
    assert message.ephemeral
    check_message(message)
    return message


def care_of(env: simcord.Env) -> CareContent:
    bot = env.bot
    assert isinstance(bot, SupportBot)
    return bot.care


@pytest.fixture
def place(env: simcord.Env) -> tuple[Any, Any]:
    channel = env.create_guild().create_text_channel("general")
    member = env.guild.add_member(env.create_user("ann"))
    return channel, member


# ----------------------------------------------------------------------------- /levels

ONE_PHONE_SCREEN = 1_300
"""Characters of an embed that fit one screen of a phone without scrolling, near enough: the
short answers (/levels, /crisis) stay within it (issue 24, "Long pages")."""


async def test_levels_overview_lists_every_level_privately(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place

    message = private(await member.slash(channel, "levels"))

    text = text_of(message)
    for level in care_of(env).levels.levels:
        assert f"**{level.name}**: {level.summary}" in text
        # The detail is one tap away, in the menu: the overview stays one phone screen.
        assert level.fits not in text
        assert level.asam not in text
    assert "/consult" in text
    assert len(text) <= ONE_PHONE_SCREEN
    assert custom_ids(message) == ["care:levels:open", "care:levels:compare"]


@pytest.mark.parametrize("key", [choice.value for choice in LEVEL_CHOICES])
async def test_levels_jumps_straight_to_one_level(
    env: simcord.Env, place: tuple[Any, Any], key: str
) -> None:
    channel, member = place
    level = care_of(env).levels.get(key)
    assert level is not None

    message = private(await member.slash(channel, "levels", level=key))

    assert message.embeds[0].title == level.name
    text = text_of(message)
    assert level.intensity in text
    assert level.sleeps in text
    assert level.asam in text
    assert "care:level:all" in custom_ids(message)


@pytest.mark.parametrize("key", ["outpatient", "iop", "php", "residential", "acute"])
async def test_the_level_menu_opens_each_level_in_place(
    env: simcord.Env, place: tuple[Any, Any], key: str
) -> None:
    channel, member = place
    overview = private(await member.slash(channel, "levels"))
    assert key in options_of(overview, "care:levels:open")

    result = await member.select(overview, [key], custom_id="care:levels:open")

    opened = private(result)
    assert opened.id == overview.id  # the member's own private message, edited
    level = care_of(env).levels.get(key)
    assert level is not None
    assert opened.embeds[0].title == level.name


async def test_level_buttons_step_between_levels_and_back(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    page = private(await member.slash(channel, "levels", level="iop"))
    assert custom_ids(page) == [
        "care:levels:open",
        "care:level:outpatient",
        "care:level:all",
        "care:level:php",
        "care:compare:iop:php",
    ]

    down = private(await member.click(page, custom_id="care:level:outpatient"))
    assert down.embeds[0].title == "Outpatient therapy"
    assert "care:level:outpatient" not in custom_ids(down)  # no step below the lowest level
    up = private(await member.click(down, custom_id="care:level:iop"))
    assert up.embeds[0].title.startswith("Intensive outpatient")
    back = private(await member.click(up, custom_id="care:level:all"))
    assert back.embeds[0].title == care_of(env).levels.title
    acute = private(await member.select(back, ["acute"], custom_id="care:levels:open"))
    assert "care:compare:acute:residential" in custom_ids(acute)  # the top compares downwards


async def test_compare_button_and_menu_show_two_levels_side_by_side(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    page = private(await member.slash(channel, "levels", level="iop"))

    compared = private(await member.click(page, custom_id="care:compare:iop:php"))

    text = text_of(compared)
    assert compared.embeds[0].title == "IOP and PHP, side by side"
    assert "**IOP:** At least 9 hours a week" in text
    assert "**PHP:** About 5 hours a day, 5 days a week" in text
    for label in ("Time", "Where you sleep", "Often suits", "ASAM level"):
        assert label in [field.name for field in compared.embeds[0].fields]

    picked = await member.select(compared, ["outpatient", "acute"], custom_id="care:levels:compare")
    other = private(picked)
    assert other.embeds[0].title == "Outpatient and Acute inpatient, side by side"
    assert "ASAM level 1" in text_of(other)
    assert "ASAM level 4" in text_of(other)
    home = private(await member.click(other, custom_id="care:level:all"))
    assert home.embeds[0].title == care_of(env).levels.title


async def test_stale_level_ids_are_out_of_date(env: simcord.Env) -> None:
    bot = env.bot
    assert isinstance(bot, SupportBot)
    with pytest.raises(OutOfDateError):
        level_page(CareState(bot.care, bot.crisis), "removed-level")
    with pytest.raises(OutOfDateError):
        compare_page(CareState(bot.care, bot.crisis), "iop", "iop")
    with pytest.raises(OutOfDateError):
        compare_page(CareState(bot.care, bot.crisis), "iop", "gone")


# ----------------------------------------------------------------------------- /iop


@pytest.mark.parametrize("topic", IOP_TOPICS)
async def test_every_iop_topic(env: simcord.Env, place: tuple[Any, Any], topic: str) -> None:
    channel, member = place

    message = private(await member.slash(channel, "iop", topic=topic))

    assert message.embeds[0].title == care_of(env).iop.topics[topic].title
    assert "care:iop:topics" in custom_ids(message)
    assert ("care:iop:approach" in custom_ids(message)) == (topic == "approaches")


async def test_iop_defaults_to_about(env: simcord.Env, place: tuple[Any, Any]) -> None:
    channel, member = place
    message = private(await member.slash(channel, "iop"))
    assert "SAMHSA" in text_of(message)
    assert "early-stage relapse management" in text_of(message)


@pytest.mark.parametrize("topic", [*IOP_TOPICS, FIT_TOPIC])
async def test_the_iop_menu_switches_topics(
    env: simcord.Env, place: tuple[Any, Any], topic: str
) -> None:
    channel, member = place
    start = private(await member.slash(channel, "iop"))

    switched = private(await member.select(start, [topic], custom_id="care:iop:topics"))

    iop = care_of(env).iop
    expected = iop.fit.title if topic == FIT_TOPIC else iop.topics[topic].title
    assert switched.embeds[0].title.startswith(expected)


@pytest.mark.parametrize(
    "key", ["twelve-step", "cbt", "met", "therapeutic-community", "matrix", "cr-cm"]
)
async def test_the_approach_menu_opens_each_approach(
    env: simcord.Env, place: tuple[Any, Any], key: str
) -> None:
    channel, member = place
    listing = private(await member.slash(channel, "iop", topic="approaches"))
    assert set(options_of(listing, "care:iop:approach")) == {
        a.key for a in care_of(env).iop.approaches
    }

    opened = private(await member.select(listing, [key], custom_id="care:iop:approach"))

    approach = care_of(env).iop.approach(key)
    assert approach is not None
    assert opened.embeds[0].title == approach.name
    assert approach.description in text_of(opened)
    back = private(await member.select(opened, ["approaches"], custom_id="care:iop:topics"))
    assert back.embeds[0].title == care_of(env).iop.topics["approaches"].title


# ----------------------------------------------------------------------------- is it for me?


async def answer_all(member: Any, message: Any, answers: str) -> Any:
    for number, code in enumerate(answers):
        label = {"y": "Yes", "n": "No", "u": "Not sure"}[code]
        message = private(await member.click(message, label=label))
        assert message.embeds[0].title.startswith(
            "What your answers" if number == len(answers) - 1 else "Is an IOP"
        )
    return message


async def test_the_reflection_asks_one_question_at_a_time(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    fit = care_of(env).iop.fit
    first = private(await member.slash(channel, "iop", topic=FIT_TOPIC))
    assert first.embeds[0].title == f"{fit.title} (1 of {len(fit.questions)})"
    assert fit.questions[0].question in text_of(first)
    assert custom_ids(first) == [f"care:fit:{member.id}:{code}" for code in "ynu"]

    second = private(await member.click(first, label="No"))

    assert second.id == first.id
    assert second.embeds[0].title == f"{fit.title} (2 of {len(fit.questions)})"
    assert fit.questions[1].question in text_of(second)
    assert len(second.embeds) == 1  # no crisis resources: the member said no
    assert f"care:fit:{member.id}:" in custom_ids(second)  # start over


async def test_the_ending_explains_each_answer_and_offers_a_consultant(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    fit = care_of(env).iop.fit
    first = private(await member.slash(channel, "iop", topic=FIT_TOPIC))

    ending = await answer_all(member, first, "nyuny")

    text = text_of(ending)
    assert ending.embeds[0].title == fit.ending_title
    for question, code in zip(fit.questions, "nyuny", strict=True):
        assert question.meaning(code) in text
    assert "/consult" in text
    assert "you need an iop" not in text.lower()
    assert len(ending.embeds) == 1
    assert CONSULT_CUSTOM_ID in custom_ids(ending)  # handled by the consultation feature
    restarted = private(await member.click(ending, label="Start over"))
    assert restarted.embeds[0].title == f"{fit.title} (1 of {len(fit.questions)})"


async def test_a_yes_to_the_crisis_question_shows_crisis_resources_at_once(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    first = private(await member.slash(channel, "iop", topic=FIT_TOPIC))

    second = private(await member.click(first, label="Yes"))

    assert len(second.embeds) == 2
    crisis = text_of(second)
    assert "988" in crisis
    assert "1-800-662-4357" in crisis
    ending = await answer_all(member, second, "nnnn")
    assert len(ending.embeds) == 2
    assert "988" in text_of(ending)


async def test_the_reflection_stays_private_even_when_asked_to_share(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    other = env.guild.add_member(env.create_user("bob"))
    fit = care_of(env).iop.fit

    result = await member.slash(channel, "iop", topic=FIT_TOPIC, share=True)

    message = private(result)
    assert message.content == ALWAYS_PRIVATE
    assert message.embeds[0].title == f"{fit.title} (1 of {len(fit.questions)})"
    assert fit.questions[0].question in text_of(message)
    assert channel.history(viewer=other) == []  # nothing of it in the channel
    answered = private(await member.click(message, label="No"))
    assert answered.id == message.id  # it carries on in the member's own private message


async def public_reflection(env: simcord.Env, channel: Any, owner: Any) -> discord.Message:
    """A reflection posted in the channel (as sharing did before it became always private):
    its buttons are persistent, so old public copies still exist in servers."""
    bot = env.bot
    assert isinstance(bot, SupportBot)
    reflection = fit_page(CareState(bot.care, bot.crisis), owner.id, "")
    target = bot.get_channel(channel.id)
    assert isinstance(target, discord.TextChannel)
    return await target.send(embeds=list(reflection.embeds), view=reflection.view)


async def test_another_member_cannot_answer_someone_elses_reflection(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, owner = place
    other = env.guild.add_member(env.create_user("bob"))
    public = await public_reflection(env, channel, owner)

    refused = await other.click(public, label="Yes")

    assert refused.ephemeral
    assert refused.response is not None
    assert refused.response.content == NOT_YOURS
    assert public.id != refused.response.id
    still = env.backend.get_message(public.channel.id, public.id)
    assert len(still.embeds) == 1  # the public question is unchanged
    # The owner's answer continues privately: nothing of it appears in the channel.
    answered = await owner.click(public, label="Yes")
    continued = private(answered)
    assert continued.id != public.id
    assert "988" in text_of(continued)


# ----------------------------------------------------------------------------- /relapse


@pytest.mark.parametrize("topic", RELAPSE_TOPICS)
async def test_every_relapse_topic(env: simcord.Env, place: tuple[Any, Any], topic: str) -> None:
    channel, member = place

    message = private(await member.slash(channel, "relapse", topic=topic))

    page = care_of(env).relapse.topics[topic]
    assert message.embeds[0].title == page.title
    assert custom_ids(message) == ["care:relapse:topics"]
    assert len(message.embeds) == (2 if page.show_crisis else 1)


async def test_overdose_risk_carries_emergency_and_crisis_numbers(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    message = private(await member.slash(channel, "relapse", topic="overdose-risk"))
    text = text_of(message)
    for needle in ("911", "naloxone", "1-800-662-4357", "988"):
        assert needle in text


@pytest.mark.parametrize("topic", RELAPSE_TOPICS)
async def test_the_relapse_menu_switches_topics(
    env: simcord.Env, place: tuple[Any, Any], topic: str
) -> None:
    channel, member = place
    start = private(await member.slash(channel, "relapse"))
    assert start.embeds[0].title == care_of(env).relapse.topics["warning-signs"].title

    switched = private(await member.select(start, [topic], custom_id="care:relapse:topics"))

    assert switched.embeds[0].title == care_of(env).relapse.topics[topic].title


# ----------------------------------------------------------------------------- /coping


def tip_title(message: Any) -> str:
    return str(message.embeds[0].title)


@pytest.mark.parametrize("topic", COPING_TOPICS)
async def test_another_tip_never_repeats_until_the_pool_is_used_up(
    env: simcord.Env, place: tuple[Any, Any], topic: str
) -> None:
    channel, member = place
    pool = len(care_of(env).coping.topics[topic].tips)
    message = private(await member.slash(channel, "coping", topic=topic))
    seen = [tip_title(message)]

    for _ in range(pool - 1):
        message = private(await member.click(message, label="Another tip"))
        seen.append(tip_title(message))

    assert len(set(seen)) == pool
    assert f"Idea {pool} of {pool}" in text_of(message)
    again = private(await member.click(message, label="Another tip"))
    assert tip_title(again) != seen[-1]  # a new round, but never the same tip twice in a row
    assert f"Idea 1 of {pool}" in text_of(again)


async def test_the_rotation_follows_the_member_across_commands(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    pool = len(care_of(env).coping.topics["sleep"].tips)
    seen = set()
    for _ in range(pool):
        message = private(await member.slash(channel, "coping", topic="sleep"))
        seen.add(tip_title(message))
    assert len(seen) == pool


async def test_grounding_includes_5_4_3_2_1(env: simcord.Env, place: tuple[Any, Any]) -> None:
    channel, member = place
    pool = len(care_of(env).coping.topics["grounding"].tips)
    message = private(await member.slash(channel, "coping", topic="grounding"))
    texts = [text_of(message)]
    for _ in range(pool - 1):
        message = private(await member.click(message, label="Another tip"))
        texts.append(text_of(message))
    everything = "\n".join(texts)
    assert "5-4-3-2-1" in everything
    assert "Box breathing" in everything


@pytest.mark.parametrize("topic", COPING_TOPICS)
async def test_the_coping_menu_switches_topics(
    env: simcord.Env, place: tuple[Any, Any], topic: str
) -> None:
    channel, member = place
    start = private(await member.slash(channel, "coping"))
    assert tip_title(start).startswith("Cravings")

    switched = private(await member.select(start, [topic], custom_id="care:coping:topics"))

    assert tip_title(switched).startswith(care_of(env).coping.topics[topic].title)
    # The button carries the member's place in the rotation, not who they are.
    shown = 2 if topic == "cravings" else 1  # /coping started with cravings
    assert re.fullmatch(rf"care:tip:{topic}:[0-9]+\.{shown}", custom_ids(switched)[0])


# ----------------------------------------------------------------------------- /support-network


async def test_support_network(env: simcord.Env, place: tuple[Any, Any]) -> None:
    channel, member = place
    message = private(await member.slash(channel, "support-network"))
    text = text_of(message)
    assert message.embeds[0].title == care_of(env).support.title
    assert "/meetings" in text
    assert "/consult" in text
    assert custom_ids(message) == []


# ----------------------------------------------------------------------------- sharing


SHARED = [
    ("levels", {}),
    ("levels", {"level": "php"}),
    ("iop", {"topic": "approaches"}),
    ("relapse", {"topic": "overdose-risk"}),
    ("coping", {"topic": "anxiety"}),
    ("support-network", {}),
]


@pytest.mark.parametrize(("command", "options"), SHARED)
async def test_share_posts_publicly_without_pinging_anyone(
    env: simcord.Env, place: tuple[Any, Any], command: str, options: dict[str, str]
) -> None:
    channel, member = place

    result = await member.slash(channel, command, share=True, **options)

    assert result.acknowledged
    assert not result.ephemeral
    message = result.response
    assert message is not None
    check_message(message)
    stored = env.backend.get_message(message.channel_id, message.id)
    assert stored.ping_user_ids == []
    assert stored.ping_role_ids == []
    callbacks = [r for r in env.http_requests if r.path.endswith("/callback") and r.json]
    assert callbacks[-1].json["data"]["allowed_mentions"] == {"parse": []}


async def test_a_click_on_a_shared_message_answers_the_clicker_privately(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    other = env.guild.add_member(env.create_user("bob"))
    shared = await member.slash(channel, "levels", share=True)
    public = shared.response
    assert public is not None
    before = text_of(public)

    result = await other.select(public, ["php"], custom_id="care:levels:open")

    reply = private(result)
    assert reply.id != public.id
    assert reply.embeds[0].title.startswith("Partial hospitalization")
    assert text_of(shared.response) == before  # re-read: the public message is unchanged


async def test_another_tip_on_a_shared_message_uses_the_clickers_own_rotation(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    other = env.guild.add_member(env.create_user("bob"))
    public = (await member.slash(channel, "coping", topic="stress", share=True)).response
    assert public is not None

    reply = private(await other.click(public, label="Another tip"))

    assert reply.id != public.id
    assert "Idea 1 of" in text_of(reply)
    assert re.fullmatch(r"care:tip:stress:[0-9]+\.1", custom_ids(reply)[0])


async def test_buttons_from_before_the_position_format_still_answer(
    env: simcord.Env, place: tuple[Any, Any]
) -> None:
    channel, member = place
    bot = env.bot
    assert isinstance(bot, SupportBot)
    old = discord.ui.View(timeout=None)
    old.add_item(discord.ui.Button(label="Another tip", custom_id=f"care:tip:sleep:{member.id}:1f"))
    old.stop()
    target = bot.get_channel(channel.id)
    assert isinstance(target, discord.TextChannel)
    with env.time_context():
        sent = await target.send("An answer from an older version", view=old)
    message = next(m for m in channel.history() if m.id == sent.id)

    reply = private(await member.click(message, label="Another tip"))

    assert "Idea 1 of" in text_of(reply)


async def test_a_private_tip_keeps_its_rotation_across_a_restart(
    env: simcord.Env, settings: Settings, place: tuple[Any, Any]
) -> None:
    channel, member = place
    pool = len(care_of(env).coping.topics["anxiety"].tips)
    message = private(await member.slash(channel, "coping", topic="anxiety"))
    seen = [tip_title(message)]
    for _ in range(pool - 2):
        message = private(await member.click(message, label="Another tip"))
        seen.append(tip_title(message))

    await restart(env, settings)  # the in-memory rotation is gone; the button still knows
    last = private(await member.click(message, label="Another tip"))

    assert tip_title(last) not in seen
    assert f"Idea {pool} of {pool}" in text_of(last)


# ----------------------------------------------------------------------------- restarts


async def test_buttons_and_menus_still_work_after_a_restart(
    env: simcord.Env, settings: Settings, place: tuple[Any, Any]
) -> None:
    channel, member = place
    levels = (await member.slash(channel, "levels", share=True)).response
    level = (await member.slash(channel, "levels", level="iop", share=True)).response
    approaches = (await member.slash(channel, "iop", topic="approaches", share=True)).response
    fit = (await member.slash(channel, "iop", topic=FIT_TOPIC)).response
    relapse = (await member.slash(channel, "relapse", share=True)).response
    coping = (await member.slash(channel, "coping", topic="sleep", share=True)).response
    assert None not in (levels, level, approaches, fit, relapse, coping)

    await restart(env, settings)

    assert private(await member.select(levels, ["acute"], custom_id="care:levels:open"))
    assert private(await member.select(levels, ["iop", "php"], custom_id="care:levels:compare"))
    assert private(await member.click(level, custom_id="care:level:php"))
    assert private(await member.click(level, custom_id="care:compare:iop:php"))
    assert private(await member.select(approaches, ["cbt"], custom_id="care:iop:approach"))
    assert private(await member.select(approaches, ["history"], custom_id="care:iop:topics"))
    assert private(await member.click(fit, label="No"))
    assert private(await member.select(relapse, ["plan"], custom_id="care:relapse:topics"))
    tip = private(await member.click(coping, label="Another tip"))
    assert "Idea 2 of" in text_of(tip)  # the button remembered the first tip across the restart


async def test_the_consult_button_is_left_to_the_consultation_feature(env: simcord.Env) -> None:
    patterns = [item.__discord_ui_compiled_template__.pattern for item in DYNAMIC_ITEMS]
    assert not any(p.startswith("consult") for p in patterns)
    for item in DYNAMIC_ITEMS:
        assert item.__discord_ui_compiled_template__.pattern.startswith("care:")


# ----------------------------------------------------------------------------- structure


def test_command_choices_match_the_content(env: simcord.Env) -> None:
    care = care_of(env)
    assert [c.value for c in LEVEL_CHOICES] == [level.key for level in care.levels.levels]
    assert [c.value for c in IOP_CHOICES] == [*IOP_TOPICS, FIT_TOPIC]
    assert [c.value for c in RELAPSE_CHOICES] == list(RELAPSE_TOPICS)


def test_the_care_commands_are_registered_for_members(env: simcord.Env) -> None:
    bot = env.bot
    assert isinstance(bot, SupportBot)
    names = {command.name for command in bot.tree.get_commands()}
    assert {"levels", "iop", "relapse", "coping", "support-network"} <= names
    for name in ("levels", "iop", "relapse", "coping", "support-network"):
        command = bot.tree.get_command(name)
        assert isinstance(command, discord.app_commands.Command)
        assert len(command.description) <= limits.COMMAND_DESCRIPTION
        assert "share" in {parameter.name for parameter in command.parameters}


# ----------------------------------------------------------------------------- content changes


def content_without_residential(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "data", target, ignore=shutil.ignore_patterns("*.db*"))
    for levels in (target / "care" / "levels.toml", target / "es" / "care" / "levels.toml"):
        text = levels.read_text("utf-8")  # removed in every language, as start-up requires
        start = text.index('[[levels]]\nkey = "residential"')
        end = text.index('[[levels]]\nkey = "acute"')
        levels.write_text(text[:start] + text[end:], "utf-8")
    return target


def content_without_an_approach(tmp_path: Path) -> Path:
    target = tmp_path / "content2"
    shutil.copytree(PROJECT_ROOT / "data", target, ignore=shutil.ignore_patterns("*.db*"))
    # Content removed in English is removed in every translation (the start-up check
    # refuses a translation with other entries than the English file).
    for iop, reflection in (
        (target / "care" / "iop.toml", '# --- "Is an IOP for me?"'),
        (target / "es" / "care" / "iop.toml", '# --- "¿Un IOP es para mí?"'),
    ):
        text = iop.read_text("utf-8")
        start = text.index('[[approaches]]\nkey = "cr-cm"')
        end = text.index(reflection)
        iop.write_text(text[:start] + text[end:], "utf-8")
    return target


async def test_a_menu_choice_for_removed_content_says_it_is_out_of_date(
    env: simcord.Env, settings: Settings, place: tuple[Any, Any], tmp_path: Path
) -> None:
    channel, member = place
    listing = (await member.slash(channel, "iop", topic="approaches", share=True)).response
    assert listing is not None
    changed = settings.model_copy(update={"content_dir": content_without_an_approach(tmp_path)})

    await restart(env, changed)
    result = await member.select(listing, ["cr-cm"], custom_id="care:iop:approach")

    assert result.response is not None
    assert result.response.ephemeral
    assert result.response.content == OutOfDateError().message
    still_fine = private(await member.select(listing, ["cbt"], custom_id="care:iop:approach"))
    assert "More approaches" in text_of(still_fine)
    assert "care:iop:approach" in custom_ids(still_fine)


async def test_a_level_the_command_offers_must_exist_in_the_content(
    settings: Settings, tmp_path: Path
) -> None:
    changed = settings.model_copy(update={"content_dir": content_without_residential(tmp_path)})
    bot = create_bot(changed)
    with pytest.raises(ContentError, match=r"levels\.toml.*'residential'"):
        await Care(bot).cog_load()


async def test_care_commands_work_in_a_dm(env: simcord.Env) -> None:
    user = env.create_user("alone")
    result = await user.slash("coping", topic="anxiety")
    message = private(result)
    first = tip_title(message)
    assert first.startswith("Anxiety")
    again = private(await user.click(message, label="Another tip"))
    assert tip_title(again) != first
