"""The Discord permissions each feature needs: the one table ``/setup show``, the README's
invite list and ``python -m bot invite`` all read.

Permissions are plain names here (discord.py's ``Permissions`` flag names, such as
``send_messages``), so this module never imports discord; ``bit`` holds each flag's value from
Discord's API documentation, and ``tests/test_permissions.py`` checks them against discord.py.

To give a feature a new permission: add its name to the feature below (and, if it is new,
to ``PERMISSIONS`` with the label Discord's UI shows), then update the README's list: a test
fails until it matches.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass


@dataclass(frozen=True)
class Permission:
    name: str
    """discord.py's flag name."""
    label: str
    """What Discord's settings and invite screen call it."""
    bit: int
    """The flag's bit in Discord's permission integer."""


PERMISSIONS: dict[str, Permission] = {
    p.name: p
    for p in (
        Permission("manage_roles", "Manage Roles", 28),
        Permission("view_channel", "View Channel", 10),
        Permission("send_messages", "Send Messages", 11),
        Permission("send_messages_in_threads", "Send Messages in Threads", 38),
        Permission("create_private_threads", "Create Private Threads", 36),
        Permission("manage_threads", "Manage Threads", 34),
        Permission("embed_links", "Embed Links", 14),
        Permission("read_message_history", "Read Message History", 16),
        Permission("pin_messages", "Pin Messages", 51),
    )
}
"""Every permission the bot asks for, in the order the README lists them."""


@dataclass(frozen=True)
class Feature:
    key: str
    what: str
    """What needs it, in plain words for the admin."""
    where: str
    """Where the bot needs it: the channel it is checked in."""
    permissions: tuple[str, ...]


FEATURES: tuple[Feature, ...] = (
    Feature(
        "queue_card",
        "the staff queue card for each request",
        "the staff queue channel",
        ("view_channel", "send_messages", "embed_links"),
    ),
    Feature(
        "private_thread",
        "a private thread for each claimed request",
        "the consultation channel",
        ("view_channel", "create_private_threads", "send_messages_in_threads"),
    ),
    Feature(
        "thread_upkeep",
        "adding staff to a request's thread, closing and locking it, and removing a member's "
        "note from it when they delete their data",
        "the consultation channel",
        ("manage_threads", "read_message_history"),
    ),
    Feature(
        "notices",
        "the log, welcome, meetings and celebration messages",
        "each of those channels",
        ("view_channel", "send_messages", "embed_links"),
    ),
    Feature(
        "guidelines_post",
        "/post-guidelines: posting and pinning the guidelines",
        "the channel it is used in",
        ("view_channel", "send_messages", "embed_links", "pin_messages"),
    ),
    Feature(
        "guidelines_role",
        'the "I agree" button, which gives the member role',
        "the server (my role must also be above the member role)",
        ("manage_roles",),
    ),
)
"""What each feature needs, and where."""

FEATURE: dict[str, Feature] = {feature.key: feature for feature in FEATURES}


def invite_permissions() -> tuple[Permission, ...]:
    """Every permission some feature needs, in ``PERMISSIONS`` order: what the invite asks for."""
    needed = {name for feature in FEATURES for name in feature.permissions}
    unknown = needed - set(PERMISSIONS)
    if unknown:
        raise ValueError(f"permissions without a label: {sorted(unknown)}")
    return tuple(p for p in PERMISSIONS.values() if p.name in needed)


def invite_integer() -> int:
    """The permission integer of the invite link."""
    value = 0
    for permission in invite_permissions():
        value |= 1 << permission.bit
    return value


def label(name: str) -> str:
    return PERMISSIONS[name].label if name in PERMISSIONS else name.replace("_", " ").title()


OAUTH_URL = "https://discord.com/oauth2/authorize"


def invite_url(client_id: int) -> str:
    """The link that adds the bot to a server with exactly ``invite_permissions()``."""
    return (
        f"{OAUTH_URL}?client_id={client_id}&scope=bot+applications.commands"
        f"&permissions={invite_integer()}"
    )


def client_id_from_token(token: str) -> int | None:
    """The application id a bot token starts with, or None when it does not look like one.

    A bot token's first dot-separated segment is the bot's user id in base64, and a bot's user
    id is its application's id (the OAuth2 client id)."""
    first = token.strip().split(".", 1)[0]
    if not first:
        return None
    padded = first.replace("-", "+").replace("_", "/") + "=" * (-len(first) % 4)
    try:
        decoded = base64.b64decode(padded, validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(decoded) if decoded.isdigit() and len(decoded) >= 15 else None
