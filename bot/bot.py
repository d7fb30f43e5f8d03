"""The bot class and ``create_bot``: the composition of settings, storage, content and cogs."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import discord
from discord.ext import commands

from bot.care import CareContent
from bot.crisis import CrisisResources
from bot.crisis_regions import choose_region
from bot.crypto import Cipher, key_file_for, open_cipher, read_key
from bot.db import Database
from bot.i18n import choose_language, language_of_locale
from bot.incidents import IncidentKind, IncidentLog, Post
from bot.library import Library, load_library
from bot.services import Services
from bot.settings import Settings
from bot.tree import SupportTranslator, SupportTree

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = (
    "cogs.general",
    "cogs.setup",
    "cogs.consult",
    "cogs.snippets",  # after cogs.consult: it adds /ticket reply to the /ticket group
    "cogs.oncall",
    "cogs.care",
    "cogs.group",
    "cogs.meetings",
    "cogs.checkins",
    "cogs.milestones",
    "cogs.safety",
    "cogs.safety_plan",
    "cogs.privacy",
)
"""Every extension, loaded in this order; a failure stops start-up."""

COMMAND_FETCH_TIMEOUT = 1.5
"""Seconds to wait for Discord's list of our commands (their ids, for ``</name:id>`` mentions)
before showing plain names instead: well inside the 3 seconds a first answer has."""

STORAGE_LOST_ALERT = (
    "⚠️ The bot's database file was removed or replaced while the bot was running, so I have "
    "stopped saving anything: members who try are asked to try again shortly and shown the "
    "crisis lines. Put the database back (or restore a backup) and restart the bot."
)


def required_intents(settings: Settings) -> discord.Intents:
    """The least the bot needs; the README explains each one."""
    intents = discord.Intents.none()
    intents.guilds = True  # channels, roles and threads: the queue and consultation threads
    intents.members = True  # privileged: welcome on join, "member left" on open requests
    intents.guild_scheduled_events = True  # /meetings reads the server's scheduled events
    intents.dm_messages = True  # a member writing to the bot in a DM gets crisis resources
    intents.guild_messages = (
        True  # notice a queue card deleted by hand (no content without the next)
    )
    if settings.safety_net or settings.relay:
        # privileged: the opt-in crisis-language safety net, and relaying what staff type in
        # a request by DM's thread
        intents.message_content = True
    return intents


def incident_kind(error: BaseException) -> IncidentKind:
    """A permission Discord refused, or anything else that was not meant to happen."""
    original = getattr(error, "original", error)
    return (
        IncidentKind.PERMISSION
        if isinstance(original, discord.Forbidden)
        else IncidentKind.UNEXPECTED
    )


def describe_where(where: str) -> str:
    """``command:setup show`` → ``/setup show``; a button or form keeps its id prefix."""
    kind, _, name = where.partition(":")
    return f"/{name}" if kind == "command" else where


def render_incident(post: Post) -> str:
    """The log-channel post: ids, names of code and times only, never what a member wrote."""
    incident = post.incident
    where = f"`{describe_where(incident.where)}`"
    channel = f" in <#{incident.channel_id}>" if incident.channel_id else ""
    if incident.kind is IncidentKind.PERMISSION:
        text = (
            f"⚠️ Discord refused me a permission in {where}{channel} (error `{incident.error_id}`). "
            "`/setup show` lists what my role lacks."
        )
    else:
        text = (
            f"⚠️ Something went wrong in {where}{channel} (error `{incident.error_id}`, "
            f"{incident.error_type}). The person was asked to try again and shown the crisis "
            "lines; the bot's log has the details under this error id."
        )
    if post.held_back and post.held_back_since is not None:
        since = discord.utils.format_dt(post.held_back_since, "t")
        text += f" {post.held_back} more like it since {since} were not posted."
    return text


def _is_form(args: tuple[Any, ...]) -> bool:
    return (
        len(args) == 1
        and isinstance(args[0], discord.Interaction)
        and args[0].type is discord.InteractionType.modal_submit
    )


class SupportBot(commands.AutoShardedBot):
    """The support-group bot. Build it with ``create_bot``; nothing connects until ``start``.

    It is discord.py's ``AutoShardedBot``: every shard runs in this one process, sharing one
    database, one set of services and one of each background task. ``SHARD_COUNT`` sets how
    many (unset: as many as Discord recommends; one shard costs what a plain ``Bot`` does).
    """

    def __init__(self, settings: Settings, library: Library) -> None:
        # The bot never joins voice; don't warn about voice libraries it does not need.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            shard_count=settings.shard_count,
            intents=required_intents(settings),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=SupportTree,
            help_command=None,
            chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(),
            max_messages=None,
        )
        self.settings = settings
        self.library = library
        self.services = Services(retention_days=settings.retention_days)
        """Every repository and service, built once when the database opens."""
        assert isinstance(self.tree, SupportTree)
        self.tree.crisis = library.crisis
        self.tree.region_of = self.error_region
        self.tree.on_incident = self.report_incident
        self.tree.language_of = self.language
        self.tree.kept_language = self.kept_language
        self.tree.crisis_in = library.crisis_in
        self.incidents = IncidentLog()
        """What went wrong lately in each server (memory only; ``/setup show`` lists it)."""
        self._db: Database | None = None
        self._cipher: Cipher | None = None
        self._new_key_file: Path | None = None
        self._command_ids: dict[str, int] = {}
        self._command_ids_known = False

    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None:
        """discord.py's dispatch, plus a ``modal_submit`` event for submitted forms.

        Forms must keep working after a restart, which discord.py's modal store (in memory,
        keyed by custom_id) cannot do, so the consultation feature answers them from the
        interaction itself. Listening on ``on_modal_submit`` instead of ``on_interaction``
        spares every other interaction a listener task (see ``benchmarks/interactions.py``).
        """
        super().dispatch(event_name, *args, **kwargs)
        if event_name == "interaction" and _is_form(args):
            super().dispatch("modal_submit", *args, **kwargs)

    @property
    def crisis(self) -> CrisisResources:
        return self.library.crisis

    def kept_region(self, interaction: discord.Interaction[Any]) -> str:
        """The person's crisis region from memory alone, for a private error reply (the
        database may be what failed): their kept choice, the server's, then the default."""
        regions = self.services.regions_if_open()
        codes = (
            ()
            if regions is None
            else regions.kept_codes(interaction.user.id, interaction.guild_id, private=True)
        )
        return choose_region(self.crisis, *codes)

    async def error_region(self, interaction: discord.Interaction[Any]) -> str:
        """The person's region for a private error reply, from memory when it knows them.

        Someone memory does not know yet (the first reply after a restart) is looked up once,
        as usual: that lookup falls back to memory by itself when storage fails. There is no
        timer around it: a timed-out read cannot be cancelled while it waits its turn on the
        database thread, so a timer would not shorten the wait, and a burst of refusals
        (twenty staff pressing Claim at once) would each hold one."""
        regions = self.services.regions_if_open()
        if regions is None or regions.members.knows(interaction.user.id):
            return self.kept_region(interaction)
        return await self.crisis_region(interaction.user.id, interaction.guild_id, private=True)

    async def crisis_region(self, user_id: int, guild_id: int | None, *, private: bool) -> str:
        """Whose crisis lines to show first (``bot.crisis_regions``). ``private``: only this
        person will see the answer (an ephemeral reply, a DM), so their own choice may count;
        otherwise the server's region. Storage trouble falls back to what memory holds."""
        regions = self.services.regions_if_open()
        if regions is None:
            return self.crisis.default_region
        try:
            codes = await regions.codes(user_id, guild_id, private=private)
        except Exception:
            log.warning("crisis_region.lookup_failed user=%s guild=%s", user_id, guild_id)
            codes = regions.kept_codes(user_id, guild_id, private=private)
        return choose_region(self.crisis, *codes)

    async def language(self, interaction: discord.Interaction[Any]) -> str:
        """The language to answer this person in (``bot.i18n``): their own choice, their
        Discord client's language, the server's preferred locale, then English. Storage
        trouble falls back to what memory holds."""
        user_id = interaction.user.id
        client = language_of_locale(str(interaction.locale))
        server = language_of_locale(str(interaction.guild_locale or ""))
        languages = self.services.languages_if_open()
        if languages is None:
            return choose_language(client, server)
        try:
            chosen = (await languages.get(user_id)).chosen
            await languages.seen(user_id, client, otherwise=choose_language(server))
        except Exception:
            log.warning("language.lookup_failed user=%s", user_id)
            chosen = languages.kept(user_id).chosen
        return choose_language(chosen, client, server)

    def kept_language(self, interaction: discord.Interaction[Any]) -> str:
        """``language`` from memory alone, for an error reply (the database may be what
        failed)."""
        languages = self.services.languages_if_open()
        chosen = None if languages is None else languages.kept(interaction.user.id).chosen
        client = language_of_locale(str(interaction.locale))
        server = language_of_locale(str(interaction.guild_locale or ""))
        return choose_language(chosen, client, server)

    async def background_language(self, user_id: int, guild: discord.Guild | None) -> str:
        """The language of a message the bot sends on its own (no interaction, no client
        language): the member's choice, their client's language at their last command, the
        server's preferred locale, then English."""
        server = None if guild is None else language_of_locale(str(guild.preferred_locale))
        languages = self.services.languages_if_open()
        if languages is None:
            return choose_language(server)
        try:
            kept = await languages.get(user_id)
        except Exception:
            log.warning("language.lookup_failed user=%s", user_id)
            kept = languages.kept(user_id)
        return choose_language(kept.chosen, kept.last_seen, server)

    @property
    def care(self) -> CareContent:
        return self.library.care

    @property
    def db(self) -> Database:
        """The database; once closed, its calls answer "try again" instead of crashing."""
        if self._db is None:
            raise RuntimeError("the database was never opened")
        return self._db

    @property
    def cipher(self) -> Cipher:
        if self._cipher is None:
            raise RuntimeError("the database is not open")
        return self._cipher

    async def open_database(self) -> Database:
        """Open and migrate the database and check the encryption key (once).

        ``python -m bot`` calls it before connecting, so storage problems surface first.
        """
        if self._db is None or self._db.closed:
            setting = self.settings.encryption_key
            configured = setting.get_secret_value() if setting else None
            key, _source = read_key(configured, self.settings.database_path)  # refused early
            database = await Database.open(self.settings.database_path)
            try:
                self._cipher = await open_cipher(database, configured)
            except BaseException:
                await database.close()
                raise
            if key is None:  # open_cipher made the key file for this new database
                self._new_key_file = key_file_for(self.settings.database_path)
            database.on_lost = self._storage_lost
            self._db = database
            self.services.open(database, self._cipher)
        return self._db

    async def discard_new_storage(self) -> None:
        """After a failed first start (a rejected token, a missing intent): remove the database
        and key file this run created, so a refused start leaves nothing behind."""
        companions = () if self._new_key_file is None else (self._new_key_file,)
        if self._db is not None and await self._db.discard_if_new(*companions):
            self._new_key_file = None

    def _storage_lost(self) -> None:
        """Called by the database once when its file was removed or replaced under us."""
        self.dispatch("storage_lost")

    async def on_storage_lost(self) -> None:
        """Tell each server's log channel, once, that nothing can be saved until a restart."""
        for guild in self.guilds:
            try:
                config = await self.services.configs.get(guild.id)
            except Exception:
                log.warning("storage_lost.config_unreadable guild=%s", guild.id)
                continue
            channel = guild.get_channel(config.log_channel_id or 0)
            if not isinstance(channel, discord.abc.Messageable):
                continue
            try:
                await channel.send(STORAGE_LOST_ALERT)
            except discord.HTTPException:
                log.warning("storage_lost.alert_failed guild=%s channel=%s", guild.id, channel.id)
            else:
                log.info("storage_lost.alerted guild=%s channel=%s", guild.id, channel.id)

    async def report_incident(
        self, interaction: discord.Interaction[Any], error: BaseException, where: str, error_id: str
    ) -> None:
        """Tell the server's log channel of an unexpected failure, at most once per kind of
        error per ``bot.incidents.POST_EVERY``; never raises (the member was answered already)."""
        guild = interaction.guild
        if guild is None:
            return
        original = getattr(error, "original", error)
        post = self.incidents.record(
            guild.id,
            kind=incident_kind(error),
            where=where,
            error_type=type(original).__name__,
            error_id=error_id,
            channel_id=interaction.channel_id,
            now=discord.utils.utcnow(),
        )
        if post is None:
            log.info("incident.held_back guild=%s error_id=%s", guild.id, error_id)
            return
        try:
            config = await self.services.configs.get(guild.id)
        except Exception:  # the failure may be the database itself
            log.warning("incident.config_unreadable guild=%s error_id=%s", guild.id, error_id)
            return
        channel = guild.get_channel(config.log_channel_id or 0)
        if not isinstance(channel, discord.abc.Messageable):
            return
        try:
            await channel.send(
                render_incident(post), allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.HTTPException:
            log.warning("incident.post_failed guild=%s error_id=%s", guild.id, error_id)
        else:
            log.info("incident.posted guild=%s error_id=%s", guild.id, error_id)

    async def setup_hook(self) -> None:
        await self.open_database()
        await self.tree.set_translator(SupportTranslator())
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        await self.sync_commands_if_changed()

    async def sync_commands_if_changed(self) -> bool:
        """Sync the command tree only when its JSON differs from the last synced version."""
        guild = discord.Object(self.settings.dev_guild_id) if self.settings.dev_guild_id else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        commands_here = self.tree.get_commands(guild=guild)
        translator = self.tree.translator
        payload = (
            [command.to_dict(self.tree) for command in commands_here]
            if translator is None
            else [await c.get_translated_payload(self.tree, translator) for c in commands_here]
        )  # the translations count: a new one is synced
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        state = self.services.state
        key = _command_hash_key(self.settings.dev_guild_id)
        if await state.get(key) == digest:
            log.info("commands.sync_skipped scope=%s", key)
            return False
        self._remember_command_ids(await self.tree.sync(guild=guild))
        await state.set(key, digest)
        log.info("commands.synced scope=%s count=%d", key, len(payload))
        return True

    def _remember_command_ids(self, synced: Iterable[discord.app_commands.AppCommand]) -> None:
        self._command_ids = {command.name: command.id for command in synced}
        self._command_ids_known = True

    async def command_ids(self) -> Mapping[str, int]:
        """Each top-level command's id by name, for clickable ``</name:id>`` mentions.

        Kept from this run's sync; when the sync was skipped (the tree had not changed) they are
        fetched from Discord once, on first use. Empty while Discord does not answer within
        ``COMMAND_FETCH_TIMEOUT`` (asked again next time): callers then show plain ``/name``.
        """
        if not self._command_ids_known:
            dev_guild = self.settings.dev_guild_id
            scope = discord.Object(dev_guild) if dev_guild else None
            try:
                fetched = await asyncio.wait_for(
                    self.tree.fetch_commands(guild=scope), timeout=COMMAND_FETCH_TIMEOUT
                )
            except (TimeoutError, discord.HTTPException, discord.ClientException):
                log.info("commands.ids_unknown")
                return {}
            self._remember_command_ids(fetched)
            log.info("commands.ids_fetched count=%d", len(self._command_ids))
        return self._command_ids

    async def forget_command_sync(self) -> None:
        """Make the next ``sync_commands_if_changed`` sync (a Discord that forgot our commands:
        the sandbox's simulated one is new on every run)."""
        await self.services.state.set(_command_hash_key(self.settings.dev_guild_id), "")

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.close_database()

    async def close_database(self) -> None:
        if self._db is not None:
            await self._db.close()


def _command_hash_key(dev_guild_id: int | None) -> str:
    return f"command_hash:{dev_guild_id or 'global'}"


def create_bot(settings: Settings, library: Library | None = None) -> SupportBot:
    """Build the bot without connecting; content problems raise ``StartupError`` now.

    ``library`` is content already loaded from ``settings.content_dir`` (the tests load the
    shipped content once per run; it is immutable): without it, the content is read here.
    """
    return SupportBot(settings, library or load_library(settings.content_dir))
