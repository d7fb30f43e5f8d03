"""A copy of a request's private thread, made on request and never stored.

The cog reads the thread's messages from Discord at the moment someone asks, turns each into an
``Entry`` (plain values, no discord objects) and calls ``render``: the copy is built in memory
as UTF-8 text, sent to the person by DM and forgotten. Nothing here touches the disk or the
database. ``CopyLimit`` is the rate limit (one copy per request per person every
``COOLDOWN``), kept in memory: a restart forgets it.

This module never imports discord.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.text import clean

MAX_MESSAGES = 2000
"""The most messages read from a thread: its last ones."""
MAX_BYTES = 7_500_000
"""The largest file sent: under Discord's 8 MB attachment limit for a DM, with room to spare."""
COOLDOWN = dt.timedelta(minutes=10)
"""One copy of a request per person this often."""

_RULE = "-" * 60


@dataclass(frozen=True)
class Entry:
    """One message of the thread, as plain values."""

    at: dt.datetime
    author: str
    text: str = ""
    attachments: Sequence[str] = ()
    """The attachments' URLs (on Discord's servers: they stay there, not here)."""
    embeds: Sequence[str] = ()
    """The text of the bot's own embeds (title, description, fields), one string each."""
    edited: bool = False
    from_bot: bool = False

    @property
    def blank(self) -> bool:
        """Nothing to show: no text, attachment or embed."""
        return not self.text.strip() and not self.attachments and not self.embeds


def unreadable(entries: Sequence[Entry]) -> bool:
    """Whether Discord hid what people wrote: a message from someone other than a bot with
    nothing in it at all. Discord sends nothing empty, so that is the mark of a bot whose
    Message Content intent is off in the Developer Portal: every such message comes back
    blank (the bot's own messages, and those that mention it, are still readable)."""
    return any(entry.blank and not entry.from_bot for entry in entries)


@dataclass(frozen=True)
class Transcript:
    """The file's bytes, and how much of the thread they hold."""

    data: bytes
    shown: int
    """How many entries are in the file."""
    cut: bool
    """True when the file stops before the thread does (a note at its end says so)."""


def stamp(moment: dt.datetime, zone: ZoneInfo | None) -> str:
    """``2026-12-01 14:03 UTC``, with the reader's own time after it when their zone is known
    and is not UTC: ``2026-12-01 14:03 UTC (2026-12-01 09:03 America/New_York)``."""
    utc = moment.astimezone(dt.UTC)
    text = utc.strftime("%Y-%m-%d %H:%M UTC")
    if zone is None or zone.key == "UTC":
        return text
    local = moment.astimezone(zone)
    return f"{text} ({local.strftime('%Y-%m-%d %H:%M')} {zone.key})"


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())


def _block(entry: Entry, zone: ZoneInfo | None) -> str:
    edited = " (edited)" if entry.edited else ""
    lines = [f"[{stamp(entry.at, zone)}] {clean(entry.author) or 'Someone'}{edited}:"]
    if entry.text.strip():
        lines.append(_indent(clean(entry.text)))
    for embed in entry.embeds:
        if embed.strip():
            lines.append(_indent(clean(embed)))
    lines += [f"    Attachment: {clean(url)}" for url in entry.attachments]
    if len(lines) == 1:
        lines.append("    (no text)")
    return "\n".join(lines) + "\n\n"


def render(
    entries: Sequence[Entry],
    *,
    title: str,
    reader: str,
    made_at: dt.datetime,
    zone: ZoneInfo | None,
    earlier: bool = False,
    max_bytes: int = MAX_BYTES,
) -> Transcript:
    """The copy as UTF-8 text: a header, then each entry in order, oldest first.

    ``earlier`` says the thread holds older messages than these (only the last
    ``MAX_MESSAGES`` are read). The file never exceeds ``max_bytes``: the oldest entries that
    would not fit are left out. Either way a note under the header says the copy starts part
    way through, and how much is left out.
    """
    when = "Times are in UTC" + (
        f", with {zone.key} in brackets." if zone is not None and zone.key != "UTC" else "."
    )
    head = (
        f"{clean(title)}\n"
        f"Made {stamp(made_at, zone)} for {clean(reader) or 'you'}. {when}\n"
        "This copy was made from Discord when you asked for it and sent only to you; the bot "
        "keeps no copy.\n"
        f"{_RULE}\n\n"
    ).encode()
    blocks = [_block(entry, zone).encode() for entry in entries]
    count = len(blocks)
    # The longest note and ending there can be, so that they always fit.
    reserve = max(len(_note(n, count, earlier=True).encode()) for n in (0, count))
    reserve += len(_ending(count).encode())
    budget = max_bytes - len(head) - reserve
    kept: list[bytes] = []
    used = 0
    for block in reversed(blocks):  # the newest first: the oldest are left out
        if used + len(block) > budget:
            break
        kept.append(block)
        used += len(block)
    kept.reverse()
    shown = len(kept)
    return Transcript(
        head
        + _note(shown, count, earlier=earlier).encode()
        + b"".join(kept)
        + _ending(shown).encode(),
        shown=shown,
        cut=shown < count or earlier,
    )


def _note(shown: int, total: int, *, earlier: bool) -> str:
    """Under the header, when the copy starts part way through the conversation."""
    if shown < total:
        left = total - shown
        before = "the one before them" if left == 1 else f"the {left:,} before them"
        before += " (and older ones) are" if earlier else (" is" if left == 1 else " are")
        return (
            "The conversation is too long for one file: this copy holds its last "
            f"{_messages(shown)}; {before} still in the thread on Discord.\n\n"
        )
    if earlier:
        return (
            f"The conversation is very long: this copy holds its last {_messages(shown)}; the "
            "older ones are still in the thread on Discord.\n\n"
        )
    return ""


def _ending(shown: int) -> str:
    return f"{_RULE}\nEnd of the copy ({_messages(shown)}).\n"


def _messages(count: int) -> str:
    return f"{count:,} message" + ("" if count == 1 else "s")


class CopyLimit:
    """One copy per ``key`` (a request and a person) every ``cooldown``, in memory.

    ``take`` checks and notes a copy in one step (no await between them, so two presses at once
    cannot both pass); ``give_back`` undoes it when the copy could not be sent.
    """

    def __init__(self, cooldown: dt.timedelta = COOLDOWN) -> None:
        self.cooldown = cooldown
        self._last: dict[Hashable, dt.datetime] = {}

    def take(self, key: Hashable, now: dt.datetime) -> dt.datetime | None:
        """None when a copy may be made now (and it is noted); otherwise when the next may."""
        self._last = {k: at for k, at in self._last.items() if now - at < self.cooldown}
        last = self._last.get(key)
        if last is not None:
            return last + self.cooldown
        self._last[key] = now
        return None

    def give_back(self, key: Hashable, now: dt.datetime) -> None:
        """Forget the copy ``take`` noted at ``now`` (it was never sent)."""
        if self._last.get(key) == now:
            del self._last[key]
