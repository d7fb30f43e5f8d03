"""Who may press what, through SimCord: every kind of person against every rule that checks one.

The people: a member, staff of this server, staff of another server (a member here without the
role), an admin (Manage Server, not staff), an admin who lost Manage Server, and where it
matters a server Administrator. Buttons are pressed on copies of the bot's own messages where
the original is private to someone else (an ephemeral reply): the custom_id is all a click
carries, so a copy is exactly what a forged or carried-over click looks like.
"""

from __future__ import annotations

import logging

import discord
import pytest
import simcord

from bot.consultations import Status
from bot.ui import SOMETHING_WENT_WRONG
from cogs.privacy._views import CONFIRM_MINUTES, EXPIRED, NOT_YOURS
from tests.conftest import ConsultServer, add_admin, make_consult_server
from tests.helpers import the_bot
from tests.test_consult_member import ask, said, service
from tests.test_consult_staff import card_for, open_and_claim, the_thread


async def copy_with_buttons(
    env: simcord.Env, channel: simcord.ChannelHandle, *custom_ids: str
) -> discord.Message:
    """A message from the bot in ``channel`` carrying buttons with these custom_ids."""
    sent = the_bot(env).get_channel(channel.id)
    assert isinstance(sent, discord.TextChannel)
    view = discord.ui.View(timeout=None)
    for number, custom_id in enumerate(custom_ids):
        view.add_item(discord.ui.Button(label=f"button {number}", custom_id=custom_id))
    view.stop()  # as after a restart: only the registered dynamic items answer
    with env.time_context():
        message = await sent.send("a copy", view=view)
    await env.settle()
    return message


async def count(env: simcord.Env, sql: str) -> int:
    row = await the_bot(env).db.fetchone(sql)
    assert row is not None
    return int(row[0])


async def add_checkin(env: simcord.Env, user_id: int) -> None:
    bot = the_bot(env)
    async with bot.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO checkins (user_id, local_day, created_at, mood, craving, note) "
            "VALUES (?, '2026-01-01', ?, 2, 6, ?)",
            (user_id, env.now().isoformat(), bot.cipher.encrypt("mine")),
        )


def people(server: ConsultServer) -> dict[str, simcord.MemberActor]:
    """Everyone who is not the asker, keyed by who they are (see the module docstring)."""
    env, guild = server.env, server.guild
    elsewhere = env.create_guild("Another Group")
    elsewhere_staff = elsewhere.create_role("Staff")
    user = env.create_user("staff-elsewhere")
    elsewhere.add_member(user, roles=[elsewhere_staff])
    lost, role = add_admin(env, guild)
    env.backend.remove_member_role(guild.id, lost.id, role.id)
    return {
        "member": server.members[1],
        "staff": server.staff[0],
        "staff-of-another-server": guild.add_member(user),
        "admin": server.admin,
        "admin-who-lost-manage-server": lost,
    }


WHO = ["member", "staff", "staff-of-another-server", "admin", "admin-who-lost-manage-server"]


def erase_id(owner: int, target: int, guild_id: int, asked: int) -> str:
    return f"privacy:erase:{owner}:{target}:{guild_id}:{asked}"


# --------------------------------------------------------------------- 1. "Delete my data"


@pytest.mark.parametrize("who", WHO)
async def test_only_the_asker_can_answer_the_delete_my_data_question(
    consult_server: ConsultServer, who: str
) -> None:
    server = consult_server
    env = server.env
    asker = server.member
    await add_checkin(env, asker.id)
    asked = await asker.slash(server.general, "mydata delete")
    assert asked.response is not None
    ids = [c["custom_id"] for row in asked.response.components for c in row["components"]]
    assert ids[0].startswith(f"privacy:erase:{asker.id}:{asker.id}:")
    copy = await copy_with_buttons(env, server.general, *ids)
    other = people(server)[who]
    await env.settle()

    for custom_id in ids:  # "Delete my data" and "Keep it"
        pressed = await other.click(copy, custom_id=custom_id)
        assert pressed.ephemeral
        assert said(pressed).strip() == NOT_YOURS

    assert await count(env, "SELECT COUNT(*) FROM checkins") == 1
    assert await count(env, "SELECT COUNT(*) FROM privacy_audit") == 0
    done = await asker.click(asked.response, label="Delete my data")  # still theirs to answer
    assert "Done. I deleted everything" in said(done) + asked.response.content
    assert await count(env, "SELECT COUNT(*) FROM checkins") == 0


