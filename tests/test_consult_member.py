"""The member's side of the consultation queue, through SimCord."""

from __future__ import annotations

import re

import discord
import pytest
import simcord

from bot.bot import SupportBot
from bot.consultations import NOTE_LIMIT, ConsultationService, Status
from tests.conftest import ConsultServer, make_consult_server
from tests.helpers import text_of


def service(env: simcord.Env) -> ConsultationService:
    bot = env.bot
    assert isinstance(bot, SupportBot)
    return ConsultationService(bot.db, bot.cipher)


async def ask(
    server: ConsultServer,
    member: simcord.MemberActor | None = None,
    *,
    topic: str = "coping",
    urgency: str = "routine",
    note: str = "",
    preferred: str = "",
) -> simcord.InteractionResult:
    member = member or server.member
    shown = await member.slash(server.general, "consult")
    assert shown.modal is not None, shown
    values: dict[str, object] = {"topic": [topic], "urgency": [urgency]}
    if note:
        values["note"] = note
    if preferred:
        values["preferred_time"] = preferred
    return await member.submit_modal(shown, values)


def said(result: simcord.InteractionResult) -> str:
    """Everything the bot answered (content and embeds, response and follow-ups)."""
    messages = [m for m in (result.response, *result.followups) if m is not None]
    return "\n".join(m.content + "\n" + text_of(m.embeds) for m in messages)


def reply_embeds(result: simcord.InteractionResult) -> list[discord.Embed]:
    messages = [result.response, *result.followups]
    return [embed for message in messages if message is not None for embed in message.embeds]


async def test_consult_opens_a_form_with_topic_urgency_note_and_time(
    consult_server: ConsultServer,
) -> None:
    shown = await consult_server.member.slash(consult_server.general, "consult")

    assert shown.modal is not None
    ids = str(shown.modal)
    for custom_id in ("topic", "urgency", "note", "preferred_time"):
        assert f"'{custom_id}'" in ids


async def test_a_request_gets_number_position_response_time_and_reminder(
    consult_server: ConsultServer,
) -> None:
    result = await ask(consult_server, note="Evenings are hard")

    assert result.ephemeral
    assert result.acknowledged
    text = text_of(reply_embeds(result))
    assert "request #1" in text
    assert "You are next." in text
    assert "Staff usually reply within a few hours." in text
    assert "not an emergency service" in text
    assert "988" in text
    assert "Evenings are hard" in text
    stored = await service(consult_server.env).active_for_member(
        consult_server.guild.id, consult_server.member.id
    )
    assert stored is not None
    assert stored.status is Status.OPEN
    assert stored.card_message_id is not None

    second = await ask(consult_server, consult_server.members[1])
    assert "number 2 in the queue" in text_of(reply_embeds(second))


async def test_struggling_right_now_is_urgent_and_shows_every_crisis_line(
    consult_server: ConsultServer,
) -> None:
    result = await ask(consult_server, urgency="urgent", topic="relapse")

    text = text_of(reply_embeds(result))
    for needle in ("988", "1-800-662-4357", "741741", "911", "findahelpline.com"):
        assert needle in text
    stored = await service(consult_server.env).active_for_member(
        consult_server.guild.id, consult_server.member.id
    )
    assert stored is not None
    assert stored.urgency.value == "urgent"


async def test_outside_working_hours_the_reply_says_when_staff_are_back(
    env: simcord.Env,
) -> None:
    # SimCord's clock starts at 2026-01-01 00:00 UTC: outside 09-17 in London.
    server = await make_consult_server(
        env, work_start_hour=9, work_end_hour=17, timezone="Europe/London"
    )

    result = await ask(server)

    text = text_of(reply_embeds(result))
    assert "off duty right now" in text
    assert "<t:1767258000:F>" in text  # 2026-01-01 09:00 London


async def test_a_second_consult_shows_the_existing_request_with_options(
    consult_server: ConsultServer,
) -> None:
    await ask(consult_server)

    again = await consult_server.member.slash(consult_server.general, "consult")

    assert again.modal is None
    assert again.ephemeral
    assert again.response is not None
    assert "You already have request #1" in text_of(again.response.embeds)
    ids = str(again.response.components)
    assert "consult:note:" in ids
    assert "consult:cancel:" in ids


async def test_ten_submissions_from_one_member_make_one_request(
    consult_server: ConsultServer,
) -> None:
    member = consult_server.member
    forms = [await member.slash(consult_server.general, "consult") for _ in range(10)]
    assert all(form.modal is not None for form in forms)

    results = [
        await member.submit_modal(form, {"topic": ["coping"], "urgency": ["soon"]})
        for form in forms
    ]

    assert "is in" in text_of(reply_embeds(results[0]))
    for result in results[1:]:
        assert "You already have request #1" in text_of(reply_embeds(result))
    bot = consult_server.env.bot
    assert isinstance(bot, SupportBot)
    row = await bot.db.fetchone("SELECT COUNT(*) FROM consultations")
    assert row is not None
    assert row[0] == 1
    cards = [m for m in consult_server.queue.history() if m.embeds]
    assert len(cards) == 1


