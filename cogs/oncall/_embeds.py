"""What ``/oncall`` answers: pure functions of domain objects."""

from __future__ import annotations

import discord

from bot.consultations import OnCall, open_requests
from bot.guild_config import GuildConfig
from bot.ui import CALM, QUIET, add_field, embed
from cogs._handoff import Namer, roster_lines, suggestion


def load_line(held: int, config: GuildConfig, *, exempt: bool) -> str:
    """The staff member's own open requests, against the server's cap."""
    requests = open_requests(held)
    if config.claim_cap is None:
        return f"You hold {requests}. This server has no cap per person."
    line = f"You hold {requests}; this server's cap is {config.claim_cap} per person."
    return line + (" As an admin you can claim past it." if exempt else "")


def went_on(changed: bool, held: int, config: GuildConfig, *, exempt: bool) -> str:
    first = (
        "You're on call. New requests will ping you by name until you use `/oncall off`."
        if changed
        else "You were already on call: nothing changed."
    )
    return f"{first}\n{load_line(held, config, exempt=exempt)}"


def went_off(changed: bool) -> str:
    if not changed:
        return "You weren't on call, so nothing changed. `/oncall on` puts you on call."
    return (
        "You're off call. New requests won't ping you by name (urgent ones still ping the "
        "staff role). Thank you for your time on call."
    )


def status_embed(
    roster: OnCall,
    me: int,
    held: int,
    config: GuildConfig,
    name_of: Namer,
    *,
    exempt: bool,
) -> discord.Embed:
    """``/oncall status``: who is on call, your own open requests and the cap."""
    mine = next((p for p in roster.staff if p.staff_id == me), None)
    you = (
        f"You are on call since {discord.utils.format_dt(mine.since, 'R')}."
        if mine is not None
        else "You are off call. `/oncall on` puts you on call."
    )
    result = embed("On call", you, colour=CALM if roster.staff else QUIET)
    add_field(
        result,
        f"On call now ({len(roster.staff)})",
        roster_lines(roster, name_of, config.claim_cap),
    )
    suggested = suggestion(roster, name_of, config.claim_cap)
    if suggested:
        add_field(result, "Fewest open requests", suggested)
    add_field(result, "Your open requests", load_line(held, config, exempt=exempt))
    if config.require_oncall:
        add_field(result, "Claiming", "This server asks staff to be on call to claim requests.")
    return result
