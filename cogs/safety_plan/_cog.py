"""``/safety-plan edit|show|delete``: a private safety plan, in the member's own words.

Works in a server and in a DM: the plan belongs to the member, not to a server. ``edit`` opens
the first of two forms filled with what the plan already says; a **Continue** button opens
the second. ``show`` answers at once (one indexed read), always with the crisis lines.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import SupportBot
from bot.crisis import CrisisResources
from bot.errors import OutOfDateError
from bot.safety_plan import FORMS, SafetyPlanService
from bot.services import Services
from bot.ui import send_ephemeral
from cogs._components import bind, defer, stopped_view
from cogs.safety_plan import _embeds as render
from cogs.safety_plan._forms import handle_form, plan_form
from cogs.safety_plan._views import BUTTONS, DeleteButton, KeepButton

log = logging.getLogger(__name__)


class SafetyPlans(commands.Cog):
    plan = app_commands.Group(
        name="safety-plan",
        description="Your private safety plan for hard moments, in your own words.",
        allowed_contexts=app_commands.AppCommandContext(
            guild=True, dm_channel=True, private_channel=True
        ),
    )

    def __init__(self, bot: SupportBot, services: Services) -> None:
        self.bot = bot
        self.services = services
        self.buttons = bind(BUTTONS, feature=self)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)

    @property
    def plans(self) -> SafetyPlanService:
        return self.services.safety_plans

    @property
    def crisis(self) -> CrisisResources:
        return self.bot.crisis

    async def region(self, interaction: discord.Interaction[Any]) -> str:
        """The presser's own crisis region: the plan is only ever shown to them."""
        return await self.bot.crisis_region(interaction.user.id, interaction.guild_id, private=True)

    # ------------------------------------------------------------------ what the buttons do

    async def show(self, interaction: discord.Interaction[Any]) -> None:
        """The presser's own plan, or how to start one; always with the crisis lines."""
        plan = await self.plans.get(interaction.user.id)
        log.info("safety_plan.shown user=%s found=%s", interaction.user.id, plan is not None)
        region = await self.region(interaction)
        if plan is None or plan.is_empty:
            await send_ephemeral(interaction, embed=render.render_no_plan(self.crisis, region))
            return
        await send_ephemeral(interaction, embed=render.render_plan(plan, self.crisis, region))

    async def open_form(self, interaction: discord.Interaction[Any], part: int) -> None:
        """Form ``part`` (1 or 2), filled with the plan so far (a form cannot be deferred)."""
        if not 1 <= part <= len(FORMS):
            raise OutOfDateError()
        plan = await self.plans.get(interaction.user.id)
        await interaction.response.send_modal(plan_form(part, plan))

    async def delete_plan(self, interaction: discord.Interaction[Any]) -> None:
        await defer(interaction)
        deleted = await self.plans.delete(interaction.user.id)
        await send_ephemeral(interaction, render.DELETED if deleted else render.NOTHING_TO_DELETE)

    # ------------------------------------------------------------------------- commands

    @plan.command(name="edit")
    async def edit(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Write or change your safety plan, step by step in two short forms."""
        await self.open_form(interaction, 1)

    @plan.command(name="show")
    async def show_command(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Your safety plan, shown only to you, with lines you can reach any time."""
        await self.show(interaction)

    @plan.command(name="delete")
    async def delete(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Delete your safety plan (you are asked first)."""
        plan = await self.plans.get(interaction.user.id)
        if plan is None:
            await send_ephemeral(interaction, render.NOTHING_TO_DELETE)
            return
        owner = interaction.user.id
        view = stopped_view(DeleteButton(owner).item, KeepButton(owner).item)
        await send_ephemeral(interaction, render.DELETE_QUESTION, view=view)

    @commands.Cog.listener()
    async def on_modal_submit(self, interaction: discord.Interaction[SupportBot]) -> None:
        await handle_form(self, interaction)
