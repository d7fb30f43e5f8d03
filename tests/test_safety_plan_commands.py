"""``/safety-plan edit|show|delete`` through SimCord: two forms, shown back privately with the
crisis lines, deleted only by its owner, cleaned at the boundary, and never "saved" unless the
write committed (issue 23, item 7)."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

import discord
import pytest
import simcord

from bot import limits
from bot.crisis import crisis_lines
from bot.safety_plan import FORMS, SECTION_LIMIT, SECTIONS
from cogs._components import stopped_view
from cogs.safety_plan import _embeds as render
from cogs.safety_plan._views import ContinueButton, DeleteButton, KeepButton, ShowButton
from tests.conftest import restart
from tests.helpers import text_of, the_bot
from tests.test_consult_member import said

SENTINEL = "SENTINEL-PLAN-8812"


def place(
    env: simcord.Env,
) -> tuple[simcord.GuildHandle, simcord.ChannelHandle, simcord.MemberActor]:
    guild = env.create_guild("Recovery Group")
    channel = guild.create_text_channel("general")
    return guild, channel, guild.add_member(env.create_user("ann"))


def answer(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    """The bot's last word (a deferred answer comes as a follow-up)."""
    message = result.followups[-1] if result.followups else result.response
    assert message is not None, result
    return message


def inputs(modal: dict[str, Any]) -> list[dict[str, Any]]:
    """Every text input of a form, wherever it sits in the layout."""
    found: list[dict[str, Any]] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == 4:
                found.append(node)
            visit(node.get("component"))
            for child in node.get("components") or ():
                visit(child)

    for component in modal["components"]:
        visit(component)
    return found


def custom_ids(message: Any) -> list[str]:
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("custom_id"):
                found.append(str(node["custom_id"]))
            for child in node.get("components") or ():
                visit(child)

    for row in getattr(message, "components", None) or ():
        visit(row)
    return found


async def fill_plan(
    member: simcord.MemberActor, channel: simcord.ChannelHandle, values: dict[str, str]
) -> simcord.InteractionResult:
    """``/safety-plan edit``, the first form, Continue, the second form."""
    shown = await member.slash(channel, "safety-plan edit")
    assert shown.modal is not None, said(shown)
    first = await member.submit_modal(shown, {s.key: values.get(s.key, "") for s in FORMS[0]})
    assert render.FIRST_PART_SAVED in said(first)
    second_form = await member.click(answer(first), label="Continue")
    assert second_form.modal is not None, said(second_form)
    return await member.submit_modal(second_form, {s.key: values.get(s.key, "") for s in FORMS[1]})


# ----------------------------------------------------------------------------- round trip


