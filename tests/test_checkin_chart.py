"""/checkin-history's PNG chart through SimCord: a valid picture of the right size, its numbers
as alt text, gaps for days without a check-in, and the text sparkline when Pillow is absent."""

from __future__ import annotations

import datetime as dt
import io
import struct
from zoneinfo import ZoneInfo

import pytest
import simcord
from PIL import Image

from bot import checkin_chart, limits
from bot.checkin_chart import CRAVING_COLOUR, HEIGHT, MOOD_COLOUR, WIDTH, describe
from bot.checkins import CheckinService, DaySummary, History
from tests.helpers import text_of, the_bot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk, which must come first."""
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def seed(env: simcord.Env, user_id: int, entries: dict[int, tuple[int, int | None]]) -> None:
    """Check-ins ``days_ago -> (mood, craving)``, written as they would have been."""
    service = CheckinService(the_bot(env).db, the_bot(env).cipher)
    for days_ago, (mood, craving) in entries.items():
        await service.record(
            user_id,
            mood=mood,
            craving=craving,
            note=None,
            now=env.now() - dt.timedelta(days=days_ago),
            zone=ZoneInfo("UTC"),
        )


def member(env: simcord.Env) -> tuple[simcord.ChannelHandle, simcord.MemberActor]:
    guild = env.create_guild()
    return guild.create_text_channel("general"), guild.add_member(env.create_user("ann"))


def has_colour(image: Image.Image, x: int, top: int, bottom: int, colour: object) -> bool:
    """Whether any pixel of column ``x`` between ``top`` and ``bottom`` has ``colour``."""
    return any(image.getpixel((x, y)) == colour for y in range(top, bottom + 1))


def column(index: int, count: int) -> int:
    return round(checkin_chart._x(index, count))


async def test_history_attaches_a_png_chart_with_its_numbers_as_alt_text(
    env: simcord.Env,
) -> None:
    channel, ann = member(env)
    await seed(env, ann.id, {5: (2, 8), 4: (3, None), 2: (4, 3), 1: (5, 1)})

    result = await ann.slash(channel, "checkin-history")

    assert result.ephemeral
    response = result.response
    assert response is not None
    [attachment] = response.attachments
    assert attachment.filename == "checkins.png"
    data = await attachment.read()
    assert png_size(data) == (WIDTH, HEIGHT)
    assert data.endswith(b"IEND\xaeB`\x82")
    alt = attachment.description
    assert alt is not None
    assert len(alt) <= limits.ATTACHMENT_DESCRIPTION
    assert "mood 2, craving 8" in alt
    assert "mood 3;" in alt  # no craving given that day
    assert "mood 4, craving 3" in alt
    assert "mood 5, craving 1" in alt
    assert "no check-in" in alt  # three days ago, and today
    assert "19 Dec to 26 Dec: no check-ins" in alt  # the first eight days, folded
    embed = response.embeds[0]
    assert embed.image.url is not None
    assert "checkins.png" in embed.image.url
    text = text_of(result)
    assert "a gap is a day without a check-in" in text
    assert "3.5 / 5" in text  # the averages stay in the message
    assert "```" not in text  # the picture replaces the sparkline


async def test_the_chart_leaves_a_gap_for_a_day_without_a_check_in(env: simcord.Env) -> None:
    channel, ann = member(env)
    await seed(env, ann.id, {6: (3, 5), 5: (3, 5), 3: (4, 2), 2: (4, 2)})

    result = await ann.slash(channel, "checkin-history")
    assert result.response is not None
    image = Image.open(io.BytesIO(await result.response.attachments[0].read())).convert("RGB")

    (mood_top, mood_bottom), (craving_top, craving_bottom) = checkin_chart._PANELS
    count = 14
    for days_ago in (6, 5, 3, 2):
        x = column(count - 1 - days_ago, count)
        assert has_colour(image, x, mood_top, mood_bottom, MOOD_COLOUR)
        assert has_colour(image, x, craving_top, craving_bottom, CRAVING_COLOUR)
    for days_ago in (4, 1, 0, 10):  # nothing drawn, and no line across the gap
        x = column(count - 1 - days_ago, count)
        assert not has_colour(image, x, mood_top - 8, mood_bottom + 8, MOOD_COLOUR)
        assert not has_colour(image, x, craving_top - 8, craving_bottom + 8, CRAVING_COLOUR)
    # Between two days in a row the line is drawn.
    between = (column(count - 1 - 6, count) + column(count - 1 - 5, count)) // 2
    assert has_colour(image, between, mood_top, mood_bottom, MOOD_COLOUR)
    # Opaque: the same card whatever the theme behind it.
    assert Image.open(io.BytesIO(await result.response.attachments[0].read())).mode == "RGB"


@pytest.mark.parametrize("days", [14, 30, 90])
async def test_every_period_draws_the_same_size_and_its_alt_text_fits(
    env: simcord.Env, days: int
) -> None:
    channel, ann = member(env)
    await seed(env, ann.id, {ago: (1 + ago % 5, ago % 11) for ago in range(days)})

    result = await ann.slash(channel, "checkin-history", days=days)

    assert result.response is not None
    assert f"Your last {days} days" in text_of(result)
    [attachment] = result.response.attachments
    assert png_size(await attachment.read()) == (WIDTH, HEIGHT)
    alt = attachment.description
    assert alt is not None
    assert len(alt) <= limits.ATTACHMENT_DESCRIPTION
    first = env.now().date() - dt.timedelta(days=days - 1)
    assert f"{first.day} {first:%b} to" in alt
    if days == 90:  # every day's numbers do not fit in 1,024 characters: weekly averages
        assert "Weekly averages" in alt
        assert "on 7 days" in alt
    else:
        assert "By day" in alt


async def test_a_member_with_no_check_ins_gets_kind_words_and_no_chart(env: simcord.Env) -> None:
    channel, ann = member(env)
    await seed(env, ann.id, {40: (3, 3)})  # outside the window

    result = await ann.slash(channel, "checkin-history")

    assert result.response is not None
    assert "Whenever you're ready" in text_of(result)
    assert result.response.attachments == []


async def test_without_pillow_the_history_keeps_its_text_sparkline(
    env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pillow() -> None:
        raise ImportError("No module named 'PIL'")

    monkeypatch.setattr(checkin_chart, "_import_pillow", no_pillow)
    assert not checkin_chart.available()
    channel, ann = member(env)
    await seed(env, ann.id, {3: (2, 3), 2: (3, 2), 1: (4, 1)})

    result = await ann.slash(channel, "checkin-history")

    assert result.response is not None
    assert result.response.attachments == []
    text = text_of(result)
    assert "mood    ··········▃▅▆·" in text
    assert "3.0 / 5" in text


async def test_a_chart_that_fails_to_draw_falls_back_to_the_sparkline(
    env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(history: History) -> bytes:
        raise ValueError("drawing went wrong")

    monkeypatch.setattr(checkin_chart, "render_png", broken)
    channel, ann = member(env)
    await seed(env, ann.id, {1: (4, 1)})

    result = await ann.slash(channel, "checkin-history")

    assert result.response is not None
    assert result.response.attachments == []
    assert "```" in text_of(result)


# ----------------------------------------------------------------------------- alt text


def history_of(values: list[tuple[float | None, float | None]]) -> History:
    today = dt.date(2026, 12, 4)
    days = tuple(
        DaySummary(today - dt.timedelta(days=len(values) - 1 - i), mood, craving)
        for i, (mood, craving) in enumerate(values)
    )
    return History(days, len(values), None, None, 0, ())


def test_alt_text_rounds_averages_and_folds_empty_runs() -> None:
    alt = describe(history_of([(None, None), (None, None), (3.5, 7.25), (2, None), (None, None)]))
    assert "30 Nov to 1 Dec: no check-ins" in alt
    assert "2 Dec: mood 3.5, craving 7.2" in alt
    assert "3 Dec: mood 2;" in alt
    assert "4 Dec: no check-in." in alt


def test_alt_text_that_cannot_fit_keeps_whole_weeks_and_points_to_the_averages() -> None:
    history = history_of([(4, 6)] * 90)
    alt = describe(history, limit=300)
    assert len(alt) <= 300
    assert alt.endswith("The averages are in the message.")
    assert "Weekly averages: " in alt
    assert ";" in alt or "on 7 days" in alt


def test_render_png_returns_none_without_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pillow() -> None:
        raise ImportError("No module named 'PIL'")

    monkeypatch.setattr(checkin_chart, "_import_pillow", no_pillow)
    assert checkin_chart.render_png(history_of([(3, 3)] * 14)) is None
