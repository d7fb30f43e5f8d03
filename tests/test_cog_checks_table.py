"""The cogs' permission checks at their edges, as tables through SimCord (issue 15).

Written against mutation testing (``scripts/mutate cogs``): each case kills a planted bug in a
check that the other permission tables (``test_permission_edges.py``,
``test_cog_permissions_table.py``) let through. The people are those of
``test_permission_edges.people``: a member, staff of this server, staff of another server, an
admin (Manage Server), an admin who lost Manage Server.
"""

from __future__ import annotations

import pytest
import simcord

from bot.consultations import Status
from cogs._components import MAX_ID, parse_id
from cogs.privacy._cog import CONFIRM_MINUTES, EXPIRED
from tests.conftest import ConsultServer, add_admin, make_consult_server
from tests.test_cog_permissions_table import MANAGERS, everyone_allowed
from tests.test_consult_member import ask, said, service
from tests.test_permission_edges import add_checkin, copy_with_buttons, count

# ----------------------------------------------------------------- ids carried by buttons


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param(None, None, id="no-id"),
        pytest.param("", None, id="empty"),
        pytest.param("0", None, id="zero"),
        pytest.param("1", 1, id="one"),
        pytest.param("42", 42, id="an-id"),
        pytest.param("-1", None, id="negative"),
        pytest.param("+1", None, id="signed"),
        pytest.param(" 1", None, id="a-space"),
        pytest.param("1a", None, id="not-digits"),
        pytest.param("١", None, id="another-scripts-digit"),
        pytest.param(str(MAX_ID), MAX_ID, id="the-largest-id"),
        pytest.param(str(MAX_ID + 1), None, id="one-past-the-largest"),
        pytest.param("9" * 19, None, id="nineteen-nines"),
        pytest.param("1" + "0" * 19, None, id="twenty-digits"),
    ],
)
def test_an_id_from_a_button_is_a_positive_64_bit_number_or_nothing(
    text: str | None, value: int | None
) -> None:
    assert MAX_ID == 2**63 - 1
    assert parse_id(text) == value


@pytest.mark.parametrize(
    "forged",
    ["0", "-1", "abc", str(MAX_ID), str(MAX_ID + 1), "1" + "0" * 19],
)
async def test_a_forged_claim_button_is_out_of_date_and_claims_nothing(
    consult_server: ConsultServer, forged: str
) -> None:
    server = consult_server
    await ask(server)
    copy = await copy_with_buttons(server.env, server.queue, f"consult:claim:{forged}")

    pressed = await server.staff[0].click(copy, custom_id=f"consult:claim:{forged}")

    assert pressed.ephemeral
    assert "out of date" in said(pressed)
    mine = await service(server.env).active_for_member(server.guild.id, server.member.id)
    assert mine is not None
    assert mine.status is Status.OPEN
    assert mine.claimed_by is None


# --------------------------------------------------------------------- /admin forget


@pytest.mark.parametrize(("who", "allowed"), MANAGERS)
async def test_only_an_admin_is_asked_whether_to_erase_a_member(
    consult_server: ConsultServer, who: str, allowed: bool
) -> None:
    server = consult_server
    target = server.members[0]
    asker = everyone_allowed(server, "admin")[who]
    await server.env.settle()

    asked = await asker.slash(server.general, "admin forget", member=target)

    assert asked.ephemeral
    if allowed:
        assert asked.response is not None
        assert "Erase this member's data?" in said(asked)
        assert asked.response.components
    else:
        assert "Only people with the Manage Server permission can do that." in said(asked)
        assert asked.response is None or not asked.response.components


@pytest.mark.parametrize("keeps", [True, False], ids=["keeps-manage-server", "loses-it"])
async def test_an_admin_forget_is_checked_again_when_confirmed(
    consult_server: ConsultServer, keeps: bool
) -> None:
    server = consult_server
    env = server.env
    target = server.members[0]
    admin, role = add_admin(env, server.guild)
    asked = await admin.slash(server.general, "admin forget", member=target)
    assert asked.response is not None
    if not keeps:
        env.backend.remove_member_role(server.guild.id, admin.id, role.id)

    pressed = await admin.click(asked.response, label="Erase")

    if keeps:
        assert "Only people with the Manage Server permission" not in said(pressed)
        assert await count(env, "SELECT COUNT(*) FROM privacy_audit") == 1
    else:
        assert "Only people with the Manage Server permission can do that." in said(pressed)
        assert await count(env, "SELECT COUNT(*) FROM privacy_audit") == 0


async def test_keep_it_pressed_by_the_asker_deletes_nothing_and_closes_the_question(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    asker = server.member
    await add_checkin(server.env, asker.id)
    asked = await asker.slash(server.general, "mydata delete")
    assert asked.response is not None

    kept = await asker.click(asked.response, label="Keep it")

    assert kept.response is not None
    assert kept.response.content == "Nothing was deleted."
    assert kept.response.embeds == []  # the question is gone
    assert kept.response.components == []  # and so are its buttons
    assert await count(server.env, "SELECT COUNT(*) FROM checkins") == 1


async def test_an_expired_question_loses_its_question_and_buttons(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    env = server.env
    await add_checkin(env, server.member.id)
    asked = await server.member.slash(server.general, "mydata delete")
    assert asked.response is not None
    await env.advance_time(CONFIRM_MINUTES * 60 + 1)

    pressed = await server.member.click(asked.response, label="Delete my data")

    assert pressed.response is not None
    assert pressed.response.content == EXPIRED
    assert pressed.response.embeds == []
    assert pressed.response.components == []
    assert await count(env, "SELECT COUNT(*) FROM checkins") == 1


@pytest.mark.parametrize(("who", "allowed"), MANAGERS)
async def test_the_manage_server_refusals_say_exactly_why(
    consult_server: ConsultServer, who: str, allowed: bool
) -> None:
    server = consult_server
    setup_by = everyone_allowed(server, "setup")[who]
    forget_by = everyone_allowed(server, "admin")[who]
    await server.env.settle()

    setup = await setup_by.slash(server.general, "setup safety", state=True)
    forget = await forget_by.slash(server.general, "admin forget", member=server.members[0])

    assert setup.response is not None
    assert forget.response is not None
    if not allowed:
        assert setup.response.content == (
            "Only people with the Manage Server permission can change the setup."
        )
        assert forget.response.content == (
            "Only people with the Manage Server permission can do that."
        )


async def test_a_staff_command_before_setup_says_an_admin_must_run_setup(
    env: simcord.Env,
) -> None:
    # Staff are told plainly; the member-facing wording (with the crisis lines) is for members.
    server = await make_consult_server(env, configure=False)

    listed = await server.staff[0].slash(server.general, "queue list")

    assert listed.ephemeral
    assert "This server has not been set up yet: an admin needs to run `/setup` first." in said(
        listed
    )
    assert "Talking to a consultant isn't set up" not in said(listed)