async def test_edit_across_both_forms_then_show_round_trips(
    env: simcord.Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, channel, member = place(env)
    values = {s.key: f"{s.title}: {SENTINEL} {i}" for i, s in enumerate(SECTIONS)}

    done = await fill_plan(member, channel, values)

    assert done.ephemeral
    text = said(done)
    assert render.PLAN_SAVED in text
    shown = await member.slash(channel, "safety-plan show")
    assert shown.ephemeral
    assert shown.response is not None
    seen = text_of(shown.response)
    for section in SECTIONS:
        assert section.title in seen
        assert values[section.key] in seen
    assert crisis_lines(the_bot(env).crisis) in seen
    stored = await the_bot(env).db.fetchone("SELECT * FROM safety_plans")
    assert stored is not None
    assert all(SENTINEL.encode() not in bytes(stored[s.key]) for s in SECTIONS)
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert SENTINEL not in logged  # ids and event names only


async def test_the_forms_come_back_filled_and_keep_the_other_part(env: simcord.Env) -> None:
    _, channel, member = place(env)
    await fill_plan(member, channel, {"warning_signs": "not sleeping", "reasons": "my dog"})

    again = await member.slash(channel, "safety-plan edit")
    assert again.modal is not None
    assert inputs(again.modal)[0]["value"] == "not sleeping"
    await member.submit_modal(again, {s.key: "" for s in FORMS[0]} | {"coping": "a walk"})

    plan = await the_bot(env).services.safety_plans.get(member.id)
    assert plan is not None
    assert plan.text("warning_signs") is None  # emptied on the form
    assert plan.text("coping") == "a walk"
    assert plan.text("reasons") == "my dog"  # the second part was not touched


async def test_the_plan_works_in_a_dm_and_across_a_restart(env: simcord.Env, settings: Any) -> None:
    _, channel, member = place(env)
    await fill_plan(member, channel, {"reasons": "my kids"})
    await restart(env, settings)

    in_server = await member.slash(channel, "safety-plan show")
    assert "my kids" in text_of(answer(in_server))
    user = env.create_user("cat")
    channel.guild.add_member(user)
    in_dm = await user.slash("safety-plan show")  # another person, in a DM: their own (none)
    assert "my kids" not in text_of(answer(in_dm))
    assert "/safety-plan edit" in text_of(answer(in_dm))


async def test_show_with_no_plan_says_how_to_start(env: simcord.Env) -> None:
    _, channel, member = place(env)

    shown = await member.slash(channel, "safety-plan show")

    assert shown.ephemeral
    text = text_of(answer(shown))
    assert "/safety-plan edit" in text
    assert crisis_lines(the_bot(env).crisis) in text


# ---------------------------------------------------------------------------------- delete


async def test_delete_asks_first_and_only_the_owner_can_answer(env: simcord.Env) -> None:
    _, channel, member = place(env)
    other = channel.guild.add_member(env.create_user("bob"))
    await fill_plan(member, channel, {"reasons": "my dog"})

    asked = await member.slash(channel, "safety-plan delete")
    assert asked.ephemeral
    assert "cannot be undone" in said(asked)
    question = answer(asked)
    bot = the_bot(env)
    target = bot.get_channel(channel.id)
    assert isinstance(target, discord.TextChannel)
    # The question, where another member could press it (a forged or copied message).
    assert custom_ids(question) == [
        f"safety-plan:delete:{member.id}",
        f"safety-plan:keep:{member.id}",
    ]
    owner = member.id
    view = stopped_view(DeleteButton(owner).item, KeepButton(owner).item)
    public = await target.send(question.content, view=view)

    refused = await other.click(public, label="Delete my plan")
    assert refused.ephemeral
    assert render.NOT_YOURS in said(refused)
    kept = await other.click(public, label="Keep it")
    assert render.NOT_YOURS in said(kept)
    assert await bot.services.safety_plans.get(member.id) is not None

    done = await member.click(question, label="Delete my plan")
    assert render.DELETED in said(done)
    assert await bot.services.safety_plans.get(member.id) is None
    again = await member.slash(channel, "safety-plan delete")
    assert render.NOTHING_TO_DELETE in said(again)


async def test_delete_can_be_called_off(env: simcord.Env) -> None:
    _, channel, member = place(env)
    await fill_plan(member, channel, {"reasons": "my dog"})
    asked = await member.slash(channel, "safety-plan delete")

    kept = await member.click(answer(asked), label="Keep it")

    assert kept.acknowledged
    assert await the_bot(env).services.safety_plans.get(member.id) is not None


# ---------------------------------------------------------------------------------- privacy


async def test_mydata_export_includes_the_plan_and_delete_erases_it(env: simcord.Env) -> None:
    _, channel, member = place(env)
    await fill_plan(member, channel, {"reasons": f"my dog {SENTINEL}"})

    exported = await member.slash(channel, "mydata export")
    attachment = answer(exported).attachments[0]
    records = json.loads(await attachment.read())["data"]["safety_plans"]["records"]
    assert records[0]["reasons"] == f"my dog {SENTINEL}"

    asked = await member.slash(channel, "mydata delete")
    await member.click(asked.response, label="Delete my data")
    assert await the_bot(env).services.safety_plans.get(member.id) is None


# ----------------------------------------------------------------------------- the limits


async def test_forms_buttons_and_embeds_stay_within_discords_limits(env: simcord.Env) -> None:
    _, channel, member = place(env)
    worst = "*_" * (SECTION_LIMIT // 2)  # every character doubles when escaped
    shown = await member.slash(channel, "safety-plan edit")
    assert shown.modal is not None
    assert len(shown.modal["custom_id"]) <= limits.CUSTOM_ID
    assert len(shown.modal["title"]) <= limits.MODAL_TITLE
    assert 1 <= len(inputs(shown.modal)) <= 5
    for field in inputs(shown.modal):
        assert field["max_length"] == SECTION_LIMIT
    first = await member.submit_modal(shown, {s.key: worst for s in FORMS[0]})
    assert all(len(i) <= limits.CUSTOM_ID for i in custom_ids(answer(first)))
    form = await member.click(answer(first), label="Continue")
    assert form.modal is not None
    assert 1 <= len(inputs(form.modal)) <= 5
    done = await member.submit_modal(form, {s.key: worst for s in FORMS[1]})

    for result in (done, await member.slash(channel, "safety-plan show")):
        message = answer(result)
        total = sum(len(embed) for embed in message.embeds)
        assert total <= limits.EMBED_TOTAL, total
        for embed in message.embeds:
            for field in embed.fields:
                assert len(field.value or "") <= limits.EMBED_FIELD_VALUE
        assert crisis_lines(the_bot(env).crisis) in text_of(message)


async def test_every_custom_id_is_short_enough() -> None:
    biggest = 2**63 - 1
    for item in (
        ShowButton(),
        ContinueButton(biggest, len(FORMS)),
        DeleteButton(biggest),
        KeepButton(biggest),
    ):
        assert len(item.item.custom_id or "") <= limits.CUSTOM_ID


# ------------------------------------------------------------------------------- bad input


async def test_bad_input_is_cleaned_before_it_is_stored_or_shown(env: simcord.Env) -> None:
    _, channel, member = place(env)
    dirty = "call\x07 Sam\u202e\u200b\r\nor <@123456789012345678> @everyone \ud800 [x](https://e.xample)"

    await fill_plan(member, channel, {s.key: dirty for s in SECTIONS})

    plan = await the_bot(env).services.safety_plans.get(member.id)
    assert plan is not None
    for section in SECTIONS:
        assert plan.text(section.key) == (
            "call Sam\nor <@123456789012345678> @everyone \ufffd [x](https://e.xample)"
        )
    shown = answer(await member.slash(channel, "safety-plan show"))
    seen = text_of(shown)
    assert "\u202e" not in seen
    assert "<@123456789012345678>" not in seen  # mentions defused when shown
    assert "@everyone" not in seen
    assert "[x](https://e.xample)" not in seen  # no disguised link


async def test_too_long_a_section_is_refused_and_nothing_is_saved(env: simcord.Env) -> None:
    _, channel, member = place(env)
    shown = await member.slash(channel, "safety-plan edit")
    for field in inputs(shown._interaction.modal):  # type: ignore[attr-defined]
        field["max_length"] = 4000  # a client that ignores the form's limit
    values = {s.key: "fine" for s in FORMS[0]} | {"coping": "x" * (SECTION_LIMIT + 1)}

    refused = await member.submit_modal(shown, values)

    text = said(refused)
    assert "Nothing was saved" in text
    assert render.FIRST_PART_SAVED not in text
    assert await the_bot(env).services.safety_plans.get(member.id) is None


async def test_a_forged_form_is_out_of_date_and_saves_nothing(env: simcord.Env) -> None:
    _, channel, member = place(env)
    for custom_id in ("safety-plan:form:9", "safety-plan:form:", "safety-plan:other"):
        shown = await member.slash(channel, "safety-plan edit")
        assert shown.modal is not None
        shown._interaction.modal["custom_id"] = custom_id  # type: ignore[attr-defined]
        refused = await member.submit_modal(shown, {s.key: "x" for s in FORMS[0]})
        assert "saved" not in said(refused).replace("Nothing was saved", "").replace(
            "may not have been saved", ""
        )
    assert await the_bot(env).services.safety_plans.get(member.id) is None


# -------------------------------------------------------------------------------- failures


@pytest.mark.parametrize("part", [1, 2])
async def test_a_locked_database_never_claims_the_plan_was_saved(
    env: simcord.Env, part: int
) -> None:
    _, channel, member = place(env)
    db = the_bot(env).db
    shown = await member.slash(channel, "safety-plan edit")
    if part == 2:
        first = await member.submit_modal(shown, {s.key: "one" for s in FORMS[0]})
        shown = await member.click(answer(first), label="Continue")
    await db.pragma("busy_timeout=50")  # the bot's wait, shortened for the test
    other = sqlite3.connect(db.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        result = await member.submit_modal(shown, {s.key: "two" for s in FORMS[part - 1]})
    finally:
        other.rollback()
        other.close()

    text = said(result)
    assert result.ephemeral or (result.followups and result.followups[-1].ephemeral)
    assert "try again" in text
    assert render.FIRST_PART_SAVED not in text
    assert render.PLAN_SAVED not in text
    plan = await the_bot(env).services.safety_plans.get(member.id)
    if part == 1:
        assert plan is None
    else:
        assert plan is not None
        assert all(plan.text(s.key) is None for s in FORMS[1])
