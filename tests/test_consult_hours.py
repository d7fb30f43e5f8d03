"""Working hours for real (issue 19): hold, route and notice modes, closures, and the release
of held requests at opening time by the bot's own loop, through SimCord.

SimCord's clock starts at 2026-01-01 00:00 UTC (a Thursday), 05:45 in Kathmandu (UTC+5:45):
hours of 06–18 there open at 00:15 UTC, a quarter of an hour (15 loop ticks) away.
"""

from __future__ import annotations

import datetime as dt
import logging

import discord
import pytest
import simcord

from bot.consultations import Hours, HoursMode, out_of_hours
from bot.settings import Settings
from tests.conftest import ConsultServer, make_consult_server, restart
from tests.helpers import the_bot
from tests.test_consult_member import ask, said
from tests.test_consult_types import add_type, open_request

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
OPENING = START + dt.timedelta(minutes=15)
KATHMANDU = {"work_start_hour": 6, "work_end_hour": 18, "timezone": "Asia/Kathmandu"}
CRISIS = ("741741", "1-800-662-4357", "findahelpline.com")
"""Lines of the full crisis panel (the receipt itself only names 988)."""


def cards(server: ConsultServer) -> list[discord.Message]:
    return [m for m in server.queue.history() if m.content.startswith(("Request #", "<@&"))]


def card_posts(server: ConsultServer) -> list[simcord.HttpRequest]:
    return [
        r
        for r in server.env.http_requests
        if r.method == "POST" and r.path == f"/channels/{server.queue.id}/messages"
    ]


async def holds(server: ConsultServer) -> list[tuple[int, int | None]]:
    rows = await the_bot(server.env).db.fetchall(
        "SELECT consultation_id, released_at FROM consult_holds ORDER BY consultation_id"
    )
    return [(int(r[0]), r[1]) for r in rows]


async def hold_server(env: simcord.Env, **config: object) -> ConsultServer:
    values: dict[str, object] = {**KATHMANDU, "hours_mode": "hold"}
    values.update(config)
    return await make_consult_server(env, **values)


# --------------------------------------------------------------------------- hold and release


async def test_a_held_request_is_posted_and_pinged_only_after_opening(
    env: simcord.Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server = await hold_server(env)
    on_call = server.staff[0]
    await the_bot(env).services.oncall.go_on(server.guild.id, on_call.id, env.now())

    result = await ask(server, note="a private note")

    text = said(result)
    assert "Staff will see it when they are back" in text
    assert f"<t:{int(OPENING.timestamp())}:F>" in text
    for line in CRISIS:
        assert line in text
    assert cards(server) == []
    assert card_posts(server) == []
    held = await holds(server)
    assert [released for _id, released in held] == [None]
    assert f"consultation.held id={held[0][0]} " in caplog.text
    assert "a private note" not in caplog.text

    await env.advance_time(14 * 60 + 50)  # 00:14:50: still closed, and no reminder either
    assert card_posts(server) == []

    await env.advance_time(70)  # the loop's first run after 00:15
    posts = card_posts(server)
    assert len(posts) == 1
    assert posts[0].json is not None
    assert posts[0].json["allowed_mentions"]["users"] == [on_call.id]  # as a new request
    assert f"<@{on_call.id}>" in posts[0].json["content"]
    assert f"consultation.released id={held[0][0]}" in caplog.text
    assert [released is not None for _id, released in await holds(server)] == [True]

    await env.advance_time(10 * 60)  # released once; no reminder at once either
    assert len(card_posts(server)) == 1


async def test_the_second_before_opening_is_closed_and_the_opening_second_open() -> None:
    hours = Hours(6, 18, timezone="Asia/Kathmandu", mode=HoursMode.HOLD)
    before = out_of_hours(hours, [], OPENING - dt.timedelta(seconds=1))
    assert before is not None
    assert before.back_at == OPENING
    assert out_of_hours(hours, [], OPENING) is None
    closing = dt.datetime(2026, 1, 1, 12, 15, tzinfo=dt.UTC)  # 18:00 Kathmandu
    assert out_of_hours(hours, [], closing - dt.timedelta(seconds=1)) is None
    after = out_of_hours(hours, [], closing)
    assert after is not None
    assert after.back_at == OPENING + dt.timedelta(days=1)


async def test_the_release_picks_a_request_only_at_its_opening_time_and_once(
    env: simcord.Env,
) -> None:
    server = await hold_server(env)
    await ask(server)
    service = the_bot(env).services.hours

    assert await service.release_due(OPENING - dt.timedelta(seconds=1), [server.guild.id]) == []
    picked = await service.release_due(OPENING, [server.guild.id])
    assert [p.guild_id for p in picked] == [server.guild.id]
    assert await service.release_due(OPENING + dt.timedelta(hours=1), [server.guild.id]) == []


async def test_days_of_the_week_move_the_opening_past_closed_days() -> None:
    # Thursday 00:00 UTC; open Monday to Friday 09-17 UTC, but not Thursday: Friday 09:00.
    hours = Hours(9, 17, days=frozenset({0, 1, 2, 4}), mode=HoursMode.HOLD)
    outside = out_of_hours(hours, [], START)
    assert outside is not None
    assert outside.back_at == dt.datetime(2026, 1, 2, 9, tzinfo=dt.UTC)
    assert out_of_hours(hours, [], dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)) is not None


