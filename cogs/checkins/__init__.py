"""Private check-ins: the member's own data, private by default."""

from bot.bot import SupportBot
from cogs.checkins._cog import Checkins


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(Checkins(bot, bot.services))
