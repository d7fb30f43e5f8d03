"""``python -m bot sandbox --tour consult``: a guided tour for trainers.

It walks a new consultant through one scripted request: a member asks, you claim, you answer,
you close, the member rates. The steps are data (``CONSULT``), each with:

- one short instruction line, posted into the page by a "Sandbox tour" webhook, so it reads as
  the sandbox speaking, not the bot or a person; the page is moved to the step's channel;
- what the tour does itself, as the scripted member, before the line (say thanks, rate);
- the condition that ends the step, read from the database, the thread and the page.

The tour runs beside the page, looks at the state every ``POLL`` seconds, and stops politely
after ``IDLE`` seconds without a step. Its scripted member is Taylor, who exists only for the
tour: every start of the sandbox erases what an earlier tour left of Taylor's (as ``/forget``
does), and a finished tour erases it at once, so each tour starts from a fresh request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from bot.consultations import Consultation, Status
from bot.errors import StartupError
from bot.privacy import erase
from bot.privacy.erasure import known_in_server
from bot.sandbox._simcord_gaps import page_viewer_ids, when_idle
from bot.sandbox.asking import ask_for_consultant
from bot.text import TextField, TextRefusedError, sanitise_required

if TYPE_CHECKING:
    import simcord
    from simcord import ChannelHandle, MemberActor, WebhookHandle
    from simcord.preview import Preview

    from bot.bot import SupportBot
    from bot.sandbox.world import Personas, SandboxServer

log = logging.getLogger(__name__)

POLL = 0.25
"""Seconds between looks at the state while a step waits for the trainer."""
IDLE = 30 * 60
"""Seconds a step waits for the trainer before the tour stops."""
SPEAKER = "Sandbox tour"
"""The name the instruction lines are posted under (a webhook, never the bot or a person)."""
TOUR_NAME = TextField("tour name", 40, required=True, one_line=True)
TOUR_NOTE = "I had a hard week and would like to talk to someone."
"""What the tour's member writes in the /consult form."""
THANKS = "Thank you, that really helps. I think I'm okay for now."
RATING = 5
QUESTION_WAIT = 10.0
"""Seconds the tour waits for the bot's "How did this go?" after the close."""

Where = Literal["general", "queue", "thread"]


class SandboxSession(Protocol):
    """What a tour uses of the running sandbox (``bot.sandbox.session.SandboxSession``)."""

    env: simcord.Env
    bot: SupportBot
    server: SandboxServer
    preview: Preview | None
    missing: list[str]

    @property
    def personas(self) -> Personas: ...

    async def show(self, channel: ChannelHandle) -> object: ...

    async def refresh(self) -> None: ...


@dataclass(frozen=True)
class Progress:
    """Where the tour's request stands, as the steps' conditions read it."""

    request: Consultation | None
    """None once it is gone (erased by hand)."""
    staff_viewer: MemberActor | None
    """A staff persona an open page is viewing as, if any."""
    thread: ChannelHandle | None
    """The request's private thread, once the claim has opened it."""
    staff_replied: bool
    """The claimer has written in the private thread."""
    rating: int | None

    def at_least(self, status: Status) -> bool:
        """The request has reached ``status`` (open, then claimed, then closed)."""
        order = (Status.OPEN, Status.CLAIMED, Status.CLOSED)
        return self.request is not None and (self.request.status in order[order.index(status) :])

    @property
    def ended_early(self) -> bool:
        return self.request is None or self.request.status is Status.CANCELLED


