"""Where the sandbox needs something SimCord's public API does not offer (yet).

Everything here touches SimCord internals; ``tests/test_sandbox.py`` shows at once if a SimCord
upgrade breaks it. Keep every such workaround in this module, and remove it once SimCord offers
a public equivalent.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simcord
    from simcord import ChannelHandle
    from simcord.preview import Preview

log = logging.getLogger(__name__)


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


_IDLE_POLL = 0.02
"""Seconds between looks at whether SimCord's current operation has ended."""
_ATTEMPTS = 50
"""How often handed-over work tries again when another operation began just before it."""


def after_current_operation(
    env: simcord.Env, work: Callable[[], Awaitable[None]]
) -> concurrent.futures.Future[None]:
    """Run ``work`` (which drives SimCord: moves its clock) once SimCord is idle.

    A slash command typed in the page runs as the bot, inside the page's action, and SimCord
    refuses an operation from bot-owned work (and operations never overlap). A task the bot
    creates is bot-owned whatever context it is given (SimCord 3.2 patches the loop's
    ``create_task``), so the work is handed to the loop from a short-lived thread, where no
    bot scope is set; it then waits until SimCord's current operation has ended
    (``Env._operation_task``, an internal) and runs, waiting again if another began first.
    """
    loop = asyncio.get_running_loop()

    async def idle_then_work() -> None:
        import simcord

        for _ in range(_ATTEMPTS):
            await when_idle(env, timeout=30)
            try:
                await work()
            except simcord.SetupError:  # another operation began first
                log.info("sandbox.waiting_for_simcord")
            else:
                return
        log.warning("sandbox.simcord_never_idle")

    handed: list[concurrent.futures.Future[None]] = []
    thread = threading.Thread(
        target=lambda: handed.append(asyncio.run_coroutine_threadsafe(idle_then_work(), loop)),
        name="sandbox-handoff",
    )
    thread.start()
    thread.join()
    return handed[0]


def page_viewer_ids(preview: Preview) -> list[int]:
    """Whom the open pages are viewing as (the "Viewing as" menu), one id per open page.

    SimCord 3.2 has no public way to read it; the guided tour uses it to see that the trainer
    has become a staff persona. It reads Preview's pages (``Preview._pages``, an internal).
    """
    return [int(page.viewer.id) for page in list(preview._pages.values())]


async def when_idle(env: simcord.Env, *, timeout: float = 120.0) -> None:  # noqa: ASYNC109
    """Return once SimCord runs no operation (a page action, a clock move, a refresh).

    SimCord refuses an operation that overlaps another. A caller that starts its operation right
    after this returns, with nothing awaited in between, cannot overlap one: the event loop
    runs one task at a time. Raises ``TimeoutError`` after ``timeout`` seconds of busy.
    (``Env._operation_task`` is an internal.)
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while env._operation_task is not None:
        if loop.time() > deadline:
            raise TimeoutError("SimCord stayed busy")
        await asyncio.sleep(_IDLE_POLL)
