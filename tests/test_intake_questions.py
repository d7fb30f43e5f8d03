"""Intake questions per consultation type through SimCord (issue 19).

An admin gives a type its own questions (``/setup question``); a member choosing that type
answers them in the form; the answers are encrypted on disk, shown on the staff card and in
the private thread, exported by /mydata and erased with the request. A type left alone, and a
server with no types, ask today's note and preferred time.
"""

from __future__ import annotations

import json
from typing import Any

import discord
import pytest
import simcord

from bot.consultations import ConsultType, TypeNotFoundError
from bot.settings import Settings
from tests.conftest import make_consult_server, restart
from tests.helpers import the_bot
from tests.reliability import assert_polite, lift_form_limits, said
from tests.test_consult_routing import Routed, cards_in, make_routed
from tests.test_consult_types import open_to

SECRET = "my brother drinks every night"


@pytest.fixture
async def routed(env: simcord.Env) -> Routed:
    return await make_routed(env)


async def add_question(
    routed: Routed, kind: ConsultType | str, label: str, **options: object
) -> simcord.InteractionResult:
    name = kind if isinstance(kind, str) else kind.name
    return await routed.server.admin.slash(
        routed.server.general, "setup question add", type=name, label=label, **options
    )


async def show_form(
    routed: Routed, kind: ConsultType, member: simcord.MemberActor | None = None
) -> simcord.InteractionResult:
    member = member or routed.member
    offered = await member.slash(routed.server.general, "consult")
    assert offered.response is not None, said(offered)
    shown = await member.select(offered.response, [str(kind.id)])
    assert shown.modal is not None, said(shown)
    return shown


def inputs(shown: simcord.InteractionResult) -> list[dict[str, Any]]:
    """Every field of a shown form: (custom_id, label, the component's payload)."""
    assert shown.modal is not None
    found: list[dict[str, Any]] = []
    for row in shown.modal["components"]:
        component = row.get("component") or {}
        found.append({**component, "label": row.get("label")})
    return found


def question_ids(shown: simcord.InteractionResult) -> dict[str, str]:
    """Label → custom_id of each text field."""
    return {
        i["label"]: i["custom_id"]
        for i in inputs(shown)
        if i.get("type") == discord.ComponentType.text_input.value
    }


async def own_questions(routed: Routed, kind: ConsultType) -> None:
    """Family support asks two questions of its own (after today's two are removed)."""
    for _ in range(2):
        await routed.server.admin.slash(
            routed.server.general, "setup question remove", type=kind.name, question="1"
        )
    added = await add_question(routed, kind, "Who is this about?", style="short", required=True)
    assert "Added the question **Who is this about?**" in said(added), said(added)
    await add_question(routed, kind, "What is happening?", max_length=300)


async def answer(
    routed: Routed, shown: simcord.InteractionResult, answers: dict[str, str]
) -> simcord.InteractionResult:
    ids = question_ids(shown)
    values: dict[str, object] = {"urgency": ["routine"]}
    values.update({ids[label]: text for label, text in answers.items()})
    return await routed.member.submit_modal(shown, values)


def fields(message: discord.Message) -> dict[str, str]:
    return {f.name or "": f.value or "" for f in message.embeds[0].fields}


async def raw_answers(routed: Routed) -> list[Any]:
    return await the_bot(routed.env).db.fetchall(
        "SELECT label, answer, question_id FROM consultation_answers ORDER BY id"
    )


# --------------------------------------------------------------------------- the member's form


async def test_a_type_left_alone_asks_todays_note_and_time(routed: Routed) -> None:
    shown = await show_form(routed, routed.family)

    assert [i["custom_id"] for i in inputs(shown)] == ["urgency", "note", "preferred_time"]
    sent = await routed.member.submit_modal(
        shown, {"urgency": ["routine"], "note": "hello there", "preferred_time": "evenings"}
    )

    assert "Your request #1 is in" in said(sent)
    card = fields(cards_in(routed.family_queue)[0])
    assert card["Note from the member"] == "hello there"
    assert card["Preferred time"] == "evenings"
    assert await raw_answers(routed) == []


