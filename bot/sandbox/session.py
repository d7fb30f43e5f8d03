"""A running sandbox: the real bot in SimCord, the seeded data and the open Preview page."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import fcntl
import importlib.util
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import discord

from bot.bot import SupportBot, create_bot
from bot.crypto import key_file_for
from bot.db import database_in_use, lock_path_for
from bot.errors import StartupError
from bot.sandbox._simcord_gaps import after_current_operation, switch_page
from bot.sandbox.asking import ask_for_consultant
from bot.sandbox.commands import show_command, time_command
from bot.sandbox.tour import IDLE, Tour, forget_tour_member, start_tour, tour_named
from bot.sandbox.world import (
    BOT_NAME,
    INTRO,
    Personas,
    SandboxServer,
    build_server,
    configure,
    fingerprint,
)
from bot.settings import Settings
from cogs._handoff import ConsultHandoff

if TYPE_CHECKING:
    import simcord
    from simcord import ChannelHandle
    from simcord.preview import Preview

log = logging.getLogger(__name__)

DEFAULT_DATABASE = Path("data/sandbox.db")
SANDBOX_TOKEN = "sandbox"  # never sent anywhere: SimCord has no network
_SEEDED_KEY = "sandbox:seeded"
_PREVIEW_MODULES = ("simcord", "aiohttp", "markdown_it", "linkify_it", "regex", "PIL")
INSTALL_HINT = 'install it with: .venv/bin/pip install -e ".[sandbox]"'


@dataclass(frozen=True)
class SandboxOptions:
    """What ``python -m bot sandbox`` was asked for."""

    database_path: Path = DEFAULT_DATABASE
    reset: bool = False
    open_browser: bool = True
    port: int = 0  # 0: any free port on 127.0.0.1
    log_level: str = "WARNING"
    tour: str | None = None  # a guided tour's name (``bot.sandbox.tour.TOURS``)
    tour_idle_seconds: float = IDLE  # how long a tour step waits for the trainer (tests: less)


@dataclass
class SandboxSession:
    """A running sandbox: the env, the bot, the server and the open Preview."""

    env: simcord.Env
    bot: SupportBot
    server: SandboxServer
    port: int
    seeded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    preview: Preview | None = None
    tour: Tour | None = None
    _swap: asyncio.Lock = field(default_factory=asyncio.Lock)
    _pending: set[concurrent.futures.Future[None]] = field(default_factory=set)

    @property
    def personas(self) -> Personas:
        return self.server.personas

    @property
    def url(self) -> str:
        """The capability URL of the page: a secret, valid while the sandbox runs."""
        if self.preview is None:
            raise RuntimeError("the preview is not open")
        return self.preview.url

    async def show(self, channel: ChannelHandle) -> Preview:
        """Present ``channel`` in the page.

        The page opens on #general, which every persona can read; after that it switches in
        place (same URL, no reload). A persona who cannot read the channel (a member in the
        staff queue, anyone outside a private thread) sees that they have no access, as in
        Discord.
        """
        async with self._swap:
            if self.preview is not None:
                switch_page(self.preview, channel)
                return self.preview
            preview = self.env.preview(
                channel, viewers=list(self.personas.all()), layout="channel", port=self.port
            )
            await preview.__aenter__()
            self.preview = preview
            self.port = urlsplit(preview.url).port or self.port
            return preview

    def switch_soon(self, channel: ChannelHandle) -> None:
        """Switch the page from inside a page action (the ``/sandbox-show`` command).

        Scheduled for the event loop's next step, after the command has answered and while
        SimCord is still settling the page's action; the action then finishes and publishes
        the page with the new channel. ``tests/test_sandbox.py`` checks this through the page's
        own HTTP API (the action settles, the page keeps its context and shows the channel).
        """
        if self.preview is not None:
            asyncio.get_running_loop().call_soon(switch_page, self.preview, channel)

    def advance_soon(self, seconds: int) -> None:
        """Move SimCord's clock on by ``seconds`` once the page's action has finished (the
        ``/sandbox-time`` command): the bot's timers that fall due meanwhile run, in order,
        then the page shows what they did."""

        async def advance() -> None:
            left = seconds
            while left > 0:  # in steps, each well within SimCord's settle timeout
                step = min(left, _CLOCK_STEP)
                await self.env.advance_time(step)
                left -= step
                await self.refresh()

        pending = after_current_operation(self.env, advance)
        self._pending.add(pending)
        pending.add_done_callback(self._pending.discard)
        pending.add_done_callback(_log_failure)

    def follow_claim(self, thread: discord.Thread) -> None:
        """A consultation thread was just made: if the page shows the staff queue (where Claim
        was pressed), follow into the thread, as the claim reply's link does in Discord. The
        page's preview prints that link as text, so the sandbox follows it for the trainer."""
        preview = self.preview
        if preview is None or thread.parent_id != self.server.consultations.id:
            return
        if preview.channel is None or preview.channel.id != self.server.queue.id:
            return
        target = self.channel_by_id(thread.id)
        if target is not None:
            self.switch_soon(target)

    async def clock_settled(self) -> None:
        """Wait until every ``/sandbox-time`` move asked for so far has finished."""
        while self._pending:
            await asyncio.gather(
                *(asyncio.wrap_future(p) for p in list(self._pending)), return_exceptions=True
            )

    async def stop_clock(self) -> None:
        """Stop any clock move still running (the sandbox is closing)."""
        for pending in list(self._pending):
            pending.cancel()
        await self.clock_settled()

    def channels(self) -> dict[str, ChannelHandle]:
        """What ``show`` can present, by name: the server's channels and consultation threads."""
        server = self.server
        named = {
            channel.name or str(channel.id): channel
            for channel in (
                server.welcome,
                server.general,
                server.meetings,
                server.queue,
                server.consultations,
            )
        }
        for thread in server.consultations.threads:
            named[thread.name or str(thread.id)] = thread
        return named

    def channel_by_id(self, channel_id: int) -> ChannelHandle | None:
        return next((c for c in self.channels().values() if c.id == channel_id), None)

    async def refresh(self) -> None:
        """Publish what the bot did outside the page (timers, Python-driven actions)."""
        if self.preview is not None:
            await self.preview.refresh()


