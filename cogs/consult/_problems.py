"""What staff read about a request's stored problem code: a pure function (never member text).

``cogs.consult._embeds`` re-exports these, so renderers keep using ``render.describe_problem``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.permissions import FEATURE, label

NEEDED_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "card": FEATURE["queue_card"].permissions,
    "thread": FEATURE["private_thread"].permissions,
}
"""What I need in the queue channel (the card) and the consultation channel (the thread)."""


def permission_names(codes: Sequence[str]) -> str:
    return ", ".join(label(code) for code in codes)


def describe_problem(problem: str | None) -> str | None:
    """A staff-readable sentence for a stored problem code (never member text)."""
    if not problem:
        return None
    where, _, detail = problem.partition(":")
    where = "thread" if where == "thread" else "card"
    thing = "the private thread" if where == "thread" else "the queue card"
    if detail.startswith("missing:"):
        return (
            f"I couldn't create {thing}: I am missing "
            f"{permission_names(detail.removeprefix('missing:').split(','))} there."
        )
    if detail in _NOT_ADDED:
        return (
            f"Discord kept failing when I tried to add {_NOT_ADDED[detail]} to the private "
            "thread. Mentioning them in the thread adds them; I'll also try again when I next "
            "start."
        )
    if detail == "no_channel":
        channel = "consultation" if where == "thread" else "queue"
        return f"I couldn't create {thing}: the {channel} channel no longer exists. Run /setup."
    if detail == "forbidden":
        # Discord's 403 doesn't say which permission; the cached view showed none missing, so
        # name everything the job needs: one of them is blocked, often by a channel override.
        return (
            f"Discord refused to let me create {thing} (403 Missing Permissions). I need "
            f"{permission_names(NEEDED_PERMISSIONS[where])} there; one of them is blocked, "
            "perhaps by a channel override."
        )
    return f"Discord had trouble creating {thing}; I'll try again."


_NOT_ADDED = {"member_not_added": "the member", "claimer_not_added": "the claimer"}
