"""How staff see a request's member: its alias when the member kept their name from the
consultant (a pseudonymous request by DM), else the mention with the display name if known.

Every staff-side text about a request's member goes through ``member_ref``.
"""

from __future__ import annotations

from bot.consultations import Consultation
from cogs._names import Names, person


def member_ref(consultation: Consultation, names: Names | None = None) -> str:
    """``**Member 7F3K**`` for a pseudonymous request; else ``<@id> (Sam)`` or ``<@id>``."""
    if consultation.alias is not None:
        return f"**{consultation.alias}**"
    return person(consultation.member_id, names)


def people_of(consultation: Consultation) -> tuple[int, ...]:
    """The member, for a display-name lookup: nobody when staff must not learn the name."""
    return () if consultation.alias is not None else (consultation.member_id,)
