"""``/ticket reply snippet:<name>`` through SimCord: staff post a saved reply in a request's
private thread, every placeholder filled, only the member mentioned; everyone else, and
everywhere else, is refused (issue 20)."""

from __future__ import annotations

import discord
import pytest
import simcord

from bot.bot import EXTENSIONS
from bot.consultations import Hours
from bot.crisis import crisis_lines
from bot.snippets import MESSAGE_LIMIT, PREFIX_WORST, TEXT_LIMIT, hours_text
from bot.ui import escape
from tests.conftest import ConsultServer, make_consult_server
from tests.helpers import text_of, the_bot
from tests.reliability import assert_nothing_pinged, assert_polite, lift_form_limits
from tests.test_bad_input import CASES, check_clean, make_input
from tests.test_cog_permissions_table import administrator
from tests.test_consult_member import said
from tests.test_consult_staff import open_and_claim, the_thread
from tests.test_general_help import every_page
from tests.test_permission_edges import people
from tests.test_snippets_commands import plant

EVERY = "Hi {member}, I'm {staff} at {server}.\n{hours}\nAny time:\n{crisis}"
LONDON = {
    "work_start_hour": 9,
    "work_end_hour": 17,
    "timezone": "Europe/London",
    "hours_days": "01234",
}


def posts(env: simcord.Env, channel: simcord.ChannelHandle) -> list[dict[str, object]]:
    """What the bot posted in ``channel`` (the REST bodies)."""
    return [
        r.json
        for r in env.http_requests
        if r.method == "POST" and r.path == f"/channels/{channel.id}/messages" and r.json
    ]


async def add_to_thread(server: ConsultServer, *people_: simcord.MemberActor) -> None:
    """Someone added to the request's thread (as staff can add anyone), so they can type there."""
    thread = the_bot(server.env).get_channel(the_thread(server).id)
    assert isinstance(thread, discord.Thread)
    with server.env.time_context():
        for person in people_:
            await thread.add_user(discord.Object(person.id))
    await server.env.settle()


@pytest.fixture
async def claimed(consult_server: ConsultServer) -> ConsultServer:
    """A server with a claimed request (member 0, staff 0) and a saved reply ``welcome``."""
    await open_and_claim(consult_server)
    await plant(consult_server, "welcome", EVERY)
    return consult_server


async def test_the_reply_posts_every_placeholder_filled_and_mentions_only_the_member(
    env: simcord.Env,
) -> None:
    server = await make_consult_server(env, **LONDON)
    await open_and_claim(server)
    await plant(server, "welcome", EVERY)
    thread = the_thread(server)
    # A display name with markdown and a mention in it is shown as written, never as either.
    sam = server.guild.add_member(
        env.create_user("sam"), roles=[server.staff_role], nick="*Sam* @everyone"
    )
    before = len(posts(env, thread))

    sent = await sam.slash(thread, "ticket reply", snippet="welcome")

    assert sent.ephemeral
    assert "Sent `welcome` in this thread." in said(sent)
    new = posts(env, thread)[before:]
    assert len(new) == 1
    name = escape("*Sam* @everyone", 64)
    hours = hours_text(Hours(9, 17, frozenset(range(5)), "Europe/London"))
    crisis = crisis_lines(the_bot(env).crisis)
    assert new[0]["content"] == (
        f"**{name}** (staff):\nHi <@{server.member.id}>, I'm {name} at Recovery Group.\n"
        f"{hours}\nAny time:\n{crisis}"
    )
    assert "Staff are here 09:00–17:00 (Europe/London time), on Mon, Tue, Wed, Thu, Fri." in hours
    assert new[0]["allowed_mentions"] == {"parse": [], "users": [server.member.id]}
    last = thread.last_message
    assert last is not None
    assert last.author.id == the_bot(env).user.id  # type: ignore[union-attr]


