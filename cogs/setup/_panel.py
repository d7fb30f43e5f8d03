"""``/setup panel``: a standing message where members start a consultation.

One button per consultation type (its emoji and name), or one "Talk to a consultant" button
in a server with no types. The buttons are the consultation feature's persistent ones
(``cogs._handoff.panel_view``), answered from their custom_id and the database, so a panel
keeps working after a restart; a type removed since answers "out of date" and offers the
current ones. Running the command again posts a fresh panel (older ones keep working).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot import limits
from bot.consultations import ConsultType
from bot.errors import UserFacingError
from bot.permissions import label
from bot.ui import CALM, add_field, embed, escape

log = logging.getLogger(__name__)

PANEL_PERMISSIONS = ("view_channel", "send_messages", "embed_links")


def panel_embed(kinds: Sequence[ConsultType]) -> discord.Embed:
    """What the panel says: warm, plain, and where to go in a crisis."""
    result = embed(
        "Talk to a consultant",
        "You can talk privately with someone from our staff. "
        + (
            "Choose what you'd like to talk about below and fill in a short form."
            if kinds
            else "Press the button below and fill in a short form."
        )
        + " Only staff will see your request.",
        colour=CALM,
    )
    for kind in kinds:
        name = escape(kind.name, 60)
        add_field(
            result,
            f"{kind.emoji} {name}" if kind.emoji else name,
            escape(kind.description, limits.EMBED_FIELD_VALUE),
        )
    result.set_footer(
        text="This is not an emergency service. If you are in danger now, use /crisis."
    )
    return result


def require_panel_permissions(channel: discord.TextChannel) -> None:
    """Refuse, naming what is missing, when I can't post the panel in ``channel``."""
    granted = channel.permissions_for(channel.guild.me)
    missing = [code for code in PANEL_PERMISSIONS if not getattr(granted, code)]
    if missing:
        names = " and ".join(f"**{label(code)}**" for code in missing)
        raise UserFacingError(
            f"I need the {names} permission{'s' if len(missing) > 1 else ''} in "
            f"{channel.mention} to post the panel there. Nothing was posted."
        )
