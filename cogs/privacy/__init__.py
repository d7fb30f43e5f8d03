"""Privacy and data rights: /privacy, /mydata show|export|delete, /admin forget, daily purge."""

from bot.bot import SupportBot
from cogs._handoff import ConsultHandoff
from cogs.privacy._cog import Privacy


async def setup(bot: SupportBot) -> None:
    services = bot.services
    await bot.add_cog(Privacy(bot, bot.library.privacy, services, ConsultHandoff(bot, services)))
