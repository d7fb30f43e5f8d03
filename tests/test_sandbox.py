"""``python -m bot sandbox``: the real bot in SimCord, served to a browser on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.checkins import CheckinService
from bot.consultations import ConsultationService, Status
from bot.db import database_in_use
from bot.guild_config import GuildConfigRepository
from bot.milestones import MilestoneRepository
from bot.sandbox import SandboxOptions, SandboxSession, run_sandbox, sandbox_session

# The sandbox runs a web server, and a browser for one test (which waits up to 90 s).
pytestmark = pytest.mark.timeout(120)

if TYPE_CHECKING:
    from simcord import MemberActor

pytest.importorskip("PIL", reason="the sandbox needs simcord[preview] (pip install -e '.[dev]')")

CHROMIUM = Path("/usr/bin/chromium")
PERSONAS = {
    "Sam (new member)",
    "Alex (member)",
    "Jordan (staff)",
    "Riley (staff)",
    "Morgan (admin)",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def options(tmp_path: Path, **changes: Any) -> SandboxOptions:
    values: dict[str, Any] = {"database_path": tmp_path / "sandbox.db", "open_browser": False}
    values.update(changes)
    return SandboxOptions(**values)


async def in_sandbox(tmp_path: Path, check: Callable[[SandboxSession], Awaitable[None]]) -> None:
    """Run ``check`` against a running sandbox; the bot must not have hit an error."""
    async with sandbox_session(options(tmp_path, port=free_port())) as session:
        await check(session)
        assert session.env.errors == []


class Page:
    """The HTTP calls the bundled page makes, done with aiohttp."""

    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        base, _, self.capability = url.partition("#")
        self.base = base.rstrip("/")
        self.http = http
        self.context: dict[str, Any] = {}
        self.sequence = 0

    @property
    def headers(self) -> dict[str, str]:
        headers = {"X-Simcord-Capability": self.capability}
        if self.context:
            headers["X-Simcord-Context"] = self.context["id"]
        return headers

    async def open(self) -> dict[str, Any]:
        async with self.http.post(f"{self.base}/api/pages", json={}, headers=self.headers) as r:
            assert r.status == 200
            page: dict[str, Any] = await r.json()
        self.context = page["context"]
        return page

    async def state(self) -> dict[str, Any]:
        async with self.http.get(f"{self.base}/api/state", headers=self.headers) as r:
            assert r.status == 200
            result: dict[str, Any] = await r.json()
            return result

    async def run_command(self, invocation: str, **options: Any) -> dict[str, Any]:
        async with self.http.get(f"{self.base}/api/commands", headers=self.headers) as r:
            catalog = await r.json()
        entry = next(e for e in catalog["entries"] if e["invocation"] == invocation)
        return await self.action(
            "run_command",
            command_id=entry["commandId"],
            schema_fingerprint=entry["schemaFingerprint"],
            path=entry["path"],
            options=options,
        )

    async def view_as(self, persona: MemberActor) -> dict[str, Any]:
        """The page's "Viewing as" menu."""
        return await self.action("viewer", viewer_id=str(persona.id))

    async def action(self, kind: str, **fields: Any) -> dict[str, Any]:
        page = await self.state()
        self.context = page["context"]
        self.sequence += 1
        body = {
            "protocol_version": 3,
            "kind": kind,
            "request_id": f"test-{self.sequence}",
            "sequence": self.sequence,
            "generation": self.context["generation"],
            "bot_generation": page["botGeneration"],
            "published_revision": page["publishedRevision"],
            **fields,
        }
        async with self.http.post(f"{self.base}/api/action", json=body, headers=self.headers) as r:
            assert r.status == 200
            result: dict[str, Any] = await r.json()
        if result["rejected"]:  # a refused action does not use up its sequence number
            self.sequence = result["expectedSequence"]
        return result


async def wait_for_url(out: io.StringIO, task: asyncio.Task[int]) -> str:
    for _ in range(600):
        for word in out.getvalue().split():
            if word.startswith("http://"):
                return word
        if task.done():
            task.result()
            raise AssertionError(f"the sandbox ended without a URL: {out.getvalue()}")
        await asyncio.sleep(0.05)
    raise AssertionError("the sandbox printed no URL")


