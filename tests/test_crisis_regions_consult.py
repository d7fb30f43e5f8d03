"""Consultations and crisis regions (issue 22): the "not an emergency service" line names the
lines of a region. What only the member sees (the receipt, /consult-status) uses their own;
the private thread, which staff read too, the server's."""

from __future__ import annotations

from tests.conftest import ConsultServer
from tests.test_consult_member import ask, said
from tests.test_consult_staff import open_and_claim, the_thread


async def test_the_receipt_and_status_use_the_members_region(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    member = server.member
    await member.slash(server.general, "crisis", region="GB", remember="remember")

    receipt = await ask(server, note="hello")
    status = await member.slash(server.general, "consult-status")

    for shown in (said(receipt), said(status)):
        assert "Samaritans" in shown
        assert "999" in shown
        assert "988" not in shown


async def test_the_private_thread_uses_the_servers_region_not_the_members(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await server.configure(crisis_region="AU")
    await server.member.slash(server.general, "crisis", region="GB", remember="remember")

    await open_and_claim(server)

    opening = the_thread(server).history()[0]
    assert "not an emergency service" in opening.content
    assert "Lifeline" in opening.content
    assert "Samaritans" not in opening.content


async def test_without_any_region_the_wording_is_as_before(consult_server: ConsultServer) -> None:
    server = consult_server

    receipt = await ask(server)

    assert "call or text 988 (US) or your local emergency number" in said(receipt)
