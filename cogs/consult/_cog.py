"""Talk to a consultant: the member's request, the staff queue, and the private threads.

Commands: ``/consult`` (a form; a second use shows the request you have),
``/consult-status``, ``/consult-cancel`` for members; ``/ticket close|release|transfer|note|notes|
follow-up|hold`` inside a request's private thread and
``/queue list|next|stats|feedback|follow-ups`` for staff (follow-ups: ``_follow_up_cog``; hold:
``_quiet_cog``).

Why ``/consult`` is a plain command with ``/consult-status`` and ``/consult-cancel`` beside it:
Discord does not let a command group also be a command, and ``/consult`` is the one name every
other message points members to (closing messages, the crisis safety net, /help). Typing
``/consult`` in Discord shows all three together.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.bot import SupportBot
from bot.consultations import (
    FOLLOW_UP_NOTE_LIMIT,
    STAFF_NOTE_LIMIT,
    AlreadyClaimedError,
    type_names,
)
from bot.errors import TryAgainError, UserFacingError
from bot.services import Services
from bot.ui import send_ephemeral
from cogs._components import bind, defer
from cogs.consult import _embeds as render
from cogs.consult._close_render import (
    OUTCOME_CHOICES,
    add_close_stats,
    comments_embed,
    parse_outcome,
)
from cogs.consult._close_views import CLOSE_ITEMS, closed_and_asked
from cogs.consult._feedback_views import FEEDBACK_ITEMS, handle_feedback_form
from cogs.consult._flow import ConsultFlow, is_admin
from cogs.consult._follow_up_cog import (
    book_follow_up,
    list_follow_ups,
    with_cancel_buttons,
)
from cogs.consult._follow_up_render import member_list_embed
from cogs.consult._forms import handle_form, open_form
from cogs.consult._quiet_cog import ticket_hold
from cogs.consult._reveal import ticket_reveal
from cogs.consult._views import DYNAMIC_ITEMS, ask_to_cancel, member_request_view

log = logging.getLogger(__name__)

REMINDER_TICK_SECONDS = 60
STAFF = {"audience": "staff"}


class Consult(commands.Cog, name="Consult"):
    """Talk privately with a consultant from the staff team."""

    ticket = app_commands.Group(
        name="ticket",
        description="Staff: manage the consultation in this private thread.",
        guild_only=True,
        extras=STAFF,
    )
    queue = app_commands.Group(
        name="queue",
        description="Staff: the consultation queue.",
        guild_only=True,
        extras=STAFF,
    )

    def __init__(self, bot: SupportBot, services: Services) -> None:
        self.bot = bot
        self.flow = ConsultFlow(
            bot, services, add_member_backoff=bot.settings.thread_add_retry_seconds
        )
        self.buttons = bind((*DYNAMIC_ITEMS, *CLOSE_ITEMS, *FEEDBACK_ITEMS), flow=self.flow)
        self._reconciled = False

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)

    async def cog_unload(self) -> None:
        self.reminders.cancel()
        self.bot.remove_dynamic_items(*self.buttons)

    # ------------------------------------------------------------------ members

    @app_commands.command(name="consult")
    @app_commands.guild_only()
    async def consult(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Ask to talk privately with a consultant from our staff."""
        await open_form(self.flow, interaction, urgent=False)

    @app_commands.command(name="consult-status")
    @app_commands.guild_only()
    async def consult_status(self, interaction: discord.Interaction[SupportBot]) -> None:
        """See where your request to talk with a consultant is."""
        config = await self.flow.ready_config(interaction.guild_id, member_facing=True)
        assert interaction.guild_id is not None
        service = self.flow.service
        current = await service.active_for_member(interaction.guild_id, interaction.user.id)
        items = await self.flow.follow_ups.booked_with(interaction.guild_id, interaction.user.id)
        # The member should know who is with them and who booked a check-in: their names.
        people = [current.claimed_by if current else None, *(item.staff_id for item in items)]
        if any(people):
            await defer(interaction)  # the names are looked up in Discord
        names = await self.flow.names(interaction.guild, people)
        booked = [member_list_embed(items, names)] if items else []
        language = await self.flow.language(interaction)
        if current is None:
            latest = await service.latest_for_member(interaction.guild_id, interaction.user.id)
            await send_ephemeral(
                interaction,
                embeds=[
                    render.status_embed(
                        latest,
                        None,
                        config,
                        None,
                        reminder=await self.flow.reminder_for(interaction, language),
                        language=language,
                    ),
                    *booked,
                ],
                view=with_cancel_buttons(None, items, label="Cancel check-in"),
            )
            return
        position = await service.position(current)
        routed, kind = await self.flow.routed(config, current)
        back_at = await self.flow.staff_back(config, current, self.flow.now())
        await send_ephemeral(
            interaction,
            embeds=[
                render.status_embed(
                    current,
                    position,
                    routed,
                    back_at,
                    kind,
                    names,
                    reminder=await self.flow.reminder_for(interaction, language),
                    language=language,
                ),
                *booked,
            ],
            view=with_cancel_buttons(member_request_view(current), items, label="Cancel check-in"),
        )

    @app_commands.command(name="consult-cancel")
    @app_commands.guild_only()
    async def consult_cancel(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Cancel your waiting request to talk with a consultant."""
        await self.flow.ready_config(interaction.guild_id, member_facing=True)
        assert interaction.guild_id is not None
        current = await self.flow.service.active_for_member(
            interaction.guild_id, interaction.user.id
        )
        if current is None:
            raise UserFacingError(
                "You don't have an open request right now, so there is nothing to cancel."
            )
        await ask_to_cancel(interaction, current)

    # ------------------------------------------------------------------ staff: in the thread

    @ticket.command(name="close")
    @app_commands.describe(
        reason="A short reason; the member sees it in the thread.",
        outcome="Where the conversation led, for the group's records (staff only).",
    )
    @app_commands.choices(outcome=OUTCOME_CHOICES)
    async def ticket_close(
        self,
        interaction: discord.Interaction[SupportBot],
        reason: app_commands.Range[str, 1, 300],
        outcome: app_commands.Choice[str] | None = None,
    ) -> None:
        """Close this consultation (the member is told how to reach us again)."""
        await self.flow.require_staff(interaction)
        consultation = await self.flow.request_in_thread(interaction)
        await defer(interaction)
        chosen = parse_outcome(outcome.value) if outcome is not None else None
        closed = await self.flow.close(interaction, consultation.id, reason, chosen)
        await closed_and_asked(interaction, closed)

    @ticket.command(name="release")
    async def ticket_release(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Put this request back in the queue, in its original place."""
        await self.flow.require_staff(interaction)
        consultation = await self.flow.request_in_thread(interaction)
        await defer(interaction)
        released = await self.flow.release(interaction, consultation.id)
        await send_ephemeral(interaction, render.released_reply(released))

    @ticket.command(name="transfer")
    @app_commands.describe(to="The staff member who should take over.")
    async def ticket_transfer(
        self, interaction: discord.Interaction[SupportBot], to: discord.Member
    ) -> None:
        """Hand this consultation to another staff member."""
        config, _staff = await self.flow.require_staff(interaction)
        await defer(interaction)
        moved = await self.flow.transfer(interaction, config, to)
        await send_ephemeral(interaction, f"Request #{moved.number} is now with {to.mention}.")

    @ticket.command(name="note")
    @app_commands.describe(text="Only staff will ever see this note.")
    async def ticket_note(
        self,
        interaction: discord.Interaction[SupportBot],
        text: app_commands.Range[str, 1, STAFF_NOTE_LIMIT],
    ) -> None:
        """Add a private staff note to this request (never shown to the member)."""
        await self.flow.require_staff(interaction)
        consultation = await self.flow.request_in_thread(interaction)
        await defer(interaction)
        await self.flow.service.add_note(
            consultation.id, interaction.user.id, text, self.flow.now()
        )
        await send_ephemeral(
            interaction,
            f"Note saved on request #{consultation.number}. Only staff can see it "
            "(`/ticket notes`).",
        )

    @ticket.command(name="notes")
    async def ticket_notes(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Read the private staff notes on this request."""
        await self.flow.require_staff(interaction)
        consultation = await self.flow.request_in_thread(interaction)
        notes = await self.flow.service.notes(consultation.id)
        if notes:
            await defer(interaction)  # the authors' names are looked up in Discord
        names = await self.flow.names(interaction.guild, (note.author_id for note in notes))
        await send_ephemeral(interaction, embed=render.notes_embed(consultation, notes, names))

    @ticket.command(name="follow-up")
    @app_commands.describe(
        when="In the member's time zone: 2026-12-05 14:00, tomorrow 14:00, or in 3 days",
        note="Optional, for you: shown to staff when it comes round, never to the member",
    )
    async def ticket_follow_up(
        self,
        interaction: discord.Interaction[SupportBot],
        when: app_commands.Range[str, 1, 40],
        note: app_commands.Range[str, 1, FOLLOW_UP_NOTE_LIMIT] | None = None,
    ) -> None:
        """Book a check-in with this member: I'll open the conversation again then."""
        await book_follow_up(self.flow, interaction, when, note)

    @ticket.command(name="hold")
    @app_commands.describe(
        state="on: no check-in or automatic close while it is quiet; off: back to normal"
    )
    async def ticket_hold(
        self,
        interaction: discord.Interaction[SupportBot],
        state: Literal["on", "off"] | None = None,
    ) -> None:
        """Pause (or resume) the quiet-thread check-in and automatic close for this request."""
        await ticket_hold(self.flow, interaction, state)

    @ticket.command(name="reveal")
    @app_commands.describe(reason="Why you need to know: the claimer sees it, the log never does")
    async def ticket_reveal(
        self,
        interaction: discord.Interaction[SupportBot],
        reason: app_commands.Range[str, 1, 300],
    ) -> None:
        """Staff leads: see who the member of this request under an alias is (with a reason)."""
        await ticket_reveal(self.flow, interaction, reason)

    # ------------------------------------------------------------------ staff: the queue

    @queue.command(name="list")
    async def queue_list(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Who is waiting (of the kinds your roles cover): urgent first, then the longest wait."""
        _config, _staff, covers = await self.flow.require_scope(interaction)
        assert interaction.guild_id is not None
        await defer(interaction)  # the members' names are looked up in Discord
        embed, view = await self.flow.queue_page(interaction.guild_id, 0, covers)
        await send_ephemeral(interaction, embed=embed, view=view)

    @queue.command(name="next")
    async def queue_next(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Claim the request at the top of the queue (of the kinds your roles cover)."""
        config, _staff, covers = await self.flow.require_scope(interaction)
        assert interaction.guild_id is not None
        await defer(interaction)
        for _attempt in range(5):
            waiting = await self.flow.service.waiting(interaction.guild_id, limit=10, covers=covers)
            candidates = [c for c in waiting if not c.member_left]
            if not candidates:
                await send_ephemeral(interaction, "Nobody is waiting right now.")
                return
            try:
                claimed = await self.flow.claim(interaction, config, candidates[0].id)
            except AlreadyClaimedError:
                continue  # someone was quicker; take the next one
            await send_ephemeral(interaction, render.claimed_reply(claimed))
            return
        raise UserFacingError("Others are claiming requests right now. Please try again.")

    @queue.command(name="follow-ups")
    async def queue_follow_ups(self, interaction: discord.Interaction[SupportBot]) -> None:
        """The check-ins you booked here that are still to come, to cancel any."""
        await list_follow_ups(self.flow, interaction)

    @queue.command(name="stats")
    async def queue_stats(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Waiting, claimed and closed today, median waits, and per-staff counts."""
        await defer(interaction)  # five aggregate queries
        config, _staff, covers = await self.flow.require_scope(interaction)
        assert interaction.guild_id is not None
        now = self.flow.now()
        stats = await self.flow.service.stats(interaction.guild_id, now, config, covers)
        kinds = await self.flow.types.list(interaction.guild_id)
        scope = render.scope_line(kinds, covers)
        outcomes = await self.flow.service.outcome_counts(interaction.guild_id, now, covers)
        ratings = await self.flow.feedback.stats(
            interaction.guild_id, now, covers, per_staff=is_admin(interaction)
        )
        names = await self.flow.names(
            interaction.guild,
            (
                *(count.staff_id for count in stats.per_staff),
                *(average.key for average in ratings.per_staff or ()),
            ),
        )
        embed = add_close_stats(
            render.stats_embed(stats, scope, names), outcomes, ratings, type_names(kinds), names
        )
        await send_ephemeral(interaction, embed=embed)

    @queue.command(name="feedback")
    async def queue_feedback(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Members' comments after their conversations (leads: all; staff: shared with you)."""
        _config, _staff, covers = await self.flow.require_scope(interaction)
        assert interaction.guild_id is not None
        lead = is_admin(interaction)
        comments = await self.flow.feedback.comments(
            interaction.guild_id, interaction.user.id, lead=lead, covers=covers
        )
        names = None
        if lead and comments:
            await defer(interaction)  # the consultants' names are looked up in Discord
            names = await self.flow.names(interaction.guild, (c.staff_id for c in comments))
        await send_ephemeral(interaction, embed=comments_embed(comments, lead=lead, names=names))

    # ------------------------------------------------------------------ events

    async def _handle(self, event: str, work: Coroutine[Any, Any, None]) -> None:
        """Run an event handler; storage trouble is logged, never raised into discord.py."""
        try:
            await work
        except (RuntimeError, TryAgainError) as error:  # the database is closed or busy
            log.warning("consultation.event_skipped event=%s error=%s", event, type(error).__name__)
        except Exception:
            log.exception("consultation.event_failed event=%s", event)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # Started here rather than in cog_load, so loading the extension never needs a login.
        if not self.reminders.is_running():
            self.reminders.start()
        if self._reconciled:
            return
        self._reconciled = True
        await self._handle("ready", self.flow.reconcile())

    @commands.Cog.listener()
    async def on_modal_submit(self, interaction: discord.Interaction[SupportBot]) -> None:
        if not await handle_form(self.flow, interaction):
            await handle_feedback_form(self.flow, interaction)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        await self._handle(
            "member_remove", self.flow.member_left(payload.guild_id, payload.user.id)
        )

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        await self._handle("member_join", self.flow.member_returned(member.guild.id, member.id))

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        await self._handle(
            "thread_delete", self.flow.thread_deleted(payload.guild_id, payload.thread_id)
        )

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        # Needs the (non-privileged) Guild Messages intent; without it, a deleted card is
        # noticed the next time the bot tries to update it.
        guild = self.bot.get_guild(payload.guild_id) if payload.guild_id else None
        if guild is not None:
            await self._handle("message_delete", self.flow.card_deleted(guild, payload.message_id))

    @tasks.loop(seconds=REMINDER_TICK_SECONDS)
    async def reminders(self) -> None:
        try:  # held requests first: one released at opening time is on its card before
            await self.flow.release_held()  # any reminder is counted
        except Exception:
            log.exception("consultation.release_failed")
        try:
            await self.flow.send_reminders()
        except Exception:
            log.exception("consultation.reminders_failed")

    @reminders.before_loop
    async def _before_reminders(self) -> None:
        await self.bot.wait_until_ready()
