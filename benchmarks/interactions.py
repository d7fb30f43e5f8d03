"""The bot's own handling time per interaction, next to a bare discord.py bot.

Runs the real bot (``create_bot``) inside SimCord and a bare ``commands.Bot`` in the same
process, measured the same way: from the moment the INTERACTION_CREATE payload enters
discord.py (``ConnectionState.parse_interaction_create``) to the **full answer**, the moment
the last task the bot started for the interaction finished (a card posted and saved after the
member's receipt counts), minus the time SimCord's fake Discord spent answering the bot's REST
calls in between (it stands for the network). "ack" is the first response handed to the HTTP
layer. Each bot runs in its own SimCord world on its own event loop (``LoopHost``) and the two
answer in turn, interaction by interaction, so a ratio compares figures taken under the same
machine load.

What is kept out of the window, because it is the harness's work and not the bot's:

* SimCord's settling. Its passes are Python work on the bot's event loop; one that runs while
  the bot waits for the database thread holds the GIL that thread needs, and one that runs
  when a bot's next step is ready delays it. With settling polling during the window, the
  same code measured 2.3× its floor at a 10 ms poll and 10× at 1 ms, and the floors moved
  too (13.6 ms and 2.0 ms for the same calls). While an interaction is measured, settling
  now first waits for the interaction's own tasks without polling, then settles as usual
  (``Pacing`` in ``benchmarks._common``). The floors are measured the same way.
* A fresh member's join. ``/consult`` is run by a new member each time; the join reaches the
  bot as an event it answers with a database read, and is settled before the window opens
  (it used to run inside it, queued on the database thread ahead of the command's reads).

    python -m benchmarks.interactions                  # 1,000 interactions per command
    python -m benchmarks.interactions --iterations 100 # a short run (under a minute)
    python -m benchmarks.interactions --db-dir /dev/shm  # the database without fsync
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import simcord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from benchmarks._common import (
    InteractionTimer,
    LoopHost,
    Pacing,
    Sample,
    bench_settings,
    machine,
    median,
    note,
    percentile,
    print_table,
    progress,
    quiet_logs,
    stopwatch,
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
    pacing: Pacing
    consult: ConsultWorld | None = None


@dataclass
class Scenario:
    label: str
    kind: str  # "content", "form", "read" or "write" (targets: TARGETS)
    prepare: Callable[[World, SupportBot], Awaitable[Step | str]]
    """Returns the step, or a sentence saying why the scenario is skipped."""


@dataclass
class Result:
    label: str
    kind: str
    samples: list[Sample]


# ----------------------------------------------------------------------------- the bare bot


class BareBot(commands.Bot):
    """The floor: discord.py with one slash command that answers one static embed.

    ``/shaped`` is a second floor with the shape of a care answer, so the table can show how
    much of a care command's time is discord.py's own: a command in a cog with a ``topic``
    option (five choices) and a ``share`` flag, answering two static embeds (one with five
    fields, like the crisis resources) and a view of two five-option menus, all built once.
    """

    def __init__(self) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
        answer = discord.Embed(title="Hello", description="A static answer.")

        @app_commands.command(name="ping", description="Answer one static embed.")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(embed=answer, ephemeral=True)

        self.tree.add_command(ping)

        self.queue_channel_id = 0
        self.consult_channel_id = 0
        self.staff_id = 0

        @app_commands.command(name="ask", description="Open a form, like /consult.")
        async def ask(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(BareForm(self))

        self.tree.add_command(ask)

    async def setup_hook(self) -> None:
        await self.add_cog(CareShaped())
        self.add_view(BareCard(self))
        await self.tree.sync()


BARE_CARD = discord.Embed(title="Request #1", description="A member would like to talk.")
BARE_RECEIPT = discord.Embed(title="Your request is in", description="Staff will be with you.")


class BareForm(discord.ui.Modal, title="Talk to a consultant"):
    """The floor of a form submission: the Discord calls ours makes, and no database.

    Ours: acknowledge ("thinking…"), send the private receipt as a follow-up, post the card in
    the staff queue channel (an embed and the card's buttons)."""

    note: discord.ui.TextInput[BareForm] = discord.ui.TextInput(
        label="Anything you'd like staff to know", required=False
    )

    def __init__(self, bot: BareBot) -> None:
        super().__init__(custom_id="bare:form")
        self.bot = bot

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(embed=BARE_RECEIPT, ephemeral=True)
        channel = self.bot.get_channel(self.bot.queue_channel_id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send(
            content=f"New request from {interaction.user.id}",
            embed=BARE_CARD,
            view=BareCard(self.bot),
        )


class BareCard(discord.ui.View):
    """The floor of Claim: the Discord calls ours makes, and no database.

    Ours: acknowledge, create the private thread, add the member, add the claimer, post the
    opening message there, edit the card, send the private reply as a follow-up."""

    def __init__(self, bot: BareBot) -> None:
        super().__init__(timeout=None)
        self.bot = bot

    @discord.ui.button(label="Claim", custom_id="bare:claim", style=discord.ButtonStyle.success)
    async def claim(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        channel = self.bot.get_channel(self.bot.consult_channel_id)
        assert isinstance(channel, discord.TextChannel)
        thread = await channel.create_thread(
            name="request-1", type=discord.ChannelType.private_thread, invitable=False
        )
        assert interaction.message is not None
        member_id = int(interaction.message.content.rsplit(" ", 1)[-1])
        await thread.add_user(discord.Object(member_id))
        await thread.add_user(discord.Object(interaction.user.id))
        await thread.send(f"<@{member_id}>, <@{interaction.user.id}> will talk with you here.")
        await interaction.message.edit(embed=BARE_CARD, view=self)
        await interaction.followup.send(f"You claimed it: {thread.mention}", ephemeral=True)


class CareShaped(commands.Cog):
    def __init__(self) -> None:
        help_embed = discord.Embed(title="Help", description="Where help is.")
        for n in range(5):
            help_embed.add_field(name=f"Line {n}", value="Call or text a number.", inline=False)
        self.embeds = [discord.Embed(title="A tip", description="A static answer."), help_embed]
        self.view = _two_menus()

    @app_commands.command(name="shaped", description="Answer like a care command does.")
    @app_commands.choices(topic=[Choice(name=f"Topic {n}", value=str(n)) for n in range(5)])
    async def shaped(
        self, interaction: discord.Interaction, topic: str | None = None, share: bool = False
    ) -> None:
        await interaction.response.send_message(
            embeds=self.embeds, view=self.view, ephemeral=not share
        )


def _two_menus() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for menu in ("first", "second"):
        options = [discord.SelectOption(label=f"Option {n}", value=str(n)) for n in range(5)]
        view.add_item(discord.ui.Select(custom_id=f"bare:{menu}", options=options))
    view.stop()  # nothing to dispatch: sent as it is, like the bot's care menus
    return view


# ----------------------------------------------------------------------------- scenarios


def _slash_step(
    world: World,
    name: str,
    options: dict[str, Any],
    actor: Callable[[], simcord.MemberActor] | None = None,
) -> Step:
    async def step(timer: InteractionTimer) -> Sample:
        who = world.member if actor is None else actor()
        # A fresh member's join reaches the bot as an event (the bot reads the database for
        # it): handled here, before the window, not inside the measured interaction.
        await world.env.settle(idle=0.0002)
        timer.forget()
        with world.pacing.measured(timer):
            async with timer.capture() as captured:
                result = await who.slash(world.channel, name, **options)
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


CONSULT_ENTRY_NAMES = ("request", "start", "new", "open", "submit")
"""If ``/consult`` is a group, the subcommand that opens the form is one of these."""


def _consult_invocation(bot: SupportBot) -> str | None:
    command = bot.tree.get_command("consult")
    if isinstance(command, app_commands.Command):
        return "consult"
    if isinstance(command, app_commands.Group):
        for name in CONSULT_ENTRY_NAMES:
            if isinstance(command.get_command(name), app_commands.Command):
                return f"consult {name}"
    return None


def _modal_values(modal: dict[str, Any]) -> dict[str, Any]:
    """Fill a modal: the first option of every select, a short note in text inputs."""
    values: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        custom_id = node.get("custom_id")
        if node.get("type") == 3 and custom_id and node.get("options"):
            values[custom_id] = [node["options"][0]["value"]]
        elif node.get("type") == 4 and custom_id:
            values[custom_id] = "I would like to talk about my first weeks in an IOP."
        walk(node.get("components"))
        walk(node.get("component"))

    walk(modal.get("components"))
    return values


class ConsultWorld:
    """A configured server (staff role, queue and consultation channels) and fresh members."""

    def __init__(self, world: World, bot: SupportBot, invocation: str) -> None:
        self.world = world
        self.bot = bot
        self.invocation = invocation
        self.count = 0
        self.queue: simcord.ChannelHandle | None = None
        self.staff: simcord.MemberActor | None = None

    @classmethod
    async def ready(cls, world: World, bot: SupportBot) -> ConsultWorld | str:
        """The configured consultation world (one per run), or why the scenario is skipped."""
        invocation = _consult_invocation(bot)
        if invocation is None:
            return "/consult does not exist yet; skipped"
        if world.consult is None:
            consult = cls(world, bot, invocation)
            await consult.configure()
            world.consult = consult
        return world.consult

    async def configure(self) -> None:
        env, guild = self.world.env, self.world.guild
        staff_role = guild.create_role("Staff")
        self.queue = guild.create_text_channel("staff-queue")
        consult = guild.create_text_channel("consultations")
        self.staff = guild.add_member(env.create_user("staff"), roles=[staff_role])
        await self.bot.services.configs.update(
            guild.id,
            env.now(),
            staff_role_id=staff_role.id,
            queue_channel_id=self.queue.id,
            consult_channel_id=consult.id,
            cooldown_minutes=0,
            hourly_cap=1_000_000_000,
            # Hundreds of requests wait here: the hourly jumps of the clock would otherwise
            # re-ping staff about each of them (the reminder loop is not what is measured).
            reminder_minutes=1_000_000,
            urgent_reminder_minutes=1_000_000,
        )

    async def open_form(self) -> tuple[simcord.MemberActor, simcord.InteractionResult]:
        self.count += 1
        env = self.world.env
        member = self.world.guild.add_member(env.create_user(f"asker{self.count}"))
        shown = await member.slash(self.world.channel, self.invocation)
        if shown.modal is None:
            raise RuntimeError(f"/{self.invocation} did not open a form")
        return member, shown


def consult_submit() -> Scenario:
    """A member submits the /consult form: a write (one row, a card for staff)."""

    async def prepare(world: World, bot: SupportBot) -> Step | str:
        consult = await ConsultWorld.ready(world, bot)
        if isinstance(consult, str):
            return consult

        async def step(timer: InteractionTimer) -> Sample:
            member, shown = await consult.open_form()
            assert shown.modal is not None
            values = _modal_values(shown.modal)
            timer.forget()
            with world.pacing.measured(timer):
                async with timer.capture() as captured:
                    await member.submit_modal(shown, values)
            return timer.sample(captured)

        return step

    return Scenario("/consult submit", "write", prepare)


def consult_claim() -> Scenario:
    """Staff press Claim on a new request's card: a write (claim, private thread, card edit)."""

    async def prepare(world: World, bot: SupportBot) -> Step | str:
        consult = await ConsultWorld.ready(world, bot)
        if isinstance(consult, str):
            return consult

        async def step(timer: InteractionTimer) -> Sample:
            member, shown = await consult.open_form()
            assert shown.modal is not None
            await member.submit_modal(shown, _modal_values(shown.modal))
            assert consult.queue is not None
            assert consult.staff is not None
            card = consult.queue.last_message
            if card is None:
                raise RuntimeError("no request card in the staff queue channel")
            timer.forget()
            with world.pacing.measured(timer):
                async with timer.capture() as captured:
                    await consult.staff.click(card, label="Claim")
            return timer.sample(captured)

        return step

    return Scenario("Claim (button)", "write", prepare)


def consult_form_open() -> Scenario:
    """A member runs /consult: the bot checks the server is set up and opens the form."""

    async def prepare(world: World, bot: SupportBot) -> Step | str:
        consult = await ConsultWorld.ready(world, bot)
        if isinstance(consult, str):
            return consult

        def fresh_member() -> simcord.MemberActor:
            consult.count += 1
            return world.guild.add_member(world.env.create_user(f"opener{consult.count}"))

        return _slash_step(world, consult.invocation, {}, fresh_member)

    return Scenario("/consult (opens the form)", "form", prepare)


def queue_list() -> Scenario:
    """Staff run /queue list: the staff check, the counts and a page of waiting requests."""

    async def prepare(world: World, bot: SupportBot) -> Step | str:
        consult = await ConsultWorld.ready(world, bot)
        if isinstance(consult, str):
            return consult
        for _ in range(12):  # more than one page waiting
            member, shown = await consult.open_form()
            assert shown.modal is not None
            await member.submit_modal(shown, _modal_values(shown.modal))
        staff = consult.staff
        assert staff is not None
        return _slash_step(world, "queue list", {}, lambda: staff)

    return Scenario("/queue list", "read", prepare)


def scenarios() -> list[Scenario]:
    return [
        content_command("crisis"),
        content_command("help"),
        content_command("levels"),
        content_command("coping", option="topic"),
        content_command("iop"),
        consult_form_open(),
        queue_list(),
        consult_submit(),
        consult_claim(),
    ]


# ----------------------------------------------------------------------------- running


async def _world(env: simcord.Env, measured_idle: float) -> World:
    guild = env.create_guild("Benchmark")
    channel = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("member"))
    await env.settle()
    return World(env, guild, channel, member, Pacing(env, measured_idle=measured_idle))


EXPIRE_EVERY = 50
"""Iterations between jumps of SimCord's clock by an hour, outside any measured window, so
the menus the bots answered with time out as they would for real members (otherwise thousands
of open menus pile up and SimCord's settling, which inspects each one's timer, slows down)."""


@dataclass
class Options:
    iterations: int
    write_iterations: int
    db_dir: str | None
    measured_idle: float

    @property
    def warmup(self) -> int:
        return min(50, max(1, self.iterations // 10))


@dataclass
class Measured:
    """One row of the table: a step on one of the two bots, and its samples."""

    label: str
    kind: str
    host: LoopHost
    step: Step
    iterations: int
    samples: list[Sample] = field(default_factory=list)
    floor: str = ""
    """The label of the floor row this one is judged against (empty for a floor)."""

    def once(self, timer: InteractionTimer) -> Sample:
        sample = self.host.run(self.step(timer))
        timer.forget()
        return sample


SHUFFLE_SEED = 7
"""Each iteration runs every row once, in a fresh random order: what ran just before an
interaction (the same bot warming the caches, or the other one) changes its time, so every row
gets the same mix of predecessors."""


def measure(options: Options) -> tuple[list[Measured], dict[str, str]]:
    """Interleave: one interaction of each row in turn, the bare bot and ours each on its own
    event loop, so both are measured under the same load."""
    skipped: dict[str, str] = {}
    timer = InteractionTimer()
    with tempfile.TemporaryDirectory(prefix="bench-interactions-", dir=options.db_dir) as folder:
        bare_bot = BareBot()
        ours_bot = create_bot(bench_settings(Path(folder)))
        bare = LoopHost(bare_bot)
        try:
            ours = LoopHost(ours_bot)
            try:
                timer.install(bare_bot)
                timer.install(ours_bot)
                rows = _rows(options, bare, ours, ours_bot, skipped, bare_bot)
                _run_interleaved(rows, (bare, ours), timer, options)
            finally:
                timer.uninstall()
                ours.close(after=ours_bot.close_database)
        finally:
            bare.close()
    return rows, skipped


def _rows(
    options: Options,
    bare: LoopHost,
    ours: LoopHost,
    bot: SupportBot,
    skipped: dict[str, str],
    bare_bot: BareBot,
) -> list[Measured]:
    bare_world = bare.run(_world(bare.env, options.measured_idle))
    ours_world = ours.run(_world(ours.env, options.measured_idle))
    rows = [
        Measured(BARE, "floor", bare, _slash_step(bare_world, "ping", {}), options.iterations),
        Measured(
            BARE_SHAPED,
            "floor",
            bare,
            _slash_step(bare_world, "shaped", {"topic": "1"}),
            options.iterations,
        ),
    ]
    submit_floor, claim_floor = bare.run(_bare_writes(bare_world, bare_bot))
    rows += [
        Measured(BARE_SUBMIT, "floor", bare, submit_floor, options.write_iterations),
        Measured(BARE_CLAIM, "floor", bare, claim_floor, options.write_iterations),
    ]
    for scenario in scenarios():
        step = ours.run(scenario.prepare(ours_world, bot))
        if isinstance(step, str):
            skipped[scenario.label] = step
            continue
        count = options.write_iterations if scenario.kind == "write" else options.iterations
        floor = {"/consult submit": BARE_SUBMIT, "Claim (button)": BARE_CLAIM}.get(
            scenario.label, BARE
        )
        rows.append(Measured(scenario.label, scenario.kind, ours, step, count, floor=floor))
    return rows


async def _bare_writes(world: World, bot: BareBot) -> tuple[Step, Step]:
    """The bare bot's form submission and Claim: the same Discord calls as ours, no database."""
    env, guild = world.env, world.guild
    queue = guild.create_text_channel("staff-queue")
    consult = guild.create_text_channel("consultations")
    staff = guild.add_member(env.create_user("staff"))
    bot.queue_channel_id, bot.consult_channel_id = queue.id, consult.id
    await env.settle()
    count = 0

    async def opened() -> tuple[simcord.MemberActor, simcord.InteractionResult]:
        nonlocal count
        count += 1
        member = guild.add_member(env.create_user(f"asker{count}"))
        shown = await member.slash(world.channel, "ask")
        if shown.modal is None:
            raise RuntimeError("the bare /ask did not open a form")
        return member, shown

    async def submit(timer: InteractionTimer) -> Sample:
        member, shown = await opened()
        timer.forget()
        with world.pacing.measured(timer):
            async with timer.capture() as captured:
                await member.submit_modal(shown, _modal_values(shown.modal or {}))
        return timer.sample(captured)

    async def claim(timer: InteractionTimer) -> Sample:
        member, shown = await opened()
        await member.submit_modal(shown, _modal_values(shown.modal or {}))
        card = queue.last_message
        if card is None:
            raise RuntimeError("no bare card in the queue channel")
        timer.forget()
        with world.pacing.measured(timer):
            async with timer.capture() as captured:
                await staff.click(card, label="Claim")
        return timer.sample(captured)

    return submit, claim


def _run_interleaved(
    rows: list[Measured], hosts: Sequence[LoopHost], timer: InteractionTimer, options: Options
) -> None:
    for row in rows:
        for _ in range(min(options.warmup, row.iterations)):
            row.once(timer)
    order = random.Random(SHUFFLE_SEED)
    with stopwatch() as elapsed:
        for index in range(max(row.iterations for row in rows)):
            for row in order.sample(rows, len(rows)):
                if index < row.iterations:
                    row.samples.append(row.once(timer))
            if (index + 1) % EXPIRE_EVERY == 0:
                for host in hosts:
                    host.run(host.env.advance_time(3600))
                timer.forget()
                progress(f"{index + 1} of each in {elapsed():.0f} s")


BARE = "bare discord.py (static embed)"
BARE_SHAPED = "bare discord.py (a care answer's shape)"
BARE_SUBMIT = "bare discord.py (form submit's Discord calls, no database)"
BARE_CLAIM = "bare discord.py (Claim's Discord calls, no database)"


def _us(nanoseconds: float) -> str:
    return f"{nanoseconds / 1000:.0f}"


CARE_SHAPED = frozenset({"/levels", "/coping topic"})
"""Care answers: also compared with the bare bot's ``/shaped``."""


TARGETS = {"content": 1.5, "form": 2.0, "read": 2.0, "write": 1.5}
"""Issue 18: content ≤ 1.5× the static floor; /consult's form and /queue list ≤ 2×; a form
submission and Claim ≤ 1.5× the bare bot making the same Discord calls. All on the full answer."""


def report(rows: list[Measured], skipped: dict[str, str]) -> None:
    by_label = {row.label: row.samples for row in rows}
    bare, bare_shaped = by_label[BARE], by_label[BARE_SHAPED]
    ack_floor = median([s.first_ns for s in bare])
    shaped_median = median(_full(bare_shaped))
    table: list[list[object]] = []
    for row in rows:
        same_shape = ""
        if row.label == BARE_SHAPED or row.label in CARE_SHAPED:
            same_shape = f"{median(_full(row.samples)) / shaped_median:.2f}"
        floor = by_label.get(row.floor or BARE, bare)
        table.append(_row(row, floor, ack_floor, same_shape))
    print_table(
        "Handling time per interaction (µs, INTERACTION_CREATE → full answer, fake Discord's "
        "time taken out)",
        [
            "command",
            "kind",
            "n",
            "ack median",
            "full median",
            "full p99",
            "floor",
            "ratio ack",
            "ratio full",
            "ratio p99",
            "target",
            "vs same shape",
        ],
        table,
    )
    for label, reason in skipped.items():
        note(f"{label}: {reason}")
    note(
        "full: until everything the interaction set off has finished (the last task the bot "
        "started for it: a card posted and saved after the reply counts), minus the time inside "
        "SimCord's fake Discord answering REST calls meanwhile; ack: to the first response"
    )
    note(
        "floor: the bare bot's static embed, or for a write the bare bot making the same Discord "
        "calls with no database; ratio full = ours / its floor, same run"
    )
    note(
        "vs same shape: against the bare bot's /shaped (a cog command with a choice option and "
        "a flag, answering two static embeds and two menus): the care code's own cost"
    )
    note(machine())


def _full(samples: list[Sample]) -> list[float]:
    return [s.full_ns for s in samples]


def _floor_name(row: Measured) -> str:
    return {BARE_SUBMIT: "same calls", BARE_CLAIM: "same calls"}.get(row.floor, "static")


def _row(row: Measured, floor: list[Sample], ack_floor: float, same_shape: str) -> list[object]:
    full = _full(row.samples)
    ack, med, p99 = median([s.first_ns for s in row.samples]), median(full), percentile(full, 0.99)
    floor_full = _full(floor)
    ratio = med / median(floor_full)
    target = TARGETS.get(row.kind)
    verdict = "" if target is None else f"≤ {target}× " + ("met" if ratio <= target else "not met")
    return [
        row.label,
        row.kind,
        len(row.samples),
        _us(ack),
        _us(med),
        _us(p99),
        "" if row.kind == "floor" else _floor_name(row),
        f"{ack / ack_floor:.2f}",
        f"{ratio:.2f}",
        f"{p99 / percentile(floor_full, 0.99):.2f}",
        verdict,
        same_shape,
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--iterations", type=int, default=1000, help="measured interactions per command"
    )
    parser.add_argument(
        "--write-iterations",
        type=int,
        default=1000,
        help="measured interactions per write command (capped at --iterations)",
    )
    parser.add_argument(
        "--measured-idle",
        type=float,
        default=0.01,
        help="SimCord's settle poll interval (s) once a measured interaction's own tasks "
        "have finished (see Pacing)",
    )
    parser.add_argument(
        "--db-dir",
        help="folder for the bot's database (default: the system temp folder, on disk); "
        "/dev/shm shows the cost without fsync",
    )
    args = parser.parse_args(argv)
    quiet_logs()
    options = Options(
        iterations=max(1, args.iterations),
        write_iterations=max(1, min(args.iterations, args.write_iterations)),
        db_dir=args.db_dir,
        measured_idle=args.measured_idle,
    )
    report(*measure(options))
    note(
        f"database folder: {args.db_dir or tempfile.gettempdir()}; "
        f"SimCord poll interval after a measured interaction: {args.measured_idle * 1000:g} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