async def test_only_the_admin_who_asked_can_confirm_an_admin_forget(env: simcord.Env) -> None:
    server = await make_consult_server(env)
    target = server.members[0]
    await add_checkin(env, target.id)
    other_admin, _ = add_admin(env, server.guild)
    asked = await server.admin.slash(server.general, "admin forget", member=target)
    assert asked.response is not None
    ids = [c["custom_id"] for row in asked.response.components for c in row["components"]]
    copy = await copy_with_buttons(env, server.general, *ids)

    for presser in (other_admin, target):
        pressed = await presser.click(copy, custom_id=ids[0])
        assert said(pressed).strip() == NOT_YOURS
    assert await count(env, "SELECT COUNT(*) FROM checkins") == 1


async def test_an_admin_forget_question_cannot_be_confirmed_from_another_server(
    env: simcord.Env,
) -> None:
    """The asker is admin in both servers; the question belongs to the first one."""
    server = await make_consult_server(env)
    target = server.members[0]
    await add_checkin(env, target.id)
    elsewhere = env.create_guild("Another Group")
    channel = elsewhere.create_text_channel("general")
    admin_role = elsewhere.create_role("Admin", permissions=discord.Permissions(manage_guild=True))
    admin_there = elsewhere.add_member(server.admin.user, roles=[admin_role])
    asked = int(env.now().timestamp())
    copy = await copy_with_buttons(
        env, channel, erase_id(server.admin.id, target.id, server.guild.id, asked)
    )

    pressed = await admin_there.click(copy, custom_id=copy.components[0].children[0].custom_id)

    assert pressed.ephemeral
    assert "Manage Server" in said(pressed)
    assert await count(env, "SELECT COUNT(*) FROM checkins") == 1


# --------------------------------------------------------------------- confirmation expiry


@pytest.mark.parametrize(
    ("offset", "expired"),
    [
        pytest.param(-1, True, id="asked-one-second-in-the-future"),
        pytest.param(0, False, id="just-asked"),
        pytest.param(CONFIRM_MINUTES * 60, False, id="at-the-last-second"),
        pytest.param(CONFIRM_MINUTES * 60 + 1, True, id="one-second-too-late"),
    ],
)
async def test_the_delete_question_expires_exactly_after_its_minutes(
    env: simcord.Env, offset: int, expired: bool
) -> None:
    guild = env.create_guild("Recovery Group")
    channel = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("ann"))
    await add_checkin(env, member.id)
    copy = await copy_with_buttons(
        env, channel, erase_id(member.id, member.id, guild.id, int(env.now().timestamp()))
    )
    if offset > 0:
        await env.advance_time(offset)
    elif offset < 0:  # a question stamped later than now (a forged or skewed id)
        copy = await copy_with_buttons(
            env,
            channel,
            erase_id(member.id, member.id, guild.id, int(env.now().timestamp()) - offset),
        )

    pressed = await member.click(copy, custom_id=copy.components[0].children[0].custom_id)

    assert pressed.acknowledged
    remaining = await count(env, "SELECT COUNT(*) FROM checkins")
    if expired:
        assert pressed.response is not None
        assert pressed.response.content == EXPIRED
        assert remaining == 1
        assert await count(env, "SELECT COUNT(*) FROM privacy_audit") == 0
    else:
        assert remaining == 0


# --------------------------------------------------------------------- 2. carried-over buttons


