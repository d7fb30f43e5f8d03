"""The safety plan's two forms (Discord allows five fields a form; the plan has seven parts).

Forms are layout only, answered from the submitted interaction itself (``handle_form``, called
by the cog's ``on_modal_submit``), so a form opened before a restart still works. Ids carry
only the part: ``safety-plan:form:1`` and ``safety-plan:form:2``; each field's id is its
section's key. A form whose id or fields are not ours is "out of date".
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import discord

from bot import limits
from bot.crisis import CrisisResources
from bot.errors import OutOfDateError
from bot.safety_plan import FORMS, SECTION_LIMIT, SafetyPlan, SafetyPlanService, Section
from bot.ui import send_ephemeral, shorten
from cogs._components import defer, guarded, stopped_view
from cogs.safety_plan import _embeds as render
from cogs.safety_plan._views import ContinueButton

log = logging.getLogger(__name__)

FORM = "safety-plan:form:"


class Forms(Protocol):
    """What the forms ask of the feature: its storage and the crisis lines."""

    @property
    def plans(self) -> SafetyPlanService: ...

    @property
    def crisis(self) -> CrisisResources: ...

    async def region(self, interaction: discord.Interaction[Any]) -> str: ...


def _field(section: Section, plan: SafetyPlan | None) -> discord.ui.Label[discord.ui.View]:
    text: discord.ui.TextInput[discord.ui.View] = discord.ui.TextInput(
        custom_id=section.key,
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=SECTION_LIMIT,
        default=plan.text(section.key) if plan else None,
        placeholder=shorten(section.example, 100),
    )
    return discord.ui.Label(
        text=shorten(section.title, limits.TEXT_INPUT_LABEL),
        description=shorten(section.question, 100),
        component=text,
    )


def plan_form(part: int, plan: SafetyPlan | None) -> discord.ui.Modal:
    """Form ``part`` (1 or 2), filled with what the plan already says."""
    modal = discord.ui.Modal(
        title=shorten(f"My safety plan ({part} of {len(FORMS)})", limits.MODAL_TITLE),
        custom_id=f"{FORM}{part}",
    )
    for section in FORMS[part - 1]:
        modal.add_item(_field(section, plan))
    modal.stop()  # discord.py keeps no handler for a stopped modal: ``handle_form`` answers it
    return modal


def _typed(interaction: discord.Interaction[Any]) -> dict[str, str]:
    """Every submitted text field's value, by its id, wherever it sits in the layout."""
    found: dict[str, str] = {}

    def visit(node: Any) -> None:
        if not isinstance(node, dict):
            return
        if isinstance(node.get("custom_id"), str) and isinstance(node.get("value"), str):
            found[node["custom_id"]] = node["value"]
        visit(node.get("component"))
        for child in node.get("components") or ():
            visit(child)

    data: dict[str, Any] = dict(interaction.data or {})
    for component in data.get("components") or ():
        visit(component)
    return found


def _part(custom_id: str) -> int:
    part = custom_id.removeprefix(FORM)
    if part not in {str(number) for number in range(1, len(FORMS) + 1)}:
        raise OutOfDateError()
    return int(part)


async def handle_form(feature: Forms, interaction: discord.Interaction[Any]) -> bool:
    """Answer a submitted safety-plan form; False when the form isn't ours."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if not custom_id.startswith("safety-plan:"):
        return False
    await guarded(interaction, "form:safety-plan", _submit(feature, interaction, custom_id))
    return True


async def _submit(feature: Forms, interaction: discord.Interaction[Any], custom_id: str) -> None:
    if not custom_id.startswith(FORM):
        raise OutOfDateError()
    part = _part(custom_id)
    typed = _typed(interaction)
    sections = FORMS[part - 1]
    if any(section.key not in typed for section in sections):
        raise OutOfDateError()  # a form of another shape: nothing of it is saved
    await defer(interaction)
    plan = await feature.plans.save(
        interaction.user.id,
        {section.key: typed[section.key] for section in sections},
        now=discord.utils.utcnow(),
    )
    # Only now, with the write committed, does the member hear "saved".
    if part < len(FORMS):
        view = stopped_view(ContinueButton(interaction.user.id, part + 1).item)
        await send_ephemeral(interaction, render.FIRST_PART_SAVED, view=view)
        return
    await send_ephemeral(
        interaction,
        render.PLAN_SAVED,
        embed=render.render_plan(plan, feature.crisis, await feature.region(interaction)),
    )
