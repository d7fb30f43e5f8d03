"""The registry's vocabulary: how a table, its columns and its rules are described.

``bot.privacy.registry`` lists every table in these terms (and re-exports them). This module
never imports discord.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

ERASED_ID = 0
"""What an anonymised member column holds afterwards: no Discord id is ever 0."""


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
    opening_column: str | None = None
    """The bot's own message in the thread that quotes the row's text (read before the delete,
    so the caller can edit exactly that message)."""


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
