"""``/snippet add|edit|remove|list`` through SimCord: staff leads keep the server's saved
replies, through forms for the text; everyone else is refused (issue 20)."""

from __future__ import annotations

from typing import Any

import pytest
import simcord

from bot.crisis import crisis_lines
from bot.settings import Settings
from bot.snippets import MAX_SNIPPETS, Snippet, SnippetService
from cogs.snippets._embeds import PAGE_SIZE
from tests.conftest import ConsultServer, add_admin, restart
from tests.helpers import text_of, the_bot
from tests.test_consult_member import said
from tests.test_permission_edges import WHO, people

TEXT = "Hi {member}, I'm {staff}.\n\nThank you for reaching out to {server}."


def service(env: simcord.Env) -> SnippetService:
    return the_bot(env).services.snippets


def answer(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    """The bot's last word (a deferred command answers in a follow-up)."""
    message = result.followups[-1] if result.followups else result.response
    assert message is not None, result
    return message


def text_input(modal: dict[str, Any]) -> dict[str, Any]:
    """The form's text field, wherever it sits in the layout."""
    found: list[dict[str, Any]] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("custom_id") == "text":
                found.append(node)
            visit(node.get("component"))
            for child in node.get("components") or ():
                visit(child)

    for component in modal["components"]:
        visit(component)
    assert len(found) == 1, modal
    return found[0]


async def add(
    server: ConsultServer, name: str = "welcome", text: str = TEXT, *, by: Any = None
) -> simcord.InteractionResult:
    """``/snippet add`` and its form, as a staff lead (the server's admin by default)."""
    lead = by or server.admin
    shown = await lead.slash(server.general, "snippet add", name=name)
    assert shown.modal is not None, said(shown)
    return await lead.submit_modal(shown, {"text": text})


async def stored(env: simcord.Env, guild_id: int) -> list[tuple[str, str]]:
    rows = await the_bot(env).db.fetchall(
        "SELECT name, body FROM snippets WHERE guild_id = ? ORDER BY name", (guild_id,)
    )
    return [(row["name"], row["body"]) for row in rows]


async def plant(server: ConsultServer, name: str, body: str = "x") -> Snippet:
    """A saved reply stored directly (as ``/snippet add`` would)."""
    crisis = crisis_lines(the_bot(server.env).crisis)
    return await service(server.env).add(
        server.guild.id, name=name, body=body, now=server.env.now(), crisis=crisis
    )


# --------------------------------------------------------------------------- add


async def test_add_opens_a_form_and_saves_the_text_over_several_lines(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    shown = await server.admin.slash(server.general, "snippet add", name="welcome")
    assert shown.modal is not None
    assert shown.modal["custom_id"] == "snippet:add:welcome"
    assert "welcome" in shown.modal["title"]
    field = text_input(shown.modal)
    assert (field["style"], field["max_length"], field["required"]) == (2, 2000, True)

    saved = await server.admin.submit_modal(shown, {"text": "  " + TEXT + "\u200b  "})

    assert answer(saved).flags.ephemeral
    assert "Saved the reply `welcome`" in said(saved)
    assert "/ticket reply snippet:welcome" in said(saved)
    assert await stored(server.env, server.guild.id) == [("welcome", TEXT)]


@pytest.mark.parametrize(
    ("name", "refusal"),
    [
        ("Welcome", "names are lowercase (try `welcome`)"),
        ("after hours", "it has a space"),
        ("x" * 33, "33 characters long; the limit is 32"),
        ("hi!", "it has “!”"),
    ],
)
async def test_a_bad_name_is_refused_before_the_form_opens(
    consult_server: ConsultServer, name: str, refusal: str
) -> None:
    server = consult_server
    refused = await server.admin.slash(server.general, "snippet add", name=name)
    assert refused.modal is None
    assert refusal in said(refused)
    assert refused.ephemeral


async def test_a_taken_name_or_a_full_server_is_refused_before_the_form_opens(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await plant(server, "welcome")
    taken = await server.admin.slash(server.general, "snippet add", name="welcome")
    assert taken.modal is None
    assert "already has a saved reply named `welcome`" in said(taken)

    for number in range(MAX_SNIPPETS - 1):
        await plant(server, f"n{number}")
    full = await server.admin.slash(server.general, "snippet add", name="one-more")
    assert full.modal is None
    assert f"already has {MAX_SNIPPETS} saved replies" in said(full)


async def test_the_form_checks_the_name_and_the_room_again(consult_server: ConsultServer) -> None:
    """Two leads open the same form; the second to send it is refused, nothing overwritten."""
    server = consult_server
    first = await server.admin.slash(server.general, "snippet add", name="welcome")
    second = await server.admin.slash(server.general, "snippet add", name="welcome")
    await server.admin.submit_modal(first, {"text": "first"})
    late = await server.admin.submit_modal(second, {"text": "second"})
    assert "already has a saved reply named `welcome`" in said(late)
    assert await stored(server.env, server.guild.id) == [("welcome", "first")]


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("Hi {name}", "`{name}` isn't a placeholder I know"),
        ("Hi {member", "is never closed"),
        ("Hi member}", "has no `{` before it"),
        ("Stop hanging around", "safe-messaging rules"),
        ("Based on this, you need an IOP.", "which care they need"),
        ("{crisis}" * 6, "Discord allows 2,000 in one message"),
        ("\u200b\u200b", "only invisible characters"),
    ],
)
async def test_the_form_refuses_a_text_saying_why_and_saves_nothing(
    consult_server: ConsultServer, text: str, refusal: str
) -> None:
    server = consult_server
    refused = await add(server, text=text)
    assert refusal in said(refused)
    assert "Nothing was saved" in said(refused) or "invisible" in said(refused)
    assert await stored(server.env, server.guild.id) == []


async def test_a_form_opened_before_a_restart_still_saves(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    shown = await server.admin.slash(server.general, "snippet add", name="welcome")
    await restart(server.env, settings)
    saved = await server.admin.submit_modal(shown, {"text": "Still here"})
    assert "Saved the reply `welcome`" in said(saved)
    assert await stored(server.env, server.guild.id) == [("welcome", "Still here")]


async def test_a_forged_form_is_out_of_date(consult_server: ConsultServer) -> None:
    server = consult_server
    # What a forged submission carries: a name no form would have, or no id to parse.
    for custom_id in ("snippet:add:Bad Name", "snippet:add:", "snippet:edit:abc", "snippet:x"):
        shown = await server.admin.slash(server.general, "snippet add", name="welcome")
        assert shown.modal is not None
        shown._interaction.modal["custom_id"] = custom_id  # type: ignore[index]
        refused = await server.admin.submit_modal(shown, {"text": "x"})
        assert "out of date" in said(refused), custom_id
    assert await stored(server.env, server.guild.id) == []


# --------------------------------------------------------------------------- edit and remove


async def test_edit_opens_the_form_with_the_text_and_can_rename(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    kept = await plant(server, "welcome", TEXT)
    choices = await server.admin.autocomplete(server.general, "snippet edit", "name", "wel")
    assert [c["value"] for c in choices] == ["welcome"]

    shown = await server.admin.slash(
        server.general, "snippet edit", name="welcome", new_name="hello"
    )
    assert shown.modal is not None
    assert shown.modal["custom_id"] == f"snippet:edit:{kept.id}:hello"
    assert text_input(shown.modal)["value"] == TEXT
    changed = await server.admin.submit_modal(shown, {"text": "Hello {member}"})

    assert "Changed the saved reply `hello` (it was `welcome`)" in said(changed)
    assert await stored(server.env, server.guild.id) == [("hello", "Hello {member}")]

    again = await server.admin.slash(server.general, "snippet edit", name="hello")
    assert again.modal is not None
    assert again.modal["custom_id"] == f"snippet:edit:{kept.id}"
    same = await server.admin.submit_modal(again, {"text": "Hello again"})
    assert "Changed the saved reply `hello`." in said(same)


async def test_edit_refusals(consult_server: ConsultServer) -> None:
    server = consult_server
    await plant(server, "welcome")
    await plant(server, "taken")
    missing = await server.admin.slash(server.general, "snippet edit", name="nothing")
    assert missing.modal is None
    assert "no saved reply named `nothing`" in said(missing)
    bad = await server.admin.slash(server.general, "snippet edit", name="welcome", new_name="A B")
    assert bad.modal is None
    assert "can't be the name of a saved reply" in said(bad)

    shown = await server.admin.slash(
        server.general, "snippet edit", name="welcome", new_name="taken"
    )
    clash = await server.admin.submit_modal(shown, {"text": "x"})
    assert "already has a saved reply named `taken`" in said(clash)

    shown = await server.admin.slash(server.general, "snippet edit", name="welcome")
    await server.admin.slash(server.general, "snippet remove", name="welcome")
    gone = await server.admin.submit_modal(shown, {"text": "x"})
    assert "removed in the meantime" in said(gone)
    unsafe = await server.admin.slash(server.general, "snippet edit", name="taken")
    refused = await server.admin.submit_modal(unsafe, {"text": "every addict"})
    assert "safe-messaging" in said(refused)
    assert await stored(server.env, server.guild.id) == [("taken", "x")]


async def test_remove_shows_the_text_once_more(consult_server: ConsultServer) -> None:
    server = consult_server
    await plant(server, "welcome", TEXT)
    removed = await server.admin.slash(server.general, "snippet remove", name="welcome")
    assert "Removed the saved reply `welcome`" in said(removed)
    assert TEXT in text_of(answer(removed).embeds)
    assert await stored(server.env, server.guild.id) == []
    again = await server.admin.slash(server.general, "snippet remove", name="welcome")
    assert "no saved reply named `welcome`" in said(again)


# --------------------------------------------------------------------------- list


async def test_list_pages_through_the_names_and_shows_the_placeholders(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    empty = await server.admin.slash(server.general, "snippet list")
    assert "no saved replies yet" in said(empty)
    for number in range(PAGE_SIZE * 2 + 3):
        await plant(server, f"s{number:02d}", f"First line {number}\nsecond line")

    lead, role = add_admin(server.env, server.guild)
    listed = await lead.slash(server.general, "snippet list")
    first = answer(listed)
    shown = text_of(first.embeds)
    assert f"Saved replies ({PAGE_SIZE * 2 + 3} of {MAX_SNIPPETS})" in shown
    assert "`s00` First line 0" in shown
    assert "second line" not in shown
    assert f"`s{PAGE_SIZE:02d}`" not in shown
    assert "Page 1 of 3" in shown
    for placeholder in ("{member}", "{staff}", "{server}", "{crisis}", "{hours}"):
        assert placeholder in shown

    turned = await lead.click(first, label="Next")
    assert turned.response is not None
    assert "Page 2 of 3" in text_of(turned.response.embeds)
    assert f"`s{PAGE_SIZE:02d}`" in text_of(turned.response.embeds)
    # Someone who lost Manage Server since can't turn the page.
    server.env.backend.remove_member_role(server.guild.id, lead.id, role.id)
    refused = await lead.click(turned.response, label="Next")
    assert "Manage Server" in said(refused)
    assert "Page 2 of 3" in text_of(turned.response.embeds)


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("who", WHO)
async def test_only_staff_leads_manage_saved_replies(
    consult_server: ConsultServer, who: str
) -> None:
    server = consult_server
    await plant(server, "welcome", TEXT)
    person = people(server)[who]
    allowed = who == "admin"
    await server.env.settle()
    group = next(c for c in await the_bot(server.env).tree.fetch_commands() if c.name == "snippet")
    server.guild.set_command_permissions(group, {person: True})  # opened to them by hand

    shown = await person.slash(server.general, "snippet add", name="other")
    edit = await person.slash(server.general, "snippet edit", name="welcome")
    listed = await person.slash(server.general, "snippet list")
    choices = await person.autocomplete(server.general, "snippet remove", "name", "")
    removed = await person.slash(server.general, "snippet remove", name="welcome")

    assert (shown.modal is not None) is allowed
    assert (edit.modal is not None) is allowed
    assert ("welcome" in said(listed)) is allowed
    assert ([c["value"] for c in choices] == ["welcome"]) is allowed
    if allowed:
        assert "Removed the saved reply `welcome`" in said(removed)
        assert await stored(server.env, server.guild.id) == []
        return
    for refused in (shown, edit, listed, removed):
        assert "Only people with the Manage Server permission can manage saved replies" in said(
            refused
        )
    assert choices == []
    assert await stored(server.env, server.guild.id) == [("welcome", TEXT)]


async def test_the_group_is_hidden_from_all_but_staff_leads(consult_server: ConsultServer) -> None:
    server = consult_server
    for person in (server.member, server.staff[0]):
        assert "snippet add" not in person.available_commands(server.general)
    assert "snippet add" in server.admin.available_commands(server.general)


async def test_a_lead_who_lost_manage_server_cannot_send_an_open_form(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    lead, role = add_admin(server.env, server.guild)
    shown = await lead.slash(server.general, "snippet add", name="welcome")
    assert shown.modal is not None
    server.env.backend.remove_member_role(server.guild.id, lead.id, role.id)
    refused = await lead.submit_modal(shown, {"text": "x"})
    assert "Manage Server" in said(refused)
    assert await stored(server.env, server.guild.id) == []


async def test_setup_show_counts_the_saved_replies(consult_server: ConsultServer) -> None:
    server = consult_server
    await plant(server, "welcome")
    await plant(server, "closing")
    shown = await server.admin.slash(server.general, "setup show")
    assert f"Saved replies 2 of {MAX_SNIPPETS} (`/snippet list`)" in text_of(answer(shown).embeds)