@pytest.mark.parametrize("action", ["note", "cancel", "cancel-yes"])
async def test_a_members_request_button_carried_into_another_server_is_out_of_date(
    consult_server: ConsultServer, action: str
) -> None:
    server = consult_server
    env = server.env
    await ask(server, note="my own words")
    mine = await service(env).active_for_member(server.guild.id, server.member.id)
    assert mine is not None
    elsewhere = await make_consult_server(env, members=0, staff=0)
    same_person = elsewhere.guild.add_member(server.member.user)
    copy = await copy_with_buttons(env, elsewhere.general, f"consult:{action}:{mine.id}")

    pressed = await same_person.click(copy, custom_id=f"consult:{action}:{mine.id}")

    assert pressed.ephemeral
    assert pressed.modal is None
    assert "out of date" in said(pressed)
    after = await service(env).get_in_guild(server.guild.id, mine.id)
    assert after.status is Status.OPEN
    assert after.note == "my own words"


@pytest.mark.parametrize("action", ["note", "cancel", "cancel-yes"])
async def test_another_members_request_button_is_out_of_date(
    consult_server: ConsultServer, action: str
) -> None:
    server = consult_server
    env = server.env
    await ask(server, note="my own words")
    mine = await service(env).active_for_member(server.guild.id, server.member.id)
    assert mine is not None
    copy = await copy_with_buttons(env, server.general, f"consult:{action}:{mine.id}")

    for other in (server.members[1], server.staff[0], server.admin):
        pressed = await other.click(copy, custom_id=f"consult:{action}:{mine.id}")
        assert pressed.modal is None
        assert "out of date" in said(pressed)
    after = await service(env).get_in_guild(server.guild.id, mine.id)
    assert after.status is Status.OPEN


# --------------------------------------------------------------------- 5. transfer


