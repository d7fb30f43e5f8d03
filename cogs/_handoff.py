"""What other features use of the consultation, care and safety-plan features: their buttons
and hand-offs.

The consultation extension owns the handlers for ``consult:start`` and
``consult:start:urgent``, the care extension the one for ``care:tip:<topic>`` and the
safety-plan extension the one for ``safety-plan:show`` (persistent ``DynamicItem``s). Other
features only *show* these buttons, so the view is stopped before sending: discord.py then
keeps no handler of ours for it, and the click goes to the owning extension alone. A feature
never imports another feature's private modules; it comes here.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.bot import SupportBot
from bot.consultations import Consultation, Hours, OnCall
from bot.guild_config import GuildConfig
from bot.i18n import ENGLISH
from bot.i18n.messages import say
from bot.services import Services
from cogs.consult._dm_views import START as DM_START
from cogs.consult._flow import ConsultFlow
from cogs.consult._flow import is_admin as is_admin  # the queue's admin check, for /oncall
from cogs.consult._roster import Namer as Namer
from cogs.consult._roster import roster_lines as roster_lines  # the card's on-call list
from cogs.consult._roster import suggestion as suggestion
from cogs.consult._views import START, START_URGENT
from cogs.consult._views import panel_view as panel_view  # /setup panel's buttons

log = logging.getLogger(__name__)

CONSULT_START = START
CONSULT_START_URGENT = START_URGENT

SUPPORT_TEXT = (
    "`/coping` has ideas for a hard moment, and a consultant from the group can talk with "
    "you privately. If you are in danger right now, use `/crisis`."
)
"""The words beside ``consult_button_view`` when a member may want support."""


TICKET_GROUP = "ticket"
"""The consultation feature's ``/ticket`` group (``cogs.consult._cog.Consult.ticket``)."""


def ticket_group(tree: app_commands.CommandTree[Any]) -> app_commands.Group | None:
    """The consultation feature's ``/ticket`` group, for a feature that adds a subcommand to
    it (``/ticket reply``, the saved replies'): None while the consultation extension is not
    loaded (``bot.bot.EXTENSIONS`` loads it first). The adding feature removes its subcommand
    when it unloads; the group checks nothing itself, so each subcommand checks its own
    people."""
    group = tree.get_command(TICKET_GROUP)
    return group if isinstance(group, app_commands.Group) else None