async def test_a_form_with_its_own_questions_is_answered_and_shown(routed: Routed) -> None:
    await own_questions(routed, routed.family)
    shown = await show_form(routed, routed.family)

    fields_shown = inputs(shown)
    assert [f["label"] for f in fields_shown] == [
        "How soon do you need to talk?",
        "Who is this about?",
        "What is happening?",
    ]
    who, what = fields_shown[1], fields_shown[2]
    assert who["style"] == discord.TextStyle.short.value
    assert who["required"] is True
    assert who["max_length"] == 200  # a short answer's default
    assert what["style"] == discord.TextStyle.paragraph.value
    assert what["required"] is False
    assert what["max_length"] == 300

    sent = await answer(
        routed,
        shown,
        {"Who is this about?": "My *brother* @everyone", "What is happening?": SECRET},
    )

    assert "Your request #1 is in" in said(sent)
    card = fields(cards_in(routed.family_queue)[0])
    assert card["Who is this about?"] == "My \\*brother\\* @\u200beveryone"
    assert card["What is happening?"] == SECRET
    assert "Note from the member" not in card

    claimed = await routed.family_staff.click(cards_in(routed.family_queue)[0], label="Claim")
    assert "You claimed request #1" in said(claimed)
    thread = routed.family_consult.threads[0]
    opening = thread.history()[0]
    assert "**Who is this about?**\n> My \\*brother\\* @\u200beveryone" in opening.content
    assert SECRET in opening.content
    assert opening.content.index(SECRET) < opening.content.index("This thread is private")
    assert len(opening.content) <= 2000


async def test_the_opening_message_pings_only_the_people_in_the_thread(routed: Routed) -> None:
    await own_questions(routed, routed.family)
    await answer(
        routed,
        await show_form(routed, routed.family),
        {"Who is this about?": "<@123456789012345678>"},
    )
    await routed.family_staff.click(cards_in(routed.family_queue)[0], label="Claim")
    thread = routed.family_consult.threads[0]

    sent = [
        r.json
        for r in routed.env.http_requests
        if r.method == "POST" and r.path == f"/channels/{thread.id}/messages"
    ]

    policy = sent[0]["allowed_mentions"]
    assert sorted(map(int, policy["users"])) == sorted([routed.member.id, routed.family_staff.id])
    assert policy.get("parse") == []
    assert not policy.get("roles")
    assert (
        "<@123456789012345678>" not in sent[0]["content"]
    )  # escaped: a mention shown, never a ping


async def test_a_required_question_must_be_answered(routed: Routed) -> None:
    await own_questions(routed, routed.family)
    shown = await show_form(routed, routed.family)
    lift_form_limits(shown)  # a client that ignores "required"

    refused = await answer(
        routed, shown, {"Who is this about?": "  \u200b ", "What is happening?": ""}
    )

    text = assert_polite(refused)
    assert "answer to “Who is this about?”" in text
    count = await the_bot(routed.env).db.fetchone("SELECT COUNT(*) FROM consultations")
    assert count is not None
    assert count[0] == 0

    sent = await answer(
        routed, await show_form(routed, routed.family), {"Who is this about?": "Me"}
    )  # the optional one left out
    assert "Your request #1 is in" in said(sent)
    assert [row["label"] for row in await raw_answers(routed)] == ["Who is this about?"]


async def test_the_longest_answer_is_checked_again_on_arrival(routed: Routed) -> None:
    await own_questions(routed, routed.family)
    shown = await show_form(routed, routed.family)
    lift_form_limits(shown)  # a form from an older version, or a modified client

    refused = await answer(
        routed, shown, {"Who is this about?": "Me", "What is happening?": "x" * 301}
    )

    text = assert_polite(refused)
    assert "301 characters long; the limit is 300" in text
    count = await the_bot(routed.env).db.fetchone("SELECT COUNT(*) FROM consultations")
    assert count is not None
    assert count[0] == 0


async def test_answers_are_encrypted_on_disk(routed: Routed) -> None:
    await own_questions(routed, routed.family)
    await answer(routed, await show_form(routed, routed.family), {"Who is this about?": SECRET})

    rows = await raw_answers(routed)
    assert len(rows) == 1
    assert isinstance(rows[0]["answer"], bytes)
    assert SECRET.encode() not in rows[0]["answer"]
    await the_bot(routed.env).db.truncate_wal()
    path = the_bot(routed.env).settings.database_path
    assert SECRET.encode() not in path.read_bytes()


