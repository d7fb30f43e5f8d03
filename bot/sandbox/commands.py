"""The sandbox's own slash commands, typed in the page: the real bot never registers them.

``/sandbox-show`` moves the page to another channel or thread; ``/sandbox-time`` moves the
sandbox's clock on. ``sessions`` holds the running session once it exists (the commands are
added to the tree before the bot starts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import discord
from discord import app_commands

if TYPE_CHECKING:
    from simcord import ChannelHandle


class _Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SandboxSession(Protocol):
    """What the commands use of the running session (``bot.sandbox.session``), which imports
    this module to register them."""

    @property
    def env(self) -> _Clock: ...

    def channel_by_id(self, channel_id: int) -> ChannelHandle | None: ...

    def switch_soon(self, channel: ChannelHandle) -> None: ...

    def advance_soon(self, seconds: int) -> None: ...


SHOW_COMMAND = "sandbox-show"


def show_command(sessions: Sequence[SandboxSession]) -> app_commands.Command[Any, ..., None]:
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


TIME_COMMAND = "sandbox-time"
TIME_STEPS = {"30m": ("30 minutes", 30 * 60), "2h": ("2 hours", 2 * 3600), "1d": ("1 day", 86400)}
"""How far ``/sandbox-time`` can move the clock: long enough for a queue reminder (30 minutes),
a quiet thread's nudge or a meeting's reminder (hours), a booked follow-up (a day)."""


def time_command(sessions: Sequence[SandboxSession]) -> app_commands.Command[Any, ..., None]:
    """``/sandbox-time``: move the sandbox's clock on, so what waits for time happens live.

    Only the sandbox registers it; the real bot never has it (its clock is the world's).
    """

    @app_commands.command(
        name=TIME_COMMAND, description="Sandbox only: move the clock on, so reminders happen."
    )
    @app_commands.describe(advance="How far to move the clock")
    @app_commands.choices(
        advance=[
            app_commands.Choice(name=name, value=value) for value, (name, _) in TIME_STEPS.items()
        ]
    )
    @app_commands.guild_only()
    async def sandbox_time(
        interaction: discord.Interaction[Any], advance: app_commands.Choice[str]
    ) -> None:
        session = sessions[0] if sessions else None
        if session is None:
            await interaction.response.send_message(
                "The sandbox is still starting: try again in a moment.", ephemeral=True
            )
            return
        name, seconds = TIME_STEPS[advance.value]
        later = session.env.now() + dt.timedelta(seconds=seconds)
        await interaction.response.send_message(
            f"Moving the clock on by {name}, to {discord.utils.format_dt(later, 'f')}. "
            "Reminders, nudges and check-ins due by then happen now, as they would have"
            + (" (a day takes a minute or so)." if seconds >= 86400 else "."),
            ephemeral=True,
        )
        session.advance_soon(seconds)

    return sandbox_time