async def test_update_note_and_cancel_from_the_existing_request(
    consult_server: ConsultServer,
) -> None:
    member = consult_server.member
    await ask(consult_server, note="first")
    status = await member.slash(consult_server.general, "consult-status")
    assert status.response is not None

    form = await member.click(status.response, label="Update my note")
    assert form.modal is not None
    await member.submit_modal(form, {"note": "second thoughts"})
    stored = await service(consult_server.env).active_for_member(consult_server.guild.id, member.id)
    assert stored is not None
    assert stored.note == "second thoughts"

    confirm = await member.click(status.response, label="Cancel my request")
    assert confirm.response is not None
    assert "Cancel request #1?" in confirm.response.content
    done = await member.click(confirm.response, label="Yes, cancel it")
    assert "is cancelled" in said(done)
    assert (
        await service(consult_server.env).active_for_member(consult_server.guild.id, member.id)
        is None
    )
    card = next(m for m in consult_server.queue.history() if m.embeds)
    assert "Cancelled by the member" in (card.embeds[0].description or "")
    assert card.components == []

    after = await member.slash(consult_server.general, "consult-status")
    assert after.response is not None
    assert "was cancelled" in text_of(after.response.embeds)


async def test_consult_cancel_command_asks_first(consult_server: ConsultServer) -> None:
    nothing = await consult_server.member.slash(consult_server.general, "consult-cancel")
    assert "nothing to cancel" in said(nothing)

    await ask(consult_server)
    confirm = await consult_server.member.slash(consult_server.general, "consult-cancel")

    assert confirm.ephemeral
    assert confirm.response is not None
    assert "Cancel request #1?" in confirm.response.content


async def test_someone_else_cannot_use_my_buttons(consult_server: ConsultServer) -> None:
    await ask(consult_server)
    status = await consult_server.member.slash(consult_server.general, "consult-status")
    assert status.response is not None
    # Ephemeral messages are only visible to their owner; a forged click from another member
    # is simulated by the same custom_id on a public message.
    bot = consult_server.env.bot
    assert isinstance(bot, SupportBot)
    channel = bot.get_channel(consult_server.general.id)
    assert isinstance(channel, discord.TextChannel)
    request = await service(consult_server.env).active_for_member(
        consult_server.guild.id, consult_server.member.id
    )
    assert request is not None
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="x", custom_id=f"consult:cancel-yes:{request.id}"))
    public = await channel.send("forged", view=view)
    view.stop()

    result = await consult_server.members[1].click(
        public, custom_id=f"consult:cancel-yes:{request.id}"
    )

    assert "out of date" in said(result)
    assert (
        await service(consult_server.env).active_for_member(
            consult_server.guild.id, consult_server.member.id
        )
    ) is not None


async def test_status_shows_position_then_who_claimed_it(consult_server: ConsultServer) -> None:
    nothing = await consult_server.member.slash(consult_server.general, "consult-status")
    assert nothing.response is not None
    assert "No request yet" in text_of(nothing.response.embeds)

    await ask(consult_server)
    waiting = await consult_server.member.slash(consult_server.general, "consult-status")
    assert waiting.response is not None
    assert "You are next." in text_of(waiting.response.embeds)

    card = next(m for m in consult_server.queue.history() if m.embeds)
    await consult_server.staff[0].click(card, label="Claim")
    claimed = await consult_server.member.slash(consult_server.general, "consult-status")
    assert claimed.response is not None
    text = text_of(claimed.response.embeds)
    claimer = consultation_staff(consult_server)
    assert f"<@{claimer}> (staff0) is with you in <#" in text  # their name: the member knows them


def consultation_staff(server: ConsultServer) -> int:
    return server.staff[0].id


async def test_before_setup_members_are_told_politely_and_see_crisis_lines(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, configure=False)

    for command in ("consult", "consult-status", "consult-cancel"):
        result = await server.member.slash(server.general, command)
        assert result.ephemeral
        assert result.response is not None
        assert "an admin needs to run `/setup`" in result.response.content
        assert "988" in text_of(result.response.embeds)


async def test_the_start_buttons_from_other_features(consult_server: ConsultServer) -> None:
    """The plain button opens the form; the crisis paths' "…now" button opens an urgent
    request at once."""
    bot = consult_server.env.bot
    assert isinstance(bot, SupportBot)
    from cogs._handoff import consult_button_view

    channel = bot.get_channel(consult_server.general.id)
    assert isinstance(channel, discord.TextChannel)
    calm = await channel.send("Want to talk?", view=consult_button_view(urgent=False))
    urgent = await channel.send("Need someone now?", view=consult_button_view(urgent=True))

    shown = await consult_server.members[1].click(calm, custom_id="consult:start")
    assert shown.modal is not None

    done = await consult_server.member.click(urgent, custom_id="consult:start:urgent")
    assert done.modal is None
    assert done.ephemeral
    assert "988" in text_of(reply_embeds(done))
    service = ConsultationService(bot.db, bot.cipher)
    request = await service.active_for_member(consult_server.guild.id, consult_server.member.id)
    assert request is not None
    assert request.urgency.value == "urgent"
    assert request.topic.value == "crisis"

    again = await consult_server.member.click(urgent, custom_id="consult:start:urgent")
    assert again.modal is None
    assert "You already have request #1" in text_of(reply_embeds(again))


