"""Privacy and data rights: /privacy, /mydata show|export|delete, /admin forget, daily purge."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot import limits
from bot.bot import SupportBot
from bot.crypto import load_key
from bot.errors import OutOfDateError, UserFacingError
from bot.privacy import (
    REGISTRY,
    AuditEntry,
    ErasureReport,
    Kind,
    PrivacyNotice,
    Source,
    collect,
    erase,
    export_json,
    is_empty,
    known_in_server,
    parse_time,
    pseudonym,
    pseudonym_key,
    purge_expired,
)
from bot.services import Services
from bot.ui import (
    CALM,
    QUIET,
    URGENT,
    add_field,
    embed,
    escape,
    send_ephemeral,
    shorten,
)
from cogs._components import PersistentButton, bind, defer
from cogs._handoff import ConsultHandoff

log = logging.getLogger(__name__)

PURGE_EVERY_HOURS = 24
LAST_PURGE_KEY = "privacy_last_purge"
LINES_PER_SOURCE = 5
MAX_EXPORT_BYTES = 8 * 1024 * 1024
EXPORT_TOO_LARGE = (
    "Your data is too large to send as one file here. `/mydata show` gives you a summary of "
    "what I store, and `/mydata delete` removes all of it. If you need a full copy, please "
    "tell the server's staff."
)
_SOURCES: Mapping[str, Source] = {source.table: source for source in REGISTRY}

OPENING_ERASED = "the member's note was removed here when they asked for their data to be deleted."
ERASED_NOTICE = (
    "This request was closed because the member asked for their data to be deleted. "
    "Their request and notes are no longer stored by the bot."
)


# ------------------------------------------------------------------------------ rendering


def render_notice(notice: PrivacyNotice, retention_days: int) -> discord.Embed:
    result = embed(notice.title, notice.intro, colour=CALM)
    for name, text in notice.sections_for(retention_days):
        add_field(result, name, text)
    return result


def _scope_words(guild_id: str | None) -> str:
    return "in this server" if guild_id is not None else "in any server"


def _show_value(source: Source, name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    column = source.column(name)
    kind = getattr(column, "kind", Kind.SNOWFLAKE)
    if kind is Kind.SECRET:
        return f"“{escape(str(value), 80)}”"
    if kind is Kind.TIME:
        when = parse_time(value)
        return discord.utils.format_dt(when, "d") if when else None
    if kind is Kind.FLAG:
        return f"{column.label.lower()}: {'yes' if value else 'no'}"
    if kind is Kind.SNOWFLAKE:
        return None
    if name == "number":
        return f"#{value}"
    if kind is Kind.NUMBER:
        return f"{column.label.lower()} {value}"
    return escape(str(value).replace("_", " "), 40)


def _record_line(source: Source, record: Mapping[str, Any]) -> str:
    parts = [_show_value(source, name, record.get(name)) for name in source.brief]
    return " · ".join(part for part in parts if part) or "saved"


def render_mydata(collected: Mapping[str, Any]) -> discord.Embed:
    """What ``collect`` found, within Discord's limits; the export has everything."""
    scope = _scope_words(collected["server_id"])
    if is_empty(collected):
        return embed(
            "Your data",
            f"I don't store anything about you {scope}. If you use `/consult`, `/checkin` or "
            "`/milestone` later, `/mydata` will show it here.",
            colour=QUIET,
        )
    result = embed(
        "Your data",
        f"Everything I store about you {scope}. Only you can see this message. "
        "Times are in your own time zone.",
        colour=CALM,
    )
    budget = limits.EMBED_TOTAL - len(result.description or "") - 600  # title, footer, last field
    for table, found in collected["data"].items():
        source = _SOURCES.get(table)
        if source is None:
            continue
        records: list[Mapping[str, Any]] = found["records"]
        lines: list[str] = []
        if records and source.brief:
            lines = [_record_line(source, record) for record in records[-LINES_PER_SOURCE:]]
            if len(records) > LINES_PER_SOURCE:
                lines.insert(0, f"…{len(records) - LINES_PER_SOURCE} earlier, latest:")
        elif records:
            lines = [f"{len(records)} saved"]
        mentions = found.get("mentions", [])
        if mentions:
            lines.append(f"You appear as staff on {len(mentions)}.")
        name = f"{found['title']} ({len(records)})" if records else found["title"]
        value = shorten("\n".join(lines), limits.EMBED_FIELD_VALUE)
        if len(name) + len(value) > budget:
            add_field(result, "More", "There is more than fits here: `/mydata export` has it all.")
            break
        budget -= len(name) + len(value)
        add_field(result, name, value)
    withheld = [item for item in collected["manifest"]["withheld"] if "records" in item]
    if withheld:
        add_field(
            result,
            "Not shown",
            "\n".join(
                f"{item['title']} ({item['records']}): {item['reason']}" for item in withheld
            ),
        )
    add_field(
        result,
        "What you can do",
        "`/mydata export` downloads all of it as a file. `/mydata delete` deletes it. "
        "`/privacy` explains what is kept and for how long.",
    )
    return result


