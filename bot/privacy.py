"""What the bot stores about members, in one registry, and the member's rights over it.

``REGISTRY`` lists every table that holds a member's Discord id, with every column: what it
is for, whether it is free text (encrypted), how long it is kept and how it is erased. The
member's rights are built on it, so a new table cannot be forgotten by one of them:

- ``collect`` / ``export_json``: everything stored about a member, decrypted for them, with a
  manifest of what is included and what is withheld (and why);
- ``erase``: deletes or anonymises every row for a member in one transaction (idempotent);
- ``purge_expired``: the retention rules (closed consultation notes, crisis matches).

``tests/test_privacy_registry.py`` reads the live schema after every migration and fails when
a table is not classified here, or a registered table's columns differ from the schema, or a
column that looks member-keyed (``member_keyed(name)``) is not a registered member column.

Adding a table that holds member ids:
1. add a ``Source`` to ``REGISTRY`` (children before the parents their ``owned_via`` names);
2. list every column: ``MemberColumn`` for ids of people, ``Column`` for everything else;
3. give it a ``Retention`` (``timestamp`` set only when a purge applies);
4. otherwise (no member ids), add the table to ``NO_MEMBER_DATA`` with the reason.

This module never imports discord.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import field_validator, model_validator

from bot import limits
from bot.content import ContentModel, Description, FieldValue, Title, load_toml
from bot.db import Database, Transaction

log = logging.getLogger(__name__)

# Mutation testing (CONTRIBUTING.md): SQL keywords and names, sqlite3.Row keys and codec names
# ignore case, so a mutant that only changes the case of SQL text, a row key ("known",
# "rid", "guild") or "utf-8"/"ascii" is equivalent. The other equivalent ones are marked below.


class Cipher(Protocol):
    """What an export needs of ``bot.crypto.Cipher``: reading a stored note back. (A protocol,
    not an import: ``bot.crypto`` reads this module's registry to find the encrypted columns.)"""

    def decrypt(self, token: bytes | None) -> str | None: ...


ERASED_ID = 0
"""What an anonymised member column holds afterwards: no Discord id is ever 0."""

EXPORT_FORMAT = "recovery-support-bot member data export, version 1"

_MEMBER_KEYED = re.compile(
    r"""^(?:
        (?:[a-z0-9]+_)*
        (?:member|user|author|actor|staff|claimer|owner|requester|moderator|reporter
           |recipient|target|assignee|creator|sender|subject|person|admin)
        (?:_id|_ids)?
      | [a-z0-9_]+_by(?:_id)?
      | (?:[a-z0-9]+_)*(?:transferred|assigned|sent|given|granted)_to(?:_id)?
    )$""",
    re.VERBOSE,
)


def member_keyed(column: str) -> bool:
    """Whether a column name looks like it holds a person's Discord id.

    The rule: a name that is (optionally prefixed) ``member``, ``user``, ``author``,
    ``actor``, ``staff``, ``claimer``, ``owner``, ``requester``, ``moderator``, ``reporter``,
    ``recipient``, ``target``, ``assignee``, ``creator``, ``sender``, ``subject``, ``person``
    or ``admin``, optionally followed by ``_id``; anything ending ``_by`` or ``_by_id``
    (``claimed_by``, ``closed_by``); and ``…transferred_to`` / ``assigned_to`` style names.
    Role and channel ids (``member_role_id``, ``staff_role_id``) do not match.
    """
    return _MEMBER_KEYED.match(column.lower()) is not None


class Kind(enum.Enum):
    """How a column's value is shown and exported."""

    TEXT = "text"  # plain text the bot chose (an enum, a code, a date)
    NUMBER = "number"
    FLAG = "flag"  # 0/1
    SNOWFLAKE = "snowflake"  # a Discord id: exported as a string
    TIME = "time"  # unix seconds or ISO 8601 text, always UTC: exported as ISO 8601
    SECRET = "secret"  # free text someone wrote: encrypted at rest, decrypted for the member


class OnErase(enum.Enum):
    DELETE_ROW = "delete the row"
    ANONYMISE = "replace the id with 0"


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: Kind = Kind.TEXT
    withheld: str | None = None
    """Why the member does not get this column's value (None: they do)."""


@dataclass(frozen=True)
class MemberColumn:
    name: str
    label: str
    on_erase: OnErase
    """DELETE_ROW: the row is about this person. ANONYMISE: they only acted on someone else's."""


@dataclass(frozen=True)
class Retention:
    rule: str
    """The rule in plain words; ``{days}`` stands for RETENTION_DAYS (see ``describe``)."""
    timestamp: str | None = None
    """SQL for when the clock starts (a column, or a subquery); None: kept until erased."""
    where: str = "1"
    """SQL for the rows the purge applies to."""
    clear: tuple[str, ...] = ()
    """Columns set to NULL on purge; empty: the whole row is deleted."""

    def describe(self, retention_days: int) -> str:
        return self.rule.replace("{days}", str(retention_days))


@dataclass(frozen=True)
class OpenItems:
    """Rows that are still in progress when the member erases them: staff must be told."""

    where: str
    thread_column: str | None = None
    channel_column: str | None = None
    message_column: str | None = None
    number_column: str | None = None


@dataclass(frozen=True)
class Source:
    table: str
    title: str
    purpose: str
    who_can_see: str
    member_columns: tuple[MemberColumn, ...]
    columns: tuple[Column, ...]
    retention: Retention
    guild_filter: str | None = "guild_id = :guild"
    """SQL limiting rows to one server; None: the table is not tied to a server."""
    personal: bool = False
    """The rows are the member's own wherever they were written (check-ins): the member's own
    show, export and delete in a server cover all of them; a server's ``/admin forget`` covers
    only the rows ``guild_filter`` ties to that server."""
    owned_via: str | None = None
    """SQL for rows that belong to the member through a parent row (deleted with it)."""
    withheld: str | None = None
    """Why the member gets only a count of these rows (None: they get the rows)."""
    actor_view: tuple[str, ...] = ()
    """Columns shown for rows where the member only acted (as staff) on someone else's."""
    brief: tuple[str, ...] = ()
    """Columns /mydata show lists for each row; the export always has everything."""
    open_items: OpenItems | None = None

    @property
    def all_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.member_columns) + tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column | MemberColumn:
        candidates: tuple[Column | MemberColumn, ...] = (*self.member_columns, *self.columns)
        for candidate in candidates:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.table}.{name}")

    def subject_sql(self) -> str:
        parts = [
            f"{c.name} = :member" for c in self.member_columns if c.on_erase is OnErase.DELETE_ROW
        ]
        if self.owned_via:
            parts.append(f"({self.owned_via})")
        return " OR ".join(parts) if parts else "0"

    def scope_sql(self, guild_id: int | None, *, server_only: bool = False) -> str:
        """SQL limiting rows to one server (``guild_id``), or nothing for every server.

        ``server_only`` is a server acting on a member (``/admin forget``): then even personal
        rows are limited to the ones written in that server, and a table with no server
        column is left alone entirely.
        """
        if guild_id is None:
            return ""
        if self.guild_filter is None:
            return " AND 0" if server_only else ""
        if self.personal and not server_only:
            return ""
        return f" AND ({self.guild_filter})"


