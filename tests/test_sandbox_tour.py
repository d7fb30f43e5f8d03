"""``python -m bot sandbox --tour consult``: the guided tour for trainers (issue 24).

The tour runs in a real sandbox session; the test plays the trainer through the page's own
HTTP API (the ``Page`` helper), and the tour's scripted member acts by itself.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.consultations import Status
from bot.privacy import known_in_server
from bot.sandbox import SandboxSession, sandbox_session
from tests.test_sandbox import Page, controls, free_port, json_text, options

pytestmark = pytest.mark.timeout(120)

pytest.importorskip("PIL", reason="the sandbox needs simcord[preview] (pip install -e '.[dev]')")

STEP_WAIT = 20.0


async def reach(session: SandboxSession, step: int) -> None:
    assert session.tour is not None
    await asyncio.wait_for(session.tour.at_step(step), STEP_WAIT)
    assert session.tour.step == step, session.tour.lines


async def shown_line(page: Page, needle: str) -> dict[str, Any]:
    """The page's state, which must show a tour line containing ``needle``."""
    state = await page.state()
    lines = [
        m
        for m in state["messages"].values()
        if "Sandbox tour" in json_text(m) and needle in json_text(m)
    ]
    assert lines, (needle, state["channel"], json_text(state["messages"])[-2000:])
    return state


async def test_the_consult_tour_walks_a_trainer_through_a_request(tmp_path: Path) -> None:
    async with sandbox_session(options(tmp_path, port=free_port(), tour="consult")) as session:
        await _walk_the_tour(session)
        assert session.env.errors == []


async def _walk_the_tour(session: SandboxSession) -> None:
    tour = session.tour
    assert tour is not None
    server, bot = session.server, session.bot
    jordan = session.personas.staff[0]
    async with aiohttp.ClientSession() as http:
        page = Page(http, session.url)
        await page.open()

        await reach(session, 1)
        state = await shown_line(page, "Tour 1/5")
        assert state["channel"]["name"] == "general"
        assert "Taylor, a member, has just asked for a consultant" in json_text(state["messages"])
        await page.view_as(jordan)

        await reach(session, 2)
        state = await shown_line(page, "Tour 2/5")
        assert state["channel"]["name"] == server.queue.name
        assert "You are Jordan (staff). Press **Claim** on Taylor" in json_text(state["messages"])
        claim_id = f"consult:claim:{tour.request_id}"
        card = next(m for m in state["messages"].values() if claim_id in json_text(m))
        claim = next(c for c in controls(card) if c["label"] == "Claim")
        claimed = await page.action("click", target_id=card["id"], control_key=claim["control_key"])
        assert claimed["settlement"] == "settled", claimed

        await reach(session, 3)
        request = await bot.services.consultations.get(tour.request_id)
        assert request is not None
        assert request.claimed_by == jordan.id
        state = await shown_line(page, "Tour 3/5")
        assert state["channel"]["id"] == str(request.thread_id)
        sent = await page.action(
            "send_message", content="Hi Taylor, I'm Jordan. I'm glad you asked."
        )
        assert sent["settlement"] == "settled", sent

        await reach(session, 4)
        state = await shown_line(page, "Tour 4/5")
        assert "Thank you, that really helps" in json_text(state["messages"])  # the member
        closed = await page.run_command("ticket close", reason="Talked it through")
        assert closed["settlement"] == "settled", closed

        await reach(session, 5)
        await asyncio.wait_for(tour.task or asyncio.sleep(0), STEP_WAIT)
        state = await shown_line(page, "Tour 5/5")
        assert state["channel"]["name"] == server.queue.name
        assert "rated it 5 of 5" in json_text(state["messages"])
        await shown_line(page, "Tour done")

    assert tour.result is not None
    assert (tour.result.status, tour.result.rating) == (Status.CLOSED, 5)
    assert [line.split("**")[1] for line in tour.lines] == [
        *(f"Tour {n}/5" for n in range(1, 6)),
        "Tour done",
    ]
    # Reset: nothing of the tour's member is left, so the next tour starts fresh.
    assert not await known_in_server(bot.db, server.tour_member.id, server.guild.id)
