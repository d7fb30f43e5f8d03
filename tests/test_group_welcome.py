"""Welcome on join and the guidelines gate, through SimCord."""

from __future__ import annotations

import simcord

from bot.bot import SupportBot
from bot.settings import Settings
from tests.conftest import add_admin, restart
from tests.helpers import text_of as _embed_text


def _bot(env: simcord.Env) -> SupportBot:
    assert isinstance(env.bot, SupportBot)
    return env.bot


async def _configure(env: simcord.Env, guild: simcord.GuildHandle, **changes: object) -> None:
    await _bot(env).services.configs.update(guild.id, env.now(), **changes)


def _role_ids(
    env: simcord.Env, guild: simcord.GuildHandle, member: simcord.MemberActor
) -> list[int]:
    return list(env.backend.get_guild(guild.id).members[member.id].role_ids)


async def test_a_newcomer_is_welcomed_in_the_channel_without_pings(env: simcord.Env) -> None:
    guild = env.create_guild(name="Sober Together")
    welcome = guild.create_text_channel("welcome")
    await _configure(env, guild, welcome_channel_id=welcome.id)

    guild.add_member(env.create_user("dan"), nick="**@everyone** dan")
    await env.settle()

    posted = welcome.history()
    assert len(posted) == 1
    message = posted[0]
    assert message.content == ""
    stored = env.backend.get_message(welcome.id, message.id)
    assert (list(stored.ping_user_ids), list(stored.ping_role_ids)) == ([], [])
    assert not message.mention_everyone
    text = _embed_text(message)
    assert "Sober Together" in text
    # Markdown in the name is escaped and the mention defused.
    assert message.embeds[0].title == "Welcome, \\*\\*@\u200beveryone\\*\\* dan"
    for command in ("/guidelines", "/levels", "/coping", "/consult", "/crisis"):
        assert command in text
    assert "not emergency" in text


async def test_the_newcomer_is_pinged_only_when_the_admin_enables_it(env: simcord.Env) -> None:
    guild = env.create_guild()
    welcome = guild.create_text_channel("welcome")
    await _configure(env, guild, welcome_channel_id=welcome.id, welcome_ping=True)

    member = guild.add_member(env.create_user("eve"))
    await env.settle()

    message = welcome.history()[0]
    assert message.content == member.mention
    stored = env.backend.get_message(welcome.id, message.id)
    assert list(stored.ping_user_ids) == [member.id]
    assert list(stored.ping_role_ids) == []


async def test_welcome_by_dm_when_configured(env: simcord.Env) -> None:
    guild = env.create_guild()
    welcome = guild.create_text_channel("welcome")
    await _configure(env, guild, welcome_channel_id=welcome.id, welcome_dm=True)

    user = env.create_user("fay")
    guild.add_member(user)
    await env.settle()

    assert welcome.history() == []
    dms = user.dm_channel.history()
    assert len(dms) == 1
    assert "/guidelines" in _embed_text(dms[0])


async def test_no_welcome_channel_means_no_welcome(env: simcord.Env) -> None:
    guild = env.create_guild()
    general = guild.create_text_channel("general")
    guild.add_member(env.create_user("gus"))
    await env.settle()
    assert general.history() == []


async def test_guidelines_are_shown_privately(env: simcord.Env) -> None:
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("ann"))

    result = await member.slash(channel, "guidelines")

    assert result.ephemeral
    text = str(result.response.embeds[0].to_dict())
    for needle in ("stays here", "Respect", "medical advice", "selling", "/crisis"):
        assert needle in text


async def test_the_i_agree_gate_grants_the_member_role_and_survives_a_restart(
    env: simcord.Env, settings: Settings
) -> None:
    guild = env.create_guild()
    rules = guild.create_text_channel("rules")
    members_role = guild.create_role("Member")
    admin, _ = add_admin(env, guild)
    await _configure(env, guild, member_role_id=members_role.id)

    posted = await admin.slash(rules, "post-guidelines")
    assert posted.ephemeral
    assert "Posted" in posted.response.content
    pinned = rules.pinned_messages()
    assert len(pinned) == 1

    newcomer = guild.add_member(env.create_user("hal"))
    assert members_role.id not in _role_ids(env, guild, newcomer)

    await restart(env, settings)  # the button must work on a message posted before the restart
    clicked = await newcomer.click(pinned[0], custom_id="group:agree")

    assert clicked.ephemeral
    assert members_role.id in _role_ids(env, guild, newcomer)
    again = await newcomer.click(pinned[0], custom_id="group:agree")
    assert "already" in again.response.content


async def test_without_a_member_role_the_guidelines_are_posted_without_a_gate(
    env: simcord.Env,
) -> None:
    guild = env.create_guild()
    rules = guild.create_text_channel("rules")
    admin, _ = add_admin(env, guild)

    result = await admin.slash(rules, "post-guidelines")

    assert "no member role" in result.response.content
    message = rules.history()[0]
    assert message.components == []


async def test_a_deleted_member_role_gets_a_polite_answer(env: simcord.Env) -> None:
    guild = env.create_guild()
    rules = guild.create_text_channel("rules")
    members_role = guild.create_role("Member")
    admin, _ = add_admin(env, guild)
    await _configure(env, guild, member_role_id=members_role.id)
    await admin.slash(rules, "post-guidelines")
    await _configure(env, guild, member_role_id=None)
    newcomer = guild.add_member(env.create_user("ivy"))

    clicked = await newcomer.click(rules.pinned_messages()[0], custom_id="group:agree")

    assert clicked.ephemeral
    assert "/setup" in clicked.response.content
    assert _role_ids(env, guild, newcomer) == []