async def test_a_types_own_hours_fill_its_requests(env: simcord.Env) -> None:
    server = await make_consult_server(env, **LONDON)
    bot = the_bot(env)
    kind = await bot.services.consult_types.add(
        server.guild.id,
        name="Family",
        description="For families",
        staff_role_id=server.staff_role.id,
        now=env.now(),
    )
    await bot.services.hours.set_type_hours(kind.id, Hours(18, 22, frozenset({5, 6}), "UTC"))
    shown = await server.member.slash(server.general, "consult")
    assert shown.response is not None
    form = await server.member.select(shown.response, [str(kind.id)])
    assert form.modal is not None
    await server.member.submit_modal(form, {"urgency": ["routine"]})
    card = [m for m in server.queue.history() if m.components][-1]
    await server.staff[0].click(card, label="Claim")
    await plant(server, "hours", "{hours}")

    await server.staff[0].slash(the_thread(server), "ticket reply", snippet="hours")

    assert posts(env, the_thread(server))[-1]["content"].endswith(  # type: ignore[union-attr]
        "Staff are here 18:00–22:00 (UTC time), on Sat, Sun."
    )


async def test_autocomplete_offers_this_servers_names_to_staff_in_the_thread(
    claimed: ConsultServer,
) -> None:
    server = claimed
    await plant(server, "after-hours")
    await plant(server, "closing")
    thread = the_thread(server)

    typed = await server.staff[0].autocomplete(thread, "ticket reply", "snippet", "")
    assert [c["value"] for c in typed] == ["after-hours", "closing", "welcome"]
    some = await server.staff[1].autocomplete(thread, "ticket reply", "snippet", "hour")
    assert [c["name"] for c in some] == ["after-hours"]
    elsewhere = await server.staff[0].autocomplete(server.general, "ticket reply", "snippet", "")
    assert elsewhere == []


# Who may send a saved reply in the thread: staff of this server (the claimer or any other),
# and a server Administrator, as every /ticket command; never Manage Server alone.
PEOPLE = [
    pytest.param("member", False, id="member"),
    pytest.param("staff", True, id="staff"),
    pytest.param("staff-of-another-server", False, id="staff-of-another-server"),
    pytest.param("admin", False, id="admin"),
    pytest.param("admin-who-lost-manage-server", False, id="admin-who-lost-manage-server"),
    pytest.param("administrator", True, id="administrator"),
]


@pytest.mark.parametrize(("who", "allowed"), PEOPLE)
async def test_only_staff_send_saved_replies(
    claimed: ConsultServer, who: str, allowed: bool
) -> None:
    server = claimed
    env = server.env
    thread = the_thread(server)
    if who == "administrator":
        person = administrator(server)
    elif who == "member":
        person = server.member  # the request's own member, in the thread
    else:
        person = people(server)[who]
        await add_to_thread(server, person)
    await env.settle()
    before = len(posts(env, thread))

    choices = await person.autocomplete(thread, "ticket reply", "snippet", "")
    sent = await person.slash(thread, "ticket reply", snippet="welcome")

    assert sent.ephemeral
    if allowed:
        assert [c["value"] for c in choices] == ["welcome"]
        assert "Sent `welcome`" in said(sent)
        assert len(posts(env, thread)) == before + 1
    else:
        assert choices == []
        assert "only this server's staff" in said(sent)
        assert len(posts(env, thread)) == before


async def test_outside_a_request_thread_it_is_refused_politely(claimed: ConsultServer) -> None:
    server = claimed
    before = len(env_posts := posts(server.env, server.general))
    refused = await server.staff[0].slash(server.general, "ticket reply", snippet="welcome")
    assert "Please use this inside a consultation's private thread" in said(refused)
    assert len(posts(server.env, server.general)) == len(env_posts) == before
    # Nor in an ordinary thread that is no request's.
    plain = the_bot(server.env).get_channel(server.general.id)
    assert isinstance(plain, discord.TextChannel)
    with server.env.time_context():
        other = await plain.create_thread(name="chat", type=discord.ChannelType.public_thread)
    await server.env.settle()
    handle = next(t for t in server.general.threads if t.id == other.id)
    refused = await server.staff[0].slash(handle, "ticket reply", snippet="welcome")
    assert "Please use this inside a consultation's private thread" in said(refused)


