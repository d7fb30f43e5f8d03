"""The consultation queue's values: limits, topics, urgencies, statuses, refusals and the
dataclasses the service returns."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.consultations.outcomes import Outcome
from bot.errors import UserFacingError
from bot.text import TextField

NOTE_LIMIT = 500
"""The longest note a member can leave with a request (characters)."""
PREFERRED_TIME_LIMIT = 100
STAFF_NOTE_LIMIT = 1000
CLOSE_REASON_LIMIT = 300
STATS_DAYS = 7
MAX_TYPES = 10
"""The most consultation types a server can define (``bot.consultations.types``)."""
CLAIM_CAP_MAX = 50
"""The highest per-staff cap on claimed requests a server can set (``guild_config.claim_cap``)."""

NOTE = TextField("note", NOTE_LIMIT)
PREFERRED_TIME = TextField("preferred time", PREFERRED_TIME_LIMIT)
CLOSE_REASON = TextField("reason", CLOSE_REASON_LIMIT, required=True)
STAFF_NOTE = TextField("note", STAFF_NOTE_LIMIT, required=True)
"""The texts typed into the queue: each passes ``bot.text.sanitise`` before anything else."""


class Topic(StrEnum):
    LEVEL_OF_CARE = "level_of_care"
    RELAPSE = "relapse"
    COPING = "coping"
    FAMILY = "family"
    OTHER = "other"
    CRISIS = "crisis"
    """Only the crisis safety net opens requests with this topic; members pick from the rest."""


TOPIC_LABELS: dict[Topic, str] = {
    Topic.LEVEL_OF_CARE: "A question about levels of care",
    Topic.RELAPSE: "Relapse or urges",
    Topic.COPING: "Coping and everyday support",
    Topic.FAMILY: "I'm a family member or friend",
    Topic.OTHER: "Something else",
    Topic.CRISIS: "Reached out through the crisis safety net",
}

MEMBER_TOPICS: tuple[Topic, ...] = (
    Topic.LEVEL_OF_CARE,
    Topic.RELAPSE,
    Topic.COPING,
    Topic.FAMILY,
    Topic.OTHER,
)


class Urgency(StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


URGENCY_LABELS: dict[Urgency, str] = {
    Urgency.ROUTINE: "Routine: whenever someone is free",
    Urgency.SOON: "Soon: today if possible",
    Urgency.URGENT: "I am struggling right now",
}

PRIORITY: dict[Urgency, int] = {Urgency.URGENT: 0, Urgency.SOON: 1, Urgency.ROUTINE: 2}

NEVER_LIMITED = frozenset({Urgency.URGENT})
"""Urgencies that no cooldown or hourly cap ever refuses: someone struggling right now."""


class Status(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class CloseKind(StrEnum):
    """How a request ended. ``CANCELLED``: its member ended it, either withdrawing it while it
    waited (status ``CANCELLED``) or, once claimed, with "Close my request" (status ``CLOSED``)."""

    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    THREAD_DELETED = "thread_deleted"
    CARD_DELETED = "card_deleted"


ACTIVE = (Status.OPEN, Status.CLAIMED)

COOLDOWN_KINDS = (CloseKind.RESOLVED, CloseKind.CANCELLED)
"""Closes that start the member's cooldown; a request lost to a deleted thread or card does not.
A member closing their own claimed request ("Close my request") is ``CANCELLED`` with status
``CLOSED``: the member ended it, as with a cancel, so it starts the cooldown too. The bot's own
close of a quiet conversation (``RESOLVED``, ``closed_by_bot``) does not: the member is told they
can ask again at once."""


class TextCipher(Protocol):
    def encrypt(self, text: str | None) -> bytes | None: ...

    def decrypt(self, token: bytes | None) -> str | None: ...

    def alias(self, request_id: int) -> str: ...


# --------------------------------------------------------------------------- errors


# The three refusals below name a staff member. The domain carries the ids; the consult cog
# turns them into the mention staff read (``cogs.consult._embeds.refusal``), and its message
# here is the plain fallback.


class AlreadyClaimedError(UserFacingError):
    """Someone else won the claim."""

    def __init__(self, number: int, claimed_by: int) -> None:
        super().__init__(f"Request #{number} was already claimed by another staff member.")
        self.number = number
        self.claimed_by = claimed_by


class AlreadyHoldsError(UserFacingError):
    """A transfer to the staff member who already holds the request."""

    def __init__(self, number: int, staff_id: int) -> None:
        super().__init__(f"That staff member already has request #{number}.")
        self.number = number
        self.staff_id = staff_id


class NotTheClaimerError(UserFacingError):
    """A release or transfer by someone who neither claimed the request nor may override."""

    def __init__(self, number: int, claimed_by: int, action: str) -> None:
        super().__init__(
            f"Only the staff member who claimed request #{number}, or a server admin can "
            f"{action} it."
        )
        self.number = number
        self.claimed_by = claimed_by
        self.action = action


def open_requests(count: int) -> str:
    """ "1 open request", "3 open requests"."""
    return "1 open request" if count == 1 else f"{count} open requests"


class OverCapError(UserFacingError):
    """A claim (or a transfer to ``staff_id``) that would go over the server's cap on requests
    one staff member holds at once: ``count`` held now, ``cap`` allowed. Admins are exempt."""

    def __init__(self, staff_id: int, count: int, cap: int, *, transfer: bool = False) -> None:
        held = open_requests(count)
        if transfer:
            message = (
                f"That staff member already has {held}, which is this server's cap of {cap} "
                "per person, so they can't take another right now."
            )
        else:
            message = (
                f"You have {held}, which is this server's cap of {cap} per person. Please "
                "close or hand one on (`/ticket close`, `/ticket transfer`) before claiming "
                "another. Thank you for carrying them."
            )
        super().__init__(message)
        self.staff_id = staff_id
        self.count = count
        self.cap = cap
        self.transfer = transfer


class NotOnCallError(UserFacingError):
    """The server asks staff to be on call to claim, and this staff member is not."""

    def __init__(self) -> None:
        super().__init__(
            "This server asks staff to be on call before claiming requests. Use `/oncall on`, "
            "then try again."
        )


class NoLongerOpenError(UserFacingError):
    """The request moved on (closed, cancelled, or gone) before this action."""


class NotFoundError(UserFacingError):
    """No such request here (a stale button, or an id from another server)."""

    def __init__(self) -> None:
        super().__init__("This button is out of date. Please run the command again.")


# --------------------------------------------------------------------------- values


def to_ts(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware (UTC)")
    return math.floor(moment.timestamp())


def from_ts(value: int | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromtimestamp(value, dt.UTC)


@dataclass(frozen=True)
class Consultation:
    id: int
    guild_id: int
    number: int
    member_id: int
    topic: Topic
    urgency: Urgency
    status: Status
    created_at: dt.datetime
    note: str | None = None
    preferred_time: str | None = None
    claimed_by: int | None = None
    claimed_at: dt.datetime | None = None
    first_claimed_at: dt.datetime | None = None
    thread_id: int | None = None
    card_channel_id: int | None = None
    card_message_id: int | None = None
    problem: str | None = None
    member_left_at: dt.datetime | None = None
    last_reminded_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    closed_by: int | None = None
    close_kind: CloseKind | None = None
    close_reason: str | None = None
    opening_message_id: int | None = None
    """My opening message in the thread: 0 while none is on record for this thread, None for
    a thread saved before migration 0009 (found by its text instead)."""
    type_id: int | None = None
    """Its consultation type (``bot.consultations.types``); None: the server's default type."""
    outcome: Outcome | None = None
    """What staff recorded when they closed it (``bot.consultations.outcomes``); None: none."""
    member_last_at: dt.datetime | None = None
    """The member's last message in its thread (a time only; ``bot.consultations.quiet``)."""
    staff_last_at: dt.datetime | None = None
    """The last message in its thread from anyone else but the bot (staff)."""
    awaiting_staff_since: dt.datetime | None = None
    """The member's first message staff have not answered (nor been reminded of) yet."""
    nudged_at: dt.datetime | None = None
    """When the bot checked in on the quiet member (None: not since they last wrote)."""
    on_hold_since: dt.datetime | None = None
    """``/ticket hold``: no check-in and no automatic close while set."""
    quiet_from: dt.datetime | None = None
    """The quiet time counts from here at the earliest (the end of a hold)."""
    closed_by_bot: bool = False
    """Closed by the bot, the member having not replied (outcome ``NO_REPLY``): no cooldown."""
    by_dm: bool = False
    """Opened by DM with the bot (``bot.consultations.dm``): the conversation goes on in that DM,
    relayed; the member is never in the staff thread."""
    alias: str | None = None
    """A pseudonymous DM request's name for staff ("Member 7F3K", ``Cipher.alias``): shown
    instead of the member's name, mention and id on everything staff see. None: named."""

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def on_hold(self) -> bool:
        return self.on_hold_since is not None

    @property
    def member_left(self) -> bool:
        return self.member_left_at is not None

    def waited(self, now: dt.datetime) -> dt.timedelta:
        """How long the member has been waiting (until the claim, or until now)."""
        end = self.claimed_at if self.status is Status.CLAIMED and self.claimed_at else now
        if self.closed_at is not None:
            end = self.closed_at
        return max(end - self.created_at, dt.timedelta(0))


