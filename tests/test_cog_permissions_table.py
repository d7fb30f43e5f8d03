"""The cogs' permission checks as tables: every kind of person against every check, through
SimCord, asserting what they are told and what the database holds.

Complements ``tests/test_permission_edges.py`` (who may press Claim, Close, Release, the
privacy buttons) with what it leaves open: who may hand on *someone else's* claim (the admin
override and the "claimer is gone" override), who can be handed a request, a member's own
buttons on a finished request, and the Manage Server checks of ``/setup`` and
``/post-guidelines`` for people the command was opened to in the server's settings.
"""

from __future__ import annotations

import logging

import discord
import pytest
import simcord

from bot.consultations import Status
from bot.guild_config import GuildConfigRepository
from tests.conftest import ConsultServer, add_admin, make_consult_server
from tests.test_consult_member import ask, said, service
from tests.test_consult_staff import card_for, the_thread
from tests.test_permission_edges import add_checkin, copy_with_buttons, count, people, the_bot

ONLY_THE_CLAIMER = "or a server admin can"


def staff_with_manage_server(server: ConsultServer, *, lost: bool = False) -> simcord.MemberActor:
    """A staff member who also holds Manage Server (or held it and lost it)."""
    env, guild = server.env, server.guild
    role = guild.create_role("Lead", permissions=discord.Permissions(manage_guild=True))
    lead = guild.add_member(env.create_user("lead"), roles=[server.staff_role, role])
    if lost:
        env.backend.remove_member_role(guild.id, lead.id, role.id)
    return lead


def administrator(server: ConsultServer, name: str = "owner") -> simcord.MemberActor:
    """A server Administrator without the staff role."""
    role = server.guild.create_role(
        f"Owner {name}", permissions=discord.Permissions(administrator=True)
    )
    return server.guild.add_member(server.env.create_user(name), roles=[role])


async def claimed_by_first_staff(server: ConsultServer) -> None:
    await ask(server)
    claimed = await server.staff[0].click(card_for(server, 1), label="Claim")
    assert "You claimed request #1" in said(claimed)


# --------------------------------------------------------------------- someone else's claim


# Who, other than the claimer, may release a claim the claimer still holds as staff: only an
# admin (Manage Server or Administrator, checked at the moment of the click).
OVERRIDE = [
    pytest.param("staff", False, id="staff"),
    pytest.param("staff-with-manage-server", True, id="staff-with-manage-server"),
    pytest.param("staff-who-lost-manage-server", False, id="staff-who-lost-manage-server"),
    pytest.param("administrator", True, id="administrator"),
]


def overrider(server: ConsultServer, who: str) -> simcord.MemberActor:
    if who == "staff":
        return server.staff[1]
    if who == "administrator":
        return administrator(server)
    return staff_with_manage_server(server, lost=who == "staff-who-lost-manage-server")


@pytest.mark.parametrize(("who", "allowed"), OVERRIDE)
async def test_only_an_admin_can_release_a_claim_someone_else_holds(
    consult_server: ConsultServer, who: str, allowed: bool
) -> None:
    server = consult_server
    await claimed_by_first_staff(server)
    actor = overrider(server, who)
    await server.env.settle()
    copy = await copy_with_buttons(server.env, server.general, "consult:release:1")

    pressed = await actor.click(copy, custom_id="consult:release:1")

    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    if allowed:
        assert "Request #1 is back in the queue" in said(pressed)
        assert stored.status is Status.OPEN
        assert stored.claimed_by is None
    else:
        assert f"Only <@{server.staff[0].id}>" in said(pressed)
        assert ONLY_THE_CLAIMER in said(pressed)
        assert stored.status is Status.CLAIMED
        assert stored.claimed_by == server.staff[0].id


@pytest.mark.parametrize(("who", "allowed"), OVERRIDE)
async def test_only_an_admin_can_transfer_a_claim_someone_else_holds(
    env: simcord.Env, who: str, allowed: bool
) -> None:
    server = await make_consult_server(env, staff=3)
    await claimed_by_first_staff(server)
    thread = the_thread(server)
    actor = overrider(server, who)
    await env.settle()

    result = await actor.slash(thread, "ticket transfer", to=server.staff[2])

    stored = await service(env).get_in_guild(server.guild.id, 1)
    if allowed:
        assert "Request #1 is now with" in said(result)
        assert stored.claimed_by == server.staff[2].id
    else:
        assert ONLY_THE_CLAIMER in said(result)
        assert stored.claimed_by == server.staff[0].id


# What happened to the claimer, and whether another (plain) staff member may then release.
CLAIMER = [
    pytest.param("still-staff", False, id="claimer-still-staff"),
    pytest.param("lost-the-role", True, id="claimer-lost-the-staff-role"),
    pytest.param("administrator-without-the-role", False, id="claimer-is-an-administrator"),
]


