"""``/help`` through SimCord: each person sees what they can use where they are (issue 24).

A member sees the five things most members need first and "More for members"; staff (the
server's staff role, or a consultation type's) also "Staff tools"; an admin (Manage Server)
"Admin tools"; a server Administrator everything; a DM the member view. Every page keeps the
crisis line, every command is a clickable mention with the synced id, and every page stays
within Discord's limits however many commands there are.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import discord
import pytest
import simcord
from discord import app_commands

from bot import limits
from bot.settings import Settings
from cogs.general._audience import (
    EVERYONE,
    MEMBER_ONLY,
    Viewer,
    audience_of,
    iter_leaf_commands,
)
from cogs.general._pages import (
    AUDIENCE_OF_SECTION,
    FIRST,
    LINES_PER_PAGE,
    SECTIONS,
    help_page,
    split,
)
from cogs.general._views import HelpButton, help_view
from tests.conftest import ConsultServer, restart
from tests.helpers import text_of, the_bot
from tests.test_cog_permissions_table import administrator
from tests.test_consult_member import said
from tests.test_permission_edges import copy_with_buttons, people

MENTION = re.compile(r"</([-_a-z0-9 ]+):([0-9]+)>")
CRISIS_LINE = "If you are in danger right now, use </crisis:"

Result = simcord.InteractionResult

COMMAND_AT_START = re.compile(r"^(?:</([-_a-z0-9 ]+):[0-9]+>|`/([-_a-z0-9 ]+)`) ")
"""A page's command line: a mention, or the plain name while ids are unknown."""


def listed_names(embed: discord.Embed) -> list[str]:
    lines = (embed.description or "").split("\n")
    return [m[1] or m[2] for line in lines if (m := COMMAND_AT_START.match(line))]


def buttons(message: Any) -> dict[str, tuple[str, bool]]:
    """Each button's custom_id: its label and whether it is greyed out."""
    return {
        component["custom_id"]: (component.get("label", ""), bool(component.get("disabled")))
        for row in message.components
        for component in row.get("components", [])
    }


def sections_offered(message: Any) -> set[str]:
    return {custom_id for custom_id in buttons(message) if custom_id.count(":") == 1}


def private(result: Result) -> Any:
    """The private message a click or command answered with (a new one, or the same edited)."""
    assert result.acknowledged
    assert result.response is not None
    assert result.response.ephemeral, said(result)
    return result.response


def snapshot(message: Any) -> SimpleNamespace:
    """What ``message`` shows now (a click edits the same message in place)."""
    return SimpleNamespace(
        content=message.content,
        embeds=[discord.Embed.from_dict(e.to_dict()) for e in message.embeds],
        components=copy.deepcopy(message.components),
    )


async def open_help(actor: Any, channel: simcord.ChannelHandle | None = None) -> Result:
    result = await (actor.slash("help") if channel is None else actor.slash(channel, "help"))
    assert result.ephemeral
    return result


async def every_page(actor: Any, message: Any, section: str) -> list[Any]:
    """Open ``section`` from ``message`` and turn every page with Next: each page shown."""
    shown = private(await actor.click(message, custom_id=f"help:{section}"))
    pages = [snapshot(shown)]
    while True:
        nexts = [(cid, v) for cid, v in buttons(shown).items() if v[0] == "Next"]
        if not nexts or nexts[0][1][1]:
            return pages
        shown = private(await actor.click(shown, custom_id=nexts[0][0]))
        pages.append(snapshot(shown))


def mentioned(messages: Iterable[Any]) -> list[str]:
    """The commands the pages list (a line each; the crisis line is not one)."""
    return [name for message in messages for name in listed_names(message.embeds[0])]


def names_for(env: simcord.Env, audience: str) -> list[str]:
    tree = the_bot(env).tree
    return sorted(
        c.qualified_name
        for c in iter_leaf_commands(tree)
        if audience_of(c) == audience and not (audience == "member" and c.qualified_name in FIRST)
    )


def command_lists_asked(env: simcord.Env) -> list[Any]:
    """The bot's (and the tests') requests for the list of synced commands."""
    return [r for r in env.http_requests if r.method == "GET" and r.path.endswith("/commands")]


