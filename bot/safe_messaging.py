"""The safe-messaging rules for what members read, as patterns (no discord import).

One list, used twice: the tests run it over every string of the code and the content files
(``tests/test_safe_messaging.py``, ``tests/test_care_content.py``), and ``bot.snippets`` over a
saved reply's text before it is stored, so a staff lead's text meets the same rules as ours.
The rules: safe-messaging guidance on suicide (suicidepreventionmessaging.org: no method or
means, never "committed", "successful" or "failed"), never diagnose or tell a member which
level of care they need, and no labels for people. The lint is strict on purpose (it also
flags "hanging out"): reword rather than risk it.

This module has to name the very words it looks for, so the code lint leaves it out
(``tests/test_safe_messaging.py``, ``EXEMPT``); what a refusal says is in ``bot.snippets``,
where the lint reads it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Concern(enum.Enum):
    """Why a pattern is there, so a refusal can say it in one sentence."""

    WORDING = "wording"  # how suicide is spoken of
    METHOD = "method"  # a method or means
    CARE = "care"  # a diagnosis, or which care a member needs
    LABEL = "label"  # a label for a person
    SHAME = "shame"  # shaming words for test results


RULES: tuple[tuple[str, Concern], ...] = (
    (r"commit(ted|s)? suicide", Concern.WORDING),
    (r"successful suicide", Concern.WORDING),
    (r"(failed|unsuccessful) (suicide|attempt)", Concern.WORDING),
    (r"suicide (method|note)", Concern.METHOD),
    (r"\bhang(ing|ed)?\b", Concern.METHOD),
    (r"\bjump(ing|ed)? (off|from)\b", Concern.METHOD),
    (r"lethal dose", Concern.METHOD),
    (r"how (many|much) (pills|tablets)", Concern.METHOD),
    (r"\bpills? to\b", Concern.METHOD),
    (r"you need (an? )?(iop|php|inpatient|outpatient|residential|detox|treatment)", Concern.CARE),
    (r"you (have|are suffering from) (a |an )?(disorder|addiction|depression)", Concern.CARE),
    (r"you are an addict", Concern.LABEL),
    (r"\b(addict|alcoholic|junkie|abuser)s?\b", Concern.LABEL),
    (r"\b(clean|dirty) (urine|test|drug)", Concern.SHAME),
    (r"you should (go to|enter|check into)", Concern.CARE),
    (r"this (means|shows) you need", Concern.CARE),
    # The same rules in Spanish (data/es/, bot/i18n): the lint runs on every language.
    (r"\bcomet\w* (el |un )?suicidio", Concern.WORDING),
    (r"suicidio (consumado|exitoso|logrado)", Concern.WORDING),
    (r"(suicidio|intento) (fallido|frustrado)", Concern.WORDING),
    (r"(m[eé]todos?|formas?) (de|para) (suicid|matarse)", Concern.METHOD),
    (r"nota suicida", Concern.METHOD),
    (r"\bahorc\w*", Concern.METHOD),
    (r"\b(tirarse|tirarte|lanzarse|lanzarte|saltar) (de|desde)\b", Concern.METHOD),
    (r"dosis (letal|mortal)", Concern.METHOD),
    (r"cu[aá]nt[oa]s (pastillas|tabletas|pastas)", Concern.METHOD),
    (r"\bpastillas? para\b", Concern.METHOD),
    (
        r"necesitas (un |una |el |la )?(iop|php|internaci[oó]n|internamiento|tratamiento|"
        r"desintoxicaci[oó]n|rehabilitaci[oó]n)",
        Concern.CARE,
    ),
    (r"(tienes|sufres de|padeces) (un |una )?(trastorno|adicci[oó]n|depresi[oó]n)", Concern.CARE),
    (r"eres (un |una )?(adict[oa]|alcoh[oó]lic[oa]|drogadict[oa])", Concern.LABEL),
    (r"\b(adict[oa]s?|alcoh[oó]lic[oa]s?|drogadict[oa]s?|yonquis?|viciosos?)\b", Concern.LABEL),
    (r"\b(orina|prueba|examen|test|an[aá]lisis) (limpi[oa]|suci[oa])\b", Concern.SHAME),
    (r"deber[ií]as (ir a|ingresar|internarte|entrar a)", Concern.CARE),
    (r"esto (significa|muestra|indica) que necesitas", Concern.CARE),
)
"""Each pattern (matched ignoring case) and why it is there; English, then Spanish."""

UNSAFE: tuple[str, ...] = tuple(pattern for pattern, _concern in RULES)
"""The patterns alone, as the lint of the code and content files uses them."""

_COMPILED = tuple((re.compile(pattern, re.IGNORECASE), concern) for pattern, concern in RULES)
_MARKUP = re.compile(r"[*_~|`\\]")
"""Markdown's emphasis, spoiler and code marks: ``**hang**ing`` reads as the word itself."""


@dataclass(frozen=True)
class Breach:
    """The first place a text breaks a rule: the words as written, and why."""

    words: str
    concern: Concern
    pattern: str


def first_breach(text: str) -> Breach | None:
    """Where ``text`` first breaks a rule (None: nowhere), read as written and again without
    markdown's marks, so formatting cannot split a word the rules look for."""
    for reading in (text, _MARKUP.sub("", text)):
        for compiled, concern in _COMPILED:
            found = compiled.search(reading)
            if found is not None:
                return Breach(found.group(0), concern, compiled.pattern)
    return None