@dataclass(frozen=True)
class NotCollected:
    name: str
    title: str
    reason: str


# --------------------------------------------------------------------------------------------
# The registry. Times in 0003 are unix seconds; in 0004 ISO 8601 text; both are UTC.

_STAFF_ONLY = "Staff-only notes on a request, written so staff can speak freely to each other."

CONSULTATION_NOTES = Source(
    table="consultation_notes",
    title="Staff notes on your requests",
    purpose="Private notes staff write to each other while helping with a request.",
    who_can_see="Staff of that server only.",
    member_columns=(
        MemberColumn("author_id", "Staff member who wrote the note", OnErase.ANONYMISE),
    ),
    columns=(
        Column("id", "Note id", Kind.NUMBER),
        Column("consultation_id", "Request id", Kind.NUMBER),
        Column("body", "Note", Kind.SECRET),
        Column("created_at", "Written", Kind.TIME),
    ),
    retention=Retention(
        "Deleted {days} days after the request is closed or cancelled.",
        timestamp=(
            "(SELECT c.closed_at FROM consultations c "
            "WHERE c.id = consultation_notes.consultation_id)"
        ),
    ),
    guild_filter="consultation_id IN (SELECT id FROM consultations WHERE guild_id = :guild)",
    owned_via="consultation_id IN (SELECT id FROM consultations WHERE member_id = :member)",
    withheld=_STAFF_ONLY + " They are deleted with your request.",
    actor_view=("consultation_id", "created_at"),
)