def other_local_address() -> str | None:
    """An address of this machine that is not 127.0.0.1, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent for UDP connect
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address.startswith("127.") else address


async def test_the_sandbox_prints_its_link_once_and_serves_the_page(tmp_path: Path) -> None:
    out = io.StringIO()
    stop = asyncio.Event()
    port = free_port()
    task = asyncio.create_task(run_sandbox(options(tmp_path, port=port), out=out, stop=stop))
    try:
        url = await wait_for_url(out, task)
        assert url.startswith(f"http://127.0.0.1:{port}/#")
        async with aiohttp.ClientSession() as http:
            async with http.get(url.partition("#")[0]) as response:
                assert response.status == 200
                assert response.content_type == "text/html"
                assert "<html" in (await response.text()).lower()
            async with http.post(f"http://127.0.0.1:{port}/api/pages", json={}) as response:
                assert response.status == 401  # no capability, no access

            page = Page(http, url)
            opened = await page.open()
            assert opened["channel"]["name"] == "general"
            assert {viewer["name"] for viewer in opened["viewers"]} == PERSONAS

            # A command typed in the page runs the real bot: /crisis answers privately.
            result = await page.run_command("crisis")
            assert result["settlement"] == "settled"
            assert not result["rejected"]
            messages = (await page.state())["messages"]
            assert "988" in str(messages)
        address = other_local_address()
        if address is not None:  # loopback only: another interface is refused
            with pytest.raises(OSError, match=r"."):
                socket.create_connection((address, port), timeout=2).close()
        assert database_in_use(tmp_path / "sandbox.db")
    finally:
        stop.set()
    assert await task == 0
    text = out.getvalue()
    assert text.count(url.partition("#")[2]) == 1  # the capability is printed once
    assert "Sandbox stopped." in text
    assert not database_in_use(tmp_path / "sandbox.db")


async def test_the_server_is_set_up_like_setup_would(tmp_path: Path) -> None:
    await in_sandbox(tmp_path, _the_server_is_set_up_like_setup_would)


async def _the_server_is_set_up_like_setup_would(session: SandboxSession) -> None:
    server, bot = session.server, session.bot
    config = await GuildConfigRepository(bot.db).get(server.guild.id)
    assert config.consultations_ready
    assert config.staff_role_id == server.staff_role.id
    assert config.queue_channel_id == server.queue.id
    assert config.consult_channel_id == server.consultations.id
    assert config.welcome_channel_id == server.welcome.id
    assert config.meetings_channel_id == server.meetings.id

    guild = bot.get_guild(server.guild.id)
    assert guild is not None
    assert len(guild.scheduled_events) == 2
    queue = guild.get_channel(server.queue.id)
    assert queue is not None
    assert not queue.permissions_for(guild.default_role).view_channel
    assert queue.permissions_for(guild.me).send_messages

    member = session.personas.member
    milestone = await MilestoneRepository(bot.db, bot.cipher).get(server.guild.id, member.id)
    assert milestone is not None
    history = await CheckinService(bot.db, bot.cipher).history(
        member.id, now=session.env.now(), zone=ZoneInfo("UTC")
    )
    assert history.days
    waiting = await ConsultationService(bot.db, bot.cipher).waiting(server.guild.id, limit=10)
    assert len(waiting) == 3
    kinds = await bot.services.consult_types.list(server.guild.id)
    assert [kind.name for kind in kinds] == ["Recovery support", "Family and friends"]
    family = next(c for c in waiting if c.type_id == kinds[1].id)
    assert family.note == "How can I support my brother?"
    assert session.missing == []


async def test_a_member_asks_for_a_consultant_and_staff_claim_it(tmp_path: Path) -> None:
    await in_sandbox(tmp_path, _a_member_asks_for_a_consultant_and_staff_claim_it)


async def _a_member_asks_for_a_consultant_and_staff_claim_it(session: SandboxSession) -> None:
    server, bot = session.server, session.bot
    sam, jordan = session.personas.newcomer, session.personas.staff[0]

    offered = await sam.slash(server.general, "consult")  # the sandbox has two types
    assert offered.response is not None
    kinds = await bot.services.consult_types.list(server.guild.id)
    form = await sam.select(offered.response, [str(kinds[0].id)])
    assert form.modal is not None
    answer = await sam.submit_modal(form, {"urgency": ["routine"], "note": "Evenings are hard."})
    assert answer.ephemeral
    service = ConsultationService(bot.db, bot.cipher)
    request = await service.active_for_member(server.guild.id, sam.id)
    assert request is not None
    assert request.status is Status.OPEN

    card = next(
        message
        for message in reversed(server.queue.history())
        if any(
            getattr(child, "custom_id", None) == f"consult:claim:{request.id}"
            for row in message.components
            for child in getattr(row, "children", [])
        )
    )
    claimed = await jordan.click(card, custom_id=f"consult:claim:{request.id}")
    assert claimed.ephemeral

    request = await service.get(request.id)
    assert request is not None
    assert request.status is Status.CLAIMED
    assert request.claimed_by == jordan.id
    assert request.thread_id is not None

    # The card names the people beside their mentions (issue 24): trainers see who is who.
    redrawn = next(m for m in server.queue.history() if m.id == card.id)
    shown = "\n".join(
        [e.description or "" for e in redrawn.embeds]
        + [f.value or "" for e in redrawn.embeds for f in e.fields]
    )
    assert f"<@{sam.id}> (Sam (new member))" in shown
    assert f"Claimed by <@{jordan.id}> (Jordan (staff))" in shown

    # The terminal switcher can present the private thread by its name.
    thread = next(t for t in server.consultations.threads if t.id == request.thread_id)
    assert thread.name is not None
    assert session.channels()[thread.name].id == thread.id


async def test_the_page_switches_channel_in_place(tmp_path: Path) -> None:
    await in_sandbox(tmp_path, _the_page_switches_channel_in_place)


async def _the_page_switches_channel_in_place(session: SandboxSession) -> None:
    server = session.server
    sam, jordan = session.personas.newcomer, session.personas.staff[0]
    async with aiohttp.ClientSession() as http:
        page = Page(http, session.url)
        opened = await page.open()
        context = opened["context"]
        assert opened["channel"]["name"] == "general"

        # Sam (a member) moves the page to #meetings with /sandbox-show, typed in the page.
        shown = await page.run_command("sandbox-show", channel=str(server.meetings.id))
        assert shown["settlement"] == "settled", shown
        state = await page.state()
        assert state["channel"]["name"] == "meetings"
        assert state["context"]["id"] == context["id"]  # same page: no reload needed
        assert state["context"]["generation"] > context["generation"]
        assert "Welcome to the sandbox" not in json_text(state["messages"])  # #general's

        # Sam cannot pick the staff queue: he can't see it, as in Discord.
        refused = await page.run_command("sandbox-show", channel=str(server.queue.id))
        assert refused["rejected"] is True
        assert (await page.state())["channel"]["name"] == "meetings"

        # Jordan (staff) can: the seeded requests' cards are there.
        await page.view_as(jordan)
        await page.run_command("sandbox-show", channel=str(server.queue.id))
        state = await page.state()
        assert state["channel"]["name"] == server.queue.name
        assert any("consult:claim:" in json_text(m) for m in state["messages"].values())

        # Jordan claims a request from the page and follows it into the private thread.
        card = next(m for m in state["messages"].values() if "consult:claim:" in json_text(m))
        claim = next(c for c in controls(card) if c["label"] == "Claim")
        claimed = await page.action("click", target_id=card["id"], control_key=claim["control_key"])
        assert claimed["settlement"] == "settled", claimed
        thread = server.consultations.threads[-1]
        # The claim reply's link is text in the page, so the page follows it by itself.
        state = await page.state()
        assert state["channel"]["id"] == str(thread.id)
        assert state["status"] == "current"
        await page.run_command("sandbox-show", channel=str(thread.id))
        state = await page.state()
        assert state["channel"]["id"] == str(thread.id)
        assert state["status"] == "current"

        # Sam is not in that thread: viewing as Sam, the page says so instead of showing it.
        await page.view_as(sam)
        assert (await page.state())["status"] == "access_denied"


async def test_the_clock_moves_on_from_the_page(tmp_path: Path) -> None:
    await in_sandbox(tmp_path, _the_clock_moves_on_from_the_page)


async def _the_clock_moves_on_from_the_page(session: SandboxSession) -> None:
    server, bot = session.server, session.bot
    service = ConsultationService(bot.db, bot.cipher)
    waiting = await service.waiting(server.guild.id, limit=10)
    assert waiting, "the sandbox seeds requests that wait in the queue"
    assert all(request.last_reminded_at is None for request in waiting)
    before = session.env.now()
    async with aiohttp.ClientSession() as http:
        page = Page(http, session.url)
        await page.open()
        await page.view_as(session.personas.staff[0])
        moved = await page.run_command("sandbox-time", advance="2h")
        assert moved["settlement"] == "settled", moved
        assert "Moving the clock on by 2 hours" in json_text((await page.state())["messages"])
        await session.clock_settled()  # the clock moves once the page's action has ended
        assert session.env.now() - before >= dt.timedelta(hours=2)
        # The requests waited two hours: staff were reminded of each, as on a real server.
        reminded = await service.waiting(server.guild.id, limit=10)
        assert all(request.last_reminded_at is not None for request in reminded)
        assert (await page.state())["status"] == "current"


def json_text(value: Any) -> str:
    return json.dumps(value)


def controls(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The buttons and menus of a message as the page shows them."""
    return [item for row in message["components"] for item in row.get("components", [])]