# --------------------------------------------------------------------------- urgent, notice, route


async def test_an_urgent_request_is_never_held(env: simcord.Env) -> None:
    server = await hold_server(env)

    result = await ask(server, urgency="urgent")

    text = said(result)
    assert "urgent request always reaches them at once" in text
    for line in CRISIS:
        assert line in text
    assert await holds(server) == []
    posts = card_posts(server)
    assert len(posts) == 1
    assert posts[0].json is not None
    assert posts[0].json["allowed_mentions"]["roles"] == [server.staff_role.id]


async def test_notice_mode_posts_at_once_and_tells_the_member_when_staff_are_back(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, **KATHMANDU)  # notice: the default mode

    result = await ask(server)

    text = said(result)
    assert "off duty right now" in text
    assert f"<t:{int(OPENING.timestamp())}:F>" in text
    for line in CRISIS:
        assert line in text
    assert len(card_posts(server)) == 1
    assert await holds(server) == []


async def test_in_hours_a_request_is_as_before(env: simcord.Env) -> None:
    server = await hold_server(env, timezone="Asia/Tokyo")  # 09:00 in Tokyo: open

    result = await ask(server)

    assert "off duty" not in said(result)
    assert "741741" not in said(result)  # routine, in hours: no crisis panel, as before
    assert len(card_posts(server)) == 1
    assert await holds(server) == []


async def test_route_mode_pings_the_on_call_role_out_of_hours(env: simcord.Env) -> None:
    server = await make_consult_server(env, **KATHMANDU)
    role = server.guild.create_role("On call tonight")
    await server.configure(hours_mode="route", hours_oncall_role_id=role.id)

    result = await ask(server)

    assert "gone to the on-call team" in said(result)
    for line in CRISIS:
        assert line in said(result)
    posts = card_posts(server)
    assert len(posts) == 1
    assert posts[0].json is not None
    assert posts[0].json["allowed_mentions"]["roles"] == [role.id]
    assert f"<@&{role.id}>" in posts[0].json["content"]
    assert f"<@&{server.staff_role.id}>" not in posts[0].json["content"]
    assert await holds(server) == []


# --------------------------------------------------------------------------- closures


