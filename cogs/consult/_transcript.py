"""A copy of a request's private thread, on request, never stored: ``/transcript`` and the
"Get a copy of this conversation" button on a closed request's last message.

Who may have one: the member who opened the request, or a staff lead (Manage Server, or
Administrator) of that server, and only from inside the request's own thread (so only someone
who can see it). The bot reads the thread's messages from Discord at that moment, builds a
text file in memory (``bot.transcripts``), sends it by DM and forgets it: nothing of the
conversation is written to disk or to the database. A staff lead's copy is noted in the log
channel (who, which request, when; never any of the conversation); every copy is in the bot's
log as ids only. One copy per request per person every ``bot.transcripts.COOLDOWN``, counted
in memory.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import SupportBot
from bot.consultations import Consultation
from bot.errors import OutOfDateError, UserFacingError
from bot.timezones import load_zone
from bot.transcripts import MAX_BYTES, MAX_MESSAGES, CopyLimit, Entry, render, unreadable
from bot.ui import escape, send_ephemeral
from cogs._components import bind, defer
from cogs.consult._embeds import ts
from cogs.consult._flow import ConsultFlow
from cogs.consult._transcript_button import BUTTONS

log = logging.getLogger(__name__)

NOT_A_THREAD = (
    "Please use `/transcript` inside the private thread of your request: it sends you a copy "
    "of that conversation."
)
NOT_YOURS = (
    "Sorry, only the member who opened this request, or a staff lead (Manage Server), can get "
    "a copy of this conversation."
)
DMS_CLOSED = (
    "I couldn't send you a direct message, so no copy was made: your DMs seem to be closed for "
    "this server. If you'd like one, allow direct messages from this server (its Privacy "
    "Settings), then ask again."
)
CONTENT_HIDDEN = (
    "Sorry, I can't make a copy right now: Discord isn't letting me read the messages in this "
    "thread. I've let the server's admins know. Nothing was sent."
)
SENT = (
    "I've sent you a copy of this conversation by direct message, as a text file. I didn't "
    "keep a copy of it anywhere."
)


def too_soon(next_at: dt.datetime) -> str:
    return (
        "I sent you a copy of this conversation a few minutes ago. You can ask for another one "
        f"{ts(next_at)}."
    )


def lead_log_line(lead_id: int, consultation: Consultation, at: dt.datetime) -> str:
    """The log channel's line: who, which request, when. Never any of the conversation."""
    return (
        f"📄 <@{lead_id}> (staff lead) took a copy of the conversation of request "
        f"#{consultation.number} on {ts(at, 'f')}."
    )


def hidden_log_line(consultation: Consultation) -> str:
    """For the admins: why a copy could not be made (a setting of the bot, not of the server)."""
    return (
        f"⚠ I couldn't make a copy of the conversation of request #{consultation.number}: "
        "Discord hides the text of members' messages from me. Turn on **Message Content "
        'Intent** for the bot in the Discord Developer Portal (README, "Intents, and why").'
    )


def dm_text(consultation: Consultation, guild_name: str) -> str:
    return (
        f"Here is the copy you asked for of request #{consultation.number} in "
        f"**{escape(guild_name, 100)}**, as a text file. I made it from the thread just now "
        "and kept no copy. If reading it back is hard, `/crisis` lists free lines open any time."
    )


def embed_text(embed: discord.Embed) -> str:
    """An embed's words: title, description and each field (the footer is the same on all)."""
    parts = [embed.title or "", embed.description or ""]
    parts += [f"{field.name}: {field.value}" for field in embed.fields]
    return "\n".join(part for part in parts if part)


def message_text(message: discord.Message) -> str:
    """What a message says: its text (mentions as names), a forwarded message's text, a poll's
    question and the names of stickers."""
    parts = [message.clean_content]
    parts += [f"(forwarded) {snapshot.content}" for snapshot in message.message_snapshots]
    if message.poll is not None:
        parts.append(f"(poll) {message.poll.question}")
    parts += [f"(sticker: {sticker.name})" for sticker in message.stickers]
    return "\n".join(part for part in parts if part.strip())


def entry_of(message: discord.Message, me_id: int) -> Entry:
    """One message as plain values: attachments as their URLs, and the text of the bot's own
    embeds (a member's link previews are left out: the link is in the text)."""
    author = message.author.display_name + (" (bot)" if message.author.bot else "")
    own = message.author.id == me_id
    return Entry(
        at=message.created_at,
        author=author,
        text=message_text(message),
        attachments=tuple(attachment.url for attachment in message.attachments),
        embeds=tuple(embed_text(e) for e in message.embeds) if own else (),
        edited=message.edited_at is not None,
        from_bot=message.author.bot,
    )


def is_lead(user: discord.abc.User) -> bool:
    """A staff lead of the server the interaction is in: Manage Server (Administrator has it)."""
    return isinstance(user, discord.Member) and user.guild_permissions.manage_guild


@dataclass(frozen=True)
class Sent:
    """What a sent copy held (for the log): how many messages, and whether it was cut."""

    shown: int
    cut: bool


