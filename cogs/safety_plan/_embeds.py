"""What the safety plan's commands say (pure functions of the plan and the crisis lines).

Every page that shows the plan, or says there is none yet, carries the crisis lines: a member
opens it in a hard moment. Discord counts every embed of a message against one 6,000
character total, so each section is shown cut to ``SECTION_SHOWN`` (escaping can lengthen a
text full of markdown marks); ``tests/test_safety_plan_commands.py`` checks the worst case.
"""

from __future__ import annotations

import discord

from bot.crisis import CrisisResources, crisis_lines
from bot.safety_plan import FORMS, SECTIONS, SafetyPlan
from bot.ui import WARM, add_field, embed, escape

SECTION_SHOWN = 600
"""The most characters of one section shown (it is kept whole: at most 400 typed ones)."""

CRISIS_FIELD = "If you need someone now"

ABOUT = (
    "A safety plan is a short list, in your own words, of what helps you get through a hard "
    "moment: signs to notice, things to try, people to reach. Only you can see it."
)

NO_PLAN = (
    "You haven't made a safety plan yet. Whenever you're ready, `/safety-plan edit` walks you "
    "through it in two short forms (a few minutes, and you can leave any part blank). "
    "Only you will see it."
)

FIRST_PART_SAVED = (
    "The first part of your plan is saved. Press **Continue** for the last "
    f"{len(FORMS[1])} parts whenever you're ready, or come back later with `/safety-plan edit`."
)

PLAN_SAVED = "Your safety plan is saved. `/safety-plan show` brings it back any time."

DELETE_QUESTION = (
    "Delete your safety plan? This cannot be undone. You can always make a new one with "
    "`/safety-plan edit`."
)
NOTHING_TO_DELETE = "You don't have a safety plan saved, so there is nothing to delete."
DELETED = "Your safety plan is deleted. You can make a new one any time with `/safety-plan edit`."
KEPT = "Your safety plan is kept, unchanged."
NOT_YOURS = "This question belongs to someone else. Run `/safety-plan` yourself if you need it."


def _with_crisis(
    result: discord.Embed, crisis: CrisisResources, region: str | None
) -> discord.Embed:
    add_field(result, CRISIS_FIELD, crisis_lines(crisis, region))
    return result


def render_plan(
    plan: SafetyPlan, crisis: CrisisResources, region: str | None = None
) -> discord.Embed:
    """The plan as written, section by section, then ``region``'s crisis lines."""
    result = embed(
        "My safety plan",
        "Your plan, in your words. Only you can see this; `/safety-plan edit` changes it.",
        colour=WARM,
    )
    for section in SECTIONS:
        text = plan.text(section.key)
        add_field(result, section.title, escape(text, SECTION_SHOWN) if text else "Not yet written")
    return _with_crisis(result, crisis, region)


def render_no_plan(crisis: CrisisResources, region: str | None = None) -> discord.Embed:
    """There is no plan yet: what one is and how to start, with ``region``'s crisis lines."""
    result = embed("My safety plan", f"{ABOUT}\n\n{NO_PLAN}", colour=WARM)
    return _with_crisis(result, crisis, region)
