"""Care knowledge as slash commands: levels of care, IOPs, relapse, coping, support networks."""

from bot.bot import SupportBot
from cogs.care._cog import Care


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(Care(bot))
