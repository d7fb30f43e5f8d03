"""Welcome and guidelines: a warm hello on join, /guidelines, and the optional "I agree" gate."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.bot import SupportBot
from bot.errors import NotConfiguredError, UserFacingError
from bot.group_content import Guidelines, Welcome
from bot.services import Services
from bot.ui import WARM, add_field, embed, escape, send_ephemeral
from cogs._components import PersistentButton, defer

log = logging.getLogger(__name__)

AGREE_ID = "group:agree"
NAME_LIMIT = 64


def render_welcome(welcome: Welcome, display_name: str, server_name: str) -> discord.Embed:
    name, server = escape(display_name, NAME_LIMIT), escape(server_name, 100)

    def fill(text: str) -> str:
        return text.replace("{name}", name).replace("{server}", server)

    result = embed(fill(welcome.title), fill(welcome.body), colour=WARM)
    for section in welcome.sections:
        add_field(result, fill(section.name), fill(section.text))
    return result


def render_guidelines(guidelines: Guidelines) -> discord.Embed:
    result = embed(guidelines.title, guidelines.intro)
    for item in guidelines.items:
        add_field(result, item.name, item.text)
    add_field(result, "If you are struggling", guidelines.closing)
    return result


class AgreeButton(PersistentButton, template=re.escape(AGREE_ID)):
    """The persistent "I agree" button under the posted guidelines: grants the member role."""

    def __init__(self, label: str = "I agree") -> None:
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.success, custom_id=AGREE_ID)
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AgreeButton:
        label = getattr(item, "label", None)
        return cls(label or "I agree")

    where = "button:group:agree"

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await grant_member_role(interaction)


async def grant_member_role(interaction: discord.Interaction[SupportBot]) -> None:
    guild, member = interaction.guild, interaction.user
    if guild is None or not isinstance(member, discord.Member):
        raise UserFacingError("Please use this button inside the support server.")
    config = await interaction.client.services.configs.get(guild.id)
    if config.member_role_id is None:
        raise NotConfiguredError(
            "Thanks! The member role hasn't been chosen yet, so there is nothing to unlock. "
            "An admin can pick one with `/setup`."
        )
    role = guild.get_role(config.member_role_id)
    if role is None:
        raise NotConfiguredError(
            "Thanks! The member role no longer exists; please let a staff member know."
        )
    if any(r.id == role.id for r in member.roles):
        await send_ephemeral(interaction, "You've already agreed. Welcome back!")
        return
    await defer(interaction)
    try:
        await member.add_roles(role, reason="Agreed to the group guidelines")
    except discord.Forbidden:
        log.warning("group.role_forbidden guild=%s role=%s", guild.id, role.id)
        raise UserFacingError(
            "Thank you for agreeing. I couldn't give you the member role (I may be missing "
            "the Manage Roles permission), so please let a staff member know."
        ) from None
    log.info("group.agreed guild=%s user=%s", guild.id, member.id)
    await send_ephemeral(
        interaction,
        "Thank you for agreeing to the guidelines. Welcome in! "
        "If you ever need help right away, `/crisis` is always there.",
    )


class Group(commands.Cog):
    def __init__(
        self, bot: SupportBot, welcome: Welcome, guidelines: Guidelines, services: Services
    ) -> None:
        self.bot = bot
        self.services = services
        self.welcome = welcome
        self.guidelines = guidelines

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AgreeButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(AgreeButton)

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        guild = member.guild
        try:
            config = await self.services.configs.get(guild.id)
        except Exception as error:  # storage down: no welcome, but never a crash
            log.warning(
                "welcome.config_unavailable guild=%s error=%s", guild.id, type(error).__name__
            )
            return
        welcome = render_welcome(self.welcome, member.display_name, guild.name)
        if config.welcome_dm:
            try:
                await member.send(embed=welcome)
                log.info("welcome.dm guild=%s user=%s", guild.id, member.id)
                return
            except discord.HTTPException as error:
                log.info(
                    "welcome.dm_failed guild=%s user=%s status=%s",
                    guild.id,
                    member.id,
                    error.status,
                )
        channel = (
            guild.get_channel(config.welcome_channel_id) if config.welcome_channel_id else None
        )
        if not isinstance(channel, discord.abc.Messageable):
            log.info("welcome.no_channel guild=%s", guild.id)
            return
        try:
            await channel.send(
                content=member.mention if config.welcome_ping else None,
                embed=welcome,
                allowed_mentions=discord.AllowedMentions(
                    everyone=False, roles=False, users=[member] if config.welcome_ping else False
                ),
            )
        except discord.HTTPException as error:
            log.warning("welcome.failed guild=%s status=%s", guild.id, error.status)
            return
        log.info("welcome.posted guild=%s user=%s", guild.id, member.id)

    @app_commands.command(name="guidelines")
    @app_commands.guild_only()
    async def guidelines_command(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Read the group's guidelines: how we keep this a safe, kind place."""
        await send_ephemeral(interaction, embed=render_guidelines(self.guidelines))

    @app_commands.command(name="post-guidelines")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    async def post_guidelines(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Post and pin the guidelines here, with an "I agree" button if a member role is set."""
        member = interaction.user
        if not isinstance(member, discord.Member) or not member.guild_permissions.manage_guild:
            raise UserFacingError("Only server admins (Manage Server) can post the guidelines.")
        channel = interaction.channel
        if interaction.guild is None or not isinstance(channel, discord.abc.Messageable):
            raise UserFacingError("Please run this in the text channel where they should go.")
        await defer(interaction)
        config = await self.services.configs.get(interaction.guild.id)
        gated = config.member_role_id is not None
        try:
            if gated:
                view = discord.ui.View(timeout=None)
                view.add_item(AgreeButton(self.guidelines.agree_label))
                message = await channel.send(embed=render_guidelines(self.guidelines), view=view)
            else:
                message = await channel.send(embed=render_guidelines(self.guidelines))
        except discord.Forbidden:
            raise UserFacingError(
                "I can't post in this channel. Please give me Send Messages and Embed Links here."
            ) from None
        notes = []
        try:
            await message.pin(reason="Group guidelines")
        except discord.HTTPException:
            notes.append("I couldn't pin it (I need Manage Messages / Pin Messages here).")
        if not gated:
            notes.append(
                'There is no member role set, so I posted it without the "I agree" button. '
                "Choose one with `/setup` and post again to add the gate."
            )
        log.info("group.guidelines_posted guild=%s channel=%s", interaction.guild.id, channel.id)
        await send_ephemeral(interaction, " ".join(["Posted the guidelines.", *notes]))
