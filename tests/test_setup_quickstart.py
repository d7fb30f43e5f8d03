"""/setup quickstart through SimCord: an admin gets a working server in one command, twice is
the same as once, nothing is deleted or renamed, and a missing permission is one sentence."""

from __future__ import annotations

import discord
import pytest
import simcord

from bot.bot import SupportBot
from bot.guild_config import GuildConfig
from tests.conftest import ConsultServer, add_admin
from tests.helpers import text_of

COLUMNS = (
    "staff_role_id",
    "queue_channel_id",
    "consult_channel_id",
    "log_channel_id",
    "welcome_channel_id",
    "meetings_channel_id",
)


def _bot(env: simcord.Env) -> SupportBot:
    assert isinstance(env.bot, SupportBot)
    return env.bot


def _seen(env: simcord.Env, guild: simcord.GuildHandle) -> discord.Guild:
    found = env.bot.get_guild(guild.id)
    assert found is not None
    return found


def _counts(env: simcord.Env, guild: simcord.GuildHandle) -> tuple[int, int]:
    seen = _seen(env, guild)
    return len(seen.channels), len(seen.roles)


async def _config(env: simcord.Env, guild: simcord.GuildHandle) -> GuildConfig:
    return await _bot(env).services.configs.get(guild.id)


def _world(
    env: simcord.Env,
) -> tuple[simcord.GuildHandle, simcord.MemberActor, simcord.ChannelHandle]:
    guild = env.create_guild("Recovery Group")
    admin, _ = add_admin(env, guild)
    return guild, admin, guild.create_text_channel("general")


def _channel(
    env: simcord.Env, guild: simcord.GuildHandle, channel_id: int | None
) -> discord.TextChannel:
    assert channel_id is not None
    channel = _seen(env, guild).get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


def _take_from_my_role(env: simcord.Env, guild: simcord.GuildHandle, *names: str) -> None:
    assert env.bot.user is not None
    mine = guild.roles[env.bot.user.name]
    granted = discord.Permissions(env.backend.get_role(guild.id, mine.id).permissions)
    for name in names:
        setattr(granted, name, False)
    env.backend.edit_role(guild.id, mine.id, {"permissions": granted.value})


async def test_a_fresh_server_gets_everything_set_as_setup_show_asks(env: simcord.Env) -> None:
    guild, admin, general = _world(env)
    channels, roles = _counts(env, guild)

    result = await admin.slash(general, "setup quickstart")

    assert result.ephemeral
    text = text_of(result)
    assert text.count("created") >= 6
    assert "already set" not in text
    assert "adopted" not in text
    assert _counts(env, guild) == (channels + 5, roles + 1)
    config = await _config(env, guild)
    assert None not in [getattr(config, column) for column in COLUMNS]
    assert config.consultations_ready
    seen = _seen(env, guild)
    staff = seen.get_role(config.staff_role_id or 0)
    assert staff is not None
    assert staff.name == "Staff"
    assert staff.permissions == discord.Permissions.none()  # a label, not a power
    everyone = seen.default_role
    names = {column: _channel(env, guild, getattr(config, column)).name for column in COLUMNS[1:]}
    assert names == {
        "queue_channel_id": "staff-queue",
        "consult_channel_id": "consultations",
        "log_channel_id": "bot-log",
        "welcome_channel_id": "welcome",
        "meetings_channel_id": "meetings",
    }
    for column in ("queue_channel_id", "log_channel_id"):
        staff_only = _channel(env, guild, getattr(config, column))
        assert not staff_only.permissions_for(everyone).view_channel
        assert staff_only.permissions_for(staff).view_channel
        assert staff_only.permissions_for(seen.me).send_messages
    consult = _channel(env, guild, config.consult_channel_id)
    assert consult.permissions_for(everyone).view_channel  # members join their threads here
    assert not consult.permissions_for(everyone).manage_threads
    assert consult.permissions_for(staff).manage_threads  # only staff manage private threads
    assert consult.permissions_for(seen.me).create_private_threads
    for column in ("welcome_channel_id", "meetings_channel_id"):
        assert _channel(env, guild, getattr(config, column)).permissions_for(everyone).view_channel
    # What quickstart made is what /setup show asks for: nothing left to fix.
    shown = text_of(await admin.slash(general, "setup show"))
    assert "Everything looks ready." in shown