@pytest.mark.parametrize(
    "note",
    [
        "@everyone @here <@&1> <@2> please",
        "**bold** __under__ ~~strike~~ ||spoiler|| `code` ```block``` > quote\n# H1\n-# small",
        "[free pills](https://evil.example) and [click](<https://evil.example>)",
        "zero\u200bwidth \u202eRTL override\u202c and NUL-free",
        "n" * NOTE_LIMIT,
    ],
)
async def test_bad_notes_are_shown_literally_and_ping_nobody(
    consult_server: ConsultServer, note: str
) -> None:
    await ask(consult_server, note=note, preferred="@everyone **now**")

    env = consult_server.env
    card_post = next(
        r
        for r in env.http_requests
        if r.method == "POST" and r.path == f"/channels/{consult_server.queue.id}/messages"
    )
    payload = card_post.json or {}
    assert payload["allowed_mentions"]["parse"] == []
    assert payload["allowed_mentions"].get("roles", []) == []
    card = next(m for m in consult_server.queue.history() if m.embeds)
    shown = text_of(card.embeds)
    assert "@everyone" not in shown.replace("@\u200beveryone", "")
    assert "**bold**" not in shown
    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", shown)  # no clickable masked link
    assert "\u202e" not in shown
    assert "\u200bwidth" not in shown
    embed = card.embeds[0]
    assert len(embed) <= 6000
    assert all(len(field.value or "") <= 1024 for field in embed.fields)


async def test_a_note_longer_than_the_form_allows_cannot_be_sent(
    consult_server: ConsultServer,
) -> None:
    shown = await consult_server.member.slash(consult_server.general, "consult")

    with pytest.raises(simcord.SetupError, match="max_length"):
        await consult_server.member.submit_modal(
            shown, {"topic": ["coping"], "urgency": ["routine"], "note": "x" * 10_000}
        )
    assert (
        await service(consult_server.env).active_for_member(
            consult_server.guild.id, consult_server.member.id
        )
    ) is None


async def test_logs_never_carry_member_words(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    server = consult_server
    await ask(server, note="SENTINEL-NOTE", preferred="SENTINEL-TIME")
    card = next(m for m in server.queue.history() if m.embeds)
    await server.staff[0].click(card, label="Claim")
    thread = server.consult.threads[0]
    await server.staff[0].slash(thread, "ticket note", text="SENTINEL-STAFF")
    await server.staff[0].slash(thread, "ticket close", reason="SENTINEL-REASON")

    assert "SENTINEL" not in caplog.text
    assert any("consultation.created" in r.getMessage() for r in caplog.records)


def pinged(server: ConsultServer, channel: simcord.ChannelHandle, message: discord.Message) -> bool:
    """Whether Discord pinged anyone (or everyone) for this message of the bot's."""
    stored = server.env.backend.messages[channel.id][message.id]
    return bool(stored.mention_everyone or stored.ping_user_ids or stored.ping_role_ids)


async def _update_note(server: ConsultServer, note: str) -> simcord.InteractionResult:
    status = await server.member.slash(server.general, "consult-status")
    assert status.response is not None
    form = await server.member.click(status.response, label="Update my note")
    assert form.modal is not None
    return await server.member.submit_modal(form, {"note": note})


async def test_an_updated_note_redraws_the_waiting_card(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server, note="first thoughts")
    card = next(m for m in server.queue.history() if m.embeds)
    assert "first thoughts" in text_of(card.embeds)

    done = await _update_note(server, "second **thoughts** <@&1> @everyone")

    assert "is updated" in said(done)
    card = next(m for m in server.queue.history() if m.id == card.id)
    shown = text_of(card.embeds)
    assert "second \\*\\*thoughts\\*\\*" in shown
    assert "first thoughts" not in shown
    assert server.consult.threads == []  # nobody claimed it: no thread to tell


async def test_an_updated_note_is_posted_in_the_claimed_thread(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await ask(server, note="first thoughts")
    card = next(m for m in server.queue.history() if m.embeds)
    await server.staff[0].click(card, label="Claim")
    thread = server.consult.threads[0]
    before = len(thread.history())
    assert pinged(server, thread, thread.history()[0])  # the opening message does ping them

    await _update_note(server, "actually **evenings** @everyone <@&1>")

    posted = thread.history()[before:]
    assert len(posted) == 1, [m.content for m in posted]
    message = posted[0]
    assert "updated their note on request #1" in message.content
    assert "actually \\*\\*evenings\\*\\*" in message.content
    assert not pinged(server, thread, message)
    card = next(m for m in server.queue.history() if m.id == card.id)
    assert "actually" in text_of(card.embeds)

    await _update_note(server, "")
    removed = thread.history()[-1]
    assert "removed their note on request #1" in removed.content
    assert not pinged(server, thread, removed)
