"""The consultation flow's working hours: a new request out of hours is held, routed to the
on-call role or accepted with a notice, and held requests are released at opening time.

A layer of ``ConsultFlow`` (see ``cogs.consult._flow_base``). The rules are in
``bot.consultations.hours``; the held requests in ``consult_holds`` (``HoursService``).
"""

from __future__ import annotations

import datetime as dt
import logging

import discord

from bot.consultations import Consultation, HoursMode, OutOfHours, Status, Urgency, out_of_hours
from bot.guild_config import GuildConfig
from cogs.consult._events import Events

log = logging.getLogger(__name__)


class OpeningHours(Events):
    """Out-of-hours requests and their release (see the module docstring)."""

    async def outside_hours(
        self, config: GuildConfig, consultation: Consultation, now: dt.datetime
    ) -> OutOfHours | None:
        """Whether this request's type is out of hours (or the server closed) now."""
        _routed, kind = await self.routed(config, consultation)
        hours = await self.services.hours.hours_for(config, kind)
        closures = await self.services.hours.closures(consultation.guild_id, now)
        return out_of_hours(hours, closures, now)

    async def staff_back(
        self, config: GuildConfig, consultation: Consultation, now: dt.datetime
    ) -> dt.datetime | None:
        """When staff are back for this request, as a member is told it: a held request's
        release time, else its type's next opening (its hours, days and closures; None: on
        duty now, or not known). The same rules as the hold, so the two never disagree."""
        held = await self.services.hours.held_until(consultation.id)
        if held is not None and held > now:
            return held
        outside = await self.outside_hours(config, consultation, now)
        return None if outside is None else outside.back_at

    @staticmethod
    def applied_mode(consultation: Consultation, outside: OutOfHours | None) -> HoursMode:
        """What happens to the request: an urgent one is never held or routed away from the
        staff role (it goes through at once with every ping), so it is a notice."""
        if outside is None or consultation.urgency is Urgency.URGENT:
            return HoursMode.NOTICE
        if outside.mode is HoursMode.HOLD and outside.back_at is None:
            return HoursMode.NOTICE  # no opening to release it at: never hold for ever
        return outside.mode

    async def deliver(
        self,
        guild: discord.Guild,
        config: GuildConfig,
        consultation: Consultation,
        outside: OutOfHours | None,
    ) -> None:
        """Tell staff of a new request: its card now (pinging the on-call role out of hours in
        route mode), or, held, nothing until the release loop posts it at opening time."""
        mode = self.applied_mode(consultation, outside)
        if mode is HoursMode.HOLD and outside is not None and outside.back_at is not None:
            await self.services.hours.hold(consultation.id, guild.id, outside.back_at)
            return
        role = outside.oncall_role_id if outside is not None and mode is HoursMode.ROUTE else None
        await self.post_card(guild, config, consultation, route_role_id=role)

    async def release_held(self) -> None:
        """Post every held request whose opening time has come, as a new request is posted.
        Run by the reminders loop; a request is picked once (``HoursService.release_due``),
        and one picked but not posted (a restart in between) gets its card from the start-up
        check, which posts any waiting request without one."""
        guilds = {g.id: g for g in self.bot.guilds if not g.unavailable}
        for picked in await self.services.hours.release_due(self.now(), guilds):
            log.info("consultation.released id=%s", picked.consultation_id)
            consultation = await self.service.get(picked.consultation_id)
            if (
                consultation is None
                or consultation.status is not Status.OPEN
                or consultation.card_message_id is not None
            ):
                continue  # claimed from /queue meanwhile, withdrawn, or already on a card
            config = await self.configs.get(picked.guild_id)
            if config.consultations_ready:
                await self.post_card(guilds[picked.guild_id], config, consultation)
