"""Private check-ins and milestones: the member's own data, private by default."""

from bot.bot import SupportBot
from cogs.checkins._cog import Checkins, Milestones


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(Checkins(bot, bot.services))
    await bot.add_cog(Milestones(bot, bot.services))
