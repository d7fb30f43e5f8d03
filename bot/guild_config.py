"""Per-server configuration written by ``/setup``: which role is staff, which channels to use."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from bot.db import Database
from bot.timezones import validate_timezone


class SafetyReply(StrEnum):
    """How the safety net reaches a member: privately by DM (the default), or in the channel."""

    DM = "dm"
    CHANNEL = "channel"


@dataclass(frozen=True)
class GuildConfig:
    guild_id: int
    staff_role_id: int | None = None
    queue_channel_id: int | None = None
    consult_channel_id: int | None = None
    log_channel_id: int | None = None
    response_time_text: str | None = None
    work_start_hour: int | None = None
    work_end_hour: int | None = None
    timezone: str | None = None
    cooldown_minutes: int = 10
    hourly_cap: int = 30
    reminder_minutes: int = 30
    urgent_reminder_minutes: int = 10
    welcome_channel_id: int | None = None
    welcome_dm: bool = False
    welcome_ping: bool = False
    meetings_channel_id: int | None = None
    meeting_reminder_minutes: int = 15
    member_role_id: int | None = None
    celebrate_channel_id: int | None = None
    safety_enabled: bool = False
    safety_reply: SafetyReply = SafetyReply.DM
    claim_cap: int | None = None
    """The most requests one staff member may hold claimed at once here (None: no cap)."""
    require_oncall: bool = False
    """Claiming a request needs ``/oncall on`` first (admins are exempt)."""
    hours_days: str | None = None
    """The days the hours apply on, Monday = 0 ("01234"); None: every day."""
    hours_mode: str = "notice"
    """Out of hours: notice, hold or route (``bot.consultations.hours.HoursMode``)."""
    hours_oncall_role_id: int | None = None
    """The role route mode pings out of hours."""
    quiet_nudge_hours: int = 48
    """Hours without a message from the member in a claimed thread before the bot checks in
    (0: never; ``bot.consultations.quiet``)."""
    quiet_close_hours: int = 72
    """Hours after that check-in, with still no message from the member, before the request is
    closed as "no reply" (0: never)."""
    staff_reply_minutes: int = 0
    """Minutes a member's message waits for staff before the claimer is reminded (0: off)."""
    crisis_region: str | None = None
    """Whose crisis lines members here see first (a code from ``data/crisis.toml``; None: the
    file's default, US). A member's own choice comes before it (``bot.crisis_regions``)."""

    @property
    def consultations_ready(self) -> bool:
        """Whether the consultation queue has what it needs: a staff role and both channels."""
        return None not in (self.staff_role_id, self.queue_channel_id, self.consult_channel_id)

    @property
    def expected_response(self) -> str:
        return self.response_time_text or "Staff usually reply within a day."

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "UTC")


_COLUMNS = tuple(f.name for f in fields(GuildConfig))
_BOOLEAN = {"welcome_dm", "welcome_ping", "safety_enabled", "require_oncall"}


def _from_row(guild_id: int, row: sqlite3.Row | None) -> GuildConfig:
    if row is None:
        return GuildConfig(guild_id=guild_id)
    values: dict[str, Any] = {name: row[name] for name in _COLUMNS}
    for name in _BOOLEAN:
        values[name] = bool(values[name])
    values["safety_reply"] = SafetyReply(values["safety_reply"])
    return GuildConfig(**values)


_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM guild_config WHERE guild_id = ?"


class GuildConfigRepository:
    """Each server's configuration, read from the database once and then kept in memory.

    Every command and every message the safety net sees asks for it, so after the first read
    it costs no database trip. ``update`` is the only writer of ``guild_config`` and replaces
    the kept copy with what it committed. That holds only for the one repository
    ``bot.services`` builds: a second instance would not see the first one's changes.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._kept: dict[int, GuildConfig] = {}
        self._changes: dict[int, int] = {}
        """How many updates each server has had: a read that started before one is not kept."""

    async def get(self, guild_id: int) -> GuildConfig:
        """The server's configuration; a server never set up gets the defaults."""
        kept = self._kept.get(guild_id)
        if kept is not None:
            return kept
        changes = self._changes.get(guild_id, 0)
        config = _from_row(guild_id, await self._db.fetchone(_SELECT, (guild_id,)))
        if self._changes.get(guild_id, 0) == changes:
            self._kept[guild_id] = config
        return config

    def kept(self, guild_id: int) -> GuildConfig | None:
        """The kept copy, without a database trip (None: not read yet)."""
        return self._kept.get(guild_id)

    async def update(self, guild_id: int, now: dt.datetime, **changes: Any) -> GuildConfig:
        """Set the given columns (others keep their values) and return the new configuration."""
        unknown = set(changes) - set(_COLUMNS) - {"guild_id"}
        if unknown:
            raise ValueError(f"unknown guild_config columns: {sorted(unknown)}")
        if changes.get("timezone") is not None:
            changes["timezone"] = validate_timezone(changes["timezone"])
        if "safety_reply" in changes:
            changes["safety_reply"] = SafetyReply(changes["safety_reply"]).value
        stamp = now.isoformat()
        assignments = ", ".join(f"{name} = ?" for name in changes)
        values = [int(v) if isinstance(v, bool) else v for v in changes.values()]

        def work(c: sqlite3.Connection) -> sqlite3.Row | None:
            c.execute(
                "INSERT INTO guild_config (guild_id, updated_at) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO NOTHING",
                (guild_id, stamp),
            )
            if changes:
                c.execute(
                    f"UPDATE guild_config SET {assignments}, updated_at = ? WHERE guild_id = ?",
                    (*values, stamp, guild_id),
                )
            row: sqlite3.Row | None = c.execute(_SELECT, (guild_id,)).fetchone()
            return row

        self._kept.pop(guild_id, None)
        self._changes[guild_id] = self._changes.get(guild_id, 0) + 1
        config = _from_row(guild_id, await self._db.write(work))
        self._kept[guild_id] = config
        return config
