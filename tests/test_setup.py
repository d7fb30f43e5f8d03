"""/setup through SimCord: admins configure a server; everyone else is refused at run time."""

from __future__ import annotations

from typing import Any

import discord
import pytest
import simcord

from bot.bot import SupportBot
from bot.guild_config import GuildConfigRepository
from tests.conftest import ConsultServer, add_admin
from tests.helpers import text_of as _text


def _world(env: simcord.Env) -> tuple[simcord.GuildHandle, simcord.MemberActor]:
    guild = env.create_guild()
    admin, _ = add_admin(env, guild)
    return guild, admin


async def test_admin_sets_up_consultations_and_sees_warnings(env: simcord.Env) -> None:
    guild, admin = _world(env)
    staff = guild.create_role("Staff")
    general = guild.create_text_channel("general")
    queue = guild.create_text_channel("staff-queue")  # visible to @everyone: a warning
    consult = guild.create_text_channel("consultations")

    result = await admin.slash(
        general,
        "setup consultations",
        staff_role=staff,
        queue_channel=queue,
        consult_channel=consult,
        response_time="usually **within** a few hours @everyone",
        work_start=9,
        work_end=17,
        timezone="Europe/London",
    )

    assert result.ephemeral
    text = _text(result)
    assert "visible to @everyone" in text
    assert "\\*\\*within\\*\\*" in text
    bot = env.bot
    assert isinstance(bot, SupportBot)
    config = await GuildConfigRepository(bot.db).get(guild.id)
    assert config.staff_role_id == staff.id
    assert config.queue_channel_id == queue.id
    assert config.consult_channel_id == consult.id
    assert config.timezone == "Europe/London"
    assert config.consultations_ready


async def test_staff_only_queue_channel_has_no_visibility_warning(env: simcord.Env) -> None:
    guild, admin = _world(env)
    staff = guild.create_role("Staff")
    general = guild.create_text_channel("general")
    queue = guild.create_text_channel(
        "staff-queue",
        overwrites={
            guild.default_role: discord.PermissionOverwrite(view_channel=False),
            staff: discord.PermissionOverwrite(view_channel=True),
            admin: discord.PermissionOverwrite(view_channel=True),
            guild.me: discord.PermissionOverwrite(view_channel=True),
        },
    )
    consult = guild.create_text_channel("consultations")
    await admin.slash(
        general,
        "setup consultations",
        staff_role=staff,
        queue_channel=queue,
        consult_channel=consult,
    )

    result = await admin.slash(general, "setup show")

    assert "visible to @everyone" not in _text(result)


async def test_an_unknown_timezone_is_refused_and_nothing_is_saved(env: simcord.Env) -> None:
    guild, admin = _world(env)
    staff = guild.create_role("Staff")
    general = guild.create_text_channel("general")

    result = await admin.slash(
        general,
        "setup consultations",
        staff_role=staff,
        queue_channel=general,
        consult_channel=general,
        timezone="Mars/Olympus_Mons",
    )

    assert result.ephemeral
    assert "time zone" in _text(result)
    bot = env.bot
    assert isinstance(bot, SupportBot)
    assert not (await GuildConfigRepository(bot.db).get(guild.id)).consultations_ready


async def test_half_working_hours_are_refused(env: simcord.Env) -> None:
    guild, admin = _world(env)
    general = guild.create_text_channel("general")
    staff = guild.create_role("Staff")

    result = await admin.slash(
        general,
        "setup consultations",
        staff_role=staff,
        queue_channel=general,
        consult_channel=general,
        work_start=9,
    )

    assert "both work_start and work_end" in _text(result)


async def test_someone_without_manage_server_is_refused_even_if_allowed_to_see_it(
    env: simcord.Env,
) -> None:
    guild = env.create_guild()
    general = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("curious"))
    bot = env.bot
    assert isinstance(bot, SupportBot)
    setup_command = next(c for c in await bot.tree.fetch_commands() if c.name == "setup")
    guild.set_command_permissions(setup_command, {member: True})

    result = await member.slash(general, "setup safety", state=True)

    assert result.ephemeral
    assert "Manage Server" in _text(result)
    assert not (await GuildConfigRepository(bot.db).get(guild.id)).safety_enabled


async def test_safety_on_without_the_intent_warns(env: simcord.Env) -> None:
    guild, admin = _world(env)
    general = guild.create_text_channel("general")

    result = await admin.slash(general, "setup safety", state=True)

    assert "SAFETY_NET=false" in _text(result)


