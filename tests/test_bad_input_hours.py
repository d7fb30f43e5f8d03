"""Bad input for ``/setup closure add message``: the same table of inputs as
``tests/test_bad_input`` (empty, too long, mentions, markdown, invisible characters…) for the
one text an admin types about working hours, shown to members who ask during the closure."""

from __future__ import annotations

import pytest
import simcord

from bot.consultations.hours import CLOSURE_MESSAGE
from tests.conftest import ConsultServer
from tests.reliability import bot_of, said, without_client_checks
from tests.test_bad_input import CASES, Command, check
from tests.test_consult_member import ask


async def _send(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
    options = {"start": "2025-12-31", "end": "2026-01-01", "message": text}
    if forged:
        with without_client_checks():
            return await server.admin.slash(server.general, "setup closure add", **options)
    return await server.admin.slash(server.general, "setup closure add", **options)


async def _stored(server: ConsultServer) -> tuple[bool, str | None]:
    row = await bot_of(server.env).db.fetchone(
        "SELECT message FROM consult_closures WHERE guild_id = ?", (server.guild.id,)
    )
    return (False, None) if row is None else (True, str(row["message"]))


async def _shown(server: ConsultServer) -> list[str]:
    listing = await server.admin.slash(server.general, "setup closure list")
    return [said(listing), said(await ask(server))]


CLOSURE = Command(
    name="closure message",
    limit=CLOSURE_MESSAGE,
    required=True,
    slash=True,
    send=_send,
    stored=_stored,
    shown=_shown,
)


@pytest.mark.parametrize("case", CASES)
async def test_closure_message(env: simcord.Env, case: str) -> None:
    await check(env, CLOSURE, case)