async def synced_ids(env: simcord.Env) -> dict[str, int]:
    return {command.name: command.id for command in await the_bot(env).tree.fetch_commands()}


# --------------------------------------------------------------------------- the first page


async def test_a_member_sees_the_five_first_and_only_the_member_view(
    consult_server: ConsultServer,
) -> None:
    member = consult_server.member
    result = await open_help(member, consult_server.general)
    assert result.response is not None
    text = text_of(result.response)
    ids = await synced_ids(consult_server.env)

    description = result.response.embeds[0].description
    assert description.startswith(f"**{CRISIS_LINE}{ids['crisis']}>.**")  # the crisis line leads
    assert listed_names(result.response.embeds[0]) == list(FIRST)  # these five, in this order
    for name in FIRST:
        assert f"\n</{name}:{ids[name]}> " in description
    assert sections_offered(result.response) == {"help:start", "help:member"}
    assert "Staff tools" not in text
    assert "Admin tools" not in text
    assert "/setup" not in text
    assert "/queue" not in text

    pages = await every_page(member, result.response, "member")
    assert sorted(mentioned(pages)) == names_for(consult_server.env, "member")
    for page in pages:
        assert CRISIS_LINE in text_of(page)
        assert sections_offered(page) == {"help:start", "help:member"}


# --------------------------------------------------------------------------- who sees what

SEES = {
    "member": {"member"},
    "staff": {"member", "staff"},
    "staff-of-another-server": {"member"},
    "admin": {"member", "admin"},
    "admin-who-lost-manage-server": {"member"},
    "administrator": {"member", "staff", "admin"},
    "type-staff": {"member", "staff"},
}


@pytest.mark.parametrize("who", list(SEES))
async def test_each_person_sees_the_sections_for_them(
    consult_server: ConsultServer, who: str
) -> None:
    server = consult_server
    env = server.env
    everyone = people(server)
    if who == "administrator":
        person = administrator(server)
    elif who == "type-staff":  # holds only a consultation type's staff role
        role = server.guild.create_role("Listeners")
        await the_bot(env).services.consult_types.add(
            server.guild.id,
            name="Peer listening",
            description="Someone to listen.",
            staff_role_id=role.id,
            now=env.now(),
        )
        person = server.guild.add_member(env.create_user("listener"), roles=[role])
    else:
        person = everyone[who]

    result = await open_help(person, server.general)
    assert result.response is not None

    expected = {"help:start"} | {f"help:{section}" for section in SEES[who]}
    assert sections_offered(result.response) == expected
    for section in ("staff", "admin"):
        if section in SEES[who]:
            pages = await every_page(person, result.response, section)
            assert sorted(mentioned(pages)) == names_for(env, section)
            assert all(CRISIS_LINE in text_of(page) for page in pages)
        else:
            refused = await person.click(
                await copy_with_buttons(env, server.general, f"help:{section}"),
                custom_id=f"help:{section}",
            )
            assert refused.ephemeral
            assert MENTION.search(said(refused)) is None
            assert ("only this server's staff" if section == "staff" else "Manage Server") in (
                said(refused)
            )


async def test_staff_see_the_ticket_and_queue_commands(consult_server: ConsultServer) -> None:
    staff = consult_server.staff[0]
    result = await open_help(staff, consult_server.general)
    pages = await every_page(staff, result.response, "staff")
    ids = await synced_ids(consult_server.env)
    text = "\n".join(text_of(page) for page in pages)
    assert f"</ticket reply:{ids['ticket']}> Post a saved reply in this thread" in text
    assert f"</queue list:{ids['queue']}>" in text
    assert "</setup" not in text  # admin tools are not staff tools


# --------------------------------------------------------------------------- DMs


