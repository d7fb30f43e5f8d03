"""Restart chaos: a seeded loop of full request → claim → talk → close flows, each cut by a
restart at a random point; every flow completes from where it stopped, with no duplicate
threads or cards.

The restart points are between the steps (the bot stops after a step has fully happened) and
*inside* the two steps that write first and then call Discord: "crashed after the request was
saved, before its card was posted" and "crashed after the claim was saved, before the thread
was made" (the database write is made directly, as the bot would have, then the bot restarts;
start-up reconciliation must finish the step). A restart in the middle of a handler's await
cannot be expressed with SimCord: ``restart`` settles the bot first, and closing the database
under a running handler is a different fault (the fault matrix covers it).

One environment and one server for the whole loop (each flow has its own member), so it is
fast. ``CHAOS_ITERATIONS`` / ``CHAOS_SEED`` change the loop; CI runs the default 50.
"""

from __future__ import annotations

import os
import random
import re

import pytest
import simcord

from bot.consultations import Status, Topic, Urgency
from bot.guild_config import GuildConfigRepository
from bot.settings import Settings
from tests.conftest import ConsultServer, make_consult_server, restart
from tests.reliability import assert_nothing_pinged, bot_of, said
from tests.test_consult_member import ask, service
from tests.test_consult_staff import button_ids, card_for, cards

ITERATIONS = int(os.environ.get("CHAOS_ITERATIONS", "50"))
SEED = int(os.environ.get("CHAOS_SEED", "20260101"))

# Where the restart happens: after step N, or inside a step after its database write.
POINTS = (
    "after request",
    "inside request (saved, no card yet)",
    "after claim",
    "inside claim (saved, no thread yet)",
    "after the member talks",
    "after staff talk",
    "after close",
)


def thread_of(server: ConsultServer, thread_id: int | None) -> simcord.ChannelHandle:
    matches = [t for t in server.consult.threads if t.id == thread_id]
    assert len(matches) == 1, (thread_id, server.consult.threads)
    return matches[0]


async def one_flow(
    server: ConsultServer, settings: Settings, member: simcord.MemberActor, point: str, n: int
) -> None:
    env = server.env
    staff = server.staff[n % len(server.staff)]

    async def maybe_restart(here: str) -> None:
        if here == point:
            await restart(env, settings)

    # request
    if point.startswith("inside request"):
        config = await GuildConfigRepository(bot_of(env).db).get(server.guild.id)
        created = await service(env).create(
            guild_id=server.guild.id,
            member_id=member.id,
            topic=Topic.COPING,
            urgency=Urgency.ROUTINE,
            now=env.now(),
            config=config,
        )
        number = created.consultation.number
        await restart(env, settings)
    else:
        receipt = await ask(server, member, note=f"flow {n}")
        found = re.search(r"request #(\d+)", said(receipt))
        assert found is not None, said(receipt)
        number = int(found.group(1))
        await maybe_restart("after request")

    # claim
    if point.startswith("inside claim"):
        stored = await service(env).get_in_guild(server.guild.id, number)
        await service(env).claim(server.guild.id, stored.id, staff.id, env.now())
        await restart(env, settings)
    else:
        claimed = await staff.click(card_for(server, number), label="Claim")
        assert f"You claimed request #{number}" in said(claimed), said(claimed)
        await maybe_restart("after claim")

    stored = await service(env).get_in_guild(server.guild.id, number)
    assert stored.status is Status.CLAIMED
    thread = thread_of(server, stored.thread_id)

    # talk
    await member.send(thread, f"hello from member {n}")
    await maybe_restart("after the member talks")
    await staff.send(thread, f"hello from staff {n}")
    await maybe_restart("after staff talk")

    # close
    done = await staff.slash(thread, "ticket close", reason="Talked it through")
    assert f"Request #{number} is closed" in said(done), said(done)
    await maybe_restart("after close")

    final = await service(env).get_in_guild(server.guild.id, number)
    assert final.status is Status.CLOSED
    history = [m.content for m in thread.history()]
    assert f"hello from member {n}" in history
    assert f"hello from staff {n}" in history
    assert sum("is now closed" in text for text in history) == 1
    assert button_ids(card_for(server, number)) == []


# Dozens of restarts: about 40 s on two loaded cores.
@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_restarts_at_random_points_never_break_a_flow(
    env: simcord.Env, settings: Settings
) -> None:
    rng = random.Random(SEED)
    server = await make_consult_server(
        env, members=ITERATIONS, staff=3, hourly_cap=10_000, cooldown_minutes=0
    )
    seen: dict[str, int] = {}
    bots = [env.bot]  # kept alive, so their ids stay distinct

    for n, member in enumerate(server.members):
        point = rng.choice(POINTS)
        seen[point] = seen.get(point, 0) + 1
        await one_flow(server, settings, member, point, n)
        bots.append(env.bot)

    assert len({id(b) for b in bots}) == ITERATIONS + 1  # a restart per flow, a fresh bot

    assert set(seen) == set(POINTS) or ITERATIONS < 20  # every point was exercised
    # nothing duplicated anywhere
    titles = [m.embeds[0].title for m in cards(server)]
    assert len(titles) == ITERATIONS
    assert len(set(titles)) == ITERATIONS
    threads = server.consult.threads
    assert len(threads) == ITERATIONS
    assert len({t.name for t in threads}) == ITERATIONS
    rows = await bot_of(env).db.fetchall("SELECT status, thread_id FROM consultations")
    assert len(rows) == ITERATIONS
    assert all(row["status"] == Status.CLOSED.value for row in rows)
    assert {row["thread_id"] for row in rows} == {t.id for t in threads}
    staff_ids = {s.id for s in server.staff}
    assert_nothing_pinged(env, users={m.id for m in server.members} | staff_ids)
