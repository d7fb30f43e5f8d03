"""Errors reach admins: an unexpected failure or a refused permission is posted in the
server's log channel (ids only, rate-limited per kind of error) and listed by /setup show."""

from __future__ import annotations

import datetime as dt
import logging
import re

import discord
import pytest
import simcord
from discord import app_commands

from bot.bot import SupportBot, create_bot
from bot.incidents import KEPT, POST_EVERY, IncidentKind, IncidentLog, Post
from bot.settings import Settings
from tests.conftest import ConsultServer
from tests.helpers import text_of

SECRET = "my secret words about my sister"


@app_commands.command(name="explode", description="Always fails.")
@app_commands.describe(note="Anything")
async def explode(interaction: discord.Interaction[SupportBot], note: str) -> None:
    raise RuntimeError(f"failed on {note}")


@app_commands.command(name="refused", description="Discord refuses a permission.")
async def refused(interaction: discord.Interaction[SupportBot]) -> None:
    channel = interaction.channel
    assert isinstance(channel, discord.TextChannel)
    await channel.send("hello")  # the test makes Discord answer 403 Missing Permissions


@pytest.fixture
def simcord_bot(settings: Settings) -> SupportBot:
    bot = create_bot(settings)
    bot.tree.add_command(explode)
    bot.tree.add_command(refused)
    return bot


def posts(channel: simcord.ChannelHandle) -> list[str]:
    return [message.content for message in channel.history()]


def error_id_in(text: str) -> str:
    found = re.search(r"error `([0-9a-f]{8})`", text)
    assert found is not None, text
    return found.group(1)


async def test_an_unexpected_error_is_posted_once_with_its_id_and_no_member_text(
    consult_server: ConsultServer, caplog: pytest.LogCaptureFixture
) -> None:
    server = consult_server
    caplog.set_level(logging.INFO)

    result = await server.member.slash(server.general, "explode", note=SECRET)
    _ = server.env.errors  # acknowledged: the tree handled it on purpose

    assert result.ephemeral  # the member's own reply is unchanged
    [post] = posts(server.log)
    assert "`/explode`" in post
    assert f"<#{server.general.id}>" in post
    assert "RuntimeError" in post
    assert SECRET not in post
    assert str(server.member.id) not in post  # who it was stays in the bot's log only
    error_id = error_id_in(post)
    [line] = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("interaction.failed")
    ]
    assert f"error_id={error_id}" in line
    assert SECRET not in line


async def test_a_burst_is_one_post_then_a_count(consult_server: ConsultServer) -> None:
    server = consult_server
    for _ in range(5):
        await server.member.slash(server.general, "explode", note=SECRET)
    _ = server.env.errors

    assert len(posts(server.log)) == 1
    shown = text_of(await server.admin.slash(server.general, "setup show"))
    assert "Recent problems" in shown
    assert "unexpected error in `/explode`" in shown
    assert "5 times" in shown
    assert SECRET not in shown

    await server.env.advance_time(POST_EVERY.total_seconds())
    await server.member.slash(server.general, "explode", note=SECRET)
    _ = server.env.errors

    history = posts(server.log)
    assert len(history) == 2
    assert any("4 more like it since" in post for post in history)
    assert len({error_id_in(post) for post in history}) == 2


async def test_a_refused_permission_is_named_as_such(consult_server: ConsultServer) -> None:
    server = consult_server
    server.env.inject_error(
        "POST", f"/channels/{server.general.id}/messages", status=403, code=50013, times=None
    )

    await server.member.slash(server.general, "refused")
    _ = server.env.errors

    [post] = posts(server.log)
    assert "Discord refused me a permission in `/refused`" in post
    assert "`/setup show`" in post
    shown = text_of(await server.admin.slash(server.general, "setup show"))
    assert "missing permission in `/refused`" in shown


