"""What a DM request says (issue 21): to the member in their DM, and to staff in its thread.

Pure functions of plain values. Every text a person typed is escaped here (``bot.ui.escape``)
after it passed the one boundary (``bot.consultations.RELAYED``); mentions are off where these
are sent.
"""

from __future__ import annotations

from bot import limits
from bot.consultations import RELAY_LIMIT, Consultation
from bot.crisis import REMINDER
from bot.ui import escape, shorten
from cogs.consult._embeds import opening_marker
from cogs.consult._who import member_ref

NO_SERVER = (
    "I couldn't find a server we share where our team takes private messages. You can use "
    "`/consult` in your server instead. If you need someone right now, the lines below are "
    "free and open any time."
)

NOT_SET_UP = (
    "Private messages to the team aren't set up in this server yet. If you need someone right "
    "now, the lines below are free and open any time."
)

CANT_DM = (
    "I couldn't send you a private message: your DMs may be closed to this server (Privacy "
    "Settings). You can use `/consult` here instead. If you need someone right now, the lines "
    "below are free and open any time."
)

SENT_TO_DM = "I've sent you a private message: you can go on there, only our team will see it."


def from_server(guild_name: str, question: str) -> str:
    return f"You asked to message the team of **{escape(guild_name, 100)}** privately. {question}"


PICK_SERVER = "Which group would you like to message? Only its team will see your request."
PICK_TYPE = "What would you like to talk about?"
PICK_URGENCY = "How soon would you like someone to answer?"

WAITING = (
    "No one from the team has picked up your request yet, so I couldn't pass this message on, "
    "and I don't keep it. Please send it again once a consultant says hello here. If you need "
    "someone right now, the lines below are free and open any time."
)

NOT_PASSED = (
    "I couldn't pass that message on just now, and I don't keep it: please try again in a "
    "moment. If you need someone right now, the lines below are free and open any time."
)

TOO_LONG = (
    f"That message is longer than I can pass on ({RELAY_LIMIT} characters at most), so it "
    "wasn't sent. Could you split it into shorter messages?"
)

ATTACHMENT_NOT_SENT = "Only text is passed on to the member for now: the attachment wasn't sent."

TOO_LONG_FOR_MEMBER = (
    f"⚠️ Not delivered: that message is longer than I pass on ({RELAY_LIMIT} characters at "
    "most). Could you split it?"
)

ATTACHMENTS_LEFT = "Only text is passed on for now: the attachment wasn't sent."


def confirmation(
    consultation: Consultation, guild_name: str, expected: str, line: str = REMINDER
) -> str:
    """To the member, once their DM request is saved."""
    return shorten(
        f"Thank you. Your request #{consultation.number} is with the team of "
        f"**{escape(guild_name, 100)}**. {expected}\n\n"
        "A consultant will answer you here, in this chat: you don't need to post anything in "
        "the server. Write here whenever you like; I pass your messages on to the team and "
        "keep nothing of them. Press **End conversation** when you're done."
        + (
            f"\n\nThe team sees you as **{consultation.alias}**, not by your name."
            if consultation.alias
            else ""
        )
        + "\n-# "
        + line,
        limits.MESSAGE_CONTENT,
    )


def already_open(consultation: Consultation, guild_name: str) -> str:
    where = (
        "here, in this chat"
        if consultation.by_dm
        else "in the server (use `/consult` there to see it)"
    )
    return (
        f"You already have request #{consultation.number} open with the team of "
        f"**{escape(guild_name, 100)}**: it goes on {where}."
    )


def claimed_dm(consultation: Consultation, guild_name: str) -> str:
    return (
        f"A consultant from **{escape(guild_name, 100)}** has picked up your request "
        f"#{consultation.number}. They will write to you here; you can write to them here too."
    )


def back_in_queue(consultation: Consultation) -> str:
    """To the member: the consultant with them can't go on (left, or lost the staff role)."""
    return (
        f"The consultant who was with you can't continue, so your request "
        f"#{consultation.number} is back in the queue in its place. Someone else will write to "
        "you here soon. If you need someone right now, `/crisis` lists free lines open any time."
    )


def from_consultant(guild_name: str, text: str) -> str:
    """A staff reply, as the member reads it."""
    return shorten(
        f"**Consultant ({escape(guild_name, 100)}):** {escape(text)}", limits.MESSAGE_CONTENT
    )


def from_member(consultation: Consultation, text: str) -> str:
    """A member's DM, as staff read it in the thread (under its alias, if it has one)."""
    return shorten(f"**{consultation.alias or 'Member'}:** {escape(text)}", limits.MESSAGE_CONTENT)


def edited(consultation: Consultation, text: str) -> str:
    """In the thread: the member edited a message they sent; its new text."""
    who = consultation.alias or "The member"
    return shorten(
        f"✏️ *{who} edited a message; it now reads:* {escape(text)}", limits.MESSAGE_CONTENT
    )


def deleted(consultation: Consultation) -> str:
    who = consultation.alias or "The member"
    return f"🗑️ *{who} deleted a message they had sent (I keep no messages, so I can't say which).*"


def sent_copy(staff_id: int, text: str) -> str:
    """In the thread: what a staff member sent the member with ``/reply``."""
    return shorten(f"**<@{staff_id}> → member:** {escape(text)}", limits.MESSAGE_CONTENT)


def undelivered(error_code: int | None) -> str:
    """In the thread (and to the sender): a reply that did not reach the member."""
    if error_code == 50007:
        return (
            "⚠️ Not delivered: the member's DMs are closed to me (they may have blocked the bot "
            "or turned off DMs from this server), so they did not get this reply. Nothing "
            "was sent; they can still write to the bot, or use `/consult` in the server."
        )
    return "⚠️ Not delivered: Discord refused the message just now. Please try `/reply` again."


def dm_opening(consultation: Consultation) -> str:
    """The first message in a DM request's staff thread (the member is not in it)."""
    note = (
        f"\n> {escape(consultation.note, 600).replace(chr(10), chr(10) + '> ')}"
        if consultation.note
        else ""
    )
    return shorten(
        f"<@{consultation.claimed_by}>, {opening_marker(consultation.number)}came **by DM** "
        f"from {member_ref(consultation)}.{note}\n\n"
        "The member is not in this thread and can't read it. Their messages appear here as "
        "**Member:**. Only what you send with `/reply` reaches them, by DM. Close it from the "
        "card when you're done.",
        limits.MESSAGE_CONTENT,
    )


def closed_dm(consultation: Consultation, guild_name: str, line: str = REMINDER) -> str:
    """To the member, when their DM request ends (either side closed it)."""
    return shorten(
        f"Your conversation with the team of **{escape(guild_name, 100)}** (request "
        f"#{consultation.number}) has ended. Thank you for reaching out. You can message us "
        "again any time.\n-# " + line,
        limits.MESSAGE_CONTENT,
    )


MEMBER_ENDED = "The member ended this conversation from their DM."
