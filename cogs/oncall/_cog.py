"""``/oncall on|off|status``: staff say when they are free to take requests (issue 19).

While anyone is on call, a new request pings them by name instead of the whole staff role
(urgent ones ping the role too), and its card suggests who holds the fewest open requests. A
server can also ask staff to be on call before they claim (``/setup limits require_oncall``).
The queue's own staff check is used (``cogs._handoff``); the storage is
``bot.consultations.oncall``.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import SupportBot
from bot.consultations import OnCallService
from bot.services import Services
from bot.ui import send_ephemeral
from cogs._components import defer
from cogs._handoff import ConsultHandoff, is_admin
from cogs.oncall import _embeds as render

log = logging.getLogger(__name__)


@app_commands.guild_only()
class OnCallCog(commands.GroupCog, group_name="oncall", group_extras={"audience": "staff"}):
    """Staff: go on or off call for new consultation requests."""

    def __init__(self, bot: SupportBot, services: Services, consult: ConsultHandoff) -> None:
        self.bot = bot
        self.services = services
        self.consult = consult
        super().__init__()

    @property
    def oncall(self) -> OnCallService:
        return self.services.oncall

    @app_commands.command(name="on")
    async def on(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Go on call: new requests will ping you by name."""
        config, staff = await self.consult.require_staff(interaction)
        await defer(interaction)
        changed = await self.oncall.go_on(staff.guild.id, staff.id, discord.utils.utcnow())
        held = await self.oncall.open_claims(staff.guild.id, staff.id)
        await send_ephemeral(
            interaction, render.went_on(changed, held, config, exempt=is_admin(interaction))
        )

    @app_commands.command(name="off")
    async def off(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Go off call: new requests stop pinging you by name."""
        await self.consult.require_staff(interaction)
        assert interaction.guild_id is not None
        await defer(interaction)
        changed = await self.oncall.go_off(interaction.guild_id, interaction.user.id)
        await send_ephemeral(interaction, render.went_off(changed))

    @app_commands.command(name="status")
    async def status(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Who is on call, how many requests you hold, and this server's cap."""
        config, staff = await self.consult.require_staff(interaction)
        await defer(interaction)
        guild = staff.guild
        roster, name_of = await self.consult.on_call(guild, config)
        held = await self.oncall.open_claims(guild.id, staff.id)
        await send_ephemeral(
            interaction,
            embed=render.status_embed(
                roster, staff.id, held, config, name_of, exempt=is_admin(interaction)
            ),
        )
