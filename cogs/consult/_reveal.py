"""``/ticket reveal``: a staff lead sees who the member of a pseudonymous request by DM is.

Only staff leads (Manage Server, or Administrator), only in that request's thread, and only
with a reason. The lead alone is told the name (privately); the claimer is told in the thread
that it happened, and why; the log channel gets who, when and which request, never the reason.
Nothing of it is stored.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.consultations import REVEAL_REASON
from bot.errors import UserFacingError
from bot.text import sanitise_required
from bot.ui import escape, send_ephemeral
from cogs._checks import require_manager
from cogs._components import defer
from cogs._names import person
from cogs.consult._flow import ConsultFlow

log = logging.getLogger(__name__)


async def ticket_reveal(
    flow: ConsultFlow, interaction: discord.Interaction[Any], reason: str
) -> None:
    lead = require_manager(interaction, action="see who a member under an alias is")
    request = await flow.request_in_thread(interaction)
    alias = request.alias
    if alias is None:
        raise UserFacingError(
            f"Request #{request.number}'s member isn't under an alias: they are named on its card."
        )
    why = sanitise_required(reason, REVEAL_REASON)
    guild = interaction.guild
    assert guild is not None
    await defer(interaction)
    names = await flow.names(guild, (request.member_id,))
    log.info("dm.revealed id=%s guild=%s by=%s", request.id, guild.id, lead.id)
    await flow.log_line(
        guild,
        f"🔓 <@{lead.id}> saw who {alias} of request #{request.number} is (/ticket reveal).",
        event="dm.reveal",
    )
    if isinstance(interaction.channel, discord.Thread):
        claimer = request.claimed_by
        notice = (
            f"🔓 <@{lead.id}>, a staff lead, saw who {alias} is, for this reason:\n"
            f"> {escape(why, 300)}"
        )
        try:
            await interaction.channel.send(
                (f"<@{claimer}> " if claimer else "") + notice,
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(claimer)] if claimer else False
                ),
            )
        except discord.HTTPException as error:
            log.warning("dm.reveal_notice_failed id=%s status=%s", request.id, error.status)
    await send_ephemeral(
        interaction,
        f"{alias} of request #{request.number} is {person(request.member_id, names)}. Only you "
        "see this; it was noted in the log channel (never your reason) and the claimer was told.",
    )
