"""Quiet threads: the message events that keep each request thread's times, the loop that checks
in, closes and reminds (every minute, once the start-up check is done), and ``/ticket hold``.

``/ticket hold`` lives in the consult cog's ``/ticket`` group (``_cog``) and calls
``ticket_hold`` here; this module's cog, ``QuietThreads``, owns the listener and the loop. What
they do in Discord is ``cogs.consult._quiet``; the rules are ``bot.consultations.quiet``.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands, tasks

from bot.bot import SupportBot
from bot.errors import TryAgainError, UserFacingError
from bot.ui import send_ephemeral
from cogs._components import defer
from cogs.consult import _quiet_render as say
from cogs.consult._flow import ConsultFlow

log = logging.getLogger(__name__)

TICK_SECONDS = 60


async def ticket_hold(
    flow: ConsultFlow, interaction: discord.Interaction[Any], state: str | None
) -> None:
    """``/ticket hold [on|off]`` in a request's thread: staff of this server (no state: the
    other way from how it is)."""
    await flow.require_staff(interaction)
    request = await flow.request_in_thread(interaction)
    if not request.active:
        raise UserFacingError(
            f"Request #{request.number} is closed, so there is nothing to put on hold."
        )
    await defer(interaction)
    guild = interaction.guild
    assert guild is not None
    change = await flow.hold(guild, request, None if state is None else state == "on")
    await send_ephemeral(interaction, say.hold_reply(change.consultation, changed=change.changed))


class QuietThreads(commands.Cog, name="QuietThreads"):
    """Quiet conversations: a gentle check-in, an automatic close, reminders to reply."""

    def __init__(self, bot: SupportBot, flow: ConsultFlow) -> None:
        self.bot = bot
        self.flow = flow

    async def cog_unload(self) -> None:
        self.tick.cancel()

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # A new gateway session may have missed messages: read the threads again before acting.
        self.flow.read_threads_again()
        # Started here rather than in cog_load, so loading the extension never needs a login.
        if not self.tick.is_running():
            self.tick.start()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        # No Message Content intent needed: only who wrote, where and when.
        try:
            await self.flow.thread_message(message)
        except (RuntimeError, TryAgainError) as error:  # the database is closed or busy
            log.warning("quiet.message_skipped error=%s", type(error).__name__)
        except Exception:
            log.exception("quiet.message_failed")

    @tasks.loop(seconds=TICK_SECONDS)
    async def tick(self) -> None:
        try:
            await self.flow.check_quiet()
        except Exception:
            log.exception("quiet.tick_failed")

    @tick.before_loop
    async def _before_tick(self) -> None:
        await self.bot.wait_until_ready()
        await self.flow.reconciled.wait()  # the start-up check first: threads made, gone closed
