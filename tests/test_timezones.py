"""Time zone inputs take canonical IANA names only, offered by autocomplete (issue 13, item 14)."""

from __future__ import annotations

import pytest
import simcord

from bot.bot import SupportBot
from bot.guild_config import GuildConfigRepository
from bot.milestones import MilestoneRepository
from bot.settings import Settings
from bot.timezones import MAX_CHOICES, canonical_names, suggest
from tests.conftest import ConsultServer, restart

ACCEPTED = [
    ("Europe/London", "Europe/London"),
    ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ("Asia/Kolkata", "Asia/Kolkata"),
    ("Europe/Amsterdam", "Europe/Amsterdam"),
    ("UTC", "UTC"),
    ("europe/london", "Europe/London"),  # case is forgiven; the canonical spelling is kept
    ("America/New York", "America/New_York"),  # a space for the underscore, likewise
]
REFUSED = [
    ("localtime", "I don't know that time zone"),
    ("posixrules", "I don't know that time zone"),
    ("Factory", "I don't know that time zone"),
    ("Etc/GMT+5", "I don't know that time zone"),
    ("EST", "I don't know that time zone"),
    ("CST6CDT", "I don't know that time zone"),
    ("Mars/Olympus_Mons", "I don't know that time zone"),
    ("../../etc/passwd", "I don't know that time zone"),
    ("US/Eastern", "please use America/New_York instead"),
    ("Asia/Calcutta", "please use Asia/Kolkata instead"),
    ("GB", "please use Europe/London instead"),
    ("Zulu", "please use UTC instead"),
]


def the_bot(env: simcord.Env) -> SupportBot:
    bot = env.bot
    assert isinstance(bot, SupportBot)
    return bot


def said(result: simcord.InteractionResult) -> str:
    message = result.followups[-1] if result.followups else result.response
    assert message is not None
    parts = [message.content or ""]
    for item in message.embeds:
        parts += [item.title or "", item.description or ""]
        parts += [f"{field.name} {field.value}" for field in item.fields]
    return "\n".join(parts)


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED)
async def test_milestone_set_accepts_canonical_names(
    consult_server: ConsultServer, typed: str, stored: str
) -> None:
    server = consult_server
    result = await server.member.slash(
        server.general, "milestone set", date="2025-01-01", timezone=typed
    )

    assert "Saved" in said(result)
    milestone = await MilestoneRepository(the_bot(server.env).db, the_bot(server.env).cipher).get(
        server.guild.id, server.member.id
    )
    assert milestone is not None
    assert milestone.timezone == stored


@pytest.mark.parametrize(("typed", "sentence"), REFUSED)
async def test_milestone_set_refuses_other_names(
    consult_server: ConsultServer, typed: str, sentence: str
) -> None:
    server = consult_server
    result = await server.member.slash(
        server.general, "milestone set", date="2025-01-01", timezone=typed
    )

    assert result.ephemeral
    assert sentence in said(result)
    assert "Nothing was saved" in said(result)
    repo = MilestoneRepository(the_bot(server.env).db, the_bot(server.env).cipher)
    assert await repo.get(server.guild.id, server.member.id) is None


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [("Europe/London", "Europe/London"), ("posixrules", None), ("US/Eastern", None)],
)
async def test_setup_consultations_takes_the_same_names(
    consult_server: ConsultServer, typed: str, outcome: str | None
) -> None:
    server = consult_server
    result = await server.admin.slash(
        server.general,
        "setup consultations",
        staff_role=server.staff_role,
        queue_channel=server.general,  # the admin cannot see the staff-only queue
        consult_channel=server.consult,
        timezone=typed,
    )

    config = await GuildConfigRepository(the_bot(server.env).db).get(server.guild.id)
    if outcome is None:
        assert "Nothing was saved" in said(result)
        assert config.timezone is None
    else:
        assert config.timezone == outcome


async def test_a_zone_saved_by_an_older_version_still_counts_days(
    consult_server: ConsultServer, settings: Settings
) -> None:
    server = consult_server
    async with the_bot(server.env).db.transaction() as tx:
        await tx.execute(
            "UPDATE guild_config SET timezone = 'US/Eastern' WHERE guild_id = ?", (server.guild.id,)
        )
    await restart(server.env, settings)  # saved by the older version, read by this one

    result = await server.member.slash(server.general, "milestone set", date="2025-01-01")

    assert "Saved" in said(result)
    assert "US/Eastern" in said(result)


@pytest.mark.parametrize(
    ("command", "typed"),
    [
        ("milestone set", "lon"),
        ("milestone set", "new_y"),
        ("milestone set", ""),
        ("setup consultations", "America/"),
        ("setup consultations", "kolk"),
    ],
)
async def test_autocomplete_offers_at_most_25_matching_names(
    consult_server: ConsultServer, command: str, typed: str
) -> None:
    server = consult_server
    actor = server.admin if command.startswith("setup") else server.member

    choices = await actor.autocomplete(server.general, command, "timezone", typed)

    names = [choice["value"] for choice in choices]
    assert 1 <= len(names) <= MAX_CHOICES
    assert all(choice["name"] == choice["value"] for choice in choices)
    assert set(names) <= set(canonical_names())
    folded = typed.casefold()
    assert all(folded in name.casefold() for name in names)
    assert names == suggest(typed)


def test_suggestions_put_names_that_start_with_the_text_first() -> None:
    assert suggest("Europe/Lo")[0] == "Europe/London"
    assert suggest("london") == ["Europe/London"]
    assert suggest("new york") == ["America/New_York"]
    assert suggest("zzzz") == []
    assert len(suggest("a")) == MAX_CHOICES


def test_no_file_system_or_legacy_entry_is_accepted() -> None:
    names = set(canonical_names())
    assert {"localtime", "posixrules", "Factory", "US/Eastern", "GB", "EST"}.isdisjoint(names)
    assert "UTC" in names
    assert all(name == "UTC" or "/" in name for name in names)
    assert len(names) > 400