async def test_group_settings_are_saved(env: simcord.Env) -> None:
    guild, admin = _world(env)
    general = guild.create_text_channel("general")
    welcome = guild.create_text_channel("welcome")
    role = guild.create_role("Member")

    await admin.slash(
        general, "setup group", welcome_channel=welcome, welcome_ping=True, member_role=role
    )

    bot = env.bot
    assert isinstance(bot, SupportBot)
    config = await GuildConfigRepository(bot.db).get(guild.id)
    assert config.welcome_channel_id == welcome.id
    assert config.welcome_ping is True
    assert config.member_role_id == role.id
    assert config.welcome_dm is False


# --------------------------------------------------------------------- consultation channel checks


async def _show_with_consult_channel(
    server: ConsultServer, overwrites: dict[Any, discord.PermissionOverwrite], **config: object
) -> tuple[str, simcord.ChannelHandle]:
    """Point the server at a new consultation channel with ``overwrites``; what /setup show says."""
    consult = server.guild.create_text_channel("consult-checked", overwrites=overwrites)
    await server.configure(consult_channel_id=consult.id, **config)
    result = await server.admin.slash(server.general, "setup show")
    assert result.ephemeral
    return _text(result), consult


async def test_a_well_set_up_consultation_channel_has_no_warnings(
    consult_server: ConsultServer,
) -> None:
    result = await consult_server.admin.slash(consult_server.general, "setup show")

    assert "Everything looks ready." in _text(result)


@pytest.mark.parametrize(
    ("permission", "name"),
    [
        ("create_private_threads", "Create Private Threads"),
        ("send_messages_in_threads", "Send Messages in Threads"),
        ("manage_threads", "Manage Threads"),
    ],
)
async def test_a_permission_the_bot_lacks_in_the_consultation_channel_is_named(
    consult_server: ConsultServer, permission: str, name: str
) -> None:
    server = consult_server
    me = server.guild.me
    assert me is not None

    text, consult = await _show_with_consult_channel(
        server,
        {
            server.staff_role: discord.PermissionOverwrite(manage_threads=True),
            me: discord.PermissionOverwrite(**{permission: False}),
        },
    )

    assert f"I lack **{name}** in <#{consult.id}>." in text
    assert text.count("I lack") == 1  # only what is really missing
    assert "Everything looks ready." not in text


async def test_a_consultation_channel_the_bot_cannot_see_is_one_warning(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    me = server.guild.me
    assert me is not None

    text, consult = await _show_with_consult_channel(
        server, {me: discord.PermissionOverwrite(view_channel=False)}
    )

    assert f"I lack **View Channel** in <#{consult.id}>." in text
    assert text.count("I lack") == 1  # not every permission that hiding it implies


async def test_members_who_cannot_view_the_consultation_channel_are_warned_about(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    me = server.guild.me
    assert me is not None

    text, consult = await _show_with_consult_channel(
        server,
        {
            server.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            server.staff_role: discord.PermissionOverwrite(view_channel=True, manage_threads=True),
            me: discord.PermissionOverwrite(view_channel=True),
        },
    )

    assert f"Members cannot view <#{consult.id}>" in text


async def test_members_who_see_it_through_the_guidelines_role_are_fine(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    me = server.guild.me
    assert me is not None
    agreed = server.guild.create_role("Member")

    text, consult = await _show_with_consult_channel(
        server,
        {
            server.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            agreed: discord.PermissionOverwrite(view_channel=True),
            server.staff_role: discord.PermissionOverwrite(view_channel=True, manage_threads=True),
            me: discord.PermissionOverwrite(view_channel=True),
        },
        member_role_id=agreed.id,
    )

    assert f"Members cannot view <#{consult.id}>" not in text


async def test_a_non_staff_role_with_manage_threads_there_is_named(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    helpers = server.guild.create_role("Helpers **team**")

    text, consult = await _show_with_consult_channel(
        server,
        {
            server.staff_role: discord.PermissionOverwrite(manage_threads=True),
            helpers: discord.PermissionOverwrite(manage_threads=True),
        },
    )

    assert (
        f"The role Helpers \\*\\*team\\*\\* can manage threads in <#{consult.id}>, so it can "
        "read every private consultation." in text
    )
    assert "The role Staff" not in text


async def test_everyone_holding_manage_threads_there_is_one_warning(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    server.guild.create_role("Helpers")

    text, consult = await _show_with_consult_channel(
        server, {server.guild.default_role: discord.PermissionOverwrite(manage_threads=True)}
    )

    assert (
        f"@everyone can manage threads in <#{consult.id}>, so every member can read every "
        "private consultation." in text
    )
    assert "The role " not in text  # not repeated for each role that inherits it
