"""On call: staff say when they are free to take requests, and are pinged by name then."""

from bot.bot import SupportBot
from cogs._handoff import ConsultHandoff
from cogs.oncall._cog import OnCallCog


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(OnCallCog(bot, bot.services, ConsultHandoff(bot, bot.services)))
