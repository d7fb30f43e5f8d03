"""A full member + staff flow with a sentinel in every free-text field: none of it may reach
the logs, and none of it may be readable in the raw database files (notes are encrypted)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.bot import SupportBot
from tests.conftest import ConsultServer
from tests.test_consult_member import ask
from tests.test_consult_staff import cards, the_thread

SENTINELS = {
    "note": "SENTINEL-NOTE-7731",
    "preferred": "SENTINEL-TIME-1187",
    "staff_note": "SENTINEL-STAFF-5529",
    "reason": "SENTINEL-REASON-9043",
    "checkin": "SENTINEL-CHECKIN-3361",
    "label": "SENTINEL-LABEL-8815",
    "chat": "SENTINEL-CHAT-2290",
}


def raw_database_bytes(path: Path) -> bytes:
    """The database file and its WAL/SHM companions, as they sit on disk."""
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


async def test_no_member_words_in_logs_or_database_files(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = consult_server
    bot = server.env.bot
    assert isinstance(bot, SupportBot)

    await ask(server, note=f"please {SENTINELS['note']}", preferred=SENTINELS["preferred"])
    await server.staff[0].click(cards(server)[-1], label="Claim")
    thread = the_thread(server)
    await server.member.send(thread, f"thank you {SENTINELS['chat']}")
    await server.staff[0].slash(thread, "ticket note", text=SENTINELS["staff_note"])
    await server.staff[0].slash(thread, "ticket close", reason=SENTINELS["reason"])
    await server.member.slash(server.general, "checkin", mood=2, note=SENTINELS["checkin"])
    await server.member.slash(
        server.general, "milestone set", date="2026-01-01", label=SENTINELS["label"]
    )

    # Every free-text field really was stored (encrypted), so the byte check below means something.
    row = await bot.db.fetchone(
        "SELECT status, note, preferred_time, close_reason FROM consultations"
    )
    assert row is not None
    assert row["status"] == "closed"
    assert bot.cipher.decrypt(row["note"]) == f"please {SENTINELS['note']}"
    assert bot.cipher.decrypt(row["preferred_time"]) == SENTINELS["preferred"]
    assert bot.cipher.decrypt(row["close_reason"]) == SENTINELS["reason"]
    staff_note = await bot.db.fetchone("SELECT body FROM consultation_notes")
    assert staff_note is not None
    assert bot.cipher.decrypt(staff_note["body"]) == SENTINELS["staff_note"]
    checkin = await bot.db.fetchone("SELECT note FROM checkins")
    assert checkin is not None
    assert bot.cipher.decrypt(checkin["note"]) == SENTINELS["checkin"]
    milestone = await bot.db.fetchone("SELECT label FROM milestones")
    assert milestone is not None
    assert bot.cipher.decrypt(milestone["label"]) == SENTINELS["label"]
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    on_disk = raw_database_bytes(Path(bot.settings.database_path))
    for field, sentinel in SENTINELS.items():
        assert sentinel not in logged, f"{field} reached the logs"
        assert sentinel.encode() not in on_disk, f"{field} is readable in the database file"


async def test_mydata_delete_leaves_no_copy_of_the_erased_rows_on_disk(
    consult_server: ConsultServer,
) -> None:
    """Erased rows are zeroed in the file (secure_delete) and the WAL, which still holds
    every earlier version of their pages, is checkpointed and cut to nothing."""
    server = consult_server
    bot = server.env.bot
    assert isinstance(bot, SupportBot)
    await ask(server, note=f"please {SENTINELS['note']}", preferred=SENTINELS["preferred"])
    await server.member.slash(server.general, "checkin", mood=2, note=SENTINELS["checkin"])
    stored = [
        row[0]
        for row in await bot.db.fetchall(
            "SELECT note FROM consultations UNION ALL SELECT preferred_time FROM consultations "
            "UNION ALL SELECT note FROM checkins"
        )
    ]
    assert len(stored) == 3
    path = Path(bot.settings.database_path)
    before = raw_database_bytes(path)
    assert all(token in before for token in stored)  # the scan below can see them

    asked = await server.member.slash(server.general, "mydata delete")
    await server.member.click(asked.response, label="Delete my data")

    assert await bot.db.fetchone("SELECT 1 FROM checkins") is None
    assert await bot.db.pragma("secure_delete") == 1
    on_disk = raw_database_bytes(path)
    for token in stored:
        assert token not in on_disk, "an erased value is still readable in the files"
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
