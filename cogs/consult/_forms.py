"""The consultation forms: the request, a member's note, a staff member's close reason.

Forms are layout only: each is answered from the submitted interaction itself
(``handle_form``, called by the cog's ``on_modal_submit``), so a form opened before a restart
still works. Ids are namespaced (``consult:note-form:<request id>``) and never carry member
text; a malformed or foreign one gets a polite "this is out of date".
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import discord

from bot import limits
from bot.bot import SupportBot
from bot.consultations import (
    CLOSE_REASON_LIMIT,
    MEMBER_TOPICS,
    NOTE_LIMIT,
    PREFERRED_TIME_LIMIT,
    Consultation,
    ConsultationService,
    ConsultBlock,
    ConsultType,
    ConsultTypeService,
    Coverage,
    Form,
    IntakeService,
    Outcome,
    SealedAnswer,
    Status,
    Topic,
    TypeGoneError,
    TypeNotFoundError,
    Urgency,
)
from bot.errors import OutOfDateError, UserFacingError
from bot.guild_config import GuildConfig
from bot.i18n import ENGLISH
from bot.i18n.messages import say
from bot.ui import crisis_embed, send_ephemeral, shorten
from cogs._components import defer, guarded, parse_id, stopped_view
from cogs.consult._answers import question_fields, typed_answers
from cogs.consult._close_render import outcome_select, parse_outcome
from cogs.consult._close_views import closed_and_asked
from cogs.consult._kinds import emoji_of

log = logging.getLogger(__name__)


class Flow(Protocol):
    """What the buttons and forms ask of the consultation flow (``cogs.consult._flow``).

    The cog binds its flow to the buttons it registers (``cogs._components.bind``) and hands
    it to ``handle_form``, so neither this module nor ``_views`` imports the flow module
    (which imports the view builders).
    """

    @property
    def service(self) -> ConsultationService: ...

    @property
    def types(self) -> ConsultTypeService: ...

    @property
    def intake(self) -> IntakeService: ...

    def now(self) -> dt.datetime: ...

    async def language(self, interaction: discord.Interaction[Any]) -> str: ...

    async def ready_config(self, guild_id: int | None, *, member_facing: bool) -> GuildConfig: ...

    async def require_staff(
        self, interaction: discord.Interaction[Any]
    ) -> tuple[GuildConfig, discord.Member]: ...

    async def submit(
        self,
        interaction: discord.Interaction[Any],
        *,
        topic: Topic,
        urgency: Urgency,
        note: str | None,
        preferred_time: str | None,
        type_id: int | None = None,
        answers: Sequence[SealedAnswer] = (),
    ) -> None: ...

    async def refuse_paused(
        self, interaction: discord.Interaction[Any], block: ConsultBlock
    ) -> None: ...

    async def show_existing(
        self,
        interaction: discord.Interaction[Any],
        consultation: Consultation,
        config: GuildConfig,
        position: int | None,
    ) -> None: ...

    async def update_note(
        self, guild: discord.Guild, member_id: int, note: str | None
    ) -> Consultation: ...

    async def cancel(self, guild: discord.Guild, member_id: int) -> Consultation: ...

    async def claim(
        self, interaction: discord.Interaction[Any], config: GuildConfig, request_id: int
    ) -> Consultation: ...

    async def release(
        self, interaction: discord.Interaction[Any], request_id: int
    ) -> Consultation: ...

    async def close(
        self,
        interaction: discord.Interaction[Any],
        request_id: int,
        reason: str,
        outcome: Outcome | None = None,
    ) -> Consultation: ...

    async def require_scope(
        self, interaction: discord.Interaction[Any]
    ) -> tuple[GuildConfig, discord.Member, Coverage]: ...

    async def queue_page(
        self, guild_id: int, page: int, covers: Coverage | None = None
    ) -> tuple[discord.Embed, discord.ui.View | None]: ...


FORM = "consult:form"
TYPE_FORM = "consult:form:"
"""A request form of one consultation type: ``consult:form:<type id>``."""
NOTE_FORM = "consult:note-form:"
CLOSE_FORM = "consult:close-form:"


def _stopped(modal: discord.ui.Modal) -> discord.ui.Modal:
    """Forms are layout only: discord.py keeps no handler (its modal store is keyed by
    custom_id alone, and is lost on restart). ``handle_form`` answers the submission from the
    interaction's data, so a form sent before a restart still works."""
    modal.stop()
    return modal


