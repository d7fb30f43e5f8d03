"""The opening message of a request's private thread, kept by id (migration 0009, issue 16).

The opening message quotes the member's note, so erasing their data edits it. It is found by
the id saved when it was sent, never by its words (a later message may say the same); only a
thread from before the id was kept (NULL) is still searched for its text.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import discord
import pytest
import simcord
from cryptography.fernet import Fernet

from bot.consultations import ConsultationService
from bot.crypto import Cipher
from bot.db import MIGRATIONS_DIR, Database
from bot.settings import Settings
from cogs.consult._embeds import opening_marker
from cogs.privacy._cog import ERASED_NOTICE, OPENING_ERASED
from tests.conftest import ConsultServer, make_consult_server, restart
from tests.helpers import the_bot
from tests.test_consult_member import ask
from tests.test_consult_member import service as bot_service
from tests.test_consult_service import GUILD, STAFF, T0, open_request
from tests.test_consult_staff import card_for, cards, open_and_claim, the_thread

NOTE = "I'd like to talk"  # the note ``open_and_claim`` leaves


async def stored_opening(env: simcord.Env, number: int = 1) -> int | None:
    row = await the_bot(env).db.fetchone(
        "SELECT opening_message_id FROM consultations WHERE number = ?", (number,)
    )
    assert row is not None
    value: int | None = row["opening_message_id"]
    return value


async def bot_says(env: simcord.Env, thread_id: int, text: str) -> discord.Message:
    """A later message of mine in the thread (as a staff tool or an older bot might post)."""
    thread = the_bot(env).get_channel(thread_id)
    assert isinstance(thread, discord.Thread)
    with env.time_context():
        return await thread.send(text)


async def erase(server: ConsultServer) -> None:
    asked = await server.member.slash(server.general, "mydata delete")
    done = await server.member.click(asked.response, label="Delete my data")
    assert done.acknowledged


def contents(thread: simcord.ChannelHandle) -> dict[int, str]:
    return {m.id: m.content for m in thread.history()}


# ------------------------------------------------------------------------------ saving the id


async def test_a_claim_saves_the_opening_messages_id(consult_server: ConsultServer) -> None:
    server = consult_server
    await open_and_claim(server)

    opening = the_thread(server).history()[0]
    assert NOTE in opening.content
    assert await stored_opening(server.env) == opening.id
    stored = await bot_service(server.env).get_in_guild(server.guild.id, 1)
    assert stored.opening_message_id == opening.id  # reads carry it


async def test_a_reclaimed_request_keeps_its_first_opening_message(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await open_and_claim(server)
    opening = the_thread(server).history()[0]
    await server.staff[0].slash(the_thread(server), "ticket release")
    await server.staff[1].click(card_for(server, 1), label="Claim")

    thread = the_thread(server)  # the same thread, carried on
    assert "picked up request #1" in thread.history()[-1].content
    assert await stored_opening(server.env) == opening.id


async def test_an_adopted_thread_gets_its_opening_message_and_id(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    await ask(server, note=NOTE)
    # The claim was saved and the thread made, then the bot stopped before saving the thread:
    # so before sending the opening message too.
    await bot_service(env).claim(server.guild.id, 1, server.staff[0].id, env.now())
    channel = the_bot(env).get_channel(server.consult.id)
    assert isinstance(channel, discord.TextChannel)
    made = await channel.create_thread(
        name="request-1", type=discord.ChannelType.private_thread, invitable=False
    )
    assert await stored_opening(env) is None

    await restart(env, settings)

    thread = the_thread(server)
    assert thread.id == made.id
    openings = [m for m in thread.history() if opening_marker(1) in m.content]
    assert len(openings) == 1
    assert await stored_opening(env) == openings[0].id


async def test_an_opening_message_that_could_not_be_sent_leaves_none_on_record(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = consult_server
    await ask(server, note=NOTE)
    server.env.inject_error("POST", "/channels/*/messages", status=500, times=1)
    with caplog.at_level(logging.WARNING):
        await server.staff[0].click(cards(server)[-1], label="Claim")

    assert "consultation.thread_setup_incomplete id=1" in caplog.text
    assert not any(opening_marker(1) in m.content for m in the_thread(server).history())
    assert await stored_opening(server.env) == 0  # a new thread: none on record, not "unknown"


# ------------------------------------------------------------------------------ erasing


async def test_an_erasure_edits_the_opening_message_by_its_id(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)
    opening = thread.history()[0]
    later = await bot_says(server.env, thread.id, f"About {opening_marker(1)}: {NOTE}")

    await erase(server)

    after = contents(thread)
    assert after[opening.id] == f"Request #1: {OPENING_ERASED}"
    assert after[later.id] == f"About {opening_marker(1)}: {NOTE}"  # not mine to rewrite
    assert ERASED_NOTICE in after.values()
    assert await the_bot(server.env).db.fetchone("SELECT id FROM consultations") is None


async def test_a_deleted_opening_message_is_logged_and_no_other_message_is_edited(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = consult_server
    moderator_role = server.guild.create_role(
        "Moderator", permissions=discord.Permissions(manage_messages=True, manage_threads=True)
    )
    moderator = server.guild.add_member(server.env.create_user("moderator"), roles=[moderator_role])
    await open_and_claim(server)
    thread = the_thread(server)
    opening = thread.history()[0]
    # Said again later in the thread: searching by the words would now edit this one.
    later = await bot_says(server.env, thread.id, f"Still here for {opening_marker(1)}> {NOTE}")
    await moderator.delete(opening)

    with caplog.at_level(logging.WARNING):
        await erase(server)

    assert "privacy.opening_note_failed" in caplog.text
    assert "status=404" in caplog.text
    after = contents(thread)
    assert opening.id not in after
    assert after[later.id] == f"Still here for {opening_marker(1)}> {NOTE}"
    assert ERASED_NOTICE in after.values()  # the other steps still ran
    edits = [
        r.json
        for r in server.env.http_requests
        if r.method == "PATCH" and r.path == f"/channels/{thread.id}"
    ]
    assert {"archived": True, "locked": True}.items() <= (edits[-1] or {}).items()


async def test_a_thread_with_no_opening_message_on_record_has_nothing_edited(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await ask(server, note=NOTE)
    server.env.inject_error("POST", "/channels/*/messages", status=500, times=1)
    await server.staff[0].click(cards(server)[-1], label="Claim")
    thread = the_thread(server)
    later = await bot_says(server.env, thread.id, f"Hi, here for {opening_marker(1)}> {NOTE}")

    await erase(server)

    assert contents(thread)[later.id] == f"Hi, here for {opening_marker(1)}> {NOTE}"


async def test_a_thread_from_before_the_id_was_kept_is_searched_by_its_words(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await open_and_claim(server)
    thread = the_thread(server)
    opening = thread.history()[0]
    async with the_bot(server.env).db.transaction() as tx:  # as migration 0009 leaves it
        await tx.execute("UPDATE consultations SET opening_message_id = NULL")

    await erase(server)

    assert contents(thread)[opening.id] == f"Request #1: {OPENING_ERASED}"


# ------------------------------------------------------------------------------ the service


async def test_the_id_follows_the_thread(service: ConsultationService, db: Database) -> None:
    request = await open_request(service, 1)
    await service.claim(GUILD, request.id, STAFF, T0)

    assert await service.attach_thread(request.id, STAFF, 500)
    assert (await service.get(request.id) or request).opening_message_id == 0
    assert not await service.set_opening_message(request.id, 501, 900)  # another thread
    assert (await service.get(request.id) or request).opening_message_id == 0
    assert await service.set_opening_message(request.id, 500, 900)
    assert (await service.get(request.id) or request).opening_message_id == 900

    await service.forget_thread(request.id, 500)
    assert (await service.get(request.id) or request).opening_message_id is None
    assert not await service.set_opening_message(request.id, 500, 901)  # it has no thread now

    assert await service.attach_thread(request.id, STAFF, 600)  # a new thread starts again
    assert (await service.get(request.id) or request).opening_message_id == 0
    await service.set_opening_message(request.id, 600, 902)
    await service.release(GUILD, request.id, STAFF, T0)
    await service.thread_gone(600, T0)  # deleted while it waited in the queue
    row = await db.fetchone("SELECT thread_id, opening_message_id FROM consultations")
    assert row is not None
    assert tuple(row) == (None, None)


async def test_the_database_refuses_a_negative_id(
    service: ConsultationService, db: Database
) -> None:
    import sqlite3

    request = await open_request(service, 1)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute(
                "UPDATE consultations SET opening_message_id = -1 WHERE id = ?", (request.id,)
            )


# ------------------------------------------------------------------------------ the upgrade


async def test_the_upgrade_keeps_every_request(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < 9:
            shutil.copy(path, earlier / path.name)
    path = tmp_path / "old.db"
    db = await Database.open(path, migrations_dir=earlier)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO consultations (guild_id, number, member_id, topic, urgency, priority, "
            "status, note, created_at, claimed_by, claimed_at, thread_id, closed_at, close_kind) "
            "VALUES (?, ?, ?, 'coping', 'routine', 2, ?, ?, 100, ?, ?, ?, ?, ?)",
            [
                (GUILD, 1, 1, "open", b"sealed-1", None, None, None, None, None),
                (GUILD, 2, 2, "claimed", b"sealed-2", STAFF, 200, 700, None, None),
                (GUILD, 3, 3, "closed", None, None, None, 701, 300, "resolved"),
            ],
        )
        await tx.execute(
            "INSERT INTO consultation_events (consultation_id, guild_id, kind, actor_id, at) "
            "VALUES (2, ?, 'claimed', ?, 200)",
            (GUILD, STAFF),
        )
        await tx.execute(
            "INSERT INTO consultation_notes (consultation_id, author_id, body, created_at) "
            "VALUES (2, ?, x'00', 200)",
            (STAFF,),
        )
    before = [dict(r) for r in await db.fetchall("SELECT * FROM consultations ORDER BY id")]
    await db.close()

    db = await Database.open(path)
    after = await db.fetchall("SELECT * FROM consultations ORDER BY id")
    # Every column there was keeps its value (later migrations add more columns after it).
    assert [{key: r[key] for key in before[0]} for r in after] == before
    assert [r["opening_message_id"] for r in after] == [None, None, None]  # found by words
    for table in ("consultation_events", "consultation_notes"):
        counted = await db.fetchone(f"SELECT count(*) FROM {table}")
        assert counted is not None
        assert counted[0] == 1
    upgraded = ConsultationService(db, Cipher(Fernet.generate_key()))
    assert await upgraded.set_opening_message(2, 700, 901)  # the old thread, once it is known
    await db.close()
