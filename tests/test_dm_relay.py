"""``RELAY=true`` (issue 21): what staff type in a request by DM's thread reaches the member,
except messages starting with the internal prefix; a ✅ when delivered, a clear line when not."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bot import required_intents
from bot.settings import Settings
from tests.conftest import ConsultServer, make_settings
from tests.test_dm_requests import cards, dm_request, from_bot


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, relay=True)


def test_relay_asks_for_the_message_content_intent(tmp_path: Path) -> None:
    assert required_intents(make_settings(tmp_path, relay=True)).message_content
    assert not required_intents(make_settings(tmp_path)).message_content


async def test_staff_messages_in_the_thread_reach_the_member(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    staff, user = server.staff[0], server.member.user
    await dm_request(server, server.member)
    await staff.click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads

    said = await staff.send(thread, "Hi, I'm **here** for you")
    await staff.send(thread, "// between us: check the notes")
    await env.settle()

    dms = [m.content for m in from_bot(user.dm_channel, env)]
    assert dms[-1] == "**Consultant (Recovery Group):** Hi, I'm \\*\\*here\\*\\* for you"
    assert not any("between us" in text for text in dms)
    stored = env.backend.get_message(thread.id, said.id)
    assert [r.emoji for r in stored.reactions] == ["✅"]  # delivered


async def test_a_staff_message_to_closed_dms_gets_a_clear_line(
    consult_server: ConsultServer,
) -> None:
    server, env = consult_server, consult_server.env
    staff, user = server.staff[0], server.member.user
    await dm_request(server, server.member)
    await staff.click(cards(server)[0], label="Claim")
    [thread] = server.consult.threads
    env.inject_error(
        "POST",
        f"/channels/{user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=None,
    )

    await staff.send(thread, "Are you there?")
    await env.settle()

    assert "Not delivered" in thread.history()[-1].content
    assert "DMs are closed" in thread.history()[-1].content
