"""The opening message of a request's private thread, kept by id (migration 0009, issue 16)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.consultations import ConsultationService
from bot.crypto import Cipher
from bot.db import MIGRATIONS_DIR, Database
from tests.test_consult_service import GUILD, STAFF, T0, open_request

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
    before = [tuple(r) for r in await db.fetchall("SELECT * FROM consultations ORDER BY id")]
    await db.close()

    db = await Database.open(path)
    after = await db.fetchall("SELECT * FROM consultations ORDER BY id")
    assert [tuple(r)[:-1] for r in after] == before
    assert [r["opening_message_id"] for r in after] == [None, None, None]  # found by words
    for table in ("consultation_events", "consultation_notes"):
        counted = await db.fetchone(f"SELECT count(*) FROM {table}")
        assert counted is not None
        assert counted[0] == 1
    upgraded = ConsultationService(db, Cipher(Fernet.generate_key()))
    assert await upgraded.set_opening_message(2, 700, 901)  # the old thread, once it is known
    await db.close()