async def test_a_closed_request_gets_no_reply(claimed: ConsultServer) -> None:
    server = claimed
    thread = the_thread(server)
    await server.staff[0].slash(thread, "ticket close", reason="All sorted")
    before = len(posts(server.env, thread))
    refused = await server.staff[0].slash(thread, "ticket reply", snippet="welcome")
    assert "Request #1 is closed, so I didn't post anything here." in said(refused)
    assert len(posts(server.env, thread)) == before


async def test_an_unknown_name_is_refused(claimed: ConsultServer) -> None:
    server = claimed
    thread = the_thread(server)
    before = len(posts(server.env, thread))
    refused = await server.staff[0].slash(thread, "ticket reply", snippet="nothing")
    assert "no saved reply named `nothing`" in said(refused)
    assert len(posts(server.env, thread)) == before


async def test_a_reply_too_long_once_filled_is_refused_when_sent(claimed: ConsultServer) -> None:
    """Saved when it fitted (say, before the crisis lines grew): checked again when sent."""
    server = claimed
    env = server.env
    thread = the_thread(server)
    crisis = crisis_lines(the_bot(env).crisis)
    name_part = len(f"**{escape(server.staff[0].user.name, 64)}** (staff):\n")
    fits = "x" * (MESSAGE_LIMIT - name_part - len(crisis)) + "{crisis}"
    over = "y" + fits

    async def store(name: str, body: str) -> None:
        async with the_bot(env).db.transaction() as tx:
            await tx.execute(
                "INSERT INTO snippets (guild_id, name, body, created_at, updated_at) "
                "VALUES (?, ?, ?, 0, 0)",
                (server.guild.id, name, body),
            )

    await store("fits", fits)
    await store("over", over)
    assert name_part < PREFIX_WORST  # neither could be saved through /snippet add

    sent = await server.staff[0].slash(thread, "ticket reply", snippet="fits")
    assert "Sent `fits`" in said(sent)
    assert len(posts(env, thread)[-1]["content"]) == MESSAGE_LIMIT  # type: ignore[arg-type]
    before = len(posts(env, thread))
    refused = await server.staff[0].slash(thread, "ticket reply", snippet="over")
    assert f"would be {MESSAGE_LIMIT + 1:,} characters" in said(refused)
    assert "Nothing was sent" in said(refused)
    assert len(posts(env, thread)) == before


async def test_a_saved_reply_never_leaves_its_server(env: simcord.Env) -> None:
    """A lead of server A who is staff in server B: A's saved reply is not theirs to use in B,
    to change from B, or to remove from B."""
    home = await make_consult_server(env)
    away = await make_consult_server(env)
    user = env.create_user("both")
    lead_role = home.guild.create_role("Lead", permissions=discord.Permissions(manage_guild=True))
    lead_home = home.guild.add_member(user, roles=[lead_role])
    staff_away = away.guild.add_member(user, roles=[away.staff_role])
    lead_away_role = away.guild.create_role(
        "Lead", permissions=discord.Permissions(manage_guild=True)
    )
    env.backend.add_member_role(away.guild.id, staff_away.id, lead_away_role.id)
    await plant(home, "welcome", EVERY)
    await open_and_claim(away)
    thread = the_thread(away)
    before = len(posts(env, thread))

    offered = await staff_away.autocomplete(thread, "ticket reply", "snippet", "")
    sent = await staff_away.slash(thread, "ticket reply", snippet="welcome")
    edit = await staff_away.slash(away.general, "snippet edit", name="welcome")
    removed = await staff_away.slash(away.general, "snippet remove", name="welcome")
    listed = await staff_away.slash(away.general, "snippet list")
    names = await staff_away.autocomplete(away.general, "snippet edit", "name", "")

    assert offered == []
    assert names == []
    assert "no saved reply named `welcome`" in said(sent)
    assert edit.modal is None
    assert "no saved reply named `welcome`" in said(edit)
    assert "no saved reply named `welcome`" in said(removed)
    assert "no saved replies yet" in said(listed)
    assert len(posts(env, thread)) == before
    kept = await lead_home.autocomplete(home.general, "snippet edit", "name", "")
    assert [c["value"] for c in kept] == ["welcome"]


