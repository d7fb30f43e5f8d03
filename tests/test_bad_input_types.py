"""Bad input for ``/setup type add`` and ``/setup type edit``: the same table of inputs as
``tests/test_bad_input`` (empty, too long, mentions, markdown, invisible characters…) for each
text a server's admin types about a consultation type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
import simcord

from bot.consultations import TYPE_DESCRIPTION_LIMIT, TYPE_NAME_LIMIT, TYPE_RESPONSE_LIMIT
from tests.conftest import ConsultServer
from tests.reliability import bot_of, said, without_client_checks
from tests.test_bad_input import CASES, Command, check

ORIGINAL = "Family support"
ORIGINAL_DESCRIPTION = "For family members and friends"
ORIGINAL_RESPONSE = "Usually within a day"


async def _row(server: ConsultServer, column: str) -> tuple[bool, str | None]:
    row = await bot_of(server.env).db.fetchone(
        f"SELECT {column} FROM consult_types WHERE guild_id = ?", (server.guild.id,)
    )
    return (False, None) if row is None else (True, row[column])


async def _shown(server: ConsultServer) -> list[str]:
    listing = await server.admin.slash(server.general, "setup type list")
    show = await server.admin.slash(server.general, "setup show")
    return [said(listing), said(show)]


async def _prepared(server: ConsultServer) -> None:
    await bot_of(server.env).services.consult_types.add(
        server.guild.id,
        name=ORIGINAL,
        description=ORIGINAL_DESCRIPTION,
        staff_role_id=server.staff_role.id,
        now=server.env.now(),
        response_time_text=ORIGINAL_RESPONSE,
    )


async def _slash(
    server: ConsultServer, command: str, options: dict[str, object], forged: bool
) -> simcord.InteractionResult:
    if forged:
        with without_client_checks():
            return await server.admin.slash(server.general, command, **options)
    return await server.admin.slash(server.general, command, **options)


def _add(option: str) -> Callable[[ConsultServer, str, bool], Awaitable[simcord.InteractionResult]]:
    async def send(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
        options: dict[str, object] = {
            "name": ORIGINAL,
            "description": ORIGINAL_DESCRIPTION,
            "staff_role": server.staff_role,
            option: text,
        }
        return await _slash(server, "setup type add", options, forged)

    return send


def _edit(
    option: str,
) -> Callable[[ConsultServer, str, bool], Awaitable[simcord.InteractionResult]]:
    async def send(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
        return await _slash(server, "setup type edit", {"name": ORIGINAL, option: text}, forged)

    return send


def _changed(
    column: str, original: str
) -> Callable[[ConsultServer], Awaitable[tuple[bool, str | None]]]:
    """For an edit: stored means the column no longer holds what it held before."""

    async def stored(server: ConsultServer) -> tuple[bool, str | None]:
        _, value = await _row(server, column)
        return value != original, value

    return stored


def _column(column: str) -> Callable[[ConsultServer], Awaitable[tuple[bool, str | None]]]:
    async def stored(server: ConsultServer) -> tuple[bool, str | None]:
        return await _row(server, column)

    return stored


TABLES = {
    "add name": Command(
        limit=TYPE_NAME_LIMIT,
        required=True,
        slash=True,
        send=_add("name"),
        stored=_column("name"),
        shown=_shown,
        name="name",
    ),
    "add description": Command(
        limit=TYPE_DESCRIPTION_LIMIT,
        required=True,
        slash=True,
        send=_add("description"),
        stored=_column("description"),
        shown=_shown,
        name="description",
    ),
    "add response_time": Command(
        limit=TYPE_RESPONSE_LIMIT,
        required=False,
        slash=True,
        send=_add("response_time"),
        stored=_column("response_time_text"),
        shown=_shown,
        name="expected response text",
    ),
    "edit new_name": Command(
        limit=TYPE_NAME_LIMIT,
        required=True,
        slash=True,
        send=_edit("new_name"),
        stored=_changed("name", ORIGINAL),
        shown=_shown,
        prepare=_prepared,
        name="name",
    ),
    "edit description": Command(
        limit=TYPE_DESCRIPTION_LIMIT,
        required=True,
        slash=True,
        send=_edit("description"),
        stored=_changed("description", ORIGINAL_DESCRIPTION),
        shown=_shown,
        prepare=_prepared,
        name="description",
    ),
    "edit response_time": Command(  # a blank one empties it (back to the server's)
        limit=TYPE_RESPONSE_LIMIT,
        required=False,
        slash=True,
        send=_edit("response_time"),
        stored=_changed("response_time_text", ORIGINAL_RESPONSE),
        shown=_shown,
        prepare=_prepared,
        name="expected response text",
    ),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("table", list(TABLES))
async def test_setup_type_text(env: simcord.Env, table: str, case: str) -> None:
    await check(env, TABLES[table], case)
