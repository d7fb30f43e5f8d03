"""The consultation flow's foundation: the bot, the services and the clock.

``ConsultFlow`` (``cogs.consult._flow``) is built in layers, each a private module that uses
only the layers below it: ``FlowBase`` here, ``Cards`` (``_cards``: the staff card and
notices), ``Threads`` (``_threads``: the private thread), ``Events`` (``_events``: Discord
events, start-up and timers), ``OpeningHours`` (``_hours``: out-of-hours requests held,
routed or noticed, and released at opening time), ``FollowUpFlow`` (``_follow_ups``: booked
check-ins coming round), ``Closing`` (``_closing``: what a close does in Discord, the
member's own close and the feedback question), ``QuietFlow`` (``_quiet``: a quiet
conversation's check-in, automatic close and staff reminder, and ``/ticket hold``), then
``ConsultFlow`` (checks, member side, staff actions).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.consultations import (
    Consultation,
    ConsultationService,
    ConsultBlockService,
    ConsultType,
    ConsultTypeService,
    Coverage,
    FeedbackService,
    IntakeService,
    OnCall,
    coverage,
    routed_config,
)
from bot.crisis import reminder
from bot.guild_config import GuildConfig, GuildConfigRepository
from bot.i18n import ENGLISH
from bot.privacy import ERASED_ID
from cogs._names import NO_NAMES, Names
from cogs.consult import _embeds as render

if TYPE_CHECKING:
    from bot.bot import SupportBot
    from bot.services import Services

log = logging.getLogger(__name__)

PEOPLE_SECONDS = 60.0
"""How long the on-call staff's roles and names, once looked up, are trusted (seconds)."""
PEOPLE_TIMEOUT = 5.0
"""How long a card waits for Discord to name the on-call staff before showing mentions only."""

THREAD_PERMISSIONS = render.NEEDED_PERMISSIONS["thread"]
CARD_PERMISSIONS = render.NEEDED_PERMISSIONS["card"]


def missing_permissions(channel: discord.abc.GuildChannel, codes: Sequence[str]) -> list[str]:
    granted = channel.permissions_for(channel.guild.me)
    return [code for code in codes if not getattr(granted, code)]


def is_staff_member(member: discord.Member, config: GuildConfig) -> bool:
    if config.staff_role_id is not None and member.get_role(config.staff_role_id) is not None:
        return True
    return member.guild_permissions.administrator


def _wanted(ids: Iterable[int | None]) -> list[int]:
    """Each real person once, in order (no None, no erased person's placeholder)."""
    return list(dict.fromkeys(i for i in ids if i and i != ERASED_ID))


