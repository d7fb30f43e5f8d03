"""A copy of a request's thread, on request, never stored (issue 20), through SimCord.

The "Get a copy of this conversation" button on the closing message and ``/transcript`` in the
thread: the copy is read from Discord at that moment and sent by DM as a text file built in
memory. Who may have one (the member who opened the request, or a staff lead) is pinned for
every kind of person; so are the rate limit's two sides, the closed-DM path, the cut of a long
thread, and that nothing of the conversation reaches the disk.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import discord
import pytest
import simcord

from bot.settings import Settings
from bot.transcripts import COOLDOWN
from bot.ui import SOMETHING_WENT_WRONG
from cogs.consult._transcript import (
    CONTENT_HIDDEN,
    DMS_CLOSED,
    NOT_A_THREAD,
    NOT_YOURS,
    SENT,
    Transcripts,
)
from cogs.consult._transcript_button import LABEL
from tests.conftest import ConsultServer, make_consult_server, restart
from tests.helpers import the_bot
from tests.test_consult_member import said
from tests.test_consult_staff import open_and_claim, the_thread
from tests.test_permission_edges import copy_with_buttons, people

WORDS = (
    ("member", "Hi, this week has been hard and I keep thinking about drinking"),
    ("staff", "Thank you for telling me. What has helped you on hard days before?"),
    ("member", "Calling my sister, and the Tuesday meeting"),
    ("staff", "Both sound like good anchors. Shall we plan this evening together?"),
)


async def converse(server: ConsultServer) -> simcord.ChannelHandle:
    """A claimed request whose thread holds ``WORDS``, a minute apart."""
    await open_and_claim(server)
    thread = the_thread(server)
    for who, text in WORDS:
        await server.env.advance_time(60)
        person = server.member if who == "member" else server.staff[0]
        await person.send(thread, text)
    return thread


async def close(server: ConsultServer, thread: simcord.ChannelHandle) -> discord.Message:
    """Close the request with ``/ticket close``: the bot's closing message, with the button."""
    await server.staff[0].slash(thread, "ticket close", reason="We made a plan together")
    closing = thread.history()[-1]
    assert "is now closed" in closing.content
    return closing


def dms(person: simcord.MemberActor) -> list[discord.Message]:
    """The person's DMs from the bot, less the feedback question a close sends the member."""
    return [
        message
        for message in person.user.dm_channel.history()
        if "how did this go?" not in message.content
    ]


async def the_copy(person: simcord.MemberActor) -> str:
    """The text of the file in the person's last DM, read through SimCord's CDN."""
    message = dms(person)[-1]
    [attachment] = message.attachments
    assert attachment.filename.endswith(".txt")
    return (await attachment.read()).decode("utf-8")


def desk(env: simcord.Env) -> Transcripts:
    cog = the_bot(env).get_cog("Transcripts")
    assert isinstance(cog, Transcripts)
    return cog


async def let_in(
    env: simcord.Env, thread: simcord.ChannelHandle, person: simcord.MemberActor
) -> None:
    """Add someone to the private thread (as mentioning them in it would)."""
    channel = the_bot(env).get_channel(thread.id)
    assert isinstance(channel, discord.Thread)
    with env.time_context():
        await channel.add_user(discord.Object(person.id))
    await env.settle()


DEFERRED = 5
"""Discord's interaction callback type for "thinking…" (answered later)."""


def first_answer(env: simcord.Env, before: int) -> int:
    """The type of the first interaction callback after ``env.http_requests[before]``."""
    callbacks = [r.json for r in env.http_requests[before:] if r.path.endswith("/callback")]
    assert callbacks
    assert callbacks[0] is not None
    return int(callbacks[0]["type"])


def bot_posts_with_files(thread: simcord.ChannelHandle) -> list[discord.Message]:
    return [m for m in thread.history() if m.author.bot and m.attachments]


# --------------------------------------------------------------------- the copy itself


