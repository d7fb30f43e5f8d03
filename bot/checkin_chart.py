"""A member's check-ins as a PNG chart, and the same numbers as text for screen readers.

Drawn with Pillow, imported lazily (``_import_pillow``): without it ``render_png`` returns
``None`` and the history keeps its text sparkline. Pillow rather than matplotlib: it was
already locked (SimCord's preview uses it), matplotlib depends on Pillow itself and adds numpy
besides, Pillow's modules import in about 15 ms, and it draws this chart well inside the
150 ms budget (``benchmarks/chart.py``). Rendering is CPU work, so the cog runs it off the
event loop.

The picture is an opaque dark card, so it reads the same in Discord's dark and light themes:
light text (#E8EBF2 on #1E2330, contrast about 14:1), and two colours told apart by more
than hue (sky blue circles for mood, orange squares for craving, each in its own panel with
its own scale). A day without a check-in is a gap: no point, and no line across it.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from bot import limits
from bot.checkins import CRAVING_MAX, CRAVING_MIN, MOOD_MAX, MOOD_MIN, DaySummary, History

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 1000, 660
"""Pixels: wide enough to stay sharp on a phone, which shows it about 350 points wide."""
FILENAME = "checkins.png"

BACKGROUND = (30, 35, 48)
PANEL = (40, 46, 62)
GRID = (72, 80, 100)
TEXT = (232, 235, 242)
MUTED = (178, 186, 204)
MOOD_COLOUR = (110, 198, 255)
CRAVING_COLOUR = (255, 170, 70)

_LEFT, _RIGHT = 64, WIDTH - 24
_PANELS = ((92, 318), (384, 560))
"""Top and bottom of the mood panel, then of the craving panel."""
_TICK_STEP = {14: 2, 30: 5, 90: 15}


def _import_pillow() -> tuple[ModuleType, ModuleType, ModuleType]:
    """Pillow's Image, ImageDraw and ImageFont (raises ImportError when it is not installed)."""
    from PIL import Image, ImageDraw, ImageFont

    return Image, ImageDraw, ImageFont


def available() -> bool:
    try:
        _import_pillow()
    except ImportError:
        return False
    return True


# ----------------------------------------------------------------------------- text


def number(value: float) -> str:
    """``3`` for a whole number, ``3.5`` otherwise (a day's average of several check-ins)."""
    rounded = round(value, 1)
    return f"{rounded:.0f}" if rounded == int(rounded) else f"{rounded:.1f}"


def day_label(day: DaySummary) -> str:
    return f"{day.day.day} {day.day:%b}"


def _day_entry(day: DaySummary) -> str:
    if day.mood is None:
        return f"{day_label(day)}: no check-in"
    entry = f"{day_label(day)}: mood {number(day.mood)}"
    if day.craving is not None:
        entry += f", craving {number(day.craving)}"
    return entry


def _daily(days: Sequence[DaySummary]) -> list[str]:
    """One entry per day, a run of days without a check-in folded into one entry."""
    entries: list[str] = []
    index = 0
    while index < len(days):
        end = index
        while days[index].mood is None and end + 1 < len(days) and days[end + 1].mood is None:
            end += 1
        if end > index:
            entries.append(f"{day_label(days[index])} to {day_label(days[end])}: no check-ins")
        else:
            entries.append(_day_entry(days[index]))
        index = end + 1
    return entries


def _weekly(days: Sequence[DaySummary]) -> list[str]:
    """One entry per week (counted back from today), with that week's averages."""
    entries: list[str] = []
    start = len(days) % 7
    chunks = ([days[:start]] if start else []) + [
        days[i : i + 7] for i in range(start, len(days), 7)
    ]
    for chunk in chunks:
        span = f"{day_label(chunk[0])} to {day_label(chunk[-1])}"
        moods = [d.mood for d in chunk if d.mood is not None]
        cravings = [d.craving for d in chunk if d.craving is not None]
        if not moods:
            entries.append(f"{span}: no check-ins")
            continue
        entry = f"{span}: mood {number(sum(moods) / len(moods))} on {len(moods)} days"
        if cravings:
            entry += f", craving {number(sum(cravings) / len(cravings))}"
        entries.append(entry)
    return entries


