"""``/setup hours`` and ``/setup closure`` inside Discord (issue 19's quality bar): set, shown by
``/setup show``, kept by other ``/setup`` commands and restarts, checked for what won't work."""

from __future__ import annotations

import datetime as dt

import discord
import pytest
import simcord

from bot.settings import Settings
from tests.conftest import ConsultServer, make_consult_server, restart
from tests.helpers import the_bot
from tests.test_consult_hours import card_posts, holds
from tests.test_consult_member import ask, said
from tests.test_consult_types import add_type, admin_sees_staff_channels, open_request


async def test_an_admin_sets_the_servers_hours_and_they_are_shown_and_kept(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)

    result = await server.admin.slash(
        server.general,
        "setup hours set",
        start=6,
        end=18,
        days="mon-fri",
        timezone="Asia/Kathmandu",
        mode="hold",
    )

    assert result.ephemeral
    text = said(result)
    assert "06:00–18:00 Asia/Kathmandu, Mon, Tue, Wed, Thu, Fri · hold until opening" in text
    config = await the_bot(env).services.configs.get(server.guild.id)
    assert (config.work_start_hour, config.work_end_hour, config.hours_days) == (6, 18, "01234")
    assert config.hours_mode == "hold"

    await server.admin.slash(server.general, "setup limits", hourly_cap=5)
    await server.admin.slash(server.general, "setup hours set", start=7, end=18)  # mode kept
    await restart(env, settings)
    shown = said(await server.admin.slash(server.general, "setup show"))
    assert "07:00–18:00 Asia/Kathmandu, Mon, Tue, Wed, Thu, Fri · hold until opening" in shown

    cleared = said(await server.admin.slash(server.general, "setup hours clear"))
    assert "always open" in cleared
    config = await the_bot(env).services.configs.get(server.guild.id)
    assert (config.work_start_hour, config.hours_days, config.hours_mode) == (None, None, "notice")


async def test_a_types_own_hours_hold_its_requests_only(env: simcord.Env) -> None:
    server = await make_consult_server(env)
    admin_sees_staff_channels(server)
    await env.settle()
    await add_type(server, "Family support")
    await add_type(server, "Intake")

    result = await server.admin.slash(
        server.general,
        "setup hours set",
        type="Family support",
        start=6,
        end=18,
        timezone="Asia/Kathmandu",
        mode="hold",
    )
    assert "Family support: 06:00–18:00 Asia/Kathmandu, every day · hold until opening" in said(
        result
    )
    assert "Server (and General): always open" in said(result)

    await open_request(server, server.members[0], "Family support")
    assert card_posts(server) == []
    assert len(await holds(server)) == 1
    await open_request(server, server.members[1], "Intake")
    assert len(card_posts(server)) == 1  # a type without hours follows the server: always open

    await env.advance_time(16 * 60)
    assert len(card_posts(server)) == 2

    shown = said(await server.admin.slash(server.general, "setup show"))
    assert "Family support: 06:00–18:00" in shown
    await server.admin.slash(server.general, "setup hours clear", type="Family support")
    shown = said(await server.admin.slash(server.general, "setup show"))
    assert "Family support: 06:00" not in shown


async def test_route_mode_warns_of_a_role_it_cannot_ping(env: simcord.Env) -> None:
    server = await make_consult_server(env)
    role = server.guild.create_role("Night team")  # not mentionable
    assert env.bot.user is not None
    mine = server.guild.roles[env.bot.user.name]
    granted = discord.Permissions(env.backend.get_role(server.guild.id, mine.id).permissions)
    granted.mention_everyone = False  # so I can't ping a role that isn't mentionable
    env.backend.edit_role(server.guild.id, mine.id, {"permissions": granted.value})
    await env.settle()

    missing = said(
        await server.admin.slash(server.general, "setup hours set", start=9, end=17, mode="route")
    )
    assert "has no on-call role" in missing

    result = await server.admin.slash(
        server.general, "setup hours set", start=9, end=17, oncall_role=role
    )
    assert f"→ <@&{role.id}>" in said(result)
    assert "I can't ping" in said(result)
    assert "I can't ping" in said(await server.admin.slash(server.general, "setup show"))


