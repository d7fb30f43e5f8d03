"""Care knowledge as slash commands: levels of care, IOPs, relapse, coping, support networks,
and guides to acting on care (finding treatment, withdrawal, medications, families, peer
groups, mental health).

Everything answers privately unless the member chooses ``share``; nothing touches the
database, so replies are instant. Wording lives in ``data/care/`` (see ``bot.care``).
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.bot import SupportBot
from bot.care import COPING_TOPICS, FIT_TOPIC, LEVELS_FILE, RELAPSE_TOPICS
from bot.content import ContentError
from cogs._components import bind
from cogs.care._coping import tip_page
from cogs.care._guides import guide_page
from cogs.care._iop import fit_page, iop_page
from cogs.care._levels import level_page, levels_overview
from cogs.care._pages import NO_MENTIONS, CareState, Page, page, regional, show
from cogs.care._relapse import relapse_page
from cogs.care._views import DYNAMIC_ITEMS

log = logging.getLogger(__name__)

LEVEL_CHOICES = [
    Choice(name="Outpatient therapy", value="outpatient"),
    Choice(name="Intensive outpatient (IOP)", value="iop"),
    Choice(name="Partial hospitalization (PHP)", value="php"),
    Choice(name="Inpatient residential", value="residential"),
    Choice(name="Inpatient acute care", value="acute"),
]
IOP_CHOICES = [
    Choice(name="What an IOP is", value="about"),
    Choice(name="Schedule and hours", value="schedule"),
    Choice(name="What to expect", value="what-to-expect"),
    Choice(name="Treatment approaches", value="approaches"),
    Choice(name="What IOPs help with", value="conditions"),
    Choice(name="History", value="history"),
    Choice(name="Is an IOP for me? (private reflection)", value=FIT_TOPIC),
]
RELAPSE_CHOICES = [
    Choice(name="Early warning signs", value="warning-signs"),
    Choice(name="The three stages", value="stages"),
    Choice(name="My relapse-prevention plan", value="plan"),
    Choice(name="After a slip", value="after-a-slip"),
    Choice(name="Overdose risk after a break", value="overdose-risk"),
]
WITHDRAWAL_CHOICES = [
    Choice(name="Stopping safely", value="withdrawal"),
    Choice(name="After withdrawal: the ups and downs (PAWS)", value="after-withdrawal"),
]
COPING_CHOICES = [Choice(name=topic.capitalize(), value=topic) for topic in COPING_TOPICS]

ALWAYS_PRIVATE = "This reflection is always private, so only you can see it."
"""Said when someone asks to share the is-it-for-me reflection: their answers stay theirs."""


async def respond(
    interaction: discord.Interaction[SupportBot],
    answer: Page,
    *,
    share: bool,
    note: str | None = None,
) -> None:
    """Answer privately, or, when the member asks, post it in the channel without pinging anyone.

    ``note`` is a short line above a private answer (only used when not sharing).
    """
    if share or note is not None:  # ``show`` does this for the rest
        answer = await regional(interaction, answer, private=not share)
    view = answer.view if answer.view is not None else discord.utils.MISSING
    if share:
        await interaction.response.send_message(
            embeds=answer.embeds, view=view, allowed_mentions=NO_MENTIONS
        )
    elif note is not None:
        await interaction.response.send_message(
            note, embeds=answer.embeds, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
    else:
        await show(interaction, answer)
    log.info(
        "care.shown command=%s shared=%s user=%s guild=%s",
        interaction.command.name if interaction.command else "?",
        share,
        interaction.user.id,
        interaction.guild_id,
    )


class Care(commands.Cog):
    """Levels of care, IOPs, relapse management, coping ideas, support networks and guides."""

    def __init__(self, bot: SupportBot) -> None:
        self.bot = bot
        self.state = CareState(bot.care, bot.crisis, bot.library, bot.language)
        self.buttons = bind(DYNAMIC_ITEMS, state=self.state)

    async def cog_load(self) -> None:
        known = set(self.bot.care.levels.keys())
        for choice in LEVEL_CHOICES:
            if choice.value not in known:
                raise ContentError(
                    f"The content file {LEVELS_FILE} has no level with the key "
                    f"{choice.value!r}, which /levels offers: restore it."
                )
        self.bot.add_dynamic_items(*self.buttons)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)

    @app_commands.command(name="levels")
    @app_commands.choices(level=LEVEL_CHOICES)
    async def levels(
        self,
        interaction: discord.Interaction[SupportBot],
        level: str | None = None,
        share: bool = False,
    ) -> None:
        """Levels of care, from weekly therapy to inpatient care, explained simply.

        Args:
            level: Jump straight to one level.
            share: Post it in this channel for everyone (otherwise only you see it).
        """
        language = await self.bot.language(interaction)
        answer = (
            levels_overview(self.state, language)
            if level is None
            else level_page(self.state, level, language)
        )
        await respond(interaction, answer, share=share)

    @app_commands.command(name="iop")
    @app_commands.choices(topic=IOP_CHOICES)
    async def iop(
        self,
        interaction: discord.Interaction[SupportBot],
        topic: str | None = None,
        share: bool = False,
    ) -> None:
        """Intensive outpatient programs (IOPs): what they are, how they work, who they help.

        Args:
            topic: What you'd like to know (starts with what an IOP is).
            share: Post it in this channel for everyone (the reflection always stays private).
        """
        chosen = topic or "about"
        language = await self.bot.language(interaction)
        if chosen == FIT_TOPIC:
            # The reflection is about the member's own situation: never posted in the channel.
            note = ALWAYS_PRIVATE if share else None
            reflection = fit_page(self.state, interaction.user.id, "", language)
            await respond(interaction, reflection, share=False, note=note)
            return
        await respond(interaction, iop_page(self.state, chosen, language), share=share)

    @app_commands.command(name="relapse")
    @app_commands.choices(topic=RELAPSE_CHOICES)
    async def relapse(
        self,
        interaction: discord.Interaction[SupportBot],
        topic: str | None = None,
        share: bool = False,
    ) -> None:
        """Spotting relapse early, making a plan, and what to do after a slip.

        Args:
            topic: What you'd like to know (starts with early warning signs).
            share: Post it in this channel for everyone (otherwise only you see it).
        """
        await respond(
            interaction, relapse_page(self.state, topic or RELAPSE_TOPICS[0]), share=share
        )

    @app_commands.command(name="coping")
    @app_commands.choices(topic=COPING_CHOICES)
    async def coping(
        self,
        interaction: discord.Interaction[SupportBot],
        topic: str | None = None,
        share: bool = False,
    ) -> None:
        """One coping idea at a time, for cravings, stress, anxiety, sleep and more.

        Args:
            topic: What you're dealing with (starts with cravings).
            share: Post it in this channel for everyone (otherwise only you see it).
        """
        chosen = topic or COPING_TOPICS[0]
        tip = tip_page(self.state, interaction.user.id, chosen)
        await respond(interaction, tip, share=share)

    @app_commands.command(name="support-network")
    async def support_network(
        self, interaction: discord.Interaction[SupportBot], share: bool = False
    ) -> None:
        """How to build a support network, and what this group offers.

        Args:
            share: Post it in this channel for everyone (otherwise only you see it).
        """
        answer = self.state.pages.get(
            ("support",), lambda: page(self.state, self.state.care.support.card(), None)
        )
        await respond(interaction, answer, share=share)

    async def _guide(
        self, interaction: discord.Interaction[SupportBot], topic: str, *, share: bool
    ) -> None:
        in_server = interaction.guild is not None
        await respond(interaction, guide_page(self.state, topic, in_server=in_server), share=share)

    @app_commands.command(name="find-treatment")
    async def find_treatment(
        self, interaction: discord.Interaction[SupportBot], share: bool = False
    ) -> None:
        """Where to look for a treatment program, and what to ask one.

        Args:
            share: Post it in this channel for everyone (otherwise only you see it).
        """
        await self._guide(interaction, "find-treatment", share=share)

    @app_commands.command(name="withdrawal")
    @app_commands.choices(topic=WITHDRAWAL_CHOICES)
    async def withdrawal(
        self,
        interaction: discord.Interaction[SupportBot],
        topic: str | None = None,
        share: bool = False,
    ) -> None:
        """Why stopping some substances suddenly can be risky, and when to get help at once.

        Args:
            topic: What you'd like to know (starts with stopping safely).
            share: Post it in this channel for everyone (otherwise only you see it).
        """
        await self._guide(interaction, topic or "withdrawal", share=share)

    @app_commands.command(name="medications")
    async def medications(
        self, interaction: discord.Interaction[SupportBot], share: bool = False
    ) -> None:
        """Medications for opioid and alcohol use disorders: what they are, where to ask.

        Args:
            share: Post it in this channel for everyone (otherwise only you see it).
        """
        await self._guide(interaction, "medications", share=share)

    @app_commands.command(name="families")
    async def families(
        self, interaction: discord.Interaction[SupportBot], share: bool = False
    ) -> None:
        """For families and friends: how to help someone, and how to look after yourself.

        Args:
            share: Post it in this channel for everyone (otherwise only you see it).
        """
        await self._guide(interaction, "families", share=share)

    @app_commands.command(name="peer-groups")
    async def peer_groups(
        self, interaction: discord.Interaction[SupportBot], share: bool = False
    ) -> None:
        """Peer support groups beyond 12-Step, and how to find online meetings.

        Args:
            share: Post it in this channel for everyone (otherwise only you see it).
        """
        await self._guide(interaction, "peer-groups", share=share)

    @app_commands.command(name="mental-health")
    async def mental_health(
        self, interaction: discord.Interaction[SupportBot], share: bool = False
    ) -> None:
        """When mental health and substance use show up together, and where to find care.

        Args:
            share: Post it in this channel for everyone (otherwise only you see it).
        """
        await self._guide(interaction, "mental-health", share=share)