async def test_in_a_dm_the_member_view_and_where_staff_tools_are(env: simcord.Env) -> None:
    user = env.create_user("alone")

    result = await open_help(user)
    assert result.response is not None
    text = text_of(result.response)

    assert CRISIS_LINE in text
    assert "Staff and admin tools are listed inside the server: use `/help` there." in text
    ids = await synced_ids(env)
    assert f"</consult:{ids['consult']}> Ask to talk privately" in text
    assert "*(in the server)*" in text.split("</consult:", 1)[1].split("\n", 1)[0]
    assert "(in the server)" not in text.split("</crisis:", 2)[2].split("\n", 1)[0]
    assert sections_offered(result.response) == {"help:start", "help:member"}

    pages = await every_page(user, result.response, "member")
    assert sorted(mentioned(pages)) == names_for(env, "member")
    back = await user.click(result.response, custom_id="help:start")
    assert "Start here" in text_of(private(back))


async def test_a_forged_staff_button_in_a_dm_is_refused(env: simcord.Env) -> None:
    user = env.create_user("alone")
    result = await open_help(user)
    assert result.response is not None
    dm = user.dm_channel
    bot = the_bot(env)
    channel = await bot.fetch_channel(dm.id)
    assert isinstance(channel, discord.DMChannel)
    view = discord.ui.View(timeout=None)
    view.add_item(discord.ui.Button(label="x", custom_id="help:staff"))
    view.stop()
    copy = await channel.send("a copy", view=view)

    refused = await user.click(copy, custom_id="help:staff")

    assert "listed inside the server" in said(refused)
    assert MENTION.search(said(refused)) is None


# --------------------------------------------------------------------------- mentions and ids


async def test_every_mention_carries_the_synced_id(consult_server: ConsultServer) -> None:
    env = consult_server.env
    owner = administrator(consult_server)
    ids = await synced_ids(env)
    names = {c.qualified_name for c in iter_leaf_commands(the_bot(env).tree)}
    start = await open_help(owner, consult_server.general)
    messages = [snapshot(start.response)]
    for section in ("member", "staff", "admin"):
        messages += await every_page(owner, start.response, section)

    found = [m for message in messages for m in MENTION.findall(text_of(message))]
    assert {name for name, _id in found} == names  # every command, each with a mention
    for name, command_id in found:
        assert int(command_id) == ids[name.split(" ")[0]], name
    assert all("`/" not in text_of(m) for m in messages)  # no plain names: every id is known


def test_unknown_ids_show_plain_names() -> None:
    commands = [
        app_commands.Command(name=n, description=f"About {n}.", callback=_noop) for n in FIRST
    ]
    page = help_page(commands, "start", 0, ids={}, viewer=Viewer(MEMBER_ONLY, in_server=True))
    text = text_of(page.embed)
    assert "`/consult` About consult." in text
    assert "use `/crisis`" in text
    assert MENTION.search(text) is None


# --------------------------------------------------------------------------- restarts, forgeries


async def test_the_buttons_work_after_a_restart(
    consult_server: ConsultServer, settings: Settings
) -> None:
    env = consult_server.env
    member, staff = consult_server.member, consult_server.staff[0]
    theirs = await open_help(member, consult_server.general)
    ours = await open_help(staff, consult_server.general)
    ids = await synced_ids(env)
    asked = len(command_lists_asked(env))

    await restart(env, settings)  # the tree has not changed: no sync, ids fetched when needed

    more = await member.click(theirs.response, label="More for members")
    tools = await staff.click(ours.response, label="Staff tools")
    assert "More for members" in text_of(private(more))
    assert f"</queue list:{ids['queue']}>" in text_of(private(tools))
    assert f"</help:{ids['help']}>" in text_of(private(more))
    syncs = [r for r in env.http_requests if r.method == "PUT" and "/commands" in r.path]
    assert len(syncs) == 1
    assert len(command_lists_asked(env)) == asked + 1  # once, for both presses


async def test_ids_discord_does_not_give_show_plain_names_and_are_asked_again(
    consult_server: ConsultServer, settings: Settings
) -> None:
    env, member = consult_server.env, consult_server.member
    await restart(env, settings)  # no sync this run: the ids must be asked for
    env.inject_error("GET", "/applications/*/commands", status=403, code=50001)

    plain = text_of(private(await open_help(member, consult_server.general)))
    again = text_of(private(await open_help(member, consult_server.general)))

    assert "If you are in danger right now, use `/crisis`." in plain
    assert "`/consult` Ask to talk privately" in plain
    assert MENTION.search(plain) is None
    ids = await synced_ids(env)
    assert f"</consult:{ids['consult']}> Ask to talk privately" in again


