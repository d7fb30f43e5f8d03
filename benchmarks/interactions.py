"""The bot's own handling time per interaction, next to a bare discord.py bot.

Runs the real bot (``create_bot``) inside SimCord and a bare ``commands.Bot`` with one slash
command that answers one static embed, in the same process, measured the same way: from the
moment the INTERACTION_CREATE payload enters discord.py (``ConnectionState.parse_interaction_
create``) to the moment the bot hands its response to the HTTP layer (the webhook adapter's
``request``). SimCord's own work before and after (building payloads, storing the response,
settling) is outside the window.

    python -m benchmarks.interactions                  # 1,000 interactions per command
    python -m benchmarks.interactions --iterations 20  # quick look
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import simcord
from discord import app_commands
from discord.ext import commands

from benchmarks._common import (
    InteractionTimer,
    Sample,
    bench_settings,
    fast_settle,
    machine,
    median,
    note,
    percentile,
    print_table,
    quiet_logs,
)
from bot.bot import SupportBot, create_bot

Step = Callable[[InteractionTimer], Awaitable[Sample]]
"""One measured iteration: set up what it needs, drive one measured interaction, return it."""


@dataclass
class World:
    env: simcord.Env
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    member: simcord.MemberActor


@dataclass
class Scenario:
    label: str
    kind: str  # "content" (target ≤ 1.5× bare) or "write" (target ≤ 3× bare)
    prepare: Callable[[World, SupportBot], Awaitable[Step | str]]
    """Returns the step, or a sentence saying why the scenario is skipped."""


@dataclass
class Result:
    label: str
    kind: str
    samples: list[Sample]


# ----------------------------------------------------------------------------- the bare bot


class BareBot(commands.Bot):
    """The floor: discord.py with one slash command that answers one static embed."""

    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        answer = discord.Embed(title="Hello", description="A static answer.")

        @app_commands.command(name="ping", description="Answer one static embed.")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(embed=answer, ephemeral=True)

        self.tree.add_command(ping)

    async def setup_hook(self) -> None:
        await self.tree.sync()


# ----------------------------------------------------------------------------- scenarios


def _slash_step(world: World, name: str, options: dict[str, Any]) -> Step:
    async def step(timer: InteractionTimer) -> Sample:
        async with timer.capture() as captured:
            result = await world.member.slash(world.channel, name, **options)
        if not result.acknowledged:
            raise RuntimeError(f"/{name} was not answered")
        return timer.sample(captured)

    return step


def _default_options(command: app_commands.Command[Any, ..., Any]) -> dict[str, Any] | str:
    """Values for the required options: the first choice; a reason when there is no choice."""
    options: dict[str, Any] = {}
    for parameter in command.parameters:
        if not parameter.required:
            continue
        if not parameter.choices:
            return f"/{command.qualified_name} needs a value for {parameter.name}"
        options[parameter.name] = parameter.choices[0].value
    return options


def content_command(name: str, *, option: str | None = None) -> Scenario:
    """A read-only slash command, with the first choice of ``option`` when it has choices."""

    async def prepare(world: World, bot: SupportBot) -> Step | str:
        command = bot.tree.get_command(name)
        if not isinstance(command, app_commands.Command):
            return f"/{name} does not exist yet; skipped"
        options = _default_options(command)
        if isinstance(options, str):
            return options + "; skipped"
        if option is not None and option not in options:
            for parameter in command.parameters:
                if parameter.name == option and parameter.choices:
                    options[option] = parameter.choices[0].value
        return _slash_step(world, name, options)

    label = f"/{name}" + (f" {option}" if option else "")
    return Scenario(label, "content", prepare)


def scenarios() -> list[Scenario]:
    return [
        content_command("crisis"),
        content_command("help"),
        content_command("levels"),
        content_command("coping", option="topic"),
    ]


# ----------------------------------------------------------------------------- running


async def _world(env: simcord.Env) -> World:
    guild = env.create_guild("Benchmark")
    channel = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("member"))
    await env.settle()
    fast_settle(env)
    return World(env, guild, channel, member)


async def _measure(
    step: Step, timer: InteractionTimer, iterations: int, warmup: int
) -> list[Sample]:
    for _ in range(warmup):
        await step(timer)
        timer.forget()
    samples = []
    for _ in range(iterations):
        samples.append(await step(timer))
        timer.forget()
    return samples


async def measure_bare(iterations: int, warmup: int) -> list[Sample]:
    bot = BareBot()
    timer = InteractionTimer()
    async with simcord.run(bot) as env:
        timer.install(bot)
        try:
            world = await _world(env)
            return await _measure(_slash_step(world, "ping", {}), timer, iterations, warmup)
        finally:
            timer.uninstall()


async def measure_ours(
    chosen: Sequence[Scenario], iterations: int, warmup: int, skipped: dict[str, str]
) -> dict[str, list[Sample]]:
    results: dict[str, list[Sample]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-interactions-") as folder:
        bot = create_bot(bench_settings(Path(folder)))
        timer = InteractionTimer()
        try:
            async with simcord.run(bot) as env:
                timer.install(bot)
                try:
                    world = await _world(env)
                    for scenario in chosen:
                        if scenario.label in skipped:
                            continue
                        step = await scenario.prepare(world, bot)
                        if isinstance(step, str):
                            skipped[scenario.label] = step
                            continue
                        results[scenario.label] = await _measure(step, timer, iterations, warmup)
                finally:
                    timer.uninstall()
        finally:
            await bot.close_database()
    return results


def _us(nanoseconds: float) -> str:
    return f"{nanoseconds / 1000:.0f}"


async def run(iterations: int, rounds: int) -> None:
    """Alternate bare and ours (ABBA…) so slow drift of the machine affects both alike."""
    per_round = max(1, iterations // rounds)
    warmup = min(50, max(1, per_round // 10))
    bare: list[Sample] = []
    ours: dict[str, list[Sample]] = {}
    skipped: dict[str, str] = {}
    chosen = scenarios()
    for index in range(rounds):
        order = ("bare", "ours") if index % 2 == 0 else ("ours", "bare")
        for which in order:
            if which == "bare":
                bare += await measure_bare(per_round, warmup)
            else:
                for label, samples in (
                    await measure_ours(chosen, per_round, warmup, skipped)
                ).items():
                    ours.setdefault(label, []).extend(samples)

    bare_last = [s.last_ns for s in bare]
    bare_median, bare_p99 = median(bare_last), percentile(bare_last, 0.99)
    rows: list[list[object]] = [
        [
            "bare discord.py (static embed)",
            "floor",
            len(bare),
            _us(bare_median),
            _us(bare_p99),
            "1.00",
            "1.00",
        ]
    ]
    for scenario in chosen:
        measured = ours.get(scenario.label)
        if not measured:
            continue
        last = [s.last_ns for s in measured]
        med, p99 = median(last), percentile(last, 0.99)
        rows.append(
            [
                scenario.label,
                scenario.kind,
                len(measured),
                _us(med),
                _us(p99),
                f"{med / bare_median:.2f}",
                f"{p99 / bare_p99:.2f}",
            ]
        )
    print_table(
        "Handling time per interaction (µs, INTERACTION_CREATE → response handed to HTTP)",
        ["command", "kind", "n", "median µs", "p99 µs", "ratio median", "ratio p99"],
        rows,
    )
    for label, reason in skipped.items():
        note(f"{label}: {reason}")
    note("targets: content ≤ 1.5× bare, writes ≤ 3× bare (ratio = ours / bare, same run)")
    note(machine())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--iterations", type=int, default=1000, help="measured interactions per command"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating bare/ours rounds")
    args = parser.parse_args(argv)
    quiet_logs()
    asyncio.run(run(max(1, args.iterations), max(1, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
