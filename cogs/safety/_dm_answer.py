"""The answer to a direct message sent to the bot: the crisis lines (once per 10 minutes per
person, ``bot.safety.CrisisMatchLog``) and a "Message us privately" button. The bot does not
read the message. A DM of an open request by DM is the consultation feature's: it relays it."""

from __future__ import annotations

import logging

import discord

from bot.bot import SupportBot
from bot.i18n.messages import say
from bot.safety import DM
from bot.services import Services
from bot.ui import crisis_embed
from cogs._handoff import message_us_button

log = logging.getLogger(__name__)


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
        language = await bot.background_language(message.author.id, None)
        crisis = bot.library.crisis_in(language)
        await message.channel.send(
            say(language, "safety.dm_reply"),
            embed=crisis_embed(crisis, code, language),
            view=dm_reply_view(),
        )
    except discord.HTTPException as error:
        log.warning("safety.dm_reply_failed user=%s status=%s", message.author.id, error.status)