async def test_the_closing_message_button_dms_the_member_the_thread_in_order(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    thread = await converse(server)
    await server.member.send(thread, "my plan", attachments=[("plan.png", b"\x89PNG")])
    closing = await close(server, thread)
    before = len(server.env.http_requests)

    pressed = await server.member.click(closing, label=LABEL)

    assert first_answer(server.env, before) == DEFERRED  # reading the thread takes a while
    assert pressed.ephemeral
    assert said(pressed).strip() == SENT
    [dm] = dms(server.member)
    assert "request #1" in dm.content
    assert "/crisis" in dm.content
    text = await the_copy(server.member)
    assert "A copy of request #1 in Recovery Group" in text
    positions = [text.index(words) for _who, words in WORDS]
    assert positions == sorted(positions)  # oldest first
    assert text.index("I'd like to talk") < positions[0]  # the opening message first
    assert "] member0:\n    Hi, this week" in text
    assert "] staff0:\n    Thank you" in text
    assert "[2026-01-01 00:01 UTC]" in text  # each time in UTC
    assert "Attachment: https://cdn.simcord.invalid/attachments/" in text
    assert "plan.png" in text
    assert "We made a plan together" in text  # the closing message too
    assert text.rstrip().endswith("End of the copy (7 messages).")
    assert "too long" not in text
    assert bot_posts_with_files(thread) == []  # never posted in the thread


async def test_nothing_of_the_conversation_is_written_to_disk(
    consult_server: ConsultServer,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = consult_server
    thread = await converse(server)
    marker = "unmistakable-words-7f3a"
    await server.member.send(thread, marker)
    closing = await close(server, thread)
    scratch = tmp_path / "system-temp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = sorted(p.name for p in settings.database_path.parent.iterdir())

    with writes_recorded() as written:
        pressed = await server.member.click(closing, label=LABEL)

    assert said(pressed).strip() == SENT
    assert marker in await the_copy(server.member)
    assert written == []  # no file opened for writing while the copy was made and sent
    assert list(scratch.iterdir()) == []
    assert sorted(p.name for p in settings.database_path.parent.iterdir()) == before
    for path in settings.database_path.parent.glob("support.db*"):
        assert marker.encode() not in path.read_bytes(), path.name


_RECORDING: list[list[str]] = []
_HOOKED: list[bool] = []


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _audit(event: str, args: tuple[object, ...]) -> None:
    """``open`` is audited as (path, mode, flags): a mode string from ``open()``, None and the
    flags from ``os.open``."""
    if not _RECORDING or event != "open":
        return
    path, mode, flags = args[0], args[1], args[2] if len(args) > 2 else 0
    by_mode = isinstance(mode, str) and any(flag in mode for flag in "wax+")
    by_flags = isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
    if by_mode or by_flags:
        _RECORDING[-1].append(str(path))


@contextmanager
def writes_recorded() -> Iterator[list[str]]:
    """Every file Python opens for writing inside the block (an audit hook: it sees open() and
    io.open from any module, discord.py's included). The hook, once added, stays for the rest
    of the run (Python cannot remove one); it does nothing outside this block."""
    if not _HOOKED:
        sys.addaudithook(_audit)
        _HOOKED.append(True)
    written: list[str] = []
    _RECORDING.append(written)
    try:
        yield written
    finally:
        _RECORDING.pop()


async def test_transcript_in_an_open_thread_sends_a_copy_and_posts_nothing_there(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    thread = await converse(server)
    before = len(thread.history())

    result = await server.member.slash(thread, "transcript")

    assert result.ephemeral
    assert said(result).strip() == SENT
    text = await the_copy(server.member)
    assert WORDS[-1][1] in text
    assert len(thread.history()) == before


async def test_transcript_outside_a_request_thread_says_where_to_use_it(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await converse(server)

    result = await server.member.slash(server.general, "transcript")

    assert said(result).strip() == NOT_A_THREAD
    assert dms(server.member) == []


async def test_the_copy_shows_the_members_own_time_zone_when_known(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.member.slash(
        server.general, "milestone set", date="2025-06-01", timezone="America/New_York"
    )
    thread = await converse(server)

    await server.member.slash(thread, "transcript")

    text = await the_copy(server.member)
    assert "Times are in UTC, with America/New_York in brackets." in text
    assert "[2026-01-01 00:01 UTC (2025-12-31 19:01 America/New_York)] member0:" in text


async def test_the_bots_embeds_in_the_thread_are_in_the_copy(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    thread = await converse(server)
    channel = the_bot(server.env).get_channel(thread.id)
    assert isinstance(channel, discord.Thread)
    card = discord.Embed(title="Your plan for tonight", description="Call your sister at 7")
    card.add_field(name="If it gets hard", value="/crisis")
    with server.env.time_context():
        await channel.send(embed=card)
    await server.env.settle()

    await server.member.slash(thread, "transcript")

    text = await the_copy(server.member)
    assert "Your plan for tonight\n    Call your sister at 7\n    If it gets hard: /crisis" in text


async def test_the_button_works_after_a_restart(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    thread = await converse(server)
    closing = await close(server, thread)
    await restart(server.env, settings)

    pressed = await server.member.click(closing, label=LABEL)

    assert said(pressed).strip() == SENT
    assert WORDS[0][1] in await the_copy(server.member)


# --------------------------------------------------------------------- who may have one

ALLOWED = {"opener": True, "admin": True, "administrator": True}
WHO = [
    "opener",
    "member",
    "staff",
    "staff-of-another-server",
    "admin",  # Manage Server: a staff lead
    "admin-who-lost-manage-server",
    "administrator",
]


def everyone(server: ConsultServer) -> dict[str, simcord.MemberActor]:
    found = people(server)
    found["opener"] = server.member
    role = server.guild.create_role("Owner", permissions=discord.Permissions(administrator=True))
    found["administrator"] = server.guild.add_member(server.env.create_user("owner"), roles=[role])
    return found


@pytest.mark.parametrize("path", ["button", "command"])
@pytest.mark.parametrize("who", WHO)
async def test_only_the_opener_or_a_staff_lead_gets_a_copy(
    consult_server: ConsultServer, who: str, path: str
) -> None:
    server = consult_server
    env = server.env
    thread = await converse(server)
    person = everyone(server)[who]
    await let_in(env, thread, person)  # everyone here can see the thread
    closing = await close(server, thread) if path == "button" else None

    if closing is not None:
        result = await person.click(closing, label=LABEL)
    else:
        result = await person.slash(thread, "transcript")

    assert result.ephemeral
    log = [m.content for m in server.log.history() if "took a copy" in m.content]
    if ALLOWED.get(who, False):
        assert said(result).strip() == SENT
        assert WORDS[0][1] in await the_copy(person)
        if who == "opener":
            assert log == []  # the member's own copy is nobody else's business
        else:
            assert log == [
                f"📄 <@{person.id}> (staff lead) took a copy of the conversation of request "
                f"#1 on <t:{int(env.now().timestamp())}:f>."
            ]
    else:
        assert said(result).strip() == NOT_YOURS
        assert dms(person) == []
        assert log == []
    if who != "opener":
        assert dms(server.member) == []  # the member's own DMs untouched
    assert bot_posts_with_files(thread) == []


async def test_a_leads_copy_is_logged_without_any_of_the_conversation(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    thread = await converse(server)
    await let_in(server.env, thread, server.admin)

    await server.admin.slash(thread, "transcript")

    [line] = [m for m in server.log.history() if "took a copy" in m.content]
    assert f"<@{server.admin.id}>" in line.content
    assert "request #1" in line.content
    for _who, words in WORDS:
        assert words not in line.content
    assert "I'd like to talk" not in line.content
    assert line.attachments == []
    assert server.member.user.dm_channel.history() == []  # the member's own DMs untouched


async def test_a_button_carried_into_another_server_is_out_of_date(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    env = server.env
    thread = await converse(server)
    await close(server, thread)
    elsewhere = await make_consult_server(env, members=0, staff=0)
    same_person = elsewhere.guild.add_member(server.member.user)
    copy = await copy_with_buttons(env, elsewhere.general, "transcript:copy:1")

    pressed = await same_person.click(copy, custom_id="transcript:copy:1")

    assert pressed.ephemeral
    assert "out of date" in said(pressed)
    assert dms(server.member) == []


@pytest.mark.parametrize(
    "custom_id",
    ["transcript:copy:1", "transcript:copy:999", "transcript:copy:abc", "transcript:other:1"],
)
async def test_a_copied_or_forged_button_outside_the_thread_is_out_of_date(
    consult_server: ConsultServer, custom_id: str
) -> None:
    """Only inside the request's own thread: a copy anywhere else (a channel the member can
    read, in the right server) gives nothing."""
    server = consult_server
    thread = await converse(server)
    await close(server, thread)
    copy = await copy_with_buttons(server.env, server.general, custom_id)

    for person in (server.member, server.admin):
        pressed = await person.click(copy, custom_id=custom_id)
        assert "out of date" in said(pressed)
        assert dms(person) == []


# --------------------------------------------------------------------- closed DMs


async def test_closed_dms_are_said_kindly_and_nothing_is_posted_in_the_thread(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    env = server.env
    thread = await converse(server)
    closing = await close(server, thread)
    before = len(thread.history())
    blocked = f"/channels/{server.member.user.dm_channel.id}/messages"
    env.inject_error("POST", blocked, status=403, code=50007, times=1)

    pressed = await server.member.click(closing, label=LABEL)

    assert pressed.ephemeral
    assert said(pressed).strip() == DMS_CLOSED
    assert dms(server.member) == []
    assert len(thread.history()) == before
    # Nothing was sent, so nothing counts against the limit: once DMs are open, it works.
    again = await server.member.click(closing, label=LABEL)
    assert said(again).strip() == SENT
    assert WORDS[0][1] in await the_copy(server.member)


async def test_a_discord_failure_sending_the_dm_is_reported_and_not_counted(
    consult_server: ConsultServer,
) -> None:
    """Not the closed-DM answer for any other Discord error: the usual "something went wrong"
    with the crisis lines; nothing was sent, so the member may try again at once."""
    server = consult_server
    env = server.env
    thread = await converse(server)
    closing = await close(server, thread)
    dm = f"/channels/{server.member.user.dm_channel.id}/messages"
    env.inject_error("POST", dm, status=500, times=None)

    pressed = await server.member.click(closing, label=LABEL)

    assert SOMETHING_WENT_WRONG in said(pressed)
    assert DMS_CLOSED not in said(pressed)
    assert "988" in said(pressed)
    assert dms(server.member) == []
    env.backend.faults.clear()  # Discord is well again
    again = await server.member.click(closing, label=LABEL)
    assert said(again).strip() == SENT


# --------------------------------------------------------------------- the rate limit


@pytest.mark.parametrize(
    ("wait", "allowed"),
    [
        pytest.param(0, False, id="at-once"),
        pytest.param(COOLDOWN.total_seconds() - 1, False, id="one-second-before"),
        pytest.param(COOLDOWN.total_seconds(), True, id="at-the-end"),
    ],
)
async def test_one_copy_per_request_per_person_every_ten_minutes(
    consult_server: ConsultServer, wait: float, allowed: bool
) -> None:
    server = consult_server
    env = server.env
    thread = await converse(server)
    first = await server.member.slash(thread, "transcript")
    assert said(first).strip() == SENT
    if wait:
        await env.advance_time(wait)

    before = len(env.http_requests)

    second = await server.member.slash(thread, "transcript")

    assert second.ephemeral
    if allowed:
        assert said(second).strip() == SENT
        assert len(dms(server.member)) == 2
    else:
        assert first_answer(env, before) != DEFERRED  # refused at once, reading nothing
        again_at = int((env.now().timestamp() - wait) + COOLDOWN.total_seconds())
        assert said(second).strip() == (
            "I sent you a copy of this conversation a few minutes ago. You can ask for "
            f"another one <t:{again_at}:R>."
        )
        assert len(dms(server.member)) == 1


async def test_the_limit_is_per_person_and_the_button_and_command_share_it(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    thread = await converse(server)
    await let_in(server.env, thread, server.admin)
    closing = await close(server, thread)

    assert said(await server.member.click(closing, label=LABEL)).strip() == SENT
    assert "a few minutes ago" in said(await server.member.slash(thread, "transcript"))
    assert said(await server.admin.click(closing, label=LABEL)).strip() == SENT  # own limit


# --------------------------------------------------------------------- a long thread


async def test_a_thread_longer_than_the_messages_read_holds_its_last_ones(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    thread = await converse(server)  # the opening message and four more
    desk(server.env).desk.max_messages = 3

    await server.member.slash(thread, "transcript")

    text = await the_copy(server.member)
    assert "I'd like to talk" not in text
    assert WORDS[0][1] not in text
    shown = [text.index(words) for _who, words in WORDS[1:]]
    assert shown == sorted(shown)
    assert "this copy holds its last 3 messages; the older ones are still in the thread" in text
    assert text.index("its last 3 messages") < shown[0]  # said before the messages


async def test_a_thread_too_big_for_one_file_is_cut_with_a_note(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    thread = await converse(server)
    for number in range(6):
        await server.member.send(thread, f"long message {number} " + "é" * 1500)
    limit = 8_000
    desk(server.env).desk.max_bytes = limit

    await server.member.slash(thread, "transcript")

    [attachment] = dms(server.member)[-1].attachments
    assert attachment.size <= limit
    text = await the_copy(server.member)
    assert "long message 5" in text
    assert "long message 0" not in text
    assert WORDS[0][1] not in text
    assert "The conversation is too long for one file: this copy holds its last 2 messages" in (
        text
    )
    assert text.rstrip().endswith("End of the copy (2 messages).")


async def test_a_member_whose_request_is_gone_gets_nothing(consult_server: ConsultServer) -> None:
    """After ``/mydata delete`` the request is gone: its button is out of date."""
    server = consult_server
    thread = await converse(server)
    closing = await close(server, thread)
    asked = await server.member.slash(server.general, "mydata delete")
    assert asked.response is not None
    await server.member.click(asked.response, label="Delete my data")

    pressed = await server.member.click(closing, label=LABEL)

    assert "out of date" in said(pressed)
    assert [m for m in dms(server.member) if m.attachments] == []


# --------------------------------------------------------------------- no Message Content

WITHOUT_CONTENT = discord.Intents.all()
WITHOUT_CONTENT.message_content = False


@pytest.mark.simcord(approved_intents=WITHOUT_CONTENT)
async def test_without_message_content_no_blank_copy_is_sent_and_admins_are_told(
    consult_server: ConsultServer,
) -> None:
    """Discord shows a bot without Message Content (in the Developer Portal) only its own
    messages: rather than a copy with every member's words missing, the member is told and
    the admins get a note saying what to turn on. The note comes once per interval."""
    server = consult_server
    thread = await converse(server)

    result = await server.member.slash(thread, "transcript")

    assert said(result).strip() == CONTENT_HIDDEN
    assert dms(server.member) == []
    [note] = [m for m in server.log.history() if "Message Content" in m.content]
    assert "request #1" in note.content
    for _who, words in WORDS:
        assert words not in note.content
    again = await server.member.slash(thread, "transcript")
    assert "a few minutes ago" in said(again)
    assert len([m for m in server.log.history() if "Message Content" in m.content]) == 1
