"""Bad input for ``/setup question add`` and ``/setup question edit``: the same table of inputs
as ``tests/test_bad_input`` (empty, too long, mentions, markdown, invisible characters…) for
each text an admin types about a type's question."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
import simcord

from bot.consultations import LABEL_LIMIT, PLACEHOLDER_LIMIT
from tests.conftest import ConsultServer
from tests.reliability import bot_of, said, without_client_checks
from tests.test_bad_input import CASES, Command, check

TYPE = "Family support"
ORIGINAL = "Who is this about?"
ORIGINAL_PLACEHOLDER = "e.g. my brother"


async def _type(server: ConsultServer) -> int:
    kind = await bot_of(server.env).services.consult_types.add(
        server.guild.id,
        name=TYPE,
        description="For family members and friends",
        staff_role_id=server.staff_role.id,
        now=server.env.now(),
    )
    return kind.id


async def _prepared_type(server: ConsultServer) -> None:
    await _type(server)


async def _prepared_question(server: ConsultServer) -> None:
    type_id = await _type(server)
    await bot_of(server.env).services.intake.add(
        server.guild.id, type_id, label=ORIGINAL, placeholder=ORIGINAL_PLACEHOLDER
    )


async def _last(server: ConsultServer, column: str) -> tuple[bool, str | None]:
    """The type's last question (the one added or edited), if it has one."""
    row = await bot_of(server.env).db.fetchone(
        f"SELECT {column} FROM consult_questions WHERE type_id IN "
        "(SELECT id FROM consult_types WHERE guild_id = ?) ORDER BY position DESC LIMIT 1",
        (server.guild.id,),
    )
    return (False, None) if row is None else (True, row[column])


async def _shown(server: ConsultServer) -> list[str]:
    listing = await server.admin.slash(server.general, "setup question list", type=TYPE)
    return [said(listing)]


async def _slash(
    server: ConsultServer, command: str, options: dict[str, object], forged: bool
) -> simcord.InteractionResult:
    if forged:
        with without_client_checks():
            return await server.admin.slash(server.general, command, **options)
    return await server.admin.slash(server.general, command, **options)


def _add(option: str) -> Callable[[ConsultServer, str, bool], Awaitable[simcord.InteractionResult]]:
    async def send(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
        options: dict[str, object] = {"type": TYPE, "label": ORIGINAL, option: text}
        return await _slash(server, "setup question add", options, forged)

    return send


def _edit(
    option: str,
) -> Callable[[ConsultServer, str, bool], Awaitable[simcord.InteractionResult]]:
    async def send(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
        options: dict[str, object] = {"type": TYPE, "question": "3", option: text}
        return await _slash(server, "setup question edit", options, forged)

    return send


def _column(column: str) -> Callable[[ConsultServer], Awaitable[tuple[bool, str | None]]]:
    async def stored(server: ConsultServer) -> tuple[bool, str | None]:
        return await _last(server, column)

    return stored


def _changed(
    column: str, original: str
) -> Callable[[ConsultServer], Awaitable[tuple[bool, str | None]]]:
    """For an edit: stored means the column no longer holds what it held before."""

    async def stored(server: ConsultServer) -> tuple[bool, str | None]:
        _, value = await _last(server, column)
        return value != original, value

    return stored


TABLES = {
    "add label": Command(
        limit=LABEL_LIMIT,
        required=True,
        slash=True,
        send=_add("label"),
        stored=_column("label"),
        shown=_shown,
        prepare=_prepared_type,
        name="question",
    ),
    "add placeholder": Command(
        limit=PLACEHOLDER_LIMIT,
        required=False,
        slash=True,
        send=_add("placeholder"),
        stored=_column("placeholder"),
        shown=_shown,
        prepare=_prepared_type,
        name="placeholder",
    ),
    "edit label": Command(
        limit=LABEL_LIMIT,
        required=True,
        slash=True,
        send=_edit("label"),
        stored=_changed("label", ORIGINAL),
        shown=_shown,
        prepare=_prepared_question,
        name="question",
    ),
    "edit placeholder": Command(  # a blank one empties it
        limit=PLACEHOLDER_LIMIT,
        required=False,
        slash=True,
        send=_edit("placeholder"),
        stored=_changed("placeholder", ORIGINAL_PLACEHOLDER),
        shown=_shown,
        prepare=_prepared_question,
        name="placeholder",
    ),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("table", list(TABLES))
async def test_setup_question_text(env: simcord.Env, table: str, case: str) -> None:
    await check(env, TABLES[table], case)
