"""Languages (issue 22, "Languages"): how the language is chosen, the Spanish content's
start-up check, and what a Spanish-speaking member sees, through SimCord.

SimCord sends every interaction with the locale ``en-US``; ``client_locale`` changes it for the
client-language path (``es-ES``, ``es-419``), patching the one function SimCord builds every
INTERACTION_CREATE payload with.
"""

from __future__ import annotations

import contextlib
import json
import string
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import simcord
from simcord import interactions as simcord_interactions

from bot.errors import StartupError
from bot.i18n import ENGLISH, LANGUAGES, SPANISH, TRANSLATED, choose_language, language_of_locale
from bot.i18n.content import difference, facts
from bot.i18n.messages import CATALOGUE, EN
from bot.library import TRANSLATED_FILES
from tests.conftest import make_settings
from tests.helpers import text_of, the_bot

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@contextlib.contextmanager
def client_locale(locale: str, *, guild_locale: str | None = None) -> Iterator[None]:
    """Every interaction sent inside the block carries ``locale`` (the member's Discord app
    language) instead of SimCord's ``en-US``, and ``guild_locale`` (the server's preferred
    locale) when given."""
    original = simcord_interactions.base_payload

    def with_locale(*args: Any, **kwargs: Any) -> Any:
        record, payload = original(*args, **kwargs)
        payload["locale"] = locale
        if guild_locale is not None and "guild_id" in payload:
            payload["guild_locale"] = guild_locale
        return record, payload

    simcord_interactions.base_payload = with_locale
    try:
        yield
    finally:
        simcord_interactions.base_payload = original


def place(env: simcord.Env) -> tuple[Any, Any]:
    guild = env.create_guild("Recovery Group")
    channel = guild.create_text_channel("general")
    member = guild.add_member(env.create_user("ana"))
    return channel, member


async def in_spanish(member: Any, channel: Any) -> None:
    chosen = await member.slash(channel, "language", language="es")
    assert "a partir de ahora te respondo en español" in text_of(chosen)


# ------------------------------------------------------------------------- the lookup order


@pytest.mark.parametrize(
    ("locale", "code"),
    [("es-ES", "es"), ("es-419", "es"), ("en-US", "en"), ("en-GB", "en"), ("fr", None), ("", None)],
)
def test_a_discord_locale_maps_to_a_language(locale: str, code: str | None) -> None:
    assert language_of_locale(locale) == code


def test_the_member_comes_first_then_the_client_then_the_server_then_english() -> None:
    assert choose_language("en", "es", "es") == "en"
    assert choose_language(None, "es", "en") == "es"
    assert choose_language(None, None, "es") == "es"
    assert choose_language(None, None, None) == "en"
    assert choose_language("xx", None) == "en"  # a code no longer offered is skipped


# --------------------------------------------------------------------- the content, checked


def test_every_translated_file_has_the_english_keys_and_facts() -> None:
    for code in TRANSLATED:
        for name in TRANSLATED_FILES:
            english = tomllib.loads((DATA / name).read_text("utf-8"))
            translated = tomllib.loads((DATA / code / name).read_text("utf-8"))
            assert difference(english, translated) is None, (code, name)


def test_facts_are_numbers_addresses_and_keywords() -> None:
    found = facts("Envía **HOME** al **741741** o chatea en https://988lifeline.org, 24/7.")
    assert set(found) == {"**HOME**", "741741", "https://988lifeline.org", "24", "7"}


def start_with_spanish(tmp_path: Path, name: str, change: tuple[str, str]) -> str:
    """Start the bot with data/es/``name`` changed; the one sentence it stops with."""
    content = tmp_path / "content"
    content.mkdir(parents=True)
    for item in DATA.iterdir():
        if item.name != SPANISH:
            (content / item.name).symlink_to(item, target_is_directory=item.is_dir())
    spanish = content / SPANISH
    (spanish / "care").mkdir(parents=True)
    for file in TRANSLATED_FILES:
        (spanish / file).symlink_to(DATA / SPANISH / file)
    target = spanish / name
    old, new = change
    text = (DATA / SPANISH / name).read_text("utf-8")
    assert old in text
    target.unlink()
    target.write_text(text.replace(old, new, 1), "utf-8")
    from bot.__main__ import create_bot

    with pytest.raises(StartupError) as caught:
        create_bot(make_settings(tmp_path, content_dir=content))
    message = str(caught.value)
    assert "\n" not in message  # one sentence, no traceback
    assert name.rsplit("/", 1)[-1] in message
    return message


def test_a_missing_key_stops_start_up(tmp_path: Path) -> None:
    message = start_with_spanish(
        tmp_path, "crisis.toml", ('closing = "Tú importas', 'despedida = "Tú importas')
    )
    assert "is missing `closing`" in message


def test_a_different_phone_number_stops_start_up(tmp_path: Path) -> None:
    message = start_with_spanish(tmp_path, "crisis.toml", ("**116 123**", "**116 124**"))
    assert "other numbers, addresses or keywords" in message
    assert "116, 123" in message


