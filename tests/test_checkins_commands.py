"""/checkin, /checkin-history and /milestone through SimCord: what a member sees."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import simcord

from bot.checkins import CheckinService
from bot.crisis import top_line
from bot.settings import Settings
from tests.conftest import restart
from tests.helpers import text_of as _text
from tests.helpers import the_bot

SENTINEL = "OTTER-SENTINEL-9931"


def _custom_ids(components: list[dict[str, object]]) -> list[str]:
    found = []
    for row in components:
        for child in row.get("components", []):  # type: ignore[attr-defined]
            if child.get("custom_id"):
                found.append(child["custom_id"])
    return found


def _pings(env: simcord.Env, channel_id: int, message_id: int) -> tuple[list[int], list[int]]:
    """Who a message actually notified (users, roles), as opposed to who it displays."""
    stored = env.backend.get_message(channel_id, message_id)
    return list(stored.ping_user_ids), list(stored.ping_role_ids)


def _setup(
    env: simcord.Env,
) -> tuple[simcord.GuildHandle, simcord.ChannelHandle, simcord.MemberActor]:
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    return guild, channel, guild.add_member(env.create_user("ann"))


async def test_a_low_check_in_offers_coping_and_a_consultant(env: simcord.Env) -> None:
    _, channel, member = _setup(env)

    result = await member.slash(channel, "checkin", mood=2, craving=8, note=SENTINEL)

    assert result.ephemeral
    text = _text(result.response.embeds[0])
    assert "/coping" in text
    assert "/crisis" in text
    assert top_line(the_bot(env).crisis) in text  # the top crisis line itself, not only a pointer
    assert "988" in text
    assert "2/5" in text
    assert "8/10" in text
    assert SENTINEL not in text
    assert _custom_ids(result.response.components) == [
        "care:tip:cravings",
        "safety-plan:show",
        "consult:start",
    ]

    # The safety plan's button is a real button: with no plan yet, it says how to make one.
    plan = await member.click(result.response, custom_id="safety-plan:show")
    assert plan.ephemeral
    assert "/safety-plan edit" in _text(plan.response.embeds[0])

    # The coping button is a real button: the care feature answers it with a cravings tip.
    tip = await member.click(result.response, custom_id="care:tip:cravings")
    assert tip.response.ephemeral  # the private check-in reply now shows the tip
    cravings = the_bot(env).care.coping.topics["cravings"]
    assert tip.response.embeds[0].title.startswith(f"{cravings.title}: ")
    assert "Idea 1 of" in _text(tip.response.embeds[0])

    bot = the_bot(env)
    await bot.close_database()
    path: Path = bot.settings.database_path
    raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert SENTINEL.encode() not in raw


async def test_a_low_mood_without_strong_cravings_offers_a_stress_tip(env: simcord.Env) -> None:
    _, channel, member = _setup(env)

    result = await member.slash(channel, "checkin", mood=1, craving=3)

    button = "care:tip:stress"
    assert _custom_ids(result.response.components) == [button, "safety-plan:show", "consult:start"]
    tip = await member.click(result.response, custom_id=button)
    stress = the_bot(env).care.coping.topics["stress"]
    assert tip.response.embeds[0].title.startswith(f"{stress.title}: ")


async def test_a_low_check_in_in_a_dm_offers_coping_and_crisis_not_a_consultant_button(
    env: simcord.Env,
) -> None:
    user = env.create_user("dm")

    result = await user.slash("checkin", mood=1, craving=9)

    assert result.ephemeral
    text = _text(result.response.embeds[0])
    assert "/crisis" in text
    assert top_line(the_bot(env).crisis) in text
    assert "/consult` inside the group's server" in text
    # The consultation queue lives in a server: no button here that could only say "not here".
    assert _custom_ids(result.response.components) == ["care:tip:cravings", "safety-plan:show"]
    tip = await user.click(result.response, custom_id="care:tip:cravings")
    cravings = the_bot(env).care.coping.topics["cravings"]
    assert tip.response.embeds[0].title.startswith(f"{cravings.title}: ")


async def test_a_consultant_button_pressed_in_a_dm_shows_crisis_lines(env: simcord.Env) -> None:
    # /iop's "is it for me?" reflection works in a DM and ends with a consultant button.
    user = env.create_user("dm")
    message = (await user.slash("iop", topic="is-it-for-me")).response
    for _ in range(len(the_bot(env).care.iop.fit.questions)):
        message = (await user.click(message, label="No")).response
    assert "consult:start" in _custom_ids(message.components)

    refused = await user.click(message, custom_id="consult:start")

    assert refused.ephemeral
    assert "inside the group's server" in refused.response.content
    crisis = the_bot(env).crisis
    assert [embed.title for embed in refused.response.embeds] == [crisis.title]
    assert "988" in _text(refused.response.embeds[0])
    assert refused.modal is None


async def test_a_good_day_gets_no_alarm(env: simcord.Env) -> None:
    _, channel, member = _setup(env)

    result = await member.slash(channel, "checkin", mood=5)

    assert result.ephemeral
    assert "better" in _text(result.response.embeds[0])
    assert top_line(the_bot(env).crisis) not in _text(result.response.embeds[0])
    assert result.response.components == []


async def test_history_is_a_private_chart_with_averages_and_streak(env: simcord.Env) -> None:
    _, channel, member = _setup(env)
    # Three earlier days, written as they would have been (simulated time starts 2026-01-01).
    service = CheckinService(the_bot(env).db, the_bot(env).cipher)
    for days_ago, mood in ((3, 2), (2, 3), (1, 4)):
        await service.record(
            member.id,
            mood=mood,
            craving=5 - mood,
            note=None,
            now=env.now() - dt.timedelta(days=days_ago),
            zone=ZoneInfo("UTC"),
        )

    result = await member.slash(channel, "checkin-history")

    assert result.ephemeral
    text = _text(result.response.embeds[0])
    assert "Your last 14 days" in text
    assert [a.filename for a in result.response.attachments] == ["checkins.png"]  # see
    # tests/test_checkin_chart.py for the picture, and for the sparkline without Pillow
    assert "3.0 / 5" in text
    assert "2.0 / 10" in text
    assert "3 on 3 of 14 days" in text
    assert "3 days in a row" in text
    assert "missed" not in text.lower()

    longer = await member.slash(channel, "checkin-history", days=30)
    assert "Your last 30 days" in _text(longer.response.embeds[0])


async def test_history_with_nothing_yet_is_gentle(env: simcord.Env) -> None:
    user = env.create_user("new")
    result = await user.slash("checkin-history")
    assert "Whenever you're ready" in _text(result.response.embeds[0])


async def test_check_ins_work_in_a_dm(env: simcord.Env) -> None:
    user = env.create_user("dm")
    result = await user.slash("checkin", mood=3)
    assert result.ephemeral
    assert "Check-in saved" in _text(result.response.embeds[0])


async def test_milestone_set_show_share_reset(env: simcord.Env, settings: Settings) -> None:
    _guild, channel, member = _setup(env)
    # Simulated time starts on 2026-01-01 (UTC).
    future = await member.slash(channel, "milestone set", date="2026-01-02")
    assert "future" in future.response.content
    bad = await member.slash(channel, "milestone set", date="2025-02-30")
    assert "not a real calendar date" in bad.response.content
    none = await member.slash(channel, "milestone show")
    assert "haven't set" in none.response.content

    saved = await member.slash(
        channel, "milestone set", date="2025-12-02", label="alcohol", timezone="America/New_York"
    )
    assert saved.ephemeral
    # 2026-01-01 00:00 UTC is still 31 December in New York: 29 days.
    text = _text(saved.response.embeds[0])
    assert "29 days (alcohol)" in text
    assert "30 days on 2026-01-01 (1 day to go)" in text
    assert "America/New_York" in text

    await restart(env, settings)
    shown = await member.slash(channel, "milestone show")
    assert "29 days" in _text(shown.response.embeds[0])

    shared = await member.slash(channel, "milestone share")
    assert not shared.ephemeral
    assert "29 days" in shared.response.content
    assert "alcohol" not in shared.response.content
    assert member.mention in shared.response.content
    assert _pings(env, shared.response.channel_id, shared.response.id) == ([], [])

    reset = await member.slash(channel, "milestone reset")
    assert reset.ephemeral
    reset_text = _text(reset.response.embeds[0])
    assert "courage" in reset_text
    assert "/coping" in reset_text
    assert top_line(the_bot(env).crisis) in reset_text  # a reset is after a slip: the line inline
    assert _custom_ids(reset.response.components) == ["consult:start"]
    after = await member.slash(channel, "milestone show")
    assert "0 days" in _text(after.response.embeds[0])

    cleared = await member.slash(channel, "milestone clear")
    assert "Deleted" in cleared.response.content
    rows = await the_bot(env).db.fetchall("SELECT * FROM milestones")
    assert rows == []


async def test_opted_in_milestones_are_celebrated_once_in_the_members_time_zone(
    env: simcord.Env,
) -> None:
    guild, channel, member = _setup(env)
    cheers = guild.create_text_channel("cheers")
    quiet = guild.add_member(env.create_user("quiet"))
    await the_bot(env).services.configs.update(guild.id, env.now(), celebrate_channel_id=cheers.id)
    # Simulated time starts at 2026-01-01 00:00 UTC, which is 23:00 on 31 December in the
    # Azores (UTC-1): day 6 there. Local midnight, one hour later, is day 7.
    zone = "Atlantic/Azores"
    await member.slash(channel, "milestone set", date="2025-12-25", timezone=zone)
    await quiet.slash(channel, "milestone set", date="2025-12-25", timezone=zone)  # not opted in
    on = await member.slash(channel, "milestone celebrate", choice="on")
    assert f"<#{cheers.id}>" in on.response.content

    await env.advance_time(30 * 60)
    assert cheers.history() == []  # nothing already passed is posted
    await env.advance_time(31 * 60)

    posted = cheers.history()
    assert len(posted) == 1
    assert "7 days" in posted[0].content
    assert member.mention in posted[0].content
    assert quiet.mention not in posted[0].content
    assert _pings(env, cheers.id, posted[0].id) == ([], [])  # shown, not pinged

    await env.advance_time(30 * 60)
    await env.advance_time(31 * 60)
    assert len(cheers.history()) == 1

    off = await member.slash(channel, "milestone celebrate", choice="off")
    assert "private" in off.response.content
