"""Consultation types: the kinds of request a server offers, each with its own staff.

Domain only (no ``discord`` import): ids and values in, dataclasses out. An admin defines up to
``MAX_TYPES`` per server; each has a name, a description (it becomes a menu option's
description, so at most 100 characters), an optional emoji, its own staff role and, optionally,
its own queue channel, consultation channel, expected-response text and a fallback role pinged
as well for urgent requests. What an unset option falls back to is ``routing.route``'s job.

A server with no types works as before: every request belongs to the implicit default type,
``type_id`` NULL, routed by the server's own ``/setup consultations``. Where a request of a
type goes, and which types a staff member's roles cover, is ``bot.consultations.routing``.

Names are unique in a server ignoring case (``casefold``, so "FAMÍLIA" and "família" clash;
the database's ``COLLATE NOCASE`` backs it up for ASCII). Every typed text passes
``bot.text.sanitise`` first.

Removal: a type with an open or claimed request is not removed (``TypeInUseError``: those
requests still need its staff). Once none is active, its closed and cancelled requests move to
the default type (``type_id`` NULL) in the same transaction as the removal, so nothing points at
a type that is gone and nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from bot.consultations.values import MAX_TYPES, from_ts, to_ts
from bot.db import Database
from bot.errors import UserFacingError
from bot.text import TextField, sanitise, sanitise_required

log = logging.getLogger(__name__)

TYPE_NAME_LIMIT = 40
TYPE_DESCRIPTION_LIMIT = 100
"""Discord's limit for a select option's description, which the description becomes."""
TYPE_RESPONSE_LIMIT = 200
TYPE_EMOJI_LIMIT = 64

TYPE_NAME = TextField("name", TYPE_NAME_LIMIT, required=True, one_line=True)
TYPE_DESCRIPTION = TextField("description", TYPE_DESCRIPTION_LIMIT, required=True, one_line=True)
TYPE_RESPONSE = TextField("expected response text", TYPE_RESPONSE_LIMIT, one_line=True)
TYPE_EMOJI = TextField("emoji", TYPE_EMOJI_LIMIT, one_line=True)

_COLUMNS = (
    "id, guild_id, name, description, emoji, staff_role_id, queue_channel_id, "
    "consult_channel_id, response_time_text, urgent_fallback_role_id, position, created_at"
)
_ACTIVE = "status IN ('open', 'claimed')"


# --------------------------------------------------------------------------- emoji

_CUSTOM_EMOJI = re.compile(r"<(a?):([A-Za-z0-9_]{2,32}):([0-9]{15,20})>")
_PICTOGRAPH = (
    "[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf"
    "\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf"
    "\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
    "\U0001f000-\U0001f1e5\U0001f200-\U0001faff]"
)
_ELEMENT = f"{_PICTOGRAPH}(?:\ufe0f|[\U0001f3fb-\U0001f3ff])?"
_UNICODE_EMOJI = re.compile(
    "[\U0001f1e6-\U0001f1ff]{2}"  # a flag: two regional indicators
    "|[0-9#*]\ufe0f?\u20e3"  # a keycap
    "|\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"  # a subdivision flag
    f"|{_ELEMENT}(?:\u200d{_ELEMENT})*"  # one emoji, or several joined into one picture
)


@dataclass(frozen=True)
class CustomEmoji:
    """A server's own emoji, as Discord writes it: ``<:name:id>`` (``<a:name:id>`` animated)."""

    id: int
    name: str
    animated: bool


def custom_emoji(text: str | None) -> CustomEmoji | None:
    """The custom emoji ``text`` is (None: it is a unicode emoji, or nothing)."""
    match = _CUSTOM_EMOJI.fullmatch(text or "")
    if match is None:
        return None
    return CustomEmoji(int(match[3]), match[2], animated=bool(match[1]))


class BadEmojiError(UserFacingError):
    def __init__(self) -> None:
        super().__init__(
            "That isn't an emoji I can use. Please pick one emoji from Discord's emoji picker "
            "(like 💬), or one of this server's own emoji. Nothing was saved."
        )


def validate_emoji(text: str | None) -> str | None:
    """One unicode emoji, or a custom emoji ``<:name:id>``, cleaned at the text boundary;
    None when nothing was given. Anything else (words, ``:name:``, two emoji) is refused."""
    cleaned = sanitise(text, TYPE_EMOJI)
    if cleaned is None:
        return None
    if _CUSTOM_EMOJI.fullmatch(cleaned) or _UNICODE_EMOJI.fullmatch(cleaned):
        return cleaned
    raise BadEmojiError()