@pytest.mark.parametrize(("what", "allowed"), CLAIMER)
async def test_staff_can_release_a_claim_whose_claimer_is_no_longer_staff(
    consult_server: ConsultServer, what: str, allowed: bool
) -> None:
    server = consult_server
    env, guild = server.env, server.guild
    await claimed_by_first_staff(server)
    claimer = server.staff[0]
    if what != "still-staff":
        env.backend.remove_member_role(guild.id, claimer.id, server.staff_role.id)
    if what == "administrator-without-the-role":
        role = guild.create_role("Owner", permissions=discord.Permissions(administrator=True))
        env.backend.add_member_role(guild.id, claimer.id, role.id)
    await env.settle()
    copy = await copy_with_buttons(env, server.general, "consult:release:1")

    pressed = await server.staff[1].click(copy, custom_id="consult:release:1")

    stored = await service(env).get_in_guild(guild.id, 1)
    if allowed:
        assert "Request #1 is back in the queue" in said(pressed)
        assert stored.status is Status.OPEN
    else:
        assert f"Only <@{claimer.id}>" in said(pressed)
        assert stored.claimed_by == claimer.id


# --------------------------------------------------------------------- who can be handed one


TRANSFER_TO = [
    pytest.param("member", False, id="member"),
    pytest.param("staff", True, id="staff"),
    pytest.param("staff-of-another-server", False, id="staff-of-another-server"),
    pytest.param("admin", False, id="admin-not-staff"),
    pytest.param("admin-who-lost-manage-server", False, id="admin-who-lost-manage-server"),
    pytest.param("administrator", True, id="administrator"),
    pytest.param("a-bot-with-the-staff-role", False, id="a-bot-with-the-staff-role"),
]


@pytest.mark.parametrize(("who", "allowed"), TRANSFER_TO)
async def test_a_request_can_be_transferred_only_to_this_servers_staff(
    env: simcord.Env, who: str, allowed: bool
) -> None:
    server = await make_consult_server(env, members=2, staff=2)
    await claimed_by_first_staff(server)
    thread = the_thread(server)
    everyone = people(server)
    everyone["staff"] = server.staff[1]  # staff[0] holds the claim
    everyone["administrator"] = administrator(server)
    everyone["a-bot-with-the-staff-role"] = server.guild.add_member(
        env.create_user("helper-bot", bot=True), roles=[server.staff_role]
    )
    target = everyone[who]
    await env.settle()

    result = await server.staff[0].slash(thread, "ticket transfer", to=target)

    stored = await service(env).get_in_guild(server.guild.id, 1)
    if allowed:
        assert f"Request #1 is now with <@{target.id}>" in said(result)
        assert stored.claimed_by == target.id
    else:
        assert f"<@{target.id}> isn't on the staff team" in said(result)
        assert stored.claimed_by == server.staff[0].id


# --------------------------------------------------------------------- a member's own buttons


@pytest.mark.parametrize("action", ["note", "cancel", "cancel-yes"])
@pytest.mark.parametrize(
    ("ending", "word"),
    [("cancelled", "cancelled"), ("closed", "closed")],
    ids=["cancelled", "closed"],
)
async def test_my_buttons_on_a_finished_request_say_how_it_ended(
    consult_server: ConsultServer, action: str, ending: str, word: str
) -> None:
    server = consult_server
    env = server.env
    await ask(server, note="my own words")
    if ending == "cancelled":
        await service(env).cancel(server.guild.id, server.member.id, env.now())
    else:
        await service(env).close(server.guild.id, 1, server.staff[0].id, "talked", env.now())
    copy = await copy_with_buttons(env, server.general, f"consult:{action}:1")

    pressed = await server.member.click(copy, custom_id=f"consult:{action}:1")

    assert pressed.modal is None
    assert f"Request #1 is already {word}. You can start a new one with /consult." in said(pressed)
    stored = await service(env).get_in_guild(server.guild.id, 1)
    assert stored.status is (Status.CANCELLED if ending == "cancelled" else Status.CLOSED)
    assert stored.note == "my own words"


@pytest.mark.parametrize("action", ["note", "cancel"])
async def test_my_buttons_on_an_active_request_still_work(
    consult_server: ConsultServer, action: str
) -> None:
    """The other side of the table above: the owner's press on a live request is answered."""
    server = consult_server
    await ask(server)
    copy = await copy_with_buttons(server.env, server.general, f"consult:{action}:1")

    pressed = await server.member.click(copy, custom_id=f"consult:{action}:1")

    if action == "note":
        assert pressed.modal is not None
    else:
        assert "Cancel request #1?" in said(pressed)


# --------------------------------------------------------------------- Manage Server commands


MANAGERS = [
    pytest.param("member", False, id="member"),
    pytest.param("staff", False, id="staff"),
    pytest.param("staff-of-another-server", False, id="staff-of-another-server"),
    pytest.param("admin", True, id="admin"),
    pytest.param("admin-who-lost-manage-server", False, id="admin-who-lost-manage-server"),
    pytest.param("administrator", True, id="administrator"),
]


def everyone_allowed(server: ConsultServer, command_name: str) -> dict[str, simcord.MemberActor]:
    """Everyone, with ``command_name`` opened to all of them in the server's settings (so the
    runtime check is all that stands between them and the command)."""
    everyone = people(server)
    everyone["administrator"] = administrator(server)
    command = server.env.backend.find_command(command_name, None)
    assert command is not None
    server.guild.set_command_permissions(int(command["id"]), dict.fromkeys(everyone.values(), True))
    return everyone


