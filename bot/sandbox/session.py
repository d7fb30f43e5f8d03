"""``python -m bot sandbox``: the real bot in a simulated Discord, shown in a local browser page.

This is infrastructure, not domain code: it imports ``discord`` and SimCord (the optional
``sandbox`` extra, ``simcord[preview]``). It runs the same ``create_bot``, cogs and database
code as ``python -m bot``, against SimCord's in-memory Discord instead of the real one, with
its own database file (``data/sandbox.db`` by default). The server is built the way ``/setup``
would leave a real one, with personas a viewer can switch between in the page.

Nothing here reaches the network: SimCord's Preview listens on 127.0.0.1 only, and its URL
carries a secret capability that is printed once.

Tests drive it through ``sandbox_session(options)``; the command line goes through ``main``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import fcntl
import importlib.util
import logging
import os
import signal
import sys
import webbrowser
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import discord
from discord import app_commands

from bot.bot import SupportBot, create_bot
from bot.crypto import key_file_for
from bot.db import database_in_use, lock_path_for
from bot.errors import StartupError
from bot.guild_config import GuildConfigRepository
from bot.settings import Settings
from bot.state import BotState

if TYPE_CHECKING:
    import simcord
    from simcord import ChannelHandle, GuildHandle, MemberActor, RoleHandle
    from simcord.preview import Preview

log = logging.getLogger(__name__)

DEFAULT_DATABASE = Path("data/sandbox.db")
SANDBOX_TOKEN = "sandbox"  # never sent anywhere: SimCord has no network
SERVER_NAME = "Recovery Circle (sandbox)"
RESPONSE_TIME = "In the sandbox, staff usually reply within a few hours."
BOT_NAME = "Recovery Circle Helper"
INTRO = (
    "Welcome to the sandbox! Nothing here is real: no real people and no real Discord, so try "
    "anything. `/help` shows what the bot does; try `/levels`, `/coping`, `/checkin` or "
    "`/consult` to ask for a consultant. Switch who you are with **Viewing as** at the top: "
    "Sam is new here, Alex has a milestone and check-ins, Jordan and Riley are staff, and "
    "Morgan is the admin. `/sandbox-show` moves this page to another channel, such as the "
    "staff queue or a private consultation thread."
)
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


@dataclass(frozen=True)
class Personas:
    """The people a viewer can be in the page."""

    newcomer: MemberActor  # just joined: nothing stored yet
    member: MemberActor  # has a milestone and a couple of weeks of check-ins
    staff: tuple[MemberActor, MemberActor]
    admin: MemberActor  # Manage Server (runs /setup), also on the staff team

    def all(self) -> tuple[MemberActor, ...]:
        return (self.newcomer, self.member, *self.staff, self.admin)


@dataclass(frozen=True)
class SandboxServer:
    """The simulated server, set up the way ``/setup`` would leave a real one."""

    guild: GuildHandle
    welcome: ChannelHandle
    general: ChannelHandle
    meetings: ChannelHandle
    queue: ChannelHandle  # staff-only
    consultations: ChannelHandle  # private consultation threads live under it
    staff_role: RoleHandle
    admin_role: RoleHandle
    personas: Personas
    requesters: tuple[MemberActor, ...]  # other members whose requests sit in the queue

    def channel(self, name: str) -> ChannelHandle:
        for channel in (self.welcome, self.general, self.meetings, self.queue, self.consultations):
            if channel.name == name:
                return channel
        raise KeyError(name)


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
    _swap: asyncio.Lock = field(default_factory=asyncio.Lock)

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


def switch_page(preview: Preview, channel: ChannelHandle) -> None:
    """Show ``channel`` in every open page of ``preview``, in place.

    SimCord 3.2's Preview is bound to one channel and has no channel switcher, so this does for
    the channel what Preview itself does when a viewer switches persona
    (``simcord/preview/_action_plans.py``, the ``viewer`` action): a new generation, a fresh
    target, published as navigation, which the open page accepts without a reload. It touches
    Preview internals; ``tests/test_sandbox.py`` shows at once if a SimCord upgrade breaks it.
    """
    preview.channel = channel  # where slash commands typed in the page run
    pages = list(preview._pages.values())
    if preview._python is not None and preview._python not in pages:
        pages.append(preview._python)
    for page in pages:
        preview._clear_page_assets(page)
        page.channel_id = channel.id
        page.generation += 1
        preview._reset_queries(page)
        page.target_id = preview._initial_target(page.viewer, channel.id)
        if page.layout == "channel":
            page.window_end_id = page.target_id
        page.modal = None
        page.modal_handle = None
        page.status = "current"
        preview._publish(page, reason="navigation")


SHOW_COMMAND = "sandbox-show"


def show_command(sessions: list[SandboxSession]) -> app_commands.Command[Any, ..., None]:
    """``/sandbox-show``: switch the page to another channel or thread, from the page itself.

    Only the sandbox registers it; the real bot never has it. ``sessions`` holds the running
    session once it exists (the command is added to the tree before the bot starts).
    """

    @app_commands.command(
        name=SHOW_COMMAND, description="Sandbox only: show another channel or thread in this page."
    )
    @app_commands.describe(channel="The channel or consultation thread to show")
    @app_commands.guild_only()
    async def sandbox_show(
        interaction: discord.Interaction[Any], channel: discord.TextChannel | discord.Thread
    ) -> None:
        session = sessions[0] if sessions else None
        target = session.channel_by_id(channel.id) if session is not None else None
        if session is None or target is None:
            await interaction.response.send_message(
                "The page can show the server's channels and consultation threads.",
                ephemeral=True,
            )
            return
        await interaction.response.send_message(
            f"The page now shows #{discord.utils.escape_markdown(channel.name)}.", ephemeral=True
        )
        session.switch_soon(target)

    return sandbox_show


def missing_modules() -> list[str]:
    return [name for name in _PREVIEW_MODULES if importlib.util.find_spec(name) is None]


def sandbox_settings(options: SandboxOptions) -> Settings:
    return Settings(
        _env_file=None,
        discord_token=SANDBOX_TOKEN,
        database_path=options.database_path,
        log_level=options.log_level,
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


# --------------------------------------------------------------------------- the server


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def build_server(env: simcord.Env) -> SandboxServer:
    """Channels, roles, two scheduled meetings and the personas, in a fixed order.

    SimCord's clock and ids start from the same point every run, so building in the same
    order gives the same ids: data kept in the sandbox database lines up on the next run.
    """
    guild = env.create_guild(SERVER_NAME, description="A peer support group (sandbox)")
    staff_role = guild.create_role("Staff", color=0x4A90A4, hoist=True)
    admin_role = guild.create_role(
        "Admin", permissions=discord.Permissions(manage_guild=True, manage_roles=True)
    )
    me = env.bot.user
    assert me is not None  # SimCord logged the bot in before handing us the env
    hidden = discord.PermissionOverwrite(view_channel=False)
    read_only = discord.PermissionOverwrite(send_messages=False)
    seen = discord.PermissionOverwrite(
        view_channel=True, send_messages=True, read_message_history=True, embed_links=True
    )
    welcome = guild.create_text_channel(
        "welcome",
        topic="Say hello. This group is peer support, not an emergency service: /crisis",
        overwrites={guild.default_role: read_only, me: seen},
    )
    general = guild.create_text_channel("general", topic="Chat, /checkin, /levels, /consult")
    meetings = guild.create_text_channel("meetings", topic="Group meetings and reminders")
    room = guild.create_voice_channel("meeting-room")
    queue = guild.create_text_channel(
        "staff-queue",
        topic="Consultation requests (staff only)",
        overwrites={guild.default_role: hidden, staff_role: seen, admin_role: seen, me: seen},
    )
    consultations = guild.create_text_channel(
        "consultations",
        topic="Private consultation threads open here",
        overwrites={guild.default_role: read_only, me: seen},
    )
    now = env.now()
    tomorrow = (now + dt.timedelta(days=1)).replace(hour=19, minute=0, second=0, microsecond=0)
    guild.create_scheduled_event(
        "Evening peer support meeting",
        start_time=_iso(tomorrow),
        end_time=_iso(tomorrow + dt.timedelta(hours=1)),
        entity_type=2,  # voice
        channel=room,
        description="Opening, a check-in round, a topic, a check-out. Cameras optional.",
    )
    weekend = (now + dt.timedelta(days=3)).replace(hour=16, minute=0, second=0, microsecond=0)
    guild.create_scheduled_event(
        "Weekend check-in circle",
        start_time=_iso(weekend),
        end_time=_iso(weekend + dt.timedelta(minutes=45)),
        entity_type=3,  # external
        location="Text meeting in #meetings",
        description="A short text check-in round: how was your week, what helps.",
    )

    def person(name: str, display: str, roles: Sequence[RoleHandle] = ()) -> MemberActor:
        return guild.add_member(env.create_user(name, global_name=display), roles=roles)

    staff = (
        person("jordan_staff", "Jordan (staff)", [staff_role]),
        person("riley_staff", "Riley (staff)", [staff_role]),
    )
    admin = person("morgan_admin", "Morgan (admin)", [admin_role, staff_role])
    member = person("alex_member", "Alex (member)")
    requesters = (
        person("casey", "Casey"),
        person("drew", "Drew"),
        person("quinn", "Quinn"),
    )
    newcomer = person("sam_new", "Sam (new member)")
    personas = Personas(newcomer=newcomer, member=member, staff=staff, admin=admin)
    return SandboxServer(
        guild=guild,
        welcome=welcome,
        general=general,
        meetings=meetings,
        queue=queue,
        consultations=consultations,
        staff_role=staff_role,
        admin_role=admin_role,
        personas=personas,
        requesters=requesters,
    )


async def configure(bot: SupportBot, server: SandboxServer, now: dt.datetime) -> None:
    """Write the configuration ``/setup`` would write for this server."""
    await GuildConfigRepository(bot.db).update(
        server.guild.id,
        now,
        staff_role_id=server.staff_role.id,
        queue_channel_id=server.queue.id,
        consult_channel_id=server.consultations.id,
        response_time_text=RESPONSE_TIME,
        timezone="UTC",
        welcome_channel_id=server.welcome.id,
        meetings_channel_id=server.meetings.id,
        celebrate_channel_id=server.general.id,
    )


def _fingerprint(server: SandboxServer) -> str:
    ids = [server.guild.id, *(p.id for p in server.personas.all())]
    return ",".join(str(i) for i in ids)


# --------------------------------------------------------------------------- seeding

Seeder = Callable[["SandboxSession"], Awaitable[str | None]]


async def _seed_milestone(session: SandboxSession) -> str | None:
    if importlib.util.find_spec("bot.milestones") is None:
        return "milestones (bot/milestones.py is not there yet)"
    from bot.milestones import MilestoneRepository

    bot, member = session.bot, session.personas.member
    now = session.env.now()
    await MilestoneRepository(bot.db, bot.cipher).set(
        session.server.guild.id,
        member.id,
        start_date=now.date() - dt.timedelta(days=45),
        timezone="UTC",
        label="alcohol",
        now=now,
    )
    return None


async def _seed_checkins(session: SandboxSession) -> str | None:
    if importlib.util.find_spec("bot.checkins") is None:
        return "check-ins (bot/checkins.py is not there yet)"
    from bot.checkins import CheckinService

    bot, member = session.bot, session.personas.member
    service = CheckinService(bot.db, bot.cipher)
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
    commands = server.requesters[0].available_commands(server.general)
    if not any(name == "consult" or name.startswith("consult ") for name in commands):
        return "queue requests (the /consult command is not there yet)"
    by_name = {m.name: m for m in server.requesters}
    for name, topic, urgency, note in _REQUESTS:
        member = by_name[name]
        shown = await member.slash(server.general, "consult")
        if shown.modal is None:
            return "queue requests (/consult did not open a form)"
        values = _modal_values(shown, topic=topic, urgency=urgency, note=note)
        await member.submit_modal(shown, values)
    await env.settle()
    return None


def _modal_values(shown: Any, **wanted: str) -> dict[str, Any]:
    """Fill the /consult form by matching its fields' ids to what we want to say."""
    modal = shown.modal
    values: dict[str, Any] = {}
    for component in _modal_fields(modal):
        custom_id = str(component.get("custom_id", ""))
        for key, value in wanted.items():
            if key in custom_id.lower():
                is_select = component.get("type") == discord.ComponentType.string_select.value
                values[custom_id] = [value] if is_select else value
    return values