CONSULTATION_EVENTS = Source(
    table="consultation_events",
    title="History of your requests",
    purpose="When each request was opened, claimed, released, transferred and closed.",
    who_can_see="Staff of that server (for /queue stats) and you.",
    member_columns=(MemberColumn("actor_id", "Who did it", OnErase.ANONYMISE),),
    columns=(
        Column("id", "Event id", Kind.NUMBER),
        Column("consultation_id", "Request id", Kind.NUMBER),
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("kind", "What happened"),
        Column("at", "When", Kind.TIME),
    ),
    retention=Retention("Kept with the request until you delete your data."),
    owned_via="consultation_id IN (SELECT id FROM consultations WHERE member_id = :member)",
    actor_view=("consultation_id", "guild_id", "kind", "at"),
)

CONSULTATIONS = Source(
    table="consultations",
    title="Your requests to talk to a consultant",
    purpose="To get your request to staff, keep your place in the queue and follow it up.",
    who_can_see=(
        "Staff of that server. Your note is shown on the staff queue card; the private thread "
        "is between you and the staff member who claimed it."
    ),
    member_columns=(
        MemberColumn("member_id", "Member who asked", OnErase.DELETE_ROW),
        MemberColumn("claimed_by", "Staff member who claimed it", OnErase.ANONYMISE),
        MemberColumn("closed_by", "Who closed it", OnErase.ANONYMISE),
    ),
    columns=(
        Column("id", "Request id", Kind.NUMBER),
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("number", "Request number", Kind.NUMBER),
        Column("topic", "Topic"),
        Column("urgency", "How urgent"),
        Column("priority", "Queue priority (0 is most urgent)", Kind.NUMBER),
        Column("status", "Status"),
        Column("note", "Your note", Kind.SECRET),
        Column("preferred_time", "Preferred time", Kind.SECRET),
        Column("created_at", "Asked", Kind.TIME),
        Column("claimed_at", "Claimed", Kind.TIME),
        Column("first_claimed_at", "First claimed", Kind.TIME),
        Column("thread_id", "Private thread", Kind.SNOWFLAKE),
        Column("card_channel_id", "Staff queue channel", Kind.SNOWFLAKE),
        Column("card_message_id", "Staff queue card", Kind.SNOWFLAKE),
        Column("problem", "Delivery problem code"),
        Column("member_left_at", "You left the server", Kind.TIME),
        Column("last_reminded_at", "Staff last reminded", Kind.TIME),
        Column("closed_at", "Closed", Kind.TIME),
        Column("close_kind", "How it ended"),
        Column("close_reason", "Closing reason from staff", Kind.SECRET),
    ),
    retention=Retention(
        "Notes, preferred time and closing reason are deleted {days} days after "
        "the request is closed or cancelled; the request itself (topic, status, times) is kept "
        "for the queue's statistics until you delete your data.",
        timestamp="closed_at",
        where="status IN ('closed', 'cancelled')",
        clear=("note", "preferred_time", "close_reason"),
    ),
    actor_view=("guild_id", "number", "status"),
    brief=("number", "status", "topic", "urgency", "created_at", "note"),
    open_items=OpenItems(
        where="status IN ('open', 'claimed')",
        thread_column="thread_id",
        channel_column="card_channel_id",
        message_column="card_message_id",
        number_column="number",
    ),
)