def _log_failure(done: concurrent.futures.Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.error("sandbox.advance_failed", exc_info=done.exception())


_CLOCK_STEP = 10 * 60
"""Seconds of sandbox time moved at once. Every minute the bot's timers tick (queue
reminders, quiet threads, follow-ups, meetings), and SimCord runs each tick in order, so a
step must finish within its settle timeout (5 s): ten minutes take about half a second."""


def missing_modules() -> list[str]:
    return [name for name in _PREVIEW_MODULES if importlib.util.find_spec(name) is None]


def sandbox_settings(options: SandboxOptions) -> Settings:
    return Settings(
        _env_file=None,
        discord_token=SANDBOX_TOKEN,
        database_path=options.database_path,
        log_level=options.log_level,
        shard_count=1,  # SimCord runs an AutoShardedBot only with a known count
    )


def reset_database(path: Path) -> None:
    """Delete the sandbox database and its key; refuse while a process is using it."""
    if database_in_use(path):
        raise StartupError(
            f"Another process is using {path}: stop it before resetting the sandbox."
        )
    lock = lock_path_for(path)
    fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600) if path.parent.exists() else None
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        for doomed in (
            path,
            path.with_name(path.name + "-wal"),
            path.with_name(path.name + "-shm"),
            key_file_for(path),
        ):
            doomed.unlink(missing_ok=True)
    finally:
        if fd is not None:
            os.close(fd)


# --------------------------------------------------------------------------- seeding

Seeder = Callable[["SandboxSession"], Awaitable[str | None]]


async def _seed_milestone(session: SandboxSession) -> str | None:
    bot, member = session.bot, session.personas.member
    now = session.env.now()
    await bot.services.milestones.set(
        session.server.guild.id,
        member.id,
        start_date=now.date() - dt.timedelta(days=45),
        timezone="UTC",
        label="alcohol",
        now=now,
    )
    return None


async def _seed_checkins(session: SandboxSession) -> str | None:
    bot, member = session.bot, session.personas.member
    service = bot.services.checkins
    now = session.env.now()
    # A couple of weeks with ups and downs; a day or two skipped, like real life.
    days = [
        (13, 3, 6, None),
        (12, 3, 5, None),
        (11, 4, 4, "Went to the evening meeting."),
        (9, 2, 7, "Hard day at work."),
        (8, 3, 5, None),
        (7, 4, 3, "Walked with a friend."),
        (6, 4, 3, None),
        (5, 5, 2, "Slept well."),
        (4, 4, 2, None),
        (2, 3, 4, None),
        (1, 4, 2, "Called my sponsor."),
    ]
    for days_ago, mood, craving, note in days:
        await service.record(
            member.id,
            mood=mood,
            craving=craving,
            note=note,
            now=now - dt.timedelta(days=days_ago, hours=2),
            zone=ZoneInfo("UTC"),
            guild_id=session.server.guild.id,
        )
    return None


