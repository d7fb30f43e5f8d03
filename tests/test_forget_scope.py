"""/admin forget reaches one server's data only, and only people that server knows (issue 13.6).

Check-ins record the server they were written in (NULL: a DM, or written before 0007). A
server's admin erases only what was written in that server; the member's own ``/mydata delete``
still erases everything of theirs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import simcord

from bot.db import MIGRATIONS_DIR, Database
from cogs.privacy._embeds import not_known_here
from tests.conftest import add_admin
from tests.helpers import the_bot
from tests.test_privacy_commands import add_request, reply, rows, text_of


async def add_checkin(env: simcord.Env, user_id: int, guild_id: int | None, note: str) -> None:
    bot = the_bot(env)
    async with bot.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO checkins (user_id, guild_id, local_day, created_at, mood, craving, note) "
            "VALUES (?, ?, '2026-01-01', ?, 3, 2, ?)",
            (user_id, guild_id, env.now().isoformat(), bot.cipher.encrypt(note)),
        )


async def checkin_servers(env: simcord.Env, user_id: int) -> list[int | None]:
    found = await the_bot(env).db.fetchall(
        "SELECT guild_id FROM checkins WHERE user_id = ? ORDER BY id", (user_id,)
    )
    return [row["guild_id"] for row in found]


def two_servers(
    env: simcord.Env,
) -> tuple[simcord.GuildHandle, simcord.GuildHandle, simcord.ChannelHandle, simcord.MemberActor]:
    """Server A and server B, each with a #general; B has an admin."""
    first = env.create_guild("Server A")
    first.create_text_channel("general")
    second = env.create_guild("Server B")
    channel = second.create_text_channel("general")
    admin, _ = add_admin(env, second)
    return first, second, channel, admin


async def forget(
    admin: simcord.MemberActor, channel: simcord.ChannelHandle, target: object
) -> simcord.InteractionResult:
    asked = await admin.slash(channel, "admin forget", member=target)
    assert asked.ephemeral
    assert "Erase this member's data?" in text_of(asked.response), text_of(asked.response)
    return await admin.click(asked.response, label="Erase")


async def test_an_admin_of_b_erases_only_what_was_written_in_b(env: simcord.Env) -> None:
    first, second, channel_b, admin = two_servers(env)
    user = env.create_user("ann")
    first.add_member(user)
    member_b = second.add_member(user)
    await add_checkin(env, user.id, first.id, "written in A")
    await add_checkin(env, user.id, None, "written in a DM")
    await add_checkin(env, user.id, second.id, "written in B")
    await add_request(env, first.id, user.id, "asked in A")

    done = await forget(admin, channel_b, member_b)

    assert "Done" in text_of(done.response)
    assert await checkin_servers(env, user.id) == [first.id, None]
    assert await rows(env, "SELECT count(*) FROM consultations WHERE guild_id = ?", first.id) == 1
    audit = await the_bot(env).db.fetchall(
        "SELECT action, guild_id, rows_deleted FROM privacy_audit"
    )
    assert [tuple(row) for row in audit] == [("admin_forget", second.id, 1)]


async def test_an_admin_cannot_forget_someone_never_in_their_server(env: simcord.Env) -> None:
    first, _, channel_b, admin = two_servers(env)
    user = env.create_user("ann")
    first.add_member(user)
    await add_checkin(env, user.id, first.id, "written in A")
    await add_checkin(env, user.id, None, "from before servers were kept")

    refused = await admin.slash(channel_b, "admin forget", member=user)

    assert refused.ephemeral
    assert text_of(refused.response) == not_known_here(user.mention)
    assert not refused.response.components  # no Erase button to press
    assert await checkin_servers(env, user.id) == [first.id, None]
    assert await rows(env, "SELECT count(*) FROM privacy_audit") == 0