async def test_reply_is_a_ticket_subcommand_for_staff(claimed: ConsultServer) -> None:
    bot = the_bot(claimed.env)
    ticket = bot.tree.get_command("ticket")
    assert isinstance(ticket, discord.app_commands.Group)
    reply = ticket.get_command("reply")
    assert reply is not None
    assert "cogs.snippets" in EXTENSIONS
    assert EXTENSIONS.index("cogs.snippets") > EXTENSIONS.index("cogs.consult")
    # /help lists it in "Staff tools" (for staff only), with the /ticket group's synced id.
    ticket_id = next(c.id for c in await bot.tree.fetch_commands() if c.name == "ticket")
    staff = claimed.staff[0]
    start = await staff.slash(claimed.general, "help")
    pages = await every_page(staff, start.response, "staff")
    listed = "\n".join(text_of(page) for page in pages)
    assert f"</ticket reply:{ticket_id}> Post a saved reply in this thread" in listed
    member_view = await every_page(
        claimed.member, (await claimed.member.slash(claimed.general, "help")).response, "member"
    )
    assert all("ticket reply" not in text_of(page) for page in member_view)


async def test_the_reply_leaves_the_ticket_group_when_unloaded(claimed: ConsultServer) -> None:
    bot = the_bot(claimed.env)
    await bot.unload_extension("cogs.snippets")
    ticket = bot.tree.get_command("ticket")
    assert isinstance(ticket, discord.app_commands.Group)
    assert ticket.get_command("reply") is None
    assert ticket.get_command("close") is not None
    await bot.load_extension("cogs.snippets")
    assert ticket.get_command("reply") is not None


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("case", CASES)
async def test_bad_input_in_a_saved_reply(claimed: ConsultServer, case: str) -> None:
    """Every bad input of ``tests/test_bad_input.py`` as a saved reply's text, through the
    form (its limit lifted, as an older form's) and then sent: a polite answer each time,
    nothing hidden stored or sent, and nobody pinged but the request's member. A saved reply
    is staff's own writing, so its markdown is kept, never escaped: its safety is that nothing
    it says can ping anyone."""
    server = claimed
    env = server.env
    thread = the_thread(server)
    text = make_input(case, TEXT_LIMIT, server.staff_role.id, server.members[1].id)
    shown = await server.admin.slash(server.general, "snippet add", name="bad")
    assert shown.modal is not None
    lift_form_limits(shown)

    saved = await server.admin.submit_modal(shown, {"text": text})

    answer = assert_polite(saved)
    row = await the_bot(env).db.fetchone(
        "SELECT body FROM snippets WHERE guild_id = ? AND name = 'bad'", (server.guild.id,)
    )
    refused = case in ("empty", "whitespace", "only_invisible", "at_limit", "over_limit", "huge")
    assert (row is None) is refused, (case, answer)
    if refused:
        return
    assert row is not None
    check_clean(case, row["body"], [])
    sent = await server.staff[0].slash(thread, "ticket reply", snippet="bad")
    assert "Sent `bad`" in assert_polite(sent)
    content = posts(env, thread)[-1]["content"]
    assert isinstance(content, str)
    check_clean(case, content.split("\n", 1)[1], [content])
    assert_nothing_pinged(env, users={server.member.id, server.staff[0].id})
