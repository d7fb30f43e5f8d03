"""The features that landed beside the crisis regions (issue 22) show the member's own region
where only they read it: the safety plan (issue 23) and check-in outreach's private message."""

from __future__ import annotations

import simcord

from tests.conftest import ConsultServer
from tests.helpers import text_of
from tests.test_checkin_outreach import check_in, outreach_dms
from tests.test_safety_plan_commands import answer, place


async def test_the_safety_plan_shows_the_members_own_lines(env: simcord.Env) -> None:
    _, channel, member = place(env)
    await member.slash(channel, "crisis", region="GB", remember="remember")

    shown = await member.slash(channel, "safety-plan show")

    text = text_of(answer(shown))
    assert "Samaritans" in text
    assert "988" not in text


async def test_the_safety_plan_shows_the_default_lines_without_a_choice(env: simcord.Env) -> None:
    _, channel, member = place(env)

    shown = await member.slash(channel, "safety-plan show")

    assert "988" in text_of(answer(shown))


async def test_check_in_outreach_shows_the_members_own_lines(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.member.slash(server.general, "crisis", region="AU", remember="remember")
    await server.member.slash(server.general, "checkin-outreach", choice="on")
    for _ in range(3):
        await check_in(server, 1)

    [message] = outreach_dms(server.member)
    text = text_of(message)
    assert "13 11 14" in text  # Lifeline, Australia
    assert "988" not in text
