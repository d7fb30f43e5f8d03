"""``/setup question add|edit|remove|list``: the questions a consultation type's form asks.

A subcommand group of ``/setup`` (Manage Server, checked again at run time on every command
and every autocomplete). The domain side is ``bot.consultations.intake``: it cleans every
typed text at the boundary, keeps a form to ``MAX_QUESTIONS`` (how urgent it is takes the
fifth of Discord's five fields) and scopes every change to this server's own types.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord
from discord import app_commands

from bot.bot import SupportBot
from bot.consultations import (
    LABEL_LIMIT,
    MAX_QUESTIONS,
    PLACEHOLDER_LIMIT,
    ConsultType,
    Form,
    IntakeService,
    Question,
    QuestionNotFoundError,
    Style,
    TypeNotFoundError,
)
from bot.errors import UserFacingError
from bot.services import Services
from bot.ui import QUIET, add_field, embed, escape, send_ephemeral
from cogs._checks import require_manager
from cogs._components import defer

log = logging.getLogger(__name__)

ACTION = "change the questions of a consultation type"
ANSWER_MAX = 1000

_STYLES = [
    app_commands.Choice(name="Paragraph (several lines)", value=Style.PARAGRAPH.value),
    app_commands.Choice(name="Short (one line)", value=Style.SHORT.value),
]

FORM_NOTE = (
    "Members see these after choosing the type, under “How soon do you need to talk?”. "
    "Requests already sent keep the questions as they were asked."
)


def _guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    require_manager(interaction, action=ACTION)
    if interaction.guild is None:  # pragma: no cover - a Member is always in a server
        raise UserFacingError("Please use this in a server.")
    return interaction.guild


def _style(choice: app_commands.Choice[str] | None) -> Style | None:
    if choice is None:
        return None
    if choice.value not in {style.value for style in Style}:  # a stale command
        raise UserFacingError("I don't know that style. Nothing was changed.")
    return Style(choice.value)


def _number(text: str) -> int:
    """The question's number on the form, as the autocomplete gives it (or typed: "2")."""
    cleaned = text.strip().split(".", 1)[0].strip()
    if not cleaned.isdigit():
        raise QuestionNotFoundError()
    return int(cleaned)


def describe(question: Question) -> str:
    """One question's settings, for the admin."""
    style = "Paragraph" if question.style is Style.PARAGRAPH else "Short"
    needed = "required" if question.required else "optional"
    line = f"{style} · {needed} · up to {question.max_length} characters"
    if question.placeholder:
        line += f"\nPlaceholder: {escape(question.placeholder, 120)}"
    return line


def render_form(kind: ConsultType, form: Form) -> discord.Embed:
    """``/setup question list``: the type's form, numbered as the commands name them."""
    name = escape(kind.name, 60)
    if form.own:
        intro = FORM_NOTE if form.questions else "No questions: members choose how urgent only."
    else:
        intro = (
            "Today's two questions (a note and a good time). Edit or remove them, or add up "
            "to two more, with `/setup question`. " + FORM_NOTE
        )
    result = embed(
        f"Questions of {name} ({len(form.questions)} of {MAX_QUESTIONS})", intro, colour=QUIET
    )
    for question in form.questions:
        add_field(result, f"{question.position}. {escape(question.label, 60)}", describe(question))
    return result


def _said(verb: str, question: Question, kind: ConsultType) -> str:
    return f"{verb} the question **{escape(question.label, 60)}** of **{escape(kind.name, 60)}**."