def request_form(
    *,
    urgent: bool = False,
    kind: ConsultType | None = None,
    form: Form | None = None,
    language: str = ENGLISH,
) -> discord.ui.Modal:
    """The request form: topic, how urgent, an optional note and preferred time. For a type
    (``kind``), the type replaces the topic: its name is the form's title; a type with its own
    questions (``form``) asks those instead of the note and time (``_answers``). The bot's own
    words are in ``language``; the server's own stay as written."""
    if kind is not None:
        modal = discord.ui.Modal(
            title=shorten(kind.name, limits.MODAL_TITLE), custom_id=f"{TYPE_FORM}{kind.id}"
        )
    else:
        modal = discord.ui.Modal(title=say(language, "consult.form.title"), custom_id=FORM)
    topic: discord.ui.Select[discord.ui.View] = discord.ui.Select(
        custom_id="topic",
        options=[
            discord.SelectOption(label=say(language, f"consult.topic.{topic}"), value=topic.value)
            for topic in MEMBER_TOPICS
        ],
        required=True,
    )
    urgency: discord.ui.Select[discord.ui.View] = discord.ui.Select(
        custom_id="urgency",
        options=[
            discord.SelectOption(
                label=say(language, f"consult.urgency.{level}"),
                value=level.value,
                default=urgent and level is Urgency.URGENT,
            )
            for level in (Urgency.ROUTINE, Urgency.SOON, Urgency.URGENT)
        ],
        required=True,
    )
    note: discord.ui.TextInput[discord.ui.View] = discord.ui.TextInput(
        custom_id="note",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=NOTE_LIMIT,
        placeholder=say(language, "consult.form.note_placeholder"),
    )
    preferred: discord.ui.TextInput[discord.ui.View] = discord.ui.TextInput(
        custom_id="preferred_time",
        required=False,
        max_length=PREFERRED_TIME_LIMIT,
        placeholder=say(language, "consult.form.time_placeholder"),
    )
    if kind is None:
        modal.add_item(discord.ui.Label(text=say(language, "consult.form.topic"), component=topic))
    modal.add_item(
        discord.ui.Label(
            text=say(language, "consult.form.urgency"),
            description=say(language, "consult.form.urgency_hint"),
            component=urgency,
        )
    )
    if form is not None and form.own:
        for field in question_fields(form.questions):
            modal.add_item(field)
        return _stopped(modal)
    modal.add_item(
        discord.ui.Label(
            text=say(language, "consult.form.note"),
            description=say(language, "consult.form.note_hint", limit=NOTE_LIMIT),
            component=note,
        )
    )
    modal.add_item(discord.ui.Label(text=say(language, "consult.form.time"), component=preferred))
    return _stopped(modal)


def note_form(consultation: Consultation) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=f"Your note on request #{consultation.number}",
        custom_id=f"{NOTE_FORM}{consultation.id}",
    )
    note: discord.ui.TextInput[discord.ui.View] = discord.ui.TextInput(
        custom_id="note",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=NOTE_LIMIT,
        default=consultation.note,
    )
    modal.add_item(
        discord.ui.Label(
            text="Your note (leave empty to remove it)",
            description=f"Up to {NOTE_LIMIT} characters. Only staff will read it.",
            component=note,
        )
    )
    return _stopped(modal)


def close_form(consultation: Consultation) -> discord.ui.Modal:
    modal = discord.ui.Modal(
        title=f"Close request #{consultation.number}",
        custom_id=f"{CLOSE_FORM}{consultation.id}",
    )
    reason: discord.ui.TextInput[discord.ui.View] = discord.ui.TextInput(
        custom_id="reason", required=True, max_length=CLOSE_REASON_LIMIT
    )
    modal.add_item(
        discord.ui.Label(
            text="Reason", description="The member sees this in their thread.", component=reason
        )
    )
    modal.add_item(
        discord.ui.Label(
            text="Outcome",
            description="For the group's records: only staff see it, never the member.",
            component=outcome_select("outcome", required=False),
        )
    )
    return _stopped(modal)


