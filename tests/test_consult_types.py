"""/setup type add|edit|remove|list through SimCord (issue 19, consultation types, step 1).

Admins define a server's kinds of consultation; staff and members are refused at run time;
every refusal is a clear private answer and leaves the database as it was. Types are stored
and shown, kept across other /setup commands and restarts, and scoped to their server.
"""

from __future__ import annotations

import discord
import pytest
import simcord

from bot.consultations import MAX_TYPES, TYPE_DESCRIPTION_LIMIT, TYPE_NAME_LIMIT
from bot.settings import Settings
from tests.conftest import ConsultServer, add_admin, make_consult_server, restart
from tests.helpers import text_of, the_bot
from tests.reliability import assert_polite, said, without_client_checks
from tests.test_permission_edges import copy_with_buttons


async def add_type(
    server: ConsultServer, name: str = "Family support", **options: object
) -> simcord.InteractionResult:
    values: dict[str, object] = {
        "name": name,
        "description": "For family members and friends",
        "staff_role": server.staff_role,
    }
    values.update(options)
    return await server.admin.slash(server.general, "setup type add", **values)


async def stored(server: ConsultServer) -> list[tuple[str, ...]]:
    rows = await the_bot(server.env).db.fetchall(
        "SELECT name, description, emoji FROM consult_types WHERE guild_id = ? "
        "ORDER BY position, id",
        (server.guild.id,),
    )
    return [tuple(row) for row in rows]


def admin_sees_staff_channels(server: ConsultServer) -> None:
    """The admin can see (and so pick) the staff-only queue channel."""
    server.env.backend.add_member_role(server.guild.id, server.admin.id, server.staff_role.id)


async def open_to(server: ConsultServer, person: simcord.MemberActor) -> None:
    """``/setup`` opened to ``person`` by hand (Discord's hint no longer hides it)."""
    setup = next(c for c in await the_bot(server.env).tree.fetch_commands() if c.name == "setup")
    server.guild.set_command_permissions(setup, {person: True})


async def open_request(
    server: ConsultServer, member: simcord.MemberActor, name: str = "Family support"
) -> int:
    """A routine request from ``member`` of the type ``name`` (through /consult, which offers
    the server's types first); its row id."""
    offered = await member.slash(server.general, "consult")
    assert offered.response is not None
    kind = await the_bot(server.env).services.consult_types.find(server.guild.id, name)
    assert kind is not None
    shown = await member.select(offered.response, [str(kind.id)])
    assert shown.modal is not None
    await member.submit_modal(shown, {"urgency": ["routine"]})
    row = await the_bot(server.env).db.fetchone(
        "SELECT id FROM consultations WHERE guild_id = ? AND member_id = ?",
        (server.guild.id, member.id),
    )
    assert row is not None
    return int(row["id"])


async def set_type(server: ConsultServer, request_id: int, name: str) -> None:
    """A request's type set directly (what a member's choice stores)."""
    kind = await the_bot(server.env).services.consult_types.find(server.guild.id, name)
    assert kind is not None
    await the_bot(server.env).db.write(
        lambda c: c.execute(
            "UPDATE consultations SET type_id = ? WHERE id = ?", (kind.id, request_id)
        )
    )


# --------------------------------------------------------------------------- the admin's path


async def test_an_admin_adds_lists_edits_and_removes_a_type(consult_server: ConsultServer) -> None:
    server = consult_server

    added = await add_type(server, emoji="💬", response_time="usually within a day")

    assert added.ephemeral
    assert "Added the consultation type **Family support**" in said(added)
    assert "each request goes to its type's staff role" in said(added)
    assert await stored(server) == [("Family support", "For family members and friends", "💬")]

    listing = await server.admin.slash(server.general, "setup type list")
    assert listing.ephemeral
    text = said(listing)
    assert "Consultation types (1 of 10)" in text
    assert "💬 Family support" in text
    assert server.staff_role.mention in text
    assert "usually within a day" in text

    edited = await server.admin.slash(
        server.general,
        "setup type edit",
        name="family SUPPORT",  # capitals are ignored
        new_name="Family and friends",
        description="For the people around you",
    )
    assert "Saved the consultation type **Family and friends**" in said(edited)
    assert await stored(server) == [("Family and friends", "For the people around you", "💬")]

    asked = await server.admin.slash(server.general, "setup type remove", name="Family and friends")
    assert asked.ephemeral
    assert "Remove the consultation type **Family and friends**?" in said(asked)
    assert asked.response is not None
    done = await server.admin.click(asked.response, label="Remove")

    assert done.acknowledged
    assert "Removed the consultation type" in text_of(done.response or asked.response)
    assert await stored(server) == []