async def test_running_it_twice_changes_nothing_the_second_time(env: simcord.Env) -> None:
    guild, admin, general = _world(env)
    await admin.slash(general, "setup quickstart")
    counts = _counts(env, guild)
    config = await _config(env, guild)
    overwrites = {
        column: dict(_channel(env, guild, getattr(config, column)).overwrites)
        for column in COLUMNS[1:]
    }
    writes = len(env.http_requests)

    result = await admin.slash(general, "setup quickstart")

    text = text_of(result)
    assert text.count("already set") == 6
    assert "created" not in text
    assert "adopted" not in text
    assert _counts(env, guild) == counts
    assert await _config(env, guild) == config
    assert {
        column: dict(_channel(env, guild, getattr(config, column)).overwrites)
        for column in COLUMNS[1:]
    } == overwrites
    made = [r for r in env.http_requests[writes:] if r.method in {"POST", "PUT", "PATCH", "DELETE"}]
    assert all("/interactions/" in r.path or "/webhooks/" in r.path for r in made)


async def test_what_exists_by_name_is_adopted_completed_and_never_duplicated(
    env: simcord.Env,
) -> None:
    guild, admin, general = _world(env)
    staff = guild.create_role("Staff")
    queue = guild.create_text_channel("staff-queue")  # visible to @everyone: to be hidden
    welcome = guild.create_text_channel("welcome", topic="Say hello")
    channels, roles = _counts(env, guild)

    result = await admin.slash(general, "setup quickstart")

    text = text_of(result)
    assert text.count("adopted") == 3
    assert text.count("created") == 3  # consultations, bot-log, meetings
    assert _counts(env, guild) == (channels + 3, roles)
    config = await _config(env, guild)
    assert (config.staff_role_id, config.queue_channel_id, config.welcome_channel_id) == (
        staff.id,
        queue.id,
        welcome.id,
    )
    seen = _seen(env, guild)
    adopted = _channel(env, guild, queue.id)
    assert adopted.name == "staff-queue"  # never renamed
    assert not adopted.permissions_for(seen.default_role).view_channel
    role = seen.get_role(staff.id)
    assert role is not None
    assert adopted.permissions_for(role).view_channel
    assert adopted.permissions_for(seen.me).view_channel  # I did not lock myself out
    assert _channel(env, guild, welcome.id).topic == "Say hello"
    assert "visible to @everyone" not in text_of(await admin.slash(general, "setup show"))

    again = text_of(await admin.slash(general, "setup quickstart"))
    assert again.count("already set") == 6
    assert _counts(env, guild) == (channels + 3, roles)


async def test_what_the_admin_chose_before_is_kept_as_it_is(env: simcord.Env) -> None:
    guild, admin, general = _world(env)
    team = guild.create_role("Consultants")
    queue = guild.create_text_channel("requests")
    consult = guild.create_text_channel("talk-here")
    await admin.slash(
        general,
        "setup consultations",
        staff_role=team,
        queue_channel=queue,
        consult_channel=consult,
    )
    before = _seen(env, guild).get_channel(queue.id)
    assert isinstance(before, discord.TextChannel)
    kept_overwrites = dict(before.overwrites)

    text = text_of(await admin.slash(general, "setup quickstart"))

    assert text.count("already set") == 3
    config = await _config(env, guild)
    assert (config.staff_role_id, config.queue_channel_id, config.consult_channel_id) == (
        team.id,
        queue.id,
        consult.id,
    )
    assert "Staff" not in {role.name for role in _seen(env, guild).roles}
    assert dict(_channel(env, guild, queue.id).overwrites) == kept_overwrites
    # The new staff-only log channel lets the chosen staff role in.
    log_channel = _channel(env, guild, config.log_channel_id)
    role = _seen(env, guild).get_role(team.id)
    assert role is not None
    assert log_channel.permissions_for(role).view_channel