async def test_editing_a_question_keeps_what_a_sent_request_was_asked(routed: Routed) -> None:
    await own_questions(routed, routed.family)
    await answer(routed, await show_form(routed, routed.family), {"Who is this about?": "Me"})

    edited = await routed.server.admin.slash(
        routed.server.general,
        "setup question edit",
        type="Family support",
        question="1",
        label="Who needs support?",
    )
    assert "Saved the question **Who needs support?**" in said(edited)
    removed = await routed.server.admin.slash(
        routed.server.general, "setup question remove", type="Family support", question="1"
    )
    assert "Removed the question **Who needs support?**" in said(removed)

    rows = await raw_answers(routed)
    assert [row["label"] for row in rows] == ["Who is this about?"]
    assert rows[0]["question_id"] is None
    # The card, drawn again (a claim), still shows the question as it was asked.
    await routed.family_staff.click(cards_in(routed.family_queue)[0], label="Claim")
    assert fields(cards_in(routed.family_queue)[0])["Who is this about?"] == "Me"


async def test_a_form_holds_urgency_and_at_most_four_questions(routed: Routed) -> None:
    for label in ("Third", "Fourth"):  # today's two, and two more
        assert "Added" in said(await add_question(routed, routed.family, label))

    refused = await add_question(routed, routed.family, "Fifth")

    text = assert_polite(refused)
    assert "already has 4 questions" in text
    shown = await show_form(routed, routed.family)
    assert len(inputs(shown)) == 5
    assert [i["label"] for i in inputs(shown)][1:] == [
        "A short note",
        "A good time for you",
        "Third",
        "Fourth",
    ]
    listing = await routed.server.admin.slash(
        routed.server.general, "setup question list", type="Family support"
    )
    assert "(4 of 4)" in said(listing)


async def test_questions_are_for_admins_and_for_this_servers_types(
    routed: Routed, env: simcord.Env
) -> None:
    other = await make_consult_server(env)
    theirs = await the_bot(env).services.consult_types.add(
        other.guild.id,
        name="Theirs",
        description="Another server's type",
        staff_role_id=other.staff_role.id,
        now=env.now(),
    )

    refused = await add_question(routed, "Theirs", "Sneaky?")
    assert "no consultation type with that name" in assert_polite(refused)
    intake = the_bot(env).services.intake
    with pytest.raises(TypeNotFoundError):
        await intake.add(routed.server.guild.id, theirs.id, label="Sneaky?")
    assert (await intake.form(other.guild.id, theirs.id)).own is False  # now kept in memory
    with pytest.raises(TypeNotFoundError):  # and still found only under its own server
        await intake.form(routed.server.guild.id, theirs.id)

    await open_to(routed.server, routed.family_staff)  # Discord's hint no longer hides it
    staff = await routed.family_staff.slash(
        routed.server.general, "setup question add", type="Family support", label="Hi"
    )
    assert "Only people with the Manage Server permission" in assert_polite(staff)
    count = await the_bot(env).db.fetchone("SELECT COUNT(*) FROM consult_questions")
    assert count is not None
    assert count[0] == 0


async def test_a_form_opened_before_a_restart_is_still_sent(
    routed: Routed, settings: Settings
) -> None:
    await own_questions(routed, routed.family)
    shown = await show_form(routed, routed.family)

    await restart(routed.env, settings)
    sent = await answer(routed, shown, {"Who is this about?": "Me", "What is happening?": SECRET})

    assert "Your request #1 is in" in said(sent)
    assert fields(cards_in(routed.family_queue)[0])["What is happening?"] == SECRET


async def test_long_answers_are_cut_politely_within_the_cards_limits(routed: Routed) -> None:
    for label in ("Third", "Fourth"):
        await add_question(routed, routed.family, label, max_length=1000)
    await routed.server.admin.slash(
        routed.server.general,
        "setup question edit",
        type="Family support",
        question="1",
        max_length=1000,
    )
    await routed.server.admin.slash(
        routed.server.general,
        "setup question edit",
        type="Family support",
        question="2",
        max_length=1000,
        style="paragraph",
    )
    shown = await show_form(routed, routed.family)
    long = "*" * 1000  # every character escaped: twice as long on the card
    await answer(
        routed,
        shown,
        {"A short note": long, "A good time for you": long, "Third": long, "Fourth": long},
    )

    card = cards_in(routed.family_queue)[0].embeds[0]
    assert len(card) <= 6000
    assert all(len(f.value or "") <= 1024 for f in card.fields)
    values = {f.name: f.value or "" for f in card.fields}
    assert values["A short note"].endswith("(cut short to fit)")
    await routed.family_staff.click(cards_in(routed.family_queue)[0], label="Claim")
    opening = routed.family_consult.threads[0].history()[0].content
    assert len(opening) <= 2000
    assert "This thread is private" in opening


# --------------------------------------------------------------------------- privacy