async def test_a_real_command_that_fails_reaches_the_log_channel(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    server.env.inject_error(
        "POST",
        f"/channels/{server.general.id}/messages",
        status=500,
        message=SECRET,  # Discord's error text never reaches the post
        times=None,
    )

    result = await server.admin.slash(server.general, "post-guidelines")
    _ = server.env.errors

    assert result.ephemeral
    [post] = posts(server.log)
    assert "Something went wrong in `/post-guidelines`" in post
    assert SECRET not in post


async def test_without_a_log_channel_nothing_breaks(consult_server: ConsultServer) -> None:
    server = consult_server
    await server.configure(log_channel_id=None)

    result = await server.member.slash(server.general, "explode", note=SECRET)
    _ = server.env.errors

    assert result.ephemeral
    assert posts(server.log) == []
    shown = text_of(await server.admin.slash(server.general, "setup show"))
    assert "unexpected error in `/explode`" in shown  # still listed for the admin


async def test_a_log_channel_i_cannot_post_in_leaves_the_member_answered(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    server.env.inject_error(
        "POST", f"/channels/{server.log.id}/messages", status=403, code=50013, times=None
    )

    result = await server.member.slash(server.general, "explode", note=SECRET)
    errors = server.env.errors

    assert result.ephemeral
    assert len(errors) == 1  # the command's own failure, nothing from the post


async def test_a_polite_refusal_is_not_an_incident(consult_server: ConsultServer) -> None:
    server = consult_server

    result = await server.member.slash(server.general, "milestone show")  # none set: refused

    assert result.ephemeral
    assert posts(server.log) == []
    assert server.env.bot.incidents.recent(server.guild.id) == []  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- the rules


NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def record(
    log: IncidentLog,
    guild: int = 1,
    *,
    where: str = "command:x",
    at: dt.datetime = NOW,
    error_type: str = "RuntimeError",
    error_id: str = "0000beef",
) -> Post | None:
    return log.record(
        guild,
        kind=IncidentKind.UNEXPECTED,
        where=where,
        error_type=error_type,
        error_id=error_id,
        channel_id=None,
        now=at,
    )


def test_one_post_per_kind_per_window_with_the_held_back_count() -> None:
    log = IncidentLog()
    assert record(log) is not None
    assert record(log, at=NOW + POST_EVERY - dt.timedelta(seconds=1)) is None
    assert record(log, at=NOW + POST_EVERY - dt.timedelta(seconds=1)) is None
    post = record(log, at=NOW + POST_EVERY, error_id="0000cafe")
    assert post is not None
    assert (post.held_back, post.held_back_since) == (2, NOW)
    assert post.incident.error_id == "0000cafe"


def test_kinds_and_servers_are_counted_apart() -> None:
    log = IncidentLog()
    assert record(log) is not None
    assert record(log, where="command:y") is not None
    assert record(log, error_type="KeyError") is not None
    assert record(log, guild=2) is not None
    assert [i.where for i in log.recent(1)] == ["command:x", "command:y", "command:x"]
    assert len(log.recent(2)) == 1


def test_the_ring_keeps_the_last_kinds_only() -> None:
    log = IncidentLog()
    for n in range(KEPT + 2):
        record(log, where=f"command:c{n}")
    assert len(log.recent(1, limit=100)) == KEPT
    assert log.recent(1)[0].where == f"command:c{KEPT + 1}"
    # The oldest kind left the ring: it posts again at once.
    assert record(log, where="command:c0") is not None
    # A full ring keeps working when a kind in it is replaced.
    assert record(log, where="command:c3", at=NOW + POST_EVERY) is not None


async def test_a_button_that_fails_reaches_the_log_channel_too(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    shown = await server.member.slash(server.general, "coping", topic="stress")
    assert shown.response is not None
    # Discord fails the button's answer once; the polite reply after it gets through.
    server.env.inject_error("POST", "/interactions/*", status=500, message=SECRET, times=1)

    result = await server.member.click(shown.response, label="Another tip")
    _ = server.env.errors

    assert result.acknowledged
    [post] = posts(server.log)
    assert "Something went wrong in `item:TipButton`" in post
    assert SECRET not in post
    error_id_in(post)
