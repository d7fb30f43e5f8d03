"""Follow-ups: ``/ticket follow-up`` books a check-in, ``/queue follow-ups`` lists your own,
the cancel button (restart-safe) and the loop that brings them round.

The commands live in the consult cog's ``/ticket`` and ``/queue`` groups (``_cog``) and call
the functions here; this module's cog, ``FollowUps``, owns the loop and the buttons. What
happens when one comes round is ``cogs.consult._follow_ups``; the rules are
``bot.consultations.follow_ups``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import discord
from discord.ext import commands, tasks

from bot.bot import SupportBot
from bot.consultations import FollowUp, check_bounds, parse_when
from bot.errors import OutOfDateError, UserFacingError
from bot.ui import send_ephemeral
from cogs._components import PersistentButton, StaleButton, bind, defer, parse_id, stopped_view
from cogs.consult import _follow_up_render as say
from cogs.consult._flow import ConsultFlow, is_admin

log = logging.getLogger(__name__)

TICK_SECONDS = 60


# --------------------------------------------------------------------------- the button


class CancelFollowUpButton(PersistentButton, template=r"followup:cancel:(?P<id>[^:]*)"):
    """Cancel one booked check-in: ``followup:cancel:<follow-up id>``. The member it is with,
    the staff member who booked it, or an admin (Manage Server) may press it."""

    flow: ClassVar[ConsultFlow]

    def __init__(self, follow_up_id: int | None, *, label: str = "Cancel this check-in") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"followup:cancel:{follow_up_id}",
            )
        )
        self.follow_up_id = follow_up_id
        self.where = "button:followup:cancel"

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(parse_id(match["id"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await cancel_follow_up(self.flow, interaction, self.follow_up_id)


class StaleFollowUpButton(StaleButton, template=r"followup:(?!cancel:[^:]*$).*"):
    """Any other ``followup:`` id (an older version's button, or a forged one)."""

    stale_id = "followup:stale"
    where = "button:followup:stale"


FOLLOW_UP_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    CancelFollowUpButton,
    StaleFollowUpButton,
)


def with_cancel_buttons(
    view: discord.ui.View | None, items: Sequence[FollowUp], *, label: str
) -> discord.ui.View | None:
    """``view`` (or a new stopped one) with a cancel button for each of ``items``, numbered as
    they are listed (``label`` and the number)."""
    if not items:
        return view
    result = view or discord.ui.View(timeout=None)
    for number, item in enumerate(items, 1):
        result.add_item(CancelFollowUpButton(item.id, label=f"{label} {number}"))
    result.stop()
    return result


# --------------------------------------------------------------------------- what they do


async def book_follow_up(
    flow: ConsultFlow, interaction: discord.Interaction[Any], when: str, note: str | None
) -> None:
    """``/ticket follow-up``, in a request's thread: staff of this server book a check-in with
    its member, at a time typed in the member's zone (else the server's)."""
    config, _staff = await flow.require_staff(interaction)
    request = await flow.request_in_thread(interaction)
    if request.by_dm:  # its member isn't in the thread, where a check-in comes round
        raise UserFacingError(
            f"Request #{request.number} came by DM, so a check-in can't be booked in this "
            "thread yet. You can ask the member with `/reply` when they'd like to talk again."
        )
    zone, members = await flow.zone_for(request.guild_id, request.member_id, config)
    now = flow.now()
    due = parse_when(when, zone, now)
    check_bounds(due, now)  # refusals before anything is written: the direct reply
    await defer(interaction)
    booked = await flow.follow_ups.book(request, interaction.user.id, due, zone, note, now)
    staff_zone, own = await flow.zone_for(request.guild_id, interaction.user.id, config)
    told = isinstance(interaction.channel, discord.Thread) and await _post(
        interaction.channel,
        say.booked_message(booked),
        view=stopped_view(CancelFollowUpButton(booked.id)),
        ping=booked.member_id,
    )
    reply = say.booked_reply(
        booked, zone_is_members=members, staff_zone=staff_zone if own else None
    )
    if not told:
        reply += (
            " I couldn't post in this thread to tell them; they can see it in `/consult-status`."
        )
    await send_ephemeral(interaction, reply)