def _modal_fields(modal: Any) -> list[dict[str, Any]]:
    payload = modal if isinstance(modal, dict) else getattr(modal, "payload", None) or {}
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "custom_id" in node and node.get("type") in (3, 4, 21, 22, 23):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return found


async def _restore_queue(session: SandboxSession) -> None:
    """A kept database meets a new simulated Discord: the old cards and threads are gone.

    Waiting requests get their card posted again; the bot's own start-up check then finds
    that claimed requests lost their thread and closes them, telling staff, as it would
    after a thread was deleted by hand.
    """
    flow = getattr(session.bot.get_cog("Consult"), "flow", None)
    guild = session.bot.get_guild(session.server.guild.id)
    if flow is None or guild is None:
        return
    config = await GuildConfigRepository(session.bot.db).get(guild.id)
    for request in await flow.service.active(guild.id):
        if request.claimed_by is None:
            await flow.post_card(guild, config, request)
    await flow.reconcile()
    await session.env.settle()


SEEDERS: tuple[Seeder, ...] = (_seed_milestone, _seed_checkins, _seed_requests)


async def seed(session: SandboxSession) -> None:
    """Seed the member's history and the queue once per database; note what is not there."""
    state = BotState(session.bot.db)
    fingerprint = _fingerprint(session.server)
    previous = await state.get(_SEEDED_KEY)
    if previous == fingerprint:
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
    await state.set(_SEEDED_KEY, fingerprint)