def test_a_different_address_or_source_stops_start_up(tmp_path: Path) -> None:
    chat = start_with_spanish(tmp_path / "a", "crisis.toml", ("988lineadevida.org", "988.org"))
    source = start_with_spanish(
        tmp_path / "b", "care/iop.toml", ('sources = ["iop-article", "https', 'sources = ["https')
    )
    assert "988lineadevida.org" in chat
    assert "sources" in source


def test_a_missing_iop_question_stops_start_up(tmp_path: Path) -> None:
    message = start_with_spanish(
        tmp_path, "care/iop.toml", ('unsure = "Los programas pueden', 'inseguro = "Los programas')
    )
    assert "fit.questions.4.unsure" in message


# ------------------------------------------------------------------- the bot's own sentences


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_has_every_sentence_with_the_same_blanks() -> None:
    assert set(CATALOGUE) == set(LANGUAGES)
    for code, sentences in CATALOGUE.items():
        assert set(sentences) == set(EN), code
        for key, text in sentences.items():
            assert placeholders(text) == placeholders(EN[key]), (code, key)


# ----------------------------------------------------------------- a Spanish-speaking member


async def test_crisis_in_spanish_by_language_choice(env: simcord.Env) -> None:
    channel, member = place(env)
    await in_spanish(member, channel)

    shown = text_of(await member.slash(channel, "crisis"))

    assert "Mereces ayuda ahora mismo" in shown
    assert "988 Línea de Prevención del Suicidio y Crisis" in shown
    assert "envía **AYUDA** al 988" in shown
    assert "¿En otro país?" in shown
    assert "Puedes volver a ver esto cuando quieras con /crisis." in shown


async def test_crisis_in_spanish_with_the_uk_shows_samaritans_first(env: simcord.Env) -> None:
    channel, member = place(env)
    await in_spanish(member, channel)

    result = await member.slash(channel, "crisis", region="GB", remember="remember")

    assert result.response is not None
    assert result.response.embeds[0].fields[0].name == "Samaritans"
    assert "Llama al **116 123**" in text_of(result)
    assert "primero las líneas de Reino Unido" in text_of(result)


@pytest.mark.parametrize("locale", ["es-ES", "es-419"])
async def test_the_client_language_picks_spanish(env: simcord.Env, locale: str) -> None:
    channel, member = place(env)

    with client_locale(locale):
        shown = text_of(await member.slash(channel, "crisis"))

    assert "Mereces ayuda ahora mismo" in shown


async def test_the_servers_locale_counts_when_the_app_speaks_another(env: simcord.Env) -> None:
    channel, member = place(env)

    with client_locale("fr", guild_locale="es-419"):
        spanish = text_of(await member.slash(channel, "crisis"))
    with client_locale("en-GB", guild_locale="es-419"):
        english = text_of(await member.slash(channel, "crisis"))

    assert "Mereces ayuda ahora mismo" in spanish  # French is not spoken: the server's
    assert "You deserve help right now" in english  # the app's language comes first


async def test_the_members_choice_beats_the_client_language(env: simcord.Env) -> None:
    channel, member = place(env)
    await member.slash(channel, "language", language="en")

    with client_locale("es-419"):
        shown = text_of(await member.slash(channel, "crisis"))

    assert "You deserve help right now" in shown


async def test_back_to_the_client_language(env: simcord.Env) -> None:
    channel, member = place(env)
    await in_spanish(member, channel)

    forgotten = await member.slash(channel, "language", language="auto")

    assert "in the language of your Discord app again" in text_of(forgotten)
    assert "You deserve help right now" in text_of(await member.slash(channel, "crisis"))


async def test_the_last_client_language_is_kept_as_a_code(env: simcord.Env) -> None:
    channel, member = place(env)
    with client_locale("es-ES"):
        await member.slash(channel, "crisis")

    row = await the_bot(env).db.fetchone(
        "SELECT language, last_locale FROM member_settings WHERE user_id = ?", (member.id,)
    )
    assert row is not None
    assert (row["language"], row["last_locale"]) == (None, SPANISH)
    guild = the_bot(env).get_guild(env.guild.id) if hasattr(env, "guild") else None
    assert await the_bot(env).background_language(member.id, guild) == SPANISH


async def test_forgetting_the_country_keeps_the_language(env: simcord.Env) -> None:
    channel, member = place(env)
    await in_spanish(member, channel)
    await member.slash(channel, "crisis", region="GB", remember="remember")

    await member.slash(channel, "crisis", remember="forget")

    assert "Mereces ayuda" in text_of(await member.slash(channel, "crisis"))


async def test_export_shows_the_language_and_delete_erases_it(env: simcord.Env) -> None:
    channel, member = place(env)
    await in_spanish(member, channel)

    exported = await member.slash(channel, "mydata export")
    message = exported.followups[-1] if exported.followups else exported.response
    assert message is not None
    records = json.loads(await message.attachments[0].read())["data"]["member_settings"]
    assert records["records"][0]["language"] == SPANISH

    asked = await member.slash(channel, "mydata delete")
    await member.click(asked.response, label="Delete my data")

    rows = await the_bot(env).db.fetchall(
        "SELECT * FROM member_settings WHERE user_id = ?", (member.id,)
    )
    assert rows == []
    assert "You deserve help right now" in text_of(await member.slash(channel, "crisis"))


