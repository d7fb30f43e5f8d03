"""The buttons under a hard check-in and under check-in outreach's message."""

from __future__ import annotations

import discord

from cogs._handoff import CONSULT_START, coping_tip_button, safety_plan_button


def support_view(coping_topic: str, *, in_server: bool) -> discord.ui.View:
    """A coping idea on ``coping_topic`` (handled by the care feature), the member's own safety
    plan (handled by the safety-plan feature) and, in a server, a consultant button.

    The consultation queue lives in a server, so a DM gets no consultant button (the text
    points to `/consult` in the server and to `/crisis`). The view is stopped before sending:
    the clicks go to the care, safety-plan and consultation extensions' persistent items
    alone.
    """
    view = discord.ui.View(timeout=None)
    view.add_item(
        coping_tip_button(coping_topic, label="A coping idea", style=discord.ButtonStyle.secondary)
    )
    view.add_item(safety_plan_button())
    if in_server:
        view.add_item(
            discord.ui.Button(
                label="Talk to a consultant",
                style=discord.ButtonStyle.primary,
                custom_id=CONSULT_START,
            )
        )
    view.stop()
    return view
