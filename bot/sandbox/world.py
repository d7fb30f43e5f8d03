"""The sandbox's simulated world: one server set up the way ``/setup`` would leave it.

Channels, roles, two consultation types, two scheduled meetings and the personas a viewer can
switch between.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord

from bot.bot import SupportBot

if TYPE_CHECKING:
    import simcord
    from simcord import ChannelHandle, GuildHandle, MemberActor, RoleHandle

log = logging.getLogger(__name__)

SERVER_NAME = "Recovery Circle (sandbox)"
RESPONSE_TIME = "In the sandbox, staff usually reply within a few hours."
BOT_NAME = "Recovery Circle Helper"
INTRO = (
    "Welcome to the sandbox! Nothing here is real: no real people and no real Discord, so try "
    "anything. `/help` shows what the bot does; try `/levels`, `/coping`, `/checkin` or "
    "`/consult` to ask for a consultant. Switch who you are with **Viewing as** at the top: "
    "Sam is new here, Alex has a milestone and check-ins, Jordan and Riley are staff, and "
    "Morgan is the admin. `/sandbox-show` moves this page to another channel, such as the "
    "staff queue or a private consultation thread."
)


SANDBOX_TYPES = (
    ("Recovery support", "Urges, relapse, coping and everyday support", "💬"),
    ("Family and friends", "For the people around someone in recovery", "👪"),
)
"""The sandbox's two consultation types (name, description, emoji), both for the Staff role,
so every staff persona sees and claims both."""


@dataclass(frozen=True)
class Personas:
    """The people a viewer can be in the page."""

    newcomer: MemberActor  # just joined: nothing stored yet
    member: MemberActor  # has a milestone and a couple of weeks of check-ins
    staff: tuple[MemberActor, MemberActor]
    admin: MemberActor  # Manage Server (runs /setup), also on the staff team

    def all(self) -> tuple[MemberActor, ...]:
        return (self.newcomer, self.member, *self.staff, self.admin)


@dataclass(frozen=True)
class SandboxServer:
    """The simulated server, set up the way ``/setup`` would leave a real one."""

    guild: GuildHandle
    welcome: ChannelHandle
    general: ChannelHandle
    meetings: ChannelHandle
    queue: ChannelHandle  # staff-only
    consultations: ChannelHandle  # private consultation threads live under it
    staff_role: RoleHandle
    admin_role: RoleHandle
    personas: Personas
    requesters: tuple[MemberActor, ...]  # other members whose requests sit in the queue
    tour_member: MemberActor  # the guided tour's scripted member (``bot.sandbox.tour``)

    def channel(self, name: str) -> ChannelHandle:
        for channel in (self.welcome, self.general, self.meetings, self.queue, self.consultations):
            if channel.name == name:
                return channel
        raise KeyError(name)


# --------------------------------------------------------------------------- the server


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def build_server(env: simcord.Env) -> SandboxServer:
    """Channels, roles, two scheduled meetings and the personas, in a fixed order.

    SimCord's clock and ids start from the same point every run, so building in the same
    order gives the same ids: data kept in the sandbox database lines up on the next run.
    """
    guild = env.create_guild(SERVER_NAME, description="A peer support group (sandbox)")
    staff_role = guild.create_role("Staff", color=0x4A90A4, hoist=True)
    admin_role = guild.create_role(
        "Admin", permissions=discord.Permissions(manage_guild=True, manage_roles=True)
    )
    me = env.bot.user
    assert me is not None  # SimCord logged the bot in before handing us the env
    hidden = discord.PermissionOverwrite(view_channel=False)
    read_only = discord.PermissionOverwrite(send_messages=False)
    seen = discord.PermissionOverwrite(
        view_channel=True, send_messages=True, read_message_history=True, embed_links=True
    )
    welcome = guild.create_text_channel(
        "welcome",
        topic="Say hello. This group is peer support, not an emergency service: /crisis",
        overwrites={guild.default_role: read_only, me: seen},
    )
    general = guild.create_text_channel("general", topic="Chat, /checkin, /levels, /consult")
    meetings = guild.create_text_channel("meetings", topic="Group meetings and reminders")
    room = guild.create_voice_channel("meeting-room")
    queue = guild.create_text_channel(
        "staff-queue",
        topic="Consultation requests (staff only)",
        overwrites={guild.default_role: hidden, staff_role: seen, admin_role: seen, me: seen},
    )
    consultations = guild.create_text_channel(
        "consultations",
        topic="Private consultation threads open here",
        overwrites={guild.default_role: read_only, me: seen},
    )
    now = env.now()
    tomorrow = (now + dt.timedelta(days=1)).replace(hour=19, minute=0, second=0, microsecond=0)
    guild.create_scheduled_event(
        "Evening peer support meeting",
        start_time=_iso(tomorrow),
        end_time=_iso(tomorrow + dt.timedelta(hours=1)),
        entity_type=2,  # voice
        channel=room,
        description="Opening, a check-in round, a topic, a check-out. Cameras optional.",
    )
    weekend = (now + dt.timedelta(days=3)).replace(hour=16, minute=0, second=0, microsecond=0)
    guild.create_scheduled_event(
        "Weekend check-in circle",
        start_time=_iso(weekend),
        end_time=_iso(weekend + dt.timedelta(minutes=45)),
        entity_type=3,  # external
        location="Text meeting in #meetings",
        description="A short text check-in round: how was your week, what helps.",
    )

    def person(name: str, display: str, roles: Sequence[RoleHandle] = ()) -> MemberActor:
        return guild.add_member(env.create_user(name, global_name=display), roles=roles)

    staff = (
        person("jordan_staff", "Jordan (staff)", [staff_role]),
        person("riley_staff", "Riley (staff)", [staff_role]),
    )
    admin = person("morgan_admin", "Morgan (admin)", [admin_role, staff_role])
    member = person("alex_member", "Alex (member)")
    requesters = (
        person("casey", "Casey"),
        person("drew", "Drew"),
        person("quinn", "Quinn"),
    )
    newcomer = person("sam_new", "Sam (new member)")
    tour_member = person("taylor", "Taylor")  # last: every id above stays as it was
    personas = Personas(newcomer=newcomer, member=member, staff=staff, admin=admin)
    return SandboxServer(
        guild=guild,
        welcome=welcome,
        general=general,
        meetings=meetings,
        queue=queue,
        consultations=consultations,
        staff_role=staff_role,
        admin_role=admin_role,
        personas=personas,
        requesters=requesters,
        tour_member=tour_member,
    )


async def configure(bot: SupportBot, server: SandboxServer, now: dt.datetime) -> None:
    """Write the configuration ``/setup`` would write for this server."""
    await bot.services.configs.update(
        server.guild.id,
        now,
        staff_role_id=server.staff_role.id,
        queue_channel_id=server.queue.id,
        consult_channel_id=server.consultations.id,
        response_time_text=RESPONSE_TIME,
        timezone="UTC",
        welcome_channel_id=server.welcome.id,
        meetings_channel_id=server.meetings.id,
        celebrate_channel_id=server.general.id,
    )
    types = bot.services.consult_types
    if not await types.list(server.guild.id):  # a kept database has them already
        for name, description, emoji in SANDBOX_TYPES:
            await types.add(
                server.guild.id,
                name=name,
                description=description,
                emoji=emoji,
                staff_role_id=server.staff_role.id,
                now=now,
            )


def fingerprint(server: SandboxServer) -> str:
    ids = [server.guild.id, *(p.id for p in server.personas.all())]
    return ",".join(str(i) for i in ids)
