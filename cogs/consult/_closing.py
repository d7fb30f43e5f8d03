"""The consultation flow at the end of a conversation: what Discord sees once a request is
closed (by staff, or by its member), and the member's feedback question.

A layer of ``ConsultFlow`` (see ``cogs.consult._flow_base``). Every close ends in
``finish_close``: the thread is told and locked, the member is asked "How did this go?" when
the close wrote a question (``bot.consultations.feedback``), the card is redrawn and the log
channel gets its line. Another way of closing saves its close in the domain and calls
``finish_close`` too, as the bot's close of a quiet conversation does (``_quiet``: its own
words, with the crisis lines, and no feedback question, since it wrote none).
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.consultations import CloseKind, Consultation, Status
from bot.crisis import reminder
from bot.ui import crisis_embed
from cogs.consult import _close_render as close_render
from cogs.consult import _dm_render as dm_render
from cogs.consult import _embeds as render
from cogs.consult import _quiet_render as quiet_render
from cogs.consult._feedback_views import rating_view
from cogs.consult._follow_ups import FollowUpFlow
from cogs.consult._transcript_button import transcript_view

log = logging.getLogger(__name__)


class Closing(FollowUpFlow):
    """The end of a request in Discord (see the module docstring)."""

    async def member_close(
        self, interaction: discord.Interaction[Any], request_id: int
    ) -> Consultation:
        """The member closes their own claimed request (after the caller deferred)."""
        guild = interaction.guild
        assert guild is not None
        ended = await self.service.member_close(
            guild.id, request_id, interaction.user.id, self.now()
        )
        name = interaction.user.display_name
        await self.finish_close(
            guild, ended.consultation, consultant_id=ended.consultant_id, member_name=name
        )
        return ended.consultation

    async def finish_close(
        self,
        guild: discord.Guild,
        closed: Consultation,
        *,
        consultant_id: int | None = None,
        member_name: str | None = None,
    ) -> None:
        """Everything Discord sees of a saved close, each step on its own (a Discord failure
        in one is logged and the others go on): the thread's last message (a staff close's
        reason, or the member's close pinging ``consultant_id``), the feedback question, the
        opening message's button taken off, the thread locked, the card, the log line."""
        by_member = closed.status is Status.CLOSED and closed.close_kind is CloseKind.CANCELLED
        thread = await self._thread_for(guild, closed)
        if thread is not None:
            lines: Any = discord.utils.MISSING
            if closed.closed_by_bot:  # a quiet conversation (``_quiet``): how to ask again
                text, ping = quiet_render.auto_closed_message(closed), [closed.member_id]
                region = await self.bot.crisis_region(closed.member_id, guild.id, private=False)
                lines = crisis_embed(self.bot.crisis, region)  # in the thread: the server's
            elif by_member and consultant_id is not None:
                text = close_render.member_closed_message(closed, consultant_id)
                ping = [closed.member_id, consultant_id]
            else:
                text, ping = render.closing_message(closed), [closed.member_id]
            if closed.by_dm:  # a DM request's member is not in the thread: never mentioned
                ping = [user for user in ping if user != closed.member_id]
            try:
                await thread.send(
                    text,
                    embed=lines,
                    allowed_mentions=discord.AllowedMentions(
                        users=[discord.Object(user) for user in ping]
                    ),
                    view=transcript_view(closed.id),
                )
            except discord.HTTPException:
                log.warning("consultation.thread_close_failed id=%s", closed.id)
        if closed.by_dm:  # the member hears of the end where they talked: their DM
            line = await self.member_reminder(guild, closed.member_id)
            await self.tell_member(guild, closed, dm_render.closed_dm(closed, guild.name, line))
        await self.ask_feedback(guild, closed, thread)
        if thread is not None:
            await self._take_off_close_button(thread, closed)
            try:
                await thread.edit(archived=True, locked=True)
            except discord.HTTPException:
                log.warning("consultation.thread_close_failed id=%s", closed.id)
        await self.refresh_card(guild, closed)
        if by_member:
            line = close_render.member_closed_log_line(closed, member_name)
            await self.log_line(guild, line, event="consultation.member_close")
        elif closed.closed_by_bot:
            line = quiet_render.auto_closed_log_line(closed)
            await self.log_line(guild, line, event="quiet.close")
        else:
            await self.log_closed(guild, closed)

    async def _take_off_close_button(self, thread: discord.Thread, closed: Consultation) -> None:
        """The opening message (found by its stored id) loses "Close my request"; a thread
        from before the id was kept (None), or with none on record (0), is left as it is."""
        if not closed.opening_message_id:
            return
        try:
            await thread.get_partial_message(closed.opening_message_id).edit(view=None)
        except discord.HTTPException as error:
            log.info("consultation.opening_button_kept id=%s status=%s", closed.id, error.status)

    async def ask_feedback(
        self, guild: discord.Guild, closed: Consultation, thread: discord.Thread | None
    ) -> bool:
        """ "How did this go?", once, privately: by DM; when the member takes no DMs from the
        bot, in the thread (before it is locked) while they can still see it; else not at all
        (logged). Only when this close wrote the question (someone was with the member); a
        request closed again later (reopened for a follow-up, say) is not asked twice."""
        ask = await self.feedback.asked(closed.id)
        if ask is None or ask.asked_at != closed.closed_at:
            return False  # none, or asked at an earlier close of the same request: once only
        view = rating_view(closed.id)
        try:
            channel = await self.bot.create_dm(discord.Object(closed.member_id))
            await channel.send(
                close_render.feedback_question(
                    closed,
                    guild.name,
                    in_thread=False,
                    reminder=reminder(  # a DM: the member's own region
                        self.bot.crisis,
                        await self.bot.crisis_region(closed.member_id, guild.id, private=True),
                    ),
                ),
                view=view,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException as error:
            log.info(
                "feedback.dm_failed id=%s guild=%s status=%s code=%s",
                closed.id,
                guild.id,
                error.status,
                error.code,
            )
        else:
            log.info("feedback.asked id=%s guild=%s via=dm", closed.id, guild.id)
            return True
        if thread is None or closed.member_left:
            log.info("feedback.not_asked id=%s guild=%s", closed.id, guild.id)
            return False
        try:
            await thread.send(
                close_render.feedback_question(
                    closed, guild.name, in_thread=True, reminder=await self.thread_reminder(guild)
                ),
                view=view,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.HTTPException:
            log.info("feedback.not_asked id=%s guild=%s", closed.id, guild.id)
            return False
        log.info("feedback.asked id=%s guild=%s via=thread", closed.id, guild.id)
        return True