def form_values(data: Any) -> dict[str, Any]:
    """custom_id → submitted value (a string, or a list for selects) from a modal's data."""
    values: dict[str, Any] = {}

    def visit(node: Any) -> None:
        if not isinstance(node, dict):
            return
        if "custom_id" in node and ("value" in node or "values" in node):
            values[str(node["custom_id"])] = node.get("values", node.get("value"))
        visit(node.get("component"))
        for child in node.get("components") or ():
            visit(child)

    for component in (data or {}).get("components") or ():
        visit(component)
    return values


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return str(value) if isinstance(value, str) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


async def handle_form(flow: Flow, interaction: discord.Interaction[Any]) -> bool:
    """Answer a submitted consultation form; False when the form isn't ours."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if custom_id == FORM:
        action = _submit_request(flow, interaction, form_values(data))
    elif custom_id.startswith(TYPE_FORM):
        type_id = parse_id(custom_id.removeprefix(TYPE_FORM))
        action = _submit_request(flow, interaction, form_values(data), type_id=type_id or -1)
    elif custom_id.startswith(NOTE_FORM):
        action = _submit_note(flow, interaction, parse_id(custom_id.removeprefix(NOTE_FORM)))
    elif custom_id.startswith(CLOSE_FORM):
        action = _submit_close(flow, interaction, parse_id(custom_id.removeprefix(CLOSE_FORM)))
    elif custom_id.startswith("consult:"):
        action = _raise_out_of_date()
    else:
        return False
    await guarded(
        interaction, f"form:{custom_id.split(':')[1] if ':' in custom_id else ''}", action
    )
    return True


async def _submit_request(
    flow: Flow,
    interaction: discord.Interaction[Any],
    values: dict[str, Any],
    *,
    type_id: int | None = None,
) -> None:
    """A sent request form; a type's form (``type_id``; -1 for a malformed id) has no topic
    and is stored under ``Topic.OTHER`` ("something else"), the type saying what it is."""
    if type_id == -1:
        raise TypeGoneError()
    try:
        topic = Topic(_first(values.get("topic")) or "") if type_id is None else Topic.OTHER
        urgency = Urgency(_first(values.get("urgency")) or "")
    except ValueError:
        raise OutOfDateError() from None
    if topic is Topic.CRISIS:
        raise OutOfDateError()
    answers: tuple[SealedAnswer, ...] = ()
    if type_id is not None and interaction.guild_id is not None:
        try:
            form = await flow.intake.form(interaction.guild_id, type_id)
        except TypeNotFoundError:
            raise TypeGoneError() from None
        if form.own:  # checked again here, whatever the form allowed
            answers = flow.intake.seal(form, typed_answers(values))
    await flow.submit(
        interaction,
        topic=topic,
        urgency=urgency,
        note=_text(values.get("note")),
        preferred_time=_text(values.get("preferred_time")),
        type_id=type_id,
        answers=answers,
    )


async def _submit_note(
    flow: Flow, interaction: discord.Interaction[Any], request_id: int | None
) -> None:
    await _own_request(flow, interaction, request_id)
    assert interaction.guild is not None
    await defer(interaction)
    updated = await flow.update_note(
        interaction.guild, interaction.user.id, _text(form_values(interaction.data).get("note"))
    )
    await send_ephemeral(
        interaction,
        f"Thanks, the note on request #{updated.number} is "
        + ("updated." if updated.note else "removed."),
    )


async def _submit_close(
    flow: Flow, interaction: discord.Interaction[Any], request_id: int | None
) -> None:
    if request_id is None:
        raise OutOfDateError()
    await flow.require_staff(interaction)
    await defer(interaction)
    values = form_values(interaction.data)
    closed = await flow.close(
        interaction,
        request_id,
        _text(values.get("reason")) or "",
        parse_outcome(values.get("outcome")),
    )
    await closed_and_asked(interaction, closed)


async def _own_request(
    flow: Flow, interaction: discord.Interaction[Any], request_id: int | None
) -> Consultation:
    """The member's own active request named by a button, or "out of date"."""
    # Mutation testing: ``and`` for ``or`` here is equivalent (the checks below refuse both).
    if request_id is None or interaction.guild_id is None:
        raise OutOfDateError()
    consultation = await flow.service.get(request_id)
    if (
        consultation is None
        or consultation.guild_id != interaction.guild_id
        or consultation.member_id != interaction.user.id
    ):
        raise OutOfDateError()
    if not consultation.active:
        raise UserFacingError(
            f"Request #{consultation.number} is already "
            f"{'cancelled' if consultation.status is Status.CANCELLED else 'closed'}. "
            "You can start a new one with /consult."
        )
    return consultation


