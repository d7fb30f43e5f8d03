"""Bad input, command by command: every text a member or staff member can type.

Each command gets one table-driven test over the same inputs: empty, whitespace only,
exactly the limit, one over, 10,000 characters, mentions, markdown and masked links,
zero-width and right-to-left characters, a NUL byte, emoji only.

What is expected for every one of them:
- a clear, polite, private answer (never "something went wrong", never left thinking);
- nobody pinged, whatever the text says (checked on every message the bot stored and on
  the ``allowed_mentions`` of every REST call it made);
- refused → nothing stored (checked in the database); accepted → stored as typed and shown
  escaped wherever it appears (no live markdown, masked link, mention or direction trick).

Text over a limit (or an empty required value) never reaches the bot in Discord: the client
and the API refuse it, which SimCord models. The test checks that first, then sends it anyway
(as a command synced by an older version with a larger limit would) and expects the bot to
refuse it itself. /admin forget takes no text, so it has no table here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import discord
import pytest
import simcord
from discord import app_commands

from bot.checkins import NOTE_LIMIT as CHECKIN_NOTE_LIMIT
from bot.consultations import (
    BLOCK_REASON_LIMIT,
    CLOSE_REASON_LIMIT,
    NOTE_LIMIT,
    PREFERRED_TIME_LIMIT,
    STAFF_NOTE_LIMIT,
    Status,
)
from bot.guild_config import GuildConfigRepository
from bot.milestones import LABEL_LIMIT
from cogs.setup._cog import RESPONSE_TIME_LIMIT
from tests.conftest import ConsultServer, make_consult_server
from tests.reliability import (
    assert_nothing_pinged,
    assert_polite,
    bot_of,
    lift_form_limits,
    said,
    texts_of,
    visible,
    without_client_checks,
)
from tests.test_consult_member import service
from tests.test_consult_staff import card_for, cards, open_and_claim, the_thread

CASES = (
    "empty",
    "whitespace",
    "at_limit",
    "over_limit",
    "huge",
    "mentions",
    "short_mentions",
    "markdown",
    "masked_links",
    "invisible",
    "nul",
    "emoji",
    "lone_surrogate",
    "tags",
    "hangul_filler",
    "braille_blank",
    "bidi_override",
    "separators",
    "only_invisible",
)

HIDDEN = re.compile(
    "[\ud800-\udfff\U000e0000-\U000e007f\u3164\u115f\u1160\uffa0\u2800"
    "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u2028\u2029]"
)
"""What must never be stored or shown: malformed Unicode, tag characters, Hangul fillers, the
braille blank, direction changes, line and paragraph separators (written out here, not taken
from the bot's own cleaning)."""


def make_input(case: str, limit: int, role_id: int, user_id: int) -> str:
    return {
        "empty": "",
        "whitespace": "  \n\t   ",
        "at_limit": ("one day at a time " * 1000)[: limit - 1] + "!",
        "over_limit": "x" * limit + "!",
        "huge": "y" * 10_000,
        "mentions": f"@everyone @here <@&{role_id}> <@{user_id}>",
        "short_mentions": f"@here <@{user_id}>",
        "markdown": "**b** __u__ ~~s~~ ||p|| `c` # h",
        "masked_links": "[hi](https://e.vil) [yo](https://e.vil)",
        "invisible": "he\u200bllo \u202eevil\u202c\ufeff \u2066ok\u2069",
        "nul": "before\x00after",
        "emoji": "🙂🙏🏽❤️‍🩹",
        "lone_surrogate": "before\ud800after \udfff end",
        "tags": "hello\U000e0041\U000e0042\U000e0043 friend\U000e007f",
        "hangul_filler": "a\u3164b \u115f\u1160c\uffa0d",
        "braille_blank": "one\u2800two \u2800",
        "bidi_override": "abc\u202edcba\u202c \u2067x\u2069\u200f\u061c",
        "separators": "one\u2028two\u2029three",
        "only_invisible": "\u3164\u2800\u200b\U000e0041\u202e\u115f\u00ad",
    }[case]


def check_clean(case: str, value: str | None, texts: list[str]) -> None:
    """Nothing hidden in what was stored (decrypted) or anywhere it is shown."""
    for text in [value or "", *texts]:
        assert not HIDDEN.search(text), (case, ascii(text))
    if case == "lone_surrogate":
        assert value is not None
        assert "before\ufffdafter" in value, ascii(value)  # replaced, the rest kept
    if case == "separators":
        assert value is not None
        assert value.replace("\n", " ") == "one two three", ascii(value)


def check_escaped(
    case: str, texts: list[str], role_id: int, user_id: int, *, shown: bool = True
) -> None:
    """The member's text, wherever the bot shows it, has nothing live in it."""
    joined = "\n".join(texts)
    if case in ("mentions", "short_mentions"):
        for raw in ("@everyone", "@here", f"<@&{role_id}>", f"<@{user_id}>"):
            assert raw not in joined, (raw, joined)
    if case == "markdown":
        for raw in ("**b**", "__u__", "~~s~~", "||p||", "`c`", "\n# h"):
            assert raw not in joined, (raw, joined)
        assert not shown or "\\*\\*b\\*\\*" in joined, joined
    if case == "masked_links":
        assert "](https://e.vil)" not in joined.replace("\\](https://e.vil)", ""), joined
    if case == "invisible":
        for raw in ("\u202e", "\u202c", "\ufeff", "\u2066", "\u2069"):
            assert raw not in joined, (repr(raw), joined)
    if case == "nul":
        assert "\x00" not in joined
    if case == "emoji" and shown:
        assert "❤️\u200d🩹" in joined, joined  # a joined emoji (mending heart) stays whole


@dataclass
class Command:
    """How to type into one command, read back what was stored, and see where it is shown."""

    limit: int
    required: bool
    slash: bool
    send: Callable[[ConsultServer, str, bool], Awaitable[simcord.InteractionResult]]
    stored: Callable[[ConsultServer], Awaitable[tuple[bool, str | None]]]
    shown: Callable[[ConsultServer], Awaitable[list[str]]]
    prepare: Callable[[ConsultServer], Awaitable[None]] | None = None
    name: str = "text"
    """How the bot names the field when it refuses it."""
    configure: bool = True
    pinged_users: Callable[[ConsultServer], set[int]] = field(default=lambda server: set())


async def check(env: simcord.Env, command: Command, case: str) -> None:
    server = await make_consult_server(env, configure=command.configure)
    if command.prepare is not None:
        await command.prepare(server)
    # A mentionable role and a member the text names, that nothing else would ping or show.
    role_id = server.guild.create_role("Alumni", mentionable=True).id
    user_id = server.members[1].id
    text = make_input(case, command.limit, role_id, user_id)
    if len(text) > command.limit:
        expected = "too long"
    elif not visible(text):
        expected = "refused" if command.required else "blank"
    else:
        expected = "accepted"

    client_refuses = len(text) > command.limit or (
        text == "" and (command.slash or command.required)
    )
    if client_refuses:  # what Discord does; then the same text, delivered anyway
        with pytest.raises(simcord.SetupError):
            await command.send(server, text, False)
    result = await command.send(server, text, client_refuses)

    reply = assert_polite(result)
    exists, value = await command.stored(server)
    if expected == "too long":
        assert str(command.limit) in reply, reply
        assert not exists, value
    elif expected == "refused":
        assert "Please" in reply, reply
        assert not exists, value
    elif expected == "blank":
        assert exists
        assert not visible(value)
    else:
        assert exists, reply
        assert visible(value) == visible(text), (value, text)
        shown = await command.shown(server)
        check_escaped(case, [reply, *shown], role_id, user_id)
        check_clean(case, value, [reply, *shown])
    if case == "only_invisible" and command.required:
        assert command.name in reply, reply  # the refusal names the field
    check_escaped(case, [reply], role_id, user_id, shown=False)
    assert_nothing_pinged(env, users=command.pinged_users(server))


# --------------------------------------------------------------------------- /consult form


async def _consult(
    server: ConsultServer, field_id: str, text: str, forged: bool
) -> simcord.InteractionResult:
    shown = await server.member.slash(server.general, "consult")
    assert shown.modal is not None
    if forged:
        lift_form_limits(shown)
    return await server.member.submit_modal(
        shown, {"topic": ["coping"], "urgency": ["routine"], field_id: text}
    )


async def _consult_stored(server: ConsultServer, attribute: str) -> tuple[bool, str | None]:
    current = await service(server.env).active_for_member(server.guild.id, server.member.id)
    rows = await bot_of(server.env).db.fetchone("SELECT COUNT(*) FROM consultations")
    assert rows is not None
    if current is None:
        assert rows[0] == 0
        return False, None
    return True, getattr(current, attribute)


async def _consult_shown(server: ConsultServer) -> list[str]:
    status = await server.member.slash(server.general, "consult-status")
    return [said(status), *texts_of(cards(server)[0])]


async def _consult_note_shown(server: ConsultServer) -> list[str]:
    """The member's status, the staff card, and the thread's opening message once claimed."""
    shown = await _consult_shown(server)
    claimed = await server.staff[0].click(cards(server)[0], label="Claim")
    assert "You claimed request #1" in said(claimed)
    return [*shown, *texts_of(the_thread(server).history()[0]), *texts_of(card_for(server, 1))]


CONSULT_NOTE = Command(
    limit=NOTE_LIMIT,
    required=False,
    slash=False,
    send=lambda server, text, forged: _consult(server, "note", text, forged),
    stored=lambda server: _consult_stored(server, "note"),
    shown=_consult_note_shown,
    pinged_users=lambda server: _member_and_claimer(server),
)
CONSULT_TIME = Command(
    limit=PREFERRED_TIME_LIMIT,
    required=False,
    slash=False,
    send=lambda server, text, forged: _consult(server, "preferred_time", text, forged),
    stored=lambda server: _consult_stored(server, "preferred_time"),
    shown=_consult_shown,
)


@pytest.mark.parametrize("case", CASES)
async def test_consult_note(env: simcord.Env, case: str) -> None:
    await check(env, CONSULT_NOTE, case)


@pytest.mark.parametrize("case", CASES)
async def test_consult_preferred_time(env: simcord.Env, case: str) -> None:
    await check(env, CONSULT_TIME, case)


# --------------------------------------------------------------------------- "Update my note"

FIRST_NOTE = "I'd like to talk"  # what open_and_claim writes


async def _update_note(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
    status = await server.member.slash(server.general, "consult-status")
    assert status.response is not None
    form = await server.member.click(status.response, label="Update my note")
    assert form.modal is not None
    if forged:
        lift_form_limits(form)
    return await server.member.submit_modal(form, {"note": text})


async def _update_note_stored(server: ConsultServer) -> tuple[bool, str | None]:
    current = await service(server.env).active_for_member(server.guild.id, server.member.id)
    assert current is not None
    return current.note != FIRST_NOTE, current.note


async def _update_note_shown(server: ConsultServer) -> list[str]:
    """The member's status, the redrawn staff card and the update posted in the thread."""
    status = await server.member.slash(server.general, "consult-status")
    posted = the_thread(server).history()[-1]
    assert "their note on request #1" in posted.content, posted.content
    return [said(status), *texts_of(card_for(server, 1)), *texts_of(posted)]


UPDATE_NOTE = Command(
    limit=NOTE_LIMIT,
    required=False,
    slash=False,
    send=_update_note,
    stored=_update_note_stored,
    shown=_update_note_shown,
    prepare=lambda server: _claimed(server),
    pinged_users=lambda server: _member_and_claimer(server),
)


@pytest.mark.parametrize("case", CASES)
async def test_update_my_note(env: simcord.Env, case: str) -> None:
    await check(env, UPDATE_NOTE, case)


# --------------------------------------------------------------------------- /checkin note


async def _checkin(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
    if forged:
        with without_client_checks():
            return await server.member.slash(server.general, "checkin", mood=3, note=text)
    return await server.member.slash(server.general, "checkin", mood=3, note=text)


async def _checkin_stored(server: ConsultServer) -> tuple[bool, str | None]:
    bot = bot_of(server.env)
    rows = await bot.db.fetchall("SELECT note FROM checkins WHERE user_id = ?", (server.member.id,))
    if not rows:
        return False, None
    assert len(rows) == 1
    return True, bot.cipher.decrypt(rows[0]["note"])


async def _checkin_shown(server: ConsultServer) -> list[str]:
    history = await server.member.slash(server.general, "checkin-history")
    return [said(history)]


CHECKIN_NOTE = Command(
    limit=CHECKIN_NOTE_LIMIT,
    required=False,
    slash=True,
    send=_checkin,
    stored=_checkin_stored,
    shown=_checkin_shown,
)


@pytest.mark.parametrize("case", CASES)
async def test_checkin_note(env: simcord.Env, case: str) -> None:
    await check(env, CHECKIN_NOTE, case)


# --------------------------------------------------------------------------- /milestone set label


async def _milestone(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
    options = {"date": "2025-12-01", "label": text}
    if forged:
        with without_client_checks():
            return await server.member.slash(server.general, "milestone set", **options)
    return await server.member.slash(server.general, "milestone set", **options)


async def _milestone_stored(server: ConsultServer) -> tuple[bool, str | None]:
    bot = bot_of(server.env)
    row = await bot.db.fetchone(
        "SELECT label FROM milestones WHERE guild_id = ? AND user_id = ?",
        (server.guild.id, server.member.id),
    )
    if row is None:
        return False, None
    return True, bot.cipher.decrypt(row["label"])


async def _milestone_shown(server: ConsultServer) -> list[str]:
    show = await server.member.slash(server.general, "milestone show")
    # Shared in the channel for everyone: the place a live link or ping would matter most.
    shared = await server.member.slash(server.general, "milestone share", include_label=True)
    assert shared.response is not None
    assert not shared.ephemeral
    return [said(show), said(shared)]


MILESTONE_LABEL = Command(
    limit=LABEL_LIMIT,
    required=False,
    slash=True,
    send=_milestone,
    stored=_milestone_stored,
    shown=_milestone_shown,
)


@pytest.mark.parametrize("case", CASES)
async def test_milestone_label(env: simcord.Env, case: str) -> None:
    await check(env, MILESTONE_LABEL, case)


# --------------------------------------------------------------------------- /setup response_time


async def _setup(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
    options = {
        "staff_role": server.staff_role,
        "queue_channel": server.queue,
        "consult_channel": server.consult,
        "response_time": text,
    }
    if forged:
        with without_client_checks():
            return await server.admin.slash(server.general, "setup consultations", **options)
    return await server.admin.slash(server.general, "setup consultations", **options)


async def _setup_stored(server: ConsultServer) -> tuple[bool, str | None]:
    bot = bot_of(server.env)
    row = await bot.db.fetchone(
        "SELECT COUNT(*) FROM guild_config WHERE guild_id = ?", (server.guild.id,)
    )
    assert row is not None
    if row[0] == 0:
        return False, None
    config = await GuildConfigRepository(bot.db).get(server.guild.id)
    return True, config.response_time_text


async def _setup_shown(server: ConsultServer) -> list[str]:
    shown = await server.member.slash(server.general, "consult")
    assert shown.modal is not None
    receipt = await server.member.submit_modal(shown, {"topic": ["coping"], "urgency": ["soon"]})
    return [said(receipt)]


async def _admin_sees_staff_channels(server: ConsultServer) -> None:
    """The admin running /setup can see (and so pick) the staff-only queue channel."""
    server.env.backend.add_member_role(server.guild.id, server.admin.id, server.staff_role.id)
    await server.env.settle()


SETUP_RESPONSE_TIME = Command(
    limit=RESPONSE_TIME_LIMIT,
    required=False,
    slash=True,
    send=_setup,
    stored=_setup_stored,
    shown=_setup_shown,
    prepare=_admin_sees_staff_channels,
    configure=False,
)


@pytest.mark.parametrize("case", CASES)
async def test_setup_response_time(env: simcord.Env, case: str) -> None:
    await check(env, SETUP_RESPONSE_TIME, case)


# --------------------------------------------------------------------------- /ticket close reason


async def _claimed(server: ConsultServer) -> None:
    await open_and_claim(server)


def _member_and_claimer(server: ConsultServer) -> set[int]:
    """The thread's opening message and the closing message ping exactly these two."""
    return {server.member.id, server.staff[0].id}


async def _close(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
    thread = the_thread(server)
    if forged:
        with without_client_checks():
            return await server.staff[0].slash(thread, "ticket close", reason=text)
    return await server.staff[0].slash(thread, "ticket close", reason=text)


async def _close_by_form(
    server: ConsultServer, text: str, forged: bool
) -> simcord.InteractionResult:
    form = await server.staff[0].click(card_for(server, 1), label="Close")
    assert form.modal is not None
    if forged:
        lift_form_limits(form)
    return await server.staff[0].submit_modal(form, {"reason": text})


async def _close_stored(server: ConsultServer) -> tuple[bool, str | None]:
    stored = await service(server.env).get_in_guild(server.guild.id, 1)
    if stored.status is not Status.CLOSED:
        assert stored.status is Status.CLAIMED
        thread = the_thread(server)
        assert not any("is now closed" in m.content for m in thread.history())
        return False, None
    return True, stored.close_reason


async def _close_shown(server: ConsultServer) -> list[str]:
    closing = the_thread(server).history()[-1]
    assert "is now closed" in closing.content
    return [*texts_of(closing), *texts_of(card_for(server, 1))]


TICKET_CLOSE = Command(
    name="reason",
    limit=CLOSE_REASON_LIMIT,
    required=True,
    slash=True,
    send=_close,
    stored=_close_stored,
    shown=_close_shown,
    prepare=_claimed,
    pinged_users=_member_and_claimer,
)
TICKET_CLOSE_FORM = Command(
    name="reason",
    limit=CLOSE_REASON_LIMIT,
    required=True,
    slash=False,
    send=_close_by_form,
    stored=_close_stored,
    shown=_close_shown,
    prepare=_claimed,
    pinged_users=_member_and_claimer,
)


@pytest.mark.parametrize("case", CASES)
async def test_ticket_close_reason(env: simcord.Env, case: str) -> None:
    await check(env, TICKET_CLOSE, case)


@pytest.mark.parametrize("case", CASES)
async def test_ticket_close_form_reason(env: simcord.Env, case: str) -> None:
    await check(env, TICKET_CLOSE_FORM, case)


# --------------------------------------------------------------------------- /ticket note


async def _note(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
    thread = the_thread(server)
    if forged:
        with without_client_checks():
            return await server.staff[0].slash(thread, "ticket note", text=text)
    return await server.staff[0].slash(thread, "ticket note", text=text)


async def _note_stored(server: ConsultServer) -> tuple[bool, str | None]:
    notes = await service(server.env).notes(1)
    if not notes:
        return False, None
    assert len(notes) == 1
    return True, notes[0].body


async def _note_shown(server: ConsultServer) -> list[str]:
    listing = await server.staff[1].slash(the_thread(server), "ticket notes")
    return [said(listing)]


TICKET_NOTE = Command(
    name="note",
    limit=STAFF_NOTE_LIMIT,
    required=True,
    slash=True,
    send=_note,
    stored=_note_stored,
    shown=_note_shown,
    prepare=_claimed,
    pinged_users=_member_and_claimer,
)


@pytest.mark.parametrize("case", CASES)
async def test_ticket_note(env: simcord.Env, case: str) -> None:
    await check(env, TICKET_NOTE, case)


# --------------------------------------------------------------------------- /consult-block reason


async def _block(server: ConsultServer, text: str, forged: bool) -> simcord.InteractionResult:
    options = {"member": server.member, "reason": text}
    if forged:
        with without_client_checks():
            return await server.admin.slash(server.general, "consult-block add", **options)
    return await server.admin.slash(server.general, "consult-block add", **options)


async def _block_stored(server: ConsultServer) -> tuple[bool, str | None]:
    bot = bot_of(server.env)
    row = await bot.db.fetchone(
        "SELECT reason FROM consult_blocks WHERE guild_id = ? AND member_id = ?",
        (server.guild.id, server.member.id),
    )
    if row is None:
        return False, None
    return True, bot.cipher.decrypt(row["reason"])


async def _block_shown(server: ConsultServer) -> list[str]:
    """The staff lead's list (the reason is shown nowhere else: not the log, card or member)."""
    listing = await server.admin.slash(server.general, "consult-block list")
    return [said(listing)]


CONSULT_BLOCK_REASON = Command(
    name="reason",
    limit=BLOCK_REASON_LIMIT,
    required=False,
    slash=True,
    send=_block,
    stored=_block_stored,
    shown=_block_shown,
)


@pytest.mark.parametrize("case", CASES)
async def test_consult_block_reason(env: simcord.Env, case: str) -> None:
    await check(env, CONSULT_BLOCK_REASON, case)


async def test_every_text_option_has_a_table(env: simcord.Env) -> None:
    """A new free-text option must get a bad-input table here (or a reason it needs none)."""
    not_free_text = {  # parsed and checked values, not words shown to anyone
        ("milestone set", "date"),
        ("milestone set", "timezone"),
        ("setup consultations", "timezone"),
        ("setup type add", "emoji"),  # one emoji or <:name:id>, else refused
        ("setup type edit", "emoji"),
        ("setup closure add", "start"),  # a date or date and time, else refused
        ("setup closure add", "end"),
        ("setup hours set", "days"),  # day names, else refused
        ("snippet add", "name"),  # a name's letters, else refused (tests/test_snippets.py)
        ("snippet edit", "new_name"),
        ("ticket follow-up", "when"),  # a date and time, else refused (test_follow_ups_service)
    }
    covered = {
        ("checkin", "note"),
        ("consult-block add", "reason"),
        ("milestone set", "label"),
        ("setup closure add", "message"),  # tests/test_bad_input_hours.py
        ("setup consultations", "response_time"),
        ("setup question add", "label"),  # tests/test_bad_input_questions.py, all four
        ("setup question add", "placeholder"),
        ("setup question edit", "label"),
        ("setup question edit", "placeholder"),
        ("setup type add", "description"),  # tests/test_bad_input_types.py, all six
        ("setup type add", "name"),
        ("setup type add", "response_time"),
        ("setup type edit", "description"),
        ("setup type edit", "new_name"),
        ("setup type edit", "response_time"),
        ("ticket close", "reason"),
        ("ticket follow-up", "note"),  # tests/test_bad_input_follow_ups.py
        ("ticket note", "text"),
        ("ticket reveal", "reason"),  # tests/test_dm_alias.py (an invisible one is refused)
    }
    found = {
        (command.qualified_name, parameter.name)
        for command in bot_of(env).tree.walk_commands()
        if isinstance(command, app_commands.Command)
        for parameter in command.parameters
        if parameter.type is discord.AppCommandOptionType.string
        and not parameter.choices  # a fixed list, not typed text
        and not parameter.autocomplete  # checked against a list by the command
    }
    assert found - not_free_text == covered


def test_a_joiner_survives_only_inside_an_emoji() -> None:
    from bot.text import clean as clean_text

    assert clean_text("❤️\u200d🩹 👨\u200d👩\u200d👧") == "❤️\u200d🩹 👨\u200d👩\u200d👧"
    assert clean_text("ad\u200dmin \u200d\u200b") == "admin "
