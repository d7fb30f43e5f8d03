"""Reading a member's data: ``collect`` everything stored about them and ``export_json`` it,
decrypted for them, with a manifest of what is included and what is withheld (and why).

This module never imports discord.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.fernet import InvalidToken

from bot.db import Database
from bot.privacy.registry import (
    NOT_COLLECTED,
    REGISTRY,
    Column,
    Kind,
    MemberColumn,
    OnErase,
    Source,
    _params,
)

# Mutation testing (CONTRIBUTING.md): SQL keywords and names, sqlite3.Row keys and codec names
# ignore case, so a mutant that only changes the case of SQL text, a row key ("known",
# "rid", "guild") or "utf-8"/"ascii" is equivalent. The other equivalent ones are marked below.


class Cipher(Protocol):
    """What an export needs of ``bot.crypto.Cipher``: reading a stored note back. (A protocol,
    not an import: ``bot.crypto`` reads this module's registry to find the encrypted columns.)"""

    def decrypt(self, token: bytes | None) -> str | None: ...


EXPORT_FORMAT = "recovery-support-bot member data export, version 1"


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


async def _name_types(db: Database, records: list[dict[str, Any]]) -> None:
    """A typed request's topic is its consultation type's name: the stored topic of a request
    with a ``type_id`` is only a placeholder ("other"). The default type (``type_id`` empty)
    keeps its topic. A type is never removed while requests name it (its requests move to the
    default type in the same transaction, and the foreign key refuses it otherwise), so a
    missing type is not expected; its request would keep the stored topic."""
    ids = sorted({r["type_id"] for r in records if r.get("type_id") is not None})
    if not ids:
        return
    marks = ", ".join("?" for _ in ids)
    rows = await db.fetchall(f"SELECT id, name FROM consult_types WHERE id IN ({marks})", ids)
    names = {int(row["id"]): str(row["name"]) for row in rows}
    for record in records:
        type_id = record.get("type_id")
        name = None if type_id is None else names.get(int(type_id))
        if name is not None:
            record["topic"] = name


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
        if source.table == "consultations":
            await _name_types(db, found.records)
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