# --------------------------------------------------------------------------- values


class Clearable(enum.StrEnum):
    """The optional settings of a type that ``edit`` can empty (the column each one is)."""

    EMOJI = "emoji"
    QUEUE_CHANNEL = "queue_channel_id"
    CONSULT_CHANNEL = "consult_channel_id"
    RESPONSE_TIME = "response_time_text"
    URGENT_FALLBACK_ROLE = "urgent_fallback_role_id"


CLEARABLE_LABELS: dict[Clearable, str] = {
    Clearable.EMOJI: "emoji",
    Clearable.QUEUE_CHANNEL: "queue channel",
    Clearable.CONSULT_CHANNEL: "consultation channel",
    Clearable.RESPONSE_TIME: "expected response text",
    Clearable.URGENT_FALLBACK_ROLE: "urgent fallback role",
}
"""How each is named to the admin; an emptied channel or text is the server's again."""


@dataclass(frozen=True)
class ConsultType:
    id: int
    guild_id: int
    name: str
    description: str
    staff_role_id: int
    position: int
    created_at: dt.datetime
    emoji: str | None = None
    queue_channel_id: int | None = None
    """None: the server's queue channel."""
    consult_channel_id: int | None = None
    """None: the server's consultation channel."""
    response_time_text: str | None = None
    """None: the server's expected-response text."""
    urgent_fallback_role_id: int | None = None
    """A role pinged as well for this type's urgent requests (None: none)."""


@dataclass(frozen=True)
class EditedType:
    kind: ConsultType
    changed: tuple[str, ...]
    """The columns that were set or emptied (empty: nothing was given to change)."""


@dataclass(frozen=True)
class RemovedType:
    kind: ConsultType
    past_requests: int
    """Closed or cancelled requests of it, now counted under the server's default type."""


# --------------------------------------------------------------------------- refusals


class TypeRefusedError(UserFacingError):
    """A change to the server's consultation types that cannot be made; nothing was saved."""


class TooManyTypesError(TypeRefusedError):
    def __init__(self) -> None:
        super().__init__(
            f"This server already has {MAX_TYPES} consultation types, the most it can have. "
            "Remove one with `/setup type remove` first. Nothing was saved."
        )


class DuplicateTypeNameError(TypeRefusedError):
    def __init__(self, name: str) -> None:
        super().__init__(
            "This server already has a consultation type with that name (names ignore "
            "capitals). Please choose another name. Nothing was saved."
        )
        self.name = name


class TypeNotFoundError(TypeRefusedError):
    def __init__(self) -> None:
        super().__init__(
            "This server has no consultation type with that name. `/setup type list` shows "
            "them all."
        )


class TypeInUseError(TypeRefusedError):
    def __init__(self, active: int) -> None:
        requests = "1 request" if active == 1 else f"{active} requests"
        super().__init__(
            f"{requests} of this type {'is' if active == 1 else 'are'} still open or claimed, "
            "so I kept the type: those members are waiting for its staff. Remove it once they "
            "are closed. Nothing was changed."
        )
        self.active = active


class SetAndClearError(TypeRefusedError):
    def __init__(self, what: str) -> None:
        super().__init__(
            f"You asked me to both set and clear the {what}. Please choose one. Nothing was saved."
        )


# --------------------------------------------------------------------------- the service


def _folded(name: str) -> str:
    return name.casefold()


def _rows(c: sqlite3.Connection, guild_id: int) -> list[sqlite3.Row]:
    return c.execute(
        f"SELECT {_COLUMNS} FROM consult_types WHERE guild_id = ? ORDER BY position, id",
        (guild_id,),
    ).fetchall()


def _named(rows: Iterable[sqlite3.Row], name: str) -> sqlite3.Row | None:
    wanted = _folded(name)
    return next((row for row in rows if _folded(row["name"]) == wanted), None)


def _from_row(row: sqlite3.Row) -> ConsultType:
    return ConsultType(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        name=row["name"],
        description=row["description"],
        staff_role_id=int(row["staff_role_id"]),
        position=int(row["position"]),
        created_at=from_ts(row["created_at"]) or dt.datetime.min.replace(tzinfo=dt.UTC),
        emoji=row["emoji"],
        queue_channel_id=row["queue_channel_id"],
        consult_channel_id=row["consult_channel_id"],
        response_time_text=row["response_time_text"],
        urgent_fallback_role_id=row["urgent_fallback_role_id"],
    )