CHECKINS = Source(
    table="checkins",
    title="Your private check-ins",
    purpose="So you can look back at your mood and cravings with /checkin-history.",
    who_can_see="Only you. Staff cannot see them.",
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("id", "Check-in id", Kind.NUMBER),
        Column(
            "guild_id",
            "Server it was written in (empty: a DM, or before servers were kept)",
            Kind.SNOWFLAKE,
        ),
        Column("local_day", "Day"),
        Column("created_at", "Written", Kind.TIME),
        Column("mood", "Mood (1-5)", Kind.NUMBER),
        Column("craving", "Craving (0-10)", Kind.NUMBER),
        Column("note", "Your note", Kind.SECRET),
    ),
    retention=Retention(
        "Kept until you delete them. Your own /mydata delete, in any server or a DM, deletes "
        "all of them; a server's admins can erase only the ones written in their server."
    ),
    personal=True,
    brief=("local_day", "mood", "craving", "note"),
)

MILESTONES = Source(
    table="milestones",
    title="Your milestone",
    purpose="To count your days and, only if you opted in, celebrate milestones.",
    who_can_see="Only you, unless you share it or turn on celebrations.",
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("start_date", "Start date"),
        Column("timezone", "Time zone"),
        Column("label", "Label", Kind.SECRET),
        Column("celebrate", "Celebrate in the server", Kind.FLAG),
        Column("celebrated_through", "Last milestone celebrated (days)", Kind.NUMBER),
        Column("updated_at", "Last changed", Kind.TIME),
    ),
    retention=Retention("Kept until you reset it or delete your data."),
    brief=("start_date", "label", "celebrate"),
)

MEETING_DM_OPTINS = Source(
    table="meeting_dm_optins",
    title="Meeting reminders by DM",
    purpose="To send you a DM before meetings you marked as interested.",
    who_can_see="Only the bot uses it.",
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("created_at", "Turned on", Kind.TIME),
    ),
    retention=Retention("Kept until you turn reminders off or delete your data."),
    brief=("created_at",),
)

CRISIS_MATCHES = Source(
    table="crisis_matches",
    title="Safety-net alerts",
    purpose=(
        "When the opt-in safety net noticed words that may mean someone is in danger: so "
        "staff can check in, and so you get at most one reply every 10 minutes. Never any "
        "of the message itself."
    ),
    who_can_see="Staff of that server see an alert with a link to the message.",
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("id", "Alert id", Kind.NUMBER),
        Column("guild_id", "Server (empty for a DM)", Kind.SNOWFLAKE),
        Column("channel_id", "Channel", Kind.SNOWFLAKE),
        Column("message_id", "Message", Kind.SNOWFLAKE),
        Column("category", "Kind of words noticed"),
        Column("level", "How urgent it seemed (concern or high)"),
        Column("matched_at", "When", Kind.TIME),
        Column("replied", "The bot replied", Kind.FLAG),
        Column("alerted", "Staff were alerted", Kind.FLAG),
    ),
    retention=Retention("Deleted {days} days after the alert.", timestamp="matched_at"),
    brief=("matched_at", "category", "level"),
)

REGISTRY: tuple[Source, ...] = (
    CONSULTATION_NOTES,
    CONSULTATION_EVENTS,
    CONSULTATIONS,
    CHECKINS,
    MILESTONES,
    MEETING_DM_OPTINS,
    CRISIS_MATCHES,
)
"""Every table that holds a member id. Children come before the parents they are owned via."""

NO_MEMBER_DATA: Mapping[str, str] = {
    "bot_state": "The bot's own settings and job times; nothing about members.",
    "guild_config": "Each server's setup: channel and role ids, no member ids.",
    "consultation_counters": "The last request number per server.",
    "meeting_reminders": "Which scheduled meetings already got their reminder.",
    "privacy_audit": (
        "A record that a deletion was carried out, with a one-way code instead of any id."
    ),
}
"""Tables that hold no member id, and why; the registry test checks every table is in one."""

