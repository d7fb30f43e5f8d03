"""Trend outreach's messages: the member's gentle private message and the staff card.

The member's message offers a coping idea, their safety plan and a consultant, always with the
crisis lines. The staff card says only that a member asked to be checked in on: no scores, no
notes, no days. Both are pure functions of plain values; ``deliver`` sends them.
"""

from __future__ import annotations

import logging

import discord

from bot.bot import SupportBot
from bot.checkin_outreach import STREAK, OutreachChoice
from bot.crisis import CrisisResources
from bot.ui import CALM, WARM, add_field, crisis_embed, embed
from cogs.checkins._support import support_view

log = logging.getLogger(__name__)

OUTREACH_TITLE = "Checking in, as you asked"
STAFF_TITLE = "A member asked us to check in"


def render_choice(choice: OutreachChoice | None, *, in_server: bool) -> str:
    """The reply to ``/checkin-outreach``."""
    if choice is None:
        return (
            "Check-in outreach is off. Your check-ins stay private as always, and "
            "`/checkin-outreach on` turns it back on whenever you like."
        )
    text = (
        f"Check-in outreach is on. If {STREAK} check-ins in a row are hard ones, I'll send you "
        "one private message with a coping idea, your safety plan and a way to reach a "
        "consultant. One message for each hard stretch, never more."
    )
    if choice.staff:
        text += (
            " You also asked me to let this server's staff know, so someone from the team may "
            "reach out. They will only see that you asked, never your check-ins or notes."
        )
    elif not in_server:
        text += " To have staff told as well, use `/checkin-outreach staff` in the group's server."
    return text + " `/checkin-outreach off` stops it any time."


STAFF_NEEDS_SERVER = (
    "Staff belong to a server, so please choose `staff` inside the group's server. Nothing was "
    "changed."
)


def render_outreach(
    choice: OutreachChoice, crisis: CrisisResources, region: str | None = None
) -> list[discord.Embed]:
    """The member's private message, then ``region``'s full crisis lines."""
    message = embed(
        OUTREACH_TITLE,
        f"Your last {STREAK} check-ins sounded hard. Thank you for keeping on checking in "
        "through it. You don't have to carry this alone, and a few things might help today.",
        colour=WARM,
    )
    add_field(message, "A coping idea", "The button below has one (or try `/coping`).")
    add_field(
        message,
        "Your safety plan",
        '"My safety plan" brings back the plan you wrote, in one tap. No plan yet? '
        "`/safety-plan edit` helps you write one, step by step.",
    )
    add_field(
        message,
        "Someone to talk to",
        "A consultant from the group can talk with you privately: use `/consult` in the "
        "group's server.",
    )
    if choice.staff:
        add_field(
            message,
            "Staff",
            "As you asked, staff were told you'd like someone to check in. They know nothing "
            "of your check-ins or notes.",
        )
    add_field(
        message,
        "Why this message",
        "You turned on `/checkin-outreach`. `/checkin-outreach off` stops these messages.",
    )
    return [message, crisis_embed(crisis, region)]


def render_staff_card(member_id: int) -> discord.Embed:
    """What staff see: who asked, and that is all (no scores, notes or days)."""
    card = embed(
        STAFF_TITLE,
        f"<@{member_id}> turned on check-in outreach and asked that staff be told when they "
        "could use a check-in. They'd welcome one now. A short, kind private word from someone on "
        "the team could help; `/consult` is there if they'd like to talk.",
        colour=CALM,
    )
    add_field(
        card,
        "What we share",
        "Only that they asked. Their check-ins and notes stay private to them.",
    )
    return card


async def deliver(
    bot: SupportBot,
    interaction: discord.Interaction[SupportBot],
    choice: OutreachChoice,
) -> None:
    """Send the member's message by DM (else as a private follow-up here), then, if they chose
    it, the staff card in their chosen server's queue channel. Failures are logged, never
    shown: the check-in itself is already saved and answered."""
    region = await bot.crisis_region(choice.user_id, interaction.guild_id, private=True)
    embeds = render_outreach(choice, bot.crisis, region)  # private: the member's own region
    try:
        await interaction.user.send(embeds=embeds, view=support_view("stress", in_server=False))
        log.info("outreach.sent user=%s via=dm", choice.user_id)
    except discord.HTTPException:
        try:
            await interaction.followup.send(
                embeds=embeds,
                view=support_view("stress", in_server=interaction.guild_id is not None),
                ephemeral=True,
            )
            log.info("outreach.sent user=%s via=followup", choice.user_id)
        except discord.HTTPException as error:
            log.warning("outreach.failed user=%s status=%s", choice.user_id, error.status)
    if choice.staff_guild_id is not None:
        await _tell_staff(bot, choice.staff_guild_id, choice.user_id)


async def _tell_staff(bot: SupportBot, guild_id: int, member_id: int) -> None:
    guild = bot.get_guild(guild_id)
    config = await bot.services.configs.get(guild_id) if guild is not None else None
    channel = (
        guild.get_channel(config.queue_channel_id)
        if guild is not None and config is not None and config.queue_channel_id
        else None
    )
    if not isinstance(channel, discord.abc.Messageable):
        log.warning("outreach.no_queue_channel guild=%s", guild_id)
        return
    try:
        await channel.send(
            embed=render_staff_card(member_id), allowed_mentions=discord.AllowedMentions.none()
        )
    except discord.HTTPException as error:
        log.warning("outreach.staff_failed guild=%s status=%s", guild_id, error.status)
        return
    log.info("outreach.staff_told guild=%s user=%s", guild_id, member_id)