def _lookup_name(name: str) -> str:
    """The name as typed to find a type (cleaned like a stored name; an empty one matches none)."""
    try:
        return sanitise_required(name, TYPE_NAME)
    except UserFacingError:
        raise TypeNotFoundError() from None


class ConsultTypeService:
    """Adding, editing, removing and reading a server's consultation types. Every call is
    scoped to one server: a type of another server is never found, changed or removed.

    Every request routed, card drawn and staff check asks for the server's types, so after the
    first read they are kept in memory (as ``GuildConfigRepository`` keeps configurations);
    ``add``, ``edit`` and ``remove`` are the only writers and drop the kept copy. That holds
    only for the one service ``bot.services`` builds."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._kept: dict[int, tuple[ConsultType, ...]] = {}
        self._changes: dict[int, int] = {}

    def _changed(self, guild_id: int) -> None:
        self._kept.pop(guild_id, None)
        self._changes[guild_id] = self._changes.get(guild_id, 0) + 1

    async def list(self, guild_id: int) -> tuple[ConsultType, ...]:
        """The server's types in the order members see them (one read, then kept)."""
        kept = self._kept.get(guild_id)
        if kept is not None:
            return kept
        changes = self._changes.get(guild_id, 0)

        def work(c: sqlite3.Connection) -> list[sqlite3.Row]:
            return _rows(c, guild_id)

        found = tuple(_from_row(row) for row in await self._db.read(work))
        if self._changes.get(guild_id, 0) == changes:
            self._kept[guild_id] = found
        return found

    async def get(self, guild_id: int, type_id: int) -> ConsultType | None:
        """The type with this id in this server (None: none, or another server's)."""
        return next((t for t in await self.list(guild_id) if t.id == type_id), None)

    async def active_requests(self, guild_id: int, type_id: int) -> int:
        """How many of this type's requests are open or claimed in this server."""
        row = await self._db.fetchone(
            f"SELECT COUNT(*) FROM consultations WHERE guild_id = ? AND type_id = ? AND {_ACTIVE}",
            (guild_id, type_id),
        )
        return 0 if row is None else int(row[0])

    async def find(self, guild_id: int, name: str) -> ConsultType | None:
        """The server's type with this name, ignoring capitals (None: none)."""
        try:
            wanted = _lookup_name(name)
        except TypeNotFoundError:
            return None
        folded = _folded(wanted)
        return next((t for t in await self.list(guild_id) if _folded(t.name) == folded), None)

    async def add(
        self,
        guild_id: int,
        *,
        name: str,
        description: str,
        staff_role_id: int,
        now: dt.datetime,
        emoji: str | None = None,
        queue_channel_id: int | None = None,
        consult_channel_id: int | None = None,
        response_time_text: str | None = None,
        urgent_fallback_role_id: int | None = None,
    ) -> ConsultType:
        """A new type, last in the order. Refused past ``MAX_TYPES``, for a name the server
        already uses (ignoring capitals), or for text or an emoji the boundary refuses."""
        clean_name = sanitise_required(name, TYPE_NAME)
        clean_description = sanitise_required(description, TYPE_DESCRIPTION)
        clean_emoji = validate_emoji(emoji)
        clean_response = sanitise(response_time_text, TYPE_RESPONSE)
        stamp = to_ts(now)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            existing = _rows(c, guild_id)
            if _named(existing, clean_name) is not None:
                raise DuplicateTypeNameError(clean_name)
            if len(existing) >= MAX_TYPES:
                raise TooManyTypesError()
            position = max((int(row["position"]) for row in existing), default=0) + 1
            try:
                row: sqlite3.Row = c.execute(
                    "INSERT INTO consult_types (guild_id, name, description, emoji, "
                    "staff_role_id, queue_channel_id, consult_channel_id, response_time_text, "
                    "urgent_fallback_role_id, position, created_at) "
                    f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {_COLUMNS}",
                    (
                        guild_id,
                        clean_name,
                        clean_description,
                        clean_emoji,
                        staff_role_id,
                        queue_channel_id,
                        consult_channel_id,
                        clean_response,
                        urgent_fallback_role_id,
                        position,
                        stamp,
                    ),
                ).fetchone()
            except sqlite3.IntegrityError as error:  # the database's NOCASE, as a backstop
                raise DuplicateTypeNameError(clean_name) from error
            return row

        self._changed(guild_id)
        kind = _from_row(await self._db.write(work))
        self._changed(guild_id)
        log.info("consult_type.added guild=%s type=%s", guild_id, kind.id)
        return kind

    async def edit(
        self,
        guild_id: int,
        name: str,
        *,
        new_name: str | None = None,
        description: str | None = None,
        emoji: str | None = None,
        staff_role_id: int | None = None,
        queue_channel_id: int | None = None,
        consult_channel_id: int | None = None,
        response_time_text: str | None = None,
        urgent_fallback_role_id: int | None = None,
        clear: Iterable[Clearable] = (),
    ) -> EditedType:
        """The type called ``name`` with what is given changed and the settings in ``clear``
        emptied; everything else is kept. A blank emoji or expected-response text empties it."""
        wanted = _lookup_name(name)
        changes: dict[str, object] = {}
        if new_name is not None:
            changes["name"] = sanitise_required(new_name, TYPE_NAME)
        if description is not None:
            changes["description"] = sanitise_required(description, TYPE_DESCRIPTION)
        ids: dict[str, int | None] = {
            "staff_role_id": staff_role_id,
            Clearable.QUEUE_CHANNEL: queue_channel_id,
            Clearable.CONSULT_CHANNEL: consult_channel_id,
            Clearable.URGENT_FALLBACK_ROLE: urgent_fallback_role_id,
        }
        changes.update({column: value for column, value in ids.items() if value is not None})
        # A typed emoji or text that is blank (only spaces or invisible characters) empties it,
        # as it would have been left empty when the type was added.
        if emoji is not None:
            changes[Clearable.EMOJI] = validate_emoji(emoji)
        if response_time_text is not None:
            changes[Clearable.RESPONSE_TIME] = sanitise(response_time_text, TYPE_RESPONSE)
        for column in set(clear):
            if changes.get(column.value) is not None:
                raise SetAndClearError(CLEARABLE_LABELS[column])
            changes[column.value] = None
        columns = sorted(str(column) for column in changes)

        def work(c: sqlite3.Connection) -> sqlite3.Row:
            existing = _rows(c, guild_id)
            current = _named(existing, wanted)
            if current is None:
                raise TypeNotFoundError()
            renamed = changes.get("name")
            if isinstance(renamed, str):
                clash = _named(existing, renamed)
                if clash is not None and clash["id"] != current["id"]:
                    raise DuplicateTypeNameError(renamed)
            if not columns:
                return current
            assignments = ", ".join(f"{column} = ?" for column in columns)
            try:
                row: sqlite3.Row = c.execute(
                    f"UPDATE consult_types SET {assignments} WHERE id = ? AND guild_id = ? "
                    f"RETURNING {_COLUMNS}",
                    (*(changes[column] for column in columns), current["id"], guild_id),
                ).fetchone()
            except sqlite3.IntegrityError as error:
                raise DuplicateTypeNameError(str(renamed)) from error
            return row

        self._changed(guild_id)
        kind = _from_row(await self._db.write(work))
        self._changed(guild_id)
        log.info(
            "consult_type.edited guild=%s type=%s fields=%s",
            guild_id,
            kind.id,
            ",".join(columns) or "none",
        )
        return EditedType(kind, tuple(columns))

    async def remove(self, guild_id: int, type_id: int) -> RemovedType:
        """Remove the server's type ``type_id``; refused while one of its requests is open or
        claimed. Its past requests move to the default type in the same transaction."""

        def work(c: sqlite3.Connection) -> tuple[sqlite3.Row, int]:
            row: sqlite3.Row | None = c.execute(
                f"SELECT {_COLUMNS} FROM consult_types WHERE id = ? AND guild_id = ?",
                (type_id, guild_id),
            ).fetchone()
            if row is None:
                raise TypeNotFoundError()
            active = int(
                c.execute(
                    f"SELECT COUNT(*) FROM consultations WHERE type_id = ? AND {_ACTIVE}",
                    (type_id,),
                ).fetchone()[0]
            )
            if active:
                raise TypeInUseError(active)
            moved = c.execute(
                "UPDATE consultations SET type_id = NULL WHERE type_id = ?", (type_id,)
            ).rowcount
            c.execute(
                "DELETE FROM consult_types WHERE id = ? AND guild_id = ?", (type_id, guild_id)
            )
            return row, moved

        self._changed(guild_id)
        row, moved = await self._db.write(work)
        self._changed(guild_id)
        log.info("consult_type.removed guild=%s type=%s past=%s", guild_id, type_id, moved)
        return RemovedType(_from_row(row), moved)
