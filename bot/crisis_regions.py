"""Whose crisis lines a person sees first: their own choice, then the server's, then US.

A member's choice (``/crisis region:`` with remember) is kept in ``member_settings`` as a
region code and nothing else; the server's default is ``guild_config.crisis_region``
(``/setup crisis``). Only a private answer (an ephemeral reply, a DM) may use the member's
own choice; a channel or a private thread shows the server's, so nobody learns a member's
country from what the bot posts.

Reads are kept in memory after the first one, so an error reply can show the right lines
without a database trip (``kept``), even when the database is what failed.

This module never imports discord.
"""

from __future__ import annotations

import logging
import sqlite3
from collections import OrderedDict

from bot.crisis import CrisisResources
from bot.db import Database
from bot.guild_config import GuildConfigRepository

log = logging.getLogger(__name__)

KEPT_MEMBERS = 10_000
"""How many members' choices are kept in memory (the most recently used); the rest are read
again when needed, so memory stays small however many members a server has."""


def choose_region(resources: CrisisResources, *codes: str | None) -> str:
    """The first of ``codes`` that names a region in the content, else the file's default
    (a code removed from ``data/crisis.toml`` since it was chosen is skipped)."""
    for code in codes:
        if code is not None and code in resources.codes:
            return code
    return resources.default_region


class MemberRegions:
    """Members' own crisis-line regions. ``remember`` and ``forget`` are the only writers of
    ``member_settings.crisis_region`` (``bot.i18n.members`` writes the language columns),
    and ``drop`` is told of an erasure, so the kept copy stays true; that holds for the one
    instance ``bot.services`` builds."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._kept: OrderedDict[int, str | None] = OrderedDict()
        self._writes = 0
        """Writes and erasures so far: a read that started before one is not kept."""

    async def get(self, user_id: int) -> str | None:
        """The member's chosen region code, or None."""
        if user_id in self._kept:
            self._kept.move_to_end(user_id)
            return self._kept[user_id]
        writes = self._writes
        row = await self._db.fetchone(
            "SELECT crisis_region FROM member_settings WHERE user_id = ?", (user_id,)
        )
        code: str | None = None if row is None else row["crisis_region"]
        if self._writes == writes:
            self._keep(user_id, code)
        return code

    def _keep(self, user_id: int, code: str | None) -> None:
        self._kept[user_id] = code
        self._kept.move_to_end(user_id)
        while len(self._kept) > KEPT_MEMBERS:
            self._kept.popitem(last=False)

    def knows(self, user_id: int) -> bool:
        """Whether memory holds the member's choice (a code, or that they have none)."""
        return user_id in self._kept

    def kept(self, user_id: int) -> str | None:
        """The member's code as last read or written (memory only; None when not known)."""
        return self._kept.get(user_id)

    def drop(self, user_id: int) -> None:
        """Forget the kept copy (after the member's data was erased)."""
        self._writes += 1
        self._kept.pop(user_id, None)

    async def remember(self, user_id: int, code: str) -> None:
        def work(c: sqlite3.Connection) -> None:
            c.execute(
                "INSERT INTO member_settings (user_id, crisis_region) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET crisis_region = excluded.crisis_region",
                (user_id, code),
            )

        self.drop(user_id)
        await self._db.write(work)
        self._keep(user_id, code)
        log.info("crisis_region.remembered user=%s", user_id)

    async def forget(self, user_id: int) -> bool:
        """Delete the member's choice; whether there was one."""

        def work(c: sqlite3.Connection) -> int:
            changed = c.execute(
                "UPDATE member_settings SET crisis_region = NULL "
                "WHERE user_id = ? AND crisis_region IS NOT NULL",
                (user_id,),
            ).rowcount
            # The row stays while it holds the member's language (bot.i18n.members).
            c.execute(
                "DELETE FROM member_settings WHERE user_id = ? AND crisis_region IS NULL "
                "AND language IS NULL AND last_locale IS NULL",
                (user_id,),
            )
            return changed

        self.drop(user_id)
        deleted = await self._db.write(work)
        self._keep(user_id, None)
        log.info("crisis_region.forgotten user=%s had=%s", user_id, bool(deleted))
        return bool(deleted)


class CrisisRegions:
    """The lookup order, for a person somewhere: see the module docstring."""

    def __init__(self, members: MemberRegions, configs: GuildConfigRepository) -> None:
        self.members = members
        self._configs = configs

    async def server_code(self, guild_id: int | None) -> str | None:
        if guild_id is None:
            return None
        return (await self._configs.get(guild_id)).crisis_region

    async def codes(
        self, user_id: int, guild_id: int | None, *, private: bool
    ) -> tuple[str | None, ...]:
        """The codes to try, first to last (``choose_region`` picks the first known one)."""
        server = await self.server_code(guild_id)
        if not private:
            return (server,)
        return (await self.members.get(user_id), server)

    def kept_codes(
        self, user_id: int, guild_id: int | None, *, private: bool
    ) -> tuple[str | None, ...]:
        """``codes`` from memory alone, for an error reply (the database may be what failed)."""
        config = None if guild_id is None else self._configs.kept(guild_id)
        server = None if config is None else config.crisis_region
        return (self.members.kept(user_id), server) if private else (server,)
