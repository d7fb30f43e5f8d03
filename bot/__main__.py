"""``python -m bot``: the composition root. Every start-up problem ends in one sentence."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

import aiohttp
import discord

from bot.bot import SupportBot, create_bot
from bot.errors import StartupError
from bot.settings import Settings, load_settings

log = logging.getLogger("bot")


def configure_logging(level: str) -> None:
    """Logs go to stdout; stderr is kept for the one sentence that explains a failed start."""
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))


async def run_bot(bot: SupportBot, settings: Settings) -> None:
    """Run until Discord disconnects us for good, Ctrl-C or SIGTERM; always close cleanly."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with bot:
        await bot.open_database()  # storage problems surface before we reach Discord
        runner = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("shutdown.signal")
            await bot.close()
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner
            log.info("shutdown.done")
            return
        stopper.cancel()
        await runner  # re-raises a start-up failure


def explain_failure(error: BaseException) -> str | None:
    """One sentence for a known start-up failure, or None for a real bug."""
    if isinstance(error, StartupError):
        return str(error)
    if isinstance(error, discord.LoginFailure):
        return (
            "Discord rejected DISCORD_TOKEN: copy a fresh token from the developer portal "
            "(Bot → Reset Token) into .env."
        )
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return (
            "A privileged intent this bot needs (Server Members, or Message Content when "
            "SAFETY_NET is on) is not enabled: turn it on in the Discord developer portal "
            "under Bot → Privileged Gateway Intents, or set SAFETY_NET=false."
        )
    if isinstance(error, (aiohttp.ClientError, OSError, asyncio.TimeoutError)):
        return (
            "The bot could not reach Discord: check this machine's internet connection "
            "and try again."
        )
    return None


def run(settings: Settings) -> int:
    bot = create_bot(settings)
    asyncio.run(run_bot(bot, settings))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Run the support-group bot.")
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.env_file)
        configure_logging(settings.log_level)
        return run(settings)
    except KeyboardInterrupt:
        return 0
    except Exception as error:
        sentence = explain_failure(error)
        if sentence is None:
            raise
        print(sentence, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
