"""Who is on call, on the staff card and in its pings: pure functions of domain objects.

While anyone is on call, a new request pings those staff members by name instead of the staff
role; urgent requests ping the role as well, always. Nobody on call: the role is pinged for
urgent requests only, as before on-call existed. The card lists who is on call (at most
``SHOWN`` names, then "+N more") and suggests whoever holds the fewest open requests.
"""

from __future__ import annotations

from collections.abc import Callable

import discord

from bot import limits
from bot.consultations import Consultation, OnCall, Urgency
from bot.guild_config import GuildConfig
from bot.ui import add_field, escape, shorten
from cogs.consult import _embeds as render

SHOWN = 10
"""On-call staff named on a card; the rest are counted ("+3 more")."""
MAX_PINGS = 25
"""On-call staff pinged by one card (fewest open requests first): the content stays short."""
NAME_LIMIT = 40

Namer = Callable[[int], str | None]
"""A staff member's display name by id (None when Discord doesn't have it to hand)."""


def pinged_staff(roster: OnCall) -> list[int]:
    """Whom a new card pings by name: everyone on call, fewest open requests first."""
    ordered = sorted(roster.staff, key=lambda person: person.open_claims)
    return [person.staff_id for person in ordered[:MAX_PINGS]]


def card_pings(
    consultation: Consultation,
    config: GuildConfig,
    roster: OnCall,
    fallback_role_id: int | None = None,
    route_role_id: int | None = None,
) -> tuple[str, discord.AllowedMentions]:
    """The new card's message text (``render.card_content``, then the on-call staff it pings)
    and exactly whom it may ping: the on-call staff, and the staff role for an urgent one
    (with the type's urgent fallback role, when it has one). ``config`` as the type sees it.
    ``route_role_id``: out of hours in route mode, the on-call role, pinged for every request."""
    urgent = consultation.urgency is Urgency.URGENT
    roles = [r for r in (config.staff_role_id, fallback_role_id) if r] if urgent else []
    users = pinged_staff(roster)
    content = render.card_content(consultation, config.staff_role_id)
    if urgent and fallback_role_id and consultation.active:
        content += f" <@&{fallback_role_id}>"
    if route_role_id and consultation.active:
        roles.append(route_role_id)
        content += f" · Out of hours, for on call: <@&{route_role_id}>"
    if users:
        content += " · On call: " + " ".join(f"<@{u}>" for u in users)
    allowed = discord.AllowedMentions(
        everyone=False,
        users=[discord.Object(u) for u in users] if users else False,
        roles=[discord.Object(r) for r in roles] if roles else False,
        replied_user=False,
    )
    return shorten(content, limits.MESSAGE_CONTENT), allowed


def _person(staff_id: int, name_of: Namer) -> str:
    name = name_of(staff_id)
    return f"<@{staff_id}> ({escape(name, NAME_LIMIT)})" if name else f"<@{staff_id}>"


def roster_lines(roster: OnCall, name_of: Namer, cap: int | None) -> str:
    """Who is on call (at most ``SHOWN``, then "+N more") and each one's open requests."""
    if not roster.staff:
        return "Nobody is on call right now. Staff can use `/oncall on`."
    of = f"/{cap}" if cap is not None else ""
    lines = [
        f"{_person(p.staff_id, name_of)} · {p.open_claims}{of} open" for p in roster.staff[:SHOWN]
    ]
    if len(roster.staff) > SHOWN:
        lines.append(f"+{len(roster.staff) - SHOWN} more")
    return "\n".join(lines)


def suggestion(roster: OnCall, name_of: Namer, cap: int | None) -> str | None:
    """The round-robin suggestion: who on call holds the fewest open requests."""
    fewest = roster.fewest()
    if fewest is None:
        return None
    if cap is not None and fewest.open_claims >= cap:
        return f"Everyone on call holds {cap} open requests, this server's cap."
    held = "no open requests" if fewest.open_claims == 0 else f"{fewest.open_claims} open"
    return f"{_person(fewest.staff_id, name_of)}, with {held}."


def add_roster(
    card: discord.Embed, roster: OnCall, name_of: Namer, cap: int | None
) -> discord.Embed:
    """The card's on-call fields (an open request's card only)."""
    add_field(card, f"On call ({len(roster.staff)})", roster_lines(roster, name_of, cap))
    suggested = suggestion(roster, name_of, cap)
    if suggested:
        add_field(card, "Fewest open requests", suggested)
    return card