@pytest.mark.parametrize(
    ("options", "refusal"),
    [
        ({"days": "someday"}, "couldn't read those days"),
        ({"type": "No such type"}, "no consultation type of that name"),
        ({"timezone": "Mars/Olympus"}, ""),
    ],
)
async def test_bad_hours_are_refused_and_nothing_is_saved(
    consult_server: ConsultServer, options: dict[str, object], refusal: str
) -> None:
    server = consult_server
    before = await the_bot(server.env).services.configs.get(server.guild.id)

    result = await server.admin.slash(server.general, "setup hours set", start=9, end=17, **options)

    assert refusal in said(result)
    assert "Saved" not in said(result)
    assert await the_bot(server.env).services.configs.get(server.guild.id) == before


async def test_hours_are_for_manage_server_only(consult_server: ConsultServer) -> None:
    server = consult_server
    command = server.env.backend.find_command("setup", None)
    assert command is not None
    server.guild.set_command_permissions(int(command["id"]), {server.member: True})

    result = await server.member.slash(server.general, "setup hours set", start=9, end=17)

    assert "Manage Server" in said(result)
    config = await the_bot(server.env).services.configs.get(server.guild.id)
    assert config.work_start_hour is None


async def test_a_closure_is_added_listed_shown_to_members_and_removed(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    added = said(
        await server.admin.slash(
            server.general,
            "setup closure add",
            start="2025-12-31",
            end="2026-01-01",
            message="We're closed for New Year's Day.",
        )
    )
    assert "<t:1767139200:F>" in added  # 2025-12-31 00:00 UTC: the server's zone is UTC
    assert "<t:1767312000:F>" in added  # to the end of 2026-01-01
    listing = said(await server.admin.slash(server.general, "setup closure list"))
    assert "We're closed for New Year's Day." in listing
    assert "Closed " in said(await server.admin.slash(server.general, "setup show"))

    reply = said(await ask(server))
    assert "We're closed for New Year's Day." in reply
    assert "741741" in reply
    assert len(card_posts(server)) == 1  # notice mode: accepted at once, with the message

    closures = await the_bot(server.env).services.hours.closures(server.guild.id, server.env.now())
    removed = said(
        await server.admin.slash(server.general, "setup closure remove", number=closures[0].id)
    )
    assert "Removed" in removed
    after = await server.admin.slash(server.general, "setup closure list")
    assert "No closed periods" in said(after)


@pytest.mark.parametrize(
    ("start", "end", "refusal"),
    [
        ("tomorrow", "2026-01-02", "couldn't read"),
        ("2026-01-03", "2026-01-02", "must end after it starts"),
        ("2025-12-01", "2025-12-02", "already ended"),
    ],
)
async def test_a_bad_closure_is_refused(
    consult_server: ConsultServer, start: str, end: str, refusal: str
) -> None:
    server = consult_server

    result = await server.admin.slash(
        server.general, "setup closure add", start=start, end=end, message="Closed."
    )

    assert refusal in said(result)
    hours = the_bot(server.env).services.hours
    assert await hours.closures(server.guild.id, server.env.now()) == []


async def test_a_closure_at_a_time_of_day_is_read_in_the_servers_zone(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.configure(timezone="Asia/Kathmandu")

    await server.admin.slash(
        server.general,
        "setup closure add",
        start="2026-01-01 05:45",
        end="2026-01-01 06:00",
        message="Back at six.",
    )

    hours = the_bot(server.env).services.hours
    (closure,) = await hours.closures(server.guild.id, server.env.now())
    assert closure.starts_at == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert closure.ends_at == dt.datetime(2026, 1, 1, 0, 15, tzinfo=dt.UTC)
    assert isinstance(server.guild.id, int)
    assert discord.utils.format_dt(closure.ends_at, "F") in said(await ask(server))
