"""The registry: every table that holds a member's Discord id, with every column.

See ``bot.privacy`` for what is built on it and how to add a table.

This module never imports discord.
"""

from __future__ import annotations

from typing import Any

# Re-exported: callers name them from here, as before they moved to ``bot.privacy.model``.
from bot.privacy.model import ERASED_ID as ERASED_ID
from bot.privacy.model import Column as Column
from bot.privacy.model import Kind as Kind
from bot.privacy.model import MemberColumn as MemberColumn
from bot.privacy.model import NotCollected as NotCollected
from bot.privacy.model import OnErase as OnErase
from bot.privacy.model import OpenItems as OpenItems
from bot.privacy.model import Retention as Retention
from bot.privacy.model import Source as Source
from bot.privacy.model import member_keyed as member_keyed
from bot.privacy.personal import CHECKIN_OUTREACH as CHECKIN_OUTREACH
from bot.privacy.personal import CONSULT_DM_LINKS as CONSULT_DM_LINKS
from bot.privacy.personal import MEETING_DM_OPTINS as MEETING_DM_OPTINS
from bot.privacy.personal import SAFETY_PLANS as SAFETY_PLANS
from bot.privacy.unlisted import NO_MEMBER_DATA as NO_MEMBER_DATA
from bot.privacy.unlisted import NOT_COLLECTED as NOT_COLLECTED

# Mutation testing (CONTRIBUTING.md): SQL keywords and names, sqlite3.Row keys and codec names
# ignore case, so a mutant that only changes the case of SQL text, a row key ("known",
# "rid", "guild") or "utf-8"/"ascii" is equivalent. The other equivalent ones are marked below.


# --------------------------------------------------------------------------------------------
# The registry. Times in 0003 are unix seconds; in 0004 ISO 8601 text; both are UTC.

_STAFF_ONLY = "Staff-only notes on a request, written so staff can speak freely to each other."

CONSULTATION_NOTES = Source(
    table="consultation_notes",
    title="Staff notes on your requests",
    purpose="Private notes staff write to each other while helping with a request.",
    who_can_see="Staff of that server only.",
    member_columns=(
        MemberColumn("author_id", "Staff member who wrote the note", OnErase.ANONYMISE),
    ),
    columns=(
        Column("id", "Note id", Kind.NUMBER),
        Column("consultation_id", "Request id", Kind.NUMBER),
        Column("body", "Note", Kind.SECRET),
        Column("created_at", "Written", Kind.TIME),
    ),
    retention=Retention(
        "Deleted {days} days after the request is closed or cancelled.",
        timestamp=(
            "(SELECT c.closed_at FROM consultations c "
            "WHERE c.id = consultation_notes.consultation_id)"
        ),
    ),
    guild_filter="consultation_id IN (SELECT id FROM consultations WHERE guild_id = :guild)",
    owned_via="consultation_id IN (SELECT id FROM consultations WHERE member_id = :member)",
    withheld=_STAFF_ONLY + " They are deleted with your request.",
    actor_view=("consultation_id", "created_at"),
)

CONSULTATION_EVENTS = Source(
    table="consultation_events",
    title="History of your requests",
    purpose="When each request was opened, claimed, released, transferred and closed.",
    who_can_see="Staff of that server (for /queue stats) and you.",
    member_columns=(MemberColumn("actor_id", "Who did it", OnErase.ANONYMISE),),
    columns=(
        Column("id", "Event id", Kind.NUMBER),
        Column("consultation_id", "Request id", Kind.NUMBER),
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("kind", "What happened"),
        Column("at", "When", Kind.TIME),
    ),
    retention=Retention("Kept with the request until you delete your data."),
    owned_via="consultation_id IN (SELECT id FROM consultations WHERE member_id = :member)",
    actor_view=("consultation_id", "guild_id", "kind", "at"),
)

CONSULTATION_ANSWERS = Source(
    table="consultation_answers",
    title="Your answers to a request's questions",
    purpose=(
        "A kind of consultation can ask its own questions when you ask for help: your answers "
        "go to its staff with the request, with each question as you were asked it."
    ),
    who_can_see=(
        "Staff of that server: shown on the staff queue card and in the private thread of "
        "the request."
    ),
    member_columns=(MemberColumn("member_id", "Member who answered", OnErase.DELETE_ROW),),
    columns=(
        Column("id", "Answer id", Kind.NUMBER),
        Column("consultation_id", "Request id", Kind.NUMBER),
        Column("question_id", "Question id (empty: the question was removed since)", Kind.NUMBER),
        Column("position", "Question number on the form", Kind.NUMBER),
        Column("label", "The question you were asked"),
        Column("answer", "Your answer", Kind.SECRET),
    ),
    retention=Retention(
        "Deleted {days} days after the request is closed or cancelled, and with the request.",
        timestamp=(
            "(SELECT c.closed_at FROM consultations c "
            "WHERE c.id = consultation_answers.consultation_id)"
        ),
    ),
    guild_filter="consultation_id IN (SELECT id FROM consultations WHERE guild_id = :guild)",
    owned_via="consultation_id IN (SELECT id FROM consultations WHERE member_id = :member)",
    brief=("consultation_id", "label", "answer"),
)