async def test_a_closure_shows_its_message_and_holds_until_it_ends(env: simcord.Env) -> None:
    server = await make_consult_server(env, hours_mode="hold")  # no hours: only the closure
    await the_bot(env).services.hours.add_closure(
        server.guild.id,
        START - dt.timedelta(days=1),
        START + dt.timedelta(minutes=20),
        "Closed for New Year's Day. **Happy** new year!",
        env.now(),
    )

    result = await ask(server)

    text = said(result)
    assert "We're closed right now" in text
    assert "Closed for New Year's Day. \\*\\*Happy\\*\\* new year!" in text
    assert f"<t:{int((START + dt.timedelta(minutes=20)).timestamp())}:F>" in text
    for line in CRISIS:
        assert line in text
    assert card_posts(server) == []
    await env.advance_time(19 * 60)
    assert card_posts(server) == []
    await env.advance_time(2 * 60)
    assert len(card_posts(server)) == 1


# --------------------------------------------------------------------------- restarts


async def test_a_request_held_over_a_restart_is_released_once(
    env: simcord.Env, settings: Settings
) -> None:
    server = await hold_server(env)
    await ask(server)

    await restart(env, settings)
    await env.settle()
    assert card_posts(server) == []  # the start-up check leaves a held request alone

    await env.advance_time(16 * 60)
    assert len(card_posts(server)) == 1
    await restart(env, settings)
    await env.advance_time(5 * 60)
    assert len(card_posts(server)) == 1


async def test_a_request_picked_but_not_posted_before_a_restart_gets_one_card(
    env: simcord.Env, settings: Settings
) -> None:
    server = await hold_server(env)
    await ask(server)
    # The loop picked it (released_at set), and the bot stopped before posting its card.
    await the_bot(env).services.hours.release_due(OPENING, [server.guild.id])

    await restart(env, settings)
    await env.settle()
    assert len(card_posts(server)) == 1  # the start-up check posts a waiting request's card
    await env.advance_time(20 * 60)
    assert len(card_posts(server)) == 1


# --------------------------------------------------------------------------- what members read


@pytest.mark.parametrize("mode", [HoursMode.HOLD, HoursMode.NOTICE])
async def test_status_and_already_say_the_types_hours_past_a_closure(
    env: simcord.Env, mode: HoursMode
) -> None:
    """Family support keeps 09–17 UTC, Monday to Friday; the server (06–18 Kathmandu) opens at
    00:15 UTC, but a closure runs to Friday 00:00: staff are back Friday 09:00, the time a held
    request is released at, and what /consult-status and the "already" reply both say."""
    server = await make_consult_server(env, **KATHMANDU)
    await add_type(server)
    kind = await the_bot(env).services.consult_types.find(server.guild.id, "Family support")
    assert kind is not None
    hours = the_bot(env).services.hours
    await hours.set_type_hours(kind.id, Hours(9, 17, frozenset(range(5)), "UTC", mode, own=True))
    await hours.add_closure(
        server.guild.id, START, START + dt.timedelta(days=1), "Closed for New Year.", env.now()
    )
    back = int(dt.datetime(2026, 1, 2, 9, tzinfo=dt.UTC).timestamp())
    request_id = await open_request(server, server.member)
    if mode is HoursMode.HOLD:
        held = await hours.held_until(request_id)
        assert held is not None
        assert int(held.timestamp()) == back

    status = said(await server.member.slash(server.general, "consult-status"))
    again = said(await server.member.slash(server.general, "consult"))

    for text in (status, again):
        assert f"Staff are off duty right now; they are back <t:{back}:F> (<t:{back}:R>)." in text
        assert f"<t:{int(OPENING.timestamp())}:" not in text
    assert "You already have request #1" in again


async def test_status_has_no_hours_line_while_the_types_staff_are_on_duty(
    env: simcord.Env,
) -> None:
    """The server is closed (Kathmandu hours open at 00:15 UTC) but the type is open all day."""
    server = await make_consult_server(env, **KATHMANDU)
    await add_type(server)
    kind = await the_bot(env).services.consult_types.find(server.guild.id, "Family support")
    assert kind is not None
    await the_bot(env).services.hours.set_type_hours(
        kind.id, Hours(0, 0, frozenset(), "UTC", HoursMode.NOTICE, own=True)
    )
    await open_request(server, server.member)

    status = said(await server.member.slash(server.general, "consult-status"))

    assert "Waiting. You are next." in status
    assert "Staff are off duty" not in status
