"""What each channel ``/setup`` knows about needs: the one table ``/setup show`` checks and
``/setup quickstart`` builds.

The bot's own needs come from ``bot.permissions`` (the table the invite link reads too); this
module adds who else may see or manage each channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.permissions import FEATURE


@dataclass(frozen=True)
class ChannelPlan:
    column: str
    """The ``guild_config`` column that holds the channel."""
    name: str
    """The name ``/setup quickstart`` gives it (or adopts it by)."""
    label: str
    """What the admin reads: "Staff queue channel"."""
    bot_needs: tuple[str, ...]
    """What I need in it (``bot.permissions`` flag names)."""
    staff_only: bool = False
    """Hidden from @everyone; the staff role (and I) can see it."""
    staff_manage_threads: bool = False
    """The staff role manages threads here (so staff can help in every private thread)."""
    members_view: bool = False
    """Members must be able to see it (to join their private thread)."""


STAFF_ROLE_NAME = "Staff"
"""The role ``/setup quickstart`` makes (or adopts by name) for the people who claim requests."""

QUEUE = ChannelPlan(
    "queue_channel_id",
    "staff-queue",
    "Staff queue channel",
    FEATURE["queue_card"].permissions,
    staff_only=True,
)
CONSULT = ChannelPlan(
    "consult_channel_id",
    "consultations",
    "Consultation channel",
    FEATURE["private_thread"].permissions + FEATURE["thread_upkeep"].permissions,
    staff_manage_threads=True,
    members_view=True,
)
LOG = ChannelPlan(
    "log_channel_id",
    "bot-log",
    "Log channel",
    FEATURE["notices"].permissions,
    staff_only=True,
)
WELCOME = ChannelPlan(
    "welcome_channel_id", "welcome", "Welcome channel", FEATURE["notices"].permissions
)
MEETINGS = ChannelPlan(
    "meetings_channel_id", "meetings", "Meetings channel", FEATURE["notices"].permissions
)
CELEBRATE = ChannelPlan(
    "celebrate_channel_id", "celebrations", "Celebration channel", FEATURE["notices"].permissions
)

QUICKSTART_CHANNELS: tuple[ChannelPlan, ...] = (QUEUE, CONSULT, LOG, WELCOME, MEETINGS)
"""The channels ``/setup quickstart`` creates or adopts, in the order it reports them."""

CHECKED: tuple[ChannelPlan, ...] = (*QUICKSTART_CHANNELS, CELEBRATE)
"""Every channel ``/setup show`` checks."""
