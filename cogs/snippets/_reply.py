"""``/ticket reply snippet:<name>``: staff post a saved reply in a request's private thread.

The command joins the consultation feature's ``/ticket`` group (``cogs._handoff.ticket_group``)
when the saved replies' extension loads, and leaves it when it unloads; the consultation
feature knows nothing of it. Its checks are the queue's own, through ``ConsultHandoff``: the
staff check (the staff role or a type's staff role, or Administrator; Manage Server alone is
not staff), then the request this thread belongs to, in this server. Autocomplete offers the
server's names only to the same people in the same place: anyone else gets no choices.

The message is the bot's, in the thread, with the staff member's display name before it
(escaped), every placeholder filled, and one mention allowed: the request's member.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.bot import SupportBot
from bot.consultations import Consultation
from bot.crisis import crisis_lines
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.services import Services
from bot.snippets import (
    MESSAGE_LIMIT,
    NAME_LIMIT,
    NAME_WORST,
    SERVER_WORST,
    Placeholder,
    Snippet,
    SnippetNotFoundError,
    TooLongToSendError,
    compose,
    fill,
    hours_text,
)
from bot.ui import escape, send_ephemeral
from cogs._components import defer
from cogs._handoff import ConsultHandoff
from cogs.snippets import _embeds as render

log = logging.getLogger(__name__)

DESCRIPTION = "Post a saved reply in this thread, with your name before it."


class TicketReply:
    """The ``/ticket reply`` command (``self.command``) and what it needs."""

    def __init__(self, bot: SupportBot, services: Services, consult: ConsultHandoff) -> None:
        self.bot = bot
        self.services = services
        self.consult = consult
        # A bound method: discord.py calls it without a binding of its own (this is no cog).
        self.command: app_commands.Command[Any, ..., None] = app_commands.Command(
            name="reply", description=DESCRIPTION, callback=self.reply, extras={"audience": "staff"}
        )
        self.command.autocomplete("snippet")(self.choices)

    async def _staff_here(
        self, interaction: discord.Interaction[SupportBot]
    ) -> tuple[GuildConfig, discord.Member, Consultation]:
        """The queue's staff check, then the request of this thread (each refuses politely)."""
        config, staff = await self.consult.require_staff(interaction)
        consultation = await self.consult.request_in_thread(interaction)
        return config, staff, consultation

    async def choices(
        self, interaction: discord.Interaction[SupportBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """This server's names, for its staff in one of its request threads; none otherwise."""
        try:
            await self._staff_here(interaction)
        except UserFacingError:
            return []
        assert interaction.guild_id is not None
        names = await self.services.snippets.names(interaction.guild_id, current)
        return [app_commands.Choice(name=name, value=name) for name in names]

    @app_commands.describe(snippet="The saved reply to send (start typing its name)")
    async def reply(
        self,
        interaction: discord.Interaction[SupportBot],
        snippet: app_commands.Range[str, 1, NAME_LIMIT],
    ) -> None:
        config, staff, consultation = await self._staff_here(interaction)
        if not consultation.active:
            raise UserFacingError(
                f"Request #{consultation.number} is closed, so I didn't post anything here."
            )
        if consultation.by_dm:  # its member isn't here (a mention would add them): by DM only
            raise UserFacingError(
                f"Request #{consultation.number} came by DM, so its member isn't in this thread "
                "and would not see a saved reply. Answer them with `/reply`."
            )
        guild = interaction.guild
        thread = interaction.channel
        assert guild is not None
        assert isinstance(thread, discord.Thread)  # request_in_thread checked it
        await defer(interaction)
        found = await self.services.snippets.get(guild.id, snippet)
        if found is None:
            raise SnippetNotFoundError(snippet)
        content = await self.message(found, config, consultation, staff, guild)
        await thread.send(
            content,
            allowed_mentions=discord.AllowedMentions(
                everyone=False,
                users=[discord.Object(consultation.member_id)],
                roles=False,
                replied_user=False,
            ),
        )
        log.info("snippet.sent guild=%s id=%s request=%s", guild.id, found.id, consultation.id)
        await self.consult.staff_replied(thread.id, staff.id)  # the member's message is answered
        await send_ephemeral(interaction, render.sent_reply(found))

    async def message(
        self,
        found: Snippet,
        config: GuildConfig,
        consultation: Consultation,
        staff: discord.Member,
        guild: discord.Guild,
    ) -> str:
        """The message as sent; refused when, filled in, it is too long for Discord."""
        hours = await self.consult.hours_for(config, consultation)
        name = escape(staff.display_name, NAME_WORST)
        values = {
            Placeholder.MEMBER: f"<@{consultation.member_id}>",
            Placeholder.STAFF: name,
            Placeholder.SERVER: escape(guild.name, SERVER_WORST),
            # A private thread: the server's region, never the member's own choice.
            Placeholder.CRISIS: crisis_lines(self.bot.crisis, config.crisis_region),
            Placeholder.HOURS: hours_text(hours),
        }
        content = compose(name, fill(found.body, values))
        if len(content) > MESSAGE_LIMIT:
            raise TooLongToSendError(found.name, len(content))
        return content
