"""The crisis-language safety net, and the answer to any direct message sent to the bot.

In servers: only when the bot runs with ``SAFETY_NET=true`` *and* the server turned it on
with ``/setup safety``. A match is graded (``bot.safety.Level``) and read together with the
member's matches of the last few minutes (``bot.safety.memory``):

- a *concern* gets the member a gentle private check-in and staff a quiet note (no ping);
- a *high-risk* signal gets the member a private message with crisis lines and pings the staff
  role at once, like an urgent request;
- a *cue* on its own ("bye guys") does nothing, but raises a signal next to it to high.

The member is reached by DM (a server may choose the channel instead); when their DMs are
closed they get a short, neutral note in the channel that does not say why. Staff see the
kind of words and the level, with a link to the message, never its text. A member gets one
reply per 10 minutes; a level that rises within those minutes still alerts staff again. The
message is never deleted, and nothing of it is stored or logged.

In DMs: the bot does not read the message; every DM gets the crisis resources (once per
10 minutes per person), because someone writing to a bot may have nowhere else to turn, with
a "Message us privately" button (``cogs.safety._dm_answer``).
"""

from __future__ import annotations

import asyncio
import enum
import logging
import re
from typing import Any, ClassVar

import discord
from discord.ext import commands

from bot.bot import SupportBot
from bot.crisis import quick_lines
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig, SafetyReply
from bot.i18n import ENGLISH
from bot.i18n.messages import say
from bot.safety import Category, CrisisMatchLog, Level, Match, MatchOutcome
from bot.safety.memory import WINDOW, Signal, SignalMemory
from bot.services import Services
from bot.ui import URGENT, WARM, add_field, crisis_embed, embed, escape
from cogs._components import PersistentButton, bind, defer
from cogs._handoff import (
    ConsultHandoff,
    consult_button_view,
    safety_plan_button,
)
from cogs.safety._dm_answer import answer_dm

log = logging.getLogger(__name__)

OFF_LOOP_CHARS = 500
"""Messages longer than this are matched on a worker thread, so the event loop never waits.

The matcher is linear in length (about 2 µs a character on a loaded 2-core machine, see
``benchmarks/safety.py``): 500 characters stay well under 2 ms inline, and the hop to a thread
(about 0.1 ms) is paid only by the few long messages."""

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
    Category.AMBIGUOUS: "a few words that could mean goodbye or giving up",
}

LEVEL_NAMES: dict[Level, str] = {
    Level.CUE: "cue",
    Level.CONCERN: "concern",
    Level.HIGH: "high",
}

# The member's replies (in the channel, by DM, and the answer to a DM) are in every language
# in ``bot.i18n.messages`` (``safety.*``).

NEUTRAL_NOTE = (
    "{mention} a quick note from the group's bot: whenever you'd like to talk, someone from "
    "our team is here. Press the button or use `/consult`. Free lines are open any time: "
    "{lines}; `/crisis` lists more."
)
"""What the member sees in the channel when their DMs are closed: it says nothing of why (in
the server's language only, English for now: it must read the same whatever brought it)."""


class Delivery(enum.Enum):
    """How the member was reached, in words for staff."""

    DM = "They got a private message from me with crisis lines and a button to reach a consultant."
    CHANNEL = (
        "They got a reply in the channel (this server's setting) with crisis lines and a "
        "button to reach a consultant."
    )
    FALLBACK = (
        "I couldn't DM them, so they got a short, neutral note in the channel with crisis "
        "lines and a button to reach a consultant."
    )
    FAILED = "I couldn't reach them by DM or in the channel: please reach out to them yourselves."
    EARLIER = "I already sent them a message in the last 10 minutes, so I sent nothing new."


# --------------------------------------------------------------------------- rendering


def member_dm(signal: Signal, guild_name: str, lines: str, language: str = ENGLISH) -> str:
    """The private message to the member: gentle for a concern, crisis lines first for high.
    ``lines``: ``bot.crisis.quick_lines`` of the member's region (a DM is private), in
    ``language``."""
    key = "safety.dm.high" if signal.level is Level.HIGH else "safety.dm.concern"
    return say(language, key, guild=escape(guild_name, 100), lines=lines)


