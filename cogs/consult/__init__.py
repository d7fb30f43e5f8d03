"""Talk to a consultant: the member's request, the staff queue, the private threads, and the
staff leads' blocklist."""

from bot.bot import SupportBot
from cogs.consult._blocks import ConsultBlocks
from cogs.consult._cog import Consult


async def setup(bot: SupportBot) -> None:
    consult = Consult(bot, bot.services)
    await bot.add_cog(consult)
    await bot.add_cog(ConsultBlocks(bot, bot.services, consult.flow))
