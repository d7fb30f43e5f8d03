"""``python -m bot``: the composition root. Every start-up problem ends in one sentence."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import discord

from bot import maintenance
from bot.bot import SupportBot, create_bot, required_intents
from bot.crypto import new_key
from bot.errors import StartupError
from bot.health import health_file_for, keep_heartbeat, read_health
from bot.library import load_library
from bot.permissions import client_id_from_token, invite_permissions, invite_url
from bot.settings import Settings, load_settings, read_settings

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
    """Run until Discord disconnects us for good, Ctrl-C or SIGTERM; always close cleanly.

    While it runs, a heartbeat file beside the database tells ``python -m bot health`` (the
    container's HEALTHCHECK) that the bot is alive and connected; it is removed on the way out.
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with bot:
        await bot.open_database()  # storage problems surface before we reach Discord
        heartbeat = asyncio.create_task(
            keep_heartbeat(bot, health_file_for(settings.database_path))
        )
        runner = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        await stop_heartbeat(heartbeat)
        if stopper in done:
            log.info("shutdown.signal")
            await bot.close()
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner
            log.info("shutdown.done")
            return
        stopper.cancel()
        try:
            await runner  # re-raises a start-up failure
        except BaseException:
            if not bot.is_ready():
                await bot.discard_new_storage()  # a refused first start leaves no files
            raise


async def stop_heartbeat(heartbeat: asyncio.Task[None]) -> None:
    heartbeat.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await heartbeat


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
            "SAFETY_NET or RELAY is on) is not enabled: turn it on in the Discord developer "
            "portal under Bot → Privileged Gateway Intents, or set SAFETY_NET=false and "
            "RELAY=false."
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


def maintenance_settings(env_file: str) -> Settings:
    """Settings for backup and restore, which never connect to Discord (no token needed)."""
    return read_settings(env_file, discord_token="not-needed-for-maintenance")


def run_maintenance(command: str, path: Path, env_file: str) -> int:
    """``backup PATH`` / ``restore PATH``: a result line on stdout; a failure raises."""
    settings = maintenance_settings(env_file)
    database = settings.database_path
    key_note = "ENCRYPTION_KEY" if settings.encryption_key else f"the key file {database}.key"
    if command == "backup":
        done = maintenance.backup(database, path)
        print(
            f"Backed up {database} to {done.path} (integrity check ok, mode 0600). It does not "
            f"include the encryption key: keep {key_note} safe, separately from the backup."
        )
    else:
        key = settings.encryption_key.get_secret_value() if settings.encryption_key else None
        restored = maintenance.restore(path, database, key)
        kept = f"; the previous one is kept as {restored.previous}" if restored.previous else ""
        print(f"Restored {path} into {restored.database}{kept}. Start the bot as usual.")
    return 0


INTENT_LABELS: dict[str, str] = {
    "guilds": "Guilds",
    "members": "Server Members (privileged)",
    "guild_scheduled_events": "Scheduled Events",
    "dm_messages": "Direct Messages",
    "guild_messages": "Guild Messages",
    "message_content": "Message Content (privileged)",
}
"""The portal's and the README's names for the intents ``required_intents`` asks for."""


def needs_sentence(settings: Settings) -> str:
    """The intents and permissions these settings' features need, in one sentence."""
    intents = [INTENT_LABELS.get(name, name) for name, on in required_intents(settings) if on]
    permissions = [permission.label for permission in invite_permissions()]
    return (
        f"It needs the intents {', '.join(intents)} and the permissions "
        f"{', '.join(permissions)} (`python -m bot invite` prints the link)."
    )


def run_check(env_file: str) -> int:
    """``check``: the settings, content files, database and key, fully; one line per problem.

    Never connects to Discord and never creates a file. Exit 0 with one "all good" line (which
    also names the intents and permissions the enabled features need), else 1 with one line
    per problem.
    """
    logging.getLogger("bot").addHandler(logging.NullHandler())  # the report is the output
    problems: list[str] = []
    summary = ""
    settings: Settings | None
    try:
        settings = load_settings(env_file)
    except StartupError as error:
        problems.append(str(error))
        try:
            settings = maintenance_settings(env_file)  # only the token was wrong: go on
        except StartupError:
            settings = None
    if settings is not None:
        try:
            load_library(settings.content_dir)
        except StartupError as error:
            problems.append(str(error))
        key = settings.encryption_key.get_secret_value() if settings.encryption_key else None
        result = maintenance.check_database(settings.database_path, key)
        problems += result.problems
        summary = result.summary
    if problems:
        for problem in problems:
            print(problem)
        return 1
    assert settings is not None  # no problems: the settings were read
    print(f"All good: settings, content files and {summary}. {needs_sentence(settings)}")
    return 0


def run_health(env_file: str) -> int:
    """``health``: one line from the running bot's heartbeat; exit 0 only when it is healthy.

    Reads one small file and nothing else, so a container can ask every minute.
    """
    settings = maintenance_settings(env_file)
    health = read_health(health_file_for(settings.database_path), now=time.time())
    print(health.sentence)
    return 0 if health.healthy else 1


def add_data_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``backup PATH``, ``restore PATH``, ``check`` and ``keygen``."""
    backup = commands.add_parser(
        "backup", help="copy the database to a new file PATH, safely, even while the bot runs"
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="the new backup file")
    restore = commands.add_parser(
        "restore", help="replace the database with the backup at PATH (stop the bot first)"
    )
    restore.add_argument("path", type=Path, metavar="PATH", help="a file made by backup")
    commands.add_parser(
        "check",
        help="check settings, content files, the database (fully) and its key; stop the bot first",
    )
    commands.add_parser("keygen", help="print a new key for ENCRYPTION_KEY")
    commands.add_parser(
        "health",
        help="is the running bot alive and connected? (exit 0 if so; for a HEALTHCHECK)",
    )


def add_invite_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    invite = commands.add_parser(
        "invite", help="print the link that adds the bot to a server with the permissions it needs"
    )
    invite.add_argument(
        "--client-id",
        type=int,
        default=None,
        help="the application id (default: read from DISCORD_TOKEN, whose first part encodes it)",
    )


def print_invite(client_id: int | None, env_file: str) -> int:
    """``invite``: the OAuth2 link with exactly the permissions in ``bot.permissions``."""
    if client_id is None:
        token = load_settings(env_file).discord_token.get_secret_value()
        client_id = client_id_from_token(token)
        if client_id is None:
            raise StartupError(
                "DISCORD_TOKEN does not start with an application id: pass it with "
                "--client-id (Developer Portal → your application → General Information)."
            )
    print(invite_url(client_id))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Run the support-group bot (no command), or one of the commands below.",
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    commands = parser.add_subparsers(dest="command", metavar="command")
    add_data_commands(commands)
    add_invite_command(commands)
    sandbox = commands.add_parser(
        "sandbox", help="try the bot in a simulated Discord, in your browser (no token needed)"
    )
    sandbox.add_argument("--reset", action="store_true", help="start from an empty database")
    sandbox.add_argument("--no-browser", action="store_true", help="only print the link")
    sandbox.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any)")
    sandbox.add_argument(
        "--database", type=Path, default=Path("data/sandbox.db"), help="default: data/sandbox.db"
    )
    sandbox.add_argument(
        "--tour", metavar="NAME", help="a guided tour in the page: consult (for new consultants)"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "keygen":
            print(new_key())
            return 0
        if args.command == "invite":
            return print_invite(args.client_id, args.env_file)
        if args.command in ("backup", "restore"):
            return run_maintenance(args.command, args.path, args.env_file)
        if args.command == "check":
            return run_check(args.env_file)
        if args.command == "health":
            return run_health(args.env_file)
        if args.command == "sandbox":
            from bot import sandbox as sandbox_module

            return sandbox_module.main(
                sandbox_module.SandboxOptions(
                    database_path=args.database,
                    reset=args.reset,
                    open_browser=not args.no_browser,
                    port=args.port,
                    tour=args.tour,
                )
            )
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