async def test_seeding_happens_once_and_reset_starts_over(tmp_path: Path) -> None:
    async def counts() -> tuple[int, int, int]:
        async with sandbox_session(options(tmp_path, reset=reset)) as running:
            bot, server = running.bot, running.server
            member = running.personas.member
            rows = await bot.db.fetchall(
                "SELECT COUNT(*) AS n FROM checkins WHERE user_id = ?", (member.id,)
            )
            waiting = await ConsultationService(bot.db, bot.cipher).waiting(
                server.guild.id, limit=50
            )
            cards = [m for m in server.queue.history() if m.embeds]
            assert running.env.errors == []
            return int(rows[0]["n"]), len(waiting), len(cards)

    reset = False
    first = await counts()
    second = await counts()  # same ids every run: nothing seeded twice, cards posted again
    reset = True
    third = await counts()
    assert first[0] > 0
    assert second == first
    assert third == first


async def test_a_busy_port_is_one_sentence(tmp_path: Path) -> None:
    from bot.errors import StartupError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StartupError, match=f"port {port}"):
            async with sandbox_session(options(tmp_path, port=port)):
                pass


SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
"""Where ``UPDATE_SCREENSHOTS=1`` writes the README's pictures (this test takes them)."""


@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Chromium is not installed (/usr/bin/chromium, Debian package 'chromium'); "
    "the browser screenshot check needs it",
)
async def test_a_browser_shows_help_and_a_staff_card(tmp_path: Path) -> None:
    """The README's two screenshots, taken in a real browser: a new member's ``/help`` and a
    staff card in the queue with the member's name beside the mention. Checked every run;
    written to docs/screenshots/ only with ``UPDATE_SCREENSHOTS=1``."""

    async def check(session: SandboxSession) -> None:
        await _browser_shows_help_and_a_staff_card(session, tmp_path)

    await in_sandbox(tmp_path, check)


