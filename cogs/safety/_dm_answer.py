"""The answer to a direct message sent to the bot: the crisis lines (once per 10 minutes per
person, ``bot.safety.CrisisMatchLog``) and a "Message us privately" button. The bot does not
read the message. A DM of an open request by DM is the consultation feature's: it relays it."""

from __future__ import annotations

import logging

import discord

from bot.bot import SupportBot
from bot.safety import DM
from bot.services import Services
from bot.ui import crisis_embed
from cogs._handoff import message_us_button

log = logging.getLogger(__name__)

DM_REPLY = (
    "Hi, I'm the group's bot, so I can't read or answer messages here. "
    "If you need someone right now, the lines below are free and open any time. "
    "To talk with a consultant from the group, press **Message us privately** to write to them "
    "here, or use `/consult` in the server."
)


def dm_reply_view() -> discord.ui.View:
    """Under the answer to a DM: a request by DM (the consultation feature's button)."""
    view = discord.ui.View(timeout=None)
    view.add_item(message_us_button())
    view.stop()
    return view


async def answer_dm(bot: SupportBot, services: Services, message: discord.Message) -> None:
    try:  # a DM request's conversation: the consultation feature relays it instead
        if await services.dm_requests.open_request_id(message.author.id) is not None:
            return
    except Exception:
        log.exception("safety.dm_request_check_failed user=%s", message.author.id)
    respond = True
    try:
        outcome = await services.crisis_log.record(
            guild_id=None,
            channel_id=message.channel.id,
            message_id=message.id,
            user_id=message.author.id,
            category=DM,
            now=discord.utils.utcnow(),
        )
        respond = outcome.respond
    except Exception:
        log.exception("safety.dm_record_failed user=%s", message.author.id)
    if not respond:
        return
    try:
        code = await bot.crisis_region(message.author.id, None, private=True)
        await message.channel.send(
            DM_REPLY, embed=crisis_embed(bot.crisis, code), view=dm_reply_view()
        )
    except discord.HTTPException as error:
        log.warning("safety.dm_reply_failed user=%s status=%s", message.author.id, error.status)
