"""``/consult-block add|remove|list``: staff leads pause a member's routine consultation requests.

Staff leads are people with Manage Server (or Administrator): ``default_permissions`` hides the
group from everyone else, and every command and button checks again when used. A blocked
member who asks is told warmly that requests are paused, and until when, with every crisis line
and the urgent button (``ConsultFlow.refuse_paused``); an urgent request from them is created
as usual and its staff card is flagged. The domain side is ``bot.consultations.blocks``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from typing import Any, ClassVar, Self

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import SupportBot
from bot.consultations import BLOCK_REASON_LIMIT, MAX_BLOCK_DAYS, ConsultBlockService
from bot.errors import OutOfDateError, UserFacingError
from bot.privacy import ERASED_ID
from bot.services import Services
from bot.ui import send_ephemeral
from cogs._checks import require_manager
from cogs._components import (
    PersistentButton,
    StaleButton,
    bind,
    defer,
    pager,
    parse_page,
)
from cogs.consult import _block_render as render
from cogs.consult._flow import ConsultFlow

log = logging.getLogger(__name__)

ACTION = "manage consultation blocks"


def require_lead(interaction: discord.Interaction[Any]) -> int:
    """A staff lead (Manage Server or Administrator) in a server: the server's id."""
    require_manager(interaction, action=ACTION)
    if interaction.guild_id is None:  # pragma: no cover - a Member is always in a server
        raise OutOfDateError()
    return interaction.guild_id


class BlockPageButton(PersistentButton, template=r"consult-block:page:(?P<page>[^:]*)"):
    """Previous/next on a ``/consult-block list`` page, re-read on every click."""

    blocks: ClassVar[ConsultBlocks]

    def __init__(self, page: int | None, *, label: str = "Next", disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"consult-block:page:{page}",
                disabled=disabled,
            )
        )
        self.page = page
        self.where = "button:consult-block:page"

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(parse_page(match["page"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        guild_id = require_lead(interaction)
        if self.page is None:
            raise OutOfDateError()
        await interaction.response.defer()  # the page is redrawn in place
        embed, view = await self.blocks.page(interaction, guild_id, self.page)
        await interaction.edit_original_response(embed=embed, view=view)


class StaleBlockButton(StaleButton, template=r"consult-block:(?!page:[^:]*$).*"):
    """Any other ``consult-block:`` id (an older version's button, or a forged one)."""

    stale_id = "consult-block:stale"
    where = "button:consult-block:stale"


def pager_view(page: int, pages: int) -> discord.ui.View | None:
    return pager(BlockPageButton, page, pages)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ConsultBlocks(commands.GroupCog, group_name="consult-block"):
    """Staff leads: pause a member's routine consultation requests."""

    def __init__(self, bot: SupportBot, services: Services, flow: ConsultFlow) -> None:
        self.bot = bot
        self.services = services
        self.flow = flow
        self.buttons = bind((BlockPageButton, StaleBlockButton), blocks=self)
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)

    @property
    def service(self) -> ConsultBlockService:
        return self.services.consult_blocks

    async def _refresh_card(self, guild: discord.Guild, member_id: int) -> None:
        """Redraw the member's open request's card, so staff see the block (or its end)."""
        current = await self.flow.service.active_for_member(guild.id, member_id)
        if current is not None:
            await self.flow.refresh_card(guild, current)

    @app_commands.command(name="add")
    @app_commands.describe(
        member="The member whose routine requests to pause",
        reason="Optional: why. Only staff leads see it; the member never does",
        days="Optional: the block ends by itself after this many days (empty: until removed)",
    )
    async def add(
        self,
        interaction: discord.Interaction[SupportBot],
        member: discord.Member,
        reason: app_commands.Range[str, 1, BLOCK_REASON_LIMIT] | None = None,
        days: app_commands.Range[int, 1, MAX_BLOCK_DAYS] | None = None,
    ) -> None:
        """Pause a member's routine consultation requests (urgent ones still reach staff)."""
        guild_id = require_lead(interaction)
        if member.bot:
            raise UserFacingError("Bots don't open consultation requests.")
        await defer(interaction)
        now = self.flow.now()
        added = await self.service.add(
            guild_id=guild_id,
            member_id=member.id,
            blocked_by=interaction.user.id,
            reason=reason,
            now=now,
            expires_at=None if days is None else now + dt.timedelta(days=days),
        )
        await send_ephemeral(
            interaction, render.added_reply(added.block, replaced=added.replaced is not None)
        )
        assert interaction.guild is not None
        await self.flow.log_line(
            interaction.guild, render.added_log_line(added.block), event="consult_block"
        )
        await self._refresh_card(interaction.guild, member.id)

    @app_commands.command(name="remove")
    @app_commands.describe(member="The member whose requests to open again (or paste their id)")
    async def remove(
        self, interaction: discord.Interaction[SupportBot], member: discord.User
    ) -> None:
        """Lift a member's consultation block."""
        guild_id = require_lead(interaction)
        await defer(interaction)
        removed = await self.service.remove(guild_id, member.id, by=interaction.user.id)
        await send_ephemeral(interaction, render.removed_reply(member.id, removed, self.flow.now()))
        if removed is None:
            return
        assert interaction.guild is not None
        await self.flow.log_line(
            interaction.guild,
            render.removed_log_line(removed, interaction.user.id),
            event="consult_block",
        )
        await self._refresh_card(interaction.guild, member.id)

    @app_commands.command(name="list")
    async def list_blocks(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Who is blocked here, by whom, since and until when, and why (staff leads only)."""
        guild_id = require_lead(interaction)
        await defer(interaction)  # a read, then Discord for the members' names
        embed, view = await self.page(interaction, guild_id, 0)
        await send_ephemeral(interaction, embed=embed, view=view)

    @staticmethod
    async def _names(guild: discord.Guild | None, member_ids: list[int]) -> dict[int, str | None]:
        """Each blocked member's display name; None when they are no longer in the server, and
        left out when Discord could not say (the bot keeps no member cache: one REST read
        each, at most a page's worth, at once)."""

        async def one(member_id: int) -> tuple[bool, str | None]:
            """(whether Discord could say, the display name or None when they left)."""
            if guild is None:
                return False, None
            try:
                found = guild.get_member(member_id) or await guild.fetch_member(member_id)
            except discord.NotFound:
                return True, None
            except discord.HTTPException:
                return False, None
            return True, found.display_name

        answers = await asyncio.gather(*(one(member_id) for member_id in member_ids))
        return {
            member_id: name
            for member_id, (known, name) in zip(member_ids, answers, strict=True)
            if known
        }

    async def page(
        self, interaction: discord.Interaction[Any], guild_id: int, page: int
    ) -> tuple[discord.Embed, discord.ui.View | None]:
        """One page of the list (re-read on every click), clamped to the pages there are."""
        found = await self.service.listing(
            guild_id, self.flow.now(), page=page, size=render.BLOCK_PAGE_SIZE
        )
        people = (b.member_id for b in found.blocks)
        leads = (b.blocked_by for b in found.blocks if b.blocked_by != ERASED_ID)
        names = await self._names(interaction.guild, list(dict.fromkeys((*people, *leads))))
        embed = render.list_embed(
            found.blocks, names, total=found.total, page=found.page, pages=found.pages
        )
        return embed, pager_view(found.page, found.pages)
