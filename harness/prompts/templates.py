"""Turning questions into chat conversations from the templates in config, and fitting retrieved
context into the model's window (counted in its own tokens)."""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from harness.datasets import Question
from harness.models import ChatModel, Conversation

log = logging.getLogger(__name__)

# strategy.cite=true's defaults: each chunk after its document id, and a request for the format
# harness/scoring/citations.py parses (the id in square brackets after what it supports)
CITE_CHUNK_TEMPLATE = "[{doc_id}] {text}"
CITE_INSTRUCTION = (
    "After your answer, write the id of the document it comes from in square brackets, "
    "exactly as it appears before that document in the context."
)


def answer_text(question: Question, abstain_answer: str) -> str:
    """The reply a question teaches (few-shot examples, fine-tuning): its `reference` reply if it
    has one (a house format, a fallback phrase), else its first gold answer, or the abstention."""
    if question.reference is not None:
        return question.reference
    return question.answers[0] if question.answers else abstain_answer


def system_prompt_with_policy(system_prompt: str, with_policy: bool, policy: str | None) -> str:
    """The system prompt every strategy answers under: the dataset's, then its policy (rules of
    format, tone, topics and the fallback phrase) when the strategy is set to show it."""
    if not with_policy:
        return system_prompt
    return f"{system_prompt.strip()}\n\n{(policy or '').strip()}"


def policy_problem(name: str, with_policy: bool, policy: str | None) -> str | None:
    """Why a strategy set to show the policy cannot (the dataset has none), else None."""
    if with_policy and not (policy or "").strip():
        return (
            f"strategy={name} shows the dataset's policy and this dataset has none; "
            "set dataset.policy=<the rules the model must follow>"
        )
    return None


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


@dataclass(frozen=True)
class Grounded:
    """A prompt with retrieved context, and how much of the context survived trimming."""

    conversation: Conversation
    context_chunks: int
    context_tokens: int
    # the passages as the prompt holds them: the first `context_chunks`, the last one cut short
    # where it did not fit whole
    passages: tuple[str, ...] = ()


def grounded_conversation(
    model: ChatModel,
    system_prompt: str,
    user_template: str,
    question: str,
    passages: Sequence[str],
    separator: str = "\n\n",
    max_context_tokens: int | None = None,
    **fields: str,
) -> Grounded:
    """The prompt with as much context as fits the window, counted in the model's tokens.

    Passages come best first; the lowest-ranked are dropped, then the last one left is cut at a
    word boundary, until the prompt plus `model.max_new_tokens` fits `model.context_window` (and
    the context fits `max_context_tokens`, when set).
    """
    budget = model.context_window - model.max_new_tokens

    def render(context: str) -> Conversation:
        return conversation(system_prompt, user_template, question, context=context, **fields)

    def fits(context: str) -> bool:
        if max_context_tokens is not None and model.count_tokens(context) > max_context_tokens:
            return False
        return model.prompt_tokens(render(context)) <= budget

    kept = list(passages)
    while len(kept) > 1 and not fits(separator.join(kept)):
        kept.pop()
    if kept and not fits(kept[0]):
        kept[0] = _longest_fitting_prefix(kept[0], fits)
        kept = [p for p in kept if p]
    context = separator.join(kept)
    if not kept and model.prompt_tokens(render("")) > budget:
        log.warning(
            "the prompt for %r does not fit the context window even without context", question
        )
    tokens = model.count_tokens(context) if context else 0
    return Grounded(render(context), len(kept), tokens, tuple(kept))


def _longest_fitting_prefix(text: str, fits: Callable[[str], bool]) -> str:
    """Binary search over word boundaries for the longest prefix that fits."""
    cuts = [m.start() for m in re.finditer(r"\s+", text)] + [len(text)]
    low, high = 0, len(cuts)  # cuts[:low] fit; cuts[high:] do not
    while low < high:
        middle = (low + high) // 2
        if fits(text[: cuts[middle]]):
            low = middle + 1
        else:
            high = middle
    return text[: cuts[low - 1]] if low else ""
