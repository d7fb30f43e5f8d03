"""The permissions table (bot/permissions.py) is the one source for /setup show, the README and
`python -m bot invite` (issue 13, item 16)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import discord
import pytest
import simcord

from bot.__main__ import main
from bot.permissions import (
    FEATURES,
    PERMISSIONS,
    client_id_from_token,
    invite_integer,
    invite_permissions,
)
from tests.conftest import ConsultServer

README = Path(__file__).resolve().parent.parent / "README.md"
APP_ID = 1456074443980800000


def test_every_flag_is_discord_pys_and_the_invite_integer_is_the_tables_flags() -> None:
    for permission in PERMISSIONS.values():
        assert discord.Permissions.VALID_FLAGS[permission.name] == 1 << permission.bit
    needed = {name for feature in FEATURES for name in feature.permissions}
    assert invite_integer() == discord.Permissions(**dict.fromkeys(needed, True)).value
    assert {"manage_roles", "pin_messages"} <= needed


def test_the_readme_lists_exactly_the_tables_permissions() -> None:
    text = README.read_text("utf-8")
    block = re.search(r"<!-- invite-permissions.*?-->(.*?)<!-- /invite-permissions -->", text, re.S)
    assert block is not None, "the README's permission table is missing its markers"
    listed = re.findall(r"^\| \*\*(.+?)\*\* \|", block.group(1), re.M)
    assert listed == [p.label for p in invite_permissions()]


def invite_link(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, list[str]]:
    assert main(list(argv)) == 0
    url = capsys.readouterr().out.strip()
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://discord.com/oauth2/authorize"
    assert "scope=bot+applications.commands" in parts.query
    return parse_qs(parts.query)


def test_invite_prints_the_link_with_the_tables_integer(capsys: pytest.CaptureFixture[str]) -> None:
    query = invite_link(capsys, "--env-file", "/nonexistent", "invite", "--client-id", str(APP_ID))

    assert query["client_id"] == [str(APP_ID)]
    assert query["permissions"] == [str(invite_integer())]
    assert query["scope"] == ["bot applications.commands"]


def test_invite_reads_the_client_id_from_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    first = base64.b64encode(str(APP_ID).encode()).decode().rstrip("=")
    env_file = tmp_path / ".env"
    env_file.write_text(f"DISCORD_TOKEN={first}.GhIjKl.not-a-real-secret\n", "utf-8")

    query = invite_link(capsys, "--env-file", str(env_file), "invite")

    assert query["client_id"] == [str(APP_ID)]
    assert "not-a-real-secret" not in capsys.readouterr().out


def test_invite_with_a_token_that_names_no_application_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=not-a-bot-token\n", "utf-8")

    assert main(["--env-file", str(env_file), "invite"]) == 2

    err = capsys.readouterr().err
    assert "--client-id" in err
    assert "not-a-bot-token" not in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("token", ["", "abc", "!!!!.x.y", "aGVsbG8.x.y"])
def test_a_token_without_an_id_gives_no_client_id(token: str) -> None:
    assert client_id_from_token(token) is None


async def show(server: ConsultServer) -> str:
    result = await server.admin.slash(server.general, "setup show")
    assert result.response is not None
    return "\n".join(f"{f.name}\n{f.value}" for e in result.response.embeds for f in e.fields)


@pytest.mark.parametrize(
    ("taken", "sentence"),
    [
        ("manage_roles", 'My role lacks **Manage Roles**, needed for the "I agree" button'),
        ("pin_messages", "My role lacks **Pin Messages**, needed for /post-guidelines"),
    ],
)
async def test_setup_show_names_a_server_permission_my_role_lacks(
    env: simcord.Env, consult_server: ConsultServer, taken: str, sentence: str
) -> None:
    server = consult_server
    assert env.bot.user is not None
    mine = server.guild.roles[env.bot.user.name]
    assert sentence not in await show(server)

    granted = discord.Permissions(env.backend.get_role(server.guild.id, mine.id).permissions)
    setattr(granted, taken, False)
    env.backend.edit_role(server.guild.id, mine.id, {"permissions": granted.value})
    await env.settle()

    text = await show(server)
    assert sentence in text
    assert text.count("My role lacks") == 1
