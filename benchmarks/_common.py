"""Helpers shared by the benchmarks: settings, memory, statistics, tables, timing hooks.

Nothing here is imported by the bot; it only measures it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import functools
import gc
import logging
import math
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import discord
import simcord
from simcord.http.client import FakeHTTPClient, FakeWebhookAdapter

from bot.settings import Settings

# ----------------------------------------------------------------------------- environment


def bench_settings(folder: Path, **overrides: object) -> Settings:
    """Real settings for a throwaway database in ``folder`` (no token needed: SimCord)."""
    values: dict[str, object] = {
        "discord_token": "benchmark-token-not-real",
        "database_path": folder / "support.db",
        "shard_count": 1,  # SimCord runs an AutoShardedBot only with a known count
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def quiet_logs() -> None:
    """Benchmarks print tables; the bot's INFO logs would only get in the way."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("discord").setLevel(logging.ERROR)


def machine() -> str:
    """One line naming the machine, for the README."""
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, discord.py {discord.__version__}, "
        f"simcord {simcord.__version__}"
    )


def rss_mib() -> float:
    """Resident memory of this process now (VmRSS), in MiB; peak RSS where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def settled_rss_mib() -> float:
    """RSS after a full garbage collection, with freed heap handed back to the system.

    Without ``malloc_trim`` RSS also counts memory that was only needed for a moment (the
    copies of a 50k-member gateway payload, say) and is free but still held by the allocator.
    """
    gc.collect()
    _trim_heap()
    return rss_mib()


def _trim_heap() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: RSS then includes free heap too


@contextlib.contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    """``with stopwatch() as elapsed: ...`` then ``elapsed()`` in seconds."""
    start = time.perf_counter()
    end: float | None = None

    def elapsed() -> float:
        return (end if end is not None else time.perf_counter()) - start

    try:
        yield elapsed
    finally:
        end = time.perf_counter()


# ----------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``fraction`` in 0..1) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# ----------------------------------------------------------------------------- tables


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table (readable in a terminal, pasteable into the README)."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |"

    print(f"\n{title}\n")
    print(line(cells[0]))
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for row in cells[1:]:
        print(line(row))
    sys.stdout.flush()


def progress(text: str) -> None:
    """A line on stderr while a long run goes on (the tables go to stdout)."""
    print(f"... {text}", file=sys.stderr, flush=True)


def note(text: str) -> None:
    print(f"note: {text}")
    sys.stdout.flush()


# ----------------------------------------------------------------------------- SimCord hosts


T = TypeVar("T")


class LoopHost:
    """One bot running in SimCord on an event loop of its own, driven from this thread.

    SimCord allows one live world per event loop. With a host each, a bare bot and ours can
    answer alternately, interaction by interaction, so both are measured under the same machine
    load instead of minutes apart. A single task keeps the world open (``simcord.run`` is
    entered and left in the same task) and runs each job it is given; ``run`` drives the loop
    until that job is done, and between jobs the loop, and so the bot, is paused.
    """

    def __init__(self, bot: discord.Client) -> None:
        self.loop = asyncio.new_event_loop()
        self._jobs: asyncio.Queue[tuple[Awaitable[Any], asyncio.Future[Any]] | None] = (
            asyncio.Queue()
        )
        self._opened: asyncio.Future[simcord.Env] = self.loop.create_future()
        self._served = self.loop.create_task(self._serve(bot))
        self.env = self.loop.run_until_complete(self._opened)

    async def _serve(self, bot: discord.Client) -> None:
        try:
            async with simcord.run(bot) as env:
                self._opened.set_result(env)
                while (job := await self._jobs.get()) is not None:
                    work, done = job
                    try:
                        done.set_result(await work)
                    except Exception as error:
                        done.set_exception(error)
        except BaseException as error:
            if not self._opened.done():
                self._opened.set_exception(error)
            raise

    def run(self, work: Awaitable[T]) -> T:
        done: asyncio.Future[T] = self.loop.create_future()
        self._jobs.put_nowait((work, done))
        return self.loop.run_until_complete(done)

    def close(self, *, after: Callable[[], Awaitable[object]] | None = None) -> None:
        """Leave the world (the bot logs out), run ``after`` on the loop, close the loop."""
        try:
            self._jobs.put_nowait(None)
            self.loop.run_until_complete(self._served)
            if after is not None:
                self.loop.run_until_complete(after())
        finally:
            self.loop.close()


# ----------------------------------------------------------------------------- SimCord pacing


class Pacing:
    """How SimCord's settling (after each action) waits for the bot: polling fast between
    measured interactions, and quietly during one.

    Settling runs on the bot's event loop, and every pass of it is Python work (it inspects each
    task and timer the bot has). Polling every 0.2 ms keeps set-up actions quick. Inside a
    measured interaction, though, a pass that runs while the bot waits for the database thread
    holds the GIL the thread needs to start or to hand its result back (and a pass that runs
    when the bot's next step is ready delays that step): the harness's own work would be
    counted as the bot's. Measured with a 1 ms poll, the writes took about 10× their floor,
    with a 10 ms poll about 2.3×, for the same code.

    So during a measured interaction, settling first waits, without polling, until every task
    the interaction started has finished (``InteractionTimer.quiet``: one ``asyncio.wait`` on
    them, woken only by their completion), and only then runs SimCord's own settling, polling
    every ``measured_idle``, to make sure nothing is left running before the next iteration.
    The bare bots are measured the same way.
    """

    def __init__(
        self, env: simcord.Env, *, fast_idle: float = 0.0002, measured_idle: float
    ) -> None:
        self._env = env
        self._original = env._settle_internal
        self._fast = functools.partial(self._original, idle=fast_idle)
        self._measured_idle = measured_idle
        env._settle_internal = self._fast  # type: ignore[method-assign]

    @contextlib.contextmanager
    def measured(self, timer: InteractionTimer) -> Iterator[None]:
        original, idle = self._original, self._measured_idle

        async def quiet_then_settle(**kwargs: Any) -> None:
            await timer.quiet()
            await original(idle=idle, **kwargs)

        self._env._settle_internal = quiet_then_settle  # type: ignore[method-assign]
        try:
            yield
        finally:
            self._env._settle_internal = self._fast  # type: ignore[method-assign]


# ----------------------------------------------------------------------------- interaction timing


@dataclass
class _Capture:
    tokens: list[str] = field(default_factory=list)
    tasks: list[asyncio.Future[Any]] = field(default_factory=list)
    """The tasks the bot started during the capture (SimCord's own are left out)."""
    finished: list[int] = field(default_factory=list)
    """When each of them finished (``perf_counter_ns``)."""


QUIET_TIMEOUT = 10.0
"""How long ``InteractionTimer.quiet`` waits for an interaction's tasks before leaving the rest
to SimCord's settling (which then reports what is stuck)."""


@dataclass
class Sample:
    """One interaction, in nanoseconds from INTERACTION_CREATE entering discord.py.

    ``first_ns``: to the first response handed to HTTP (the acknowledgement);
    ``last_ns``: to the last one (the answer the member reads);
    ``own_ns``: ``last_ns`` minus the time spent inside SimCord's fake Discord answering the
    bot's REST calls in between (creating a thread, editing a card…): the bot's own time.
    """

    first_ns: int
    last_ns: int
    own_ns: int
    responses: int
    full_ns: int = 0
    """To the end of everything the interaction set off (the last task the bot started for it
    finished: the card posted and saved after the reply, say), minus the fake Discord's time
    in that span: the full answer, which is what a write is judged by."""


class InteractionTimer:
    """Timestamps inside discord.py: where the gateway payload enters
    ``ConnectionState.parse_interaction_create``, and where the bot hands each response for that
    interaction (callback, follow-up, edit of the original) to the HTTP layer (the webhook adapter's
    ``request``, before SimCord's fake Discord handles it). Uses ``time.perf_counter_ns``.
    Every call into the fake Discord (REST and webhook) is also timed, so its time can be
    subtracted: it stands for the network, not for the bot.
    """

    def __init__(self) -> None:
        self._starts: dict[str, int] = {}
        self._responses: dict[str, list[int]] = {}
        self._fake: list[tuple[int, int]] = []
        self._capture: _Capture | None = None
        self._restore: list[Callable[[], None]] = []
        self._fakes_hooked = False

    def install(self, client: discord.Client) -> None:
        """Hook the running ``client`` (call after ``simcord.run`` started it) and the fakes.

        Can hook several clients (each in its own SimCord world); the fakes are hooked once.
        """
        state = client._connection
        parse = state.parsers["INTERACTION_CREATE"]
        starts = self._starts

        def timed_parse(data: dict[str, Any]) -> None:
            started = time.perf_counter_ns()
            token = data.get("token")
            if isinstance(token, str):
                starts[token] = started
                if self._capture is not None:
                    self._capture.tokens.append(token)
            parse(data)

        state.parsers["INTERACTION_CREATE"] = timed_parse

        def unhook() -> None:
            state.parsers["INTERACTION_CREATE"] = parse

        self._restore.append(unhook)
        self._hook_tasks(client.loop)
        if not self._fakes_hooked:
            self._hook_fakes()
            self._fakes_hooked = True

    def _hook_tasks(self, loop: asyncio.AbstractEventLoop) -> None:
        """Note when each task started during a capture finishes (SimCord's own are left out):
        the interaction's handler, and whatever it set off (discord.py starts a task per event
        and per component or form)."""
        previous = loop.get_task_factory()

        def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> Any:
            if previous is not None:
                task = previous(loop, coro, **kwargs)
            else:
                task = asyncio.Task(coro, loop=loop, **kwargs)
            captured = self._capture
            code = getattr(coro, "cr_code", None)
            if captured is not None and "simcord" not in getattr(code, "co_filename", "simcord"):
                captured.tasks.append(task)
                task.add_done_callback(lambda _: captured.finished.append(time.perf_counter_ns()))
            return task

        loop.set_task_factory(factory)

        def unhook() -> None:
            loop.set_task_factory(previous)

        self._restore.append(unhook)

    def _hook_fakes(self) -> None:
        starts = self._starts
        responses = self._responses
        fake = self._fake

        original_webhook = FakeWebhookAdapter.request
        original_rest = FakeHTTPClient.request

        async def timed_webhook(adapter: Any, route: Any, *args: Any, **kwargs: Any) -> Any:
            handed = time.perf_counter_ns()
            url = str(getattr(route, "url", ""))
            for part in url.split("?", 1)[0].split("/"):
                if part in starts:
                    responses.setdefault(part, []).append(handed)
                    break
            try:
                return await original_webhook(adapter, route, *args, **kwargs)
            finally:
                fake.append((handed, time.perf_counter_ns()))

        async def timed_rest(http: Any, route: Any, *args: Any, **kwargs: Any) -> Any:
            begun = time.perf_counter_ns()
            try:
                return await original_rest(http, route, *args, **kwargs)
            finally:
                fake.append((begun, time.perf_counter_ns()))

        FakeWebhookAdapter.request = timed_webhook  # type: ignore[method-assign,assignment]
        FakeHTTPClient.request = timed_rest  # type: ignore[method-assign,assignment]

        def restore() -> None:
            FakeWebhookAdapter.request = original_webhook  # type: ignore[method-assign]
            FakeHTTPClient.request = original_rest  # type: ignore[method-assign]
            self._fakes_hooked = False

        self._restore.append(restore)

    def uninstall(self) -> None:
        while self._restore:
            self._restore.pop()()

    @contextlib.asynccontextmanager
    async def capture(self) -> AsyncIterator[_Capture]:
        """Mark the interactions dispatched inside the block as the measured ones."""
        captured = _Capture()
        self._capture = captured
        try:
            yield captured
        finally:
            self._capture = None

    async def quiet(self) -> None:
        """Wait, without polling, until every task started in the current capture has finished
        (those they start included), or ``QUIET_TIMEOUT`` passed. See ``Pacing``."""
        captured = self._capture
        if captured is None:
            return
        deadline = time.monotonic() + QUIET_TIMEOUT
        while live := [task for task in captured.tasks if not task.done()]:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            await asyncio.wait(live, timeout=left)

    def sample(self, captured: _Capture) -> Sample:
        """The measured interaction of a capture block (exactly one is expected)."""
        if len(captured.tokens) != 1:
            raise RuntimeError(f"expected one measured interaction, saw {len(captured.tokens)}")
        token = captured.tokens[0]
        start = self._starts.pop(token)
        handed = self._responses.pop(token, [])
        if not handed:
            raise RuntimeError("the bot never answered the measured interaction")
        last = handed[-1]
        network = sum(end - begun for begun, end in self._fake if begun >= start and end <= last)
        done = max([last, *captured.finished])
        all_network = sum(
            end - begun for begun, end in self._fake if begun >= start and end <= done
        )
        return Sample(
            handed[0] - start,
            last - start,
            last - start - network,
            len(handed),
            done - start - all_network,
        )

    def forget(self) -> None:
        """Drop records of interactions that were only set-up, not measured."""
        self._starts.clear()
        self._responses.clear()
        self._fake.clear()
