"""The member's feedback after a conversation, on Discord: the 1-5 buttons sent with "How did
this go?", the "Add a comment" button and its form.

Persistent ``DynamicItem``s, namespaced ``feedback:``: ``feedback:rate:<request id>:<1-5>``
and ``feedback:comment:<request id>``; the form is ``feedback:form:<request id>``, answered
from the submitted interaction (``handle_feedback_form``), so everything works across a
restart. Every answer is checked again in the database (the member's own question, still
open, answered once); a malformed or unknown id is "out of date".
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any, ClassVar, Protocol, Self

import discord

from bot import limits
from bot.consultations import COMMENT_LIMIT, Ask, Audience, FeedbackClosedError, FeedbackService
from bot.errors import OutOfDateError, UserFacingError
from bot.ui import send_ephemeral, shorten
from cogs._components import (
    PersistentButton,
    StaleButton,
    defer,
    guarded,
    parse_id,
    stopped_view,
)
from cogs.consult import _close_render as render
from cogs.consult._forms import form_values

log = logging.getLogger(__name__)

FORM = "feedback:form:"
NOT_ASKED_OF_YOU = (
    "This question is for the member who had this conversation. Thank you for leaving it to them."
)


class FeedbackFlow(Protocol):
    @property
    def feedback(self) -> FeedbackService: ...

    def now(self) -> dt.datetime: ...


async def _own_open_ask(flow: FeedbackFlow, user_id: int, request_id: int | None) -> Ask:
    """The question, if it is this person's and still open (the checks are made again in the
    write); one indexed read, so a refusal is the direct reply."""
    ask = None if request_id is None else await flow.feedback.asked(request_id)
    if ask is None:
        raise OutOfDateError()
    if ask.member_id != user_id:
        raise UserFacingError(NOT_ASKED_OF_YOU)
    if not ask.is_open(flow.now()):
        log.info("feedback.expired id=%s", ask.request_id)
        raise FeedbackClosedError()
    return ask


class RateButton(PersistentButton, template=r"feedback:rate:(?P<id>[^:]*):(?P<rating>[^:]*)"):
    flow: ClassVar[FeedbackFlow]
    where = "button:feedback:rate"

    def __init__(self, request_id: int | None, rating: int | None) -> None:
        super().__init__(
            discord.ui.Button(
                label=str(rating),
                style=discord.ButtonStyle.secondary,
                custom_id=f"feedback:rate:{request_id}:{rating}",
            )
        )
        self.request_id = request_id
        self.rating = rating

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        rating = match["rating"]
        return cls(parse_id(match["id"]), int(rating) if re.fullmatch(r"[1-5]", rating) else None)

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        if self.rating is None:
            raise OutOfDateError()
        ask = await _own_open_ask(self.flow, interaction.user.id, self.request_id)
        await defer(interaction)
        await self.flow.feedback.rate(ask.request_id, ask.member_id, self.rating, self.flow.now())
        await send_ephemeral(
            interaction,
            render.rated_reply(self.rating),
            view=stopped_view(CommentButton(ask.request_id)),
        )


class CommentButton(PersistentButton, template=r"feedback:comment:(?P<id>[^:]*)"):
    flow: ClassVar[FeedbackFlow]
    where = "button:feedback:comment"

    def __init__(self, request_id: int | None) -> None:
        super().__init__(
            discord.ui.Button(
                label="Add a comment",
                style=discord.ButtonStyle.primary,
                custom_id=f"feedback:comment:{request_id}",
            )
        )
        self.request_id = request_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        return cls(parse_id(match["id"]))

    async def run(self, interaction: discord.Interaction[Any]) -> None:
        # Only its member ever sees this button (a private reply): one read checks it all.
        if self.request_id is None:
            raise OutOfDateError()
        ask = await self.flow.feedback.commentable(
            self.request_id, interaction.user.id, self.flow.now()
        )
        await interaction.response.send_modal(comment_form(ask))


class StaleFeedbackButton(
    StaleButton, template=r"feedback:(?!(?:rate:[^:]*:[^:]*|comment:[^:]*)$).*"
):
    """Any other ``feedback:`` id (an older version's button, or a forged one)."""

    stale_id = "feedback:stale"
    where = "button:feedback:stale"


def rating_view(request_id: int) -> discord.ui.View:
    """The five buttons under "How did this go?"."""
    return stopped_view(*(RateButton(request_id, rating) for rating in range(1, 6)))


def comment_form(ask: Ask) -> discord.ui.Modal:
    """The comment (required here: the form is opened to write one) and who may read it."""
    modal = discord.ui.Modal(
        title=shorten(f"Request #{ask.number}: a comment", limits.MODAL_TITLE),
        custom_id=f"{FORM}{ask.request_id}",
    )
    text: discord.ui.TextInput[discord.ui.View] = discord.ui.TextInput(
        custom_id="comment",
        style=discord.TextStyle.paragraph,
        required=True,
        max_length=COMMENT_LIMIT,
        placeholder="What helped, or what could have gone better?",
    )
    audience: discord.ui.Select[discord.ui.View] = discord.ui.Select(
        custom_id="audience",
        required=True,
        options=[
            discord.SelectOption(label=label, value=value.value)
            for value, label in render.AUDIENCE_LABELS.items()
        ],
    )
    modal.add_item(
        discord.ui.Label(
            text="Your comment",
            description=f"Up to {COMMENT_LIMIT} characters. It is kept encrypted.",
            component=text,
        )
    )
    modal.add_item(discord.ui.Label(text="Who may read it?", component=audience))
    modal.stop()  # layout only: answered from the interaction (see the module docstring)
    return modal


async def handle_feedback_form(flow: FeedbackFlow, interaction: discord.Interaction[Any]) -> bool:
    """Answer a submitted comment form; False when the form isn't one of these."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if not custom_id.startswith("feedback:"):
        return False
    request_id = parse_id(custom_id.removeprefix(FORM)) if custom_id.startswith(FORM) else None
    await guarded(interaction, "form:feedback", _submit(flow, interaction, request_id, data))
    return True


async def _submit(
    flow: FeedbackFlow,
    interaction: discord.Interaction[Any],
    request_id: int | None,
    data: dict[str, Any],
) -> None:
    values = form_values(data)
    chosen = values.get("audience")
    first = chosen[0] if isinstance(chosen, list) and chosen else None
    try:
        audience = Audience(str(first))
    except ValueError:
        raise OutOfDateError() from None
    text = values.get("comment")
    ask = await _own_open_ask(flow, interaction.user.id, request_id)
    await defer(interaction)
    await flow.feedback.comment(
        ask.request_id,
        ask.member_id,
        text if isinstance(text, str) else None,
        audience,
        flow.now(),
    )
    await send_ephemeral(interaction, render.commented_reply(audience))


FEEDBACK_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    RateButton,
    CommentButton,
    StaleFeedbackButton,
)
