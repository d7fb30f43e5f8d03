"""Bad input for ``/ticket follow-up note``: the same table of inputs as ``tests/test_bad_input``
(empty, too long, mentions, markdown, invisible characters…) for the note a consultant types
when booking a check-in. It is encrypted, for staff only, and shown in ``/queue follow-ups``.
The ``when`` option is a parsed value (``tests/test_follow_ups_service.py``)."""

from __future__ import annotations

import pytest
import simcord

from bot.consultations import FOLLOW_UP_NOTE_LIMIT
from tests.conftest import ConsultServer
from tests.reliability import bot_of, said, without_client_checks
from tests.test_bad_input import CASES, Command, check
from tests.test_consult_staff import open_and_claim, the_thread


async def _send(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
    options = {"when": "in 3 days", "note": text}
    if forged:
        with without_client_checks():
            return await server.staff[0].slash(the_thread(server), "ticket follow-up", **options)
    return await server.staff[0].slash(the_thread(server), "ticket follow-up", **options)


async def _stored(server: ConsultServer) -> tuple[bool, str | None]:
    booked = await bot_of(server.env).services.follow_ups.booked_with(
        server.guild.id, server.member.id
    )
    if not booked:
        return False, None
    assert len(booked) == 1
    return True, booked[0].note


async def _shown(server: ConsultServer) -> list[str]:
    listing = await server.staff[0].slash(server.general, "queue follow-ups")
    return [said(listing)]


async def _claimed(server: ConsultServer) -> None:
    await open_and_claim(server)


FOLLOW_UP_NOTE = Command(
    name="note",
    limit=FOLLOW_UP_NOTE_LIMIT,
    required=False,
    slash=True,
    send=_send,
    stored=_stored,
    shown=_shown,
    prepare=_claimed,
    pinged_users=lambda server: {server.member.id, server.staff[0].id},
)


@pytest.mark.parametrize("case", CASES)
async def test_follow_up_note(env: simcord.Env, case: str) -> None:
    await check(env, FOLLOW_UP_NOTE, case)
