"""Resident memory of the running bot in a server of 1k, 10k and 50k members, and with 10k requests.

Each figure comes from a fresh child process (so one measurement cannot inherit another's
memory). In the child, SimCord first builds the world (a server with N members) under a
stand-in client that has no member intent, and the process's RSS is read; then the real bot
starts in that server (``env.restart_bot``: it receives the GUILD_CREATE, as when it joins or
restarts) and RSS is read again. The difference is what the bot keeps for that server.

Two configurations of the same bot are compared in the same run:

* ``ours``: ``MemberCacheFlags.none()`` and no chunking (what ``create_bot`` builds);
* ``default cache``: discord.py's defaults for our intents (members cached, guilds chunked at
  start-up). SimCord replays guilds after READY without a ready timeout, so discord.py's own
  start-up chunk never runs there; the benchmark requests it exactly when discord.py would
  (``ConnectionState._guild_needs_chunking``).

    python -m benchmarks.memory                      # 0, 1k, 10k and 50k members, 10k requests
    python -m benchmarks.memory --sizes 0,100 --requests 50
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import discord
import simcord

from benchmarks._common import (
    bench_settings,
    machine,
    note,
    print_table,
    quiet_logs,
    settled_rss_mib,
    stopwatch,
)
from bot.bot import SupportBot, create_bot

CONFIGS = ("ours", "default")
CONFIG_TITLES = {"ours": "ours (cache off)", "default": "default cache"}


def _scratch_folder() -> str | None:
    """RAM-backed scratch space where there is one: memory, not disk speed, is measured here."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _configure(bot: SupportBot, config: str) -> None:
    if config == "default":
        state = bot._connection
        state.member_cache_flags = discord.MemberCacheFlags.from_intents(bot.intents)
        state._chunk_guilds = True


def _world_rss(env: simcord.Env) -> float:
    """RSS without SimCord's transcript, which keeps a copy of every gateway payload it sent
    (with the full member list of the GUILD_CREATE): that is the test double's memory."""
    env.backend.transcript.clear()
    return settled_rss_mib()


async def _store_requests(bot: SupportBot, guild_id: int, count: int) -> str | None:
    """Create ``count`` requests through the real service; a reason if it is missing."""
    try:
        from bot.consultations import ConsultationService, Topic, Urgency
        from bot.guild_config import GuildConfig
    except ImportError:
        return "the consultation service does not exist yet"
    service = ConsultationService(bot.db, bot.cipher)
    config = GuildConfig(guild_id=guild_id, cooldown_minutes=0, hourly_cap=10 * count + 10)
    now = dt.datetime.now(dt.UTC)
    topics = list(Topic)
    for index in range(count):
        await service.create(
            guild_id=guild_id,
            member_id=10_000_000 + index,
            topic=topics[index % len(topics)],
            urgency=Urgency.ROUTINE,
            now=now + dt.timedelta(seconds=index),
            config=config,
            note="I would like to talk about my first weeks in an IOP." if index % 2 else None,
        )
    return None


async def child(config: str, members: int, requests: int) -> dict[str, Any]:
    """One measurement, in this process (run by the parent in a fresh interpreter)."""
    stand_in = discord.Client(intents=discord.Intents(guilds=True))
    with tempfile.TemporaryDirectory(prefix="bench-memory-", dir=_scratch_folder()) as folder:
        async with simcord.run(stand_in) as env:
            guild = env.create_guild("Benchmark")
            guild.create_text_channel("general")
            for index in range(members):
                guild.add_member(env.create_user(f"member{index}"))
            await env.settle()
            world = _world_rss(env)

            bot = create_bot(bench_settings(Path(folder)))
            _configure(bot, config)
            try:
                with stopwatch() as elapsed:
                    await env.restart_bot(bot)
                    joined = bot.get_guild(guild.id)
                    assert joined is not None
                    if bot._connection._guild_needs_chunking(joined):
                        await joined.chunk()
                    await env.settle()
                ready = _world_rss(env)
                result: dict[str, Any] = {
                    "config": config,
                    "members": members,
                    "world_mib": world,
                    "bot_mib": ready - world,
                    "total_mib": ready,
                    "cached": len(joined.members),
                    "join_s": elapsed(),
                }
                if requests:
                    skipped = await _store_requests(bot, guild.id, requests)
                    if skipped is None:
                        result["requests_mib"] = settled_rss_mib() - ready
                    else:
                        result["requests_skipped"] = skipped
            finally:
                await bot.close_database()
    return result


def _run_child(config: str, members: int, requests: int) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.memory",
        "--child",
        config,
        "--sizes",
        str(members),
        "--requests",
        str(requests),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the memory child ({config}, {members} members) failed")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def report(sizes: Sequence[int], requests: int) -> None:
    rows: list[list[object]] = []
    request_rows: list[list[object]] = []
    skipped: str | None = None
    for members in sizes:
        measured = {config: _run_child(config, members, 0) for config in CONFIGS}
        ours, default = measured["ours"], measured["default"]
        rows.append(
            [
                f"{members:,}",
                f"{ours['world_mib']:.1f}",
                ours["cached"],
                f"{ours['bot_mib']:+.1f}",
                default["cached"],
                f"{default['bot_mib']:+.1f}",
            ]
        )
    if requests:
        ours = _run_child("ours", 0, requests)
        if "requests_skipped" in ours:
            skipped = str(ours["requests_skipped"])
        else:
            request_rows.append(
                [f"{requests:,}", f"{ours['total_mib']:.1f}", f"{ours['requests_mib']:+.1f}"]
            )
    print_table(
        "Resident memory (MiB) kept by the bot for one server of N members",
        [
            "members",
            "SimCord world RSS",
            "ours: members cached",
            "ours: bot RSS",
            "default: members cached",
            "default: bot RSS",
        ],
        rows,
    )
    note("bot RSS = process RSS after the bot is ready in the server − RSS of the world alone")
    if request_rows:
        print_table(
            "Resident memory after storing consultation requests (ours)",
            ["requests stored", "RSS before MiB", "growth MiB"],
            request_rows,
        )
    elif requests:
        note(f"stored requests: {skipped}; skipped")
    note(machine())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", default="0,1000,10000,50000", help="comma-separated member counts"
    )
    parser.add_argument("--requests", type=int, default=10_000, help="requests to store (0: skip)")
    parser.add_argument("--child", choices=CONFIGS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    quiet_logs()
    if args.child:
        print(json.dumps(asyncio.run(child(args.child, sizes[0], args.requests))))
        return 0
    report(sizes, args.requests)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
