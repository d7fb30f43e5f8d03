"""``/snippet add|edit|remove|list``: staff leads keep the server's saved replies.

Staff leads are people with Manage Server (or Administrator): ``default_permissions`` hides
the group from everyone else, and every command, form and button checks again when used.
``add`` and ``edit`` take the text in a form, so it can run over several lines; the name (and
for ``add``, room for one more and a name not taken) is checked before the form opens, the
text when it is sent. Staff send a saved reply with ``/ticket reply`` (``cogs.snippets._reply``),
which this cog adds to the consultation feature's ``/ticket`` group when it loads. The domain
side is ``bot.snippets``.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import SupportBot
from bot.crisis import longest_crisis_lines
from bot.errors import UserFacingError
from bot.services import Services
from bot.snippets import NAME_LIMIT, SnippetNotFoundError, SnippetService, check_name
from bot.ui import send_ephemeral
from cogs._checks import require_manager
from cogs._components import bind, defer
from cogs._handoff import ConsultHandoff, ticket_group
from cogs.snippets import _embeds as render
from cogs.snippets._forms import ACTION, add_form, edit_form, handle_form, require_lead
from cogs.snippets._reply import TicketReply
from cogs.snippets._views import BUTTONS, pager_view

log = logging.getLogger(__name__)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Snippets(commands.GroupCog, group_name="snippet"):
    """Staff leads: the saved replies staff send with /ticket reply."""

    def __init__(self, bot: SupportBot, services: Services, consult: ConsultHandoff) -> None:
        self.bot = bot
        self.services = services
        self.buttons = bind(BUTTONS, snippets=self)
        self.reply = TicketReply(bot, services, consult)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)
        group = ticket_group(self.bot.tree)
        if group is None:
            log.info("snippet.no_ticket_group")  # the consultation extension isn't loaded
        else:
            group.add_command(self.reply.command)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)
        group = ticket_group(self.bot.tree)
        if group is not None and group.get_command(self.reply.command.name) is self.reply.command:
            group.remove_command(self.reply.command.name)

    @property
    def service(self) -> SnippetService:
        return self.services.snippets

    def crisis_text(self) -> str:
        """The crisis lines as ``{crisis}`` is filled at their longest, whichever region the
        server shows (for the length check)."""
        return longest_crisis_lines(self.bot.crisis)

    async def page(self, guild_id: int, page: int) -> tuple[discord.Embed, discord.ui.View | None]:
        """One page of the list (re-read on every click), clamped to the pages there are."""
        found = await self.service.listing(guild_id, page=page, size=render.PAGE_SIZE)
        return render.list_embed(found), pager_view(found.page, found.pages)

    async def _names(
        self, interaction: discord.Interaction[SupportBot], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        try:
            require_manager(interaction, action=ACTION)
        except UserFacingError:
            return []
        names = await self.service.names(interaction.guild_id, current)
        return [app_commands.Choice(name=name, value=name) for name in names]

    @app_commands.command(name="add")
    @app_commands.describe(name="Its name: lowercase letters, digits, - and _ (like after-hours)")
    async def add(
        self,
        interaction: discord.Interaction[SupportBot],
        name: app_commands.Range[str, 1, 100],
    ) -> None:
        """Write a new saved reply (a form opens for its text)."""
        guild_id = require_lead(interaction)
        checked = await self.service.check_new(guild_id, name)
        await interaction.response.send_modal(add_form(checked))

    @app_commands.command(name="edit")
    @app_commands.describe(
        name="The saved reply to change (start typing its name)",
        new_name="Optional: a new name for it",
    )
    async def edit(
        self,
        interaction: discord.Interaction[SupportBot],
        name: app_commands.Range[str, 1, NAME_LIMIT],
        new_name: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        """Change a saved reply's text (a form opens with it), or its name."""
        guild_id = require_lead(interaction)
        renamed = None if new_name is None else check_name(new_name)
        found = await self.service.get(guild_id, name)
        if found is None:
            raise SnippetNotFoundError(name)
        await interaction.response.send_modal(
            edit_form(found, renamed if renamed != found.name else None)
        )

    @app_commands.command(name="remove")
    @app_commands.describe(name="The saved reply to remove (start typing its name)")
    async def remove(
        self,
        interaction: discord.Interaction[SupportBot],
        name: app_commands.Range[str, 1, NAME_LIMIT],
    ) -> None:
        """Remove a saved reply (its text is shown to you once more)."""
        guild_id = require_lead(interaction)
        await defer(interaction)
        removed = await self.service.remove(guild_id, name)
        await send_ephemeral(
            interaction,
            render.removed_reply(removed),
            embed=render.text_embed(removed.name, removed),
        )

    @app_commands.command(name="list")
    async def list_snippets(self, interaction: discord.Interaction[SupportBot]) -> None:
        """This server's saved replies, 10 a page."""
        guild_id = require_lead(interaction)
        await defer(interaction)
        embed, view = await self.page(guild_id, 0)
        await send_ephemeral(interaction, embed=embed, view=view)

    @edit.autocomplete("name")
    async def _edit_names(
        self, interaction: discord.Interaction[SupportBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._names(interaction, current)

    @remove.autocomplete("name")
    async def _remove_names(
        self, interaction: discord.Interaction[SupportBot], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._names(interaction, current)

    @commands.Cog.listener()
    async def on_modal_submit(self, interaction: discord.Interaction[SupportBot]) -> None:
        await handle_form(self, interaction)
