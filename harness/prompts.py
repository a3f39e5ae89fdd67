"""Turning questions into chat conversations from the templates in config."""

from __future__ import annotations

import random
from collections.abc import Sequence

from harness.datasets import Question
from harness.models import Conversation


def answer_text(question: Question, abstain_answer: str) -> str:
    """The reference reply for a question: its first gold answer, or the abstention."""
    return question.answers[0] if question.answers else abstain_answer


def pick_examples(train: list[Question], count: int, seed: int) -> list[Question]:
    """A seeded sample of train questions for few-shot prompting."""
    if count <= 0 or not train:
        return []
    return random.Random(seed).sample(train, min(count, len(train)))


def conversation(
    system_prompt: str,
    user_template: str,
    question: str,
    examples: Sequence[tuple[str, str]] = (),
    **fields: str,
) -> Conversation:
    """System turn, few-shot user/assistant pairs, then the question under `user_template`."""
    turns: Conversation = [{"role": "system", "content": system_prompt.strip()}]
    for example_question, example_answer in examples:
        turns.append({"role": "user", "content": user_template.format(question=example_question)})
        turns.append({"role": "assistant", "content": example_answer})
    turns.append({"role": "user", "content": user_template.format(question=question, **fields)})
    return turns
