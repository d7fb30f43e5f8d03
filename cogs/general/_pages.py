"""The pages of ``/help``, generated from the command tree so they cannot go stale.

The first page leads with the five commands most members need (``FIRST``); the rest is one tap
away, a section for each audience the person may see ("More for members", "Staff tools",
"Admin tools"). A section longer than one page is split into as many pages as it needs
(``LINES_PER_PAGE`` lines, and never past an embed description's 4,096 characters), so no page
can pass Discord's limits however many commands there are. Every page starts with the crisis
line. Commands are clickable mentions (``</setup show:ID>``) when their ids are known, and
plain ``/name`` text otherwise. Pure functions: no interaction, no storage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import discord

from bot import limits
from bot.i18n import ENGLISH
from bot.i18n.commands import command_text
from bot.i18n.messages import say
from bot.ui import CALM, embed, shorten
from cogs.general._audience import AnyCommand, Audience, Viewer, audience_of, server_only

Section = Literal["start", "member", "staff", "admin"]
SECTIONS: tuple[Section, ...] = ("start", "member", "staff", "admin")

AUDIENCE_OF_SECTION: dict[Section, Audience] = {
    "start": "member",
    "member": "member",
    "staff": "staff",
    "admin": "admin",
}

LABELS: dict[Section, str] = {
    section: say(ENGLISH, f"help.label.{section}") for section in SECTIONS
}
"""The page's title, and its button's label (in English; ``label`` for a language)."""


def label(section: Section, language: str = ENGLISH) -> str:
    return say(language, f"help.label.{section}")


def intro(section: Section, language: str = ENGLISH) -> str:
    return say(language, f"help.intro.{section}")


FIRST: tuple[str, ...] = ("crisis", "consult", "levels", "coping", "checkin")
"""What most members need first, in this order, on the first page."""

LINES_PER_PAGE = 15
"""Commands on one page: short enough to read on a phone."""

START_TITLE = say(ENGLISH, "help.title")
ABOUT = say(ENGLISH, "help.about")
"""The start page's words (in English); ``bot.i18n.messages`` has every language's."""


def mention(qualified_name: str, ids: Mapping[str, int]) -> str:
    """A clickable ``</name:id>`` (``</group sub:id>``: the id is the top-level command's), or
    ``/name`` as code while the id is unknown."""
    command_id = ids.get(qualified_name.split(" ", 1)[0])
    return f"</{qualified_name}:{command_id}>" if command_id else f"`/{qualified_name}`"


def crisis_line(ids: Mapping[str, int], language: str = ENGLISH) -> str:
    return say(language, "help.danger", crisis=mention("crisis", ids))


def _line(command: AnyCommand, ids: Mapping[str, int], viewer: Viewer, language: str) -> str:
    where = say(language, "help.in_server") if not viewer.in_server and server_only(command) else ""
    described = command_text(language, command.description)
    text = f"{mention(command.qualified_name, ids)} {described}{where}"
    return shorten(text, limits.EMBED_DESCRIPTION // 2)


def section_commands(commands: Iterable[AnyCommand], section: Section) -> list[AnyCommand]:
    """The commands a section lists, sorted by name (the first page: ``FIRST``, in order)."""
    by_name = {command.qualified_name: command for command in commands}
    if section == "start":
        return [by_name[name] for name in FIRST if name in by_name]
    audience = AUDIENCE_OF_SECTION[section]
    return [
        command
        for name, command in sorted(by_name.items())
        if audience_of(command) == audience and not (section == "member" and name in FIRST)
    ]


def sections_for(commands: Sequence[AnyCommand], viewer: Viewer) -> list[Section]:
    """The sections this person may open here, each with something to list."""
    return [
        section
        for section in SECTIONS
        if viewer.may_see(AUDIENCE_OF_SECTION[section])
        and (section == "start" or section_commands(commands, section))
    ]


def split(lines: Sequence[str], room: int) -> list[list[str]]:
    """``lines`` in pages of at most ``LINES_PER_PAGE`` lines and ``room`` characters each
    (joined by newlines); always at least one page."""
    pages: list[list[str]] = [[]]
    used = 0
    for line in lines:
        page = pages[-1]
        if page and (len(page) >= LINES_PER_PAGE or used + 1 + len(line) > room):
            pages.append([])
            page, used = pages[-1], 0
        used += len(line) + (1 if page else 0)
        page.append(line)
    return pages


@dataclass(frozen=True)
class Page:
    """One page of a section: its embed, and where it is among the section's pages."""

    embed: discord.Embed
    section: Section
    index: int
    count: int
    language: str = ENGLISH


def _start_page(
    commands: Sequence[AnyCommand], ids: Mapping[str, int], viewer: Viewer, language: str
) -> Page:
    lines = (_line(c, ids, viewer, language) for c in section_commands(commands, "start"))
    first = "\n".join(lines)
    start_here = f"{say(language, 'help.start_here')}\n{first}" if first else ""
    parts = [crisis_line(ids, language), say(language, "help.about"), start_here]
    parts.append(say(language, "help.more"))
    if not viewer.in_server:
        parts.append(say(language, "help.dm_note"))
    description = "\n\n".join(part for part in parts if part)
    title = say(language, "help.title")
    page = embed(title, description, colour=CALM, language=language)
    return Page(page, "start", 0, 1, language)


def help_page(
    commands: Sequence[AnyCommand],
    section: Section,
    index: int,
    *,
    ids: Mapping[str, int],
    viewer: Viewer,
    language: str = ENGLISH,
) -> Page:
    """Page ``index`` (0 or more; past the end: the last) of ``section`` as ``viewer`` sees it.

    The caller checks the person may see the section (``_audience.require_audience``)."""
    if section == "start":
        return _start_page(commands, ids, viewer, language)
    header = f"{crisis_line(ids, language)}\n{intro(section, language)}"
    lines = [_line(c, ids, viewer, language) for c in section_commands(commands, section)]
    pages = split(lines, limits.EMBED_DESCRIPTION - len(header) - 2)
    index = min(index, len(pages) - 1)
    body = "\n".join(pages[index]) or say(language, "help.nothing")
    title = label(section, language)
    if len(pages) > 1:
        title = say(language, "help.page", title=title, number=index + 1, count=len(pages))
    result = embed(title, f"{header}\n\n{body}", colour=CALM, language=language)
    return Page(result, section, index, len(pages), language)
