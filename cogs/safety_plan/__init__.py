"""My safety plan: a private plan for hard moments, in the member's own words."""

from bot.bot import SupportBot
from cogs.safety_plan._cog import SafetyPlans


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(SafetyPlans(bot, bot.services))
