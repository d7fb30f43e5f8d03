"""Routing by consultation type, through SimCord (issue 19, step 2).

A member picks a type (the type replaces the topic); the request stores it; its card lands in
the type's queue channel pinging the type's staff; only that staff (or an admin) can claim
it, and its thread is made in the type's consultation channel. ``/queue`` shows each staff
member the types their roles cover. ``/setup panel`` posts persistent buttons per type. A
server with no types is unchanged (the rest of the suite is that net).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord
import pytest
import simcord

from bot.consultations import ConsultType, Status, Topic
from bot.settings import Settings
from tests.conftest import ConsultServer, make_consult_server, restart
from tests.helpers import text_of, the_bot
from tests.reliability import assert_polite, said
from tests.test_consult_blocks import CRISIS_LINES
from tests.test_consult_staff import button_ids
from tests.test_consult_types import open_to
from tests.test_permission_edges import copy_with_buttons


@dataclass
class Routed:
    """A consultation server with two types, each with its own team and channels.

    *Family support* has its own queue and consultation channels and an urgent fallback role
    (``leads``); *Intake* has its own queue but uses the server's consultation channel.
    """

    server: ConsultServer
    family: ConsultType
    intake: ConsultType
    family_role: simcord.RoleHandle
    intake_role: simcord.RoleHandle
    leads: simcord.RoleHandle
    family_queue: simcord.ChannelHandle
    family_consult: simcord.ChannelHandle
    intake_queue: simcord.ChannelHandle
    family_staff: simcord.MemberActor
    intake_staff: simcord.MemberActor

    @property
    def env(self) -> simcord.Env:
        return self.server.env

    @property
    def member(self) -> simcord.MemberActor:
        return self.server.member


def _staff_channel(
    env: simcord.Env, guild: simcord.GuildHandle, name: str, role: simcord.RoleHandle
) -> simcord.ChannelHandle:
    assert env.bot.user is not None
    return guild.create_text_channel(
        name,
        overwrites={
            guild.default_role: discord.PermissionOverwrite(view_channel=False),
            role: discord.PermissionOverwrite(view_channel=True),
            guild.roles[env.bot.user.name]: discord.PermissionOverwrite(view_channel=True),
        },
    )


async def make_routed(env: simcord.Env) -> Routed:
    server = await make_consult_server(env)
    guild = server.guild
    family_role = guild.create_role("Family team")
    intake_role = guild.create_role("Intake team")
    leads = guild.create_role("Leads")
    family_queue = _staff_channel(env, guild, "family-queue", family_role)
    intake_queue = _staff_channel(env, guild, "intake-queue", intake_role)
    family_consult = guild.create_text_channel(
        "family-talks",
        overwrites={family_role: discord.PermissionOverwrite(manage_threads=True)},
    )
    types = the_bot(env).services.consult_types
    family = await types.add(
        guild.id,
        name="Family support",
        description="For family members and friends",
        emoji="👪",
        staff_role_id=family_role.id,
        queue_channel_id=family_queue.id,
        consult_channel_id=family_consult.id,
        response_time_text="A family volunteer replies within two days.",
        urgent_fallback_role_id=leads.id,
        now=env.now(),
    )
    intake = await types.add(
        guild.id,
        name="Intake",
        description="Finding a treatment place",
        staff_role_id=intake_role.id,
        queue_channel_id=intake_queue.id,
        now=env.now(),
    )
    return Routed(
        server=server,
        family=family,
        intake=intake,
        family_role=family_role,
        intake_role=intake_role,
        leads=leads,
        family_queue=family_queue,
        family_consult=family_consult,
        intake_queue=intake_queue,
        family_staff=guild.add_member(env.create_user("family0"), roles=[family_role]),
        intake_staff=guild.add_member(env.create_user("intake0"), roles=[intake_role]),
    )


@pytest.fixture
async def routed(env: simcord.Env) -> Routed:
    return await make_routed(env)


async def choose(
    routed: Routed,
    kind: ConsultType,
    member: simcord.MemberActor | None = None,
    *,
    urgency: str = "routine",
    note: str = "",
) -> simcord.InteractionResult:
    """``/consult``, pick ``kind`` in the menu, send the form."""
    member = member or routed.member
    offered = await member.slash(routed.server.general, "consult")
    assert offered.modal is None
    assert offered.ephemeral
    assert offered.response is not None
    shown = await member.select(offered.response, [str(kind.id)])
    assert shown.modal is not None, said(shown)
    values: dict[str, object] = {"urgency": [urgency]}
    if note:
        values["note"] = note
    return await member.submit_modal(shown, values)


def cards_in(channel: simcord.ChannelHandle) -> list[discord.Message]:
    return [
        m for m in channel.history() if m.embeds and (m.embeds[0].title or "").startswith("Req")
    ]


def card_posts(env: simcord.Env, channel: simcord.ChannelHandle) -> list[dict[str, Any]]:
    return [
        r.json
        for r in env.http_requests
        if r.method == "POST"
        and r.path == f"/channels/{channel.id}/messages"
        and isinstance(r.json, dict)
        and r.json.get("embeds")
    ]


def field(message: discord.Message, name: str) -> str:
    return next((f.value or "") for f in message.embeds[0].fields if f.name == name)


async def row_of(env: simcord.Env, member: simcord.MemberActor) -> Any:
    row = await the_bot(env).db.fetchone(
        "SELECT id, number, type_id, topic, status, claimed_by, thread_id FROM consultations "
        "WHERE member_id = ? ORDER BY id DESC",
        (member.id,),
    )
    assert row is not None
    return row


# --------------------------------------------------------------------------- the member's choice


async def test_consult_offers_the_types_and_stores_the_chosen_one(routed: Routed) -> None:
    offered = await routed.member.slash(routed.server.general, "consult")

    assert offered.ephemeral
    assert offered.modal is None
    assert "What would you like to talk about?" in said(offered)
    assert button_ids(offered.response) == ["consult:pick"]  # type: ignore[arg-type]
    menu = offered.response.components[0]["components"][0]  # type: ignore[union-attr]
    options = [(o["label"], o["value"], o.get("description")) for o in menu["options"]]
    assert options == [
        ("Family support", str(routed.family.id), "For family members and friends"),
        ("Intake", str(routed.intake.id), "Finding a treatment place"),
    ]
    assert menu["options"][0]["emoji"]["name"] == "👪"

    shown = await routed.member.select(offered.response, [str(routed.family.id)])
    assert shown.modal is not None
    assert shown.modal["custom_id"] == f"consult:form:{routed.family.id}"
    assert shown.modal["title"] == "Family support"
    assert "topic" not in str(shown.modal)  # the type replaces the topic
    sent = await routed.member.submit_modal(shown, {"urgency": ["soon"], "note": "my brother"})

    receipt = said(sent)
    assert "Your request #1 is in" in receipt
    assert "👪 Family support" in receipt
    assert "A family volunteer replies within two days." in receipt
    assert "Staff usually reply within a few hours." not in receipt
    row = await row_of(routed.env, routed.member)
    assert row["type_id"] == routed.family.id
    assert row["topic"] == Topic.OTHER.value


async def test_a_type_without_its_own_response_text_shows_the_servers(routed: Routed) -> None:
    sent = await choose(routed, routed.intake)

    assert "Staff usually reply within a few hours." in said(sent)
    assert (await row_of(routed.env, routed.member))["type_id"] == routed.intake.id


async def test_asking_again_shows_the_request_with_its_type(routed: Routed) -> None:
    await choose(routed, routed.family)

    again = await routed.member.slash(routed.server.general, "consult")
    status = await routed.member.slash(routed.server.general, "consult-status")

    assert "You already have request #1" in said(again)
    assert "👪 Family support" in said(again)
    assert "👪 Family support" in said(status)
    assert "A family volunteer replies within two days." in said(status)


# --------------------------------------------------------------------------- the staff side


async def test_each_card_lands_in_its_types_queue_with_its_own_ping(routed: Routed) -> None:
    env = routed.env
    await choose(routed, routed.family, urgency="urgent")
    await choose(routed, routed.intake, routed.server.members[1], urgency="urgent")

    family_card = cards_in(routed.family_queue)
    intake_card = cards_in(routed.intake_queue)
    assert len(family_card) == 1
    assert len(intake_card) == 1
    assert cards_in(routed.server.queue) == []
    assert field(family_card[0], "Type") == "👪 Family support"
    assert field(intake_card[0], "Type") == "Intake"

    family_post = card_posts(env, routed.family_queue)[0]
    intake_post = card_posts(env, routed.intake_queue)[0]
    assert [int(r) for r in family_post["allowed_mentions"]["roles"]] == [
        routed.family_role.id,
        routed.leads.id,
    ]
    assert routed.family_role.mention in family_post["content"]
    assert routed.leads.mention in family_post["content"]
    assert [int(r) for r in intake_post["allowed_mentions"]["roles"]] == [routed.intake_role.id]
    assert routed.server.staff_role.mention not in intake_post["content"]


async def test_a_routine_card_pings_only_that_types_staff_on_call(routed: Routed) -> None:
    env = routed.env
    # Someone of each team is on call; the server's staff member too.
    for person in (routed.family_staff, routed.intake_staff, routed.server.staff[0]):
        on = await person.slash(routed.server.general, "oncall on")
        assert "on call" in said(on)

    await choose(routed, routed.family)

    post = card_posts(env, routed.family_queue)[0]
    assert [int(u) for u in post["allowed_mentions"]["users"]] == [routed.family_staff.id]
    assert post["allowed_mentions"].get("roles", []) == []


async def test_staff_of_one_type_cannot_claim_the_others_card(routed: Routed) -> None:
    await choose(routed, routed.family)
    card = cards_in(routed.family_queue)[0]
    # A copy of the card's Claim button, where the intake team and the server's staff see it.
    copy = await copy_with_buttons(routed.env, routed.server.general, "consult:claim:1")

    refused = await routed.intake_staff.click(copy, label="button 0")
    server_staff = await routed.server.staff[0].click(copy, label="button 0")

    text = assert_polite(refused)
    assert "“Family support” request" in text
    assert "only that type's staff role can claim it" in text
    assert "“Family support” request" in assert_polite(server_staff)
    assert (await row_of(routed.env, routed.member))["status"] == Status.OPEN.value

    claimed = await routed.family_staff.click(card, label="Claim")

    assert "You claimed request #1" in said(claimed)
    row = await row_of(routed.env, routed.member)
    assert row["claimed_by"] == routed.family_staff.id
    # The thread is in the type's own consultation channel.
    assert [t.id for t in routed.family_consult.threads] == [row["thread_id"]]
    assert routed.server.consult.threads == []


async def test_staff_of_one_type_cannot_close_the_others_card(routed: Routed) -> None:
    await choose(routed, routed.family)
    copy = await copy_with_buttons(routed.env, routed.server.general, "consult:close:1")

    refused = await routed.intake_staff.click(copy, label="button 0")
    allowed = await routed.family_staff.click(cards_in(routed.family_queue)[0], label="Close")

    assert "only that type's staff role can close it" in assert_polite(refused)
    assert refused.modal is None
    assert allowed.modal is not None


async def test_an_admin_can_claim_any_type(routed: Routed) -> None:
    env = routed.env
    guild = routed.server.guild
    boss_role = guild.create_role("Owner", permissions=discord.Permissions(administrator=True))
    boss = guild.add_member(env.create_user("boss"), roles=[boss_role])
    await choose(routed, routed.intake)

    claimed = await boss.click(cards_in(routed.intake_queue)[0], label="Claim")

    assert "You claimed request #1" in said(claimed)
    # Intake has no consultation channel of its own: the server's is used.
    assert len(routed.server.consult.threads) == 1


async def test_the_crisis_safety_nets_requests_stay_with_the_servers_staff(routed: Routed) -> None:
    env = routed.env
    pressed = await routed.member.click(
        await copy_with_buttons(env, routed.server.general, "consult:start:urgent"),
        label="button 0",
    )

    assert "Your request #1 is in" in said(pressed)
    assert (await row_of(env, routed.member))["type_id"] is None
    assert len(cards_in(routed.server.queue)) == 1
    copy = await copy_with_buttons(env, routed.server.general, "consult:claim:1")
    refused = await routed.family_staff.click(copy, label="button 0")
    assert "“General” request" in assert_polite(refused)


# --------------------------------------------------------------------------- /queue per type


async def test_queue_list_next_and_stats_cover_the_callers_types(routed: Routed) -> None:
    env = routed.env
    members = [routed.member, *routed.server.members[1:]]
    await choose(routed, routed.family, members[0])
    await choose(routed, routed.intake, members[1])

    family_list = await routed.family_staff.slash(routed.server.general, "queue list")
    listed = said(family_list)
    assert "1 waiting" in listed
    assert "#1" in listed
    assert "Family support" in listed
    assert "#2" not in listed
    assert "Showing the types your roles cover: Family support" in listed

    general = said(await routed.server.staff[0].slash(routed.server.general, "queue list"))
    assert "0 waiting" in general
    assert "Nobody is waiting right now." in general

    stats = said(await routed.intake_staff.slash(routed.server.general, "queue stats"))
    assert "Showing the types your roles cover: Intake" in stats

    took = await routed.intake_staff.slash(routed.server.general, "queue next")
    assert "You claimed request #2" in said(took)
    row = await row_of(env, members[1])
    assert row["claimed_by"] == routed.intake_staff.id

    nothing = await routed.intake_staff.slash(routed.server.general, "queue next")
    assert "Nobody is waiting right now." in said(nothing)
    assert (await row_of(env, members[0]))["status"] == Status.OPEN.value


async def test_queue_stats_counts_only_covered_types(routed: Routed) -> None:
    members = [routed.member, *routed.server.members[1:]]
    await choose(routed, routed.family, members[0])
    await choose(routed, routed.intake, members[1])

    family = await routed.family_staff.slash(routed.server.general, "queue stats")
    admin = await routed.server.guild.add_member(
        routed.env.create_user("owner"),
        roles=[
            routed.server.guild.create_role(
                "Owner", permissions=discord.Permissions(administrator=True)
            )
        ],
    ).slash(routed.server.general, "queue stats")

    assert "Waiting\n1\n" in said(family)
    assert "Waiting\n2\n" in said(admin)
    assert "Showing the types" not in said(admin)


async def test_someone_with_no_staff_role_is_still_refused(routed: Routed) -> None:
    refused = await routed.server.members[1].slash(routed.server.general, "queue list")

    assert refused.ephemeral
    assert "0 waiting" not in said(refused)


# --------------------------------------------------------------------------- refusals


async def test_a_forged_type_from_another_server_is_refused(routed: Routed) -> None:
    env = routed.env
    other = await make_consult_server(env)
    theirs = await the_bot(env).services.consult_types.add(
        other.guild.id,
        name="Theirs",
        description="Another server's type",
        staff_role_id=other.staff_role.id,
        now=env.now(),
    )
    # A panel button, and a form, naming the other server's type.
    copy = await copy_with_buttons(env, routed.server.general, f"consult:panel:{theirs.id}")
    pressed = await routed.member.click(copy, label="button 0")

    text = assert_polite(pressed)
    assert "out of date" in text
    assert button_ids(pressed.response) == ["consult:pick"]  # type: ignore[arg-type]

    offered = await routed.member.slash(routed.server.general, "consult")
    assert offered.response is not None
    shown = await routed.member.select(offered.response, [str(routed.family.id)])
    assert shown.modal is not None
    shown._interaction.modal["custom_id"] = f"consult:form:{theirs.id}"  # type: ignore[index]
    forged = await routed.member.submit_modal(shown, {"urgency": ["routine"]})

    text = assert_polite(forged)
    assert "isn't offered here any more" in text
    for line in CRISIS_LINES:
        assert line in text
    count = await the_bot(env).db.fetchone("SELECT COUNT(*) FROM consultations")
    assert count is not None
    assert count[0] == 0


async def test_a_blocked_member_is_refused_before_the_choice(routed: Routed) -> None:
    env = routed.env
    await the_bot(env).services.consult_blocks.add(
        guild_id=routed.server.guild.id,
        member_id=routed.member.id,
        blocked_by=routed.server.staff[0].id,
        reason=None,
        now=env.now(),
    )

    asked = await routed.member.slash(routed.server.general, "consult")

    text = said(asked)
    assert "paused for you" in text
    assert asked.modal is None
    for line in CRISIS_LINES:
        assert line in text


# --------------------------------------------------------------------------- restarts


async def test_a_form_opened_before_a_restart_is_still_sent(
    routed: Routed, settings: Settings
) -> None:
    env = routed.env
    offered = await routed.member.slash(routed.server.general, "consult")
    assert offered.response is not None
    shown = await routed.member.select(offered.response, [str(routed.family.id)])
    assert shown.modal is not None

    await restart(env, settings)
    sent = await routed.member.submit_modal(shown, {"urgency": ["routine"]})

    assert "Your request #1 is in" in said(sent)
    assert (await row_of(env, routed.member))["type_id"] == routed.family.id
    assert len(cards_in(routed.family_queue)) == 1


async def test_the_menu_still_works_after_a_restart(routed: Routed, settings: Settings) -> None:
    offered = await routed.member.slash(routed.server.general, "consult")
    assert offered.response is not None

    await restart(routed.env, settings)
    shown = await routed.member.select(offered.response, [str(routed.intake.id)])

    assert shown.modal is not None
    assert shown.modal["custom_id"] == f"consult:form:{routed.intake.id}"


async def test_a_form_for_a_type_removed_meanwhile_answers_politely(routed: Routed) -> None:
    offered = await routed.member.slash(routed.server.general, "consult")
    assert offered.response is not None
    shown = await routed.member.select(offered.response, [str(routed.intake.id)])
    assert shown.modal is not None
    await the_bot(routed.env).services.consult_types.remove(
        routed.server.guild.id, routed.intake.id
    )

    sent = await routed.member.submit_modal(shown, {"urgency": ["routine"]})

    text = assert_polite(sent)
    assert "isn't offered here any more" in text
    assert "988" in text


# --------------------------------------------------------------------------- the panel


async def post_panel(server: ConsultServer, channel: simcord.ChannelHandle) -> discord.Message:
    done = await server.admin.slash(server.general, "setup panel", channel=channel)
    assert "Posted the panel" in said(done), said(done)
    panels = [
        m for m in channel.history() if m.embeds and m.embeds[0].title == "Talk to a consultant"
    ]
    return panels[-1]


async def test_the_panel_has_a_button_per_type_that_survives_a_restart(
    routed: Routed, settings: Settings
) -> None:
    server = routed.server
    panel = await post_panel(server, server.general)

    assert button_ids(panel) == [
        f"consult:panel:{routed.family.id}",
        f"consult:panel:{routed.intake.id}",
        "dm:start",
    ]
    assert "For family members and friends" in text_of(panel)
    assert "/crisis" in text_of(panel)

    await restart(routed.env, settings)
    pressed = await routed.member.click(panel, custom_id=f"consult:panel:{routed.family.id}")

    assert pressed.modal is not None
    assert pressed.modal["custom_id"] == f"consult:form:{routed.family.id}"
    sent = await routed.member.submit_modal(pressed, {"urgency": ["routine"]})
    assert "Your request #1 is in" in said(sent)
    assert len(cards_in(routed.family_queue)) == 1


async def test_a_removed_types_panel_button_is_out_of_date(routed: Routed) -> None:
    server = routed.server
    panel = await post_panel(server, server.general)
    await the_bot(routed.env).services.consult_types.remove(server.guild.id, routed.intake.id)

    pressed = await routed.member.click(panel, custom_id=f"consult:panel:{routed.intake.id}")

    text = assert_polite(pressed)
    assert "out of date" in text
    for line in CRISIS_LINES:
        assert line in text
    assert pressed.modal is None
    menu = pressed.response.components[0]["components"][0]  # type: ignore[union-attr]
    assert [o["label"] for o in menu["options"]] == ["Family support"]

    fresh = await post_panel(server, server.general)
    assert button_ids(fresh) == [f"consult:panel:{routed.family.id}", "dm:start"]


async def test_a_panel_in_a_server_without_types_has_one_button(
    consult_server: ConsultServer,
) -> None:
    panel = await post_panel(consult_server, consult_server.general)

    assert button_ids(panel) == ["consult:start", "dm:start"]  # and a request by DM
    pressed = await consult_server.member.click(panel, label="Talk to a consultant")
    assert pressed.modal is not None
    assert pressed.modal["custom_id"] == "consult:form"


async def test_the_panel_is_for_admins_and_needs_my_permissions(routed: Routed) -> None:
    server = routed.server
    await open_to(server, server.staff[0])  # Discord's hint no longer hides it
    staff = await server.staff[0].slash(server.general, "setup panel", channel=server.general)
    assert "Posted the panel" not in assert_polite(staff)
    assert "Manage Server" in said(staff)

    assert routed.env.bot.user is not None
    hidden = server.guild.create_text_channel(
        "no-bot",
        overwrites={
            server.guild.roles[routed.env.bot.user.name]: discord.PermissionOverwrite(
                send_messages=False
            )
        },
    )
    refused = await server.admin.slash(server.general, "setup panel", channel=hidden)
    text = assert_polite(refused)
    assert "Send Messages" in text
    assert "Nothing was posted" in text
    assert hidden.history() == []


# --------------------------------------------------------------------------- reminders, places


def posts_with(
    env: simcord.Env, channel: simcord.ChannelHandle, words: str
) -> list[dict[str, Any]]:
    return [
        r.json
        for r in env.http_requests
        if r.method == "POST"
        and r.path == f"/channels/{channel.id}/messages"
        and isinstance(r.json, dict)
        and words in str(r.json.get("content", ""))
    ]


async def test_reminders_go_to_each_types_queue_and_staff(routed: Routed) -> None:
    env = routed.env
    await routed.server.configure(reminder_minutes=30)
    members = [routed.member, *routed.server.members[1:]]
    await choose(routed, routed.family, members[0])
    await choose(routed, routed.intake, members[1])

    await env.advance_time(31 * 60)

    family = posts_with(env, routed.family_queue, "Still waiting")
    intake = posts_with(env, routed.intake_queue, "Still waiting")
    assert len(family) == 1
    assert len(intake) == 1
    assert posts_with(env, routed.server.queue, "Still waiting") == []
    assert "#1" in family[0]["content"]
    assert "#2" not in family[0]["content"]
    assert [int(r) for r in family[0]["allowed_mentions"]["roles"]] == [routed.family_role.id]
    assert [int(r) for r in intake[0]["allowed_mentions"]["roles"]] == [routed.intake_role.id]


async def test_a_members_place_counts_only_their_types_queue(routed: Routed) -> None:
    members = [routed.member, *routed.server.members[1:]]
    await choose(routed, routed.intake, members[0])

    sent = await choose(routed, routed.family, members[1])

    assert "You are next." in said(sent)


async def test_a_claim_cut_short_by_a_restart_gets_its_thread_in_the_types_channel(
    routed: Routed, settings: Settings
) -> None:
    env = routed.env
    await choose(routed, routed.family)
    # The claim was saved, then the bot stopped before it made the thread.
    await the_bot(env).db.write(
        lambda c: c.execute(
            "UPDATE consultations SET status = 'claimed', claimed_by = ?, claimed_at = ?, "
            "first_claimed_at = ? WHERE number = 1",
            (routed.family_staff.id, int(env.now().timestamp()), int(env.now().timestamp())),
        )
    )

    await restart(env, settings)
    await env.settle()

    row = await row_of(env, routed.member)
    assert row["thread_id"] is not None
    assert [t.id for t in routed.family_consult.threads] == [row["thread_id"]]
    assert routed.server.consult.threads == []
