"""Requests by DM, in a cog of their own: the member's DMs relayed into the staff thread, the
DM buttons, and ``/reply`` (a form, so staff need no Message Content intent to answer)."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import SupportBot
from bot.consultations import RELAY_LIMIT
from bot.errors import OutOfDateError, UserFacingError
from cogs._components import bind, guarded, parse_id
from cogs.consult._dm import DmDesk
from cogs.consult._dm_views import DM_ITEMS
from cogs.consult._flow import ConsultFlow
from cogs.consult._forms import form_values

log = logging.getLogger(__name__)

REPLY_FORM = "dm:reply-form:"
"""``/reply``'s form: ``dm:reply-form:<request id>``."""


def reply_form(request_id: int, number: int) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=f"Reply to request #{number}", custom_id=f"{REPLY_FORM}{request_id}"
    )
    modal.add_item(
        discord.ui.TextInput(
            label="Your reply (the member gets it by DM)",
            custom_id="text",
            style=discord.TextStyle.paragraph,
            max_length=RELAY_LIMIT,
            required=True,
        )
    )
    modal.stop()  # layout only: the submission is answered from its data (``on_modal_submit``)
    return modal


class DmRequests(commands.Cog, name="DmRequests"):
    """Private messages to the team, by DM with the bot."""

    def __init__(self, bot: SupportBot, flow: ConsultFlow) -> None:
        self.bot = bot
        self.flow = flow
        self.desk = DmDesk(flow)
        self.buttons = bind(DM_ITEMS, desk=self.desk)
        self._caught_up = False

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        try:
            if message.guild is None:
                await self.desk.relay_in(message)
            elif self.bot.settings.relay and isinstance(message.channel, discord.Thread):
                await self.desk.relay_out(message, self.bot.settings.relay_prefix)
        except Exception:
            log.exception("dm.relay_error message=%s", message.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        if self._caught_up:
            return
        self._caught_up = True
        try:
            await self.desk.catch_up()
        except Exception:
            log.exception("dm.catch_up_error")

    @commands.Cog.listener()
    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        data: dict[str, Any] = dict(payload.data)
        author = data.get("author") or {}
        if payload.guild_id is not None or author.get("bot") or not data.get("edited_timestamp"):
            return  # a server's message, the bot's own, or Discord adding a link preview
        content = data.get("content")
        if not isinstance(content, str) or "id" not in author:
            return
        try:
            await self.desk.relay_edit(int(author["id"]), payload.message_id, content)
        except Exception:
            log.exception("dm.relay_edit_error message=%s", payload.message_id)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            return
        try:
            await self.desk.relay_delete(payload.channel_id, payload.message_id)
        except Exception:
            log.exception("dm.relay_delete_error message=%s", payload.message_id)

    @app_commands.command(name="reply")
    @app_commands.guild_only()
    async def reply(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Answer the member of this request by DM (for requests that came by DM)."""
        await self.flow.require_staff(interaction)
        request = await self.flow.request_in_thread(interaction)
        if not request.by_dm:
            raise UserFacingError(
                "This request's member is in this thread with you: write here as usual. "
                "`/reply` is for requests that came by DM."
            )
        await interaction.response.send_modal(reply_form(request.id, request.number))

    @commands.Cog.listener()
    async def on_modal_submit(self, interaction: discord.Interaction[SupportBot]) -> None:
        data = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if custom_id.startswith(REPLY_FORM):
            request_id = parse_id(custom_id.removeprefix(REPLY_FORM))
            await guarded(
                interaction, "form:dm-reply", self._submitted(interaction, request_id, data)
            )

    async def _submitted(
        self,
        interaction: discord.Interaction[SupportBot],
        request_id: int | None,
        data: dict[str, object],
    ) -> None:
        await self.flow.require_staff(interaction)
        request = await self.flow.request_in_thread(interaction)
        if request_id is None or request.id != request_id:
            raise OutOfDateError()
        text = form_values(data).get("text")
        await self.desk.reply(interaction, request, text if isinstance(text, str) else "")
