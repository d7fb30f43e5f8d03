"""Talk to a consultant: the member's request, the staff queue, and the private threads."""

from bot.bot import SupportBot
from cogs.consult._cog import Consult


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(Consult(bot, bot.services))
