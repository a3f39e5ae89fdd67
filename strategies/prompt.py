"""`strategy=prompt`: the base model with a system prompt and optional few-shot examples."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from harness.datasets import Document, Question
from harness.models import ChatModel
from harness.prompts import answer_text, conversation, pick_examples
from strategies import Answer, SetupReport


@dataclass
class PromptStrategy:
    """Ask the model directly; few-shot examples come from the train split."""

    model: ChatModel
    system_prompt: str
    user_template: str
    abstain_answer: str
    few_shot: int = 0
    seed: int = 0
    name: str = "prompt"
    examples: list[tuple[str, str]] = field(default_factory=list)

    def prepare(self, train: list[Question], corpus: list[Document]) -> SetupReport:
        """Choose the few-shot examples (no other setup)."""
        started = time.perf_counter()
        chosen = pick_examples(train, self.few_shot, self.seed)
        self.examples = [(q.question, answer_text(q, self.abstain_answer)) for q in chosen]
        seconds = time.perf_counter() - started
        return SetupReport(
            seconds=seconds,
            build_seconds=seconds,
            details={"few_shot_ids": [q.id for q in chosen]},
        )

    def answer(self, batch: list[Question]) -> list[Answer]:
        """One batched generation call for the whole batch."""
        conversations = [
            conversation(self.system_prompt, self.user_template, q.question, self.examples)
            for q in batch
        ]
        return [
            Answer(g.text, g.prompt_tokens, g.completion_tokens)
            for g in self.model.generate(conversations)
        ]


def build(
    model: ChatModel,
    system_prompt: str,
    user_template: str,
    abstain_answer: str,
    few_shot: int = 0,
    seed: int = 0,
    name: str = "prompt",
) -> PromptStrategy:
    """Builder for `conf/strategy/prompt.yaml`."""
    return PromptStrategy(model, system_prompt, user_template, abstain_answer, few_shot, seed, name)
