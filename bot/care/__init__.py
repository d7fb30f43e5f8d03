"""Care knowledge: levels of care, IOPs, relapse management, coping and support networks.

All wording lives in ``data/care/*.toml``; this package reads it into pydantic models,
checks every rule at start-up (Discord's limits, sources, verification dates) and turns
content into ``Card`` values, plain data that the cog renders as embeds. No discord import.

Its modules: ``pages`` (file names, topic keys, ``Card``, ``Page``), ``levels``, ``iop``,
``relapse``, ``coping`` (with the tip rotation) and ``content`` (``load_care_content``); every
public name is imported here, so callers write ``from bot.care import Card``.
"""

from bot.care.content import CareContent, load_care_content
from bot.care.coping import CopingContent, CopingTopic, Tip, TipPosition, TipRotation
from bot.care.iop import Approach, FitContent, FitQuestion, IopContent
from bot.care.levels import LEVEL_ASPECTS, Level, LevelsContent
from bot.care.pages import (
    CARE_DIR,
    COPING_FILE,
    COPING_TOPICS,
    CRISIS_RESERVE,
    FIT_ANSWERS,
    FIT_TOPIC,
    FOOTER_RESERVE,
    IOP_FILE,
    IOP_TOPICS,
    LEVELS_FILE,
    MAX_TIPS,
    MIN_TIPS,
    OVERVIEW_KEY,
    RELAPSE_FILE,
    RELAPSE_TOPICS,
    SUPPORT_FILE,
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
    "COPING_FILE",
    "COPING_TOPICS",
    "CRISIS_RESERVE",
    "FIT_ANSWERS",
    "FIT_TOPIC",
    "FOOTER_RESERVE",
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
