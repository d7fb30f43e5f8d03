"""Privacy and data rights: /privacy, /mydata show|export|delete, /admin forget, daily purge."""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.bot import SupportBot
from bot.crypto import load_key
from bot.errors import UserFacingError
from bot.privacy import (
    AuditEntry,
    ErasureReport,
    PrivacyNotice,
    collect,
    erase,
    export_json,
    known_in_server,
    pseudonym,
    pseudonym_key,
    purge_expired,
)
from bot.services import Services
from bot.ui import URGENT, embed, send_ephemeral
from cogs._components import bind, defer
from cogs._handoff import ConsultHandoff
from cogs.privacy._embeds import (
    _scope_words,
    not_known_here,
    render_erased,
    render_mydata,
    render_notice,
)
from cogs.privacy._views import (
    BUTTONS,
    CONFIRM_MINUTES,
    EXPIRED,
    NOT_YOURS,
    EraseButton,
    confirm_view,
)

log = logging.getLogger(__name__)

PURGE_EVERY_HOURS = 24
LAST_PURGE_KEY = "privacy_last_purge"
MAX_EXPORT_BYTES = 8 * 1024 * 1024
EXPORT_TOO_LARGE = (
    "Your data is too large to send as one file here. `/mydata show` gives you a summary of "
    "what I store, and `/mydata delete` removes all of it. If you need a full copy, please "
    "tell the server's staff."
)
OPENING_ERASED = "the member's note was removed here when they asked for their data to be deleted."
ERASED_NOTICE = (
    "This request was closed because the member asked for their data to be deleted. "
    "Their request and notes are no longer stored by the bot."
)


# ------------------------------------------------------------------------------------ cog


