"""Every content file, loaded and validated once, in ``create_bot``, before the bot connects.

A broken file stops start-up with one sentence naming the file and the field
(``ContentError``); cogs read their content from ``bot.library`` and never load files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.care import CareContent, load_care_content
from bot.care.iop import IopContent
from bot.care.levels import LevelsContent
from bot.care.pages import CARE_DIR, IOP_FILE, LEVELS_FILE
from bot.content import ModelT
from bot.crisis import CRISIS_FILE, CrisisResources, load_crisis_resources
from bot.group_content import Guidelines, Welcome, load_guidelines, load_welcome
from bot.i18n import ENGLISH, NAMES, TRANSLATED
from bot.i18n.content import load_translated
from bot.meetings import MeetingFormat, load_meeting_format
from bot.privacy import PrivacyNotice, load_privacy_notice
from bot.safety import CrisisMatcher
from bot.safety.model import CrisisModel

TRANSLATED_FILES: tuple[str, ...] = (
    CRISIS_FILE,
    f"{CARE_DIR}/{IOP_FILE}",
    f"{CARE_DIR}/{LEVELS_FILE}",
)
"""The content files translated so far, as paths under ``data/`` and ``data/<code>/``."""


@dataclass(frozen=True)
class Translation:
    """The content translated into one language (``data/<code>/``)."""

    crisis: CrisisResources
    iop: IopContent
    levels: LevelsContent


@dataclass(frozen=True)
class Library:
    crisis: CrisisResources
    care: CareContent
    welcome: Welcome
    guidelines: Guidelines
    meeting_format: MeetingFormat
    privacy: PrivacyNotice
    crisis_phrases: CrisisMatcher
    translations: Mapping[str, Translation]
    """Every language's translated content, English's included."""

    def crisis_in(self, language: str) -> CrisisResources:
        return self._in(language).crisis

    def iop_in(self, language: str) -> IopContent:
        return self._in(language).iop

    def levels_in(self, language: str) -> LevelsContent:
        return self._in(language).levels

    def _in(self, language: str) -> Translation:
        return self.translations.get(language) or self.translations[ENGLISH]


def load_translation(content_dir: Path, language: str) -> Translation:
    """``data/<language>/``'s files, each checked against the English one (same keys, same
    facts: ``bot.i18n.content``)."""
    folder = content_dir / language
    name = NAMES[language]

    def translated(file: str, model: type[ModelT]) -> ModelT:
        return load_translated(content_dir / file, folder / file, model, language=name)

    return Translation(
        crisis=translated(CRISIS_FILE, CrisisResources),
        iop=translated(f"{CARE_DIR}/{IOP_FILE}", IopContent),
        levels=translated(f"{CARE_DIR}/{LEVELS_FILE}", LevelsContent),
    )


def load_library(content_dir: Path) -> Library:
    crisis = load_crisis_resources(content_dir)
    care = load_care_content(content_dir)
    translations = {ENGLISH: Translation(crisis, care.iop, care.levels)}
    translations |= {code: load_translation(content_dir, code) for code in TRANSLATED}
    return Library(
        crisis=crisis,
        care=care,
        welcome=load_welcome(content_dir),
        guidelines=load_guidelines(content_dir),
        meeting_format=load_meeting_format(content_dir),
        privacy=load_privacy_notice(content_dir),
        crisis_phrases=CrisisMatcher.from_content_dir(
            content_dir, model=CrisisModel.from_content_dir(content_dir)
        ),
        translations=translations,
    )