def test_english_is_the_source() -> None:
    assert LANGUAGES[0] == ENGLISH


# ------------------------------------------------------------------------ the command tree

MEMBER_COMMANDS = frozenset(
    {
        "help", "crisis", "language", "consult", "consult-status", "consult-cancel",
        "transcript", "levels", "iop", "relapse", "coping", "support-network",
        "find-treatment", "withdrawal", "medications", "families", "peer-groups",
        "mental-health", "guidelines", "meetings", "checkin", "checkin-outreach",
        "checkin-history", "milestone", "safety-plan", "mydata", "privacy",
    }
)  # fmt: skip
"""The commands a member uses: every description and choice of theirs is in Spanish."""


NUMBERS = {"14", "30", "90"}
"""Choices that read the same in every language."""


def localised(payload: dict[str, Any]) -> Iterator[tuple[str, str, str, str]]:
    """(where, kind, English, translation) for every localisation in a command's payload."""
    name = payload["name"]
    assert "name_localizations" not in payload or not payload["name_localizations"], name
    for locale, text in (payload.get("description_localizations") or {}).items():
        yield name, f"description:{locale}", payload["description"], text
    for choice in payload.get("choices") or []:
        for locale, text in (choice.get("name_localizations") or {}).items():
            yield name, f"choice:{locale}", choice["name"], text
    for option in payload.get("options") or []:
        yield from localised(option)


async def translated_tree(bot: Any) -> list[dict[str, Any]]:
    from bot.bot import EXTENSIONS
    from bot.tree import SupportTranslator

    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    translator = SupportTranslator()
    return [await c.get_translated_payload(bot.tree, translator) for c in bot.tree.get_commands()]


async def test_every_localisation_keeps_to_discords_limits(simcord_bot: Any) -> None:
    tree = await translated_tree(simcord_bot)
    found = [entry for payload in tree for entry in localised(payload)]
    assert {kind for _, kind, _, _ in found} >= {
        "description:es-ES", "description:es-419", "choice:es-ES", "choice:es-419"
    }  # fmt: skip
    for where, kind, english, text in found:
        assert 1 <= len(text) <= 100, (where, kind, text)
        assert text.strip() == text, (where, text)
        assert text != english or english in {"English", "Español"}, (where, text)


async def test_every_member_command_is_in_spanish(simcord_bot: Any) -> None:
    from bot.i18n.commands import ES

    used: set[str] = set()

    def walk(node: dict[str, Any], member: bool) -> None:
        used.add(node["description"])
        if member:
            assert "es-419" in (node.get("description_localizations") or {}), node["name"]
        for choice in node.get("choices") or []:
            used.add(choice["name"])
            if member and choice["name"] not in {"English", "Español"} | NUMBERS:
                assert "es-419" in (choice.get("name_localizations") or {}), choice["name"]
        for option in node.get("options") or []:
            walk(option, member)

    for payload in await translated_tree(simcord_bot):
        walk(payload, payload["name"] in MEMBER_COMMANDS)
    assert set(ES) <= used  # no translation of a text the tree no longer has


def test_the_spanish_commands_pass_the_safe_messaging_lint() -> None:
    from bot.i18n.commands import ES
    from bot.safe_messaging import first_breach

    for english, spanish in ES.items():
        assert first_breach(spanish) is None, english


@pytest.mark.parametrize(
    "unsafe",
    [
        "cometió suicidio",
        "un intento fallido",
        "eres un adicto",
        "los alcohólicos",
        "necesitas un IOP",
        "una prueba sucia",
        "dosis letal",
        "deberías internarte",
    ],
)
def test_the_safe_messaging_lint_reads_spanish(unsafe: str) -> None:
    from bot.safe_messaging import first_breach

    assert first_breach(f"Texto: {unsafe}.") is not None


@pytest.mark.parametrize("forged", ["fr", "", "ES", "es; DROP TABLE", "\u202ees"])
async def test_a_language_outside_the_list_never_reaches_the_bot(
    env: simcord.Env, forged: str
) -> None:
    """The choice is a closed list: Discord refuses anything else before the bot sees it, even
    from a client that skips its own checks, so nothing is stored."""
    from simcord.backend.errors import OptionError

    from tests.reliability import without_client_checks

    channel, member = place(env)
    with without_client_checks(), pytest.raises(OptionError, match="only allows"):
        await member.slash(channel, "language", language=forged)
    rows = await the_bot(env).db.fetchall("SELECT * FROM member_settings")
    assert rows == []


def test_a_forged_language_code_is_refused_by_the_bot_too() -> None:
    from bot.errors import UserFacingError
    from cogs.general._language import parse_language

    with pytest.raises(UserFacingError, match="English or Español"):
        parse_language("fr")
    assert parse_language("es") == "es"
