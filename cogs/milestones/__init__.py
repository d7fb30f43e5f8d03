"""Milestones: count your days and celebrate them, privately unless you choose to share."""

from bot.bot import SupportBot
from cogs.milestones._cog import Milestones


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(Milestones(bot, bot.services))
