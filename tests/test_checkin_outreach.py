"""/checkin-outreach through SimCord: off unless chosen, one gentle private message after three
low check-ins in a row (never twice in one low streak), always with the crisis lines, and a
staff card with no scores or notes only with the second opt-in; exported and erased by /mydata."""

from __future__ import annotations

import json

import discord
import pytest
import simcord
from simcord.backend.errors import OptionError

from bot.checkin_outreach import LOW_SQL, OutreachService
from bot.checkins import CheckIn
from bot.crisis import top_line
from cogs.checkins._outreach import OUTREACH_TITLE, STAFF_TITLE
from tests.conftest import ConsultServer
from tests.helpers import text_of, the_bot
from tests.reliability import without_client_checks

SENTINEL = "HERON-SENTINEL-5521"


def outreach_dms(person: simcord.MemberActor | simcord.UserActor) -> list[discord.Message]:
    channel = person.user.dm_channel if hasattr(person, "user") else person.dm_channel
    return [m for m in channel.history() if any(e.title == OUTREACH_TITLE for e in m.embeds)]


def staff_cards(server: ConsultServer) -> list[discord.Message]:
    return [m for m in server.queue.history() if any(e.title == STAFF_TITLE for e in m.embeds)]


async def check_in(
    server: ConsultServer, mood: int, craving: int | None = None, note: str | None = None
) -> simcord.InteractionResult:
    kwargs: dict[str, object] = {"mood": mood}
    if craving is not None:
        kwargs["craving"] = craving
    if note is not None:
        kwargs["note"] = note
    return await server.member.slash(server.general, "checkin", **kwargs)


def button_ids(message: object) -> list[str]:
    """Custom ids of a message's buttons: a discord.py message, or SimCord's raw response."""
    found = []
    for row in getattr(message, "components", []):
        children = row.get("components", []) if isinstance(row, dict) else row.children
        for child in children:
            custom_id = child.get("custom_id") if isinstance(child, dict) else child.custom_id
            if custom_id:
                found.append(custom_id)
    return found


def test_low_means_what_the_low_check_in_reply_means() -> None:
    """``LOW_SQL`` is ``CheckIn.needs_support``, the test the check-in reply uses."""
    import sqlite3

    connection = sqlite3.connect(":memory:")
    for mood in range(1, 6):
        for craving in (None, *range(11)):
            in_sql = connection.execute(
                f"SELECT {LOW_SQL} FROM (SELECT ? AS mood, ? AS craving)", (mood, craving)
            ).fetchone()[0]
            checkin = CheckIn(1, None, mood, craving, None)  # type: ignore[arg-type]
            assert bool(in_sql) is checkin.needs_support, (mood, craving)


