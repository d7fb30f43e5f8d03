"""A request by DM (issue 21): the member asks from their DM with the bot, and the conversation
goes on there while staff answer in the request's private staff thread.

The request is an ordinary one (same queue, card, claim and close, ``ConsultFlow``), marked as
by DM (``bot.consultations.dm``). The member is never added to the thread. Their DMs are
relayed into it as they arrive; staff answer with ``/reply``, relayed to the DM. Nothing of
either is stored: each message passes the one text boundary, is sent, and is forgotten.
A message that cannot be passed on is said so, to whoever sent it: nothing is silently dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import discord

from bot.consultations import (
    RELAYED,
    Consultation,
    Status,
    Topic,
    Urgency,
)
from bot.errors import OutOfDateError, UserFacingError
from bot.text import TextRefusedError, sanitise_required
from bot.ui import crisis_embed, escape, send_ephemeral
from cogs._components import defer
from cogs.consult import _dm_render as say
from cogs.consult._dm_views import end_view, server_view, type_view, urgency_view
from cogs.consult._flow import ConsultFlow
from cogs.consult._flow_base import is_staff_member

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()

END_WORDS = frozenset({"close", "/close"})
"""A member's DM that is only one of these ends their conversation, as the button does."""


async def with_retries(
    send: Callable[[], Awaitable[object]], backoff: Sequence[float], what: str, request_id: int
) -> None:
    """Send, trying again after each wait in ``backoff`` while Discord fails (a 5xx or 429);
    a refusal (403, 404, 50007) is not retried: it would not change. Raises the last error."""
    for attempt in range(len(backoff) + 1):
        try:
            await send()
            return
        except discord.HTTPException as error:
            retry = error.status >= 500 or error.status == 429
            log.info(
                "dm.%s_attempt_failed id=%s status=%s attempt=%d",
                what,
                request_id,
                error.status,
                attempt + 1,
            )
            if attempt == len(backoff) or not retry:
                raise
            await asyncio.sleep(backoff[attempt])


