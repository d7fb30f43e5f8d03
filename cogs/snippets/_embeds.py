"""What the saved replies' commands show: pure functions of domain values."""

from __future__ import annotations

import discord

from bot.snippets import MAX_SNIPPETS, PLACEHOLDER_HELP, Snippet, SnippetPage
from bot.ui import QUIET, add_field, embed, escape

PAGE_SIZE = 10
PREVIEW = 80
"""The most of a text's first line ``/snippet list`` shows."""


def placeholder_lines() -> str:
    """Each placeholder and what it becomes, one a line."""
    return "\n".join(f"`{{{p.value}}}` {help}" for p, help in PLACEHOLDER_HELP.items())


def list_embed(found: SnippetPage) -> discord.Embed:
    """One page of ``/snippet list``: each name and the start of its text."""
    if not found.snippets:
        result = embed(
            "Saved replies",
            "This server has no saved replies yet. A staff lead can add one with "
            "`/snippet add`; staff then send it in a request's thread with `/ticket reply`.",
            colour=QUIET,
        )
        return result
    lines = [f"`{s.name}` {escape(s.preview, PREVIEW)}" for s in found.snippets]
    result = embed(
        f"Saved replies ({found.total} of {MAX_SNIPPETS})",
        "\n".join(lines),
        colour=QUIET,
    )
    add_field(result, "Placeholders, filled in when sent", placeholder_lines())
    if found.pages > 1:
        result.set_footer(text=f"Page {found.page + 1} of {found.pages}")
    return result


def text_embed(title: str, snippet: Snippet) -> discord.Embed:
    """A saved reply's whole text, as written (placeholders unfilled)."""
    return embed(title, snippet.body, colour=QUIET)


def added_reply(snippet: Snippet) -> str:
    return (
        f"Saved the reply `{snippet.name}`. Staff can send it in a request's thread with "
        f"`/ticket reply snippet:{snippet.name}`."
    )


def edited_reply(snippet: Snippet, old_name: str) -> str:
    renamed = f" (it was `{old_name}`)" if old_name != snippet.name else ""
    return f"Changed the saved reply `{snippet.name}`{renamed}."


def removed_reply(snippet: Snippet) -> str:
    return (
        f"Removed the saved reply `{snippet.name}`. Its text is below, in case you want it "
        "back (`/snippet add`)."
    )


def sent_reply(snippet: Snippet) -> str:
    return f"Sent `{snippet.name}` in this thread."