async def test_answers_are_exported_and_erased_with_the_request(routed: Routed) -> None:
    await own_questions(routed, routed.family)
    await answer(routed, await show_form(routed, routed.family), {"Who is this about?": SECRET})

    result = await routed.member.slash(routed.server.general, "mydata export")
    message = result.followups[-1] if result.followups else result.response
    assert message is not None
    exported = json.loads(await message.attachments[0].read())
    records = exported["data"]["consultation_answers"]
    text = json.dumps(records)
    assert SECRET in text
    assert "Who is this about?" in text

    asked = await routed.member.slash(routed.server.general, "mydata delete")
    assert asked.response is not None
    await routed.member.click(asked.response, label="Delete my data")

    assert await raw_answers(routed) == []
    card = cards_in(routed.family_queue)[0]
    assert card.embeds[0].title == "Request #1 closed"
    assert SECRET not in json.dumps(card.embeds[0].to_dict())
    row = await row_of_or_none(routed)
    assert row is None


async def row_of_or_none(routed: Routed) -> Any:
    return await the_bot(routed.env).db.fetchone(
        "SELECT id FROM consultations WHERE member_id = ?", (routed.member.id,)
    )


async def test_a_server_without_types_is_unchanged(env: simcord.Env) -> None:
    server = await make_consult_server(env)

    shown = await server.member.slash(server.general, "consult")

    assert shown.modal is not None
    ids = [row["component"]["custom_id"] for row in shown.modal["components"]]
    assert ids == ["topic", "urgency", "note", "preferred_time"]
    assert (await row_of_safe(env, server.member)) is None


async def row_of_safe(env: simcord.Env, member: simcord.MemberActor) -> Any:
    return await the_bot(env).db.fetchone(
        "SELECT id FROM consultation_answers WHERE member_id = ?", (member.id,)
    )


async def test_setup_show_says_what_each_types_form_asks(routed: Routed) -> None:
    await own_questions(routed, routed.family)

    shown = await routed.server.admin.slash(routed.server.general, "setup show")

    text = said(shown)
    assert "Intake questions" in text
    assert "Family support: 2 questions of its own" in text
    assert "Intake: today's note and good time" in text


async def test_autocomplete_offers_this_servers_types_and_the_chosen_types_questions(
    routed: Routed,
) -> None:
    admin, general = routed.server.admin, routed.server.general
    await own_questions(routed, routed.family)

    kinds = await admin.autocomplete(general, "setup question edit", "type", "fam")
    offered = await admin.autocomplete(
        general, "setup question edit", "question", "", type="Family support"
    )
    nothing = await admin.autocomplete(general, "setup question remove", "question", "", type="?")
    await open_to(routed.server, routed.family_staff)
    staff = await routed.family_staff.autocomplete(
        general, "setup question edit", "question", "", type="Family support"
    )

    assert [c["name"] for c in kinds] == ["Family support"]
    assert [c["name"] for c in offered] == ["1. Who is this about?", "2. What is happening?"]
    assert nothing == []
    assert staff == []
    edited = await admin.slash(
        general,
        "setup question edit",
        type="Family support",
        question=offered[1]["value"],
        required=True,
    )
    assert "Saved the question **What is happening?**" in said(edited)
    form = await the_bot(routed.env).services.intake.form(routed.server.guild.id, routed.family.id)
    assert [q.required for q in form.questions] == [True, True]


async def test_typed_labels_pass_the_text_boundary(routed: Routed) -> None:
    added = await add_question(routed, routed.family, "Who\u200b is \u202eit about?")
    blank = await add_question(routed, routed.family, "\u200b\u200b")

    assert "Added the question **Who is it about?**" in said(added)
    assert "only invisible characters" in assert_polite(blank)
    form = await the_bot(routed.env).services.intake.form(routed.server.guild.id, routed.family.id)
    assert [q.label for q in form.questions][-1] == "Who is it about?"
    assert len(form.questions) == 3


async def test_erasing_a_claimed_request_takes_the_answers_out_of_the_thread(
    routed: Routed,
) -> None:
    await own_questions(routed, routed.family)
    await answer(routed, await show_form(routed, routed.family), {"Who is this about?": SECRET})
    await routed.family_staff.click(cards_in(routed.family_queue)[0], label="Claim")
    thread = routed.family_consult.threads[0]
    assert SECRET in thread.history()[0].content

    asked = await routed.member.slash(routed.server.general, "mydata delete")
    assert asked.response is not None
    await routed.member.click(asked.response, label="Delete my data")

    assert all(SECRET not in message.content for message in thread.history())
    assert await raw_answers(routed) == []