async def _browser_shows_help_and_a_staff_card(session: SandboxSession, tmp_path: Path) -> None:
    sam, server = session.personas.newcomer, session.server
    result = await sam.slash(server.general, "help")
    assert result.ephemeral
    assert session.preview is not None
    await session.preview.show(result)
    help_shot = await _screenshot(session.url, tmp_path, "help")

    # The page again, opened as Jordan on the staff queue, where the seeded cards wait (a
    # browser's new page takes the first viewer; SimCord allows one Preview at a time).
    await session.preview.close()
    session.preview = await session.env.preview(
        server.queue, viewers=list(session.personas.staff), layout="channel", port=0
    ).__aenter__()
    card_shot = await _screenshot(session.url, tmp_path, "staff-card")

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for shot in (help_shot, card_shot):
            (SCREENSHOTS / shot.name).write_bytes(shot.read_bytes())


async def _screenshot(url: str, tmp_path: Path, name: str) -> Path:
    from PIL import Image, ImageStat

    shot = tmp_path / f"{name}.png"
    process = await asyncio.create_subprocess_exec(
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / ('profile-' + name)}",
        f"--screenshot={shot}",
        "--window-size=1200,900",
        "--virtual-time-budget=5000",
        url,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await asyncio.wait_for(process.wait(), timeout=90)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert shot.exists()
    with Image.open(shot) as image:
        assert image.size == (1200, 900)
        grey = image.convert("L")
        assert ImageStat.Stat(grey).stddev[0] > 10  # not one flat colour
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None
        assert len(colours) > 50
    return shot


def test_python_m_bot_sandbox_runs_until_ctrl_c(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    environment.pop("DISPLAY", None)
    environment.pop("WAYLAND_DISPLAY", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--no-browser", "--database", "sb.db"],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        lines: list[str] = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "http://127.0.0.1:" in line:
                break
        assert any("http://127.0.0.1:" in line for line in lines), "".join(lines)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert "Sandbox stopped." in stdout
    assert "Traceback" not in stderr
    assert not database_in_use(tmp_path / "sb.db")
