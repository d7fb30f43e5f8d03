"""Saved replies: staff leads keep the server's texts (``/snippet``), staff send them in a
request's thread (``/ticket reply``)."""

from bot.bot import SupportBot
from cogs._handoff import ConsultHandoff
from cogs.snippets._cog import Snippets


async def setup(bot: SupportBot) -> None:
    await bot.add_cog(Snippets(bot, bot.services, ConsultHandoff(bot, bot.services)))
