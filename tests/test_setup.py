"""/setup through SimCord: admins configure a server; everyone else is refused at run time."""

from __future__ import annotations

import discord
import simcord

from bot.bot import SupportBot
from bot.guild_config import GuildConfigRepository


def _text(result: simcord.InteractionResult) -> str:
    message = result.response
    assert message is not None
    parts = [message.content]
    for item in message.embeds:
        parts += [item.title or "", item.description or ""]
        parts += [f"{f.name}\n{f.value}" for f in item.fields]
    return "\n".join(parts)


def _world(env: simcord.Env) -> tuple[simcord.GuildHandle, simcord.MemberActor]:
    guild = env.create_guild()
    admin_role = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("admin"), roles=[admin_role])
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
