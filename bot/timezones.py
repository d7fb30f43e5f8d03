"""Time zone names people may choose: canonical IANA names only, offered by autocomplete.

The accepted names are the ones the IANA time zone database lists for people to pick from: every
zone in its ``zone.tab`` (one or more per country, "Area/Location" such as ``Europe/London`` or
``America/Argentina/Buenos_Aires``), plus ``UTC``, the one non-geographic name, which is also
the default. Everything else that ``zoneinfo`` happens to know is refused: file-system entries
(``localtime``, ``posixrules``), ``Factory``, fixed offsets (``Etc/GMT+5``, ``EST``) and the
old "backward" links (``US/Eastern``, ``Asia/Calcutta``, ``GB``). For an old link the refusal
names its current zone, read from the database's own link table (``tzdata.zi``).

Typed names are matched ignoring case, with spaces standing for underscores; the stored name
is always the canonical spelling. The zone data comes from the ``tzdata`` package, so hosts
without system zone files work. Names already stored by an older version keep working: only
new input is checked here.

This module never imports discord.
"""

from __future__ import annotations

import functools
import zoneinfo
from importlib import resources

from bot.errors import UserFacingError

DEFAULT = "UTC"
MAX_CHOICES = 25
"""Discord shows at most 25 autocomplete choices."""


def _tzdata_file(name: str) -> str:
    return (resources.files("tzdata") / "zoneinfo" / name).read_text("utf-8")


@functools.cache
def canonical_names() -> tuple[str, ...]:
    """Every accepted name, sorted: the zones of ``zone.tab`` that can be loaded, and UTC."""
    listed = {
        line.split("\t")[2]
        for line in _tzdata_file("zone.tab").splitlines()
        if line.strip() and not line.startswith("#")
    }
    loadable = zoneinfo.available_timezones()
    return tuple(sorted((listed & loadable) | {DEFAULT}))


@functools.cache
def _by_folded_name() -> dict[str, str]:
    return {_fold(name): name for name in canonical_names()}


_OFFSET_NAMES = frozenset({"EST", "MST", "HST", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT"})
"""Old names for a clock offset, not a place: newer tzdata links them to one city's zone
(EST to America/Panama), which would be a misleading suggestion, so none is made."""


@functools.cache
def _current_names() -> dict[str, str]:
    """Old (backward-link) names, folded, to the accepted name they stand for today."""
    links: dict[str, str] = {}
    for line in _tzdata_file("tzdata.zi").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L":
            links[parts[2]] = parts[1]
    accepted = set(canonical_names())
    current: dict[str, str] = {}
    for old, target in links.items():
        seen = {old}
        while target not in accepted and target in links and target not in seen:
            seen.add(target)
            target = links[target]
        if target == "Etc/UTC":
            target = DEFAULT
        if target in accepted and old not in accepted and old not in _OFFSET_NAMES:
            current[_fold(old)] = target
    return current


def _fold(name: str) -> str:
    return "_".join(name.split()).casefold()


def validate_timezone(name: str) -> str:
    """The canonical spelling of a typed zone name, or a ``UserFacingError`` saying why not."""
    folded = _fold(name)
    found = _by_folded_name().get(folded)
    if found is not None:
        return found
    current = _current_names().get(folded)
    if current is not None:
        raise UserFacingError(
            f"That is an old name for a time zone: please use {current} instead. Nothing was saved."
        )
    raise UserFacingError(
        "I don't know that time zone. Pick one from the list as you type, with a name like "
        "Europe/London or America/New_York (or UTC). Nothing was saved."
    )


def load_zone(name: str) -> zoneinfo.ZoneInfo:
    """A stored zone name as a ``ZoneInfo``; names saved by older versions still load."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise UserFacingError(
            "The saved time zone is no longer known: please choose one again. Nothing was saved."
        ) from None


def suggest(typed: str, limit: int = MAX_CHOICES) -> list[str]:
    """Accepted names matching what was typed, at most ``limit``: names that start with it
    first, then those with a part (such as the city) that starts with it, then any match."""
    folded = _fold(typed)
    names = canonical_names()
    if not folded:
        return list(names[:limit])
    starts, part_starts, contains = [], [], []
    for name in names:
        key = name.casefold()
        if key.startswith(folded):
            starts.append(name)
        elif any(part.startswith(folded) for part in key.split("/")[1:]):
            part_starts.append(name)
        elif folded in key:
            contains.append(name)
    return (starts + part_starts + contains)[:limit]