async def test_without_consent_three_low_check_ins_bring_no_message(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    for _ in range(3):
        await check_in(server, 1, 9)
    assert outreach_dms(server.member) == []
    assert staff_cards(server) == []


async def test_three_low_check_ins_in_a_row_bring_one_gentle_message(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    turned_on = await server.member.slash(server.general, "checkin-outreach", choice="on")
    assert turned_on.ephemeral
    assert "Check-in outreach is on" in text_of(turned_on)
    assert "never your check-ins" not in text_of(turned_on)  # no staff promise made

    await check_in(server, 2)
    await check_in(server, 4, 8)  # a strong craving is a hard day too
    assert outreach_dms(server.member) == []
    await check_in(server, 1, note=SENTINEL)

    [message] = outreach_dms(server.member)
    text = text_of(message)
    assert "Your last 3 check-ins sounded hard" in text
    assert "safety plan" in text.lower()
    assert "/consult" in text
    assert "/checkin-outreach off" in text
    assert "988" in text  # the crisis lines, in full
    assert top_line(the_bot(server.env).crisis).split("**")[1] in text
    assert SENTINEL not in text
    assert button_ids(message) == ["care:tip:stress", "safety-plan:show"]  # no queue in a DM
    assert staff_cards(server) == []  # staff were not chosen

    await check_in(server, 1)
    await check_in(server, 2)
    assert len(outreach_dms(server.member)) == 1  # never twice in one low streak

    await check_in(server, 3)  # the streak ends
    await check_in(server, 1)
    await check_in(server, 1)
    assert len(outreach_dms(server.member)) == 1
    await check_in(server, 2)
    assert len(outreach_dms(server.member)) == 2  # a new streak, one new message


async def test_changing_the_choice_mid_streak_sends_no_second_message(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.member.slash(server.general, "checkin-outreach", choice="on")
    for _ in range(3):
        await check_in(server, 1)
    await server.member.slash(server.general, "checkin-outreach", choice="staff")
    await check_in(server, 1)
    assert len(outreach_dms(server.member)) == 1
    assert staff_cards(server) == []


async def test_with_the_staff_opt_in_staff_get_a_card_with_no_scores_or_notes(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    chosen = await server.member.slash(server.general, "checkin-outreach", choice="staff")
    assert "never your check-ins" in text_of(chosen)

    for mood, craving in ((1, 9), (2, 7), (1, 10)):
        await check_in(server, mood, craving, note=SENTINEL)

    [card] = staff_cards(server)
    text = text_of(card)
    assert f"<@{server.member.id}>" in text
    for leaked in (SENTINEL, "mood", "craving", "/5", "/10", "9", "7"):
        assert leaked not in text.replace(str(server.member.id), ""), leaked
    stored = server.env.backend.get_message(server.queue.id, card.id)
    assert list(stored.ping_user_ids) == []
    assert list(stored.ping_role_ids) == []
    [message] = outreach_dms(server.member)
    assert "staff were told" in text_of(message)


async def test_the_staff_choice_needs_a_server(consult_server: ConsultServer) -> None:
    dm_user = consult_server.env.create_user("dm-only")
    refused = await dm_user.slash("checkin-outreach", choice="staff")
    assert "inside the group's server" in text_of(refused)
    assert await OutreachService(the_bot(consult_server.env).db).get(dm_user.id) is None


async def test_outreach_turned_on_in_a_dm_works_there(consult_server: ConsultServer) -> None:
    user = consult_server.env.create_user("dm")
    on = await user.slash("checkin-outreach", choice="on")
    assert "use `/checkin-outreach staff` in the group's server" in text_of(on)
    for _ in range(3):
        await user.slash("checkin", mood=1)
    assert len(outreach_dms(user)) == 1


async def test_turning_it_off_stops_the_messages(consult_server: ConsultServer) -> None:
    server = consult_server
    await server.member.slash(server.general, "checkin-outreach", choice="on")
    off = await server.member.slash(server.general, "checkin-outreach", choice="off")
    assert "Check-in outreach is off" in text_of(off)
    assert await OutreachService(the_bot(server.env).db).get(server.member.id) is None
    for _ in range(3):
        await check_in(server, 1)
    assert outreach_dms(server.member) == []


async def test_with_dms_closed_the_message_comes_privately_in_the_server(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    dm = f"/channels/{server.member.user.dm_channel.id}/messages"
    server.env.inject_error("POST", dm, status=403, code=50007, times=None)
    await server.member.slash(server.general, "checkin-outreach", choice="on")
    await check_in(server, 1)
    await check_in(server, 1)
    third = await check_in(server, 1)

    followups = [m for m in third.followups if any(e.title == OUTREACH_TITLE for e in m.embeds)]
    [message] = followups
    assert message.ephemeral  # private, in the server
    assert "988" in text_of(message)
    assert button_ids(message) == ["care:tip:stress", "safety-plan:show", "consult:start"]


async def test_outreach_is_exported_and_erased_with_mydata(consult_server: ConsultServer) -> None:
    server = consult_server
    await server.member.slash(server.general, "checkin-outreach", choice="staff")

    exported = await server.member.slash(server.general, "mydata export")
    assert exported.response is not None
    data = json.loads(await exported.response.attachments[0].read())["data"]
    [row] = data["checkin_outreach"]["records"]
    assert row["staff_guild_id"] == str(server.guild.id)

    asked = await server.member.slash(server.general, "mydata delete")
    assert asked.response is not None
    await server.member.click(asked.response, label="Delete my data")
    assert await OutreachService(the_bot(server.env).db).get(server.member.id) is None


async def test_an_outreach_that_fails_leaves_the_saved_check_in_answered(
    consult_server: ConsultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = consult_server
    await server.member.slash(server.general, "checkin-outreach", choice="on")

    async def broken(self: OutreachService, user_id: int) -> None:
        raise RuntimeError("the outreach broke")

    monkeypatch.setattr(OutreachService, "after_low_checkin", broken)
    result = await check_in(server, 1)

    assert "Check-in saved" in text_of(result)
    assert [m for m in result.followups if "try again" in text_of(m).lower()] == []
    assert outreach_dms(server.member) == []


@pytest.mark.parametrize("forged", ["yes", "", "ON", "staff; DROP TABLE"])
async def test_a_choice_outside_the_three_never_reaches_the_bot(
    consult_server: ConsultServer, forged: str
) -> None:
    """The choice is a closed list: Discord refuses anything else before the bot sees it, even
    from a client that skips its own checks, so nothing is stored."""
    server = consult_server
    with without_client_checks(), pytest.raises(OptionError, match="only allows"):
        await server.member.slash(server.general, "checkin-outreach", choice=forged)
    assert await OutreachService(the_bot(server.env).db).get(server.member.id) is None
