"""/privacy, /mydata and /admin forget through SimCord, and the daily purge job."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord

from bot import limits
from bot.bot import SupportBot, create_bot
from bot.errors import OutOfDateError
from bot.privacy import pseudonym, pseudonym_key
from bot.settings import Settings
from cogs.privacy._cog import ERASED_NOTICE, EXPORT_TOO_LARGE, LAST_PURGE_KEY
from cogs.privacy._views import CONFIRM_MINUTES, EXPIRED
from tests.conftest import add_admin, make_settings, restart
from tests.helpers import text_of, the_bot

SENTINEL = "SENTINEL-b41c-my-words"


def reply(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    """What the member sees last: a follow-up, or the (edited) original response."""
    message = result.followups[-1] if result.followups else result.response
    assert message is not None
    return message


async def add_checkin(
    env: simcord.Env, user_id: int, note: str, day: int = 1, *, guild_id: int | None = None
) -> None:
    bot = the_bot(env)
    async with bot.db.transaction() as tx:
        await tx.execute(
            "INSERT INTO checkins (user_id, guild_id, local_day, created_at, mood, craving, note) "
            "VALUES (?, ?, ?, ?, 2, 6, ?)",
            (
                user_id,
                guild_id,
                f"2026-01-{day:02d}",
                env.now().isoformat(),
                bot.cipher.encrypt(note),
            ),
        )


async def add_request(
    env: simcord.Env,
    guild_id: int,
    member_id: int,
    note: str,
    *,
    status: str = "open",
    card: discord.Message | None = None,
    thread_id: int | None = None,
    closed_at: dt.datetime | None = None,
) -> int:
    bot = the_bot(env)
    async with bot.db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, priority, "
            "status, note, created_at, thread_id, card_channel_id, card_message_id, closed_at, "
            "close_kind) VALUES (?, 7, ?, 'relapse', 'soon', 1, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                member_id,
                status,
                bot.cipher.encrypt(note),
                int(env.now().timestamp()),
                thread_id,
                card.channel.id if card else None,
                card.id if card else None,
                int(closed_at.timestamp()) if closed_at else None,
                "cancelled" if closed_at else None,
            ),
        )
    return int(cursor.lastrowid or 0)


async def rows(env: simcord.Env, sql: str, *params: Any) -> int:
    row = await the_bot(env).db.fetchone(sql, params)
    assert row is not None
    return int(row[0])


def server(env: simcord.Env) -> tuple[simcord.GuildHandle, simcord.ChannelHandle]:
    guild = env.create_guild("Recovery Group")
    return guild, guild.create_text_channel("general")


# ---------------------------------------------------------------------------------- /privacy


async def test_privacy_explains_storage_in_plain_words(env: simcord.Env) -> None:
    _, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))

    result = await member.slash(channel, "privacy")

    assert result.ephemeral
    text = text_of(result.response)
    for needle in ("What is stored", "How long", "Who can see", "/mydata delete", "30 days"):
        assert needle in text
    assert "{days}" not in text


# ------------------------------------------------------------------------------------ /mydata


async def test_mydata_show_with_nothing_stored(env: simcord.Env) -> None:
    _, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))

    result = await member.slash(channel, "mydata show")

    assert result.ephemeral
    message = reply(result)
    assert "don't store anything about you" in text_of(message)


async def test_mydata_show_lists_what_is_stored_escaped(env: simcord.Env) -> None:
    guild, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))
    other = env.guild.add_member(env.create_user("bob"))
    await add_checkin(env, member.id, f"{SENTINEL} **bold** @everyone")
    await add_request(env, guild.id, member.id, "please call after work")
    await add_checkin(env, other.id, "bob's note")

    result = await member.slash(channel, "mydata show")

    assert result.ephemeral
    text = text_of(reply(result))
    assert "Your private check-ins (1)" in text
    assert "\\*\\*bold\\*\\*" in text
    assert "@\u200beveryone" in text
    assert "Your requests to talk to a consultant (1)" in text
    assert "please call after work" in text
    assert "bob's note" not in text


async def test_mydata_show_with_many_records_stays_within_discord_limits(
    env: simcord.Env,
) -> None:
    _, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))
    for n in range(60):
        await add_checkin(env, member.id, f"{n} " + "long words " * 40, day=n % 28 + 1)

    result = await member.slash(channel, "mydata show")

    message = reply(result)
    assert message is not None
    shown = message.embeds[0]
    assert len(shown) <= 6000
    assert "55 earlier" in text_of(message)


async def test_mydata_export_with_no_data_is_a_json_file(env: simcord.Env) -> None:
    _, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))

    result = await member.slash(channel, "mydata export")

    assert result.ephemeral
    message = reply(result)
    assert len(message.content) < 400
    attachment = message.attachments[0]
    assert attachment.filename.endswith(".json")
    exported = json.loads(await attachment.read())
    assert exported["member_id"] == str(member.id)
    assert exported["data"] == {}
    assert exported["manifest"]["withheld"]


async def test_an_export_too_large_to_send_says_what_the_member_can_do(
    env: simcord.Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))
    await add_checkin(env, member.id, SENTINEL)
    # Discord's upload limit, shrunk. The extension is loaded fresh by the bot, so patch the
    # module its cog really lives in, not the one this test imported.
    loaded = sys.modules[type(the_bot(env).get_cog("Privacy")).__module__]
    monkeypatch.setattr(loaded, "MAX_EXPORT_BYTES", 100)

    result = await member.slash(channel, "mydata export")

    assert result.ephemeral
    message = reply(result)
    assert message.content == EXPORT_TOO_LARGE
    assert not message.attachments
    assert "/mydata delete" in message.content
    assert "admin" not in message.content  # no promise of an export nobody can make
    assert SENTINEL not in message.content


async def test_mydata_export_with_many_records_is_a_file_not_a_long_message(
    env: simcord.Env,
) -> None:
    guild, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))
    for n in range(400):
        await add_checkin(env, member.id, f"{SENTINEL} {n} " + "x" * 200, day=n % 28 + 1)
    await add_request(env, guild.id, member.id, f"{SENTINEL} request")

    result = await member.slash(channel, "mydata export")

    message = reply(result)
    assert SENTINEL not in message.content
    assert len(message.content) < 400
    exported = json.loads(await message.attachments[0].read())
    assert len(exported["data"]["checkins"]["records"]) == 400
    request = exported["data"]["consultations"]["records"][0]
    assert request["note"] == f"{SENTINEL} request"
    assert request["guild_id"] == str(guild.id)
    assert request["member_id"] == str(member.id)


async def test_mydata_in_a_dm_covers_every_server(env: simcord.Env) -> None:
    first = env.create_guild("One")
    second = env.create_guild("Two")
    user = env.create_user("ann")
    first.add_member(user)
    second.add_member(user)
    await add_request(env, first.id, user.id, "in one")
    await add_request(env, second.id, user.id, "in two")

    result = await user.slash("mydata export")

    exported = json.loads(await reply(result).attachments[0].read())
    assert exported["server_id"] is None
    notes = {r["note"] for r in exported["data"]["consultations"]["records"]}
    assert notes == {"in one", "in two"}


async def test_mydata_delete_asks_first_then_deletes_and_twice_is_fine(env: simcord.Env) -> None:
    guild, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))
    await add_checkin(env, member.id, SENTINEL)
    await add_request(env, guild.id, member.id, SENTINEL, status="cancelled", closed_at=env.now())

    asked = await member.slash(channel, "mydata delete")
    assert asked.ephemeral
    assert "cannot be undone" in text_of(asked.response)
    assert await rows(env, "SELECT count(*) FROM checkins") == 1  # nothing yet

    done = await member.click(asked.response, label="Delete my data")

    assert done.acknowledged
    confirmation = done.response if done.response is not None else asked.response
    assert "Done. I deleted everything" in text_of(confirmation)
    assert await rows(env, "SELECT count(*) FROM checkins") == 0
    assert await rows(env, "SELECT count(*) FROM consultations") == 0
    shown = await member.slash(channel, "mydata show")
    assert "don't store anything" in text_of(reply(shown))

    again = await member.slash(channel, "mydata delete")
    second = await member.click(again.response, label="Delete my data")
    second_text = text_of(second.response if second.response is not None else again.response)
    assert "nothing needed deleting" in second_text
    assert await rows(env, "SELECT count(*) FROM privacy_audit") == 2
    audit = await the_bot(env).db.fetchall("SELECT * FROM privacy_audit")
    assert str(member.id) not in json.dumps([tuple(row) for row in audit])


async def test_mydata_delete_can_be_called_off(env: simcord.Env) -> None:
    _, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))
    await add_checkin(env, member.id, "keep me")

    asked = await member.slash(channel, "mydata delete")
    kept = await member.click(asked.response, label="Keep it")

    assert "Nothing was deleted" in text_of(kept.response or asked.response)
    assert await rows(env, "SELECT count(*) FROM checkins") == 1


async def test_deleting_during_an_open_request_closes_it_and_tells_staff(
    env: simcord.Env,
) -> None:
    guild, channel = server(env)
    queue = guild.create_text_channel("staff-queue")
    consult = guild.create_text_channel("consultations")
    member = env.guild.add_member(env.create_user("ann"))
    bot = the_bot(env)
    queue_channel = bot.get_channel(queue.id)
    consult_channel = bot.get_channel(consult.id)
    assert isinstance(queue_channel, discord.TextChannel)
    assert isinstance(consult_channel, discord.TextChannel)
    with env.time_context():
        card = await queue_channel.send(f"Request #7: {SENTINEL}")
        thread = await consult_channel.create_thread(
            name="request-7", type=discord.ChannelType.private_thread
        )
        await thread.send("A note from the bot that is not the opening message.")
        opening = await thread.send(f"Hi, here for your request #7 (coping).\n> {SENTINEL}")
        staff_reply = await thread.send("How are you doing today?")
    # A request from before migration 0009 (no opening message id): found by its words.
    # A newer one is found by its id (tests/test_consult_opening.py).
    await add_request(env, guild.id, member.id, SENTINEL, card=card, thread_id=thread.id)

    asked = await member.slash(channel, "mydata delete")
    done = await member.click(asked.response, label="Delete my data")

    text = text_of(done.response or asked.response)
    assert "An open request was closed, and staff were told" in text
    edited = next(m for m in queue.history() if m.id == card.id)
    assert SENTINEL not in text_of(edited)
    assert "Request #7 closed" in text_of(edited)
    in_thread = {m.id: m.content for m in consult.threads[0].history()}
    assert ERASED_NOTICE in in_thread.values()
    assert SENTINEL not in in_thread[opening.id]  # the opening message quoted the note
    assert in_thread[staff_reply.id] == "How are you doing today?"  # the talk is Discord's
    assert await rows(env, "SELECT count(*) FROM consultations") == 0


async def test_the_delete_question_can_be_answered_after_a_restart(
    env: simcord.Env, settings: Settings
) -> None:
    _, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))
    await add_checkin(env, member.id, SENTINEL)
    asked = await member.slash(channel, "mydata delete")

    await restart(env, settings)
    done = await member.click(asked.response, label="Delete my data")

    assert done.acknowledged
    assert "Done. I deleted everything" in text_of(done.response or asked.response)
    assert await rows(env, "SELECT count(*) FROM checkins") == 0


async def test_an_old_delete_question_expires_and_deletes_nothing(env: simcord.Env) -> None:
    _, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))
    await add_checkin(env, member.id, SENTINEL)
    asked = await member.slash(channel, "mydata delete")

    await env.advance_time(CONFIRM_MINUTES * 60 + 5)
    late = await member.click(asked.response, label="Delete my data")

    assert late.acknowledged
    assert text_of(late.response or asked.response) == EXPIRED
    assert await rows(env, "SELECT count(*) FROM checkins") == 1
    assert await rows(env, "SELECT count(*) FROM privacy_audit") == 0


async def test_a_delete_question_from_before_the_upgrade_is_answered_not_dropped(
    env: simcord.Env,
) -> None:
    _, channel = server(env)
    member = env.guild.add_member(env.create_user("ann"))
    await add_checkin(env, member.id, SENTINEL)
    old = discord.ui.View(timeout=None)
    for custom_id in ("privacy:confirm", "privacy:cancel"):
        old.add_item(discord.ui.Button(label=custom_id, custom_id=custom_id))
    old.stop()  # as after a restart: nothing in memory answers these
    sent = the_bot(env).get_channel(channel.id)
    assert isinstance(sent, discord.TextChannel)
    with env.time_context():
        question = await sent.send("Delete your data?", view=old)
    await env.settle()

    for custom_id in ("privacy:confirm", "privacy:cancel"):
        pressed = await member.click(question, custom_id=custom_id)
        assert pressed.ephemeral
        assert pressed.response.content == OutOfDateError().message
    assert await rows(env, "SELECT count(*) FROM checkins") == 1


async def test_the_delete_buttons_carry_their_question_within_discords_limit(
    env: simcord.Env,
) -> None:
    _, channel = server(env)
    admin, _ = add_admin(env, env.guild)
    member = env.guild.add_member(env.create_user("ann"))

    asked = [
        await member.slash(channel, "mydata delete"),
        await admin.slash(channel, "admin forget", member=member),
    ]

    for result in asked:
        ids = [c["custom_id"] for row in result.response.components for c in row["components"]]
        assert len(ids) == 2
        assert all(len(custom_id) <= limits.CUSTOM_ID for custom_id in ids)
        assert ids[0].startswith("privacy:erase:")


# ------------------------------------------------------------------------------ /admin forget


async def test_admin_forget_erases_and_leaves_a_pseudonymous_audit_row(env: simcord.Env) -> None:
    guild, channel = server(env)
    admin, _ = add_admin(env, guild)
    member = guild.add_member(env.create_user("ann"))
    await add_checkin(env, member.id, SENTINEL, guild_id=guild.id)
    await add_request(env, guild.id, member.id, SENTINEL)

    asked = await admin.slash(channel, "admin forget", member=member)
    assert asked.ephemeral
    done = await admin.click(asked.response, label="Erase")

    assert "audit entry" in text_of(done.response or asked.response)
    assert await rows(env, "SELECT count(*) FROM checkins") == 0
    assert await rows(env, "SELECT count(*) FROM consultations") == 0
    audit = await the_bot(env).db.fetchall("SELECT * FROM privacy_audit")
    assert len(audit) == 1
    assert audit[0]["action"] == "admin_forget"
    assert audit[0]["rows_deleted"] == 2  # the check-in and the request
    bot = the_bot(env)
    key = bot.settings.database_path.with_name(bot.settings.database_path.name + ".key")
    secret = pseudonym_key(key.read_bytes().strip())
    assert audit[0]["subject_code"] == pseudonym(secret, member.id)
    assert audit[0]["actor_code"] == pseudonym(secret, admin.id)
    dumped = json.dumps([tuple(row) for row in audit])
    assert str(member.id) not in dumped
    assert str(admin.id) not in dumped


async def test_admin_forget_is_checked_at_run_time(env: simcord.Env) -> None:
    guild, channel = server(env)
    member = guild.add_member(env.create_user("ann"))
    sneaky = guild.add_member(env.create_user("sneaky"))
    await add_checkin(env, member.id, "mine")
    command = env.backend.find_command("admin", None)
    assert command is not None
    guild.set_command_permissions(int(command["id"]), {sneaky: True})

    result = await sneaky.slash(channel, "admin forget", member=member)

    assert result.ephemeral
    assert "Manage Server" in text_of(result.response)
    assert await rows(env, "SELECT count(*) FROM checkins") == 1


async def test_an_admin_who_lost_manage_server_cannot_confirm_a_forget(
    env: simcord.Env,
) -> None:
    guild, channel = server(env)
    admin, admin_role = add_admin(env, guild)
    member = guild.add_member(env.create_user("ann"))
    await add_checkin(env, member.id, SENTINEL)
    asked = await admin.slash(channel, "admin forget", member=member)

    env.backend.remove_member_role(guild.id, admin.id, admin_role.id)
    await env.settle()
    refused = await admin.click(asked.response, label="Erase")

    assert refused.ephemeral
    assert "Manage Server" in text_of(refused.response)
    assert await rows(env, "SELECT count(*) FROM checkins") == 1


# ------------------------------------------------------------------------------------- purge


async def test_purge_runs_at_start_up_and_every_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only this feature's loop runs, so a simulated day passes quickly.
    monkeypatch.setattr("bot.bot.EXTENSIONS", ("cogs.general", "cogs.privacy"))
    settings = make_settings(tmp_path)
    async with simcord.run(create_bot(settings)) as env:
        guild, _ = server(env)
        assert await last_purge(the_bot(env)) is not None  # ran at start-up
        old = env.now() - dt.timedelta(days=31)
        await add_request(env, guild.id, 1, "old", status="cancelled", closed_at=old)

        await restart(env, settings)  # the start-up purge clears the old note
        assert await rows(env, "SELECT count(*) FROM consultations WHERE note IS NULL") == 1

        async with the_bot(env).db.transaction() as tx:
            await tx.execute(
                "INSERT INTO crisis_matches (guild_id, channel_id, message_id, user_id, "
                "category, matched_at, replied) VALUES (?, 1, 2, 3, 'direct', ?, 1)",
                (guild.id, (env.now() - dt.timedelta(days=29, hours=12)).isoformat()),
            )
        await env.advance_time(12 * 3600)
        assert await rows(env, "SELECT count(*) FROM crisis_matches") == 1  # 29.5 days: kept
        await env.advance_time(12 * 3600 + 60)
        assert await rows(env, "SELECT count(*) FROM crisis_matches") == 0  # the daily run
        last = await last_purge(the_bot(env))
        assert last is not None
        assert dt.datetime.fromisoformat(last) >= env.now() - dt.timedelta(minutes=2)
        await the_bot(env).close_database()


async def last_purge(bot: SupportBot) -> str | None:
    row = await bot.db.fetchone("SELECT value FROM bot_state WHERE key = ?", (LAST_PURGE_KEY,))
    return None if row is None else str(row["value"])


@pytest.mark.parametrize("days", [1, 45])
async def test_privacy_states_the_configured_retention_in_a_dm(tmp_path: Path, days: int) -> None:
    bot = create_bot(make_settings(tmp_path, retention_days=days))
    async with simcord.run(bot) as env:
        user = env.create_user("ann")
        result = await user.slash("privacy")
        assert f"{days} days" in text_of(result.response)
        await bot.close_database()


async def test_privacy_commands_never_log_members_words(
    env: simcord.Env, caplog_all: pytest.LogCaptureFixture
) -> None:
    guild, channel = server(env)
    admin, _ = add_admin(env, guild)
    member = guild.add_member(env.create_user("ann"))
    await add_checkin(env, member.id, SENTINEL)
    await add_request(env, guild.id, member.id, SENTINEL)

    await member.slash(channel, "mydata show")
    await member.slash(channel, "mydata export")
    asked = await admin.slash(channel, "admin forget", member=member)
    await admin.click(asked.response, label="Erase")

    assert "privacy.exported" in caplog_all.text
    assert "privacy.forgotten" in caplog_all.text
    assert SENTINEL not in caplog_all.text
