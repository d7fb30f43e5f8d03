"""Help and crisis resources: the two commands every member can always reach."""

from bot.bot import SupportBot
from cogs.general._cog import General


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(General(bot, bot.services))
