"""Who a command is for, and what a person may see in ``/help`` where they are.

A command is for members, staff or admins (``audience_of``). A person sees the member part
everywhere; the staff part in a server where they are staff, decided as the consultation queue
decides it (``bot.consultations.coverage``: the server's staff role, a consultation type's
staff role, or Administrator); the admin part with Manage Server. A server Administrator sees
everything. In a DM (no server) everyone sees the member part only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import discord
from discord import app_commands

from bot.consultations import coverage
from bot.errors import StaffOnlyError, TryAgainError, UserFacingError
from bot.services import Services

log = logging.getLogger(__name__)

Audience = Literal["member", "staff", "admin"]

AUDIENCE_TITLES: dict[Audience, str] = {
    "member": "For everyone",
    "staff": "For staff and consultants",
    "admin": "For server admins",
}

AnyCommand = app_commands.Command[Any, ..., Any]


def audience_of(command: AnyCommand | app_commands.Group) -> Audience:
    """Who a command is for: an explicit ``extras['audience']``, else from its permissions."""
    node: AnyCommand | app_commands.Group | None = command
    while node is not None:
        audience = node.extras.get("audience")
        if audience in AUDIENCE_TITLES:
            return audience  # type: ignore[no-any-return]
        permissions = node.default_permissions
        if permissions is not None and (permissions.manage_guild or permissions.administrator):
            return "admin"
        node = node.parent
    return "member"


def iter_leaf_commands(tree: app_commands.CommandTree[Any]) -> Iterator[AnyCommand]:
    """Every command a person can run (subcommands, not the groups that hold them)."""
    for command in tree.walk_commands():
        if isinstance(command, app_commands.Command):
            yield command


def server_only(command: AnyCommand) -> bool:
    """Whether the command can only be used inside a server (Discord reads this from the
    top-level command: a subcommand's own setting is ignored)."""
    root = command.root_parent or command
    contexts = root.allowed_contexts
    return root.guild_only or (contexts is not None and not contexts.dm_channel)


@dataclass(frozen=True)
class Viewer:
    """What one person may see in ``/help``: the audiences, and whether they are in a server."""

    audiences: frozenset[Audience]
    in_server: bool

    def may_see(self, audience: Audience) -> bool:
        return audience in self.audiences


MEMBER_ONLY = frozenset[Audience]({"member"})
EVERYONE = frozenset[Audience]({"member", "staff", "admin"})


async def viewer_of(interaction: discord.Interaction[Any], services: Services) -> Viewer:
    """What the person behind ``interaction`` may see here (one cached read at most).

    When storage cannot be read, staff tools are not shown (a staff member is told nothing is
    wrong: the member part and, with Manage Server, the admin part still answer).
    """
    user = interaction.user
    if interaction.guild is None or not isinstance(user, discord.Member):
        return Viewer(MEMBER_ONLY, in_server=False)
    permissions = user.guild_permissions
    if permissions.administrator:
        return Viewer(EVERYONE, in_server=True)
    audiences: set[Audience] = {"member"}
    if permissions.manage_guild:
        audiences.add("admin")
    try:
        config = await services.configs.get(user.guild.id)
        kinds = await services.consult_types.list(user.guild.id)
    except TryAgainError:
        log.info("help.staff_unknown guild=%s user=%s", user.guild.id, user.id)
    else:
        roles = {role.id for role in user.roles}
        if coverage(roles, config, kinds, admin=False).anything:
            audiences.add("staff")
    return Viewer(frozenset(audiences), in_server=True)


def require_audience(viewer: Viewer, audience: Audience) -> None:
    """Refuse a page of ``audience`` to a person who may not see it (a forged button)."""
    if viewer.may_see(audience):
        return
    if not viewer.in_server:
        raise UserFacingError(
            "Staff and admin tools are listed inside the server: use `/help` there."
        )
    if audience == "staff":
        raise StaffOnlyError()
    raise UserFacingError("Only people with the Manage Server permission can see the admin tools.")
