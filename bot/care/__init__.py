"""Care knowledge: levels of care, IOPs, relapse management, coping, support networks, and
guides to acting on care (finding treatment, withdrawal, medications, families, peer groups).

All wording lives in ``data/care/*.toml``; this package reads it into pydantic models,
checks every rule at start-up (Discord's limits, sources, verification dates) and turns
content into ``Card`` values, plain data that the cog renders as embeds. No discord import.

Its modules: ``pages`` (file names, topic keys, ``Card``, ``Page``), ``levels``, ``iop``,
``relapse``, ``guides``, ``coping`` (with the tip rotation) and ``content``
(``load_care_content``); every public name is imported here, so callers write
``from bot.care import Card``.
"""

from bot.care.content import CareContent, load_care_content
from bot.care.coping import CopingContent, CopingTopic, Tip, TipPosition, TipRotation
from bot.care.guides import GuidesContent
from bot.care.iop import Approach, FitContent, FitQuestion, IopContent
from bot.care.levels import LEVEL_ASPECTS, Level, LevelsContent
from bot.care.pages import (
    CARE_DIR,
    CONSULT_GUIDES,
    COPING_FILE,
    COPING_TOPICS,
    CRISIS_RESERVE,
    FIT_ANSWERS,
    FIT_TOPIC,
    FOOTER_RESERVE,
    GUIDE_TOPICS,
    GUIDES_FILE,
    IOP_FILE,
    IOP_TOPICS,
    LEVELS_FILE,
    MAX_TIPS,
    MIN_TIPS,
    OVERVIEW_KEY,
    RELAPSE_FILE,
    RELAPSE_TOPICS,
    SUPPORT_FILE,
    TOP_LINE_RESERVE,
    Card,
    CardField,
    Field,
    FieldName,
    Key,
    Page,
    SelectDescription,
    Short,
    check_card,
)
from bot.care.relapse import RelapseContent

__all__ = [
    "CARE_DIR",
    "CONSULT_GUIDES",
    "COPING_FILE",
    "COPING_TOPICS",
    "CRISIS_RESERVE",
    "FIT_ANSWERS",
    "FIT_TOPIC",
    "FOOTER_RESERVE",
    "GUIDES_FILE",
    "GUIDE_TOPICS",
    "IOP_FILE",
    "IOP_TOPICS",
    "LEVELS_FILE",
    "LEVEL_ASPECTS",
    "MAX_TIPS",
    "MIN_TIPS",
    "OVERVIEW_KEY",
    "RELAPSE_FILE",
    "RELAPSE_TOPICS",
    "SUPPORT_FILE",
    "TOP_LINE_RESERVE",
    "Approach",
    "Card",
    "CardField",
    "CareContent",
    "CopingContent",
    "CopingTopic",
    "Field",
    "FieldName",
    "FitContent",
    "FitQuestion",
    "GuidesContent",
    "IopContent",
    "Key",
    "Level",
    "LevelsContent",
    "Page",
    "RelapseContent",
    "SelectDescription",
    "Short",
    "Tip",
    "TipPosition",
    "TipRotation",
    "check_card",
    "load_care_content",
]
