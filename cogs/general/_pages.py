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
    "start": "Start",
    "member": "More for members",
    "staff": "Staff tools",
    "admin": "Admin tools",
}
"""The page's title, and its button's label."""

INTROS: dict[Section, str] = {
    "member": "Everything else you can use here. Tap a command to start it.",
    "staff": "For the server's staff and consultants. Tap a command to start it.",
    "admin": "For the people who run this server (Manage Server).",
}

FIRST: tuple[str, ...] = ("crisis", "consult", "levels", "coping", "checkin")
"""What most members need first, in this order, on the first page."""

LINES_PER_PAGE = 15
"""Commands on one page: short enough to read on a phone."""

START_TITLE = "How this bot can help"
ABOUT = (
    "This server is a free peer support group. I can explain levels of care, share coping "
    "ideas, point you and your family to treatment and peer groups, connect you with a "
    "consultant, and show crisis resources any time."
)
IN_THE_SERVER = " *(in the server)*"
DM_NOTE = "Staff and admin tools are listed inside the server: use `/help` there."


def mention(qualified_name: str, ids: Mapping[str, int]) -> str:
    """A clickable ``</name:id>`` (``</group sub:id>``: the id is the top-level command's), or
    ``/name`` as code while the id is unknown."""
    command_id = ids.get(qualified_name.split(" ", 1)[0])
    return f"</{qualified_name}:{command_id}>" if command_id else f"`/{qualified_name}`"


def crisis_line(ids: Mapping[str, int]) -> str:
    return f"**If you are in danger right now, use {mention('crisis', ids)}.**"


def _line(command: AnyCommand, ids: Mapping[str, int], viewer: Viewer) -> str:
    where = IN_THE_SERVER if not viewer.in_server and server_only(command) else ""
    text = f"{mention(command.qualified_name, ids)} {command.description}{where}"
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


def _start_page(commands: Sequence[AnyCommand], ids: Mapping[str, int], viewer: Viewer) -> Page:
    first = "\n".join(_line(c, ids, viewer) for c in section_commands(commands, "start"))
    more = "The buttons below show everything else you can use here."
    parts = [crisis_line(ids), ABOUT, f"**Start here**\n{first}" if first else "", more]
    if not viewer.in_server:
        parts.append(DM_NOTE)
    description = "\n\n".join(part for part in parts if part)
    return Page(embed(START_TITLE, description, colour=CALM), "start", 0, 1)


def help_page(
    commands: Sequence[AnyCommand],
    section: Section,
    index: int,
    *,
    ids: Mapping[str, int],
    viewer: Viewer,
) -> Page:
    """Page ``index`` (0 or more; past the end: the last) of ``section`` as ``viewer`` sees it.

    The caller checks the person may see the section (``_audience.require_audience``)."""
    if section == "start":
        return _start_page(commands, ids, viewer)
    header = f"{crisis_line(ids)}\n{INTROS[section]}"
    lines = [_line(c, ids, viewer) for c in section_commands(commands, section)]
    pages = split(lines, limits.EMBED_DESCRIPTION - len(header) - 2)
    index = min(index, len(pages) - 1)
    body = "\n".join(pages[index]) or "Nothing here yet."
    title = LABELS[section]
    if len(pages) > 1:
        title += f" ({index + 1} of {len(pages)})"
    return Page(embed(title, f"{header}\n\n{body}", colour=CALM), section, index, len(pages))
