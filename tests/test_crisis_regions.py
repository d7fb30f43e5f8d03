"""Crisis lines by region (issue 22, "Regions"; issue 24, /crisis on one phone screen).

The content validator's refusals at start-up, the lookup order (the member's own choice, the
server's default, then US), remember and forget, the menu to another country, privacy, and
Discord's limits, through SimCord.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import discord
import pytest
import simcord

from bot import limits
from bot.crisis import (
    CrisisResources,
    crisis_lines,
    load_crisis_resources,
    longest_crisis_lines,
    reminder,
    top_line,
)
from bot.crisis_regions import choose_region
from bot.db import Database
from bot.errors import StartupError
from bot.guild_config import GuildConfigRepository
from bot.settings import Settings
from bot.ui import SOMETHING_WENT_WRONG, crisis_embed, something_went_wrong
from tests.conftest import make_settings, restart
from tests.helpers import text_of, the_bot

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SHIPPED = (DATA / "crisis.toml").read_text("utf-8")

ONE_PHONE_SCREEN = 1_300
"""As in tests/test_care_commands.py: an embed that fits one phone screen, near enough."""


def shipped() -> CrisisResources:
    return load_crisis_resources(DATA)


# ------------------------------------------------------------------------- the content file


def test_every_region_the_issue_asks_for_is_there_with_its_lines() -> None:
    crisis = shipped()
    assert crisis.codes == ("US", "CA", "GB", "IE", "AU", "NZ")
    wanted = {
        "US": ("988", "AYUDA", "988lineadevida.org", "1-800-662-4357", "741741", "911",
               "1-866-488-7386"),
        "CA": ("988", "30 November 2023", "686868", "911"),
        "GB": ("116 123", "85258", "999"),
        "IE": ("116 123", "50808", "112", "999"),
        "AU": ("13 11 14", "000"),
        "NZ": ("1737", "111"),
    }  # fmt: skip
    for code, needles in wanted.items():
        text = text_of(crisis_embed(crisis, code))
        for needle in needles:
            assert needle in text, (code, needle)
        assert "findahelpline.com" in text
        assert "press 3" not in text.lower()
    assert crisis.region("US").lines[0].purpose is not None
    assert "press 2" in crisis.region("US").lines[0].purpose


def test_every_line_has_its_providers_page_and_a_date() -> None:
    crisis = shipped()
    for region in crisis.regions:
        assert sum(line.emergency for line in region.lines) == 1, region.code
        for line in region.lines:
            assert line.source_url.startswith("https://"), line.name
            assert line.last_verified.year >= 2026


def start_with(tmp_path: Path, text: str) -> str:
    """Start the bot on ``text`` as data/crisis.toml; the one sentence it stops with."""
    content = tmp_path / "content"
    content.mkdir()
    for item in DATA.iterdir():
        target = content / item.name
        if item.is_dir():
            target.symlink_to(item, target_is_directory=True)
        elif item.name != "crisis.toml":
            target.symlink_to(item)
    (content / "crisis.toml").write_text(text, "utf-8")
    from bot.__main__ import create_bot

    with pytest.raises(StartupError) as caught:
        create_bot(make_settings(tmp_path, content_dir=content))
    message = str(caught.value)
    assert "crisis.toml" in message
    assert "\n" not in message  # one sentence, no traceback
    return message


def change(old: str, new: str) -> str:
    assert SHIPPED.count(old) >= 1, old
    return SHIPPED.replace(old, new, 1)


REFUSALS = {
    "no emergency number": (
        ('contact = "Call **999**"\nemergency = true', 'contact = "Call **999**"'),
        "region GB has no emergency number",
    ),
    "no source": (
        ('source_url = "https://www.samaritans.org"\n', ""),
        "is missing: every line names the provider's own page",
    ),
    "source not https": (
        ('source_url = "https://www.samaritans.org"', 'source_url = "http://samaritans.org"'),
        "must be an https:// address",
    ),
    "lower-case code": (('code = "GB"', 'code = "gb"'), "'gb' is not a two-letter"),
    "three letters": (('code = "GB"', 'code = "GBR"'), "'GBR' is not a two-letter"),
    "UK for GB": (('code = "GB"', 'code = "UK"'), "use 'GB'"),
    "repeated code": (('code = "IE"', 'code = "GB"'), "region GB is listed twice"),
    "future date": (
        (
            'source_url = "https://www.samaritans.org"\nlast_verified = 2026-12-01',
            'source_url = "https://www.samaritans.org"\nlast_verified = 2999-01-01',
        ),
        "is in the future",
    ),
    "press 3": (
        ('purpose = "For LGBTQ+ young people."', 'purpose = "For LGBTQ+ young people: press 3."'),
        "retired 988 'press 3' option",
    ),
    "unknown default": (
        ('default_region = "US"', 'default_region = "FR"'),
        "default_region FR is not one of the regions",
    ),
    "purpose too long": (
        ('purpose = "Crisis support, 24/7."', f'purpose = "{"x" * 121}"'),
        "over Discord's limit of 120",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_start_up_refuses_a_broken_crisis_file_in_one_sentence(tmp_path: Path, case: str) -> None:
    (old, new), expected = REFUSALS[case]
    message = start_with(tmp_path, change(old, new))
    assert expected in message, message


def test_the_location_of_a_refusal_names_the_region(tmp_path: Path) -> None:
    (old, new), _ = REFUSALS["no emergency number"]
    message = start_with(tmp_path, change(old, new))
    assert "`regions.2`" in message  # the third region, GB


def test_an_unknown_code_falls_back_along_the_order() -> None:
    crisis = shipped()
    assert choose_region(crisis, "FR", "GB") == "GB"  # a country removed since it was chosen
    assert choose_region(crisis, None, None) == "US"
    assert choose_region(crisis, "NZ", "GB") == "NZ"
    assert crisis.region("FR").code == "US"


def test_the_short_forms_stay_short_and_name_the_region() -> None:
    crisis = shipped()
    for code in crisis.codes:
        region = crisis.region(code)
        assert region.lines[0].contact in top_line(crisis, code)
        assert len(top_line(crisis, code)) <= limits.EMBED_FIELD_VALUE
        assert len(reminder(crisis, code)) <= limits.EMBED_FIELD_VALUE
        assert region.lines[0].contact in crisis_lines(crisis, code)
        assert len(crisis_lines(crisis, code)) <= len(longest_crisis_lines(crisis))
        went_wrong = something_went_wrong(crisis, code)
        assert "may not have been saved" in went_wrong
        assert "/crisis" in went_wrong
    assert something_went_wrong(crisis, "US") == SOMETHING_WENT_WRONG
    assert "Samaritans" in something_went_wrong(crisis, "GB")
    assert "988" not in reminder(crisis, "GB")


# ----------------------------------------------------------------------------- Discord limits


def embed_length(embed: discord.Embed) -> int:
    return len(text_of(embed))


@pytest.mark.parametrize("code", shipped().codes)
def test_each_region_fits_one_phone_screen_and_discords_limits(code: str) -> None:
    embed = crisis_embed(shipped(), code)
    assert embed_length(embed) <= ONE_PHONE_SCREEN
    assert len(embed) <= limits.EMBED_TOTAL
    assert len(embed.fields) <= limits.EMBED_FIELDS
    for field in embed.fields:
        assert len(field.name) <= limits.EMBED_FIELD_NAME
        assert len(field.value) <= limits.EMBED_FIELD_VALUE


def custom_ids_and_options(message: Any) -> tuple[list[str], list[list[dict[str, Any]]]]:
    ids: list[str] = []
    options: list[list[dict[str, Any]]] = []

    def walk(components: list[dict[str, Any]]) -> None:
        for component in components:
            if "custom_id" in component:
                ids.append(component["custom_id"])
            if "options" in component:
                options.append(component["options"])
            walk(component.get("components", []))

    walk(message.components)
    return ids, options


# ------------------------------------------------------------------------------- through SimCord


def place(env: simcord.Env) -> tuple[Any, Any]:
    guild = env.create_guild("Recovery Group")
    channel = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("ann"))
    return channel, member


def first_line(result: Any) -> str:
    message = result.followups[-1] if result.followups else result.response
    assert message is not None
    return str(message.embeds[0].fields[0].name)


async def stored(env: simcord.Env, user_id: int) -> list[tuple[int, str]]:
    rows = await the_bot(env).db.fetchall(
        "SELECT user_id, crisis_region FROM member_settings WHERE user_id = ?", (user_id,)
    )
    return [(row["user_id"], row["crisis_region"]) for row in rows]


async def set_server_region(env: simcord.Env, guild_id: int, code: str | None) -> None:
    await the_bot(env).services.configs.update(guild_id, discord.utils.utcnow(), crisis_region=code)


async def test_crisis_shows_us_first_with_the_other_countries_one_tap_away(
    env: simcord.Env,
) -> None:
    channel, member = place(env)

    result = await member.slash(channel, "crisis")

    assert result.ephemeral
    assert first_line(result) == "988 Suicide & Crisis Lifeline"
    ids, options = custom_ids_and_options(result.response)
    assert ids == ["crisis:region"]
    assert [option["value"] for option in options[0]] == list(shipped().codes)
    assert len(options[0]) <= limits.SELECT_OPTIONS
    assert all(len(custom_id) <= limits.CUSTOM_ID for custom_id in ids)
    for option in options[0]:
        assert len(option["label"]) <= limits.SELECT_LABEL
        assert len(option.get("description", "")) <= limits.SELECT_DESCRIPTION
    assert embed_length(result.response.embeds[0]) <= ONE_PHONE_SCREEN
    assert await stored(env, member.id) == []


async def test_a_member_whose_region_is_gb_sees_samaritans_first(env: simcord.Env) -> None:
    channel, member = place(env)

    saved = await member.slash(channel, "crisis", region="GB", remember="remember")
    again = await member.slash(channel, "crisis")

    assert first_line(saved) == "Samaritans"
    assert "Saved" in (saved.response.content or "")
    assert first_line(again) == "Samaritans"
    assert "United Kingdom" in text_of(again)
    assert await stored(env, member.id) == [(member.id, "GB")]


async def test_a_region_without_remember_is_shown_but_not_kept(env: simcord.Env) -> None:
    channel, member = place(env)

    shown = await member.slash(channel, "crisis", region="new zealand")

    assert first_line(shown) == "1737, Need to talk?"
    assert await stored(env, member.id) == []
    assert first_line(await member.slash(channel, "crisis")) == "988 Suicide & Crisis Lifeline"


async def test_the_server_default_applies_and_the_members_choice_overrides_it(
    env: simcord.Env,
) -> None:
    channel, member = place(env)
    other = env.guild.add_member(env.create_user("bob"))
    await set_server_region(env, env.guild.id, "AU")

    assert first_line(await other.slash(channel, "crisis")) == "Lifeline"
    await member.slash(channel, "crisis", region="IE", remember="remember")
    assert first_line(await member.slash(channel, "crisis")) == "Samaritans"
    assert "Ireland" in text_of(await member.slash(channel, "crisis"))
    assert first_line(await other.slash(channel, "crisis")) == "Lifeline"


async def test_the_members_choice_follows_them_to_a_dm(env: simcord.Env) -> None:
    channel, member = place(env)
    await member.slash(channel, "crisis", region="GB", remember="remember")

    in_dm = await member.user.slash("crisis")

    assert first_line(in_dm) == "Samaritans"


async def test_forget_goes_back_to_the_server_default(env: simcord.Env) -> None:
    channel, member = place(env)
    await set_server_region(env, env.guild.id, "CA")
    await member.slash(channel, "crisis", region="GB", remember="remember")

    forgotten = await member.slash(channel, "crisis", remember="forget")

    assert "Forgotten" in (forgotten.response.content or "")
    assert first_line(forgotten) == "9-8-8 Suicide Crisis Helpline"
    assert await stored(env, member.id) == []
    assert first_line(await member.slash(channel, "crisis")) == "9-8-8 Suicide Crisis Helpline"


async def test_the_menu_shows_another_country_without_remembering_it(env: simcord.Env) -> None:
    channel, member = place(env)
    shown = await member.slash(channel, "crisis")

    picked = await member.select(shown.response, ["NZ"], custom_id="crisis:region")

    message = picked.response
    assert message is not None
    assert message.embeds[0].fields[0].name == "1737, Need to talk?"
    assert await stored(env, member.id) == []


async def test_the_menu_works_after_a_restart(env: simcord.Env, settings: Settings) -> None:
    channel, member = place(env)
    shown = await member.slash(channel, "crisis")
    await restart(env, settings)

    picked = await member.select(shown.response, ["AU"], custom_id="crisis:region")

    assert picked.response is not None
    assert picked.response.embeds[0].fields[0].name == "Lifeline"


async def test_an_unknown_country_is_refused_kindly_with_the_lines(env: simcord.Env) -> None:
    channel, member = place(env)

    refused = await member.slash(channel, "crisis", region="Narnia **x**", remember="remember")

    assert refused.ephemeral
    text = text_of(refused)
    assert "I don't have crisis lines for" in text
    assert "Narnia \\*\\*x\\*\\*" in text  # escaped, never markdown
    assert "988" in text  # the lines still come
    assert await stored(env, member.id) == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("\u202egb\u200b", "Samaritans"), ("  Gb ", "Samaritans"), ("AUSTRALIA", "Lifeline")],
)
async def test_typed_regions_pass_the_text_boundary(
    env: simcord.Env, typed: str, expected: str
) -> None:
    channel, member = place(env)

    result = await member.slash(channel, "crisis", region=typed)

    assert first_line(result) == expected


async def test_an_overlong_region_is_refused(env: simcord.Env) -> None:
    channel, member = place(env)

    refused = await member.slash(channel, "crisis", region="x" * 500)

    assert "the limit is 60" in text_of(refused)


async def test_remember_without_a_region_asks_for_one(env: simcord.Env) -> None:
    channel, member = place(env)

    refused = await member.slash(channel, "crisis", remember="remember")

    assert "Please pick a country" in text_of(refused)
    assert "988" in text_of(refused)


async def test_setup_crisis_sets_the_server_default(env: simcord.Env) -> None:
    guild = env.create_guild("Recovery Group")
    channel = guild.create_text_channel("general")
    owner = guild.create_role("Owner", permissions=discord.Permissions(administrator=True))
    admin = guild.add_member(env.create_user("owner"), roles=[owner])
    member = guild.add_member(env.create_user("ann"))

    saved = await admin.slash(channel, "setup crisis", region="GB")
    refused = await admin.slash(channel, "setup crisis", region="Atlantis")

    assert "Saved" in text_of(saved)
    assert "Crisis lines shown first: GB" in text_of(saved)
    assert "I don't have crisis lines for" in text_of(refused)
    config = await GuildConfigRepository(the_bot(env).db).get(guild.id)
    assert config.crisis_region == "GB"
    assert first_line(await member.slash(channel, "crisis")) == "Samaritans"


async def test_an_error_reply_shows_the_members_region(env: simcord.Env) -> None:
    channel, member = place(env)
    await member.slash(channel, "crisis", region="GB", remember="remember")
    await the_bot(env).close_database()

    refused = await member.slash(channel, "crisis", region="FR", remember="remember")

    assert "Samaritans" in text_of(refused)  # from memory: the database is closed


async def test_crisis_still_answers_with_storage_closed(env: simcord.Env) -> None:
    channel, member = place(env)
    await set_server_region(env, env.guild.id, "NZ")
    await the_bot(env).close_database()

    result = await member.slash(channel, "crisis")

    assert first_line(result) == "1737, Need to talk?"  # the kept server default


# ------------------------------------------------------------------------------------ privacy


async def test_export_shows_the_region_and_delete_erases_it(env: simcord.Env) -> None:
    channel, member = place(env)
    await member.slash(channel, "crisis", region="GB", remember="remember")

    exported = await member.slash(channel, "mydata export")
    message = exported.followups[-1] if exported.followups else exported.response
    assert message is not None
    data = json.loads(await message.attachments[0].read())["data"]
    assert data["member_settings"]["records"] == [
        {"user_id": str(member.id), "crisis_region": "GB", "language": None, "last_locale": None}
    ]

    asked = await member.slash(channel, "mydata delete")
    await member.click(asked.response, label="Delete my data")

    assert await stored(env, member.id) == []
    assert first_line(await member.slash(channel, "crisis")) == "988 Suicide & Crisis Lifeline"


async def test_a_servers_admin_forget_leaves_the_members_own_setting(env: simcord.Env) -> None:
    # The setting belongs to no server: only the member's own /mydata delete removes it.
    from bot.privacy import erase

    channel, member = place(env)
    await member.slash(channel, "crisis", region="GB", remember="remember")

    await erase(the_bot(env).db, member.id, env.guild.id, server_only=True)

    assert await stored(env, member.id) == [(member.id, "GB")]


def test_the_autocomplete_lists_matching_countries_within_discords_limit() -> None:
    from cogs._crisis_regions import region_choices

    crisis = shipped()
    assert [choice.value for choice in region_choices(crisis, "")] == list(crisis.codes)
    assert [choice.value for choice in region_choices(crisis, "land")] == ["IE", "NZ"]
    assert [choice.value for choice in region_choices(crisis, "gb")] == ["GB"]
    assert region_choices(crisis, "x" * 200) == []
    assert len(region_choices(crisis, "")) <= limits.CHOICES
    for choice in region_choices(crisis, ""):
        assert len(choice.name) <= limits.SELECT_LABEL


async def test_only_the_most_recent_members_are_kept_in_memory(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import crisis_regions

    monkeypatch.setattr(crisis_regions, "KEPT_MEMBERS", 2)
    members = crisis_regions.MemberRegions(db)
    await members.remember(1, "GB")
    await members.remember(2, "IE")
    assert await members.get(1) == "GB"  # 1 is now the most recent
    await members.remember(3, "AU")

    assert (members.kept(1), members.kept(2), members.kept(3)) == ("GB", None, "AU")
    assert await members.get(2) == "IE"  # read again from the database
    assert await members.forget(2)
    assert await members.get(2) is None
    assert not await members.forget(2)