class Privacy(commands.Cog):
    mydata = app_commands.Group(
        name="mydata",
        description="See, download or delete what this bot stores about you.",
        allowed_contexts=app_commands.AppCommandContext(
            guild=True, dm_channel=True, private_channel=True
        ),
    )
    admin = app_commands.Group(
        name="admin",
        description="Admin tools for members' data.",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(
        self, bot: SupportBot, notice: PrivacyNotice, services: Services, consult: ConsultHandoff
    ) -> None:
        self.bot = bot
        self.notice = notice
        self.services = services
        self.consult = consult
        self.buttons = bind(BUTTONS, privacy=self)
        self._pseudonym_secret: bytes | None = None

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.buttons)
        self.purge.start()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.buttons)
        self.purge.cancel()

    def _secret(self) -> bytes:
        if self._pseudonym_secret is None:
            configured = self.bot.settings.encryption_key
            key = load_key(configured.get_secret_value() if configured else None, self.bot.db.path)
            self._pseudonym_secret = pseudonym_key(key)
        return self._pseudonym_secret

    # ------------------------------------------------------------------ /privacy

    @app_commands.command(name="privacy")
    @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
    async def privacy_command(self, interaction: discord.Interaction[SupportBot]) -> None:
        """What this bot stores about you, why, for how long, and how to delete it."""
        await interaction.response.send_message(
            embed=render_notice(self.notice, self.bot.settings.retention_days), ephemeral=True
        )

    # ------------------------------------------------------------------ /mydata

    @mydata.command(name="show")
    async def mydata_show(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Everything this bot stores about you, shown only to you."""
        await defer(interaction)
        collected = await collect(
            self.bot.db,
            self.bot.cipher,
            interaction.user.id,
            interaction.guild_id,
            now=discord.utils.utcnow(),
            retention_days=self.bot.settings.retention_days,
        )
        log.info("privacy.shown user=%s guild=%s", interaction.user.id, interaction.guild_id)
        await interaction.followup.send(embed=render_mydata(collected), ephemeral=True)

    @mydata.command(name="export")
    async def mydata_export(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Download everything this bot stores about you, as a file."""
        await defer(interaction)
        now = discord.utils.utcnow()
        data = await export_json(
            self.bot.db,
            self.bot.cipher,
            interaction.user.id,
            interaction.guild_id,
            now=now,
            retention_days=self.bot.settings.retention_days,
        )
        if len(data) > MAX_EXPORT_BYTES:
            log.info(
                "privacy.export_too_large user=%s guild=%s bytes=%d",
                interaction.user.id,
                interaction.guild_id,
                len(data),
            )
            raise UserFacingError(EXPORT_TOO_LARGE)
        log.info(
            "privacy.exported user=%s guild=%s bytes=%d",
            interaction.user.id,
            interaction.guild_id,
            len(data),
        )
        file = discord.File(io.BytesIO(data), filename=f"my-data-{now:%Y-%m-%d}.json")
        await interaction.followup.send(
            f"Here is everything I store about you {_scope_words(_str(interaction.guild_id))}, "
            "as a JSON file. The `manifest` section lists what is included and what is not.",
            file=file,
            ephemeral=True,
        )

    @mydata.command(name="delete")
    async def mydata_delete(self, interaction: discord.Interaction[SupportBot]) -> None:
        """Delete everything this bot stores about you (you confirm first)."""
        guild_id = interaction.guild_id
        scope = _scope_words(_str(guild_id))
        user_id = interaction.user.id
        await interaction.response.send_message(
            embed=embed(
                "Delete your data?",
                f"This deletes everything I store about you {scope}: your requests and their "
                "notes, all your check-ins (wherever you wrote them), your milestone, "
                "reminders and safety-net alerts. If you have an open request it is closed and "
                "staff are told. It cannot be undone. Your messages in Discord are not affected.",
                colour=URGENT,
            ),
            view=confirm_view(user_id, user_id, guild_id, "Delete my data"),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ /admin forget

    @admin.command(name="forget")
    @app_commands.describe(member="The person whose data to erase (they may have left the server)")
    async def admin_forget(
        self, interaction: discord.Interaction[SupportBot], member: discord.User
    ) -> None:
        """Erase what this server holds about a member, at their request (Manage Server)."""
        admin = interaction.user
        guild_id = interaction.guild_id
        _require_manage_server(interaction, guild_id)
        assert guild_id is not None
        is_member = isinstance(member, discord.Member) and member.guild.id == guild_id
        if not is_member and not await known_in_server(self.bot.db, member.id, guild_id):
            log.info("privacy.forget_refused guild=%s admin=%s", guild_id, admin.id)
            raise UserFacingError(not_known_here(member.mention))
        await interaction.response.send_message(
            embed=embed(
                "Erase this member's data?",
                f"This erases everything the bot stores about {member.mention} from this "
                "server, including check-ins they wrote here; an open request is closed and "
                "staff are told. Where they acted as staff, their id is removed. What they "
                "wrote in other servers or in DMs is theirs and is not touched. "
                "It cannot be undone.",
                colour=URGENT,
            ),
            view=confirm_view(admin.id, member.id, guild_id, "Erase"),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ the answer

    async def confirmed(self, interaction: discord.Interaction[Any], button: EraseButton) -> None:
        """ "Delete" pressed on a question from ``/mydata delete`` or ``/admin forget``."""
        if interaction.user.id != button.owner:
            await send_ephemeral(interaction, NOT_YOURS)
            return
        age = discord.utils.utcnow().timestamp() - button.asked
        if not 0 <= age <= CONFIRM_MINUTES * 60:
            await interaction.response.edit_message(content=EXPIRED, embed=None, view=None)
            return
        by_admin = button.owner != button.target
        if by_admin:
            _require_manage_server(interaction, button.guild_id)
        await interaction.response.defer()
        await self._release_claims(button.target, button.guild_id)  # before the id is erased
        secret = self._secret()
        report = await erase(
            self.bot.db,
            button.target,
            button.guild_id,
            server_only=by_admin,
            audit=AuditEntry(
                "admin_forget" if by_admin else "member_request",
                pseudonym(secret, button.target),
                pseudonym(secret, button.owner) if by_admin else None,
                discord.utils.utcnow(),
            ),
        )
        self.services.regions.members.drop(button.target)  # its kept copy of member_settings
        self.services.languages.drop(button.target)  # and the language's
        await self.tell_staff(report)
        if by_admin:
            log.info("privacy.forgotten guild=%s admin=%s", button.guild_id, button.owner)
            text = render_erased(report, "in this server", who="them") + (
                " An audit entry was kept with a one-way code instead of their id."
            )
        else:
            text = render_erased(report, _scope_words(_str(button.guild_id)), who="you") + (
                " You are welcome back any time: `/consult` to talk to someone, "
                "`/crisis` if you need help now."
            )
        await interaction.edit_original_response(content=text, embed=None, view=None)

    async def _release_claims(self, staff_id: int, guild_id: int | None) -> None:
        """Requests the person holds as staff go back to the queue (the consultation service
        logs it), so no member is left waiting on a claim that nobody holds."""
        await self.consult.release_claims_of(staff_id, guild_id)

    # ------------------------------------------------------------------ staff notices

    async def tell_staff(self, report: ErasureReport) -> None:
        """Tell staff an open request was closed by an erasure; the card loses the note."""
        for item in report.open_items:
            card = (
                (item.channel_id, item.message_id) if item.channel_id and item.message_id else None
            )
            await self.consult.close_erased(
                number=item.number,
                card=card,
                thread_id=item.thread_id,
                opening_message_id=item.opening_message_id,  # read before the row went
                notice=ERASED_NOTICE,
                opening_note=OPENING_ERASED,
            )
            log.info("privacy.request_closed guild=%s number=%s", item.guild_id, item.number)

    # ------------------------------------------------------------------ retention

    @tasks.loop(hours=PURGE_EVERY_HOURS)
    async def purge(self) -> None:
        """At start-up and every 24 hours: apply the retention rules."""
        try:
            await self.run_purge(discord.utils.utcnow())
        except Exception:
            log.exception("privacy.purge_failed")

    async def run_purge(self, now: dt.datetime) -> int:
        report = await purge_expired(self.bot.db, now, self.bot.settings.retention_days)
        await self.services.state.set(LAST_PURGE_KEY, now.isoformat())
        return report.total


def _str(value: int | None) -> str | None:
    return None if value is None else str(value)


def _require_manage_server(interaction: discord.Interaction[Any], guild_id: int | None) -> None:
    """``/admin forget`` is for Manage Server, checked when asked and again when confirmed (in
    the server the question was asked in: permissions can change in between)."""
    # ``guild_id is None`` is also refused by the next test (mutants of it are equivalent).
    user = interaction.user
    if (
        guild_id is None
        or interaction.guild_id != guild_id
        or not isinstance(user, discord.Member)
        or not user.guild_permissions.manage_guild
    ):
        raise UserFacingError("Only people with the Manage Server permission can do that.")
