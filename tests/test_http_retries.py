"""discord.py's own retries, with the HTTP client exactly as the bot builds it.

SimCord stands in for discord.py's HTTP client, so inside it a 5xx or a 429 reaches the bot at
once (the fault matrix tests what the bot then does). The waiting and retrying happen one layer
down, in discord.py's ``HTTPClient.request``. Here the bot's real client (from ``create_bot``)
talks over real HTTP to a small stand-in for Discord's REST API on 127.0.0.1 that answers
from a script, so those layers are shown to work together: a 429 is waited out once (no busy
loop), a 502 is retried, and a 503 or 403 comes back to the bot after a single call.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import discord
import pytest
from aiohttp import web

from bot.bot import SupportBot, create_bot
from bot.settings import Settings

CHANNEL_ID = 4242
MESSAGE = {
    "id": "1",
    "channel_id": str(CHANNEL_ID),
    "content": "Request #1",
    "author": {"id": "7", "username": "bot", "discriminator": "0", "avatar": None},
    "timestamp": "2026-11-27T00:00:00+00:00",
    "edited_timestamp": None,
    "tts": False,
    "mention_everyone": False,
    "mentions": [],
    "mention_roles": [],
    "attachments": [],
    "embeds": [],
    "pinned": False,
    "type": 0,
}
RATE_LIMIT_HEADERS = {
    "Via": "1.1 google",  # without it discord.py takes a 429 for a Cloudflare ban
    "X-RateLimit-Bucket": "messages",
    "X-RateLimit-Limit": "5",
    "X-RateLimit-Remaining": "0",
    "X-RateLimit-Reset-After": "0.2",
}


@dataclass
class FakeDiscord:
    """Answers ``POST /channels/{id}/messages`` from ``script``, then with success."""

    script: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    calls: list[float] = field(default_factory=list)

    async def send_message(self, request: web.Request) -> web.Response:
        self.calls.append(time.monotonic())
        if self.script:
            status, body = self.script.pop(0)
            return as_discord(body, status, RATE_LIMIT_HEADERS if status == 429 else {})
        return as_discord(MESSAGE)

    async def me(self, request: web.Request) -> web.Response:
        return as_discord(MESSAGE["author"])


def as_discord(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # discord.py parses JSON only when the content type is exactly application/json.
    return web.Response(
        body=json.dumps(body).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    app = web.Application()
    app.router.add_post("/api/v10/channels/{channel}/messages", fake.send_message)
    app.router.add_get("/api/v10/users/@me", fake.me)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    monkeypatch.setattr(discord.http.Route, "BASE", f"http://127.0.0.1:{port}/api/v10")
    try:
        yield fake
    finally:
        await runner.cleanup()


@pytest.fixture
async def bot_http(settings: Settings) -> AsyncIterator[discord.http.HTTPClient]:
    """The bot's own HTTP client, logged in against the stand-in (nothing else started)."""
    bot: SupportBot = create_bot(settings)
    bot.http.loop = asyncio.get_running_loop()  # what Client.login would set
    await bot.http.static_login(settings.discord_token.get_secret_value())
    try:
        yield bot.http
    finally:
        await bot.http.close()


async def send(http: discord.http.HTTPClient) -> Any:
    return await http.send_message(
        CHANNEL_ID,
        params=discord.http.MultipartParameters(
            payload={"content": "Request #1"}, multipart=None, files=None
        ),
    )


async def test_a_429_is_waited_out_once_then_sent(
    fake_discord: FakeDiscord, bot_http: discord.http.HTTPClient
) -> None:
    retry_after = 0.2
    fake_discord.script = [
        (
            429,
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
        )
    ]

    sent = await send(bot_http)

    assert sent["id"] == "1"
    assert len(fake_discord.calls) == 2  # one wait, one retry: no busy loop
    first, second = fake_discord.calls
    assert second - first >= retry_after * 0.9  # it slept as told (a lower bound, not a speed)


@pytest.mark.parametrize("status", [500, 502])
async def test_a_server_error_is_retried_by_the_library(
    fake_discord: FakeDiscord, bot_http: discord.http.HTTPClient, status: int
) -> None:
    fake_discord.script = [(status, {"message": "Bad gateway", "code": 0})]

    sent = await send(bot_http)

    assert sent["id"] == "1"
    assert len(fake_discord.calls) == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, discord.DiscordServerError), (403, discord.Forbidden)],
)
async def test_errors_the_library_does_not_retry_reach_the_bot_after_one_call(
    fake_discord: FakeDiscord,
    bot_http: discord.http.HTTPClient,
    status: int,
    error: type[discord.HTTPException],
) -> None:
    fake_discord.script = [(status, {"message": "No", "code": 50013 if status == 403 else 0})]

    with pytest.raises(error):
        await send(bot_http)

    assert len(fake_discord.calls) == 1  # the fault matrix covers what the bot then says