def _names_from(people: Mapping[int, discord.Member | None], *, gone: bool = True) -> Names:
    """``Names`` of looked-up people; ``gone``: a None means Discord said they aren't here."""
    known = {i: m.display_name for i, m in people.items() if m is not None}
    left = frozenset(i for i, m in people.items() if m is None) if gone else frozenset()
    return Names(known, left)


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
        self._seen: dict[int, dict[int, tuple[float, discord.Member | None]]] = {}
        """The people last looked up in each server, each with when (``on_call``, ``names``):
        None for someone Discord said is not in the server."""

    async def language(self, interaction: discord.Interaction[Any]) -> str:
        """The language to answer this member in (``SupportBot.language``)."""
        return await self.bot.language(interaction)

    async def reminder_for(
        self, interaction: discord.Interaction[Any], language: str = ENGLISH
    ) -> str:
        """``bot.crisis.REMINDER`` for a reply only this member sees: their region's lines."""
        code = await self.bot.crisis_region(interaction.user.id, interaction.guild_id, private=True)
        return reminder(self.bot.library.crisis_in(language), code, language)

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

    @property
    def types(self) -> ConsultTypeService:
        return self.services.consult_types

    @property
    def intake(self) -> IntakeService:
        return self.services.intake

    @property
    def feedback(self) -> FeedbackService:
        return self.services.feedback

    async def routed(
        self, config: GuildConfig, consultation: Consultation
    ) -> tuple[GuildConfig, ConsultType | None]:
        """The configuration as this request's type sees it (its staff role, channels and
        expected response; ``bot.consultations.routing``), and the type (None: the default)."""
        if consultation.type_id is None:
            return config, None
        kind = await self.types.get(consultation.guild_id, consultation.type_id)
        return routed_config(config, kind), kind

    async def covered(
        self, member: discord.Member, config: GuildConfig, *, admin: bool
    ) -> Coverage:
        """The kinds of request this member is staff for here (``admin``: all of them)."""
        kinds = await self.types.list(member.guild.id)
        roles = {role.id for role in member.roles}
        return coverage(roles, config, kinds, admin=admin or member.guild_permissions.administrator)

    @staticmethod
    def now() -> dt.datetime:
        return discord.utils.utcnow()

    async def on_call(
        self, guild: discord.Guild, config: GuildConfig, also: Iterable[int | None] = ()
    ) -> tuple[OnCall, Names]:
        """Who is on call here, without anyone no longer staff (who lost the role or left),
        and their display names (with those of ``also``, such as a card's member and
        claimer, in the same look-up). The bot keeps no member cache, so the people are
        looked up in one gateway request, kept for ``PEOPLE_SECONDS``; if Discord doesn't
        answer, the list stays as stored and shows mentions only."""
        roster = await self.services.oncall.on_call(guild.id)
        extra = _wanted(also)
        if not roster.staff and not extra:
            return roster, NO_NAMES
        people = await self._people(guild, _wanted((*roster.ids, *extra)))
        if people is None:
            return roster, NO_NAMES
        staff = [i for i in roster.ids if (m := people.get(i)) and is_staff_member(m, config)]
        return roster.only(staff), _names_from(people)

    async def names(self, guild: discord.Guild | None, ids: Iterable[int | None]) -> Names:
        """The display names of ``ids`` (an erased person's placeholder and None skipped),
        for a renderer to show beside their mentions (``cogs._names``); read now, never
        stored. Mentions alone when Discord doesn't answer."""
        wanted = _wanted(ids)
        if guild is None or not wanted:
            return NO_NAMES
        cached = {i: m for i in wanted if (m := guild.get_member(i)) is not None}
        rest = [i for i in wanted if i not in cached]
        people = await self._people(guild, rest) if rest else {}
        if people is None:
            return _names_from(cached, gone=False)
        return _names_from({**people, **cached})

    def seen_leaving(self, guild_id: int, user_id: int) -> None:
        """Someone left: if they were looked up lately, they are now known to have left (and
        anyone not kept is looked up when next shown, so nothing grows with every leaver)."""
        kept = self._seen.get(guild_id, {})
        if user_id in kept:
            kept[user_id] = (time.monotonic(), None)

    def forget_seen(self, guild_id: int, user_id: int) -> None:
        """Look someone up afresh next time (they came back)."""
        self._seen.get(guild_id, {}).pop(user_id, None)

    async def _people(
        self, guild: discord.Guild, ids: Sequence[int]
    ) -> dict[int, discord.Member | None] | None:
        kept = self._seen.setdefault(guild.id, {})
        now = time.monotonic()
        for stale in [i for i, (at, _m) in kept.items() if now - at >= PEOPLE_SECONDS]:
            del kept[stale]
        if all(i in kept for i in ids):
            return {i: kept[i][1] for i in ids}
        try:
            found = await asyncio.wait_for(
                guild.query_members(user_ids=list(ids[:100]), limit=100, cache=False),
                timeout=PEOPLE_TIMEOUT,
            )
        except (TimeoutError, discord.HTTPException, discord.ClientException):
            log.info("oncall.members_unknown guild=%s count=%d", guild.id, len(ids))
            return None
        by_id: dict[int, discord.Member | None] = dict.fromkeys(ids[:100])
        by_id.update({member.id: member for member in found})
        kept.update({i: (now, member) for i, member in by_id.items()})
        return by_id