async def test_a_member_pressing_a_forged_staff_button_is_refused(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    ids = ("help:staff", "help:staff:1", "help:admin", "help:admin:0")
    copy = await copy_with_buttons(server.env, server.general, *ids)

    for custom_id in ids:
        refused = await server.member.click(copy, custom_id=custom_id)
        assert refused.ephemeral
        assert "</" not in said(refused)
        assert "Sorry, only this server's staff" in said(refused) or "Manage Server" in said(
            refused
        )


@pytest.mark.parametrize(
    "custom_id", ["help:bogus", "help:staff:abc", "help:member:-1", "help:a:b:c", "help:"]
)
async def test_stale_or_forged_help_ids_are_out_of_date(
    consult_server: ConsultServer, custom_id: str
) -> None:
    server = consult_server
    copy = await copy_with_buttons(server.env, server.general, custom_id)
    result = await administrator(server).click(copy, custom_id=custom_id)
    assert "out of date" in said(result)


async def test_a_press_on_a_public_copy_answers_privately(consult_server: ConsultServer) -> None:
    server = consult_server
    copy = await copy_with_buttons(server.env, server.general, "help:member")
    result = await server.member.click(copy, custom_id="help:member")
    assert result.ephemeral
    assert "More for members" in text_of(result.response)
    assert copy.content == "a copy"  # what everyone sees is unchanged


async def test_a_page_past_the_end_shows_the_last(consult_server: ConsultServer) -> None:
    server = consult_server
    copy = await copy_with_buttons(server.env, server.general, "help:member:999999")
    result = await server.member.click(copy, custom_id="help:member:999999")
    assert "More for members" in text_of(result.response)
    assert buttons(result.response)  # Previous leads back


async def test_help_answers_with_the_database_closed(consult_server: ConsultServer) -> None:
    bot = the_bot(consult_server.env)
    await bot.close_database()
    result = await open_help(consult_server.staff[0], consult_server.general)
    assert CRISIS_LINE in text_of(result.response)
    assert sections_offered(result.response) == {"help:start", "help:member"}


# --------------------------------------------------------------------------- Discord's limits


async def _noop(interaction: discord.Interaction[Any]) -> None:
    """A command that does nothing (the fake ones below)."""


def thirty_fake_commands() -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    """30 more commands, each as long as Discord allows: 10 for members, 10 staff
    subcommands in a group, 10 admin ones."""
    long = "A" * limits.COMMAND_DESCRIPTION
    fakes: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = [
        app_commands.Command(name=f"member-{n:02}-" + "x" * 22, description=long, callback=_noop)
        for n in range(10)
    ]
    staff = app_commands.Group(
        name="s" * 32, description=long, extras={"audience": "staff"}, guild_only=True
    )
    for n in range(10):
        staff.add_command(
            app_commands.Command(name=f"staff-{n:02}-" + "y" * 23, description=long, callback=_noop)
        )
    fakes.append(staff)
    fakes += [
        app_commands.Command(name=f"admin-{n:02}-" + "z" * 23, description=long, callback=_noop)
        for n in range(10)
    ]
    for command in fakes[-10:]:
        command.default_permissions = discord.Permissions(manage_guild=True)
    return fakes


def assert_within_limits(embed: discord.Embed, view: discord.ui.View | None) -> None:
    assert len(embed) <= limits.EMBED_TOTAL
    assert len(embed.title or "") <= limits.EMBED_TITLE
    assert len(embed.description or "") <= limits.EMBED_DESCRIPTION
    assert len(embed.fields) <= limits.EMBED_FIELDS
    for field in embed.fields:
        assert len(field.name or "") <= limits.EMBED_FIELD_NAME
        assert len(field.value or "") <= limits.EMBED_FIELD_VALUE
    assert len(embed.footer.text or "") <= limits.EMBED_FOOTER
    assert CRISIS_LINE.split("<")[0] in (embed.description or "")
    if view is None:
        return
    ids = [item.custom_id for item in view.children if isinstance(item, discord.ui.Button)]
    assert len(ids) == len(set(ids))  # Discord refuses a message with the same id twice
    assert all(cid is not None and len(cid) <= limits.CUSTOM_ID for cid in ids)
    rows: dict[int | None, int] = {}
    for item in view.children:
        rows[item.row] = rows.get(item.row, 0) + 1
    assert len(rows) <= limits.ACTION_ROWS
    assert all(n <= limits.COMPONENTS_PER_ROW for n in rows.values())


@pytest.mark.parametrize("extra", [False, True], ids=["real-tree", "real-tree-and-30-more"])
@pytest.mark.parametrize(
    "viewer", [Viewer(EVERYONE, in_server=True), Viewer(MEMBER_ONLY, in_server=False)]
)
async def test_every_page_fits_discords_limits(
    env: simcord.Env, extra: bool, viewer: Viewer
) -> None:
    tree = the_bot(env).tree
    if extra:
        for fake in thirty_fake_commands():
            tree.add_command(fake)
    listed = list(iter_leaf_commands(tree))
    longest_ids = {c.name: 2**63 - 1 for c in tree.get_commands()}
    for ids in ({}, longest_ids):
        for section in SECTIONS:
            if not viewer.may_see(AUDIENCE_OF_SECTION[section]):
                continue
            count = help_page(listed, section, 0, ids=ids, viewer=viewer).count
            shown: list[str] = []
            for index in range(count):
                page = help_page(listed, section, index, ids=ids, viewer=viewer)
                assert (page.index, page.count) == (index, count)
                assert_within_limits(page.embed, help_view(HelpButton, page, list(SECTIONS)))
                shown += listed_names(page.embed)
            if section == "start":
                assert shown == list(FIRST)
                continue
            if extra:
                assert count > 1  # 30 more commands: split into pages, never overflowed
            audience = AUDIENCE_OF_SECTION[section]
            wanted = [
                c.qualified_name
                for c in listed
                if audience_of(c) == audience and c.qualified_name not in FIRST
            ]
            assert shown == sorted(wanted)  # every command once, none dropped


async def test_every_page_fits_through_discord_with_30_more_commands(
    simcord_bot: Any,
) -> None:
    for fake in thirty_fake_commands():
        simcord_bot.tree.add_command(fake)
    async with simcord.run(simcord_bot) as env:  # SimCord refuses an embed past the limits
        guild = env.create_guild()
        channel = guild.create_text_channel("general")
        role = guild.create_role("Owner", permissions=discord.Permissions(administrator=True))
        owner = guild.add_member(env.create_user("owner"), roles=[role])
        start = await open_help(owner, channel)
        assert sections_offered(start.response) == {f"help:{s}" for s in SECTIONS}
        for section in ("member", "staff", "admin"):
            pages = await every_page(owner, start.response, section)
            assert len(pages) > 1
            for page in pages:
                assert len(page.embeds[0]) <= limits.EMBED_TOTAL
        await simcord_bot.close_database()


# --------------------------------------------------------------------------- the page split


@pytest.mark.parametrize(
    ("count", "pages"),
    [(0, 1), (1, 1), (LINES_PER_PAGE, 1), (LINES_PER_PAGE + 1, 2), (2 * LINES_PER_PAGE + 1, 3)],
)
def test_a_page_holds_at_most_lines_per_page(count: int, pages: int) -> None:
    split_up = split([f"line {n}" for n in range(count)], room=10_000)
    assert len(split_up) == pages
    assert sum(len(page) for page in split_up) == count
    assert all(len(page) <= LINES_PER_PAGE for page in split_up)


@pytest.mark.parametrize(("room", "pages"), [(9, 2), (10, 1), (11, 1)])
def test_a_page_holds_at_most_room_characters(room: int, pages: int) -> None:
    # "abcd" + "\n" + "efghi" is 10 characters.
    assert len(split(["abcd", "efghi"], room=room)) == pages
