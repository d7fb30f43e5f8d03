"""Buttons that hand a member over to the consultation queue.

The consultation extension owns the handlers for ``consult:start`` and
``consult:start:urgent`` (persistent ``DynamicItem``s). The group features only *show*
these buttons, so the view is stopped before sending: discord.py then keeps no handler of
ours for it, and the click goes to the consultation extension alone.
"""

from __future__ import annotations

import discord

CONSULT_START = "consult:start"
CONSULT_START_URGENT = "consult:start:urgent"


def consult_button_view(*, urgent: bool) -> discord.ui.View:
    """A view with one "Talk to a consultant" button, handled by the consultation extension."""
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label="Talk to a consultant now" if urgent else "Talk to a consultant",
            style=discord.ButtonStyle.danger if urgent else discord.ButtonStyle.primary,
            custom_id=CONSULT_START_URGENT if urgent else CONSULT_START,
        )
    )
    view.stop()
    return view
