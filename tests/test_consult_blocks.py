"""The consultation blocklist (issue 19), through SimCord: ``/consult-block add|remove|list`` by
staff leads, the warm refusal with every crisis line, urgent requests that still reach staff
(flagged on the card), expiry at the edge, server scoping, privacy, and restarts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import discord
import pytest
import simcord
from simcord.backend.errors import OptionError

from bot.consultations import (
    BLOCK_REASON_LIMIT,
    ConsultBlockService,
    RequestsPausedError,
    Status,
    Topic,
    Urgency,
)
from bot.crypto import Cipher
from bot.db import Database
from bot.errors import UserFacingError
from bot.guild_config import GuildConfig
from bot.settings import Settings
from bot.text import TextRefusedError
from cogs.consult._block_render import BLOCK_PAGE_SIZE, list_embed
from tests.conftest import ConsultServer, add_admin, make_consult_server, restart
from tests.helpers import text_of, the_bot
from tests.test_consult_member import ask, said, service
from tests.test_consult_staff import cards
from tests.test_permission_edges import copy_with_buttons, count

REASON = "SENTINEL-reason-3f9a spammed the queue"
CRISIS_LINES = ("988", "1-800-662-4357", "741741", "911", "findahelpline.com")
STRUGGLING = "Talk to a consultant now"


def blocks(env: simcord.Env) -> ConsultBlockService:
    bot = the_bot(env)
    return ConsultBlockService(bot.db, bot.cipher)


async def block(
    server: ConsultServer,
    member: simcord.MemberActor | None = None,
    *,
    lead: simcord.MemberActor | None = None,
    **options: object,
) -> simcord.InteractionResult:
    return await (lead or server.admin).slash(
        server.general, "consult-block add", member=member or server.member, **options
    )


def button_labels(result: simcord.InteractionResult) -> list[str]:
    found = []
    for message in (result.response, *result.followups):
        if message is None:
            continue
        for row in message.components:
            for child in row.get("components", []):
                found.append(str(child.get("label")))
    return found


def paused_reply(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    message = result.followups[-1] if result.followups else result.response
    assert message is not None
    return message


def assert_paused_warmly(result: simcord.InteractionResult) -> None:
    """Refused, privately and kindly: requests are paused, every crisis line, the urgent button,
    and nothing that shames (no "blocked", no reason)."""
    assert result.modal is None
    assert result.ephemeral
    text = said(result)
    assert "paused for you" in text
    assert "still welcome" in text
    for line in CRISIS_LINES:
        assert line in text
    assert "blocked" not in text.lower()
    assert "SENTINEL" not in text
    assert STRUGGLING in button_labels(result)


def log_lines(server: ConsultServer) -> list[str]:
    return [m.content for m in server.log.history()]


# ----------------------------------------------------------------- staff leads: add, list, remove


async def test_a_staff_lead_adds_lists_and_removes_a_block(consult_server: ConsultServer) -> None:
    server = consult_server
    env = server.env
    before = env.now()

    added = await block(server, reason=REASON, days=3)

    assert added.ephemeral
    assert f"paused for <@{server.member.id}>" in said(added)
    stored = await blocks(env).active_for(server.guild.id, server.member.id, env.now())
    assert stored is not None
    assert stored.blocked_by == server.admin.id
    assert stored.reason == REASON
    assert stored.expires_at is not None
    assert (stored.expires_at - before) // dt.timedelta(seconds=1) in (3 * 86400 - 1, 3 * 86400)
    line = log_lines(server)[-1]
    assert f"<@{server.member.id}>" in line
    assert f"<@{server.admin.id}>" in line
    assert f"<t:{int(stored.expires_at.timestamp())}:f>" in line
    assert "SENTINEL" not in line  # the reason never reaches the log channel

    listed = await server.admin.slash(server.general, "consult-block list")

    assert listed.ephemeral
    text = said(listed)
    assert "1 member is blocked" in text
    assert f"<@{server.member.id}>" in text
    assert server.member.name in text  # the display name
    assert f"blocked by <@{server.admin.id}>" in text
    assert f"<t:{int(stored.created_at.timestamp())}:d>" in text
    assert f"<t:{int(stored.expires_at.timestamp())}:f>" in text
    assert f"<t:{int(stored.expires_at.timestamp())}:R>" in text
    assert REASON in text  # decrypted for the staff lead

    removed = await server.admin.slash(server.general, "consult-block remove", member=server.member)

    assert "open again" in said(removed)
    assert await blocks(env).active_for(server.guild.id, server.member.id, env.now()) is None
    assert "open again" in log_lines(server)[-1]
    assert "Nobody is blocked" in said(
        await server.admin.slash(server.general, "consult-block list")
    )
    again = await server.admin.slash(server.general, "consult-block remove", member=server.member)
    assert "isn't blocked" in said(again)


async def test_without_days_a_block_lasts_until_removed_and_a_new_one_replaces_it(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    env = server.env
    first = await block(server, reason="first")
    assert "until a staff lead lifts it" in said(first)
    far_future = env.now() + dt.timedelta(days=4000)

    stored = await blocks(env).active_for(server.guild.id, server.member.id, env.now())
    assert stored is not None
    assert stored.expires_at is None
    assert (await blocks(env).active_for(server.guild.id, server.member.id, far_future)) is not None

    second = await block(server, days=2)

    assert "replaces their earlier block" in said(second)
    assert await count(env, "SELECT COUNT(*) FROM consult_blocks") == 1
    now = await blocks(env).active_for(server.guild.id, server.member.id, env.now())
    assert now is not None
    assert now.reason is None
    assert now.expires_at is not None


async def test_the_list_pages_within_discords_limits(consult_server: ConsultServer) -> None:
    server = consult_server
    env = server.env
    people = [
        server.guild.add_member(env.create_user(f"p{n:02d}")) for n in range(BLOCK_PAGE_SIZE + 3)
    ]
    for person in people:
        await blocks(env).add(
            guild_id=server.guild.id,
            member_id=person.id,
            blocked_by=server.admin.id,
            reason="x" * BLOCK_REASON_LIMIT,
            now=env.now(),
        )

    lead, role = add_admin(env, server.guild)
    listed = await lead.slash(server.general, "consult-block list")

    first = paused_reply(listed)
    assert f"{len(people)} members are blocked" in text_of(first.embeds)
    assert "Page 1 of 2" in text_of(first.embeds)
    assert len(first.embeds[0].fields) == BLOCK_PAGE_SIZE
    assert len(first.embeds[0]) <= 6000
    turned = await lead.click(first, label="Next")
    assert turned.response is not None
    assert "Page 2 of 2" in text_of(turned.response.embeds)
    assert len(turned.response.embeds[0].fields) == 3
    # Someone who lost Manage Server since can't turn the page.
    env.backend.remove_member_role(server.guild.id, lead.id, role.id)
    refused = await lead.click(turned.response, label="Previous")
    assert "Manage Server" in said(refused)
    assert "Page 2 of 2" in text_of(turned.response.embeds)


def test_a_full_page_of_the_longest_entries_fits_one_message() -> None:
    from bot.consultations import ConsultBlock

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    entries = [
        ConsultBlock(
            id=n,
            guild_id=1,
            member_id=10**18 + n,
            blocked_by=10**18,
            created_at=now,
            expires_at=now + dt.timedelta(days=3650),
            reason="*" * BLOCK_REASON_LIMIT,
        )
        for n in range(BLOCK_PAGE_SIZE)
    ]
    names = {entry.member_id: "_" * 200 for entry in entries}

    shown = list_embed(entries, names, total=99, page=0, pages=13)

    assert len(shown.fields) == BLOCK_PAGE_SIZE
    assert len(shown) <= 6000


async def test_display_names_are_escaped_and_mentions_never_ping(env: simcord.Env) -> None:
    server = await make_consult_server(env)
    odd = server.guild.add_member(env.create_user("**loud**_@everyone"))
    start = len(env.http_requests)

    await block(server, odd, reason="@everyone <@&1> look")
    listed = await server.admin.slash(server.general, "consult-block list")

    text = said(listed)
    assert "\\*\\*loud\\*\\*\\_" in text
    assert "@everyone" not in text.replace("@\u200beveryone", "")
    posts = [r for r in env.http_requests[start:] if r.method in ("POST", "PATCH") and r.json]
    sent = [r.json.get("allowed_mentions") for r in posts if r.json is not None]
    assert sent
    for mentions in sent:
        if mentions is None:
            continue
        assert mentions.get("parse", []) == []
        assert not mentions.get("users")
        assert not mentions.get("roles")


# ----------------------------------------------------------------------------- who may do it


async def test_the_blocklist_is_hidden_from_members_and_staff(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    for person in (server.member, server.staff[0]):
        assert "consult-block add" not in person.available_commands(server.general)
    assert "consult-block add" in server.admin.available_commands(server.general)


@pytest.mark.parametrize("who", ["member", "staff", "admin-who-lost-manage-server"])
async def test_only_staff_leads_may_use_the_blocklist(
    consult_server: ConsultServer, who: str
) -> None:
    server = consult_server
    env = server.env
    await block(server, server.members[1], reason=REASON)
    if who == "admin-who-lost-manage-server":
        person, role = add_admin(env, server.guild)
        env.backend.remove_member_role(server.guild.id, person.id, role.id)
    else:
        person = server.member if who == "member" else server.staff[0]
    group = next(c for c in await the_bot(env).tree.fetch_commands() if c.name == "consult-block")
    server.guild.set_command_permissions(group, {person: True})  # opened to them by hand

    added = await person.slash(server.general, "consult-block add", member=server.members[0])
    listed = await person.slash(server.general, "consult-block list")
    removed = await person.slash(server.general, "consult-block remove", member=server.members[1])

    for result in (added, listed, removed):
        assert result.ephemeral
        assert "Manage Server" in said(result)
        assert "SENTINEL" not in said(result)
    assert await count(env, "SELECT COUNT(*) FROM consult_blocks") == 1
    still = await blocks(env).active_for(server.guild.id, server.members[1].id, env.now())
    assert still is not None


async def test_an_administrator_is_a_staff_lead(consult_server: ConsultServer) -> None:
    server = consult_server
    role = server.guild.create_role("Owner", permissions=discord.Permissions(administrator=True))
    owner = server.guild.add_member(server.env.create_user("owner"), roles=[role])

    added = await block(server, lead=owner)

    assert "paused for" in said(added)


async def test_a_bot_or_yourself_cannot_be_blocked(consult_server: ConsultServer) -> None:
    server = consult_server
    env = server.env
    other_bot = server.guild.add_member(env.create_user("helper", bot=True))

    assert "Bots don't" in said(await block(server, other_bot))
    assert "your own" in said(await block(server, server.admin))
    assert await count(env, "SELECT COUNT(*) FROM consult_blocks") == 0


# ------------------------------------------------------------------------------ the refusal


async def test_a_blocked_member_is_told_warmly_with_every_crisis_line(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await block(server, reason=REASON, days=2)
    stored = await blocks(server.env).active_for(
        server.guild.id, server.member.id, server.env.now()
    )
    assert stored is not None
    assert stored.expires_at is not None

    asked = await server.member.slash(server.general, "consult")

    assert_paused_warmly(asked)
    assert f"<t:{int(stored.expires_at.timestamp())}:F>" in said(asked)
    assert await count(server.env, "SELECT COUNT(*) FROM consultations") == 0


async def test_without_an_end_the_refusal_says_for_now(consult_server: ConsultServer) -> None:
    server = consult_server
    await block(server)

    asked = await server.member.slash(server.general, "consult")

    assert_paused_warmly(asked)
    assert "for now" in said(asked)
    assert "<t:" not in paused_reply(asked).embeds[0].description


async def test_the_talk_to_a_consultant_button_is_refused_too(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await block(server)
    panel = await copy_with_buttons(server.env, server.general, "consult:start")

    pressed = await server.member.click(panel, custom_id="consult:start")

    assert_paused_warmly(pressed)
    assert await count(server.env, "SELECT COUNT(*) FROM consultations") == 0


async def test_a_block_added_while_the_form_is_open_refuses_at_submit(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    form = await server.member.slash(server.general, "consult")
    assert form.modal is not None

    await block(server, days=1)
    sent = await server.member.submit_modal(
        form, {"topic": ["coping"], "urgency": ["soon"], "note": "SENTINEL-note"}
    )

    assert_paused_warmly(sent)
    assert await count(server.env, "SELECT COUNT(*) FROM consultations") == 0
    assert cards(server) == []


async def test_another_member_is_not_affected(consult_server: ConsultServer) -> None:
    server = consult_server
    await block(server)

    result = await ask(server, server.members[1])

    assert "is in" in said(result)


# ------------------------------------------------------------------- urgent always gets through


async def test_an_urgent_form_from_a_blocked_member_reaches_staff_flagged(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    form = await server.member.slash(server.general, "consult")
    assert form.modal is not None
    await block(server, reason=REASON)

    sent = await server.member.submit_modal(form, {"topic": ["relapse"], "urgency": ["urgent"]})

    text = said(sent)
    assert "request #1" in text
    for line in CRISIS_LINES:
        assert line in text
    stored = await service(server.env).active_for_member(server.guild.id, server.member.id)
    assert stored is not None
    assert stored.urgency is Urgency.URGENT
    card = cards(server)[0]
    card_text = text_of(card.embeds)
    assert "blocked from routine requests" in card_text
    assert "/consult-block list" in card_text
    assert "SENTINEL" not in card_text  # the reason stays with the staff leads
    assert card.content.startswith(f"<@&{server.staff_role.id}>")  # still pings staff


async def test_the_urgent_button_beside_the_refusal_opens_a_request(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await block(server, days=5)
    refused = await server.member.slash(server.general, "consult")

    pressed = await server.member.click(paused_reply(refused), label=STRUGGLING)

    assert "request #1" in said(pressed)
    stored = await service(server.env).active_for_member(server.guild.id, server.member.id)
    assert stored is not None
    assert stored.urgency is Urgency.URGENT
    assert stored.topic is Topic.CRISIS
    assert "blocked from routine requests" in text_of(cards(server)[0].embeds)


async def test_the_card_flag_follows_the_block(consult_server: ConsultServer) -> None:
    server = consult_server
    await ask(server, urgency="soon")
    assert "blocked from" not in text_of(cards(server)[0].embeds)

    await block(server)
    assert "blocked from routine requests" in text_of(cards(server)[0].embeds)

    await server.admin.slash(server.general, "consult-block remove", member=server.member)
    assert "blocked from" not in text_of(cards(server)[0].embeds)


# ------------------------------------------------------------------------------------ expiry


async def test_a_block_ends_at_its_expiry_to_the_second(consult_server: ConsultServer) -> None:
    server = consult_server
    env = server.env
    await blocks(env).add(
        guild_id=server.guild.id,
        member_id=server.member.id,
        blocked_by=server.admin.id,
        reason=None,
        now=env.now(),
        expires_at=env.now() + dt.timedelta(minutes=2),
    )
    stored = await blocks(env).active_for(server.guild.id, server.member.id, env.now())
    assert stored is not None
    assert stored.expires_at is not None
    left = (stored.expires_at - env.now()).total_seconds()

    await env.advance_time(left - 1)  # one second before the end
    assert_paused_warmly(await server.member.slash(server.general, "consult"))

    await env.advance_time(1)  # the end: requests are open again
    shown = await server.member.slash(server.general, "consult")
    assert shown.modal is not None
    listed = await server.admin.slash(server.general, "consult-block list")
    assert "Nobody is blocked" in said(listed)


async def test_an_expiry_must_be_in_the_future(db: Database) -> None:
    from cryptography.fernet import Fernet

    service_ = ConsultBlockService(db, Cipher(Fernet.generate_key()))
    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    for until in (now, now - dt.timedelta(seconds=1), now + dt.timedelta(milliseconds=500)):
        with pytest.raises(UserFacingError, match="in the future"):
            await service_.add(
                guild_id=1, member_id=2, blocked_by=3, reason=None, now=now, expires_at=until
            )
    added = await service_.add(
        guild_id=1,
        member_id=2,
        blocked_by=3,
        reason=None,
        now=now,
        expires_at=now + dt.timedelta(seconds=1),
    )
    assert added.block.active(now)
    assert not added.block.active(now + dt.timedelta(seconds=1))
    assert await service_.active_for(1, 2, now + dt.timedelta(seconds=1)) is None


# ------------------------------------------------------------------------------------ scoping


async def test_a_block_in_one_server_does_not_apply_in_another(env: simcord.Env) -> None:
    first = await make_consult_server(env)
    second = await make_consult_server(env)
    user = env.create_user("both")
    here = first.guild.add_member(user)
    there = second.guild.add_member(user)
    await block(first, here, reason=REASON)

    assert_paused_warmly(await here.slash(first.general, "consult"))
    assert (await there.slash(second.general, "consult")).modal is not None

    listed = await second.admin.slash(second.general, "consult-block list")
    assert "Nobody is blocked" in said(listed)
    assert "SENTINEL" not in said(listed)
    removed = await second.admin.slash(second.general, "consult-block remove", member=there)
    assert "isn't blocked" in said(removed)
    assert (await blocks(env).active_for(first.guild.id, here.id, env.now())) is not None


# ------------------------------------------------------------------------------------ privacy


async def test_export_shows_the_block_without_the_reason_and_erasure_removes_it(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    env = server.env
    await block(server, reason=REASON, days=7)

    exported = await server.member.slash(server.general, "mydata export")

    message = paused_reply(exported)
    data = json.loads(await message.attachments[0].read())
    records = data["data"]["consult_blocks"]["records"]
    assert len(records) == 1
    assert records[0]["created_at"].endswith("Z")
    assert records[0]["expires_at"].endswith("Z")
    assert records[0]["blocked_by"] == str(server.admin.id)
    assert "reason" not in records[0]
    assert "SENTINEL" not in json.dumps(data)
    withheld = {item["source"]: item for item in data["manifest"]["withheld"]}
    assert withheld["consult_blocks.reason"]["records"] == 1

    asked = await server.member.slash(server.general, "mydata delete")
    await server.member.click(asked.response, label="Delete my data")

    assert await count(env, "SELECT COUNT(*) FROM consult_blocks") == 0
    assert (await server.member.slash(server.general, "consult")).modal is not None


async def test_a_staff_leads_erasure_keeps_the_blocks_they_added(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    env = server.env
    await block(server, reason=REASON)

    asked = await server.admin.slash(server.general, "mydata delete")
    await server.admin.click(asked.response, label="Delete my data")

    stored = await blocks(env).active_for(server.guild.id, server.member.id, env.now())
    assert stored is not None
    assert stored.blocked_by == 0
    assert stored.reason == REASON
    assert_paused_warmly(await server.member.slash(server.general, "consult"))
    other_lead, _ = add_admin(env, server.guild)
    listed = await other_lead.slash(server.general, "consult-block list")
    assert "has since erased their data" in said(listed)


async def test_the_reason_is_encrypted_on_disk(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    env = server.env
    await block(server, reason=REASON)

    row = await the_bot(env).db.fetchone("SELECT reason FROM consult_blocks")
    assert row is not None
    raw = row["reason"]
    assert isinstance(raw, bytes)
    assert REASON.encode() not in raw
    assert the_bot(env).cipher.decrypt(raw) == REASON
    await the_bot(env).db.truncate_wal()
    path = Path(settings.database_path)
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            assert b"SENTINEL-reason" not in file.read_bytes()


async def test_a_block_survives_a_restart(env: simcord.Env, settings: Settings) -> None:
    server = await make_consult_server(env)
    await block(server, reason=REASON, days=3)
    form = await server.member.slash(server.general, "consult")  # refused already
    assert form.modal is None

    await restart(env, settings)

    assert_paused_warmly(await server.member.slash(server.general, "consult"))
    listed = await server.admin.slash(server.general, "consult-block list")
    assert REASON in said(listed)


async def test_a_form_opened_before_a_restart_is_refused_after_it(
    env: simcord.Env, settings: Settings
) -> None:
    server = await make_consult_server(env)
    form = await server.member.slash(server.general, "consult")
    assert form.modal is not None
    await block(server)

    await restart(env, settings)
    sent = await server.member.submit_modal(form, {"topic": ["coping"], "urgency": ["routine"]})

    assert_paused_warmly(sent)
    assert await count(env, "SELECT COUNT(*) FROM consultations") == 0


# ------------------------------------------------------------------------------ typed reasons


async def test_the_reason_is_sanitised(consult_server: ConsultServer) -> None:
    server = consult_server
    env = server.env
    await block(server, reason="too\u200b many\u202e requests\u2066")

    stored = await blocks(env).active_for(server.guild.id, server.member.id, env.now())
    assert stored is not None
    assert stored.reason == "too many requests"

    await block(server, server.members[1], reason="\u200b\u200d\u2060")
    invisible = await blocks(env).active_for(server.guild.id, server.members[1].id, env.now())
    assert invisible is not None
    assert invisible.reason is None


async def test_a_reason_over_the_limit_is_refused_and_nothing_is_saved(
    consult_server: ConsultServer,
) -> None:
    server = consult_server

    with pytest.raises(OptionError, match="at most 300"):  # Discord refuses it first
        await block(server, reason="x" * (BLOCK_REASON_LIMIT + 1))

    assert await count(server.env, "SELECT COUNT(*) FROM consult_blocks") == 0


async def test_the_service_refuses_a_long_reason_by_its_field(db: Database) -> None:
    from cryptography.fernet import Fernet

    service_ = ConsultBlockService(db, Cipher(Fernet.generate_key()))
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    with pytest.raises(TextRefusedError, match="the limit is 300"):
        await service_.add(guild_id=1, member_id=2, blocked_by=3, reason="y" * 301, now=now)
    # Invisible characters don't count towards the limit: they are removed first.
    added = await service_.add(
        guild_id=1, member_id=2, blocked_by=3, reason="y" * 300 + "\u200b" * 5, now=now
    )
    assert added.block.reason == "y" * 300


async def test_the_domain_refuses_routine_but_never_urgent(db: Database) -> None:
    """The check lives in the request's own transaction (``ConsultationService.create``)."""
    from cryptography.fernet import Fernet

    from bot.consultations import ConsultationService

    cipher = Cipher(Fernet.generate_key())
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    await ConsultBlockService(db, cipher).add(
        guild_id=1,
        member_id=2,
        blocked_by=3,
        reason=None,
        now=now,
        expires_at=now + dt.timedelta(hours=1),
    )
    requests = ConsultationService(db, cipher)
    config = GuildConfig(guild_id=1)
    for urgency in (Urgency.ROUTINE, Urgency.SOON):
        with pytest.raises(RequestsPausedError) as refused:
            await requests.create(
                guild_id=1, member_id=2, topic=Topic.COPING, urgency=urgency, now=now, config=config
            )
        assert refused.value.show_crisis
        assert refused.value.until == now + dt.timedelta(hours=1)
    urgent = await requests.create(
        guild_id=1, member_id=2, topic=Topic.COPING, urgency=Urgency.URGENT, now=now, config=config
    )
    assert urgent.created
    assert urgent.consultation.status is Status.OPEN
    elsewhere = await requests.create(
        guild_id=9, member_id=2, topic=Topic.COPING, urgency=Urgency.ROUTINE, now=now, config=config
    )
    assert elsewhere.created


