"""The crisis-language safety net, and the answer to any direct message sent to the bot."""

from bot.bot import SupportBot
from cogs.safety._cog import SafetyNet


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(SafetyNet(bot, bot.services))