NOT_COLLECTED: tuple[NotCollected, ...] = (
    NotCollected(
        "discord_messages",
        "Messages in channels and private threads",
        "Discord stores these, not this bot. You can delete your own messages in Discord, and "
        "request your Discord data in Discord's Privacy settings.",
    ),
    NotCollected(
        "logs",
        "The bot's logs",
        "They hold ids and event names only, never anything you wrote, and are kept by the "
        "server's admins for running the bot.",
    ),
    NotCollected(
        "privacy_audit",
        "Record of deletions",
        "When data is deleted, the bot keeps the date and a one-way code instead of your id, "
        "to show the request was carried out. It cannot be turned back into your id.",
    ),
)


# --------------------------------------------------------------------------------------------
# Reading a member's data.


def _as_utc_text(value: Any) -> str | None:
    when = parse_time(value)  # never None here (_export_value answers None first): defensive
    return None if when is None else when.isoformat().replace("+00:00", "Z")


def parse_time(value: Any) -> dt.datetime | None:
    """A stored time as an aware UTC datetime: unix seconds, or ISO 8601 (naive means UTC)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    # Python 3.11's fromisoformat reads "Z" itself: mutating this replace is equivalent.
    when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if when.tzinfo is None:
        return when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC)


def _export_value(column: Column | MemberColumn, value: Any, cipher: Cipher) -> Any:
    if value is None:
        return None
    if isinstance(column, MemberColumn):
        return str(value)
    if column.kind is Kind.SNOWFLAKE:
        return str(value)
    if column.kind is Kind.TIME:
        return _as_utc_text(value)
    if column.kind is Kind.FLAG:
        return bool(value)
    if column.kind is Kind.SECRET:
        return cipher.decrypt(bytes(value))
    return value


@dataclass
class _Collected:
    records: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    unreadable: int = 0
    withheld_values: int = 0


def _params(member_id: int, guild_id: int | None) -> dict[str, Any]:
    return {"member": member_id, "guild": guild_id, "erased": ERASED_ID}


async def _collect_source(
    db: Database, cipher: Cipher, source: Source, member_id: int, guild_id: int | None
) -> _Collected:
    params = _params(member_id, guild_id)
    scope = source.scope_sql(guild_id)
    names = ", ".join(source.all_columns)
    result = _Collected()
    rows = await db.fetchall(
        f"SELECT {names} FROM {source.table} WHERE ({source.subject_sql()}){scope} ORDER BY rowid",
        params,
    )
    for row in rows:
        record: dict[str, Any] = {}
        for name in source.all_columns:
            column = source.column(name)
            if isinstance(column, Column) and column.withheld is not None:
                if row[name] is not None:
                    result.withheld_values += 1
                continue
            try:
                record[name] = _export_value(column, row[name], cipher)
            except InvalidToken:
                record[name] = None
                result.unreadable += 1
        result.records.append(record)
    for member_column in source.member_columns:
        if member_column.on_erase is not OnErase.ANONYMISE:
            continue
        acted = await db.fetchall(
            f"SELECT {', '.join(source.actor_view) or 'rowid'} FROM {source.table} "
            f"WHERE {member_column.name} = :member AND NOT ({source.subject_sql()}){scope} "
            "ORDER BY rowid",
            params,
        )
        for row in acted:
            mention: dict[str, Any] = {"you_are": member_column.label}
            for name in source.actor_view:
                mention[name] = _export_value(source.column(name), row[name], cipher)
            result.mentions.append(mention)
    return result


async def collect(
    db: Database,
    cipher: Cipher,
    member_id: int,
    guild_id: int | None,
    *,
    now: dt.datetime | None = None,
    retention_days: int = 30,
    registry: Iterable[Source] = REGISTRY,
) -> dict[str, Any]:
    """Everything stored about a member (in one server, or all when ``guild_id`` is None).

    JSON-ready: Discord ids are strings, times ISO 8601 UTC, notes decrypted. Rows where the
    member only acted as staff on someone else's record are listed under ``mentions`` with a
    few columns, never the other member's notes.
    """
    data: dict[str, Any] = {}
    included: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    for source in registry:
        found = await _collect_source(db, cipher, source, member_id, guild_id)
        if source.withheld is not None:
            count = len(found.records)
            if count:
                withheld.append(
                    {
                        "source": source.table,
                        "title": source.title,
                        "records": count,
                        "reason": source.withheld,
                    }
                )
            found.records = []
        if found.withheld_values:
            for column in source.columns:
                if column.withheld is not None:
                    withheld.append(
                        {
                            "source": f"{source.table}.{column.name}",
                            "title": column.label,
                            "records": found.withheld_values,
                            "reason": column.withheld,
                        }
                    )
        if found.unreadable:
            withheld.append(
                {
                    "source": source.table,
                    "title": source.title,
                    "records": found.unreadable,
                    "reason": (
                        "Some text could not be decrypted (the encryption key changed); an "
                        "admin can restore the original key."
                    ),
                }
            )
        if not found.records and not found.mentions:
            continue
        data[source.table] = {
            "title": source.title,
            "purpose": source.purpose,
            "who_can_see": source.who_can_see,
            "kept": source.retention.describe(retention_days),
            "records": found.records,
        }
        if found.mentions:
            data[source.table]["mentions"] = found.mentions
        included.append(
            {
                "source": source.table,
                "title": source.title,
                "records": len(found.records),
                "mentions": len(found.mentions),
            }
        )
    for item in NOT_COLLECTED:
        withheld.append({"source": item.name, "title": item.title, "reason": item.reason})
    # now(None) would be local time, which astimezone converts to the same instant: equivalent.
    generated = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return {
        "format": EXPORT_FORMAT,
        "generated_at": generated.isoformat().replace("+00:00", "Z"),
        "member_id": str(member_id),
        "server_id": None if guild_id is None else str(guild_id),
        "scope": "all servers" if guild_id is None else "this server, plus data not tied to one",
        "times": "UTC, ISO 8601",
        "manifest": {"included": included, "withheld": withheld},
        "data": data,
    }


def is_empty(collected: Mapping[str, Any]) -> bool:
    """Whether a ``collect`` result holds nothing about the member (withheld rows count too)."""
    if collected["data"]:
        return False
    return not any("records" in item for item in collected["manifest"]["withheld"])


async def export_json(
    db: Database,
    cipher: Cipher,
    member_id: int,
    guild_id: int | None,
    *,
    now: dt.datetime | None = None,
    retention_days: int = 30,
    registry: Iterable[Source] = REGISTRY,
) -> bytes:
    """``collect`` as UTF-8 JSON, for a file attachment."""
    collected = await collect(
        db, cipher, member_id, guild_id, now=now, retention_days=retention_days, registry=registry
    )
    # ensure_ascii=None is as false as False: that mutant is equivalent.
    return json.dumps(collected, indent=2, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------------------------
# Erasing.


@dataclass(frozen=True)
class OpenItem:
    """A request still in progress when it was erased: staff are told in Discord."""

    table: str
    guild_id: int | None
    number: int | None
    thread_id: int | None
    channel_id: int | None
    message_id: int | None


@dataclass(frozen=True)
class ErasureReport:
    deleted: Mapping[str, int]
    anonymised: Mapping[str, int]
    open_items: tuple[OpenItem, ...]

    @property
    def total(self) -> int:
        return sum(self.deleted.values()) + sum(self.anonymised.values())


@dataclass(frozen=True)
class AuditEntry:
    """An audit row written in the same transaction as the erasure."""

    action: str  # "member_request" or "admin_forget"
    subject: str  # pseudonym of the member erased
    actor: str | None  # pseudonym of the admin, None when the member asked themselves
    at: dt.datetime


async def _open_items(
    tx: Transaction, source: Source, params: dict[str, Any], scope: str
) -> list[OpenItem]:
    spec = source.open_items
    if spec is None:
        return []
    wanted = {
        "guild": "guild_id" if source.guild_filter == "guild_id = :guild" else "NULL",
        "number": spec.number_column or "NULL",
        "thread": spec.thread_column or "NULL",
        "channel": spec.channel_column or "NULL",
        "message": spec.message_column or "NULL",
    }
    select = ", ".join(f"{expr} AS {alias}" for alias, expr in wanted.items())
    rows = await tx.fetchall(
        f"SELECT {select} FROM {source.table} "
        f"WHERE ({source.subject_sql()}){scope} AND ({spec.where}) ORDER BY rowid",
        params,
    )
    return [
        OpenItem(
            source.table, row["guild"], row["number"], row["thread"], row["channel"], row["message"]
        )
        for row in rows
    ]


async def erase(
    db: Database,
    member_id: int,
    guild_id: int | None,
    *,
    audit: AuditEntry | None = None,
    server_only: bool = False,
    registry: Iterable[Source] = REGISTRY,
) -> ErasureReport:
    """Delete or anonymise every row for a member, in one transaction; safe to repeat.

    With ``guild_id`` only that server's rows, plus the member's personal rows wherever they
    were written (check-ins), unless ``server_only`` (an admin acting for the server): then
    strictly that server's rows. With None, every server's. Rows about the member are deleted;
    where they only acted as staff on someone else's record, their id becomes ``ERASED_ID``.
    In-progress requests are returned so the caller can tell staff.
    """
    if server_only and guild_id is None:
        raise ValueError("a server-only erasure needs the server")
    params = _params(member_id, guild_id)
    deleted: dict[str, int] = {}
    anonymised: dict[str, int] = {}
    items: list[OpenItem] = []
    async with db.transaction() as tx:
        for source in registry:
            scope = source.scope_sql(guild_id, server_only=server_only)
            items += await _open_items(tx, source, params, scope)
            cursor = await tx.execute(
                f"DELETE FROM {source.table} WHERE ({source.subject_sql()}){scope}", params
            )
            if cursor.rowcount:
                deleted[source.table] = cursor.rowcount
            for column in source.member_columns:
                if column.on_erase is not OnErase.ANONYMISE:
                    continue
                cursor = await tx.execute(
                    f"UPDATE {source.table} SET {column.name} = :erased "
                    f"WHERE {column.name} = :member{scope}",
                    params,
                )
                if cursor.rowcount:
                    anonymised[source.table] = anonymised.get(source.table, 0) + cursor.rowcount
        report = ErasureReport(deleted, anonymised, tuple(items))
        if audit is not None:
            await tx.execute(
                "INSERT INTO privacy_audit (action, guild_id, subject_code, actor_code, "
                "rows_deleted, rows_anonymised, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    audit.action,
                    guild_id,
                    audit.subject,
                    audit.actor,
                    sum(deleted.values()),
                    sum(anonymised.values()),
                    audit.at.astimezone(dt.UTC).isoformat(),
                ),
            )
    await db.truncate_wal()  # no copy of the erased rows is left in the WAL
    log.info(
        "privacy.erased guild=%s deleted=%d anonymised=%d open=%d audit=%s",
        guild_id,
        sum(deleted.values()),
        sum(anonymised.values()),
        len(items),
        audit.action if audit else "none",
    )
    return report


async def known_in_server(
    db: Database, member_id: int, guild_id: int, *, registry: Iterable[Source] = REGISTRY
) -> bool:
    """Whether anything stored from this server is about the member (or names them as staff).

    This is how the bot knows a former member: it keeps no list of who was in a server, only
    what people did there. Someone with nothing stored from a server has nothing there to erase.
    """
    params = _params(member_id, guild_id)
    checks = []
    for source in registry:
        scope = source.scope_sql(guild_id, server_only=True)
        whose = " OR ".join(
            [f"({source.subject_sql()})"] + [f"{c.name} = :member" for c in source.member_columns]
        )
        checks.append(f"EXISTS (SELECT 1 FROM {source.table} WHERE ({whose}){scope})")
    row = await db.fetchone(f"SELECT {' OR '.join(checks) or '0'} AS known", params)
    return bool(row is not None and row["known"])


def pseudonym_key(encryption_key: bytes) -> bytes:
    """A secret for pseudonyms, derived from the encryption key (HKDF-SHA256), never stored."""
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,  # HKDF's default: the mutant that drops it is equivalent
        info=b"recovery-support-bot privacy audit pseudonym v1",
    ).derive(encryption_key)


def pseudonym(secret: bytes, member_id: int) -> str:
    """A one-way code for a member id (HMAC-SHA256): the same id always gives the same code."""
    return hmac.new(secret, str(member_id).encode("ascii"), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------------------------
# Retention.


@dataclass(frozen=True)
class PurgeReport:
    purged: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.purged.values())


def retention_cutoff(now: dt.datetime, retention_days: int) -> dt.datetime:
    """Rows whose clock started at or before this instant are purged.

    The boundary rule: a record is purged once it is *at least* ``retention_days`` old
    (``age >= retention``, so ``started <= now - retention``). With 30 days, a request closed
    at 2026-01-01T12:00:00Z has its notes purged by any purge run at or after
    2026-01-31T12:00:00Z, and kept by one a second earlier. All times are UTC; ``now`` must
    be timezone-aware.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware (UTC)")
    if retention_days < 1:
        raise ValueError("retention_days must be at least 1")
    return now.astimezone(dt.UTC) - dt.timedelta(days=retention_days)


