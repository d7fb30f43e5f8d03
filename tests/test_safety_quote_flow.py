"""A reply quoting another member's crisis, through SimCord: the quoted words are the other
member's, so the replier is reached only when their own lines are a crisis or agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest
import simcord

from bot.settings import Settings
from tests.conftest import make_settings
from tests.test_safety_flow import World


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, safety_net=True)


async def test_a_supportive_reply_under_a_crisis_quote_gets_nothing(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()

    await world.member.send(
        world.general, "> honestly I want to kill myself\nhang in there, we are all here for you"
    )

    assert world.dms() == []
    assert world.in_channel() == []
    assert world.alerts() == []
    assert await world.rows() == []


async def test_same_under_a_crisis_quote_is_the_repliers_own(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()

    await world.member.send(world.general, "> honestly I want to kill myself\nsame here tbh")

    [alert] = world.alerts()
    assert world.pinged_roles(alert) == [world.staff.id]
    assert len(world.dms()) == 1
    assert await world.rows() == [
        {"category": "active", "level": "high", "replied": 1, "alerted": 1}
    ]


async def test_a_reply_whose_own_lines_are_a_crisis_alerts(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()

    await world.member.send(
        world.general, "> how is everyone doing\nnot good. i want to kill myself"
    )

    [alert] = world.alerts()
    assert world.pinged_roles(alert) == [world.staff.id]