async def test_a_request_cannot_be_transferred_to_the_staff_member_who_opened_it(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    opener = server.staff[1]  # staff can need support too
    await ask(server, opener)
    await server.staff[0].click(card_for(server, 1), label="Claim")
    thread = the_thread(server)

    refused = await server.staff[0].slash(thread, "ticket transfer", to=opener)

    assert "member who opened it" in said(refused)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.claimed_by == server.staff[0].id


# --------------------------------------------------------------------- 6. the Close button


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("member", False),
        ("staff", True),
        ("staff-of-another-server", False),
        ("admin", False),  # Manage Server alone is not staff
        ("admin-who-lost-manage-server", False),
        ("staff-who-lost-the-role", False),
        ("holder-of-a-look-alike-role", False),  # named "Staff", but not the configured role
        ("administrator", True),
    ],
)
async def test_the_close_button_opens_the_form_only_for_staff(
    consult_server: ConsultServer, who: str, allowed: bool
) -> None:
    server = consult_server
    env = server.env
    await ask(server)
    everyone = people(server)
    if who == "staff-who-lost-the-role":
        lost = server.staff[1]
        env.backend.remove_member_role(server.guild.id, lost.id, server.staff_role.id)
        everyone[who] = lost
    elif who == "holder-of-a-look-alike-role":
        look_alike = server.guild.create_role("Staff")
        everyone[who] = server.guild.add_member(env.create_user("lookalike"), roles=[look_alike])
    elif who == "administrator":
        role = server.guild.create_role(
            "Owner", permissions=discord.Permissions(administrator=True)
        )
        everyone[who] = server.guild.add_member(env.create_user("owner"), roles=[role])
    await env.settle()
    # A card button where anyone can reach it (a queue channel that leaks).
    copy = await copy_with_buttons(env, server.general, "consult:close:1")

    pressed = await everyone[who].click(copy, custom_id="consult:close:1")

    if allowed:
        assert pressed.modal is not None
        assert "consult:close-form:1" in str(pressed.modal)
    else:
        assert pressed.modal is None
        assert pressed.ephemeral
        assert "only this server's staff" in said(pressed)
    stored = await service(env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.OPEN


# --------------------------------------------------------------------- 7. close path errors


async def close_from_card(server: ConsultServer) -> simcord.InteractionResult:
    form = await server.staff[0].click(card_for(server, 1), label="Close")
    assert form.modal is not None
    return await server.staff[0].submit_modal(form, {"reason": "talked it through"})


async def test_a_discord_error_while_closing_is_handled_and_the_close_stands(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)
    server.env.inject_error("POST", f"/channels/{thread.id}/messages", status=500, times=None)

    with caplog.at_level(logging.WARNING):
        result = await close_from_card(server)

    assert SOMETHING_WENT_WRONG not in said(result)
    assert "#1" in said(result)
    assert any(
        r.getMessage().startswith("consultation.thread_close_failed") for r in caplog.records
    )
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLOSED


async def test_a_non_discord_failure_while_closing_is_reported_not_hidden(
    consult_server: ConsultServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = consult_server
    await open_and_claim(server)

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected: a bug, not a Discord error")

    # discord.py's Thread.send, at the library boundary: what a bug in a send would look like.
    monkeypatch.setattr(discord.Thread, "send", broken)

    with caplog.at_level(logging.ERROR):
        result = await close_from_card(server)

    assert SOMETHING_WENT_WRONG in said(result)  # not "closed", as if all went well
    failures = [r for r in caplog.records if r.getMessage().startswith("interaction.failed")]
    assert failures
    assert failures[0].exc_info is not None
    assert isinstance(failures[0].exc_info[1], RuntimeError)
    assert not any(
        r.getMessage().startswith("consultation.thread_close_failed") for r in caplog.records
    )


# --------------------------------------------------------------------- Claim and Release


def with_extras(server: ConsultServer, who: str) -> simcord.MemberActor:
    """``people`` plus the three cases only the staff check has."""
    env, guild = server.env, server.guild
    if who == "staff-who-lost-the-role":
        lost = server.staff[1]
        env.backend.remove_member_role(guild.id, lost.id, server.staff_role.id)
        return lost
    if who == "holder-of-a-look-alike-role":
        look_alike = guild.create_role("Staff")
        return guild.add_member(env.create_user("lookalike"), roles=[look_alike])
    if who == "administrator":
        role = guild.create_role("Owner", permissions=discord.Permissions(administrator=True))
        return guild.add_member(env.create_user("owner"), roles=[role])
    return people(server)[who]


NOT_STAFF = [
    "member",
    "staff-of-another-server",
    "admin",
    "admin-who-lost-manage-server",
    "staff-who-lost-the-role",
    "holder-of-a-look-alike-role",
]


@pytest.mark.parametrize("who", [*NOT_STAFF, "staff", "administrator"])
async def test_claim_is_for_staff_and_server_administrators_only(
    consult_server: ConsultServer, who: str
) -> None:
    server = consult_server
    await ask(server)
    actor = with_extras(server, who)
    await server.env.settle()
    copy = await copy_with_buttons(server.env, server.general, "consult:claim:1")

    pressed = await actor.click(copy, custom_id="consult:claim:1")

    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    if who in NOT_STAFF:
        assert "only this server's staff" in said(pressed)
        assert stored.status is Status.OPEN
    else:
        assert "You claimed request #1" in said(pressed)
        assert stored.claimed_by == actor.id


@pytest.mark.parametrize("who", NOT_STAFF)
async def test_release_is_refused_to_everyone_who_is_not_staff(
    consult_server: ConsultServer, who: str
) -> None:
    server = consult_server
    await open_and_claim(server)
    actor = with_extras(server, who)
    await server.env.settle()
    copy = await copy_with_buttons(server.env, server.general, "consult:release:1")

    pressed = await actor.click(copy, custom_id="consult:release:1")

    assert "only this server's staff" in said(pressed)
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.status is Status.CLAIMED
    assert stored.claimed_by == server.staff[0].id