async def purge_expired(
    db: Database,
    now: dt.datetime,
    retention_days: int,
    *,
    registry: Iterable[Source] = REGISTRY,
) -> PurgeReport:
    """Apply every retention rule with a clock, in one transaction (see ``retention_cutoff``)."""
    cutoff = retention_cutoff(now, retention_days)
    purged: dict[str, int] = {}
    async with db.transaction() as tx:
        for source in registry:
            rule = source.retention
            if rule.timestamp is None:
                continue
            pending = (
                " AND (" + " OR ".join(f"{c} IS NOT NULL" for c in rule.clear) + ")"
                if rule.clear
                else ""
            )
            rows = await tx.fetchall(
                f"SELECT rowid AS rid, {rule.timestamp} AS started FROM {source.table} "
                f"WHERE ({rule.where}){pending}",
            )
            expired = [
                (row["rid"],)
                for row in rows
                if (started := parse_time(row["started"])) is not None and started <= cutoff
            ]
            if not expired:
                continue
            if rule.clear:
                assignments = ", ".join(f"{c} = NULL" for c in rule.clear)
                await tx.executemany(
                    f"UPDATE {source.table} SET {assignments} WHERE rowid = ?", expired
                )
            else:
                await tx.executemany(f"DELETE FROM {source.table} WHERE rowid = ?", expired)
            purged[source.table] = len(expired)
    if purged:
        await db.truncate_wal()  # as after an erasure: no old copy of purged notes stays
    log.info("privacy.purged total=%d tables=%s", sum(purged.values()), ",".join(sorted(purged)))
    return PurgeReport(purged)


