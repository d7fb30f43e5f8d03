"""The consultation queue: requests to talk with a consultant, from open to claimed to closed.

Domain only (no ``discord`` import). The state machine and the invariants the database
enforces are described in ``bot.consultations.service``; every public name of the package
is importable from here.
"""

# The package, by job: values (limits, enums, refusals, dataclasses), _rows (SQL helpers on the
# database thread), queries (reads, notes, stats), departures (a member leaves or returns, a
# thread or card is deleted), service (the state machine), blocks (the blocklist) and oncall
# (who is on call, and how many requests each holds).

from bot.consultations.blocks import (
    BLOCK_REASON,
    BLOCK_REASON_LIMIT,
    MAX_BLOCK_DAYS,
    BlockAdded,
    BlockPage,
    ConsultBlock,
    ConsultBlockService,
    RequestsPausedError,
)
from bot.consultations.departures import (
    ConsultationDepartures,
)
from bot.consultations.oncall import (
    OnCall,
    OnCallService,
    OnCallStaff,
)
from bot.consultations.queries import (
    Asking,
    ConsultationQueries,
)
from bot.consultations.service import (
    ConsultationService,
)
from bot.consultations.values import (
    ACTIVE,
    CLAIM_CAP_MAX,
    CLOSE_REASON,
    CLOSE_REASON_LIMIT,
    COOLDOWN_KINDS,
    MEMBER_TOPICS,
    NEVER_LIMITED,
    NOTE,
    NOTE_LIMIT,
    PREFERRED_TIME,
    PREFERRED_TIME_LIMIT,
    PRIORITY,
    STAFF_NOTE,
    STAFF_NOTE_LIMIT,
    STATS_DAYS,
    TOPIC_LABELS,
    URGENCY_LABELS,
    AlreadyClaimedError,
    AlreadyHoldsError,
    CloseKind,
    Consultation,
    CreateResult,
    MemberLeft,
    NoLongerOpenError,
    NotFoundError,
    NotOnCallError,
    NotTheClaimerError,
    OverCapError,
    QueuePage,
    QueueStats,
    StaffCount,
    StaffNote,
    Status,
    TextCipher,
    Topic,
    Urgency,
    from_ts,
    open_requests,
    to_ts,
)

__all__ = [
    "ACTIVE",
    "BLOCK_REASON",
    "BLOCK_REASON_LIMIT",
    "CLAIM_CAP_MAX",
    "CLOSE_REASON",
    "CLOSE_REASON_LIMIT",
    "COOLDOWN_KINDS",
    "MAX_BLOCK_DAYS",
    "MEMBER_TOPICS",
    "NEVER_LIMITED",
    "NOTE",
    "NOTE_LIMIT",
    "PREFERRED_TIME",
    "PREFERRED_TIME_LIMIT",
    "PRIORITY",
    "STAFF_NOTE",
    "STAFF_NOTE_LIMIT",
    "STATS_DAYS",
    "TOPIC_LABELS",
    "URGENCY_LABELS",
    "AlreadyClaimedError",
    "AlreadyHoldsError",
    "Asking",
    "BlockAdded",
    "BlockPage",
    "CloseKind",
    "ConsultBlock",
    "ConsultBlockService",
    "Consultation",
    "ConsultationDepartures",
    "ConsultationQueries",
    "ConsultationService",
    "CreateResult",
    "MemberLeft",
    "NoLongerOpenError",
    "NotFoundError",
    "NotOnCallError",
    "NotTheClaimerError",
    "OnCall",
    "OnCallService",
    "OnCallStaff",
    "OverCapError",
    "QueuePage",
    "QueueStats",
    "RequestsPausedError",
    "StaffCount",
    "StaffNote",
    "Status",
    "TextCipher",
    "Topic",
    "Urgency",
    "from_ts",
    "open_requests",
    "to_ts",
]