@dataclass(frozen=True)
class CreateResult:
    consultation: Consultation
    created: bool
    """False when the member already had an open request (which is returned instead)."""
    position: int | None
    """Place in the waiting queue (1 is next), or None once claimed."""


@dataclass(frozen=True)
class QueuePage:
    """One page of the waiting queue, read in one trip with the counts it is headed by."""

    items: tuple[Consultation, ...]
    """The page's waiting requests, urgent first, then the longest waiting. Read without their
    texts (``note``, ``preferred_time`` and ``close_reason`` are None): the list never shows
    them, and decrypting two for each of ten requests costs more than the rest of the page."""
    page: int
    """The page shown (from 0), clamped to the pages there are."""
    pages: int
    waiting: int
    claimed: int


@dataclass(frozen=True)
class StaffNote:
    id: int
    consultation_id: int
    author_id: int
    body: str
    created_at: dt.datetime


@dataclass(frozen=True)
class StaffCount:
    staff_id: int
    claims: int
    closes: int


@dataclass(frozen=True)
class QueueStats:
    waiting: int
    claimed: int
    closed_today: int
    median_wait_to_claim: dt.timedelta | None
    median_wait_to_close: dt.timedelta | None
    per_staff: tuple[StaffCount, ...] = field(default_factory=tuple)
    days: int = STATS_DAYS


@dataclass(frozen=True)
class MemberLeft:
    """What changed when someone left the server."""

    marked: tuple[Consultation, ...]
    """Their own open or claimed request, now marked "member left"."""
    released: tuple[Consultation, ...]
    """Requests they had claimed as staff, now back in the queue."""
