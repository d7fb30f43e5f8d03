"""What a Spanish-speaking member reads (issue 22, "Languages"): /help, the safety net's
replies (a DM, a reply in the channel, the answer to a DM), /iop and the consultation form,
chosen by /language or by the Discord app's language (``tests.test_i18n.client_locale``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import simcord

from bot.guild_config import SafetyReply
from bot.settings import Settings
from tests.conftest import ConsultServer, make_settings
from tests.helpers import text_of
from tests.test_consult_member import said
from tests.test_i18n import client_locale, in_spanish
from tests.test_safety_flow import HIGH, HOPELESS, World, _from_bot


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, safety_net=True)


def labels(message: Any) -> set[str]:
    """The buttons' labels under a message (SimCord's dicts, or discord.py's rows)."""
    found: set[str] = set()
    for row in message.components:
        items = row.get("components", []) if isinstance(row, dict) else row.children
        for item in items:
            label = item.get("label") if isinstance(item, dict) else getattr(item, "label", None)
            if label:
                found.add(label)
    return found


# ---------------------------------------------------------------------------------- /help


async def test_help_in_spanish(env: simcord.Env) -> None:
    world = World(env)
    await in_spanish(world.member, world.general)

    result = await world.member.slash(world.general, "help")
    shown = text_of(result)

    assert "Cómo te puede ayudar este bot" in shown
    assert "Si estás en peligro ahora mismo, usa" in shown
    assert "Este servidor es un grupo gratuito de apoyo entre pares." in shown
    assert "**Empieza aquí**" in shown
    assert "Ayuda ahora mismo: líneas de crisis para llamar o escribir" in shown  # /crisis
    assert result.response is not None
    labels = {
        item.get("label")
        for row in result.response.components
        for item in row.get("components", [])
    }
    assert "Más para miembros" in labels


async def test_help_sections_in_spanish_by_client_language(env: simcord.Env) -> None:
    world = World(env)

    with client_locale("es-419"):
        first = await world.member.slash(world.general, "help")
        assert first.response is not None
        more = await world.member.click(first.response, label="Más para miembros")

    shown = text_of(more)
    assert "Todo lo demás que puedes usar aquí. Toca un comando para empezar." in shown
    assert "Cancela tu solicitud pendiente para hablar con un consultor." in shown
    assert "Apoyo entre pares e información, no consejo médico" in shown  # the footer


# ------------------------------------------------------------------------- the safety net