# --------------------------------------------------------------------------- the session


@contextlib.asynccontextmanager
async def sandbox_session(options: SandboxOptions) -> AsyncIterator[SandboxSession]:
    """Run the real bot in SimCord with the sandbox server and an open Preview page."""
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
    await bot.open_database()
    try:
        # SimCord's Discord is new every run: always sync the command tree into it.
        await BotState(bot.db).set("command_hash:global", "")
        async with simcord.run(bot, check_errors=False) as env:
            server = build_server(env)
            await env.settle()
            await configure(bot, server, env.now())
            if bot.user is not None:
                await bot.user.edit(username=BOT_NAME)
            await server.personas.admin.send(server.general, INTRO)
            session = SandboxSession(env=env, bot=bot, server=server, port=options.port)
            sessions.append(session)
            await seed(session)
            await env.settle()
            try:
                await session.show(server.general)
            except simcord.SetupError:
                raise StartupError(
                    f"The sandbox could not listen on 127.0.0.1 port {options.port}: choose "
                    "another --port, or leave it out to use any free port."
                ) from None
            try:
                yield session
            finally:
                if session.preview is not None:
                    await session.preview.close()
    finally:
        await bot.close_database()


async def run_sandbox(
    options: SandboxOptions, *, out: TextIO | None = None, stop: asyncio.Event | None = None
) -> int:
    """The command line's loop: print the URL once, open a browser, run until Ctrl-C/SIGTERM.

    ``stop`` lets a caller (a test) end it the way a signal would.
    """
    out = out or sys.stdout
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    try:
        async with sandbox_session(options) as session:
            _announce(session, options, out)
            if options.open_browser:
                open_browser(session.url)
            with _terminal_switcher(session, out):
                await _wait_until_stopped(session, stop)
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
    print("Sandbox stopped.", file=out)
    return 0