def staff_alert(message: discord.Message, signal: Signal, delivery: Delivery) -> discord.Embed:
    """The staff alert: who, where, a jump link, the kind and level; never the message text."""
    channel = getattr(message.channel, "mention", f"<#{message.channel.id}>")
    high = signal.level is Level.HIGH
    if delivery is Delivery.EARLIER:
        title = f"Safety net: now {LEVEL_NAMES[signal.level]}, please check in"
    elif high:
        title = "Safety net: high, please check in now"
    else:
        title = "Safety net: concern, a gentle check-in may help"
    lines = [
        f"{message.author.mention} in {channel} wrote something that matched "
        f"{CATEGORY_NAMES[signal.category]}."
    ]
    if signal.raised:
        earlier = ", ".join(CATEGORY_NAMES[category] for category in signal.raised_by)
        minutes = int(WINDOW.total_seconds() // 60)
        lines.append(
            f"Within {minutes} minutes they also wrote something that matched {earlier}, "
            f"so together it counts as **{LEVEL_NAMES[signal.level]}**."
        )
    lines += [
        f"[Jump to the message]({message.jump_url})",
        "",
        delivery.value,
        "Please check in kindly. Don't quote their message elsewhere.",
    ]
    result = embed(title, "\n".join(lines), colour=URGENT if high else WARM)
    add_field(result, "Level", LEVEL_NAMES[signal.level], inline=True)
    add_field(result, "Kind of words", CATEGORY_NAMES[signal.category], inline=True)
    result.set_footer(text="The bot stores no message text. Matches can be false alarms.")
    return result


# ------------------------------------------------------------------ the member's button

CONSULT_FROM_DM = "safety:consult:{guild}"


class ConsultFromDmButton(
    PersistentButton,
    template=r"safety:consult:(?P<guild>[0-9]{1,20})",
):
    """ "Talk to a consultant now" in the safety net's DM: opens the presser's own urgent
    request in the server the message came from (a DM has no server of its own).

    The cog registers it bound to its consultation hand-off (``cogs._components.bind``)."""

    consult: ClassVar[ConsultHandoff]

    def __init__(self, guild_id: int, language: str = ENGLISH) -> None:
        super().__init__(
            discord.ui.Button(
                label=say(language, "button.consult_now"),
                style=discord.ButtonStyle.danger,
                custom_id=CONSULT_FROM_DM.format(guild=guild_id),
            )
        )
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ConsultFromDmButton:
        return cls(int(match["guild"]))

    where = "button:safety:consult"

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await open_urgent_request(self.consult, interaction, self.guild_id)


def dm_view(guild_id: int, language: str = ENGLISH) -> discord.ui.View:
    """The DM's buttons: a consultant (``ConsultFromDmButton``) and the member's own safety
    plan (the safety-plan feature's), so the view keeps no handler."""
    view = discord.ui.View(timeout=None)
    view.add_item(ConsultFromDmButton(guild_id, language).item)
    view.add_item(safety_plan_button(language))
    view.stop()
    return view


def channel_reply_view(language: str = ENGLISH) -> discord.ui.View:
    """The reply in the channel's buttons: a consultant now, and the presser's own safety plan
    (each shows only the presser's own, privately)."""
    view = consult_button_view(urgent=True, language=language)
    view.add_item(safety_plan_button(language))
    return view


async def open_urgent_request(
    consult: ConsultHandoff, interaction: discord.Interaction[SupportBot], guild_id: int
) -> None:
    """Open (or show) the presser's own urgent request in ``guild_id`` and tell staff."""
    bot = interaction.client
    guild = bot.get_guild(guild_id)
    unreachable = UserFacingError(
        "I can't open a request in that server from here. You can use `/consult` there. "
        "If you need help right now, these lines are free and open any time.",
        show_crisis=True,
    )
    if guild is None:
        raise unreachable
    await defer(interaction)
    try:
        await guild.fetch_member(interaction.user.id)  # only a member opens a request there
    except discord.NotFound:
        raise unreachable from None
    consultation = await consult.open_for_member(guild, interaction.user.id)
    if consultation is None:  # consultations are not set up there
        raise UserFacingError(
            "I can't open a request in that server just now. If you need help right now, "
            "these lines are free and open any time.",
            show_crisis=True,
        )
    config = await bot.services.configs.get(guild.id)
    log.info(
        "safety.consult_opened guild=%s user=%s request=%s",
        guild.id,
        interaction.user.id,
        consultation.number,
    )
    await interaction.followup.send(
        f"Your request #{consultation.number} is with our team in **{escape(guild.name, 100)}**. "
        f"Someone will reach out to you in a private thread there. {config.expected_response}\n"
        "If you need someone sooner, the lines below are free and open any time.",
        embed=crisis_embed(
            bot.crisis, await bot.crisis_region(interaction.user.id, guild_id, private=True)
        ),
        ephemeral=True,
    )


# --------------------------------------------------------------------------------- the cog


class SafetyNet(commands.Cog):
    def __init__(self, bot: SupportBot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.matcher = bot.library.crisis_phrases
        self.memory = SignalMemory()
        self._compiling: asyncio.Task[None] | None = None
        self.buttons = bind((ConsultFromDmButton,), consult=ConsultHandoff(bot, services))

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)
        if self.bot.settings.safety_net:
            # Start-up only read the patterns; compile them now, off the event loop, so no
            # message waits for a regex to compile.
            self._compiling = asyncio.create_task(asyncio.to_thread(self.matcher.compile_all))

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)

    def _log(self) -> CrisisMatchLog:
        return self.services.crisis_log

    async def _match(self, text: str) -> Match | None:
        """The matcher's verdict; a long message is read on a worker thread."""
        if len(text) > OFF_LOOP_CHARS:
            return await asyncio.to_thread(self.matcher.match, text)
        return self.matcher.match(text)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        if message.guild is None:
            await self._answer_dm(message)
            return
        if not self.bot.settings.safety_net or not message.content.strip():
            return
        guild = message.guild
        try:
            config = await self.services.configs.get(guild.id)
        except Exception:
            log.exception("safety.config_failed guild=%s", guild.id)
            return
        if not config.safety_enabled:
            return
        found = await self._match(message.content)
        if found is None:
            return
        now = discord.utils.utcnow()
        signal = self.memory.observe(guild.id, message.author.id, found, now)
        if signal is None:  # a cue on its own: remembered, nothing else
            log.info("safety.cue guild=%s user=%s", guild.id, message.author.id)
            return
        outcome = MatchOutcome(record_id=0, respond=True, alert=True)
        try:
            outcome = await self._log().record(
                guild_id=guild.id,
                channel_id=message.channel.id,
                message_id=message.id,
                user_id=message.author.id,
                category=signal.category.value,
                level=signal.level,
                now=now,
            )
        except Exception:
            # Never let storage trouble stand between a member and help.
            log.exception("safety.record_failed guild=%s user=%s", guild.id, message.author.id)
        delivery = await self._reach(message, config, signal) if outcome.respond else None
        if outcome.alert:
            await self._alert_staff(message, config, signal, delivery or Delivery.EARLIER)

    # ------------------------------------------------------------------ the member

    async def _reach(
        self, message: discord.Message, config: GuildConfig, signal: Signal
    ) -> Delivery:
        """Reach the member: by DM unless the server chose the channel; a neutral note in the
        channel when their DMs are closed."""
        assert message.guild is not None
        language = await self.bot.background_language(message.author.id, message.guild)
        if config.safety_reply is SafetyReply.CHANNEL:
            return (
                Delivery.CHANNEL
                if await self._reply_in_channel(message, config, signal, language)
                else (Delivery.FAILED)
            )
        try:
            await message.author.send(
                member_dm(
                    signal, message.guild.name, await self._own_lines(message, language), language
                ),
                view=dm_view(message.guild.id, language),
            )
        except discord.HTTPException as error:
            log.info(
                "safety.dm_failed guild=%s user=%s status=%s code=%s",
                message.guild.id,
                message.author.id,
                error.status,
                error.code,
            )
        else:
            return Delivery.DM
        return Delivery.FALLBACK if await self._neutral_note(message, config) else Delivery.FAILED

    def _server_lines(self, config: GuildConfig, language: str = ENGLISH) -> str:
        """The main lines of the server's region: what a public reply may show (never the
        member's own country)."""
        return quick_lines(self.bot.library.crisis_in(language), config.crisis_region)

    async def _own_lines(self, message: discord.Message, language: str) -> str:
        """The main lines of the member's region, for a DM only they read."""
        guild_id = message.guild.id if message.guild else None
        code = await self.bot.crisis_region(message.author.id, guild_id, private=True)
        return quick_lines(self.bot.library.crisis_in(language), code)

    async def _reply_in_channel(
        self, message: discord.Message, config: GuildConfig, signal: Signal, language: str
    ) -> bool:
        """The reply under the member's message, in their language (their choice, else the
        language their app had at their last command, else the server's)."""
        key = "safety.reply.high" if signal.level is Level.HIGH else "safety.reply.concern"
        text = say(language, key, lines=self._server_lines(config, language))
        try:
            await message.reply(text, view=channel_reply_view(language), mention_author=False)
        except discord.HTTPException as error:
            self._reply_failed(message, error)
            return False
        return True

    async def _neutral_note(self, message: discord.Message, config: GuildConfig) -> bool:
        """A note in the channel that reads the same whatever brought it: no reply, no reason."""
        try:
            await message.channel.send(
                NEUTRAL_NOTE.format(
                    mention=message.author.mention, lines=self._server_lines(config)
                ),
                view=consult_button_view(urgent=True),
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[message.author]
                ),
            )
        except discord.HTTPException as error:
            self._reply_failed(message, error)
            return False
        return True

    @staticmethod
    def _reply_failed(message: discord.Message, error: discord.HTTPException) -> None:
        log.warning(
            "safety.reply_failed guild=%s channel=%s status=%s",
            message.guild.id if message.guild else None,
            message.channel.id,
            error.status,
        )

    # ------------------------------------------------------------------------ staff

    async def _alert_staff(
        self, message: discord.Message, config: GuildConfig, signal: Signal, delivery: Delivery
    ) -> None:
        assert message.guild is not None
        channel = (
            message.guild.get_channel(config.queue_channel_id) if config.queue_channel_id else None
        )
        if not isinstance(channel, discord.abc.Messageable):
            log.warning("safety.no_queue_channel guild=%s", message.guild.id)
            return
        # High pings the staff role at once, like an urgent request; a concern is a quiet note.
        ping = config.staff_role_id if signal.level is Level.HIGH else None
        try:
            await channel.send(
                content=f"<@&{ping}>" if ping else None,
                embed=staff_alert(message, signal, delivery),
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
        log.info(
            "safety.alerted guild=%s user=%s level=%s pinged=%s",
            message.guild.id,
            message.author.id,
            signal.level,
            ping is not None,
        )

    # -------------------------------------------------------------------------- DMs

    async def _answer_dm(self, message: discord.Message) -> None:
        await answer_dm(self.bot, self.services, message)