async def list_follow_ups(flow: ConsultFlow, interaction: discord.Interaction[Any]) -> None:
    """``/queue follow-ups``: the check-ins the caller booked here that are still to come."""
    await flow.require_staff(interaction)
    assert interaction.guild_id is not None
    items = await flow.follow_ups.booked_by(interaction.guild_id, interaction.user.id)
    if items:
        await defer(interaction)  # the members' names are looked up in Discord
    names = await flow.names(interaction.guild, (item.member_id for item in items))
    await send_ephemeral(
        interaction,
        embed=say.own_list_embed(items, names),
        view=with_cancel_buttons(None, items, label="Cancel"),
    )


async def cancel_follow_up(
    flow: ConsultFlow, interaction: discord.Interaction[Any], follow_up_id: int | None
) -> None:
    """The cancel button: the member, the consultant who booked it, or an admin."""
    if follow_up_id is None or interaction.guild_id is None:
        raise OutOfDateError()
    found = await flow.follow_ups.get(follow_up_id)
    if found is None or found.guild_id != interaction.guild_id:
        raise OutOfDateError()
    by_member = interaction.user.id == found.member_id
    if not by_member and not is_admin(interaction):
        if interaction.user.id != found.staff_id:
            raise UserFacingError(
                "Only the member, the staff member who booked this check-in or a server admin "
                "can cancel it."
            )
        await flow.require_staff(interaction)  # the booker, while they are staff here
    await defer(interaction)
    cancelled = await flow.follow_ups.cancel(
        interaction.guild_id, found.id, interaction.user.id, flow.now()
    )
    if cancelled.thread_id is not None and interaction.guild is not None:
        thread = await flow.thread_of(interaction.guild, cancelled.thread_id)
        if thread is not None:
            await _post(thread, say.cancelled_notice(cancelled, interaction.user.id))
    await send_ephemeral(interaction, say.cancelled_reply(cancelled, by_member=by_member))


async def _post(
    thread: discord.Thread,
    text: str,
    *,
    view: discord.ui.View | None = None,
    ping: int | None = None,
) -> bool:
    """Post in a request's thread, archived again afterwards if it was (a closed request's)."""
    archived, locked = thread.archived, thread.locked
    try:
        if archived:
            await thread.edit(archived=False)
        await thread.send(
            text,
            view=view or discord.utils.MISSING,
            allowed_mentions=discord.AllowedMentions(
                users=[discord.Object(ping)] if ping is not None else False
            ),
        )
        if archived:
            await thread.edit(archived=True, locked=locked)
    except discord.HTTPException as error:
        log.warning("follow_up.thread_post_failed thread=%s status=%s", thread.id, error.status)
        return False
    return True


# --------------------------------------------------------------------------- the cog


class FollowUps(commands.Cog, name="FollowUps"):
    """Follow-ups consultants book with members: the loop that keeps them, and their button."""

    def __init__(self, bot: SupportBot, flow: ConsultFlow) -> None:
        self.bot = bot
        self.flow = flow
        self.buttons = bind(FOLLOW_UP_ITEMS, flow=flow)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)

    async def cog_unload(self) -> None:
        self.tick.cancel()
        self.bot.remove_dynamic_items(*self.buttons)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Started here rather than in cog_load, so loading the extension never needs a login.
        if not self.tick.is_running():
            self.tick.start()

    @tasks.loop(seconds=TICK_SECONDS)
    async def tick(self) -> None:
        try:
            await self.flow.fire_follow_ups()
        except Exception:
            log.exception("follow_up.tick_failed")

    @tick.before_loop
    async def _before_tick(self) -> None:
        await self.bot.wait_until_ready()
        await self.flow.reconciled.wait()  # the start-up check first: one thread per request
