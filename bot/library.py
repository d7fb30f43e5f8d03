"""Every content file, loaded and validated once, in ``create_bot``, before the bot connects.

A broken file stops start-up with one sentence naming the file and the field
(``ContentError``); cogs read their content from ``bot.library`` and never load files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.care import CareContent, load_care_content
from bot.crisis import CrisisResources, load_crisis_resources
from bot.group_content import Guidelines, Welcome, load_guidelines, load_welcome
from bot.meetings import MeetingFormat, load_meeting_format
from bot.privacy import PrivacyNotice, load_privacy_notice
from bot.safety import CrisisMatcher
from bot.safety.model import CrisisModel


@dataclass(frozen=True)
class Library:
    crisis: CrisisResources
    care: CareContent
    welcome: Welcome
    guidelines: Guidelines
    meeting_format: MeetingFormat
    privacy: PrivacyNotice
    crisis_phrases: CrisisMatcher


def load_library(content_dir: Path) -> Library:
    return Library(
        crisis=load_crisis_resources(content_dir),
        care=load_care_content(content_dir),
        welcome=load_welcome(content_dir),
        guidelines=load_guidelines(content_dir),
        meeting_format=load_meeting_format(content_dir),
        privacy=load_privacy_notice(content_dir),
        crisis_phrases=CrisisMatcher.from_content_dir(
            content_dir, model=CrisisModel.from_content_dir(content_dir)
        ),
    )