async def test_a_member_who_left_is_listed_and_can_be_unblocked(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    env = server.env
    user = env.create_user("gone")
    leaving = server.guild.add_member(user)
    await block(server, leaving, reason=REASON)
    server.guild.remove_member(leaving)
    await env.settle()

    listed = await server.admin.slash(server.general, "consult-block list")
    assert "(no longer in the server)" in said(listed)
    assert f"<@{user.id}>" in said(listed)

    removed = await server.admin.slash(server.general, "consult-block remove", member=user)

    assert "open again" in said(removed)
    assert await count(env, "SELECT COUNT(*) FROM consult_blocks") == 0


async def test_without_a_log_channel_nothing_is_posted_and_the_block_holds(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, log_channel_id=None)

    added = await block(server, reason=REASON)

    assert "paused for" in said(added)
    assert log_lines(server) == []
    assert_paused_warmly(await server.member.slash(server.general, "consult"))


async def test_an_ended_block_is_purged_after_the_retention_days(db: Database) -> None:
    from cryptography.fernet import Fernet

    from bot.privacy import purge_expired

    service_ = ConsultBlockService(db, Cipher(Fernet.generate_key()))
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ends = start + dt.timedelta(days=1)
    await service_.add(
        guild_id=1, member_id=2, blocked_by=3, reason="a", now=start, expires_at=ends
    )
    await service_.add(guild_id=1, member_id=4, blocked_by=3, reason="b", now=start)

    kept = await purge_expired(db, ends + dt.timedelta(days=30, seconds=-1), 30)
    assert kept.total == 0
    purged = await purge_expired(db, ends + dt.timedelta(days=30), 30)

    assert purged.purged == {"consult_blocks": 1}
    rows = await db.fetchall("SELECT member_id FROM consult_blocks")
    assert [row["member_id"] for row in rows] == [4]  # a block without an end is kept


@pytest.mark.parametrize(
    "forged", ["consult-block:page:abc", "consult-block:page:", "consult-block:x"]
)
async def test_a_forged_or_old_list_button_is_out_of_date(
    consult_server: ConsultServer, forged: str
) -> None:
    server = consult_server
    copy = await copy_with_buttons(server.env, server.general, forged)

    pressed = await server.admin.click(copy, custom_id=forged)

    assert pressed.ephemeral
    assert "out of date" in said(pressed)
