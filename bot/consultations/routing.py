"""Routing by consultation type: where a request goes, and which requests a staff member covers.

Domain only (no ``discord`` import): role ids and types in, values out. A request of a type
goes to that type's staff role, queue channel and consultation channel (each unset channel or
text is the server's own); a request of the default type (``type_id`` NULL: a server with no
types, the crisis safety net, a request made before types) goes where ``/setup consultations``
says, as it always has.

A staff member *covers* the types whose staff role they hold, and the default type when they
hold the server's staff role; an admin covers everything. They see, count and claim only the
requests they cover. In a server with no types this is exactly the old rule: the staff role
(or an admin) covers the one queue.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from bot.consultations.types import ConsultType
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig


@dataclass(frozen=True)
class Route:
    """Where a request of one type goes: who claims it, where its card and thread are made,
    and what the member is told. The default type (no types, or ``type_id`` NULL) is the
    server's own setup."""

    type_id: int | None
    staff_role_id: int | None
    queue_channel_id: int | None
    consult_channel_id: int | None
    expected_response: str
    urgent_fallback_role_id: int | None


def route(config: GuildConfig, kind: ConsultType | None) -> Route:
    """Where a request of ``kind`` (None: the default type) goes in this server; each channel
    or text a type leaves unset is the server's."""
    if kind is None:
        return Route(
            None,
            config.staff_role_id,
            config.queue_channel_id,
            config.consult_channel_id,
            config.expected_response,
            None,
        )
    return Route(
        kind.id,
        kind.staff_role_id,
        kind.queue_channel_id or config.queue_channel_id,
        kind.consult_channel_id or config.consult_channel_id,
        kind.response_time_text or config.expected_response,
        kind.urgent_fallback_role_id,
    )


def routed_config(config: GuildConfig, kind: ConsultType | None) -> GuildConfig:
    """The server's configuration as a request of ``kind`` sees it: the type's staff role,
    channels and expected-response text in place of the server's (``config`` itself for the
    default type). Everything that posts a card, pings staff or opens a thread reads this."""
    if kind is None:
        return config
    where = route(config, kind)
    return dataclasses.replace(
        config,
        staff_role_id=where.staff_role_id,
        queue_channel_id=where.queue_channel_id,
        consult_channel_id=where.consult_channel_id,
        response_time_text=kind.response_time_text or config.response_time_text,
    )


@dataclass(frozen=True)
class Coverage:
    """The requests one staff member sees and may claim: every type (an admin), or the types
    whose staff role they hold plus the default type when they hold the server's staff role."""

    everything: bool = False
    type_ids: frozenset[int] = frozenset()
    default: bool = False

    @property
    def anything(self) -> bool:
        """Whether they are staff for at least one kind of request."""
        return self.everything or self.default or bool(self.type_ids)

    def covers(self, type_id: int | None) -> bool:
        if self.everything:
            return True
        return self.default if type_id is None else type_id in self.type_ids


EVERYTHING = Coverage(everything=True)
DEFAULT_TYPE_NAME = "General"
"""How the default type (``type_id`` NULL) is named beside a server's own types."""


def coverage(
    role_ids: Collection[int],
    config: GuildConfig,
    kinds: Iterable[ConsultType],
    *,
    admin: bool,
) -> Coverage:
    """What a member with these roles covers in this server (``admin``: everything)."""
    if admin:
        return EVERYTHING
    return Coverage(
        type_ids=frozenset(kind.id for kind in kinds if kind.staff_role_id in role_ids),
        default=config.staff_role_id is not None and config.staff_role_id in role_ids,
    )


def type_names(kinds: Iterable[ConsultType]) -> Mapping[int, str]:
    """Each type's name by id, for lists that show a request's type."""
    return {kind.id: kind.name for kind in kinds}


class NotYourTypeError(UserFacingError):
    """A Claim by a staff member whose roles don't cover the request's type."""

    def __init__(self, number: int, type_name: str) -> None:
        super().__init__(
            f"Request #{number} is a “{type_name}” request, so it is for that type's staff "
            "role. Someone from that team will take it; nothing was changed."
        )
        self.number = number
        self.type_name = type_name


class TypeGoneError(UserFacingError):
    """A member chose a type this server doesn't offer (removed since, or a forged id)."""

    def __init__(self) -> None:
        super().__init__(
            "That kind of consultation isn't offered here any more. Please use `/consult` "
            "again to see the current choices. If you need help right now, these lines are "
            "free and open any time.",
            show_crisis=True,
        )
