"""Talk to a consultant: the member's request, the staff queue, the private threads (and a copy
of one on request), the staff leads' blocklist, the follow-ups consultants book, and quiet
conversations (a check-in, an automatic close, reminders to reply), and requests by DM."""

from bot.bot import SupportBot
from cogs.consult._blocks import ConsultBlocks
from cogs.consult._cog import Consult
from cogs.consult._dm_cog import DmRequests
from cogs.consult._follow_up_cog import FollowUps
from cogs.consult._quiet_cog import QuietThreads
from cogs.consult._transcript import Transcripts


async def setup(bot: SupportBot) -> None:
    consult = Consult(bot, bot.services)
    await bot.add_cog(consult)
    await bot.add_cog(ConsultBlocks(bot, bot.services, consult.flow))
    await bot.add_cog(Transcripts(bot, consult.flow))
    await bot.add_cog(FollowUps(bot, consult.flow))
    await bot.add_cog(QuietThreads(bot, consult.flow))
    await bot.add_cog(DmRequests(bot, consult.flow))
