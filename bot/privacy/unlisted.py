"""What the registry does not list, and why: tables with no member id, and what the bot never
collects (re-exported by ``bot.privacy.registry``). This module never imports discord.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.privacy.model import NotCollected

NO_MEMBER_DATA: Mapping[str, str] = {
    "bot_state": "The bot's own settings and job times; nothing about members.",
    "guild_config": "Each server's setup: channel and role ids, no member ids.",
    "consult_types": (
        "Each server's kinds of consultation: names, descriptions, role and channel ids; "
        "no member ids."
    ),
    "consult_forms": "Which kinds of consultation ask their own questions; no member ids.",
    "consult_questions": (
        "Each kind of consultation's own questions, as the server's admins wrote them; no "
        "member ids."
    ),
    "consultation_counters": "The last request number per server.",
    "consult_type_hours": "Each consultation type's working hours, zone and mode; role ids.",
    "consult_closures": "Each server's closed periods (holidays) and their message.",
    "consult_holds": (
        "Which waiting requests are held until opening time (request ids and times only); "
        "deleted with the request."
    ),
    "meeting_reminders": "Which scheduled meetings already got their reminder.",
    "snippets": (
        "Each server's saved replies (/snippet): staff content, names and texts its staff "
        "leads wrote for staff to send; no member's words and no member id, not even the "
        "author's."
    ),
    "privacy_audit": (
        "A record that a deletion was carried out, with a one-way code instead of any id."
    ),
}
"""Tables that hold no member id, and why; the registry test checks every table is in one."""

NOT_COLLECTED: tuple[NotCollected, ...] = (
    NotCollected(
        "discord_messages",
        "Messages in channels and private threads",
        "Discord stores these, not this bot. You can delete your own messages in Discord, and "
        "request your Discord data in Discord's Privacy settings.",
    ),
    NotCollected(
        "logs",
        "The bot's logs",
        "They hold ids and event names only, never anything you wrote, and are kept by the "
        "server's admins for running the bot.",
    ),
    NotCollected(
        "privacy_audit",
        "Record of deletions",
        "When data is deleted, the bot keeps the date and a one-way code instead of your id, "
        "to show the request was carried out. It cannot be turned back into your id.",
    ),
)
