"""/setup: the admin configures the bot for one server, inside Discord."""

from bot.bot import SupportBot
from cogs.setup._cog import Setup


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(Setup(bot, bot.services))
