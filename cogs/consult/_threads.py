"""The consultation flow's private threads: made, reused, peopled, told and locked.

A layer of ``ConsultFlow`` (see ``cogs.consult._flow_base``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Literal

import discord

from bot.consultations import Consultation
from bot.crisis import reminder
from bot.guild_config import GuildConfig
from bot.ui import QUIET, embed
from cogs.consult import _dm_render as dm_render
from cogs.consult import _embeds as render
from cogs.consult._answers import OPENING_TAIL, with_answers
from cogs.consult._cards import Cards
from cogs.consult._close_views import member_close_view
from cogs.consult._flow_base import THREAD_PERMISSIONS, missing_permissions

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[10080] = (
    10080  # a week: a quiet conversation doesn't vanish overnight
)


MEMBER_NOT_ADDED = "thread:member_not_added"
CLAIMER_NOT_ADDED = "thread:claimer_not_added"
NOT_ADDED_PROBLEMS = (MEMBER_NOT_ADDED, CLAIMER_NOT_ADDED)

ADOPT_CLOCK_MARGIN = dt.timedelta(minutes=1)
"""How far Discord's clock (a thread's id) may be behind ours (the claim's time)."""


def pinged(consultation: Consultation, *others: int) -> list[int]:
    """Who a thread message may mention: the member and ``others``, but never a DM request's
    member (a mention in a private thread adds the person to it)."""
    return [*([] if consultation.by_dm else [consultation.member_id]), *others]


def thread_name(consultation: Consultation) -> str:
    return f"request-{consultation.number}"


def _unsaved_thread(
    channel: discord.TextChannel, consultation: Consultation
) -> discord.Thread | None:
    """A thread I made for this claim but never saved (I stopped between the two), if any.

    Only for a claim that has no thread yet, and only a private thread of mine with this
    request's name made after the claim: request numbers are unique in a server, but a reset
    database starts them again, and an older ``request-<n>`` is someone else's conversation.
    """
    if consultation.thread_id is not None or consultation.claimed_at is None:
        return None
    me = channel.guild.me.id
    since = consultation.claimed_at - ADOPT_CLOCK_MARGIN
    return next(
        (
            thread
            for thread in channel.threads
            if thread.name == thread_name(consultation)
            and thread.owner_id == me
            and thread.type is discord.ChannelType.private_thread
            and not thread.archived
            and discord.utils.snowflake_time(thread.id) >= since
        ),
        None,
    )


@dataclass(frozen=True)
class Opened:
    """A request's private thread, ready, and the request as saved once it was set up."""

    thread: discord.Thread
    consultation: Consultation


class Threads(Cards):
    """The request's private thread, and what an erasure leaves of it."""

    async def ensure_thread(
        self, guild: discord.Guild, config: GuildConfig, consultation: Consultation
    ) -> Opened | str:
        """The request's private thread with the member and claimer in it, and the request as
        saved once it was set up; or a problem code."""
        assert consultation.claimed_by is not None
        if consultation.thread_id is not None:
            thread = await self._existing_thread(guild, consultation.thread_id)
            if thread is not None:
                try:
                    await thread.edit(archived=False, locked=False)
                    await self._add_people(thread, consultation)
                    await thread.send(
                        render.rejoined_message(consultation),
                        allowed_mentions=discord.AllowedMentions(
                            users=[discord.Object(consultation.claimed_by)]
                        ),
                    )
                    return Opened(thread, await self.service.get(consultation.id) or consultation)
                except discord.HTTPException:
                    log.warning("consultation.thread_reuse_failed id=%s", consultation.id)
            await self.service.forget_thread(consultation.id, consultation.thread_id)
        channel = guild.get_channel(config.consult_channel_id or 0)
        if not isinstance(channel, discord.TextChannel):
            return "thread:no_channel"
        missing = missing_permissions(channel, THREAD_PERMISSIONS)
        if missing:
            return "thread:missing:" + ",".join(missing)
        thread = _unsaved_thread(channel, consultation)
        if thread is not None:
            # Made but never saved: I stopped before saving it, so before sending the opening
            # message too (it is sent below, and its id kept, as for a new thread).
            log.info("consultation.thread_adopted id=%s thread=%s", consultation.id, thread.id)
        else:
            try:
                thread = await channel.create_thread(
                    name=thread_name(consultation),
                    type=discord.ChannelType.private_thread,
                    invitable=False,
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                    reason=f"Consultation request {consultation.number}",
                )
            except discord.Forbidden:
                missing = missing_permissions(channel, THREAD_PERMISSIONS)
                return "thread:missing:" + ",".join(missing) if missing else "thread:forbidden"
            except discord.HTTPException:
                log.warning("consultation.thread_failed id=%s guild=%s", consultation.id, guild.id)
                return "thread:discord_error"
        # The write returns the request as saved, so neither the opening message nor the
        # claim's reply and card need a second read (only when something else wrote).
        attached = await self.service.attach_thread(
            consultation.id, consultation.claimed_by, thread.id
        )
        if attached is None:
            log.info("consultation.thread_orphaned id=%s thread=%s", consultation.id, thread.id)
        fresh = attached or await self.service.get(consultation.id) or consultation
        people_in = await self._add_people(thread, consultation)
        sent: int | None = None
        recorded = False
        # A DM request's member is not in the thread: never mentioned (a mention would add them).
        first = (
            dm_render.dm_opening(fresh)
            if fresh.by_dm
            else render.opening_message(fresh, await self.thread_reminder(guild))
        )
        try:
            opening = await thread.send(
                with_answers(first, await self.answers_of(fresh), OPENING_TAIL),
                # "Close my request", for the member (a DM request's is in their DM)
                view=discord.utils.MISSING if fresh.by_dm else member_close_view(consultation.id),
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(user) for user in pinged(fresh, consultation.claimed_by)]
                ),
            )
        except discord.HTTPException:
            log.warning("consultation.thread_setup_incomplete id=%s", consultation.id)
        else:
            sent = opening.id
            # Kept by id, for an erasure to edit exactly this message (it quotes the note).
            if attached is not None:
                recorded = await self.service.set_opening_message(
                    consultation.id, thread.id, opening.id
                )
        if attached is not None and people_in and (sent is None or recorded):
            # Nothing was saved since ``attached`` but, at most, the opening message's id.
            return Opened(
                thread, fresh if sent is None else replace(fresh, opening_message_id=sent)
            )
        # The request changed hands, a problem was saved, or its thread changed: read it again.
        return Opened(thread, await self.service.get(consultation.id) or fresh)

    async def thread_reminder(self, guild: discord.Guild) -> str:
        """The reminder line for a private thread: the server's region, never the member's."""
        config = await self.configs.get(guild.id)
        return reminder(self.bot.crisis, config.crisis_region)

    async def member_reminder(self, guild: discord.Guild, member_id: int) -> str:
        """The reminder line for a DM to the member: their own region first (only they see
        it), else the server's."""
        code = await self.bot.crisis_region(member_id, guild.id, private=True)
        return reminder(self.bot.crisis, code)

    async def _add_to_thread(
        self, thread: discord.Thread, user_id: int, consultation: Consultation
    ) -> bool:
        """Add someone to the thread, trying again (briefly) while Discord fails; False if
        they could not be added. A refusal (403, 404) is not retried: it would not change."""
        for attempt in range(len(self.add_member_backoff) + 1):
            try:
                await thread.add_user(discord.Object(user_id))
                return True
            except discord.HTTPException as error:
                log.warning(
                    "consultation.thread_add_failed id=%s user=%s status=%s attempt=%d",
                    consultation.id,
                    user_id,
                    error.status,
                    attempt + 1,
                )
                if attempt == len(self.add_member_backoff) or not (
                    error.status >= 500 or error.status == 429
                ):
                    return False
                await asyncio.sleep(self.add_member_backoff[attempt])
        return False  # pragma: no cover - the loop always returns

    async def _add_people(self, thread: discord.Thread, consultation: Consultation) -> bool:
        """Add the member and the claimer; a failure is saved as the request's problem (shown
        to the claimer and on the card) and repaired at start-up. True when both are in."""
        assert consultation.claimed_by is not None
        problem = None
        if not consultation.by_dm and not await self._add_to_thread(
            thread, consultation.member_id, consultation
        ):  # a DM request's member talks to the bot in their DM, never in the thread
            problem = MEMBER_NOT_ADDED
        if not await self._add_to_thread(thread, consultation.claimed_by, consultation):
            problem = problem or CLAIMER_NOT_ADDED
        if problem is not None:
            await self.service.set_problem(consultation.id, problem)
        return problem is None

    async def _repair_people(self, thread: discord.Thread, consultation: Consultation) -> None:
        """Start-up: add whoever could not be added when the request was claimed."""
        if not await self._add_people(thread, consultation):
            log.warning("consultation.reconcile_people_still_missing id=%s", consultation.id)
            return
        await self.service.set_problem(consultation.id, None)
        fresh = await self.service.get(consultation.id) or consultation
        try:
            await thread.send(
                render.people_added_message(fresh),
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(user) for user in pinged(consultation)]
                ),
            )
        except discord.HTTPException:
            log.warning("consultation.thread_notice_failed id=%s", consultation.id)
        await self.refresh_card(thread.guild, fresh)
        log.info("consultation.reconcile_people_added id=%s", consultation.id)

    async def _existing_thread(self, guild: discord.Guild, thread_id: int) -> discord.Thread | None:
        thread = guild.get_thread(thread_id)
        if thread is not None:
            return thread
        try:
            channel = await guild.fetch_channel(thread_id)
        except discord.HTTPException:
            return None
        return channel if isinstance(channel, discord.Thread) else None

    async def _thread_for(
        self, guild: discord.Guild, consultation: Consultation
    ) -> discord.Thread | None:
        if consultation.thread_id is None:
            return None
        return await self._existing_thread(guild, consultation.thread_id)

    async def _post_in_thread(
        self,
        guild: discord.Guild,
        consultation: Consultation,
        text: str,
        *,
        ping: Sequence[int] = (),
    ) -> None:
        thread = await self._thread_for(guild, consultation)
        if thread is None:
            return
        if consultation.by_dm:  # never mention a DM request's member: it would add them
            ping = [user_id for user_id in ping if user_id != consultation.member_id]
        try:
            if thread.archived:
                await thread.edit(archived=False)
            await thread.send(
                text,
                allowed_mentions=discord.AllowedMentions(
                    users=[discord.Object(user_id) for user_id in ping] or False
                ),
            )
        except discord.HTTPException:
            log.warning("consultation.thread_notice_failed id=%s", consultation.id)

    # ------------------------------------------------------------------ erasure

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
        """A member's data was erased while their request was open (the privacy feature).

        The queue card (``card``: channel and message id) becomes a short closed notice; the
        thread gets ``notice``, loses the member's note from my opening message (the request's
        ``opening_message_id``, read before the erasure; replaced by ``opening_note``) and is
        locked. Each step on its own: one refusal (the opening message deleted by a moderator,
        say) must not stop the others. What people wrote in the thread is theirs and stays
        (Discord keeps it).
        """
        shown = f" #{number}" if number is not None else ""
        if card is not None:
            channel = self.bot.get_channel(card[0])
            if isinstance(channel, discord.TextChannel):
                try:
                    await channel.get_partial_message(card[1]).edit(
                        content=None,
                        embed=embed(f"Request{shown} closed", notice, colour=QUIET),
                        view=None,
                    )
                except discord.HTTPException as error:
                    log.warning(
                        "privacy.card_update_failed guild=%s status=%s",
                        channel.guild.id,
                        error.status,
                    )
        thread = self.bot.get_channel(thread_id) if thread_id else None
        if not isinstance(thread, discord.Thread):
            return
        # The notice goes first, as sending also reopens a thread that archived itself.
        steps: tuple[tuple[str, Callable[[], Awaitable[object]]], ...] = (
            ("thread_notice", partial(thread.send, notice)),
            (
                "opening_note",
                partial(
                    self._remove_opening_note, thread, number, opening_message_id, opening_note
                ),
            ),
            ("thread_lock", partial(thread.edit, archived=True, locked=True)),
        )
        for step, action in steps:
            try:
                await action()
            except discord.HTTPException as error:
                log.warning(
                    "privacy.%s_failed guild=%s status=%s", step, thread.guild.id, error.status
                )

    async def opening_message(
        self, thread: discord.Thread, number: int | None, message_id: int | None
    ) -> discord.Message | discord.PartialMessage | None:
        """My opening message in request ``number``'s thread: the one with the stored id
        (``Consultation.opening_message_id``), or None when none is on record (0).

        Only a thread saved before ids were kept (None) is searched for the message's text
        (``render.opening_marker``), as before: a later message may say the same words.
        """
        if message_id is not None:
            return thread.get_partial_message(message_id) if message_id else None
        me = thread.guild.me
        marker = render.opening_marker(number)
        async for message in thread.history(limit=20, oldest_first=True):
            if (
                message.author.id == me.id
                and message.type is discord.MessageType.default
                and marker in message.content
            ):
                return message
        return None

    async def _remove_opening_note(
        self,
        thread: discord.Thread,
        number: int | None,
        message_id: int | None,
        replacement: str,
    ) -> None:
        message = await self.opening_message(thread, number, message_id)
        if message is None:
            return
        await message.edit(
            content=f"Request #{number}: {replacement}"
            if number is not None
            else replacement.capitalize(),
            allowed_mentions=discord.AllowedMentions.none(),
        )