@pytest.mark.parametrize(("who", "allowed"), MANAGERS)
async def test_setup_changes_are_for_manage_server_only(
    consult_server: ConsultServer, who: str, allowed: bool
) -> None:
    server = consult_server
    env = server.env
    actor = everyone_allowed(server, "setup")[who]
    await env.settle()

    result = await actor.slash(server.general, "setup safety", state=True)

    assert result.ephemeral
    stored = await GuildConfigRepository(the_bot(env).db).get(server.guild.id)
    if allowed:
        assert "Only people with the Manage Server permission" not in said(result)
        assert stored.safety_enabled
    else:
        assert "Only people with the Manage Server permission can change the setup." in said(result)
        assert not stored.safety_enabled


@pytest.mark.parametrize(("who", "allowed"), MANAGERS)
async def test_posting_the_guidelines_is_for_manage_server_only(
    consult_server: ConsultServer, who: str, allowed: bool
) -> None:
    server = consult_server
    env = server.env
    actor = everyone_allowed(server, "post-guidelines")[who]
    await env.settle()
    before = len(server.general.history())

    result = await actor.slash(server.general, "post-guidelines")

    assert result.ephemeral
    posted = server.general.history()[before:]
    if allowed:
        assert "Posted the guidelines." in said(result)
        assert len([m for m in posted if m.embeds]) == 1  # (and Discord's "pinned" notice)
    else:
        assert "Only server admins (Manage Server) can post the guidelines." in said(result)
        assert posted == []


async def test_an_admin_forget_question_without_a_server_is_refused(env: simcord.Env) -> None:
    """An erase button naming someone else but no server (``dm``) is never an admin forget
    anyone may confirm, even an admin of the server it is pressed in."""
    guild = env.create_guild("Recovery Group")
    channel = guild.create_text_channel("general")
    admin, _ = add_admin(env, guild)
    target = guild.add_member(env.create_user("ann"))
    await add_checkin(env, target.id)
    asked = int(env.now().timestamp())
    custom_id = f"privacy:erase:{admin.id}:{target.id}:dm:{asked}"
    copy = await copy_with_buttons(env, channel, custom_id)

    pressed = await admin.click(copy, custom_id=custom_id)

    assert "Only people with the Manage Server permission can do that." in said(pressed)
    assert await count(env, "SELECT COUNT(*) FROM checkins") == 1
    assert await count(env, "SELECT COUNT(*) FROM privacy_audit") == 0


@pytest.mark.parametrize("who", ["member", "admin", "staff-of-another-server"])
async def test_a_refused_staff_press_is_logged_with_ids_only(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture, who: str
) -> None:
    server = consult_server
    await ask(server, note="SENTINEL words")
    actor = people(server)[who]
    await server.env.settle()
    copy = await copy_with_buttons(server.env, server.general, "consult:claim:1")

    with caplog.at_level(logging.INFO, logger="cogs.consult._flow"):
        pressed = await actor.click(copy, custom_id="consult:claim:1")

    assert said(pressed).strip() == "Sorry, only this server's staff can do that."
    logged = [r.getMessage() for r in caplog.records if r.name == "cogs.consult._flow"]
    assert f"consultation.staff_only user={actor.id} guild={server.guild.id}" in logged
    assert "SENTINEL" not in caplog.text


@pytest.mark.parametrize(
    ("lookup", "allowed"),
    [
        pytest.param("not-found", True, id="claimer-gone-from-the-server"),
        pytest.param("discord-error", False, id="claimer-unknown-discord-failing"),
    ],
)
async def test_a_claimer_who_left_unseen_can_be_released_by_staff(
    consult_server: ConsultServer, lookup: str, allowed: bool
) -> None:
    """The bot missed the claimer's leave (it was offline): nothing in its cache, so it asks
    Discord. "Unknown member" means gone (staff may release); any other Discord error is no
    proof of that, so only the claimer or an admin may."""
    server = consult_server
    env, guild = server.env, server.guild
    await claimed_by_first_staff(server)
    claimer = server.staff[0]
    del env.backend.get_guild(guild.id).members[claimer.id]  # no leave event reaches the bot
    cached = the_bot(env).get_guild(guild.id)
    assert cached is not None
    assert cached.get_member(claimer.id) is None  # so the bot asks Discord
    if lookup == "discord-error":
        env.inject_error("GET", f"/guilds/{guild.id}/members/{claimer.id}", times=None)
    copy = await copy_with_buttons(env, server.general, "consult:release:1")

    pressed = await server.staff[1].click(copy, custom_id="consult:release:1")

    stored = await service(env).get_in_guild(guild.id, 1)
    if allowed:
        assert "Request #1 is back in the queue" in said(pressed)
        assert stored.status is Status.OPEN
    else:
        assert f"Only <@{claimer.id}>" in said(pressed)
        assert stored.claimed_by == claimer.id