def consult_button_view(*, urgent: bool, language: str = ENGLISH) -> discord.ui.View:
    """A view with one "Talk to a consultant" button, handled by the consultation extension."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label=say(language, "button.consult_now" if urgent else "button.consult"),
            style=discord.ButtonStyle.danger if urgent else discord.ButtonStyle.primary,
            custom_id=CONSULT_START_URGENT if urgent else CONSULT_START,
        )
    )
    view.stop()
    return view


def coping_tip_button(
    topic: str,
    *,
    label: str = "Another tip",
    style: discord.ButtonStyle = discord.ButtonStyle.primary,
) -> discord.ui.Button[discord.ui.View]:
    """The care feature's "Another tip" button for ``topic`` (``care:tip:<topic>``, from the
    first tip), handled by the care extension's ``TipButton``: send it in a stopped view.

    A plain button with the shared custom_id, as ``consult_button_view`` builds: importing the
    care feature here would close an import circle (care's pages show the consult button).
    """
    return discord.ui.Button(label=label, style=style, custom_id=f"care:tip:{topic}")


def message_us_button() -> discord.ui.Button[discord.ui.View]:
    """The consultation feature's "Message us privately" button (``dm:start``): a request by
    DM, answered in the presser's DM with the bot. Handled by the consultation extension
    alone: send it in a stopped view."""
    return discord.ui.Button(
        label="Message us privately", style=discord.ButtonStyle.primary, custom_id=DM_START
    )


SAFETY_PLAN_SHOW = "safety-plan:show"
"""The safety-plan feature's "My safety plan" button (``cogs.safety_plan._views.ShowButton``)."""


def safety_plan_button(language: str = ENGLISH) -> discord.ui.Button[discord.ui.View]:
    """The safety-plan feature's "My safety plan" button: it shows the presser their own plan
    privately, or how to make one. A plain button with the shared custom_id, handled by the
    safety-plan extension alone: send it in a stopped view."""
    return discord.ui.Button(
        label=say(language, "button.safety_plan"),
        style=discord.ButtonStyle.secondary,
        custom_id=SAFETY_PLAN_SHOW,
    )


class ConsultHandoff:
    """What other features may ask of the consultation feature, built once per cog.

        The privacy feature releases a person's claims and closes an erased member's open
        requests; the safety net opens an urgent request on a member's behalf; the sandbox posts
        the queue again; the saved replies check staff and the request of a thread, and read its
        type's hours, and count as the staff member's message. Each goes through here, never through
    the consultation cog itself.
    """

    def __init__(self, bot: SupportBot, services: Services) -> None:
        self._flow = ConsultFlow(
            bot, services, add_member_backoff=bot.settings.thread_add_retry_seconds
        )

    async def require_staff(
        self, interaction: discord.Interaction[Any]
    ) -> tuple[GuildConfig, discord.Member]:
        """The consultation queue's staff check (the staff role, or Administrator), with the
        server's configuration; refuses politely when the queue isn't set up."""
        return await self._flow.require_staff(interaction)

    async def request_in_thread(self, interaction: discord.Interaction[Any]) -> Consultation:
        """The request whose private thread this was used in (of this server), or the
        queue's polite "please use this inside a consultation's private thread"."""
        return await self._flow.request_in_thread(interaction)

    async def hours_for(self, config: GuildConfig, consultation: Consultation) -> Hours:
        """The working hours of the request's type, as members are told them: its own, else
        the server's."""
        _routed, kind = await self._flow.routed(config, consultation)
        return await self._flow.services.hours.hours_for(config, kind)

    async def staff_replied(self, thread_id: int, staff_id: int) -> None:
        """A message the bot posted in a request's thread for a staff member (a saved reply)
        counts as theirs for quiet threads: the member's message is answered. Best effort:
        the reply is already posted."""
        try:
            await self._flow.staff_replied(thread_id, staff_id)
        except Exception as error:
            log.warning("quiet.staff_reply_unrecorded error=%s", type(error).__name__)

    async def on_call(self, guild: discord.Guild, config: GuildConfig) -> tuple[OnCall, Namer]:
        """Who is on call here, as the queue cards show it (no one who lost the staff role),
        and their display names."""
        return await self._flow.on_call(guild, config)

    async def open_for_member(self, guild: discord.Guild, member_id: int) -> Consultation | None:
        """Open (or find) an urgent request on a member's behalf and alert staff; None when
        the server isn't set up for consultations."""
        return await self._flow.open_for_member(guild, member_id)

    async def release_claims_of(self, staff_id: int, guild_id: int | None) -> None:
        """Requests the person holds as staff go back to the queue (staff are told)."""
        await self._flow.release_claims_of(staff_id, guild_id)

    async def close_erased(
        self,
        *,
        number: int | None,
        card: tuple[int, int] | None,
        thread_id: int | None,
        opening_message_id: int | None,
        notice: str,
        opening_note: str,
    ) -> None:
        """An open request whose member's data was erased: card, thread and opening note."""
        await self._flow.close_erased(
            number=number,
            card=card,
            thread_id=thread_id,
            opening_message_id=opening_message_id,
            notice=notice,
            opening_note=opening_note,
        )

    async def restore_queue(self, guild_id: int) -> None:
        """A kept database met a new Discord (the sandbox's simulated one): post the waiting
        requests' cards again, then run the start-up check, which closes claimed requests
        whose thread is gone and tells staff."""
        flow = self._flow
        guild = flow.bot.get_guild(guild_id)
        if guild is None:
            return
        config = await flow.configs.get(guild.id)
        for request in await flow.service.active(guild.id):
            if request.claimed_by is None:
                await flow.post_card(guild, config, request)
        await flow.reconcile()