_REQUESTS = (
    ("casey", "level_of_care", "routine", "What is the difference between IOP and PHP?"),
    ("drew", "coping", "soon", "Evenings are the hardest for me right now."),
    ("quinn", "family", "routine", "How can I support my brother?"),
)


async def _seed_requests(session: SandboxSession) -> str | None:
    """A few members ask for a consultant through the real ``/consult`` flow."""
    env, server = session.env, session.server
    by_name = {m.name: m for m in server.requesters}
    for name, topic, urgency, note in _REQUESTS:
        missing = await ask_for_consultant(
            server, by_name[name], topic=topic, urgency=urgency, note=note
        )
        if missing is not None:
            return f"queue requests ({missing})"
    await env.settle()
    return None


async def _restore_queue(session: SandboxSession) -> None:
    """A kept database meets a new simulated Discord: the old cards and threads are gone.

    Waiting requests get their card posted again; the bot's own start-up check then finds
    that claimed requests lost their thread and closes them, telling staff, as it would
    after a thread was deleted by hand.
    """
    await ConsultHandoff(session.bot, session.bot.services).restore_queue(session.server.guild.id)
    await session.env.settle()


SEEDERS: tuple[Seeder, ...] = (_seed_milestone, _seed_checkins, _seed_requests)


async def seed(session: SandboxSession) -> None:
    """Seed the member's history and the queue once per database; note what is not there."""
    state = session.bot.services.state
    stamp = fingerprint(session.server)
    previous = await state.get(_SEEDED_KEY)
    if previous == stamp:
        await _restore_queue(session)
        return
    if previous is not None:
        log.warning("sandbox.world_changed")
    for seeder in SEEDERS:
        missing = await seeder(session)
        if missing is None:
            session.seeded.append(seeder.__name__.removeprefix("_seed_"))
        else:
            session.missing.append(missing)
    await state.set(_SEEDED_KEY, stamp)


# --------------------------------------------------------------------------- the session


@contextlib.asynccontextmanager
async def sandbox_session(options: SandboxOptions) -> AsyncIterator[SandboxSession]:
    """Run the real bot in SimCord with the sandbox server and an open Preview page."""
    tour = tour_named(options.tour) if options.tour is not None else None
    missing = missing_modules()
    if missing:
        raise StartupError(
            f"The sandbox needs SimCord's preview extra ({', '.join(missing)} missing): "
            f"{INSTALL_HINT}."
        )
    import simcord

    if options.reset:
        reset_database(options.database_path)
    settings = sandbox_settings(options)
    bot = create_bot(settings)
    sessions: list[SandboxSession] = []
    bot.tree.add_command(show_command(sessions))
    bot.tree.add_command(time_command(sessions))
    await bot.open_database()
    try:
        # SimCord's Discord is new every run: always sync the command tree into it.
        await bot.forget_command_sync()
        async with simcord.run(bot, check_errors=False) as env:
            server = build_server(env)
            await env.settle()
            await configure(bot, server, env.now())
            if bot.user is not None:
                await bot.user.edit(username=BOT_NAME)
            await server.personas.admin.send(server.general, INTRO)
            session = SandboxSession(env=env, bot=bot, server=server, port=options.port)
            sessions.append(session)

            async def on_thread_create(thread: discord.Thread) -> None:
                session.follow_claim(thread)

            bot.add_listener(on_thread_create)
            await forget_tour_member(session)  # before the queue is restored: no stale card
            await seed(session)
            await env.settle()
            try:
                await session.show(server.general)
            except simcord.SetupError:
                raise StartupError(
                    f"The sandbox could not listen on 127.0.0.1 port {options.port}: choose "
                    "another --port, or leave it out to use any free port."
                ) from None
            if tour is not None:
                session.tour = await start_tour(session, tour, idle=options.tour_idle_seconds)
            try:
                yield session
            finally:
                if session.tour is not None:
                    await session.tour.stop()
                await session.stop_clock()
                if session.preview is not None:
                    await session.preview.close()
    finally:
        await bot.close_database()
