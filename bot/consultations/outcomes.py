"""How a conversation ended, as staff record it when they close a request: one code from a
fixed list, stored on the request (a CHECK in migration 0015) and counted, without names, in
``/queue stats``. Staff bookkeeping of where people were pointed in the continuum of care:
never a recommendation, and never shown to the member (except in their own data export).

This module never imports discord.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

OUTCOME_PERIODS = (7, 30)
"""The periods ``/queue stats`` counts outcomes over (days, ending now)."""


class Outcome(StrEnum):
    INFORMATION_GIVEN = "information_given"
    REFERRED_OUTPATIENT = "referred_outpatient"
    REFERRED_IOP = "referred_iop"
    REFERRED_PHP = "referred_php"
    REFERRED_RESIDENTIAL = "referred_residential"
    REFERRED_INPATIENT = "referred_inpatient"
    REFERRED_CRISIS_LINE = "referred_crisis_line"
    FOLLOW_UP_BOOKED = "follow_up_booked"
    PEER_GROUP = "peer_group"
    NO_REPLY = "no_reply"
    DUPLICATE = "duplicate"
    OTHER = "other"


OUTCOME_LABELS: dict[Outcome, str] = {
    Outcome.INFORMATION_GIVEN: "Information given",
    Outcome.REFERRED_OUTPATIENT: "Referred to outpatient care",
    Outcome.REFERRED_IOP: "Referred to an intensive outpatient program (IOP)",
    Outcome.REFERRED_PHP: "Referred to partial hospitalization (PHP)",
    Outcome.REFERRED_RESIDENTIAL: "Referred to residential care",
    Outcome.REFERRED_INPATIENT: "Referred to inpatient care",
    Outcome.REFERRED_CRISIS_LINE: "Referred to a crisis line",
    Outcome.FOLLOW_UP_BOOKED: "Follow-up booked",
    Outcome.PEER_GROUP: "Connected to a peer group",
    Outcome.NO_REPLY: "No reply from the member",
    Outcome.DUPLICATE: "Duplicate request",
    Outcome.OTHER: "Other",
}
"""What staff read for each outcome (in the close form, the command and the stats)."""


@dataclass(frozen=True)
class OutcomeCounts:
    """Requests closed by staff in the last ``days`` days: how many of each outcome, and how
    many closed with none recorded. Counts only: never who."""

    days: int
    counts: Mapping[Outcome, int]
    unrecorded: int

    @property
    def total(self) -> int:
        return sum(self.counts.values()) + self.unrecorded


def count_outcomes(
    c: sqlite3.Connection, guild_id: int, since: int, where: str, ids: tuple[int, ...], days: int
) -> OutcomeCounts:
    """On the database thread: the staff closes of ``guild_id`` since ``since`` (unix seconds)
    among the requests ``where`` (``queries._scope``'s condition on ``ids``) reaches."""
    rows = c.execute(
        "SELECT outcome, COUNT(*) FROM consultations WHERE guild_id = ? AND status = 'closed' "
        f"AND close_kind = 'resolved' AND closed_at >= ?{where} GROUP BY outcome",
        (guild_id, since, *ids),
    ).fetchall()
    counts = {Outcome(row[0]): int(row[1]) for row in rows if row[0] is not None}
    unrecorded = sum(int(row[1]) for row in rows if row[0] is None)
    return OutcomeCounts(days, counts, unrecorded)
