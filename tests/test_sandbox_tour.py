"""``python -m bot sandbox --tour consult``: the guided tour for trainers (issue 24).

The tour runs in a real sandbox session; the test plays the trainer through the page's own
HTTP API (the ``Page`` helper), and the tour's scripted member acts by itself.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.__main__ import main as bot_main
from bot.consultations import Status
from bot.errors import StartupError
from bot.privacy import erase, known_in_server
from bot.sandbox import SandboxOptions, SandboxSession, run_sandbox, sandbox_session
from bot.sandbox.tour import CONSULT, tour_named
from tests.test_sandbox import Page, controls, free_port, json_text, options, wait_for_url

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


async def test_a_tour_left_waiting_stops_politely_and_the_next_start_is_fresh(
    tmp_path: Path,
) -> None:
    async with sandbox_session(options(tmp_path, tour="consult", tour_idle_seconds=0.5)) as first:
        tour = first.tour
        assert tour is not None
        assert tour.task is not None
        await asyncio.wait_for(tour.task, STEP_WAIT)
        assert tour.step == 1
        assert tour.lines[-1].startswith(
            "🧭 **Tour stopped** · The tour waited 0.5 seconds without a step, so it stops here."
        )
        assert tour.result is None
        server = first.server
        # Left as it was: the trainer may still finish it by hand.
        assert await known_in_server(first.bot.db, server.tour_member.id, server.guild.id)
        assert first.env.errors == []

    async with sandbox_session(options(tmp_path, tour="consult")) as second:
        tour = second.tour
        assert tour is not None, second.missing
        await reach(second, 1)
        assert second.missing == []
        server, bot = second.server, second.bot
        waiting = await bot.services.consultations.waiting(server.guild.id, limit=10)
        mine = [r for r in waiting if r.member_id == server.tour_member.id]
        assert [r.id for r in mine] == [tour.request_id]  # a fresh one; the old one erased
        cards = [m for m in server.queue.history() if "consult:claim:" in str(m.components)]
        assert len(cards) == len(waiting)  # no stale card left from the first run
        assert second.env.errors == []


async def test_a_tour_whose_request_is_erased_meanwhile_stops(tmp_path: Path) -> None:
    async with sandbox_session(options(tmp_path, tour="consult")) as session:
        tour = session.tour
        assert tour is not None
        assert tour.task is not None
        await reach(session, 1)
        server = session.server
        await erase(session.bot.db, server.tour_member.id, server.guild.id, server_only=True)
        await asyncio.wait_for(tour.task, STEP_WAIT)
        assert tour.lines[-1] == (
            "🧭 **Tour stopped** · Taylor's request ended another way, so the tour stops here. "
            "The next `--tour consult` starts fresh."
        )
        assert tour.result is None
        assert session.env.errors == []


async def test_without_tour_there_is_no_tour_and_no_tour_request(tmp_path: Path) -> None:
    async with sandbox_session(options(tmp_path)) as session:
        assert session.tour is None
        server, bot = session.server, session.bot
        assert not await known_in_server(bot.db, server.tour_member.id, server.guild.id)


# --------------------------------------------------------------------------- the command line


def test_the_tour_option_reaches_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.sandbox as sandbox_module

    seen: list[SandboxOptions] = []

    def fake_main(options: SandboxOptions) -> int:
        seen.append(options)
        return 0

    monkeypatch.setattr(sandbox_module, "main", fake_main)
    assert bot_main(["sandbox", "--tour", "consult", "--no-browser"]) == 0
    assert bot_main(["sandbox", "--no-browser"]) == 0
    assert [options.tour for options in seen] == ["consult", None]


@pytest.mark.parametrize("name", ["consult", "Consult", "  consult ", "con\u200bsult", "CONSULT"])
def test_a_tour_name_is_cleaned_at_the_text_boundary(name: str) -> None:
    assert tour_named(name) == "consult"


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("nope", "There is no tour called “nope”: the sandbox has one, --tour consult."),
        ("", "--tour needs the name of a tour"),
        ("\u200b\u2066\u200b", "--tour needs the name of a tour"),
        ("x" * 41, "--tour needs the name of a tour"),
        ("\x1b[31mnope\x07", "There is no tour called “[31mnope”"),
        ("no\npe\u202e", "There is no tour called “no pe”"),
    ],
)
def test_a_bad_tour_name_is_one_sentence(name: str, said: str) -> None:
    with pytest.raises(StartupError) as refused:
        tour_named(name)
    sentence = str(refused.value)
    assert said in sentence
    assert "\n" not in sentence
    assert all(ch.isprintable() for ch in sentence)


def test_an_unknown_tour_stops_the_sandbox_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "sb.db"
    assert bot_main(["sandbox", "--tour", "nope", "--no-browser", "--database", str(database)]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == (
        "There is no tour called “nope”: the sandbox has one, --tour consult."
    )
    assert captured.out == ""
    assert not database.exists()


def test_python_m_bot_sandbox_with_an_unknown_tour_prints_one_sentence(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "sandbox", "--tour", "nope", "--no-browser"],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "There is no tour called “nope”: the sandbox has one, --tour consult."
    ]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_the_readme_shows_the_tours_lines() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    for number, step in enumerate(CONSULT, 1):
        line = step.line.format(member="Taylor", staff="Jordan (staff)", rating="5 of 5")
        plain = line.replace("**", "").replace("`", "")
        assert f"🧭 Tour {number}/{len(CONSULT)} · {plain}" in readme
    assert "python -m bot sandbox --tour consult" in readme


async def test_the_command_line_says_the_tour_is_on(tmp_path: Path) -> None:
    out = io.StringIO()
    stop = asyncio.Event()
    task = asyncio.create_task(run_sandbox(options(tmp_path, tour="consult"), out=out, stop=stop))
    try:
        await wait_for_url(out, task)
        assert 'Tour: consult. Follow the "Sandbox tour" lines in the page' in out.getvalue()
    finally:
        stop.set()
    assert await task == 0