Action = Callable[["Tour", Progress], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    where: Where
    line: str
    """The instruction, with ``{member}``, ``{staff}`` and ``{rating}`` filled in."""
    done: Callable[[Progress], bool]
    does: Action | None = None
    """What the tour does as the scripted member before the line is shown."""


async def _member_thanks(tour: Tour, progress: Progress) -> None:
    thread = tour.thread(progress)
    request = progress.request
    if thread is not None and request is not None and request.status is Status.CLAIMED:
        member = tour.member
        await tour.operate(lambda: member.send(thread, THANKS))


async def _member_rates(tour: Tour, progress: Progress) -> None:
    """The member presses a rating on the bot's "How did this go?" (by DM, or in the thread
    when their DMs are closed)."""
    if progress.request is None or progress.rating is not None:
        return
    wanted = f"feedback:rate:{progress.request.id}:{RATING}"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + QUESTION_WAIT
    while loop.time() < deadline:
        await when_idle(tour.session.env)
        press = _question(tour, progress, wanted)
        if press is not None:
            await tour.operate(press)
            return
        await asyncio.sleep(tour.poll)
    log.warning("sandbox.tour_no_question request=%s", progress.request.id)


def _question(
    tour: Tour, progress: Progress, wanted: str
) -> Callable[[], Awaitable[object]] | None:
    """How the member presses ``wanted`` on the question, once it has been asked."""
    member = tour.member
    for message in reversed(member.user.dm_channel.history()):
        if wanted in _custom_ids(message):
            dm = message
            return lambda: member.user.click(dm, custom_id=wanted)
    thread = tour.thread(progress)
    for message in reversed(thread.history() if thread is not None else []):
        if wanted in _custom_ids(message):
            posted = message
            return lambda: member.click(posted, custom_id=wanted)
    return None


def _custom_ids(message: object) -> set[str]:
    return {
        str(getattr(child, "custom_id", ""))
        for row in getattr(message, "components", [])
        for child in getattr(row, "children", [])
    }


CONSULT: tuple[Step, ...] = (
    Step(
        "general",
        "{member}, a member, has just asked for a consultant with `/consult`. To answer as "
        "staff, pick **Jordan (staff)** in **Viewing as** at the top.",
        done=lambda p: p.staff_viewer is not None or p.at_least(Status.CLAIMED),
    ),
    Step(
        "queue",
        "You are {staff}. Press **Claim** on {member}'s request below.",
        done=lambda p: (
            p.at_least(Status.CLOSED) or (p.at_least(Status.CLAIMED) and p.thread is not None)
        ),
    ),
    Step(
        "thread",
        "This private thread is you, {member} and the bot. Write {member} a short, warm reply.",
        done=lambda p: p.staff_replied or p.at_least(Status.CLOSED),
    ),
    Step(
        "thread",
        "{member} says thank you. Close the request: type `/ticket close` here, with a short "
        "reason.",
        done=lambda p: p.at_least(Status.CLOSED),
        does=_member_thanks,
    ),
    Step(
        "queue",
        "{member} was asked “How did this go?” and rated it {rating}. Ratings show only as "
        "averages, in `/queue stats`.",
        done=lambda p: True,
        does=_member_rates,
    ),
)

TOURS: dict[str, tuple[Step, ...]] = {"consult": CONSULT}

FINISHED = (
    "That's the tour: a member asked, you claimed, answered and closed, and the member rated "
    "it. {member}'s request is now erased, so the next `--tour consult` starts fresh."
)
GAVE_UP = (
    "The tour waited {waited} without a step, so it stops here. {member}'s request is erased "
    "when the sandbox next starts, and `--tour consult` starts a fresh tour."
)
ENDED = (
    "{member}'s request ended another way, so the tour stops here. The next `--tour consult` "
    "starts fresh."
)


def tour_named(name: str) -> str:
    """The tour ``--tour`` asks for, through the typed-text boundary; one sentence if unknown."""
    try:
        cleaned = sanitise_required(name, TOUR_NAME)
    except TextRefusedError:
        raise StartupError(
            f"--tour needs the name of a tour, such as --tour consult ({TOUR_NAME.limit} "
            "characters at most)."
        ) from None
    key = cleaned.casefold()
    if key not in TOURS:
        raise StartupError(
            f"There is no tour called “{cleaned}”: the sandbox has one, --tour consult."
        )
    return key


@dataclass(frozen=True)
class TourResult:
    """The tour's request as it stood at the end, before the tour erased it."""

    number: int
    status: Status
    rating: int | None


class Tour:
    """One run of a tour in a running sandbox (``start_tour`` makes and starts it)."""

    def __init__(
        self,
        session: SandboxSession,
        name: str,
        request_id: int,
        *,
        poll: float = POLL,
        idle: float = IDLE,
    ) -> None:
        self.session = session
        self.name = name
        self.steps = TOURS[name]
        self.request_id = request_id
        self.poll = poll
        self.idle = idle
        self.step = 0
        """The step now waiting for the trainer (from 1); 0 before the first line."""
        self.lines: list[str] = []
        self.result: TourResult | None = None
        self.ended = False
        self.task: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()
        self._webhooks: dict[int, WebhookHandle] = {}
        self._channel: ChannelHandle = session.server.general

    @property
    def member(self) -> MemberActor:
        return self.session.server.tour_member

    def start(self) -> None:
        self.task = asyncio.create_task(self.run(), name="sandbox-tour")

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def at_step(self, number: int) -> None:
        """Until the tour waits at step ``number`` (or later), or has ended."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.step >= number or self.ended)

    async def run(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except Exception:  # the tour must never take the sandbox down with it
            log.exception("sandbox.tour_failed")
        finally:
            await self._moved(ended=True)

    async def _run(self) -> None:
        for number, step in enumerate(self.steps, 1):
            await when_idle(self.session.env)  # the trainer's last action has finished
            progress = await self.progress()
            if progress.ended_early:
                await self._say(self._channel, _headed("stopped", self._fill(ENDED, progress)))
                return
            if step.does is not None:
                await step.does(self, progress)
                progress = await self.progress()
            channel = self._channel_for(step.where, progress)
            line = self._fill(step.line, progress)
            await self._say(channel, _headed(f"{number}/{len(self.steps)}", line))
            await self._moved(step=number)
            outcome = await self._wait(step.done)
            if outcome is None:
                waited = self._fill(GAVE_UP, progress, waited=_duration(self.idle))
                await self._say(self._channel, _headed("stopped", waited))
                return
            if outcome.ended_early:
                await self._say(self._channel, _headed("stopped", self._fill(ENDED, outcome)))
                return
        final = await self.progress()
        if final.request is not None:
            self.result = TourResult(final.request.number, final.request.status, final.rating)
        await forget_tour_member(self.session)
        await self._say(self._channel, _headed("done", self._fill(FINISHED, final)))

    async def progress(self) -> Progress:
        services = self.session.bot.services
        request = await services.consultations.get(self.request_id)
        ask = await services.feedback.asked(self.request_id) if request is not None else None
        staff = {p.id: p for p in (*self.session.personas.staff, self.session.personas.admin)}
        preview = self.session.preview
        viewers = page_viewer_ids(preview) if preview is not None else []
        viewer = next((staff[i] for i in viewers if i in staff), None)
        replied = False
        thread = self.thread_of(request)
        if thread is not None and request is not None and request.claimed_by is not None:
            replied = any(m.author.id == request.claimed_by for m in thread.history())
        rating = ask.rating if ask is not None else None
        return Progress(request, viewer, thread, replied, rating)

    def thread(self, progress: Progress) -> ChannelHandle | None:
        return progress.thread

    def thread_of(self, request: Consultation | None) -> ChannelHandle | None:
        if request is None or request.thread_id is None:
            return None
        return next(
            (t for t in self.session.server.consultations.threads if t.id == request.thread_id),
            None,
        )

    async def operate(self, operation: Callable[[], Awaitable[object]]) -> None:
        """Run one SimCord operation once SimCord is idle, then show what it did."""
        await when_idle(self.session.env)
        await operation()
        await when_idle(self.session.env)
        await self.session.refresh()

    async def _wait(self, done: Callable[[Progress], bool]) -> Progress | None:
        """The progress that ends the step (or ended the request); None after ``idle``."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.idle
        while loop.time() < give_up:
            progress = await self.progress()
            if done(progress) or progress.ended_early:
                return progress
            await asyncio.sleep(self.poll)
        return None

    async def _say(self, channel: ChannelHandle, line: str) -> None:
        """Post ``line`` as the sandbox tour in ``channel``, and show that channel."""
        env = self.session.env
        hook = self._webhooks.get(channel.id)
        if hook is None:
            await when_idle(env)
            hook = self._webhooks[channel.id] = self.session.server.guild.create_webhook(
                channel, SPEAKER
            )
        await when_idle(env)
        await hook.send(line, username=SPEAKER)
        self.lines.append(line)
        self._channel = channel
        await when_idle(env)
        await self.session.show(channel)
        await when_idle(env)
        await self.session.refresh()

    async def _moved(self, *, step: int | None = None, ended: bool = False) -> None:
        async with self._changed:
            if step is not None:
                self.step = step
            self.ended = self.ended or ended
            self._changed.notify_all()

    def _channel_for(self, where: Where, progress: Progress) -> ChannelHandle:
        server = self.session.server
        if where == "thread":
            return self.thread(progress) or server.queue
        return server.queue if where == "queue" else server.general

    def _fill(self, text: str, progress: Progress, **more: str) -> str:
        personas = {p.id: p for p in self.session.personas.all()}
        request = progress.request
        claimer = personas.get(request.claimed_by or 0) if request is not None else None
        staff = claimer or progress.staff_viewer or self.session.personas.staff[0]
        rating = f"{progress.rating} of 5" if progress.rating is not None else "not yet"
        return text.format(
            member=shown_name(self.member), staff=shown_name(staff), rating=rating, **more
        )


def _headed(label: str, line: str) -> str:
    """A tour line as the page shows it: "🧭 **Tour 2/5** · Press **Claim** …"."""
    return f"🧭 **Tour {label}** · {line}"


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:g} seconds"
    minutes = round(seconds / 60)
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def shown_name(person: MemberActor) -> str:
    return person.user.global_name or person.name


async def forget_tour_member(session: SandboxSession) -> None:
    """Erase what a tour left of its member's (their request, its rating), as ``/forget``
    would: the next tour starts from a fresh request, past any cooldown."""
    bot, server = session.bot, session.server
    member = server.tour_member
    if await known_in_server(bot.db, member.id, server.guild.id):
        await erase(bot.db, member.id, server.guild.id, server_only=True)


async def start_tour(session: SandboxSession, name: str, *, idle: float = IDLE) -> Tour | None:
    """The tour's member asks for a consultant, then the tour runs beside the page.

    Called before the page's link is given out, so the member's ``/consult`` overlaps
    nothing. None (and a note in ``session.missing``) when the request could not be made.
    """
    server = session.server
    member = server.tour_member
    missing = await ask_for_consultant(
        server, member, topic="coping", urgency="routine", note=TOUR_NOTE
    )
    await session.env.settle()
    request = await session.bot.services.consultations.active_for_member(server.guild.id, member.id)
    if missing is not None or request is None:
        session.missing.append(f"the {name} tour ({missing or 'its request was refused'})")
        return None
    tour = Tour(session, name, request.id, idle=idle)
    tour.start()
    return tour