class TranscriptDesk:
    """Checks who asks, reads the thread, builds the copy and sends it."""

    def __init__(self, flow: ConsultFlow, limit: CopyLimit | None = None) -> None:
        self.flow = flow
        self.limit = limit or CopyLimit()
        self.max_messages = MAX_MESSAGES
        """The most messages read from a thread (its last ones)."""
        self.max_bytes = MAX_BYTES
        """The largest file sent (Discord's limit for a DM's attachment is 8 MB)."""

    async def copy_here(self, interaction: discord.Interaction[Any]) -> None:
        """``/transcript``: the request whose thread this is."""
        consultation = None
        if isinstance(interaction.channel, discord.Thread):
            consultation = await self.flow.service.by_thread(interaction.channel.id)
        if consultation is None or consultation.guild_id != interaction.guild_id:
            raise UserFacingError(NOT_A_THREAD)
        await self.send_copy(interaction, consultation)

    async def copy_by_id(self, interaction: discord.Interaction[Any], request_id: int) -> None:
        """The button: its request, pressed inside that request's own thread (a copy of the
        button anywhere else, in this server or another, is out of date)."""
        consultation = await self.flow.service.get(request_id)
        if (
            consultation is None
            or consultation.guild_id != interaction.guild_id
            or consultation.thread_id is None
            or consultation.thread_id != interaction.channel_id
        ):
            raise OutOfDateError()
        await self.send_copy(interaction, consultation)

    async def send_copy(
        self, interaction: discord.Interaction[Any], consultation: Consultation
    ) -> None:
        """The checks (who, how often: memory only, so a refusal is the direct reply), then the
        copy, by DM, and the private answer."""
        user = interaction.user
        as_lead = user.id != consultation.member_id
        if as_lead and not is_lead(user):
            log.info(
                "transcript.refused guild=%s request=%s user=%s",
                consultation.guild_id,
                consultation.id,
                user.id,
            )
            raise UserFacingError(NOT_YOURS)
        now = self.flow.now()
        key = (consultation.id, user.id)
        next_at = self.limit.take(key, now)
        if next_at is not None:
            raise UserFacingError(too_soon(next_at))
        try:
            await defer(interaction)  # reading up to 2,000 messages takes a while
            outcome = await self._deliver(interaction, consultation, now)
        except BaseException:
            self.limit.give_back(key, now)
            raise
        ids = (consultation.guild_id, consultation.id, user.id)
        guild = interaction.guild
        if isinstance(outcome, Sent):
            log.info(
                "transcript.sent guild=%s request=%s user=%s lead=%s messages=%d cut=%s",
                *ids,
                as_lead,
                outcome.shown,
                outcome.cut,
            )
            await send_ephemeral(interaction, SENT)
            if as_lead and guild is not None:
                line = lead_log_line(user.id, consultation, now)
                await self.flow.log_line(guild, line, event="transcript")
        elif outcome == DMS_CLOSED:
            self.limit.give_back(key, now)  # nothing was sent: they may try again at once
            log.info("transcript.dms_closed guild=%s request=%s user=%s", *ids)
            await send_ephemeral(interaction, DMS_CLOSED)
        else:  # still counted, so the admins' note comes at most once per interval
            log.warning("transcript.content_hidden guild=%s request=%s user=%s", *ids)
            await send_ephemeral(interaction, CONTENT_HIDDEN)
            if guild is not None:
                await self.flow.log_line(guild, hidden_log_line(consultation), event="transcript")

    async def _deliver(
        self, interaction: discord.Interaction[Any], consultation: Consultation, now: dt.datetime
    ) -> Sent | str:
        """Read the thread, build the copy in memory and DM it: what was sent, or the reply
        when nothing was (``DMS_CLOSED``, ``CONTENT_HIDDEN``)."""
        assert consultation.thread_id is not None
        channel = interaction.channel
        if not isinstance(channel, discord.abc.Messageable):
            channel = interaction.client.get_partial_messageable(
                consultation.thread_id, guild_id=consultation.guild_id
            )
        me = interaction.client.user
        me_id = me.id if me is not None else 0
        read = self.max_messages
        entries: list[Entry] = []
        seen = 0  # Discord's own notices ("added someone to the thread") count, unshown
        # The newest first (Discord's own order), then turned round: a very long thread's
        # copy holds its last messages.
        async for message in channel.history(limit=read + 1):
            seen += 1
            if seen <= read and not message.is_system():
                entries.append(entry_of(message, me_id))
        entries.reverse()
        if unreadable(entries):
            return CONTENT_HIDDEN
        guild_name = interaction.guild.name if interaction.guild is not None else "the server"
        transcript = render(
            entries,
            title=f"A copy of request #{consultation.number} in {guild_name}",
            reader=interaction.user.display_name,
            made_at=now,
            zone=await self._zone(consultation.guild_id, interaction.user.id),
            earlier=seen > read,
            max_bytes=self.max_bytes,
        )
        del entries
        file = discord.File(
            io.BytesIO(transcript.data), filename=f"request-{consultation.number}.txt"
        )
        try:
            await interaction.user.send(dm_text(consultation, guild_name), file=file)
        except discord.Forbidden:
            return DMS_CLOSED
        finally:
            file.close()
        return Sent(transcript.shown, transcript.cut)

    async def _zone(self, guild_id: int, user_id: int) -> ZoneInfo | None:
        """The reader's time zone, when known: their milestone's, else the server's."""
        milestone = await self.flow.services.milestones.get(guild_id, user_id)
        name = milestone.timezone if milestone is not None else None
        name = name or (await self.flow.configs.get(guild_id)).timezone
        if not name:
            return None
        try:
            return load_zone(name)
        except UserFacingError:
            return None


class Transcripts(commands.Cog, name="Transcripts"):
    """A private copy of your request's conversation, sent to you by DM."""

    def __init__(self, bot: SupportBot, flow: ConsultFlow) -> None:
        self.bot = bot
        self.desk = TranscriptDesk(flow)
        self.buttons = bind(BUTTONS, desk=self.desk)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)

    @app_commands.command(name="transcript")
    @app_commands.guild_only()
    async def transcript(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Get a private copy of this request's conversation, sent to you by DM."""
        await self.desk.copy_here(interaction)
