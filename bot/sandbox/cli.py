"""The sandbox's command line: print the private link, open a browser, run until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import webbrowser
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from bot.sandbox.session import SandboxOptions, SandboxSession, sandbox_session

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)


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
    if session.tour is not None:
        print(
            f'Tour: {session.tour.name}. Follow the "Sandbox tour" lines in the page, starting in '
            "#general.",
            file=out,
        )
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