CONSULT_FOLLOW_UPS = Source(
    table="consult_follow_ups",
    title="Check-ins a consultant booked with you",
    purpose=(
        "When a consultant books a follow-up with you (/ticket follow-up): so the bot can open "
        "your conversation again at that time and tell you both."
    ),
    who_can_see=(
        "You (in your private thread and /consult-status) and staff of that server (/queue "
        "list; the consultant's /queue follow-ups)."
    ),
    member_columns=(
        MemberColumn("member_id", "Member the check-in is with", OnErase.DELETE_ROW),
        MemberColumn("staff_id", "Staff member who booked it", OnErase.ANONYMISE),
        MemberColumn("cancelled_by", "Who cancelled it", OnErase.ANONYMISE),
    ),
    columns=(
        Column("id", "Check-in id", Kind.NUMBER),
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("consultation_id", "Request it was booked on", Kind.NUMBER),
        Column("due_at", "When", Kind.TIME),
        Column("timezone", "Time zone the time was given in"),
        Column(
            "note",
            "The consultant's note",
            Kind.SECRET,
            withheld=(
                "Written by the consultant for themselves, like staff notes on a request; it is "
                "deleted with the check-in."
            ),
        ),
        Column("state", "Status (booked, fired, done or cancelled)"),
        Column("created_at", "Booked", Kind.TIME),
        Column("fired_at", "Came round", Kind.TIME),
        Column("outcome", "What happened then"),
        Column("request_id", "Request it opened or was posted in", Kind.NUMBER),
        Column("finished_at", "Done or cancelled", Kind.TIME),
    ),
    retention=Retention(
        "Deleted {days} days after it came round or was cancelled, and with your request.",
        timestamp="finished_at",
        where="state IN ('done', 'cancelled')",
    ),
    actor_view=("guild_id", "due_at", "state"),
    brief=("due_at", "state"),
)

CONSULTATION_FEEDBACK = Source(
    table="consultation_feedback",
    title="Your feedback on a conversation",
    purpose=(
        'After a conversation with a consultant ends, you are asked once "How did this go?": '
        "your rating (1-5) and your optional comment help the staff leads look after the "
        "support the group gives."
    ),
    who_can_see=(
        "The server's staff leads (Manage Server) see your rating and comment; your "
        "consultant sees your comment only if you chose so. Other staff see only averages "
        "without names."
    ),
    member_columns=(
        MemberColumn("member_id", "Member who was asked", OnErase.DELETE_ROW),
        MemberColumn("staff_id", "Staff member who was with the member", OnErase.ANONYMISE),
    ),
    columns=(
        Column("consultation_id", "Request id", Kind.NUMBER),
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("asked_at", "Asked", Kind.TIME),
        Column("rating", "Your rating (1-5; empty: not answered)", Kind.NUMBER),
        Column("rated_at", "Rated", Kind.TIME),
        Column("comment", "Your comment", Kind.SECRET),
        Column("audience", "Who may read your comment (consultant: them and the leads)"),
        Column("commented_at", "Comment written", Kind.TIME),
    ),
    retention=Retention(
        "Your comment is deleted {days} days after you wrote it; the rating is kept, for the "
        "group's averages, until you delete your data, and goes with the request.",
        timestamp="commented_at",
        where="comment IS NOT NULL",
        clear=("comment",),
    ),
    owned_via="consultation_id IN (SELECT id FROM consultations WHERE member_id = :member)",
    actor_view=("consultation_id", "guild_id", "rating", "rated_at"),
    brief=("consultation_id", "rating", "comment"),
)