# --------------------------------------------------------------------------------------------
# The plain-language notice /privacy shows (data/privacy.toml).

NOTICE_FILE = "privacy.toml"
_DAYS_ROOM = 4  # "{days}" becomes at most "3650"


class NoticeSection(ContentModel):
    name: Title
    text: FieldValue

    @field_validator("text")
    @classmethod
    def _room_for_days(cls, value: str) -> str:
        if len(value) + value.count("{days}") * _DAYS_ROOM > limits.EMBED_FIELD_VALUE:
            raise ValueError("is too long once {days} is filled in")
        return value


class PrivacyNotice(ContentModel):
    title: Title
    intro: Description
    sections: tuple[NoticeSection, ...]

    @field_validator("sections")
    @classmethod
    def _some(cls, value: tuple[NoticeSection, ...]) -> tuple[NoticeSection, ...]:
        if not 1 <= len(value) <= 10:
            raise ValueError("needs between 1 and 10 sections")
        return value

    @model_validator(mode="after")
    def _fits_one_embed(self) -> PrivacyNotice:
        total = len(self.title) + len(self.intro)
        total += sum(len(s.name) + len(s.text) + _DAYS_ROOM for s in self.sections)
        if total > limits.EMBED_TOTAL - 500:  # room for the footer
            raise ValueError(f"is {total} characters in all, too long for one Discord embed")
        return self

    def sections_for(self, retention_days: int) -> list[tuple[str, str]]:
        return [(s.name, s.text.replace("{days}", str(retention_days))) for s in self.sections]


def load_privacy_notice(content_dir: Path) -> PrivacyNotice:
    return load_toml(content_dir / NOTICE_FILE, PrivacyNotice)