def describe(history: History, limit: int = limits.ATTACHMENT_DESCRIPTION) -> str:
    """The chart in words, within ``limit`` characters: every day's numbers when they fit,
    else each week's averages, else as many weeks as fit and a pointer to the averages."""
    days = history.days
    opening = (
        f"Chart of your check-ins, {day_label(days[0])} to {day_label(days[-1])}. "
        f"Mood is {MOOD_MIN} to {MOOD_MAX}, craving {CRAVING_MIN} to {CRAVING_MAX}. "
    )
    for heading, entries in (("By day: ", _daily(days)), ("Weekly averages: ", _weekly(days))):
        text = opening + heading + "; ".join(entries) + "."
        if len(text) <= limit:
            return text
    closing = ". The averages are in the message."
    kept: list[str] = []
    for entry in entries:
        if len(opening + heading + "; ".join([*kept, entry]) + closing) > limit:
            break
        kept.append(entry)
    return opening + heading + "; ".join(kept) + closing


# ----------------------------------------------------------------------------- picture


@dataclass(frozen=True)
class _Series:
    values: Sequence[float | None]
    low: int
    high: int
    step: int
    colour: tuple[int, int, int]
    square: bool
    title: str
    top: int
    bottom: int

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)


def _x(index: int, count: int) -> float:
    return _LEFT + (index + 0.5) * (_RIGHT - _LEFT) / count


def _fonts(image_font: ModuleType) -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont]:
    load: Callable[..., ImageFont.FreeTypeFont] = image_font.load_default
    return load(size=30), load(size=22)


def _draw_series(draw: ImageDraw.ImageDraw, series: _Series, small: ImageFont.FreeTypeFont) -> None:
    count = len(series.values)
    draw.rectangle((_LEFT, series.top - 8, _RIGHT, series.bottom + 8), fill=PANEL)
    draw.text((_LEFT, series.top - 44), series.title, fill=series.colour, font=small)
    for tick in range(series.low, series.high + 1, series.step):
        y = series.y(tick)
        draw.line((_LEFT, y, _RIGHT, y), fill=GRID, width=1)
        draw.text((_LEFT - 14, y), str(tick), fill=MUTED, font=small, anchor="rm")
    width = 5 if count <= 30 else 3
    radius = 8 if count <= 14 else 6 if count <= 30 else 4
    run: list[tuple[float, float]] = []
    points: list[tuple[float, float]] = []
    for index, value in enumerate([*series.values, None]):
        if value is None:
            if len(run) > 1:
                draw.line(run, fill=series.colour, width=width, joint="curve")
            run = []
            continue
        point = (_x(index, count), series.y(value))
        run.append(point)
        points.append(point)
    for x, y in points:
        box = (x - radius, y - radius, x + radius, y + radius)
        if series.square:
            draw.rectangle(box, fill=series.colour, outline=BACKGROUND, width=2)
        else:
            draw.ellipse(box, fill=series.colour, outline=BACKGROUND, width=2)


def render_png(history: History) -> bytes | None:
    """The chart as PNG bytes, ``WIDTH`` × ``HEIGHT``; ``None`` when Pillow is not installed.

    Pure CPU work and blocking: call it through ``asyncio.to_thread``.
    """
    try:
        image_module, draw_module, font_module = _import_pillow()
    except ImportError:
        log.info("checkin.chart_unavailable reason=no_pillow")
        return None
    days = history.days
    count = len(days)
    big, small = _fonts(font_module)
    image = image_module.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = draw_module.Draw(image)
    draw.text(
        (_LEFT - 40, 14),
        f"Your check-ins, {day_label(days[0])} to {day_label(days[-1])}",
        fill=TEXT,
        font=big,
    )
    (mood_top, mood_bottom), (craving_top, craving_bottom) = _PANELS
    for series in (
        _Series(
            [d.mood for d in days], MOOD_MIN, MOOD_MAX, 1, MOOD_COLOUR, False,
            "Mood: 1 really hard, 5 great", mood_top, mood_bottom,
        ),
        _Series(
            [d.craving for d in days], CRAVING_MIN, CRAVING_MAX, 2, CRAVING_COLOUR, True,
            "Craving: 0 none, 10 overwhelming", craving_top, craving_bottom,
        ),
    ):  # fmt: skip
        _draw_series(draw, series, small)
    step = _TICK_STEP.get(count, max(1, math.ceil(count / 7)))
    for index in range(count):
        x = _x(index, count)
        labelled = (count - 1 - index) % step == 0
        draw.line((x, craving_bottom + 8, x, craving_bottom + (18 if labelled else 13)), fill=MUTED)
        if labelled:
            label = "today" if index == count - 1 else day_label(days[index])
            draw.text((x, craving_bottom + 22), label, fill=TEXT, font=small, anchor="ma")
    draw.text(
        (_LEFT - 40, HEIGHT - 40),
        "A gap means no check-in that day.",
        fill=MUTED,
        font=small,
    )
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=6)
    return out.getvalue()