async def test_the_safety_net_dm_in_spanish(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()
    await in_spanish(world.member, world.general)

    await world.member.send(world.general, HIGH)

    [dm] = world.dms()
    assert "Hola, soy el bot de **" in dm.content
    assert "Tú importas, y nos alegra que estés aquí." in dm.content
    assert "llama o envía un mensaje de texto al **988** (EE. UU.)" in dm.content
    assert "/crisis" in dm.content
    assert labels(dm) == {"Hablar con un consultor ahora", "Mi plan de seguridad"}


async def test_the_safety_net_dm_uses_the_last_client_language(env: simcord.Env) -> None:
    # A DM has no interaction: the language the member's app had at their last command counts.
    world = World(env)
    await world.configure()
    with client_locale("es-ES"):
        await world.member.slash(world.general, "crisis")

    await world.member.send(world.general, HIGH)

    [dm] = world.dms()
    assert "Hola, soy el bot de **" in dm.content


class SpanishServer(World):
    """A server whose preferred locale (Discord's server setting) is Latin American Spanish."""

    def __init__(self, env: simcord.Env) -> None:
        self.env = env
        self.guild = env.create_guild("Grupo de apoyo", preferred_locale="es-419")
        self.general = self.guild.create_text_channel("general")
        self.queue = self.guild.create_text_channel("staff-queue")
        self.staff = self.guild.create_role("Staff")
        self.member = self.guild.add_member(env.create_user("ana"))


async def test_the_safety_net_dm_uses_the_servers_locale_for_a_new_member(
    env: simcord.Env,
) -> None:
    world = SpanishServer(env)
    await world.configure()

    await world.member.send(world.general, HIGH)  # no command yet: nothing else to go on

    [dm] = world.dms()
    assert "Hola, soy el bot de **Grupo de apoyo**" in dm.content


async def test_the_safety_net_reply_in_the_channel_in_spanish(env: simcord.Env) -> None:
    world = World(env)
    await world.configure(safety_reply=SafetyReply.CHANNEL, crisis_region="GB")
    await in_spanish(world.member, world.general)

    await world.member.send(world.general, HOPELESS)

    [reply] = world.in_channel()
    assert "No tienes que cargarlo a solas" in reply.content
    assert "llama a Samaritans al **116 123** (Reino Unido)" in reply.content
    assert labels(reply) == {"Hablar con un consultor ahora", "Mi plan de seguridad"}


async def test_a_dm_to_the_bot_is_answered_in_spanish(env: simcord.Env) -> None:
    world = World(env)
    await in_spanish(world.member, world.general)

    await world.member.user.send_dm("hola?")

    [reply] = _from_bot(world.member.user.dm_channel, env)
    shown = text_of(reply)
    assert "Hola, soy el bot del grupo" in shown
    assert "Mereces ayuda ahora mismo" in shown


# ----------------------------------------------------------------------------------- /iop


async def test_iop_in_spanish(env: simcord.Env) -> None:
    world = World(env)
    await in_spanish(world.member, world.general)

    about = await world.member.slash(world.general, "iop")
    approaches = await world.member.slash(world.general, "iop", topic="approaches")

    assert "¿Qué es un programa intensivo ambulatorio (IOP)?" in text_of(about)
    assert "Los cuatro objetivos de SAMHSA para los IOP" in text_of(about)
    assert "Apoyo entre pares e información" in text_of(about)
    assert "En pocas palabras" in text_of(approaches)
    assert "**Modelo Matrix**" in text_of(approaches)


async def test_the_iop_reflection_in_spanish_with_the_crisis_lines(env: simcord.Env) -> None:
    world = World(env)
    with client_locale("es-419"):
        first = await world.member.slash(world.general, "iop", topic="is-it-for-me")
        assert first.response is not None
        assert "¿Estás en crisis ahora mismo?" in text_of(first)
        answered = await world.member.click(first.response, label="Sí")

    shown = text_of(answered)
    assert "(2 de 5)" in shown
    assert "Mereces ayuda ahora mismo" in shown  # the crisis lines, in Spanish
    assert "Llama o envía un mensaje de texto al **988**" in shown


# ------------------------------------------------------------------------------- /consult


async def test_the_consult_form_and_receipt_in_spanish(consult_server: ConsultServer) -> None:
    member = consult_server.member
    await in_spanish(member, consult_server.general)

    shown = await member.slash(consult_server.general, "consult")
    assert shown.modal is not None
    form = str(shown.modal)
    for words in (
        "Hablar con un consultor",
        "¿De qué te gustaría hablar?",
        "Cómo sobrellevar el día a día",
        "¿Qué tan pronto necesitas hablar?",
        "Si estás en peligro ahora mismo, usa también /crisis.",
        "Lo estoy pasando muy mal ahora mismo",
        "Una nota corta (opcional)",
        "Lo que quieras que sepan primero (puedes dejarlo vacío)",
        "Un buen momento para ti (opcional)",
    ):
        assert words in form, words
    receipt = said(await member.submit_modal(shown, {"topic": ["coping"], "urgency": ["urgent"]}))

    assert "Recibimos tu solicitud #1" in receipt
    assert "Gracias por escribirnos." in receipt
    assert "En espera. Eres la próxima persona." in receipt
    assert "Tema Cómo sobrellevar el día a día" in receipt
    assert "No es un servicio de emergencias Esto es apoyo entre pares" in receipt
    assert "Mereces ayuda ahora mismo" in receipt  # urgent: the crisis lines, in Spanish


async def test_the_consult_form_in_spanish_by_client_language(
    consult_server: ConsultServer,
) -> None:
    with client_locale("es-ES"):
        shown = await consult_server.member.slash(consult_server.general, "consult")

    assert "¿De qué te gustaría hablar?" in str(shown.modal)


def test_the_english_form_words_are_the_queues_own() -> None:
    # The staff card keeps TOPIC_LABELS and URGENCY_LABELS; the member's English must match.
    from bot.consultations import TOPIC_LABELS, URGENCY_LABELS
    from bot.i18n import ENGLISH
    from bot.i18n.messages import say

    for topic, label in TOPIC_LABELS.items():
        assert say(ENGLISH, f"consult.topic.{topic}") == label
    for level, label in URGENCY_LABELS.items():
        assert say(ENGLISH, f"consult.urgency.{level}") == label


async def test_any_command_keeps_the_client_language_for_the_safety_net(env: simcord.Env) -> None:
    world = World(env)
    await world.configure()
    with client_locale("es-419"):
        await world.member.slash(world.general, "checkin", mood=3)  # not itself translated

    await world.member.send(world.general, HIGH)

    [dm] = world.dms()
    assert "Hola, soy el bot de **" in dm.content


# -------------------------------------------------------------------------- error replies


async def test_something_went_wrong_in_spanish_with_the_lines(env: simcord.Env) -> None:
    # The database fails: the language comes from memory, and the crisis lines are Spanish.
    world = World(env)
    await in_spanish(world.member, world.general)
    from tests.helpers import the_bot

    await the_bot(env).close_database()

    failed = text_of(
        await world.member.slash(world.general, "crisis", region="GB", remember="remember")
    )

    assert "Lo siento, ahora no puedo llegar a mi almacenamiento" in failed
    assert "Mereces ayuda ahora mismo" in failed
    assert "¿En otro país?" in failed


def test_something_went_wrong_names_the_regions_first_line_in_spanish() -> None:
    from pathlib import Path

    from bot.i18n import SPANISH
    from bot.library import load_library
    from bot.ui import something_went_wrong

    crisis = load_library(Path(__file__).resolve().parent.parent / "data").crisis_in(SPANISH)
    said_uk = something_went_wrong(crisis, "GB", SPANISH)
    said_us = something_went_wrong(crisis, "US", SPANISH)

    assert "Lo siento, algo falló de nuestro lado" in said_uk
    assert "comunícate con Samaritans (Llama al **116 123**)" in said_uk
    assert "llama o envía un mensaje de texto al 988 (EE. UU.)" in said_us


def test_every_common_refusal_is_translated_as_raised() -> None:
    from bot.db.database import STORAGE_CLOSED
    from bot.errors import NotConfiguredError, OutOfDateError, TryAgainError
    from bot.i18n import SPANISH
    from bot.i18n.messages import refusal

    for raised in (
        STORAGE_CLOSED,
        *(e().message for e in (NotConfiguredError, OutOfDateError, TryAgainError)),
    ):
        assert refusal(SPANISH, raised) != raised, raised
    assert refusal(SPANISH, "Something a feature wrote.") == "Something a feature wrote."


async def test_consult_status_in_spanish(consult_server: ConsultServer) -> None:
    member = consult_server.member
    await in_spanish(member, consult_server.general)
    none_yet = said(await member.slash(consult_server.general, "consult-status"))
    shown = await member.slash(consult_server.general, "consult")
    await member.submit_modal(shown, {"topic": ["family"], "urgency": ["soon"]})

    status = said(await member.slash(consult_server.general, "consult-status"))

    assert "Todavía no hay solicitud" in none_yet
    assert "No es un servicio de emergencias" in none_yet
    assert "Tu solicitud #1" in status
    assert "Urgencia Pronto: hoy si es posible" in status


# -------------------------------------------------------------------------------- /levels


async def test_levels_in_spanish(env: simcord.Env) -> None:
    world = World(env)
    await in_spanish(world.member, world.general)

    overview = await world.member.slash(world.general, "levels")
    level = await world.member.slash(world.general, "levels", level="php")

    assert "Los niveles de atención, de un vistazo" in text_of(overview)
    assert "Del más ligero al más intensivo" in text_of(overview)
    assert "**Terapia ambulatoria**" in text_of(overview)
    assert "Programa de hospitalización parcial (PHP)" in text_of(level)
    assert "Dónde duermes" in text_of(level)
    assert level.response is not None
    assert "Todos los niveles" in labels(level.response)