async def test_an_admin_can_forget_a_former_member_of_their_server(env: simcord.Env) -> None:
    first, second, channel_b, admin = two_servers(env)
    user = env.create_user("ann")
    first.add_member(user)
    member_b = second.add_member(user)
    await add_checkin(env, user.id, second.id, "written in B")
    await add_checkin(env, user.id, first.id, "written in A")
    await add_request(
        env, second.id, user.id, "asked in B", status="cancelled", closed_at=env.now()
    )
    second.remove_member(member_b)
    await env.settle()

    done = await forget(admin, channel_b, user)

    assert "Done. I deleted everything" in text_of(done.response)
    assert await checkin_servers(env, user.id) == [first.id]
    assert await rows(env, "SELECT count(*) FROM consultations") == 0


async def test_a_former_staff_member_named_on_a_request_can_be_forgotten(
    env: simcord.Env,
) -> None:
    _, second, channel_b, admin = two_servers(env)
    helper = env.create_user("helper")
    request = await add_request(
        env, second.id, 12345, "someone else's", status="cancelled", closed_at=env.now()
    )
    async with the_bot(env).db.transaction() as tx:
        await tx.execute(
            "UPDATE consultations SET closed_by = ? WHERE id = ?", (helper.id, request)
        )

    done = await forget(admin, channel_b, helper)

    assert "removed their id" in text_of(done.response)
    assert await rows(env, "SELECT count(*) FROM consultations WHERE closed_by = ?", helper.id) == 0


async def test_the_members_own_delete_still_erases_every_checkin(env: simcord.Env) -> None:
    first, second, channel_b, _ = two_servers(env)
    user = env.create_user("ann")
    first.add_member(user)
    member_b = second.add_member(user)
    await add_checkin(env, user.id, first.id, "written in A")
    await add_checkin(env, user.id, None, "written in a DM")
    await add_checkin(env, user.id, second.id, "written in B")

    shown = await member_b.slash(channel_b, "mydata show")
    assert "Your private check-ins (3)" in text_of(reply(shown))
    asked = await member_b.slash(channel_b, "mydata delete")
    await member_b.click(asked.response, label="Delete my data")

    assert await checkin_servers(env, user.id) == []


async def test_a_delete_in_a_dm_erases_everything(env: simcord.Env) -> None:
    first, second, _, _ = two_servers(env)
    user = env.create_user("ann")
    first.add_member(user)
    second.add_member(user)
    await add_checkin(env, user.id, first.id, "written in A")
    await add_checkin(env, user.id, None, "written in a DM")
    await add_request(
        env, second.id, user.id, "asked in B", status="cancelled", closed_at=env.now()
    )

    asked = await user.slash("mydata delete")
    await user.click(asked.response, label="Delete my data")

    assert await checkin_servers(env, user.id) == []
    assert await rows(env, "SELECT count(*) FROM consultations") == 0


async def test_a_checkin_stores_the_server_it_was_written_in(env: simcord.Env) -> None:
    _, second, channel_b, _ = two_servers(env)
    user = env.create_user("ann")
    member_b = second.add_member(user)

    await member_b.slash(channel_b, "checkin", mood=4)
    await user.slash("checkin", mood=3)

    assert await checkin_servers(env, user.id) == [second.id, None]


async def test_migration_0007_keeps_old_checkins_untied(tmp_path: Path) -> None:
    old = tmp_path / "migrations"
    old.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if int(path.name[:4]) <= 6:
            shutil.copy(path, old / path.name)
    database = await Database.open(tmp_path / "support.db", migrations_dir=old)
    async with database.transaction() as tx:
        await tx.execute(
            "INSERT INTO checkins (user_id, local_day, created_at, mood) "
            "VALUES (7, '2026-01-01', '2026-01-01T00:00:00+00:00', 3)"
        )
    await database.close()

    database = await Database.open(tmp_path / "support.db")
    found = await database.fetchall("SELECT user_id, guild_id, mood FROM checkins")
    await database.close()

    assert [tuple(row) for row in found] == [(7, None, 3)]
