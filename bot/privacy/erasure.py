"""Erasing: ``erase`` deletes or anonymises every row for a member in one transaction
(idempotent); ``known_in_server`` and the pseudonyms that audit lines carry.

This module never imports discord.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.db import Database, Transaction
from bot.privacy.registry import REGISTRY, OnErase, Source, _params

log = logging.getLogger(__name__)

# Mutation testing (CONTRIBUTING.md): SQL keywords and names, sqlite3.Row keys and codec names
# ignore case, so a mutant that only changes the case of SQL text, a row key ("known",
# "rid", "guild") or "utf-8"/"ascii" is equivalent. The other equivalent ones are marked below.


@dataclass(frozen=True)
class OpenItem:
    """A request still in progress when it was erased: staff are told in Discord."""

    table: str
    guild_id: int | None
    number: int | None
    thread_id: int | None
    channel_id: int | None
    message_id: int | None
    opening_message_id: int | None = None
    """The bot's message in the thread that quoted the row's text: 0 when none is on record,
    None when unknown (a row from before it was kept)."""


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
        "opening": spec.opening_column or "NULL",
    }
    select = ", ".join(f"{expr} AS {alias}" for alias, expr in wanted.items())
    rows = await tx.fetchall(
        f"SELECT {select} FROM {source.table} "
        f"WHERE ({source.subject_sql()}){scope} AND ({spec.where}) ORDER BY rowid",
        params,
    )
    return [
        OpenItem(
            source.table,
            row["guild"],
            row["number"],
            row["thread"],
            row["channel"],
            row["message"],
            row["opening"],
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
