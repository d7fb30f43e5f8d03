"""The safety plan's domain (bot.safety_plan) on a real SQLite file: saving a form's part keeps
the other, every section is encrypted at rest, the boundary cleans it, and /mydata's export
and erasure reach it (issue 23, item 7)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.crypto import Cipher, new_key
from bot.db import Database
from bot.privacy import SAFETY_PLANS, collect, erase
from bot.safe_messaging import first_breach
from bot.safety_plan import FORMS, SECTION_LIMIT, SECTIONS, SafetyPlanService, Section
from bot.text import TextRefusedError

MEMBER = 900_000_000_000_000_001
OTHER = 900_000_000_000_000_009
GUILD = 111_111_111_111_111_111
T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
SENTINEL = "SENTINEL-PLAN-4471"


@pytest.fixture
def cipher() -> Cipher:
    return Cipher(new_key().encode())


@pytest.fixture
def plans(db: Database, cipher: Cipher) -> SafetyPlanService:
    return SafetyPlanService(db, cipher)


def raw_database_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def test_the_forms_hold_every_section_once_and_fit_discord() -> None:
    assert [s for form in FORMS for s in form] == list(SECTIONS)
    assert len(SECTIONS) == 7
    assert all(1 <= len(form) <= 5 for form in FORMS)
    for section in SECTIONS:
        assert len(section.title) <= 45, section.key
        assert len(section.question) <= 100, section.key
        assert len(section.example) <= 100, section.key
    assert [c.name for c in SAFETY_PLANS.columns][:7] == [s.key for s in SECTIONS]


async def test_each_form_saves_its_part_and_keeps_the_other(plans: SafetyPlanService) -> None:
    first = {s.key: f"{s.key} one" for s in FORMS[0]}
    saved = await plans.save(MEMBER, first, now=T0)
    assert [s.key for s in saved.written] == [s.key for s in FORMS[0]]

    second = {s.key: f"{s.key} two" for s in FORMS[1]}
    later = T0 + dt.timedelta(minutes=3)
    both = await plans.save(MEMBER, second, now=later)

    assert {s.key for s in both.written} == {s.key for s in SECTIONS}
    assert both.text("warning_signs") == "warning_signs one"
    assert both.text("reasons") == "reasons two"
    assert both.updated_at == later
    assert await plans.get(MEMBER) == both
    assert await plans.get(OTHER) is None


async def test_a_section_emptied_on_the_form_is_cleared(plans: SafetyPlanService) -> None:
    await plans.save(MEMBER, {"coping": "a walk", "helpers": "Sam"}, now=T0)
    again = await plans.save(MEMBER, {"coping": "  \u200b ", "helpers": "Sam"}, now=T0)
    assert again.text("coping") is None
    assert [s.key for s in again.written] == ["helpers"]


async def test_the_boundary_cleans_every_section(plans: SafetyPlanService) -> None:
    dirty = "call\x00 Sam\u202e\u200b\r\nor <@123456789012345678> \ud800 @everyone"
    saved = await plans.save(MEMBER, {s.key: dirty for s in SECTIONS}, now=T0)
    for section in SECTIONS:
        text = saved.text(section.key)
        assert text == "call Sam\nor <@123456789012345678> \ufffd @everyone", section.key


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
async def test_each_section_has_a_limit_at_its_edge(
    plans: SafetyPlanService, section: Section
) -> None:
    key = section.key
    at = await plans.save(MEMBER, {key: "x" * SECTION_LIMIT}, now=T0)
    assert at.text(key) == "x" * SECTION_LIMIT
    with pytest.raises(TextRefusedError) as refused:
        await plans.save(MEMBER, {key: "x" * (SECTION_LIMIT + 1)}, now=T0)
    assert "Nothing was saved" in refused.value.message
    assert refused.value.message.startswith(f"Your {section.name} is 401 characters long")
    assert (await plans.get(MEMBER)) == at  # the refused write changed nothing


async def test_no_section_is_readable_in_the_database_file(
    db: Database, plans: SafetyPlanService, cipher: Cipher
) -> None:
    await plans.save(MEMBER, {s.key: f"{SENTINEL} {s.key}" for s in SECTIONS}, now=T0)
    row = await db.fetchone("SELECT * FROM safety_plans")
    assert row is not None
    for section in SECTIONS:
        assert cipher.decrypt(row[section.key]) == f"{SENTINEL} {section.key}"
    assert SENTINEL.encode() not in raw_database_bytes(db.path)


async def test_delete_removes_the_plan_and_twice_is_fine(plans: SafetyPlanService) -> None:
    await plans.save(MEMBER, {"reasons": "my dog"}, now=T0)
    await plans.save(OTHER, {"reasons": "my kids"}, now=T0)
    assert await plans.delete(MEMBER) is True
    assert await plans.get(MEMBER) is None
    assert await plans.delete(MEMBER) is False
    assert await plans.get(OTHER) is not None


async def test_export_has_the_plan_decrypted_for_its_member_only(
    db: Database, plans: SafetyPlanService, cipher: Cipher
) -> None:
    await plans.save(MEMBER, {s.key: f"{SENTINEL} {s.key}" for s in SECTIONS}, now=T0)
    await plans.save(OTHER, {"reasons": "someone else's words"}, now=T0)

    for guild in (GUILD, None):
        collected = await collect(db, cipher, MEMBER, guild, now=T0)
        records = collected["data"]["safety_plans"]["records"]
        assert len(records) == 1
        assert records[0]["user_id"] == str(MEMBER)
        for section in SECTIONS:
            assert records[0][section.key] == f"{SENTINEL} {section.key}"
        assert "someone else's words" not in str(collected)


async def test_the_members_erase_deletes_it_and_a_servers_forget_does_not(
    db: Database, plans: SafetyPlanService
) -> None:
    await plans.save(MEMBER, {"reasons": "my dog"}, now=T0)
    await plans.save(OTHER, {"reasons": "my kids"}, now=T0)

    await erase(db, MEMBER, GUILD, server_only=True)  # /admin forget: not the server's to erase
    assert await plans.get(MEMBER) is not None

    report = await erase(db, MEMBER, GUILD)  # the member's own /mydata delete, in a server
    assert report.deleted.get("safety_plans") == 1
    assert await plans.get(MEMBER) is None
    assert await plans.get(OTHER) is not None


def test_every_word_the_plan_shows_meets_the_safe_messaging_rules() -> None:
    """The questions, examples and replies, read by the same rules as the code lint (which
    covers them too); nothing in them judges, diagnoses or tells a member what care to get."""
    from cogs.safety_plan import _embeds

    texts = [text for s in SECTIONS for text in (s.title, s.question, s.example)]
    texts += [
        value for name, value in vars(_embeds).items() if name.isupper() and isinstance(value, str)
    ]
    assert len(texts) > 21
    for text in texts:
        assert first_breach(text) is None, text
        for word in ("diagnos", "you should", "you must", "you have to"):
            assert word not in text.lower(), (word, text)
