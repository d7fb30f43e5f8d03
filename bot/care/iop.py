"""Intensive outpatient programs (``iop.toml``): topics, approaches and the is-it-for-me
reflection.

No discord import.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Self

from pydantic import field_validator, model_validator

from bot import limits
from bot.care.pages import (
    IOP_TOPICS,
    Card,
    CardField,
    Key,
    Page,
    SelectDescription,
    Short,
    _require_topics,
    _unique_keys,
    check_card,
)
from bot.content import (
    ContentModel,
    FieldValue,
    Label,
    SourcedEntry,
    Title,
    text_up_to,
)
from bot.i18n import ENGLISH
from bot.i18n.messages import say


class Approach(SourcedEntry):
    key: Key
    name: Label
    summary: SelectDescription
    description: Annotated[str, text_up_to(2000)]


class FitQuestion(ContentModel):
    key: Key
    question: Annotated[str, text_up_to(200)]
    yes: Short
    no: Short
    unsure: Short
    crisis: bool = False

    def meaning(self, answer: str) -> str:
        return {"y": self.yes, "n": self.no, "u": self.unsure}[answer]


class FitContent(SourcedEntry):
    title: Title
    intro: FieldValue
    ending_title: Title
    ending_intro: FieldValue
    consult_note: FieldValue
    questions: tuple[FitQuestion, ...]

    @field_validator("questions")
    @classmethod
    def _sensible(cls, value: tuple[FitQuestion, ...]) -> tuple[FitQuestion, ...]:
        if not 1 <= len(value) <= 9:
            raise ValueError("needs between 1 and 9 questions")
        _unique_keys([question.key for question in value])
        if sum(question.crisis for question in value) != 1:
            raise ValueError("needs exactly one question marked crisis = true")
        return value

    @model_validator(mode="after")
    def _every_card_fits(self) -> Self:
        every_answer = "y" * len(self.questions)
        for answered in range(len(self.questions)):
            check_card(self.question_card(every_answer[:answered]), f"fit.questions.{answered}")
        for answers in itertools.product("ynu", repeat=len(self.questions)):
            check_card(self.ending_card("".join(answers)), "fit: the ending")
        return self

    def crisis_flagged(self, answers: str) -> bool:
        """Whether the member said yes (or not sure) to the crisis question."""
        index = next(i for i, q in enumerate(self.questions) if q.crisis)
        return len(answers) > index and answers[index] in {"y", "u"}

    def is_complete(self, answers: str) -> bool:
        return len(answers) >= len(self.questions)

    def question_card(self, answers: str, language: str = ENGLISH) -> Card:
        number = len(answers)
        question = self.questions[number]
        description = f"{self.intro}\n\n" if number == 0 else ""
        description += f"**{question.question}**"
        return Card(
            say(language, "iop.question", title=self.title, number=number + 1, count=len(self)),
            description,
            show_crisis=self.crisis_flagged(answers),
        )

    def __len__(self) -> int:
        return len(self.questions)

    def ending_card(self, answers: str, language: str = ENGLISH) -> Card:
        fields = tuple(
            CardField(
                question.question,
                say(
                    language,
                    "iop.you_said",
                    answer=say(language, f"iop.answer.{answer}"),
                    meaning=question.meaning(answer),
                ),
            )
            for question, answer in zip(self.questions, answers, strict=False)
        )
        return Card(
            self.ending_title,
            self.ending_intro,
            (*fields, CardField(say(language, "iop.talk_it_through"), self.consult_note)),
            show_crisis=self.crisis_flagged(answers),
        )


class IopContent(ContentModel):
    topics: dict[str, Page]
    approaches: tuple[Approach, ...]
    fit: FitContent

    @field_validator("topics")
    @classmethod
    def _all_topics(cls, value: dict[str, Page]) -> dict[str, Page]:
        _require_topics(value, IOP_TOPICS)
        return value

    @field_validator("approaches")
    @classmethod
    def _sensible(cls, value: tuple[Approach, ...]) -> tuple[Approach, ...]:
        if not 1 <= len(value) <= limits.SELECT_OPTIONS:
            raise ValueError(f"needs between 1 and {limits.SELECT_OPTIONS} approaches")
        _unique_keys([approach.key for approach in value])
        return value

    @model_validator(mode="after")
    def _every_card_fits(self) -> Self:
        check_card(self.topic_card("approaches"), "topics.approaches with its list")
        for approach in self.approaches:
            check_card(self.approach_card(approach.key), f"approaches.{approach.key}")
        return self

    def approach(self, key: str) -> Approach | None:
        return next((a for a in self.approaches if a.key == key), None)

    def topic_card(self, topic: str, language: str = ENGLISH) -> Card:
        page = self.topics[topic]
        if topic != "approaches":
            return page.card()
        listing = "\n".join(f"**{a.name}**: {a.summary}" for a in self.approaches)
        return page.card((CardField(say(language, "iop.in_short"), listing),))

    def approach_card(self, key: str, language: str = ENGLISH) -> Card:
        approach = self.approach(key)
        if approach is None:
            raise KeyError(key)
        return Card(
            approach.name,
            approach.description,
            (CardField(say(language, "iop.more_approaches"), say(language, "iop.pick_another")),),
        )
