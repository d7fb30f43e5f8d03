"""What the privacy commands show: the notice, a member's data, what was erased."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import discord

from bot import limits
from bot.privacy import REGISTRY, ErasureReport, Kind, PrivacyNotice, Source, is_empty, parse_time
from bot.ui import CALM, QUIET, add_field, embed, escape, shorten

log = logging.getLogger(__name__)

LINES_PER_SOURCE = 5
_SOURCES: Mapping[str, Source] = {source.table: source for source in REGISTRY}


def render_notice(notice: PrivacyNotice, retention_days: int) -> discord.Embed:
    result = embed(notice.title, notice.intro, colour=CALM)
    for name, text in notice.sections_for(retention_days):
        add_field(result, name, text)
    return result


def _scope_words(guild_id: str | None) -> str:
    return "in this server" if guild_id is not None else "in any server"


def _show_value(source: Source, name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    column = source.column(name)
    kind = getattr(column, "kind", Kind.SNOWFLAKE)
    if kind is Kind.SECRET:
        return f"“{escape(str(value), 80)}”"
    if kind is Kind.TIME:
        when = parse_time(value)
        return discord.utils.format_dt(when, "d") if when else None
    if kind is Kind.FLAG:
        return f"{column.label.lower()}: {'yes' if value else 'no'}"
    if kind is Kind.SNOWFLAKE:
        return None
    if name == "number":
        return f"#{value}"
    if kind is Kind.NUMBER:
        return f"{column.label.lower()} {value}"
    return escape(str(value).replace("_", " "), 40)


def _record_line(source: Source, record: Mapping[str, Any]) -> str:
    parts = [_show_value(source, name, record.get(name)) for name in source.brief]
    return " · ".join(part for part in parts if part) or "saved"


def render_mydata(collected: Mapping[str, Any]) -> discord.Embed:
    """What ``collect`` found, within Discord's limits; the export has everything."""
    scope = _scope_words(collected["server_id"])
    if is_empty(collected):
        return embed(
            "Your data",
            f"I don't store anything about you {scope}. If you use `/consult`, `/checkin` or "
            "`/milestone` later, `/mydata` will show it here.",
            colour=QUIET,
        )
    result = embed(
        "Your data",
        f"Everything I store about you {scope}. Only you can see this message. "
        "Times are in your own time zone.",
        colour=CALM,
    )
    budget = limits.EMBED_TOTAL - len(result.description or "") - 600  # title, footer, last field
    for table, found in collected["data"].items():
        source = _SOURCES.get(table)
        if source is None:
            continue
        records: list[Mapping[str, Any]] = found["records"]
        lines: list[str] = []
        if records and source.brief:
            lines = [_record_line(source, record) for record in records[-LINES_PER_SOURCE:]]
            if len(records) > LINES_PER_SOURCE:
                lines.insert(0, f"…{len(records) - LINES_PER_SOURCE} earlier, latest:")
        elif records:
            lines = [f"{len(records)} saved"]
        mentions = found.get("mentions", [])
        if mentions:
            lines.append(f"You appear as staff on {len(mentions)}.")
        name = f"{found['title']} ({len(records)})" if records else found["title"]
        value = shorten("\n".join(lines), limits.EMBED_FIELD_VALUE)
        if len(name) + len(value) > budget:
            add_field(result, "More", "There is more than fits here: `/mydata export` has it all.")
            break
        budget -= len(name) + len(value)
        add_field(result, name, value)
    withheld = [item for item in collected["manifest"]["withheld"] if "records" in item]
    if withheld:
        add_field(
            result,
            "Not shown",
            "\n".join(
                f"{item['title']} ({item['records']}): {item['reason']}" for item in withheld
            ),
        )
    add_field(
        result,
        "What you can do",
        "`/mydata export` downloads all of it as a file. `/mydata delete` deletes it. "
        "`/privacy` explains what is kept and for how long.",
    )
    return result


def not_known_here(mention: str) -> str:
    """Why ``/admin forget`` refuses someone the server has no record of."""
    return (
        f"I have no record of {mention} in this server: they are not a member now, and "
        "nothing I store from this server is about them, so there is nothing here to erase. "
        "If they want their data deleted, they can use `/mydata delete` themselves."
    )


def render_erased(report: ErasureReport, scope: str, *, who: str) -> str:
    if report.total == 0:
        return f"There was nothing stored about {who} {scope}, so nothing needed deleting."
    parts = [f"Done. I deleted everything stored about {who} {scope}"]
    if report.anonymised:
        parts.append(", and removed their id from records they only handled as staff")
    text = "".join(parts) + "."
    if report.open_items:
        text += " An open request was closed, and staff were told."
    return text
