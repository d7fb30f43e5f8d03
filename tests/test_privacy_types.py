"""/mydata export names a typed request's consultation type (issue 19).

A request of a type stores the placeholder topic "other"; the export shows the type's name in
its place. A request of the server's default type (no type) keeps its topic, and so does a
request whose type was removed (it moved to the default type with the removal).
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import ConsultServer
from tests.helpers import text_of, the_bot
from tests.test_consult_types import add_type, open_request


async def exported_requests(server: ConsultServer) -> list[dict[str, Any]]:
    result = await server.member.slash(server.general, "mydata export")
    message = result.followups[-1] if result.followups else result.response
    assert message is not None
    exported = json.loads(await message.attachments[0].read())
    records: list[dict[str, Any]] = exported["data"]["consultations"]["records"]
    return records


async def test_a_typed_requests_export_names_its_type(consult_server: ConsultServer) -> None:
    server = consult_server
    await add_type(server)
    request_id = await open_request(server, server.member)
    row = await the_bot(server.env).db.fetchone(
        "SELECT topic, type_id FROM consultations WHERE id = ?", (request_id,)
    )
    assert row is not None
    assert row["type_id"] is not None
    assert row["topic"] != "Family support"

    (record,) = await exported_requests(server)

    assert record["topic"] == "Family support"
    assert record["type_id"] == row["type_id"]


async def test_a_removed_types_request_shows_its_stored_topic(
    consult_server: ConsultServer,
) -> None:
    server = consult_server
    await add_type(server)
    request_id = await open_request(server, server.member)
    await the_bot(server.env).db.write(
        lambda c: c.execute(
            "UPDATE consultations SET status = 'cancelled', closed_at = created_at + 60, "
            "close_kind = 'cancelled' WHERE id = ?",
            (request_id,),
        )
    )
    asked = await server.admin.slash(server.general, "setup type remove", name="Family support")
    assert asked.response is not None
    done = await server.admin.click(asked.response, label="Remove")
    assert "1 past requests" in text_of(done.response or asked.response)

    (record,) = await exported_requests(server)

    assert record["type_id"] is None
    assert record["topic"] == "other"


async def test_a_default_type_request_keeps_its_topic(consult_server: ConsultServer) -> None:
    server = consult_server
    offered = await server.member.slash(server.general, "consult")
    assert offered.modal is not None
    await server.member.submit_modal(offered, {"topic": ["coping"], "urgency": ["routine"]})

    (record,) = await exported_requests(server)

    assert record["type_id"] is None
    assert record["topic"] == "coping"
