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
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
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


# ----------------------------------------------------------------------------- live events

LONG_MESSAGE = (
    "Today was a long day at work and I kept thinking about the meeting tonight. I made dinner, "
    "called my sister, and went for a walk around the block twice before it got dark. "
) * 8
"""About 1,500 characters of an ordinary post, read in full by the safety net."""
WORRIED = "honestly theres no way out of this"
SETTLE_S = 600.0
"""How long SimCord waits for the bot to work through a batch of events (on a busy machine)."""


async def _live_server(
    env: simcord.Env, bot: SupportBot
) -> tuple[simcord.GuildHandle, simcord.ChannelHandle]:
    guild = env.create_guild("Live")
    general = guild.create_text_channel("general")
    queue = guild.create_text_channel("staff-queue")
    consult = guild.create_text_channel("consultations")
    staff = guild.create_role("Staff")
    await env.settle()
    await bot.services.configs.update(
        guild.id,
        env.now(),
        staff_role_id=staff.id,
        queue_channel_id=queue.id,
        consult_channel_id=consult.id,
        cooldown_minutes=0,
        hourly_cap=1_000_000_000,
        safety_enabled=True,
    )
    return guild, general


@contextlib.contextmanager
def _arriving_together(env: simcord.Env) -> Iterator[None]:
    """Inside: SimCord actions emit their gateway events without waiting for the bot, so a
    burst reaches discord.py together; on leaving, one settle lets the bot work through it."""
    original = env._settle_internal

    async def not_yet(**_: Any) -> None:
        return None

    env._settle_internal = not_yet  # type: ignore[method-assign]
    try:
        yield
    finally:
        env._settle_internal = original  # type: ignore[method-assign]


async def live(joins: int, messages: int, burst_forms: int, burst_messages: int) -> dict[str, Any]:
    """Members joining and writing while the bot runs (gateway events, not start-up state),
    then a burst of form submissions and long messages arriving together."""
    from benchmarks._common import InteractionTimer, percentile
    from benchmarks.interactions import _modal_values

    with tempfile.TemporaryDirectory(prefix="bench-memory-", dir=_scratch_folder()) as folder:
        bot = create_bot(bench_settings(Path(folder), safety_net=True))
        result: dict[str, Any] = {"joins": joins, "messages": messages}
        async with simcord.run(bot) as env:
            try:
                guild, general = await _live_server(env, bot)
                before = settled_rss_mib()
                with stopwatch() as elapsed:
                    people = [guild.add_member(env.create_user(f"joiner{n}")) for n in range(joins)]
                    await env.settle(timeout=SETTLE_S)
                result["join_us"] = elapsed() / max(1, joins) * 1e6
                env.backend.transcript.clear()
                result["joins_mib"] = settled_rss_mib() - before
                before = settled_rss_mib()
                with stopwatch() as elapsed:
                    for n in range(messages):
                        writer = people[n % len(people)] if people else None
                        if writer is None:
                            break
                        await writer.send(general, WORRIED if n % 50 == 0 else LONG_MESSAGE)
                result["message_us"] = elapsed() / max(1, messages) * 1e6
                env.backend.transcript.clear()
                result["messages_mib"] = settled_rss_mib() - before

                timer = InteractionTimer()
                timer.install(bot)
                forms = []
                for n in range(burst_forms):
                    asker = guild.add_member(env.create_user(f"asker{n}"))
                    shown = await asker.slash(general, "consult")
                    assert shown.modal is not None
                    forms.append((asker, shown))
                writers = [
                    guild.add_member(env.create_user(f"writer{n}")) for n in range(burst_messages)
                ]
                await env.settle(timeout=SETTLE_S)
                timer.forget()
                async with timer.capture() as captured:
                    with stopwatch() as elapsed, _arriving_together(env):
                        for n in range(max(burst_forms, burst_messages)):
                            if n < burst_forms:
                                asker, shown = forms[n]
                                await asker.submit_modal(shown, _modal_values(shown.modal or {}))
                            if n < burst_messages:
                                await writers[n].send(general, LONG_MESSAGE)
                    await env.settle(timeout=SETTLE_S)
                    result["burst_s"] = elapsed()
                firsts = [
                    (timer._responses[token][0] - timer._starts[token]) / 1e6
                    for token in captured.tokens
                    if timer._responses.get(token)
                ]
                timer.uninstall()
                result["burst_answered"] = len(firsts)
                result["burst_forms"] = burst_forms
                result["burst_messages"] = burst_messages
                if firsts:
                    result["burst_p50_ms"] = percentile(firsts, 0.5)
                    result["burst_p99_ms"] = percentile(firsts, 0.99)
                    result["burst_max_ms"] = max(firsts)
                waiting = await bot.db.fetchone(
                    "SELECT COUNT(*) FROM consultations WHERE status = 'open'"
                )
                result["burst_saved"] = int(waiting[0]) if waiting else 0
            finally:
                await bot.close_database()
    return result


def report_live(joins: int, messages: int, burst_forms: int, burst_messages: int) -> None:
    command = [
        sys.executable,
        "-m",
        "benchmarks.memory",
        "--live-child",
        "--joins",
        str(joins),
        "--messages",
        str(messages),
        "--burst-forms",
        str(burst_forms),
        "--burst-messages",
        str(burst_messages),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit("the live-events child failed")
    got: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print_table(
        "Live events: members joining and writing while the bot runs (ours, safety net on)",
        ["event", "count", "µs each (incl. SimCord)", "RSS growth MiB"],
        [
            [
                "member joins (GUILD_MEMBER_ADD)",
                got["joins"],
                f"{got['join_us']:.0f}",
                f"{got['joins_mib']:+.1f}",
            ],
            [
                "messages through the safety net",
                got["messages"],
                f"{got['message_us']:.0f}",
                f"{got['messages_mib']:+.1f}",
            ],
        ],
    )
    note(
        "µs each: wall time of the whole batch / count, SimCord's fake Discord included "
        "(an upper bound on the bot's own time)"
    )
    if "burst_p99_ms" in got:
        print_table(
            f"Burst: {got['burst_forms']} form submissions and {got['burst_messages']} long "
            "messages arriving together",
            ["first responses", "p50 ms", "p99 ms", "max ms", "requests saved", "all done s"],
            [
                [
                    got["burst_answered"],
                    f"{got['burst_p50_ms']:.0f}",
                    f"{got['burst_p99_ms']:.0f}",
                    f"{got['burst_max_ms']:.0f}",
                    got["burst_saved"],
                    f"{got['burst_s']:.2f}",
                ]
            ],
        )
        note(
            "first response: INTERACTION_CREATE entering discord.py → the acknowledgement handed "
            "to HTTP; Discord's deadline is 3,000 ms"
        )


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
    parser.add_argument("--joins", type=int, default=1000, help="live member joins")
    parser.add_argument("--messages", type=int, default=1000, help="messages to the safety net")
    parser.add_argument("--burst-forms", type=int, default=300, help="forms in the burst")
    parser.add_argument("--burst-messages", type=int, default=200, help="messages in the burst")
    parser.add_argument("--child", choices=CONFIGS, help=argparse.SUPPRESS)
    parser.add_argument("--live-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    quiet_logs()
    if args.child:
        print(json.dumps(asyncio.run(child(args.child, sizes[0], args.requests))))
        return 0
    if args.live_child:
        found = live(args.joins, args.messages, args.burst_forms, args.burst_messages)
        print(json.dumps(asyncio.run(found)))
        return 0
    report(sizes, args.requests)
    report_live(args.joins, args.messages, args.burst_forms, args.burst_messages)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