async def test_keep_it_removes_nothing(consult_server: ConsultServer) -> None:
    server = consult_server
    await add_type(server)
    asked = await server.admin.slash(server.general, "setup type remove", name="Family support")
    assert asked.response is not None

    kept = await server.admin.click(asked.response, label="Keep it")

    assert "Nothing was removed" in text_of(kept.response or asked.response)
    assert len(await stored(server)) == 1


async def test_edit_clears_an_optional_setting_and_refuses_set_and_clear(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    admin_sees_staff_channels(server)
    await server.env.settle()
    await add_type(server, emoji="💬", queue_channel=server.queue)

    refused = await server.admin.slash(
        server.general, "setup type edit", name="Family support", emoji="🙂", clear="emoji"
    )
    assert "both set and clear the emoji" in assert_polite(refused)
    cleared = await server.admin.slash(
        server.general, "setup type edit", name="Family support", clear="queue_channel_id"
    )
    assert "Queue channel: the server's" in said(cleared)
    emptied = await server.admin.slash(
        server.general, "setup type edit", name="Family support", clear="emoji"
    )

    assert "Saved" in said(emptied)
    assert await stored(server) == [("Family support", "For family members and friends", None)]
    nothing = await server.admin.slash(server.general, "setup type edit", name="Family support")
    assert "Nothing to change" in assert_polite(nothing)


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("who", ["staff", "member"])
async def test_staff_and_members_are_refused(consult_server: ConsultServer, who: str) -> None:
    server = consult_server
    await add_type(server)
    person = server.staff[0] if who == "staff" else server.member
    await open_to(server, person)

    attempts = [
        await person.slash(
            server.general,
            "setup type add",
            name="Mine",
            description="Mine",
            staff_role=server.staff_role,
        ),
        await person.slash(server.general, "setup type edit", name="Family support", new_name="X"),
        await person.slash(server.general, "setup type remove", name="Family support"),
        await person.slash(server.general, "setup type list"),
    ]

    for attempt in attempts:
        assert "Only people with the Manage Server permission" in assert_polite(attempt)
    assert await stored(server) == [("Family support", "For family members and friends", None)]
    choices = await person.autocomplete(server.general, "setup type edit", "name", "")
    assert choices == []


async def test_a_remove_button_pressed_by_someone_without_manage_server_is_refused(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await add_type(server)
    kind = await the_bot(server.env).services.consult_types.find(server.guild.id, "Family support")
    assert kind is not None
    copy = await copy_with_buttons(server.env, server.general, f"setup-type:remove:{kind.id}")

    pressed = await server.staff[0].click(copy, custom_id=f"setup-type:remove:{kind.id}")

    assert "Only people with the Manage Server permission" in said(pressed)
    assert len(await stored(server)) == 1


# --------------------------------------------------------------------------- refusals


async def test_the_eleventh_type_is_refused(consult_server: ConsultServer) -> None:
    server = consult_server
    for number in range(MAX_TYPES):
        assert "Added" in said(await add_type(server, f"Type {number}"))

    eleventh = await add_type(server, "One too many")

    assert f"already has {MAX_TYPES} consultation types" in assert_polite(eleventh)
    assert len(await stored(server)) == MAX_TYPES


async def test_a_duplicate_name_is_refused_ignoring_capitals(consult_server: ConsultServer) -> None:
    server = consult_server
    await add_type(server, "Family support")
    await add_type(server, "Intake")

    again = await add_type(server, "FAMILY Support")
    renamed = await server.admin.slash(
        server.general, "setup type edit", name="Intake", new_name="family support"
    )

    for refused in (again, renamed):
        assert "already has a consultation type with that name" in assert_polite(refused)
    assert [row[0] for row in await stored(server)] == ["Family support", "Intake"]


@pytest.mark.parametrize(
    "emoji",
    ["hello", ":smile:", "🙂🙂", "🙂 ok", "<:gone:123456789012345678>", "<:x:12>", "1", "🇺"],
)
async def test_a_bad_emoji_is_refused(consult_server: ConsultServer, emoji: str) -> None:
    server = consult_server

    added = await add_type(server, emoji=emoji)

    assert "isn't an emoji I can use" in assert_polite(added)
    assert await stored(server) == []


@pytest.mark.parametrize("emoji", ["🙂", "❤️", "👍🏽", "❤️\u200d🩹", "🇺🇦", "1️⃣", "🏴󠁧󠁢󠁷󠁬󠁳󠁿"])
async def test_a_unicode_emoji_is_accepted(consult_server: ConsultServer, emoji: str) -> None:
    server = consult_server

    added = await add_type(server, emoji=emoji)

    assert "Added" in said(added), said(added)
    assert (await stored(server))[0][2] == emoji


async def test_this_servers_custom_emoji_is_accepted(consult_server: ConsultServer) -> None:
    server = consult_server
    custom = server.guild.create_emoji("lotus")
    await server.env.settle()
    written = f"<:lotus:{custom.id}>"

    added = await add_type(server, emoji=written)

    assert "Added" in said(added), said(added)
    assert (await stored(server))[0][2] == written


@pytest.mark.parametrize(
    ("option", "limit"), [("name", TYPE_NAME_LIMIT), ("description", TYPE_DESCRIPTION_LIMIT)]
)
async def test_an_over_long_name_or_description_is_refused(
    consult_server: ConsultServer, option: str, limit: int
) -> None:
    server = consult_server
    with without_client_checks():  # as an older command definition would let through
        added = await add_type(server, **{option: "x" * (limit + 1)})

    reply = assert_polite(added)
    assert f"the limit is {limit}" in reply
    assert await stored(server) == []


async def test_everyone_is_not_a_staff_role(consult_server: ConsultServer) -> None:
    server = consult_server

    added = await add_type(server, staff_role=server.guild.default_role)

    assert "not @everyone" in assert_polite(added)
    assert await stored(server) == []


async def test_missing_channel_permissions_are_named(consult_server: ConsultServer) -> None:
    server = consult_server
    assert the_bot(server.env).user is not None
    me = server.guild.roles[the_bot(server.env).user.name]  # type: ignore[union-attr]
    mute = server.guild.create_text_channel(
        "family-queue",
        overwrites={
            server.guild.default_role: discord.PermissionOverwrite(view_channel=False),
            server.staff_role: discord.PermissionOverwrite(view_channel=True),
            me: discord.PermissionOverwrite(view_channel=True, send_messages=False),
        },
    )
    admin_sees_staff_channels(server)
    await server.env.settle()

    added = await add_type(server, queue_channel=mute)

    text = said(added)
    assert "Added" in text
    assert f"I lack **Send Messages** in {mute.mention}" in text
    shown = await server.admin.slash(server.general, "setup show")
    assert f"I lack **Send Messages** in {mute.mention}" in said(shown)


# --------------------------------------------------------------------------- kept and shown


async def test_setup_show_lists_the_types_and_they_survive_setup_and_a_restart(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    admin_sees_staff_channels(server)
    await env.settle()
    await add_type(server, "Family support", emoji="💬")
    await add_type(server, "Intake", queue_channel=server.queue)

    shown = said(await server.admin.slash(server.general, "setup show"))
    assert "Consultation types (2 of 10)" in shown
    assert "💬 Family support" in shown
    assert "Intake" in shown
    assert "own channels" in shown

    after_limits = said(await server.admin.slash(server.general, "setup limits", hourly_cap=5))
    assert "Consultation types (2 of 10)" in after_limits
    await restart(env, settings)
    shown = said(await server.admin.slash(server.general, "setup show"))
    assert "💬 Family support" in shown
    assert "Intake" in shown
    listing = said(await server.admin.slash(server.general, "setup type list"))
    assert "1. 💬 Family support" in listing
    assert "2. Intake" in listing


async def test_a_remove_question_can_be_answered_after_a_restart(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    await add_type(server)
    asked = await server.admin.slash(server.general, "setup type remove", name="Family support")
    assert asked.response is not None

    await restart(env, settings)
    done = await server.admin.click(asked.response, label="Remove")

    assert "Removed the consultation type" in text_of(done.response or asked.response)
    assert await stored(server) == []


@pytest.mark.parametrize("forged", ["setup-type:remove:abc", "setup-type:remove:", "setup-type:x"])
async def test_a_forged_or_old_type_button_is_answered(
    consult_server: ConsultServer, forged: str
) -> None:
    server = consult_server
    await add_type(server)
    copy = await copy_with_buttons(server.env, server.general, forged)

    pressed = await server.admin.click(copy, custom_id=forged)

    assert pressed.ephemeral
    assert "out of date" in said(pressed) or "already removed" in said(pressed)
    assert len(await stored(server)) == 1


async def test_the_list_fits_discords_limits_with_ten_long_types(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    for number in range(MAX_TYPES):
        await add_type(
            server,
            f"{number}" + "*" * (TYPE_NAME_LIMIT - 1),
            description="_" * TYPE_DESCRIPTION_LIMIT,
            response_time="`" * 200,
            queue_channel=server.general,
            urgent_fallback_role=server.staff_role,
        )
    assert len(await stored(server)) == MAX_TYPES

    for command in ("setup type list", "setup show"):
        result = await server.admin.slash(server.general, command)
        assert result.response is not None
        embeds = result.response.embeds
        assert sum(len(embed) for embed in embeds) <= 6000, command
        for embed in embeds:
            assert all(len(field.value or "") <= 1024 for field in embed.fields)


# --------------------------------------------------------------------------- servers apart


async def test_one_servers_admin_cannot_see_or_change_anothers_types(env: simcord.Env) -> None:
    first = await make_consult_server(env)
    second = await make_consult_server(env)
    await add_type(first, "Family support")
    await add_type(second, "Intake")

    offered = await second.admin.autocomplete(second.general, "setup type edit", "name", "")
    assert [choice["name"] for choice in offered] == ["Intake"]
    listing = said(await second.admin.slash(second.general, "setup type list"))
    assert "Family support" not in listing
    edited = await second.admin.slash(
        second.general, "setup type edit", name="Family support", new_name="Mine now"
    )
    assert "no consultation type with that name" in assert_polite(edited)
    removed = await second.admin.slash(second.general, "setup type remove", name="Family support")
    assert "no consultation type with that name" in assert_polite(removed)

    theirs = await the_bot(env).services.consult_types.find(first.guild.id, "Family support")
    assert theirs is not None
    copy = await copy_with_buttons(env, second.general, f"setup-type:remove:{theirs.id}")
    pressed = await second.admin.click(copy, custom_id=f"setup-type:remove:{theirs.id}")
    assert "already removed" in said(pressed)
    assert await stored(first) == [("Family support", "For family members and friends", None)]
    # The same name may be used by each server.
    assert "Added" in said(await add_type(second, "Family support"))


async def test_autocomplete_offers_matching_names(consult_server: ConsultServer) -> None:
    server = consult_server
    for name in ("Family support", "Intake", "Relapse family"):
        await add_type(server, name)

    offered = await server.admin.autocomplete(server.general, "setup type remove", "name", "FAM")

    assert [choice["name"] for choice in offered] == ["Family support", "Relapse family"]


# --------------------------------------------------------------------------- removal rules


async def test_a_type_with_an_open_or_claimed_request_is_not_removed(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await add_type(server)
    request_id = await open_request(server, server.member)
    await set_type(server, request_id, "Family support")

    asked = await server.admin.slash(server.general, "setup type remove", name="Family support")
    assert "1 request of this type is still open or claimed" in assert_polite(asked)

    # Claimed counts too.
    await the_bot(server.env).db.write(
        lambda c: c.execute(
            "UPDATE consultations SET status = 'claimed', claimed_by = ?, claimed_at = 1 "
            "WHERE id = ?",
            (server.staff[0].id, request_id),
        )
    )
    asked = await server.admin.slash(server.general, "setup type remove", name="Family support")
    assert "still open or claimed" in assert_polite(asked)
    assert len(await stored(server)) == 1


async def test_a_request_opened_after_the_question_still_stops_the_removal(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await add_type(server)
    asked = await server.admin.slash(server.general, "setup type remove", name="Family support")
    assert asked.response is not None
    request_id = await open_request(server, server.member)
    await set_type(server, request_id, "Family support")

    pressed = await server.admin.click(asked.response, label="Remove")

    assert "still open or claimed" in said(pressed)
    assert len(await stored(server)) == 1


async def test_a_removed_types_past_requests_move_to_the_default_type(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await add_type(server)
    request_id = await open_request(server, server.member)
    await set_type(server, request_id, "Family support")
    await the_bot(server.env).db.write(
        lambda c: c.execute(
            "UPDATE consultations SET status = 'cancelled', closed_at = created_at + 60, "
            "close_kind = 'cancelled' WHERE id = ?",
            (request_id,),
        )
    )

    asked = await server.admin.slash(server.general, "setup type remove", name="Family support")
    assert asked.response is not None
    done = await server.admin.click(asked.response, label="Remove")

    assert "1 past requests now count under the server's own setup" in text_of(
        done.response or asked.response
    )
    row = await the_bot(server.env).db.fetchone(
        "SELECT type_id, status FROM consultations WHERE id = ?", (request_id,)
    )
    assert row is not None
    assert row["type_id"] is None
    assert row["status"] == "cancelled"


async def test_a_server_without_types_has_no_type_rows(env: simcord.Env) -> None:
    """Nothing changes for a server that never adds a type: requests are of the default."""
    guild = env.create_guild()
    admin, _ = add_admin(env, guild)
    general = guild.create_text_channel("general")

    listing = said(await admin.slash(general, "setup type list"))

    assert "None yet" in listing
    assert "Consultation types (0 of 10)" in listing
