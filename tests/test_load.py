"""Load through SimCord: 300 members ask for a consultant at once while 20 staff keep
pressing Claim on the cards and `/queue next`.

How "at once" is done: SimCord's actor verbs refuse to overlap (``Env._begin_operation``
raises "operation overlaps" when two tasks run verbs together, and each verb settles before
it returns), so ``asyncio.gather`` of actor calls cannot run them concurrently. This test
builds the same INTERACTION_CREATE payloads the verbs build (SimCord's own payload, modal and
option helpers) and emits them back to back without settling in between: the bot receives
300 form submissions in one burst, and the staff clicks and commands are emitted in rounds
*while those submissions are still being handled*, which is as concurrent as the real gateway
gets (one ordered event stream; the bot's handlers then run interleaved on its event loop).

Afterwards: every request is accounted for (one per member, one card each), no request was
claimed twice, no duplicate thread, every interaction was acknowledged and none left
"thinking", no unexpected error. ``LOAD_MEMBERS`` / ``LOAD_STAFF`` scale it down for a
quick local run; CI uses the issue's 300 and 20.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
from typing import Any

import pytest
import simcord
from simcord import interactions as simcord_interactions
from simcord._modal import _modal_submit_nodes
from simcord.actors import _resolve_visible_command
from simcord.backend import serializers

from bot.consultations import Status
from tests.conftest import ConsultServer, is_expected_refusal, make_consult_server
from tests.reliability import bot_of, said, unanswered

MEMBERS = int(os.environ.get("LOAD_MEMBERS", "300"))
STAFF = int(os.environ.get("LOAD_STAFF", "20"))
SEED = int(os.environ.get("LOAD_SEED", "7"))

APPLICATION_COMMAND, MESSAGE_COMPONENT, MODAL_SUBMIT = 2, 3, 5


def emit(
    env: simcord.Env,
    actor: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    kind: int,
    data: dict[str, Any],
    *,
    message: Any | None = None,
) -> simcord.InteractionResult:
    """One INTERACTION_CREATE from ``actor``, emitted now (the bot handles it when it can)."""
    backend = env.backend
    record, payload = simcord_interactions.base_payload(
        backend,
        type=kind,
        channel_id=channel.id,
        guild_id=actor.guild.id,
        user_id=actor.id,
        data=data,
    )
    if message is not None:
        payload["message"] = dict(serializers.message_payload(backend, message))
        record.source_message_id = message.id
    backend.emit("INTERACTION_CREATE", payload)
    return simcord.InteractionResult(env, record)


def slash(
    env: simcord.Env, actor: simcord.MemberActor, channel: simcord.ChannelHandle, name: str
) -> simcord.InteractionResult:
    parts = name.split()
    root = _resolve_visible_command(actor, channel.id, parts[0], 1)
    _leaf, nesting = simcord_interactions.walk_to_subcommand(root, parts[1:])
    data = {
        "id": root["id"],
        "name": root["name"],
        "type": 1,
        "options": simcord_interactions.nest_options(root, nesting, []),
    }
    return emit(env, actor, channel, APPLICATION_COMMAND, data)


def submit(
    env: simcord.Env,
    actor: simcord.MemberActor,
    channel: simcord.ChannelHandle,
    shown: simcord.InteractionResult,
    values: dict[str, Any],
) -> simcord.InteractionResult:
    spec = shown._interaction.modal
    assert spec is not None, shown
    components = _modal_submit_nodes(spec["components"], actor, values, {}, channel.id, [])
    shown._interaction.modal_consumed = True
    data = {"custom_id": spec["custom_id"], "components": components}
    return emit(env, actor, channel, MODAL_SUBMIT, data)


def waiting_cards(server: ConsultServer) -> list[Any]:
    """The stored card messages that still offer Claim."""
    found = []
    for message in server.env.backend.messages.get(server.queue.id, {}).values():
        ids = [
            child.get("custom_id", "")
            for row in message.components
            for child in row.get("components", [])
        ]
        if any(i.startswith("consult:claim:") for i in ids):
            found.append(message)
    return found


def claim_id(message: Any) -> str:
    return next(
        child["custom_id"]
        for row in message.components
        for child in row.get("components", [])
        if child.get("custom_id", "").startswith("consult:claim:")
    )


def staff_round(
    server: ConsultServer, rng: random.Random, results: list[simcord.InteractionResult]
) -> None:
    """Every staff member acts once: Claim on a waiting card (often the same), or /queue next."""
    cards = waiting_cards(server)
    for staff in server.staff:
        if cards and rng.random() < 0.7:
            card = rng.choice(cards[:3])  # most pick the oldest few: real contention
            data = {"custom_id": claim_id(card), "component_type": 2}
            results.append(
                emit(server.env, staff, server.queue, MESSAGE_COMPONENT, data, message=card)
            )
        else:
            results.append(slash(server.env, staff, server.queue, "queue next"))


# Hundreds of members and staff at once: about 3 minutes on two loaded cores.
@pytest.mark.slow
@pytest.mark.timeout(600)
async def test_300_members_and_20_staff_at_once(env: simcord.Env) -> None:
    rng = random.Random(SEED)
    server = await make_consult_server(env, members=MEMBERS, staff=STAFF, hourly_cap=10_000)
    await env.settle(timeout=120)
    members = server.members

    forms = [slash(env, member, server.general, "consult") for member in members]
    await env.settle(timeout=120)
    assert not unanswered(forms)
    assert all(form.modal is not None for form in forms)

    submissions: list[simcord.InteractionResult] = []
    staff_results: list[simcord.InteractionResult] = []
    urgencies = ("routine", "soon", "urgent")
    overlapping = 0  # staff actions emitted while some submissions were still unanswered
    for start in range(0, len(members), 30):
        for member, form in zip(
            members[start : start + 30], forms[start : start + 30], strict=True
        ):
            values = {"topic": ["coping"], "urgency": [rng.choice(urgencies)], "note": "hi"}
            submissions.append(submit(env, member, server.general, form, values))
        staff_round(server, rng, staff_results)
        overlapping += len(server.staff) if unanswered(submissions) else 0
        for _ in range(20):  # let the bot get part-way through before the next burst
            await asyncio.sleep(0)
    for _ in range(3):
        staff_round(server, rng, staff_results)
        await asyncio.sleep(0)
    await env.settle(timeout=120)
    for _ in range(40):  # staff keep going until nobody is waiting
        if not waiting_cards(server):
            break
        staff_round(server, rng, staff_results)
        await env.settle(timeout=120)

    assert overlapping >= len(server.staff) * 5, "the staff never acted during the burst"
    assert len(staff_results) >= len(members)

    # every interaction answered, none left thinking, no unexpected error
    assert not unanswered(submissions + staff_results)
    assert all(r.ephemeral for r in submissions + staff_results)
    unexpected = [e for e in env.errors if not is_expected_refusal(e)]
    assert unexpected == []
    for result in staff_results:
        text = said(result)
        assert "went wrong" not in text, text

    # every request accounted for: one per member, one card each
    bot = bot_of(env)
    rows = await bot.db.fetchall(
        "SELECT id, number, member_id, status, claimed_by, thread_id, card_message_id "
        "FROM consultations"
    )
    assert len(rows) == len(members)
    assert {row["member_id"] for row in rows} == {m.id for m in members}
    assert sorted(row["number"] for row in rows) == list(range(1, len(members) + 1))
    assert all("Your request #" in said(r) for r in submissions)
    card_numbers = [
        int(m.embeds[0]["title"].split("#")[1].split()[0])
        for m in server.env.backend.messages.get(server.queue.id, {}).values()
        if m.embeds and m.embeds[0].get("title", "").startswith("Request #")
    ]
    assert sorted(card_numbers) == list(range(1, len(members) + 1))  # no duplicate card

    # every request claimed, once, by one staff member, with one thread
    staff_ids = {s.id for s in server.staff}
    assert all(row["status"] == Status.CLAIMED.value for row in rows)
    assert all(row["claimed_by"] in staff_ids for row in rows)
    claims = await bot.db.fetchall(
        "SELECT consultation_id, COUNT(*) AS n FROM consultation_events "
        "WHERE kind = 'claimed' GROUP BY consultation_id"
    )
    assert len(claims) == len(members)
    assert all(row["n"] == 1 for row in claims)
    threads = server.consult.threads
    assert len(threads) == len(members)
    assert {t.id for t in threads} == {row["thread_id"] for row in rows}
    assert len({t.name for t in threads}) == len(threads)
    winners = [
        int(m.group(1))
        for r in staff_results
        if (m := re.search(r"You claimed request #(\d+)", said(r)))
    ]
    assert sorted(winners) == list(range(1, len(members) + 1))  # each told to one person
