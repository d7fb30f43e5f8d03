"""All the care content, read and checked at start-up (``load_care_content``).

No discord import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.care.coping import CopingContent
from bot.care.guides import GuidesContent
from bot.care.iop import IopContent
from bot.care.levels import LevelsContent
from bot.care.pages import (
    CARE_DIR,
    COPING_FILE,
    GUIDES_FILE,
    IOP_FILE,
    LEVELS_FILE,
    RELAPSE_FILE,
    SUPPORT_FILE,
    Page,
)
from bot.care.relapse import RelapseContent
from bot.content import (
    ContentError,
    load_toml,
)


@dataclass(frozen=True)
class CareContent:
    levels: LevelsContent
    iop: IopContent
    relapse: RelapseContent
    coping: CopingContent
    support: Page
    guides: GuidesContent

    def all_text(self) -> Iterator[tuple[str, str]]:
        """Every member-facing string, with where it came from (for linting and tests)."""
        for name, model in (
            (LEVELS_FILE, self.levels),
            (IOP_FILE, self.iop),
            (RELAPSE_FILE, self.relapse),
            (COPING_FILE, self.coping),
            (SUPPORT_FILE, self.support),
            (GUIDES_FILE, self.guides),
        ):
            yield from _strings(model.model_dump(mode="python"), name)


def _strings(value: object, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in {"sources", "key"}:
                yield from _strings(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}.{index}")


def load_care_content(content_dir: Path) -> CareContent:
    """Read and check every care file; the first problem raises ``ContentError``."""
    folder = content_dir / CARE_DIR
    if not folder.is_dir():
        raise ContentError(
            f"The content folder {folder} is missing: restore it from the repository."
        )
    return CareContent(
        levels=load_toml(folder / LEVELS_FILE, LevelsContent),
        iop=load_toml(folder / IOP_FILE, IopContent),
        relapse=load_toml(folder / RELAPSE_FILE, RelapseContent),
        coping=load_toml(folder / COPING_FILE, CopingContent),
        support=load_toml(folder / SUPPORT_FILE, Page),
        guides=load_toml(folder / GUIDES_FILE, GuidesContent),
    )
