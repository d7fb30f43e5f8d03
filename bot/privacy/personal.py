"""Sources only the member's own features read: their safety plan, check-in outreach and
meeting reminders by DM; and the link of a request opened by DM to that DM.

``bot.privacy.registry`` lists them in ``REGISTRY`` and re-exports them (kept here so that
module stays under 500 lines).

This module never imports discord.
"""

from __future__ import annotations

from bot.privacy.model import Column, Kind, MemberColumn, OnErase, Retention, Source

SAFETY_PLANS = Source(
    table="safety_plans",
    title="Your safety plan",
    purpose=(
        "So /safety-plan show can bring back the plan you wrote for a hard moment, in one tap."
    ),
    who_can_see="Only you. Staff cannot see it.",
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("warning_signs", "My warning signs", Kind.SECRET),
        Column("coping", "Things I can do on my own", Kind.SECRET),
        Column("distractions", "People and places that take my mind off it", Kind.SECRET),
        Column("helpers", "People I can ask for help", Kind.SECRET),
        Column("professionals", "Professionals and lines I can contact", Kind.SECRET),
        Column("environment", "Making my surroundings safer", Kind.SECRET),
        Column("reasons", "My reasons", Kind.SECRET),
        Column("updated_at", "Last changed", Kind.TIME),
    ),
    retention=Retention(
        "Kept until you delete it (/safety-plan delete) or delete your data. It belongs to no "
        "server, so a server's admins cannot erase it."
    ),
    guild_filter=None,
    brief=("updated_at",),
)


CHECKIN_OUTREACH = Source(
    table="checkin_outreach",
    title="Check-in outreach",
    purpose=(
        "You turned on /checkin-outreach: after three low check-ins in a row you get one "
        "private message with support, and, if you chose it, that server's staff are told you "
        "asked them to check in (never your check-ins)."
    ),
    who_can_see="Only the bot uses it.",
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column(
            "staff_guild_id", "Server whose staff may be told (empty: only you)", Kind.SNOWFLAKE
        ),
        Column("created_at", "Turned on", Kind.TIME),
        Column("last_checkin_id", "Check-in that last brought a message", Kind.NUMBER),
    ),
    retention=Retention("Kept until you turn it off (/checkin-outreach off) or delete your data."),
    guild_filter="staff_guild_id = :guild",
    personal=True,
    brief=("staff_guild_id", "created_at"),
)


MEETING_DM_OPTINS = Source(
    table="meeting_dm_optins",
    title="Meeting reminders by DM",
    purpose="To send you a DM before meetings you marked as interested.",
    who_can_see="Only the bot uses it.",
    member_columns=(MemberColumn("user_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("guild_id", "Server", Kind.SNOWFLAKE),
        Column("created_at", "Turned on", Kind.TIME),
    ),
    retention=Retention("Kept until you turn reminders off or delete your data."),
    brief=("created_at",),
)


CONSULT_DM_LINKS = Source(
    table="consult_dm_links",
    title="Requests you opened by DM",
    purpose=(
        "When you message us privately (a DM with the bot): so your messages reach the staff "
        "helping you, and their answers reach you. Only ids and a time: never what either "
        "side wrote, which the bot passes on and forgets."
    ),
    who_can_see="Only the bot uses it. Staff see that a request came by DM.",
    member_columns=(MemberColumn("member_id", "Member", OnErase.DELETE_ROW),),
    columns=(
        Column("consultation_id", "Request id", Kind.NUMBER),
        Column("dm_channel_id", "Your DM with the bot", Kind.SNOWFLAKE),
        Column("created_at", "Opened", Kind.TIME),
        Column("pseudonymous", "Your name kept from the consultant", Kind.FLAG),
        Column("last_relayed_id", "Your last message passed on (its id only)", Kind.SNOWFLAKE),
    ),
    retention=Retention(
        "Deleted {days} days after the request is closed or cancelled, and with the request.",
        timestamp=(
            "(SELECT c.closed_at FROM consultations c "
            "WHERE c.id = consult_dm_links.consultation_id)"
        ),
    ),
    guild_filter="consultation_id IN (SELECT id FROM consultations WHERE guild_id = :guild)",
    owned_via="consultation_id IN (SELECT id FROM consultations WHERE member_id = :member)",
    brief=("consultation_id", "created_at"),
)
