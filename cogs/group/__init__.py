"""Welcome and guidelines: a warm hello on join, /guidelines, and the optional "I agree" gate."""

from bot.bot import SupportBot
from cogs.group._cog import Group


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(Group(bot, bot.library.welcome, bot.library.guidelines, bot.services))
