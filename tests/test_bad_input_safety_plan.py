"""Bad input in the safety plan's forms: the same table as every other typed text
(``tests/test_bad_input.py``), through the first form's "Things I can do on my own" and the
second form's "My reasons" (issue 23, item 7)."""

from __future__ import annotations

import pytest
import simcord

from bot.safety_plan import FORMS, SECTION_LIMIT
from tests.conftest import ConsultServer
from tests.reliability import bot_of, lift_form_limits, said
from tests.test_bad_input import CASES, Command, check


async def _send(
    server: ConsultServer, key: str, text: str, forged: bool
) -> simcord.InteractionResult:
    member = server.member
    part = next(number for number, form in enumerate(FORMS, 1) if key in {s.key for s in form})
    shown = await member.slash(server.general, "safety-plan edit")
    if part == 2:
        first = await member.submit_modal(shown, {s.key: "" for s in FORMS[0]})
        message = first.followups[-1] if first.followups else first.response
        await server.env.advance_time(60)  # so the second form's save is told by its time
        shown = await member.click(message, label="Continue")
    assert shown.modal is not None, said(shown)
    if forged:
        lift_form_limits(shown)
    values = {s.key: "" for s in FORMS[part - 1]} | {key: text}
    return await member.submit_modal(shown, values)


async def _stored(server: ConsultServer, key: str) -> tuple[bool, str | None]:
    """Whether the form with ``key`` was saved, and what ``key`` holds. For the second form,
    the first one's row (saved a minute earlier) does not count."""
    plan = await bot_of(server.env).services.safety_plans.get(server.member.id)
    if plan is None:
        return False, None
    if key in {s.key for s in FORMS[1]}:
        age = server.env.now() - plan.updated_at
        return age.total_seconds() < 60, plan.text(key)
    return True, plan.text(key)


async def _shown(server: ConsultServer) -> list[str]:
    return [said(await server.member.slash(server.general, "safety-plan show"))]


def _command(key: str) -> Command:
    return Command(
        limit=SECTION_LIMIT,
        required=False,
        slash=False,
        send=lambda server, text, forged: _send(server, key, text, forged),
        stored=lambda server: _stored(server, key),
        shown=_shown,
        configure=False,
    )


@pytest.mark.parametrize("case", CASES)
async def test_coping_on_the_first_form(env: simcord.Env, case: str) -> None:
    await check(env, _command("coping"), case)


@pytest.mark.parametrize("case", CASES)
async def test_reasons_on_the_second_form(env: simcord.Env, case: str) -> None:
    await check(env, _command("reasons"), case)