async def open_form(
    flow: Flow,
    interaction: discord.Interaction[Any],
    *,
    urgent: bool,
    type_id: int | None = None,
) -> None:
    """Show the request form, or the member's existing request (one at a time), or, for a
    routine request from a member whose requests are paused, the warm "paused" reply. The
    request and the block are read together (one trip to the database); the form is checked
    again when it is sent, inside the request's own transaction. A server with consultation
    types first offers them (``type_menu``); ``type_id`` is one already chosen (the menu, a
    panel's button): a type this server no longer has is answered politely with the current
    ones."""
    config = await flow.ready_config(interaction.guild_id, member_facing=True)
    assert interaction.guild_id is not None
    asking = await flow.service.asking(interaction.guild_id, interaction.user.id, flow.now())
    if asking.current is not None:
        await flow.show_existing(interaction, asking.current, config, asking.position)
        return
    if not urgent and asking.block is not None:
        await flow.refuse_paused(interaction, asking.block)
        return
    kinds = () if urgent else await flow.types.list(interaction.guild_id)
    language = await flow.language(interaction)
    if not kinds:
        await interaction.response.send_modal(request_form(urgent=urgent, language=language))
        return
    chosen = next((kind for kind in kinds if kind.id == type_id), None)
    if chosen is not None:
        form = await flow.intake.form(interaction.guild_id, chosen.id)
        modal = request_form(kind=chosen, form=form, language=language)
        await interaction.response.send_modal(modal)
        return
    if type_id is None:
        await send_ephemeral(interaction, CHOOSE, view=type_menu(kinds))
        return
    # A removed type's (or a forged) choice: said kindly, with the current ones and, as with
    # every refusal a member meets, the crisis lines.
    log.info("consult_type.stale_choice guild=%s", interaction.guild_id)
    client = interaction.client
    crisis = (
        [
            crisis_embed(
                client.crisis,
                await client.crisis_region(interaction.user.id, interaction.guild_id, private=True),
            )
        ]
        if isinstance(client, SupportBot)
        else []
    )
    await send_ephemeral(interaction, CHOICE_GONE, embeds=crisis, view=type_menu(kinds))


PICK = "consult:pick"
CHOOSE = (
    "What would you like to talk about? Choose below and I'll open a short form. If you are "
    "in danger right now, please use /crisis."
)
CHOICE_GONE = (
    "That choice is out of date: this server's kinds of consultation have changed. Here are "
    "the current ones. If you are in danger right now, please use /crisis."
)


def type_menu(kinds: Sequence[ConsultType]) -> discord.ui.View:
    """The server's consultation types as one menu (emoji, name, description), handled by
    ``cogs.consult._views.TypeMenu``: a stopped view with a plain select of its custom_id."""
    menu: discord.ui.Select[discord.ui.View] = discord.ui.Select(
        custom_id=PICK,
        placeholder="Choose what you'd like to talk about",
        options=[
            discord.SelectOption(
                label=shorten(kind.name, limits.SELECT_LABEL),
                value=str(kind.id),
                description=shorten(kind.description, limits.SELECT_DESCRIPTION),
                emoji=emoji_of(kind),
            )
            for kind in kinds[: limits.SELECT_OPTIONS]
        ],
    )
    return stopped_view(menu)


async def _raise_out_of_date() -> None:
    raise OutOfDateError()