CONSULTATIONS = Source(
    table="consultations",
    title="Your requests to talk to a consultant",
    purpose="To get your request to staff, keep your place in the queue and follow it up.",
    who_can_see=(
        "Staff of that server. Your note is shown on the staff queue card; the private thread "
        "is between you and the staff member who claimed it."
    ),
    member_columns=(
        MemberColumn("member_id", "Member who asked", OnErase.DELETE_ROW),
        MemberColumn("claimed_by", "Staff member who claimed it", OnErase.ANONYMISE),
        MemberColumn("closed_by", "Who closed it", OnErase.ANONYMISE),
    ),
    columns=(
        Column("id", "Request id", Kind.NUMBER),
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("number", "Request number", Kind.NUMBER),
        Column("topic", "Topic"),
        Column("urgency", "How urgent"),
        Column("priority", "Queue priority (0 is most urgent)", Kind.NUMBER),
        Column("status", "Status"),
        Column("note", "Your note", Kind.SECRET),
        Column("preferred_time", "Preferred time", Kind.SECRET),
        Column("created_at", "Asked", Kind.TIME),
        Column("claimed_at", "Claimed", Kind.TIME),
        Column("first_claimed_at", "First claimed", Kind.TIME),
        Column("thread_id", "Private thread", Kind.SNOWFLAKE),
        Column("card_channel_id", "Staff queue channel", Kind.SNOWFLAKE),
        Column("card_message_id", "Staff queue card", Kind.SNOWFLAKE),
        Column(
            "opening_message_id",
            "The bot's first message in the private thread (0: none on record)",
            Kind.SNOWFLAKE,
        ),
        Column("type_id", "Kind of consultation (empty: the server's default)", Kind.NUMBER),
        Column("problem", "Delivery problem code"),
        Column("member_left_at", "You left the server", Kind.TIME),
        Column("last_reminded_at", "Staff last reminded", Kind.TIME),
        Column("closed_at", "Closed", Kind.TIME),
        Column("close_kind", "How it ended"),
        Column("close_reason", "Closing reason from staff", Kind.SECRET),
        Column(
            "outcome",
            "Outcome staff recorded for their own records (where the conversation led; not advice)",
        ),
        Column(
            "member_last_at", "Your last message in the private thread (the time only)", Kind.TIME
        ),
        Column(
            "staff_last_at", "Staff's last message in the private thread (the time only)", Kind.TIME
        ),
        Column("awaiting_staff_since", "Your message waiting for a staff reply since", Kind.TIME),
        Column("nudged_at", "The bot checked in while the conversation was quiet", Kind.TIME),
        Column(
            "on_hold_since", "Staff put it on hold (no check-in, no automatic close)", Kind.TIME
        ),
        Column("quiet_from", "A quiet conversation counted from (the end of a hold)", Kind.TIME),
        Column(
            "closed_by_bot", "Closed by the bot after no reply (no wait to ask again)", Kind.FLAG
        ),
    ),
    retention=Retention(
        "Notes, preferred time, closing reason and the times of the last messages in the "
        "private thread are deleted {days} days after the request is closed or cancelled; the "
        "request itself (topic, status, times) is kept for the queue's statistics until you "
        "delete your data.",
        timestamp="closed_at",
        where="status IN ('closed', 'cancelled')",
        clear=(
            "note",
            "preferred_time",
            "close_reason",
            "member_last_at",
            "staff_last_at",
            "awaiting_staff_since",
            "nudged_at",
        ),
    ),
    actor_view=("guild_id", "number", "status"),
    brief=("number", "status", "topic", "urgency", "created_at", "note"),
    open_items=OpenItems(
        where="status IN ('open', 'claimed')",
        thread_column="thread_id",
        channel_column="card_channel_id",
        message_column="card_message_id",
        number_column="number",
        opening_column="opening_message_id",
    ),
)

CONSULT_BLOCKS = Source(
    table="consult_blocks",
    title="A pause on your requests to talk to a consultant",
    purpose=(
        "When a server's staff leads pause your routine requests (/consult-block): so the bot "
        "knows, and can tell you until when. An urgent request always still reaches staff."
    ),
    who_can_see=(
        "The server's staff leads (Manage Server), with their reason; staff see on an urgent "
        "request's card that routine requests are paused."
    ),
    member_columns=(
        MemberColumn("member_id", "Member whose requests are paused", OnErase.DELETE_ROW),
        MemberColumn("blocked_by", "Staff lead who paused them", OnErase.ANONYMISE),
    ),
    columns=(
        Column("id", "Pause id", Kind.NUMBER),
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column(
            "reason",
            "Reason from the staff lead",
            Kind.SECRET,
            withheld=(
                "Written by staff leads for each other, like staff notes on a request. Ask a "
                "staff lead if you would like to talk about it; it is deleted with the pause."
            ),
        ),
        Column("created_at", "Paused", Kind.TIME),
        Column("expires_at", "Until (empty: until a staff lead lifts it)", Kind.TIME),
    ),
    retention=Retention(
        "Kept until a staff lead lifts it or you delete your data; a pause with an end date is "
        "deleted {days} days after it ended.",
        timestamp="expires_at",
        where="expires_at IS NOT NULL",
    ),
    actor_view=("guild_id", "created_at"),
    brief=("created_at", "expires_at"),
)

