"""The crisis-language safety net, and the answer to any direct message sent to the bot.

In servers: only when the bot runs with ``SAFETY_NET=true`` *and* the server turned it on
with ``/setup safety``. A match gets one short, kind reply to the member and one alert to
staff with a link to the message (never its text), at most once per member per 10 minutes.
The message is never deleted, and nothing of it is stored or logged.

In DMs: the bot does not read the message; every DM gets the crisis resources (once per
10 minutes per person), because someone writing to a bot may have nowhere else to turn.
"""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.bot import SupportBot
from bot.guild_config import GuildConfig, GuildConfigRepository
from bot.safety import DM, Category, CrisisMatchLog, Match
from bot.ui import URGENT, crisis_embed, embed
from cogs._handoff import consult_button_view

log = logging.getLogger(__name__)

CATEGORY_NAMES: dict[Category, str] = {
    Category.PASSIVE: "a wish not to be alive",
    Category.ACTIVE: "wanting to end their life",
    Category.METHOD: "words about a means of self-harm",
    Category.PLAN: "a plan or a time",
    Category.FAREWELL: "something that reads like a goodbye",
    Category.BURDEN: "feeling a burden or alone",
    Category.HOPELESS: "feeling hopeless or trapped",
    Category.SELF_HARM: "hurting themselves",
    Category.OVERDOSE: "overdose intent",
    Category.AMBIGUOUS: "words that may mean more next to what they wrote before",
}

_STORED_CATEGORY = {Category.METHOD: "means", Category.OVERDOSE: "means"}
"""The stored category, in the values the crisis_matches table allows until it is widened."""

MEMBER_REPLY = (
    "You matter, and we're glad you're here. If things feel like too much right now, "
    "help is free and open any time: call or text **988** (US), or text **HOME** to "
    "**741741**. `/crisis` lists more lines, including outside the US. "
    "If you'd like, someone from our team can talk with you privately."
)

DM_REPLY = (
    "Hi, I'm the group's bot, so I can't read or answer messages here. "
    "If you need someone right now, the lines below are free and open any time. "
    "To talk with a consultant from the group, use `/consult` in the server."
)


def staff_alert(message: discord.Message, match: Match) -> discord.Embed:
    """The staff alert: who, where, a jump link and the category; never the message text."""
    channel = getattr(message.channel, "mention", f"<#{message.channel.id}>")
    result = embed(
        "Safety net: someone may need a gentle check-in",
        f"{message.author.mention} in {channel} wrote something that matched "
        f"{CATEGORY_NAMES[match.category]}.\n[Jump to the message]({message.jump_url})\n\n"
        "They got a short reply with crisis lines and a button to reach a consultant. "
        "Please check in kindly. Don't quote their message elsewhere.",
        colour=URGENT,
    )
    result.set_footer(text="The bot stores no message text. Matches can be false alarms.")
    return result


class SafetyNet(commands.Cog):
    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot
        self.matcher = bot.library.crisis_phrases

    def _log(self) -> CrisisMatchLog:
        return CrisisMatchLog(self.bot.db, retention_days=self.bot.settings.retention_days)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        if message.guild is None:
            await self._answer_dm(message)
            return
        if not self.bot.settings.safety_net:
            return
        try:
            config = await GuildConfigRepository(self.bot.db).get(message.guild.id)
        except Exception:
            log.exception("safety.config_failed guild=%s", message.guild.id)
            return
        if not config.safety_enabled:
            return
        found = self.matcher.match(message.content)
        if found is None:
            return
        respond = True
        try:
            outcome = await self._log().record(
                guild_id=message.guild.id,
                channel_id=message.channel.id,
                message_id=message.id,
                user_id=message.author.id,
                category=_STORED_CATEGORY.get(found.category, "direct"),
                now=discord.utils.utcnow(),
            )
            respond = outcome.respond
        except Exception:
            # Never let storage trouble stand between a member and help.
            log.exception(
                "safety.record_failed guild=%s user=%s", message.guild.id, message.author.id
            )
        if not respond:
            return
        await self._reply(message)
        await self._alert_staff(message, config, found)

    async def _reply(self, message: discord.Message) -> None:
        try:
            await message.reply(
                MEMBER_REPLY, view=consult_button_view(urgent=True), mention_author=False
            )
        except discord.HTTPException as error:
            log.warning(
                "safety.reply_failed guild=%s channel=%s status=%s",
                message.guild.id if message.guild else None,
                message.channel.id,
                error.status,
            )

    async def _alert_staff(
        self, message: discord.Message, config: GuildConfig, found: Match
    ) -> None:
        assert message.guild is not None
        channel = (
            message.guild.get_channel(config.queue_channel_id) if config.queue_channel_id else None
        )
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("safety.no_queue_channel guild=%s", message.guild.id)
            return
        ping = config.staff_role_id
        try:
            await channel.send(
                content=f"<@&{ping}>" if ping else None,
                embed=staff_alert(message, found),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False,
                    users=False,
                    roles=[discord.Object(ping)] if ping else False,
                ),
            )
        except discord.HTTPException as error:
            log.warning(
                "safety.alert_failed guild=%s channel=%s status=%s",
                message.guild.id,
                channel.id,
                error.status,
            )
            return
        log.info("safety.alerted guild=%s user=%s", message.guild.id, message.author.id)

    async def _answer_dm(self, message: discord.Message) -> None:
        respond = True
        try:
            outcome = await self._log().record(
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
            await message.channel.send(DM_REPLY, embed=crisis_embed(self.bot.crisis))
        except discord.HTTPException as error:
            log.warning("safety.dm_reply_failed user=%s status=%s", message.author.id, error.status)


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(SafetyNet(bot))
