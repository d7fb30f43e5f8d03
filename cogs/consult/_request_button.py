"""The shape every button about one request shares: ``consult:<action>:<request id>``.

Kept apart from ``_views`` (the staff card's and the member's buttons) and ``_close_views``
(the member's "Close my request"), which both build on it: ``_views`` imports ``_forms``,
which imports ``_close_views``, so neither can import the other's base.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Self

import discord

from cogs._components import PersistentButton, parse_id


class RequestIdButton(PersistentButton, template=r"consult:(?!)"):
    """A button about one request, ``consult:<action>:<request id>``; subclasses set the text.

    The base is never registered (its template matches nothing): each subclass has its own.
    """

    action: ClassVar[str]
    label: ClassVar[str]
    style: ClassVar[discord.ButtonStyle]

    def __init__(self, request_id: int | None) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.label,
                style=self.style,
                custom_id=f"consult:{self.action}:{request_id}",
            )
        )
        self.request_id = request_id
        self.where = f"button:consult:{self.action}"

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(parse_id(match["id"]))
