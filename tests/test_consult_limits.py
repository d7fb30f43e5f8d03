"""The hourly cap and the cooldown, against every urgency, through SimCord.

A member who says "I am struggling right now" (urgent) is never refused by either: the request
is taken, the staff role is pinged, and the crisis lines are shown. Routine and "soon"
requests are refused politely, with the crisis lines, and nothing is stored.
"""

from __future__ import annotations

import pytest
import simcord

from bot.consultations import Urgency
from tests.conftest import ConsultServer, make_consult_server
from tests.reliability import assert_polite, bot_of
from tests.test_consult_member import ask, service
from tests.test_consult_staff import cards

CRISIS_LINES = ("988", "741741")


async def _cap_is_full(server: ConsultServer) -> None:
    """Someone else's request fills a cap of one per hour."""
    await ask(server, server.members[1])


async def _in_cooldown(server: ConsultServer) -> None:
    """The member's last request was cancelled a moment ago (a 10-minute cooldown)."""
    await ask(server)
    status = await server.member.slash(server.general, "consult-cancel")
    assert status.response is not None
    await server.member.click(status.response, label="Yes, cancel it")
    assert await service(server.env).active_for_member(server.guild.id, server.member.id) is None


LIMITS = {
    "hourly_cap": ({"hourly_cap": 1, "cooldown_minutes": 0}, _cap_is_full),
    "cooldown": ({"hourly_cap": 1000, "cooldown_minutes": 10}, _in_cooldown),
}


async def _count(server: ConsultServer) -> int:
    row = await bot_of(server.env).db.fetchone("SELECT COUNT(*) FROM consultations")
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("limit", list(LIMITS))
@pytest.mark.parametrize("urgency", [level.value for level in Urgency])
async def test_limits_never_refuse_someone_struggling(
    env: simcord.Env, limit: str, urgency: str
) -> None:
    config, reach_limit = LIMITS[limit]
    server = await make_consult_server(env, **config)
    await reach_limit(server)
    before_rows, before_cards = await _count(server), len(cards(server))

    result = await ask(server, urgency=urgency)

    text = assert_polite(result)
    for line in CRISIS_LINES:  # shown whether the request is taken or not
        assert line in text, text
    stored = await service(env).active_for_member(server.guild.id, server.member.id)
    if urgency == Urgency.URGENT:
        assert "is in" in text, text
        assert stored is not None
        assert stored.urgency is Urgency.URGENT
        assert await _count(server) == before_rows + 1
        card = cards(server)[-1]
        assert len(cards(server)) == before_cards + 1
        assert card.content.startswith(f"<@&{server.staff_role.id}>")  # staff are pinged
        assert [role.id for role in card.role_mentions] == [server.staff_role.id]
    else:
        assert "paused" in text or "can be opened in" in text, text
        assert stored is None
        assert await _count(server) == before_rows
        assert len(cards(server)) == before_cards