async def test_someone_without_manage_server_is_refused_and_nothing_is_made(
    env: simcord.Env,
) -> None:
    guild = env.create_guild()
    general = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("curious"))
    bot = _bot(env)
    setup_command = next(c for c in await bot.tree.fetch_commands() if c.name == "setup")
    guild.set_command_permissions(setup_command, {member: True})
    counts = _counts(env, guild)

    result = await member.slash(general, "setup quickstart")

    assert result.ephemeral
    assert "Manage Server" in text_of(result)
    assert _counts(env, guild) == counts
    assert await _config(env, guild) == GuildConfig(guild_id=guild.id)


@pytest.mark.parametrize(
    ("taken", "named"),
    [
        (("manage_channels",), "**Manage Channels**"),
        (("manage_roles",), "**Manage Roles**"),
        (("manage_channels", "manage_roles"), "**Manage Roles** and **Manage Channels**"),
    ],
)
async def test_a_permission_i_lack_is_named_and_nothing_is_changed(
    env: simcord.Env, taken: tuple[str, ...], named: str
) -> None:
    guild, admin, general = _world(env)
    _take_from_my_role(env, guild, *taken)
    await env.settle()
    counts = _counts(env, guild)

    result = await admin.slash(general, "setup quickstart")

    text = text_of(result)
    assert result.ephemeral
    assert named in text
    assert "Nothing was changed." in text
    assert _counts(env, guild) == counts
    assert await _config(env, guild) == GuildConfig(guild_id=guild.id)


async def test_adopting_a_complete_server_needs_no_extra_permission(env: simcord.Env) -> None:
    guild, admin, general = _world(env)
    await admin.slash(general, "setup quickstart")
    await admin.slash(general, "setup clear", setting="welcome_channel")
    _take_from_my_role(env, guild, "manage_channels", "manage_roles")
    await env.settle()

    text = text_of(await admin.slash(general, "setup quickstart"))

    assert "Welcome channel" in text
    assert "adopted." in text
    assert (await _config(env, guild)).welcome_channel_id is not None


async def test_a_refusal_half_way_keeps_what_was_done_and_a_rerun_finishes(
    env: simcord.Env,
) -> None:
    guild, admin, general = _world(env)
    env.inject_error("POST", f"/guilds/{guild.id}/channels", status=403, code=50013, times=1)

    first = text_of(await admin.slash(general, "setup quickstart"))

    assert "Discord did not let me create #staff-queue" in first
    assert "**Manage Channels**" in first
    config = await _config(env, guild)
    assert config.staff_role_id is not None  # the role was made before the refusal
    assert config.queue_channel_id is None

    second = text_of(await admin.slash(general, "setup quickstart"))

    assert "Staff role" in second
    assert "already set" in second
    config = await _config(env, guild)
    assert None not in [getattr(config, column) for column in COLUMNS]
    assert [role.name for role in _seen(env, guild).roles].count("Staff") == 1


async def test_discord_trouble_half_way_is_a_polite_try_again(env: simcord.Env) -> None:
    guild, admin, general = _world(env)
    env.inject_error("POST", f"/guilds/{guild.id}/channels", status=500, times=1)

    text = text_of(await admin.slash(general, "setup quickstart"))

    assert "Discord had a problem when I tried to create #staff-queue" in text
    assert "run `/setup quickstart` again" in text


# ------------------------------------------ /setup show reads the same table (cogs/setup/_plan)


async def test_setup_show_asks_for_a_staff_only_log_channel(consult_server: ConsultServer) -> None:
    server = consult_server
    public = server.guild.create_text_channel("public-log")
    await server.configure(log_channel_id=public.id)

    text = text_of(await server.admin.slash(server.general, "setup show"))

    assert f"<#{public.id}> is visible to @everyone: make it staff-only." in text


async def test_setup_show_names_a_staff_only_channel_staff_cannot_see(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    me = server.guild.me
    assert me is not None
    hidden = server.guild.create_text_channel(
        "hidden-queue",
        overwrites={
            server.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            me: discord.PermissionOverwrite(view_channel=True),
        },
    )
    await server.configure(queue_channel_id=hidden.id)

    text = text_of(await server.admin.slash(server.general, "setup show"))

    assert f"The staff role cannot see <#{hidden.id}>." in text