class QuestionCommands(app_commands.Group):
    """``/setup question``: built once by the setup cog."""

    def __init__(self, bot: SupportBot, services: Services) -> None:
        super().__init__(
            name="question",
            description="The questions each kind of consultation asks (Manage Server)",
        )
        self.bot = bot
        self.services = services

    @property
    def service(self) -> IntakeService:
        return self.services.intake

    async def _kind(self, guild: discord.Guild, name: str) -> ConsultType:
        kind = await self.services.consult_types.find(guild.id, name)
        if kind is None:
            raise TypeNotFoundError()
        return kind

    async def type_choices(
        self, interaction: discord.Interaction[SupportBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """This server's types whose name holds what is typed (nothing for non-admins)."""
        try:
            guild = _guild(interaction)
        except UserFacingError:
            return []
        typed = current.casefold()
        return [
            app_commands.Choice(name=kind.name, value=kind.name)
            for kind in await self.services.consult_types.list(guild.id)
            if typed in kind.name.casefold()
        ][:25]

    async def question_choices(
        self, interaction: discord.Interaction[SupportBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """The chosen type's questions, numbered (nothing for non-admins or no type)."""
        try:
            guild = _guild(interaction)
        except UserFacingError:
            return []
        chosen = getattr(interaction.namespace, "type", None)
        kind = await self.services.consult_types.find(guild.id, str(chosen or ""))
        if kind is None:
            return []
        form = await self.service.form(guild.id, kind.id)
        typed = current.casefold()
        return [
            app_commands.Choice(
                name=f"{q.position}. {q.label}"[:100], value=f"{q.position}. {q.label}"[:100]
            )
            for q in form.questions
            if typed in f"{q.position}. {q.label}".casefold()
        ]

    async def _reply(
        self,
        interaction: discord.Interaction[Any],
        guild: discord.Guild,
        kind: ConsultType,
        form: Form,
        said: str,
        event: str,
    ) -> None:
        log.info(
            "setup.question_%s guild=%s user=%s type=%s",
            event,
            guild.id,
            interaction.user.id,
            kind.id,
        )
        await send_ephemeral(interaction, said, embed=render_form(kind, form))

    @app_commands.command(name="add")
    @app_commands.rename(kind="type")
    @app_commands.describe(
        kind="The kind of consultation whose form asks it",
        label="The question, e.g. 'Who is this about?' (up to 45 characters)",
        style="Optional: a paragraph (default) or a short one-line answer",
        required="Optional: must members answer it? (default: no)",
        placeholder="Optional: grey example text in the empty field (up to 100 characters)",
        max_length="Optional: the longest answer, 1 to 1000 (default 1000; short: 200)",
    )
    @app_commands.choices(style=_STYLES)
    async def add(
        self,
        interaction: discord.Interaction[SupportBot],
        kind: app_commands.Range[str, 1, 100],
        label: app_commands.Range[str, 1, LABEL_LIMIT],
        style: app_commands.Choice[str] | None = None,
        required: bool = False,
        placeholder: app_commands.Range[str, 1, PLACEHOLDER_LIMIT] | None = None,
        max_length: app_commands.Range[int, 1, ANSWER_MAX] | None = None,
    ) -> None:
        """Add a question to a consultation type's form (up to 4 with how urgent it is)."""
        guild = _guild(interaction)
        chosen = _style(style) or Style.PARAGRAPH
        await defer(interaction)
        found = await self._kind(guild, kind)
        question, form = await self.service.add(
            guild.id,
            found.id,
            label=label,
            style=chosen,
            required=required,
            placeholder=placeholder,
            max_length=max_length,
        )
        await self._reply(interaction, guild, found, form, _said("Added", question, found), "added")

    @app_commands.command(name="edit")
    @app_commands.rename(kind="type")
    @app_commands.describe(
        kind="The kind of consultation",
        question="The question to change",
        label="Optional: new wording (up to 45 characters)",
        style="Optional: a paragraph or a short one-line answer",
        required="Optional: must members answer it?",
        placeholder="Optional: new grey example text (up to 100 characters)",
        clear_placeholder="Optional: remove the grey example text",
        max_length="Optional: the longest answer, 1 to 1000",
    )
    @app_commands.choices(style=_STYLES)
    async def edit(
        self,
        interaction: discord.Interaction[SupportBot],
        kind: app_commands.Range[str, 1, 100],
        question: app_commands.Range[str, 1, 100],
        label: app_commands.Range[str, 1, LABEL_LIMIT] | None = None,
        style: app_commands.Choice[str] | None = None,
        required: bool | None = None,
        placeholder: app_commands.Range[str, 1, PLACEHOLDER_LIMIT] | None = None,
        clear_placeholder: bool = False,
        max_length: app_commands.Range[int, 1, ANSWER_MAX] | None = None,
    ) -> None:
        """Change a question of a consultation type's form (whatever you leave empty is kept)."""
        guild = _guild(interaction)
        chosen = _style(style)
        number = _number(question)
        if placeholder is not None and clear_placeholder:
            raise UserFacingError(
                "You asked me to both set and clear the placeholder. Please choose one. "
                "Nothing was saved."
            )
        await defer(interaction)
        found = await self._kind(guild, kind)
        edited, form = await self.service.edit(
            guild.id,
            found.id,
            number,
            label=label,
            style=chosen,
            required=required,
            placeholder=placeholder,
            clear_placeholder=clear_placeholder,
            max_length=max_length,
        )
        await self._reply(interaction, guild, found, form, _said("Saved", edited, found), "edited")

    @app_commands.command(name="remove")
    @app_commands.rename(kind="type")
    @app_commands.describe(kind="The kind of consultation", question="The question to remove")
    async def remove(
        self,
        interaction: discord.Interaction[SupportBot],
        kind: app_commands.Range[str, 1, 100],
        question: app_commands.Range[str, 1, 100],
    ) -> None:
        """Remove a question from a consultation type's form (sent requests keep their answers)."""
        guild = _guild(interaction)
        number = _number(question)
        await defer(interaction)
        found = await self._kind(guild, kind)
        gone, form = await self.service.remove(guild.id, found.id, number)
        await self._reply(interaction, guild, found, form, _said("Removed", gone, found), "removed")

    @app_commands.command(name="list")
    @app_commands.rename(kind="type")
    @app_commands.describe(kind="The kind of consultation")
    async def list_questions(
        self,
        interaction: discord.Interaction[SupportBot],
        kind: app_commands.Range[str, 1, 100],
    ) -> None:
        """Show the questions a consultation type's form asks."""
        guild = _guild(interaction)
        found = await self._kind(guild, kind)
        form = await self.service.form(guild.id, found.id)
        await send_ephemeral(interaction, embed=render_form(found, form))

    add.autocomplete("kind")(type_choices)
    edit.autocomplete("kind")(type_choices)
    remove.autocomplete("kind")(type_choices)
    list_questions.autocomplete("kind")(type_choices)
    edit.autocomplete("question")(question_choices)
    remove.autocomplete("question")(question_choices)


def forms_field(forms: Sequence[tuple[ConsultType, Form]]) -> tuple[str, str]:
    """``/setup show``'s line a type: what its form asks besides how urgent."""
    lines = []
    for kind, form in forms:
        count = len(form.questions)
        asks = (
            f"{count} question{'s' if count != 1 else ''} of its own"
            if form.own
            else "today's note and good time"
        )
        lines.append(f"{escape(kind.name, 60)}: {asks}")
    return "Intake questions (`/setup question list`)", "\n".join(lines)
