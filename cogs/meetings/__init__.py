"""Group meetings from the server's scheduled events: /meetings, reminders, /meeting format."""

from bot.bot import SupportBot
from cogs.meetings._cog import Meetings


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(Meetings(bot, bot.library.meeting_format, bot.services))
