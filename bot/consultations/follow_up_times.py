"""When a follow-up is due: the few ways staff may type a time, read in a time zone.

Domain only (no ``discord`` import). ``parse_when`` reads what was typed in the zone given
(the member's when the bot knows it, else the server's) and returns the moment in UTC;
``check_bounds`` refuses a moment that is not in the future or more than ``MAX_DAYS_AHEAD``
days away. Every refusal is one kind sentence with an example, and says nothing was booked.

What is read (spaces and capitals do not matter):

* ``2026-12-05 14:00`` (also ``2026-12-05T14:00``): a date and a 24-hour time;
* ``today 18:30``, ``tomorrow 14:00`` (``at`` may come before the time);
* ``in 3 days``, ``in 2 weeks``, ``in 4 hours``: from now, to the second.

A time the clocks skip in that zone (the hour that goes missing in spring) is refused; one
that happens twice (in autumn) is the first of the two.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from bot.errors import UserFacingError
from bot.text import TextField, sanitise_required
from bot.timezones import load_zone

MAX_DAYS_AHEAD = 90
"""The furthest ahead a follow-up can be booked (days): exactly this far is allowed."""
WHEN_LIMIT = 40
"""The longest time text read (characters); anything longer is not one of the forms."""
EXAMPLES = "`2026-12-05 14:00`, `tomorrow 14:00` or `in 3 days`"
WHEN = TextField("time", WHEN_LIMIT, required=True, one_line=True)
"""The typed time passes the text boundary (``bot.text``) before it is read."""

_DATE_TIME = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?: |t| at )(\d{1,2}):(\d{2})")
_DAY_TIME = re.compile(r"(today|tomorrow)(?: at)? (\d{1,2}):(\d{2})")
_RELATIVE = re.compile(r"in (\d{1,4}) (hour|day|week)s?")
_UNITS = {"hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1), "week": dt.timedelta(weeks=1)}


class FollowUpTimeError(UserFacingError):
    """A follow-up's time that can't be read, or is out of bounds."""


def _unreadable(zone_name: str) -> FollowUpTimeError:
    return FollowUpTimeError(
        f"I couldn't read that time. Please write it like {EXAMPLES} (in {zone_name}). "
        "Nothing was booked."
    )


def _local(
    year: int, month: int, day: int, hour: int, minute: int, zone: ZoneInfo, zone_name: str
) -> dt.datetime:
    """That wall-clock time in ``zone``, in UTC; refused when it isn't a real date or time, or
    the clocks skip it there."""
    if hour > 23 or minute > 59:
        raise FollowUpTimeError(
            "That isn't a time of day: please use the 24-hour clock, from 00:00 to 23:59. "
            "Nothing was booked."
        )
    try:
        wall = dt.datetime(year, month, day, hour, minute)
    except ValueError:
        raise FollowUpTimeError(
            "That date doesn't exist: please check the day and the month. Nothing was booked."
        ) from None
    moment = wall.replace(tzinfo=zone)
    if moment.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise FollowUpTimeError(
            f"The clocks change then in {zone_name}, so {hour:02d}:{minute:02d} doesn't happen "
            "that day. Please pick another time. Nothing was booked."
        )
    return moment.astimezone(dt.UTC)


def parse_when(text: str, zone_name: str, now: dt.datetime) -> dt.datetime:
    """The moment ``text`` names, read in the zone ``zone_name`` (an IANA name), in UTC."""
    zone = load_zone(zone_name)
    typed = sanitise_required(text, WHEN).casefold()
    if found := _DATE_TIME.fullmatch(typed):
        year, month, day, hour, minute = (int(part) for part in found.groups())
        return _local(year, month, day, hour, minute, zone, zone_name)
    if found := _DAY_TIME.fullmatch(typed):
        today = now.astimezone(zone).date()
        date = today + dt.timedelta(days=1 if found[1] == "tomorrow" else 0)
        return _local(
            date.year, date.month, date.day, int(found[2]), int(found[3]), zone, zone_name
        )
    if found := _RELATIVE.fullmatch(typed):
        count = int(found[1])
        if count == 0:
            raise FollowUpTimeError(
                f"A follow-up needs to be at least a little while away: try {EXAMPLES}. "
                "Nothing was booked."
            )
        return now.astimezone(dt.UTC) + count * _UNITS[found[2]]
    raise _unreadable(zone_name)


def check_bounds(due: dt.datetime, now: dt.datetime) -> None:
    """Refuse a moment that is now or past, or more than ``MAX_DAYS_AHEAD`` days away."""
    if due <= now:
        raise FollowUpTimeError(
            "That time has already passed. Please pick a time later than now, like "
            f"{EXAMPLES}. Nothing was booked."
        )
    if due > now + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise FollowUpTimeError(
            f"A follow-up can be booked up to {MAX_DAYS_AHEAD} days ahead. Please pick an "
            "earlier time; you can book another one later. Nothing was booked."
        )
