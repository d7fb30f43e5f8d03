"""Meetings from the server's scheduled events: /meetings, reminders, DM opt-in, the format."""

from __future__ import annotations

import datetime as dt

import discord
import simcord

from bot.bot import SupportBot
from bot.meetings import Meeting, due_reminders, upcoming
from bot.settings import Settings
from tests.conftest import add_admin, restart

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _meeting(ident: int, start: dt.datetime, *, active: bool = False) -> Meeting:
    return Meeting(ident, 1, f"m{ident}", start, None, active, f"https://x/{ident}")


def test_upcoming_and_due_reminders() -> None:
    soon = _meeting(1, NOW + dt.timedelta(minutes=10))
    later = _meeting(2, NOW + dt.timedelta(days=6))
    too_far = _meeting(3, NOW + dt.timedelta(days=8))
    past = _meeting(4, NOW - dt.timedelta(hours=1))
    live = _meeting(5, NOW - dt.timedelta(minutes=5), active=True)
    meetings = [later, too_far, past, live, soon]

    assert [m.id for m in upcoming(meetings, NOW)] == [5, 1, 2]
    assert [m.id for m in due_reminders(meetings, NOW, 15)] == [1]
    assert due_reminders(meetings, NOW, 5) == []
    assert due_reminders([soon], NOW + dt.timedelta(minutes=10), 15) == []  # started


def _bot(env: simcord.Env) -> SupportBot:
    assert isinstance(env.bot, SupportBot)
    return env.bot


def _at(delta: dt.timedelta, env: simcord.Env) -> str:
    return (env.now() + delta).isoformat()


async def _reminding_server(
    env: simcord.Env,
) -> tuple[simcord.GuildHandle, simcord.ChannelHandle]:
    """A server whose #meetings gets a reminder 15 minutes before each meeting."""
    guild = env.create_guild()
    meetings = guild.create_text_channel("meetings")
    await _bot(env).services.configs.update(
        guild.id, env.now(), meetings_channel_id=meetings.id, meeting_reminder_minutes=15
    )
    return guild, meetings


def _event(guild: simcord.GuildHandle, env: simcord.Env, name: str, delta: dt.timedelta) -> int:
    event = guild.create_scheduled_event(
        name,
        start_time=_at(delta, env),
        end_time=_at(delta + dt.timedelta(hours=1), env),
        entity_type=3,
        location="Online",
        description="Open to everyone",
    )
    return event.id


async def test_meetings_lists_the_next_seven_days_in_local_time(env: simcord.Env) -> None:
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("ann"))
    _event(guild, env, "Friday group", dt.timedelta(days=2))
    _event(guild, env, "Monday *check-in*", dt.timedelta(hours=3))
    _event(guild, env, "Far away", dt.timedelta(days=9))
    await env.settle()

    result = await member.slash(channel, "meetings")

    assert result.ephemeral
    shown = result.response.embeds[0]
    names = [field.name for field in shown.fields]
    assert names == ["Monday \\*check-in\\*", "Friday group", "How meetings run"]
    first = shown.fields[0].value or ""
    start = int((env.now() + dt.timedelta(hours=3)).timestamp())
    assert f"<t:{start}:F>" in first
    assert f"<t:{start}:R>" in first
    assert "discord.com/events/" in first
    assert "/meeting format" in (shown.fields[-1].value or "")


async def test_no_meetings_is_said_kindly(env: simcord.Env) -> None:
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("ann"))

    result = await member.slash(channel, "meetings")

    assert "No meetings are scheduled" in (result.response.embeds[0].description or "")


async def test_one_reminder_before_the_meeting_and_none_after_a_restart(
    env: simcord.Env, settings: Settings
) -> None:
    guild, meetings = await _reminding_server(env)
    _event(guild, env, "Evening group", dt.timedelta(minutes=30))
    await env.settle()

    await env.advance_time(14 * 60)
    assert meetings.history() == []

    await env.advance_time(2 * 60)
    posted = meetings.history()
    assert len(posted) == 1
    assert "Evening group" in posted[0].content
    assert not posted[0].mention_everyone
    assert "@everyone" not in posted[0].content

    await env.advance_time(5 * 60)
    await restart(env, settings)
    await env.advance_time(3 * 60)
    assert len(meetings.history()) == 1


async def test_a_reminder_discord_failed_to_post_is_posted_on_the_next_pass(
    env: simcord.Env,
) -> None:
    guild, meetings = await _reminding_server(env)
    _event(guild, env, "Evening group", dt.timedelta(minutes=30))
    await env.settle()
    path = f"/channels/{meetings.id}/messages"
    env.inject_error("POST", path, status=503, times=1)

    await env.advance_time(16 * 60)
    await env.advance_time(60)

    posts = [r for r in env.http_requests if r.method == "POST" and r.path.endswith(path)]
    assert len(posts) == 2  # the failed try, then the retry
    nonces = {str(r.json["nonce"]) for r in posts if r.json}
    assert len(nonces) == 1  # the same nonce: Discord would drop a duplicate
    posted = meetings.history()
    assert len(posted) == 1
    assert "Evening group" in posted[0].content


async def test_new_reminder_minutes_from_setup_take_effect_without_waiting_an_hour(
    env: simcord.Env,
) -> None:
    guild, meetings = await _reminding_server(env)
    admin, _ = add_admin(env, guild)
    _event(guild, env, "Evening group", dt.timedelta(hours=5))
    await env.settle()
    await env.advance_time(60)  # the reminder loop has planned: nothing due for hours

    saved = await admin.slash(meetings, "setup group", meeting_reminder_minutes=290)
    assert saved.ephemeral
    await env.advance_time(11 * 60)  # the new reminder time (5 h - 290 min) has passed

    posted = meetings.history()
    assert len(posted) == 1
    assert "Evening group" in posted[0].content


async def test_interested_members_who_opted_in_get_a_dm(env: simcord.Env) -> None:
    guild, meetings = await _reminding_server(env)
    general = guild.create_text_channel("general")
    opted_user, shy_user, uninterested_user = (
        env.create_user("opted"),
        env.create_user("shy"),
        env.create_user("uninterested"),
    )
    opted = guild.add_member(opted_user)
    shy = guild.add_member(shy_user)
    uninterested = guild.add_member(uninterested_user)
    event_id = _event(guild, env, "Morning group", dt.timedelta(minutes=40))
    await env.settle()
    await opted.subscribe_event(event_id)
    await shy.subscribe_event(event_id)

    on = await opted.slash(general, "meetings", remind="on")
    assert "DM reminders are on" in on.response.content
    await uninterested.slash(general, "meetings", remind="on")
    off = await shy.slash(general, "meetings", remind="off")
    assert "off" in off.response.content

    await env.advance_time(30 * 60)

    dms = opted_user.dm_channel.history()
    assert len(dms) == 1
    assert "Morning group" in dms[0].content
    assert "/meetings remind:off" in dms[0].content
    assert shy_user.dm_channel.history() == []
    assert uninterested_user.dm_channel.history() == []
    assert len(meetings.history()) == 1


async def test_the_meeting_format_is_a_run_sheet(env: simcord.Env) -> None:
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("ann"))

    result = await member.slash(channel, "meeting format")

    assert result.ephemeral
    embed: discord.Embed = result.response.embeds[0]
    names = " ".join(field.name or "" for field in embed.fields)
    for step in ("Opening statement", "Check-in round", "Topic", "Check-out"):
        assert step in names
