"""The consultation flow's foundation: the bot, the services and the clock.

``ConsultFlow`` (``cogs.consult._flow``) is built in layers, each a private module that uses
only the layers below it: ``FlowBase`` here, ``Cards`` (``_cards``: the staff card and
notices), ``Threads`` (``_threads``: the private thread), ``Events`` (``_events``: Discord
events, start-up and timers), then ``ConsultFlow`` (checks, member side, staff actions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import discord

from bot.consultations import ConsultationService, ConsultBlockService
from bot.guild_config import GuildConfigRepository
from cogs.consult import _embeds as render

if TYPE_CHECKING:
    from bot.bot import SupportBot
    from bot.services import Services

THREAD_PERMISSIONS = render.NEEDED_PERMISSIONS["thread"]
CARD_PERMISSIONS = render.NEEDED_PERMISSIONS["card"]


def missing_permissions(channel: discord.abc.GuildChannel, codes: Sequence[str]) -> list[str]:
    granted = channel.permissions_for(channel.guild.me)
    return [code for code in codes if not getattr(granted, code)]


class FlowBase:
    """What every layer of the flow reads: the bot, its services and the clock."""

    def __init__(
        self, bot: SupportBot, services: Services, *, add_member_backoff: Sequence[float]
    ) -> None:
        self.bot = bot
        self.services = services
        self.add_member_backoff = tuple(add_member_backoff)
        """Waits between tries when Discord fails (5xx, 429) to add someone to a thread (one
        more try than waits): ``Settings.thread_add_retry_seconds``, zero in the tests."""

    @property
    def service(self) -> ConsultationService:
        # Read on use: the extension can load (e.g. to inspect commands) before storage opens.
        return self.services.consultations

    @property
    def blocks(self) -> ConsultBlockService:
        return self.services.consult_blocks

    @property
    def configs(self) -> GuildConfigRepository:
        return self.services.configs

    @staticmethod
    def now() -> dt.datetime:
        return discord.utils.utcnow()