CHECKINS = Source(
    table="checkins",
    title="Your private check-ins",
    purpose="So you can look back at your mood and cravings with /checkin-history.",
    who_can_see="Only you. Staff cannot see them.",
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("id", "Check-in id", Kind.NUMBER),
        Column(
            "guild_id",
            "Server it was written in (empty: a DM, or before servers were kept)",
            Kind.SNOWFLAKE,
        ),
        Column("local_day", "Day"),
        Column("created_at", "Written", Kind.TIME),
        Column("mood", "Mood (1-5)", Kind.NUMBER),
        Column("craving", "Craving (0-10)", Kind.NUMBER),
        Column("note", "Your note", Kind.SECRET),
    ),
    retention=Retention(
        "Kept until you delete them. Your own /mydata delete, in any server or a DM, deletes "
        "all of them; a server's admins can erase only the ones written in their server."
    ),
    personal=True,
    brief=("local_day", "mood", "craving", "note"),
)

MILESTONES = Source(
    table="milestones",
    title="Your milestone",
    purpose="To count your days and, only if you opted in, celebrate milestones.",
    who_can_see="Only you, unless you share it or turn on celebrations.",
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("start_date", "Start date"),
        Column("timezone", "Time zone"),
        Column("label", "Label", Kind.SECRET),
        Column("celebrate", "Celebrate in the server", Kind.FLAG),
        Column("celebrated_through", "Last milestone celebrated (days)", Kind.NUMBER),
        Column("updated_at", "Last changed", Kind.TIME),
    ),
    retention=Retention("Kept until you reset it or delete your data."),
    brief=("start_date", "label", "celebrate"),
)

CRISIS_MATCHES = Source(
    table="crisis_matches",
    title="Safety-net alerts",
    purpose=(
        "When the opt-in safety net noticed words that may mean someone is in danger: so "
        "staff can check in, and so you get at most one reply every 10 minutes. Never any "
        "of the message itself."
    ),
    who_can_see="Staff of that server see an alert with a link to the message.",
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("id", "Alert id", Kind.NUMBER),
        Column("guild_id", "Server (empty for a DM)", Kind.SNOWFLAKE),
        Column("channel_id", "Channel", Kind.SNOWFLAKE),
        Column("message_id", "Message", Kind.SNOWFLAKE),
        Column("category", "Kind of words noticed"),
        Column("level", "How urgent it seemed (concern or high)"),
        Column("matched_at", "When", Kind.TIME),
        Column("replied", "The bot replied", Kind.FLAG),
        Column("alerted", "Staff were alerted", Kind.FLAG),
    ),
    retention=Retention("Deleted {days} days after the alert.", timestamp="matched_at"),
    brief=("matched_at", "category", "level"),
)

ONCALL = Source(
    table="oncall",
    title="When you are on call (staff)",
    purpose="So new requests ping the staff who are on call, and /oncall status can list them.",
    who_can_see="Staff of that server (with /oncall status and on the queue cards).",
    member_columns=(MemberColumn("staff_id", "Staff member on call", OnErase.DELETE_ROW),),
    columns=(
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("since", "On call since", Kind.TIME),
    ),
    retention=Retention(
        "Deleted when you go off call (/oncall off), leave the server or delete your data."
    ),
    brief=("since",),
)

MEMBER_SETTINGS = Source(
    table="member_settings",
    title="Your crisis-line country and language",
    purpose=(
        "When you ask /crisis to remember a country: so /crisis, and the crisis lines on pages "
        "only you see, show that country's lines first. When you choose a language with "
        "/language, and the language of your Discord app at your last command: so replies, and "
        "messages the bot sends you on its own, are in your language. Only codes are kept."
    ),
    who_can_see=(
        "Only you. In channels and private threads the bot shows the server's country instead, "
        "so nobody learns yours."
    ),
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("crisis_region", "Country whose crisis lines you see first (a code)"),
        Column("language", "Language you chose with /language (a code)"),
        Column("last_locale", "Language of your Discord app at your last command (a code)"),
    ),
    retention=Retention(
        "Kept until you choose forget in /crisis or /language, or delete your data."
    ),
    guild_filter=None,
    brief=("crisis_region", "language"),
)

REGISTRY: tuple[Source, ...] = (
    CONSULTATION_NOTES,
    CONSULTATION_EVENTS,
    CONSULTATION_ANSWERS,
    CONSULT_FOLLOW_UPS,
    CONSULTATION_FEEDBACK,
    CONSULT_DM_LINKS,
    CONSULTATIONS,
    CONSULT_BLOCKS,
    CHECKINS,
    CHECKIN_OUTREACH,
    SAFETY_PLANS,
    MILESTONES,
    MEETING_DM_OPTINS,
    CRISIS_MATCHES,
    ONCALL,
    MEMBER_SETTINGS,
)
"""Every table that holds a member id. Children come before the parents they are owned via."""


def _params(member_id: int, guild_id: int | None) -> dict[str, Any]:
    return {"member": member_id, "guild": guild_id, "erased": ERASED_ID}
