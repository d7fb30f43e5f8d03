"""Working hours, closures and what a request does out of hours (issue 19).

Domain only (no ``discord`` import). Each consultation type may have hours of its own
(``consult_type_hours``); a type without them, and the server's implicit default type, follow
the server's hours (``guild_config``: ``work_start_hour``, ``work_end_hour``, ``timezone``,
``hours_days``, ``hours_mode``, ``hours_oncall_role_id``). A closure (a holiday) makes every
type out of hours from its start to its end.

Out of hours a request does what its mode says: ``notice`` (accepted at once; the member is
told when staff are back, the behaviour before modes), ``hold`` (saved; no card and no ping
until staff are back, when the release loop posts it as a new request) or ``route`` (its card
pings the on-call role instead of the staff role). An urgent request is never held or routed
away from the staff role: it goes through at once with every ping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.errors import UserFacingError
from bot.guild_config import GuildConfig

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOSURE_MESSAGE = 300
"""The longest closure message (characters), as the database's CHECK says."""
MAX_CLOSURES = 20
"""The most closed periods one server may have set at once (ended ones don't count)."""


class HoursMode(StrEnum):
    NOTICE = "notice"
    HOLD = "hold"
    ROUTE = "route"


MODE_LABELS: dict[HoursMode, str] = {
    HoursMode.NOTICE: "accept with a notice",
    HoursMode.HOLD: "hold until opening",
    HoursMode.ROUTE: "route to the on-call role",
}


@dataclass(frozen=True)
class Hours:
    """When one kind of request is staffed. ``start_hour``/``end_hour`` None: always open
    (a closure can still close it). ``end_hour`` before ``start_hour`` runs past midnight;
    ``days`` are the days an opening can start on (Monday = 0), every day when empty."""

    start_hour: int | None = None
    end_hour: int | None = None
    days: frozenset[int] = frozenset()
    timezone: str | None = None
    mode: HoursMode = HoursMode.NOTICE
    oncall_role_id: int | None = None
    own: bool = False
    """Set for a type (True) or the server's, which a type without its own follows."""

    @property
    def set(self) -> bool:
        return self.start_hour is not None and self.end_hour is not None

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "UTC")

    def _open_day(self, day: int) -> bool:
        return not self.days or day in self.days

    def is_open(self, now: dt.datetime) -> bool:
        if self.start_hour is None or self.end_hour is None:
            return True
        local = now.astimezone(self.zone())
        start, end, hour = self.start_hour, self.end_hour, local.hour
        if start == end:  # all day, on the open days
            return self._open_day(local.weekday())
        if start < end:
            return start <= hour < end and self._open_day(local.weekday())
        if hour >= start:
            return self._open_day(local.weekday())
        # after midnight: part of the opening that started the day before
        return hour < end and self._open_day((local.weekday() - 1) % 7)

    def opens_at(self, now: dt.datetime) -> dt.datetime | None:
        """The next opening after ``now`` (UTC), or None when open now or always open."""
        if self.start_hour is None or self.is_open(now):
            return None
        local = now.astimezone(self.zone())
        for ahead in range(8):
            day = (local + dt.timedelta(days=ahead)).date()
            if not self._open_day(day.weekday()):
                continue
            opening = dt.datetime.combine(
                day, dt.time(self.start_hour), tzinfo=self.zone()
            ).astimezone(dt.UTC)
            if opening > now:
                return opening
        return None  # no open day at all: never reached by hours that validate


@dataclass(frozen=True)
class Closure:
    """A closed period of a server (a holiday), with what members are told."""

    id: int
    guild_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    message: str

    def covers(self, now: dt.datetime) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True)
class OutOfHours:
    """A request made now is out of hours: staff are back at ``back_at`` (None: not known,
    e.g. hours with no open day), ``closure`` is the closed period now, ``mode`` what to do."""

    back_at: dt.datetime | None
    closure: Closure | None
    mode: HoursMode
    oncall_role_id: int | None


def server_hours(config: GuildConfig) -> Hours:
    """The server's own hours (and the default type's)."""
    return Hours(
        config.work_start_hour,
        config.work_end_hour,
        parse_days(config.hours_days),
        config.timezone,
        HoursMode(config.hours_mode),
        config.hours_oncall_role_id,
    )


def out_of_hours(hours: Hours, closures: Sequence[Closure], now: dt.datetime) -> OutOfHours | None:
    """Whether a request made at ``now`` is out of hours (None: staff are on duty)."""
    closure = next((c for c in closures if c.covers(now)), None)
    if closure is None and hours.is_open(now):
        return None
    back: dt.datetime | None = now
    for _ in range(len(closures) + 2):  # step past closures and closed hours in turn
        assert back is not None
        during = next((c for c in closures if c.covers(back)), None)
        if during is not None:
            back = during.ends_at
            continue
        if hours.is_open(back):
            break
        back = hours.opens_at(back)
        if back is None:
            break
    return OutOfHours(back, closure, hours.mode, hours.oncall_role_id)


def parse_days(text: str | None) -> frozenset[int]:
    """Stored days ("01234") to weekday numbers."""
    return frozenset(int(ch) for ch in text or "")


def store_days(days: Iterable[int]) -> str | None:
    joined = "".join(str(d) for d in sorted(set(days)))
    return joined or None


def read_days(typed: str) -> frozenset[int]:
    """What an admin typed ("mon-fri", "mon,wed,fri", "sat sun", "every day") as weekdays."""
    text = typed.strip().lower().replace(" ", ",")
    if text in ("", "every,day", "everyday", "all", "daily"):
        return frozenset()
    days: set[int] = set()
    try:
        for part in filter(None, text.split(",")):
            if "-" in part:
                first, last = (DAY_NAMES.index(p.strip()[:3]) for p in part.split("-", 1))
                span = (last - first) % 7
                days.update((first + n) % 7 for n in range(span + 1))
            else:
                days.add(DAY_NAMES.index(part[:3]))
    except ValueError:
        raise UserFacingError(
            "I couldn't read those days. Use day names like `mon-fri`, `mon,wed,fri` or "
            "`sat,sun` (or leave it out for every day)."
        ) from None
    return frozenset(days)


def describe_days(days: frozenset[int]) -> str:
    if not days or len(days) == 7:
        return "every day"
    return ", ".join(DAY_NAMES[d].capitalize() for d in sorted(days))


def describe(hours: Hours) -> str:
    """One line for ``/setup show``: "09:00–17:00 Europe/London, Mon, Tue · hold until
    opening" (the cog adds route mode's role)."""
    if not hours.set:
        return "always open" + (f" · {MODE_LABELS[hours.mode]}" if hours.own else "")
    return (
        f"{hours.start_hour:02d}:00–{hours.end_hour:02d}:00 {hours.timezone or 'UTC'}, "
        f"{describe_days(hours.days)} · {MODE_LABELS[hours.mode]}"
    )