def _announce(session: SandboxSession, options: SandboxOptions, out: TextIO) -> None:
    print(
        f"Sandbox: the real bot in a simulated Discord, data in {options.database_path}", file=out
    )
    if session.seeded:
        print(f"Seeded: {', '.join(session.seeded)}.", file=out)
    for item in session.missing:
        print(f"Not seeded: {item}.", file=out)
    print("Open this private link (anyone who has it can use the sandbox):", file=out)
    print(f"  {session.url}", file=out)
    print(
        "Switch persona with the page's 'Viewing as' menu, and channel with /sandbox-show "
        "in the page. Ctrl-C stops the sandbox.",
        file=out,
    )
    out.flush()


@contextlib.contextmanager
def _terminal_switcher(session: SandboxSession, out: TextIO) -> Iterator[None]:
    """Typing a channel's name in the terminal shows that one (as ``/sandbox-show`` does).

    Only when stdin is a terminal.
    """
    if not sys.stdin.isatty():
        yield
        return
    from simcord import SetupError

    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    async def switch(name: str) -> None:
        channels = session.channels()
        if name not in channels:
            print(f"Channels: {', '.join(channels)}", file=out)
            return
        try:
            await session.show(channels[name])
        except SetupError:
            print("The page is busy; try again in a moment.", file=out)
            return
        print(f"The page now shows {name}.", file=out)

    def on_line() -> None:
        line = sys.stdin.readline()
        name = line.strip().lstrip("#")
        if name:
            task = loop.create_task(switch(name))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    print(
        "To show another channel, type its name and press Enter "
        f"({', '.join(session.channels())}; consultation threads too).",
        file=out,
    )
    out.flush()
    loop.add_reader(sys.stdin.fileno(), on_line)
    try:
        yield
    finally:
        loop.remove_reader(sys.stdin.fileno())
        for task in tasks:
            task.cancel()


async def _wait_until_stopped(session: SandboxSession, stop: asyncio.Event) -> None:
    """Until a signal (or ``stop``), or the page's own Close ends the preview session."""
    while not stop.is_set():
        preview = session.preview
        if preview is None:
            return
        closed = asyncio.ensure_future(preview.wait_closed())
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({closed, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (closed, stopper):
                task.cancel()
            await asyncio.gather(closed, stopper, return_exceptions=True)
        if stop.is_set():
            return
        async with session._swap:  # a channel switch closes the old page first
            if session.preview is preview or session.preview is None:
                return  # closed from the page itself


def open_browser(url: str) -> None:
    """Open the page when a graphical browser is likely; never fail the sandbox over it."""
    graphical = sys.platform in ("darwin", "win32") or any(
        os.environ.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY")
    )
    if not graphical:
        return
    with contextlib.suppress(Exception):
        webbrowser.open(url, new=2)


def main(options: SandboxOptions) -> int:
    logging.getLogger("discord").setLevel(logging.WARNING)
    return asyncio.run(run_sandbox(options))