def not_known_here(mention: str) -> str:
    """Why ``/admin forget`` refuses someone the server has no record of."""
    return (
        f"I have no record of {mention} in this server: they are not a member now, and "
        "nothing I store from this server is about them, so there is nothing here to erase. "
        "If they want their data deleted, they can use `/mydata delete` themselves."
    )


def render_erased(report: ErasureReport, scope: str, *, who: str) -> str:
    if report.total == 0:
        return f"There was nothing stored about {who} {scope}, so nothing needed deleting."
    parts = [f"Done. I deleted everything stored about {who} {scope}"]
    if report.anonymised:
        parts.append(", and removed their id from records they only handled as staff")
    text = "".join(parts) + "."
    if report.open_items:
        text += " An open request was closed, and staff were told."
    return text


# ---------------------------------------------------------------------------------- views


CONFIRM_MINUTES = 10
"""How long a "delete?" question can be answered; after that the member asks again."""

NOT_YOURS = "This question belongs to someone else. Run the command yourself if you need it."
EXPIRED = (
    "This question has expired, so nothing was deleted. Run the command again if you still want to."
)


class EraseButton(
    PersistentButton,
    template=r"privacy:erase:(?P<owner>\d+):(?P<target>\d+):(?P<guild>\d+|dm):(?P<asked>\d+)",
):
    """Go ahead: erase ``target``'s data, asked by ``owner`` (the member themself, or an admin
    for ``/admin forget``) at ``asked`` (Unix seconds). Everything is in the custom_id, so the
    question can be answered after a restart; it expires after ``CONFIRM_MINUTES``.

    The cog registers it bound to itself (``cogs._components.bind``)."""

    privacy: ClassVar[Privacy]

    def __init__(
        self, owner: int, target: int, guild_id: int | None, asked: int, label: str
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.danger,
                custom_id=f"privacy:erase:{owner}:{target}:{guild_id or 'dm'}:{asked}",
            )
        )
        self.owner, self.target, self.guild_id, self.asked = owner, target, guild_id, asked

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        guild = None if match["guild"] == "dm" else int(match["guild"])
        label = getattr(item, "label", None) or "Delete"
        return cls(int(match["owner"]), int(match["target"]), guild, int(match["asked"]), label)

    where = "button:privacy:erase"

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        await self.privacy.confirmed(interaction, self)


class KeepButton(
    PersistentButton,
    template=r"privacy:keep:(?P<owner>\d+)",
):
    """Call it off: nothing is deleted."""

    def __init__(self, owner: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Keep it",
                style=discord.ButtonStyle.secondary,
                custom_id=f"privacy:keep:{owner}",
            )
        )
        self.owner = owner

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(int(match["owner"]))

    where = "button:privacy:keep"

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.owner:
            await send_ephemeral(interaction, NOT_YOURS)
            return
        await interaction.response.edit_message(
            content="Nothing was deleted.", embed=None, view=None
        )


class OldConfirmButton(
    PersistentButton,
    template=r"privacy:(?:confirm|cancel)",
):
    """The buttons of a question asked before the confirmation moved into the custom_id: they
    are answered (nothing is deleted) instead of failing silently."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="…", custom_id="privacy:confirm"))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls()

    where = "button:privacy:old"

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        raise OutOfDateError()


BUTTONS = (EraseButton, KeepButton, OldConfirmButton)


def confirm_view(owner: int, target: int, guild_id: int | None, label: str) -> discord.ui.View:
    """The two answers to a "delete?" question, built from the question's own facts.

    The view is stopped: discord.py dispatches its dynamic items by custom_id, so nothing is
    kept in memory and no timer runs; a restart loses nothing.
    """
    asked = int(discord.utils.utcnow().timestamp())
    view = discord.ui.View(timeout=None)
    view.add_item(EraseButton(owner, target, guild_id, asked, label))
    view.add_item(KeepButton(owner))
    view.stop()
    return view


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