class DmDesk:
    """Everything a DM request does in Discord, on top of the consultation flow."""

    def __init__(self, flow: ConsultFlow) -> None:
        self.flow = flow
        self.bot = flow.bot
        self.services = flow.services

    # ------------------------------------------------------------------ asking

    async def _servers(self, user: discord.abc.User) -> list[discord.Guild]:
        """Servers the person shares with the bot where consultations are set up."""
        found = []
        for guild in self.bot.guilds:
            if guild.unavailable:
                continue
            if not (await self.services.configs.get(guild.id)).consultations_ready:
                continue
            if guild.get_member(user.id) is None:  # members are not all cached: ask Discord
                try:
                    await guild.fetch_member(user.id)
                except discord.HTTPException:  # not a member (404), or Discord failing
                    continue
            found.append(guild)
        return found

    async def _crisis(self, user_id: int, guild_id: int | None = None) -> discord.Embed:
        """The crisis lines, the person's own region first (a DM: only they see it)."""
        code = await self.bot.crisis_region(user_id, guild_id, private=True)
        return crisis_embed(self.bot.crisis, code)

    async def start(self, interaction: discord.Interaction[Any]) -> None:
        """ "Message us privately": the server first (skipped when there is one). Pressed in a
        server (its panel), the rest goes on in the presser's DM, for that server."""
        if interaction.guild is not None:
            await self._start_in_dm(interaction, interaction.guild)
            return
        servers = await self._servers(interaction.user)
        if not servers:
            lines = await self._crisis(interaction.user.id)
            await interaction.response.send_message(say.NO_SERVER, embed=lines)
            return
        if len(servers) == 1:
            await self._after_server(interaction, servers[0], new=True)
            return
        await interaction.response.send_message(
            say.PICK_SERVER, view=server_view([(g.id, g.name) for g in servers])
        )

    async def _start_in_dm(
        self, interaction: discord.Interaction[Any], guild: discord.Guild
    ) -> None:
        await defer(interaction)
        if not (await self.services.configs.get(guild.id)).consultations_ready:
            raise UserFacingError(say.NOT_SET_UP, show_crisis=True)
        kinds = await self.services.consult_types.list(guild.id)
        if kinds:
            content, view = say.PICK_TYPE, type_view(guild.id, kinds)
        else:
            content, view = say.PICK_URGENCY, urgency_view(guild.id, None)
        try:
            channel = await interaction.user.create_dm()
            await channel.send(say.from_server(guild.name, content), view=view)
        except discord.HTTPException as error:
            log.info("dm.start_dm_failed guild=%s status=%s", guild.id, error.status)
            lines = await self._crisis(interaction.user.id, guild.id)
            await send_ephemeral(interaction, say.CANT_DM, embed=lines)
            return
        await send_ephemeral(interaction, say.SENT_TO_DM)

    async def _guild(self, interaction: discord.Interaction[Any], guild_id: int) -> discord.Guild:
        for guild in await self._servers(interaction.user):
            if guild.id == guild_id:
                return guild
        raise OutOfDateError()  # left, removed, or no longer set up

    async def server_chosen(self, interaction: discord.Interaction[Any], guild_id: int) -> None:
        await self._after_server(interaction, await self._guild(interaction, guild_id), new=False)

    async def _after_server(
        self, interaction: discord.Interaction[Any], guild: discord.Guild, *, new: bool
    ) -> None:
        """The type, when the server has types; else the urgency."""
        kinds = await self.services.consult_types.list(guild.id)
        if kinds:
            content, view = say.PICK_TYPE, type_view(guild.id, kinds)
        else:
            content, view = say.PICK_URGENCY, urgency_view(guild.id, None)
        if new:
            await interaction.response.send_message(content, view=view)
        else:
            await interaction.response.edit_message(content=content, view=view)

    async def type_chosen(
        self, interaction: discord.Interaction[Any], guild_id: int, type_id: int
    ) -> None:
        guild = await self._guild(interaction, guild_id)
        if await self.services.consult_types.get(guild.id, type_id) is None:
            raise OutOfDateError()
        await interaction.response.edit_message(
            content=say.PICK_URGENCY, view=urgency_view(guild.id, type_id)
        )

    async def send_request(
        self,
        interaction: discord.Interaction[Any],
        guild_id: int,
        type_id: int | None,
        urgency: Urgency,
        *,
        pseudonymous: bool = False,
    ) -> None:
        """Open the request on the server's queue, marked as by DM (under an alias when the
        member keeps their name from the consultant), and tell both sides."""
        guild = await self._guild(interaction, guild_id)
        if type_id is not None and await self.services.consult_types.get(guild.id, type_id) is None:
            raise OutOfDateError()
        channel_id = interaction.channel_id
        assert channel_id is not None
        await interaction.response.defer()
        config = await self.services.configs.get(guild.id)
        now = self.flow.now()
        result = await self.flow.service.create(
            guild_id=guild.id,
            member_id=interaction.user.id,
            topic=Topic.OTHER,
            urgency=urgency,
            now=now,
            config=config,
            type_id=type_id,
            dm_channel_id=channel_id,
            pseudonymous=pseudonymous,
        )
        consultation = result.consultation
        if not result.created:
            await interaction.edit_original_response(
                content=say.already_open(consultation, guild.name), view=None
            )
            return
        log.info(
            "dm.request_opened id=%s guild=%s member=%s",
            consultation.id,
            guild.id,
            interaction.user.id,
        )
        routed, _kind = await self.flow.routed(config, consultation)
        outside = await self.flow.outside_hours(config, consultation, now)
        try:
            await interaction.edit_original_response(
                content=say.confirmation(
                    consultation,
                    guild.name,
                    routed.expected_response,
                    await self.flow.member_reminder(guild, consultation.member_id),
                ),
                embed=await self._crisis(interaction.user.id, guild.id),
                view=end_view(consultation.id),
            )
        finally:  # staff hear of the request even when the member's receipt failed
            await self.flow.deliver(guild, config, consultation, outside)

    # ------------------------------------------------------------------ ending

    async def member_end(self, interaction: discord.Interaction[Any], request_id: int) -> None:
        """The member's "End conversation": a cancel while it waits, a close once claimed."""
        request = await self.flow.service.get(request_id)
        if request is None or request.member_id != interaction.user.id or not request.by_dm:
            raise OutOfDateError()
        if not request.active:
            raise UserFacingError("This conversation has already ended.")
        guild = self.bot.get_guild(request.guild_id)
        if guild is None:
            raise OutOfDateError()
        await interaction.response.defer()
        await self._end(guild, request)
        try:
            await interaction.edit_original_response(view=None)
        except discord.HTTPException:
            log.info("dm.end_button_kept id=%s", request.id)

    async def _end(self, guild: discord.Guild, request: Consultation) -> None:
        """The member ends it: both sides are told (the member in their DM)."""
        if request.status is Status.OPEN:
            ended = await self.flow.cancel(guild, request.member_id)
            line = await self.flow.member_reminder(guild, ended.member_id)
            await self.flow.tell_member(guild, ended, say.closed_dm(ended, guild.name, line))
        else:
            closed = await self.flow.service.member_close(
                guild.id, request.id, request.member_id, self.flow.now()
            )
            await self.flow.finish_close(
                guild, closed.consultation, consultant_id=closed.consultant_id
            )
        log.info("dm.member_ended id=%s", request.id)

    # ------------------------------------------------------------------ relaying

    async def relay_in(self, message: discord.Message) -> bool:
        """A member's DM to the bot: into their DM request's thread. False when they have no
        open DM request (the safety net's answer is theirs, then)."""
        request_id = await self.services.dm_requests.open_request_id(message.author.id)
        request = None if request_id is None else await self.flow.service.get(request_id)
        if request is None or not request.active:
            return False
        if message.attachments:
            await self._answer(message, say.ATTACHMENTS_LEFT)
        if not message.content.strip():
            return True
        guild = self.bot.get_guild(request.guild_id)
        if message.content.strip().lower() in END_WORDS and guild is not None:
            try:
                await self._end(guild, request)
            except UserFacingError as refused:
                await self._answer(message, refused.message, crisis=True)
            return True
        try:
            text = sanitise_required(message.content, RELAYED)
        except TextRefusedError:
            await self._answer(message, say.TOO_LONG)
            return True
        thread = None
        if request.status is Status.CLAIMED and guild is not None:
            thread = await self.flow._thread_for(guild, request)
        if thread is None:
            await self._answer(message, say.WAITING, crisis=True)
            return True
        if not await self.services.dm_requests.mark_relayed(request.id, message.id):
            log.info("dm.already_relayed id=%s", request.id)  # caught up, or seen twice
            return True
        try:
            if thread.archived:
                await thread.edit(archived=False)
            relayed = say.from_member(request, text)
            await with_retries(
                partial(thread.send, relayed, allowed_mentions=NO_MENTIONS),
                self.flow.add_member_backoff,
                "relay_in",
                request.id,
            )
        except discord.HTTPException as error:
            log.warning("dm.relay_in_failed id=%s status=%s", request.id, error.status)
            await self._answer(message, say.NOT_PASSED, crisis=True)
            return True
        log.info("dm.relayed_in id=%s", request.id)
        try:
            await message.add_reaction("✅")
        except discord.HTTPException:
            log.info("dm.tick_failed id=%s", request.id)
        return True

    async def _claimed(
        self, request_id: int | None, message_id: int
    ) -> tuple[Consultation, discord.Thread] | None:
        """The claimed request and its thread, when ``message_id`` was written after the
        claim (so it was relayed: an edit or deletion of it concerns staff)."""
        request = None if request_id is None else await self.flow.service.get(request_id)
        if request is None or request.status is not Status.CLAIMED or request.claimed_at is None:
            return None
        if discord.utils.snowflake_time(message_id) < request.claimed_at:
            return None
        guild = self.bot.get_guild(request.guild_id)
        thread = None if guild is None else await self.flow._thread_for(guild, request)
        return None if thread is None else (request, thread)

    async def relay_edit(self, author_id: int, message_id: int, content: str) -> None:
        """The member edited a DM they sent during the conversation: its new text, as a note."""
        found = await self._claimed(
            await self.services.dm_requests.open_request_id(author_id), message_id
        )
        if found is None or not content.strip():
            return
        request, thread = found
        try:  # cut to the relay's limit first: an edit is never refused for its length
            text = sanitise_required(content[: RELAYED.limit], RELAYED)
        except TextRefusedError:
            return  # nothing visible left
        await self._note(thread, request, say.edited(request, text))

    async def relay_delete(self, dm_channel_id: int, message_id: int) -> None:
        """A message deleted in the member's DM during the conversation: a note (which one, I
        can't say: I keep no messages)."""
        found = await self._claimed(
            await self.services.dm_requests.open_request_in(dm_channel_id), message_id
        )
        if found is not None:
            request, thread = found
            await self._note(thread, request, say.deleted(request))

    async def _note(self, thread: discord.Thread, request: Consultation, text: str) -> None:
        try:
            await with_retries(
                partial(thread.send, text, allowed_mentions=NO_MENTIONS),
                self.flow.add_member_backoff,
                "note",
                request.id,
            )
        except discord.HTTPException as error:
            log.warning("dm.note_failed id=%s status=%s", request.id, error.status)

    async def catch_up(self) -> None:
        """Start-up: relay what members wrote to the bot while it was down, in order, from
        each claimed DM request's last relayed message (or its claim). Best effort per
        request: a DM channel Discord won't read is logged and left."""
        for link in await self.services.dm_requests.claimed():
            request = await self.flow.service.get(link.consultation_id)
            if request is None or request.claimed_at is None:
                continue
            since = link.last_relayed_id or discord.utils.time_snowflake(request.claimed_at)
            channel = self.bot.get_partial_messageable(link.dm_channel_id)
            try:
                async for message in channel.history(
                    after=discord.Object(since), oldest_first=True, limit=100
                ):
                    if message.author.id == link.member_id:
                        await self.relay_in(message)
            except discord.HTTPException as error:
                log.warning("dm.catch_up_failed id=%s status=%s", request.id, error.status)

    async def _answer(self, message: discord.Message, text: str, *, crisis: bool = False) -> None:
        try:
            await message.channel.send(
                text,
                embed=await self._crisis(message.author.id) if crisis else discord.utils.MISSING,
                allowed_mentions=NO_MENTIONS,
            )
        except discord.HTTPException as error:
            log.warning("dm.answer_failed user=%s status=%s", message.author.id, error.status)

    async def reply(
        self, interaction: discord.Interaction[Any], request: Consultation, typed: str
    ) -> None:
        """``/reply``'s form was sent: to the member's DM, with a copy (or the failure) in
        the thread; the sender is told which."""
        text = sanitise_required(typed, RELAYED)
        guild = interaction.guild
        link = await self.services.dm_requests.link_of(request)
        if guild is None or link is None:
            raise OutOfDateError()
        if request.status is not Status.CLAIMED:
            raise UserFacingError("This conversation has ended, so nothing can be sent to it.")
        await defer(interaction)
        channel = self.bot.get_partial_messageable(link.dm_channel_id)
        try:
            await with_retries(
                partial(
                    channel.send,
                    say.from_consultant(guild.name, text),
                    allowed_mentions=NO_MENTIONS,
                ),
                self.flow.add_member_backoff,
                "reply",
                request.id,
            )
        except discord.HTTPException as error:
            log.warning(
                "dm.reply_failed id=%s status=%s code=%s", request.id, error.status, error.code
            )
            line = say.undelivered(error.code)
            await self._in_thread(interaction, f"{line}\n> {escape(text, 300)}")
            await send_ephemeral(interaction, line)
            return
        log.info("dm.replied id=%s staff=%s", request.id, interaction.user.id)
        await self._in_thread(interaction, say.sent_copy(interaction.user.id, text))
        await self.flow.staff_replied(request.thread_id or 0, interaction.user.id)
        await send_ephemeral(interaction, "Sent to the member by DM. ✅")

    async def relay_out(self, message: discord.Message, prefix: str) -> None:
        """``RELAY=true``: what staff type in a claimed DM request's thread goes to the member
        (a ✅ on it once delivered, or a clear line when it could not be); a message starting
        with ``prefix`` stays among staff. Only text: an attachment is said not to be sent."""
        thread = message.channel
        assert isinstance(thread, discord.Thread)
        request = await self.flow.service.by_thread(thread.id)
        if request is None or not request.by_dm or request.status is not Status.CLAIMED:
            return
        content = message.content.strip()
        if content.startswith(prefix) or not (content or message.attachments):
            return
        config = await self.services.configs.get(thread.guild.id)
        if not isinstance(message.author, discord.Member) or not is_staff_member(
            message.author, config
        ):
            return
        if message.attachments:
            await self._note(thread, request, say.ATTACHMENT_NOT_SENT)
        if not content:
            return
        try:
            text = sanitise_required(content, RELAYED)
        except TextRefusedError:
            await self._note(thread, request, say.TOO_LONG_FOR_MEMBER)
            return
        link = await self.services.dm_requests.link_of(request)
        if link is None:
            return
        channel = self.bot.get_partial_messageable(link.dm_channel_id)
        try:
            await with_retries(
                partial(
                    channel.send,
                    say.from_consultant(thread.guild.name, text),
                    allowed_mentions=NO_MENTIONS,
                ),
                self.flow.add_member_backoff,
                "relay_out",
                request.id,
            )
        except discord.HTTPException as error:
            await self._note(thread, request, say.undelivered(error.code))
            return
        log.info("dm.relayed_out id=%s staff=%s", request.id, message.author.id)
        await self.flow.staff_replied(thread.id, message.author.id)
        try:
            await message.add_reaction("✅")
        except discord.HTTPException:
            log.info("dm.tick_failed id=%s", request.id)

    async def _in_thread(self, interaction: discord.Interaction[Any], text: str) -> None:
        channel = interaction.channel
        if not isinstance(channel, discord.Thread):
            return
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            log.warning("dm.thread_copy_failed thread=%s status=%s", channel.id, error.status)
