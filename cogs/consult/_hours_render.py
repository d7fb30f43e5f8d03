"""What a member is told when they ask out of hours or during a closure: pure functions.

Every one of these replies is sent with the crisis lines beside it (``cogs.consult._hours``).
"""

from __future__ import annotations

import discord

from bot.consultations import HoursMode, OutOfHours
from bot.ui import CALM, URGENT, add_field, embed, escape
from cogs.consult._embeds import ts


def _back(outside: OutOfHours) -> str:
    if outside.back_at is None:
        return "when they are next on duty"
    return f"{ts(outside.back_at, 'F')} ({ts(outside.back_at)})"


def hours_embed(outside: OutOfHours, *, mode: HoursMode, urgent: bool) -> discord.Embed:
    """The reply's "out of hours" part: when staff are back and what happens to the request
    (``mode`` as applied: an urgent request is never held, so it is passed as notice)."""
    closed = outside.closure is not None
    title = "We're closed right now" if closed else "Staff are away right now"
    back = _back(outside)
    if urgent:
        text = (
            "Staff are off duty right now, but an urgent request always reaches them at once: "
            f"I've let them know. Regular hours start again {back}."
        )
    elif mode is HoursMode.HOLD:
        text = (
            "Your request is saved and safe. Staff will see it when they are back, "
            f"{back}, and someone will get back to you then. You don't need to ask again."
        )
    elif mode is HoursMode.ROUTE:
        text = (
            "Your request is saved and has gone to the on-call team, who may reply before "
            f"regular hours start again {back}."
        )
    else:
        text = f"Staff are off duty right now; they are back {back}. Your request is saved."
    result = embed(title, text, colour=URGENT if urgent else CALM)
    if outside.closure is not None:
        add_field(result, "A message from the team", escape(outside.closure.message, 300))
    add_field(
        result,
        "If you need help sooner",
        "The lines below are free and open any time, and `/crisis` shows them again.",
    )
    return result
