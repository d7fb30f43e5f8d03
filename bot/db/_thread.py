"""The one place that reaches into aiosqlite's private attributes (``Connection._execute``,
``_conn`` and ``_thread``): one hop to the database thread, and waiting for that thread."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import TypeVar

import aiosqlite

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]
"""A unit of work: plain ``sqlite3`` calls on the connection, run on aiosqlite's thread."""


async def on_thread(connection: aiosqlite.Connection, work: Work[T]) -> T:
    """Run ``work(raw sqlite3 connection)`` on ``connection``'s worker thread: one hop.

    A small extension of aiosqlite (0.22), kept here alone: ``Connection._execute`` queues a
    callable on the connection's one worker thread and awaits its result, which is how every
    aiosqlite method works; ``Connection._conn`` is the ``sqlite3.Connection`` that thread
    owns. aiosqlite itself takes one such hop per method call (three for a cursor read: open,
    fetch, close), and a hop costs about 90 µs against about 5 µs for a statement, so a unit
    of work that runs as one function costs one hop whatever it does. The worker runs queued
    callables one at a time, in order, so nothing interleaves with it.
    """
    raw = connection._conn  # ValueError("no active connection") once closed
    result: T = await connection._execute(work, raw)  # type: ignore[no-untyped-call]
    return result


async def _stop_worker(connection: aiosqlite.Connection) -> None:
    """Wait for aiosqlite's thread after a failed connect, so it never outlives the loop.

    Unreachable in the tests (they run as root, and every file SQLite could not open is
    refused by the checks before it): its mutants are counted as survivors.
    """
    thread = getattr(connection, "_thread", None)
    for _ in range(500):
        if thread is None or not thread.is_alive():
            return
        await asyncio.sleep(0.01)
