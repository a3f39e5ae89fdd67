"""`strategy=prompt`: the base model with a system prompt and optional few-shot examples."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig

from harness.config import settings_from
from harness.datasets import Document, Question
from harness.errors import HarnessError
from harness.models import ChatModel
from harness.plugins import register_schema
from harness.prompts.templates import (
    answer_text,
    conversation,
    pick_examples,
    system_prompt_with_policy,
)
from harness.strategy import Answer, Capabilities, PromptedSettings, SetupReport


@dataclass
class PromptConfig(PromptedSettings):
    """The schema of `conf/strategy/prompt.yaml`, and the one place its defaults live."""

    _target_: str = "strategies.prompt.build"
    name: str = "prompt"
    few_shot: int = 0  # examples from the train split, each a user turn and its answer
    seed: int = 0  # which examples

    @classmethod
    def problems(cls, node: DictConfig, where: str, cfg: DictConfig) -> list[str]:
        found = super().problems(node, where, cfg)
        if node.few_shot < 0:
            found.append(f"{where}.few_shot={node.few_shot}: use 0 (no examples) or more, up to "
                         "the number of train questions")  # fmt: skip
        return found

    @classmethod
    def data_problems(
        cls, node: DictConfig, where: str, cfg: DictConfig, train: list[Question]
    ) -> list[str]:
        if node.few_shot <= len(train):
            return []
        return [
            f"{where}.few_shot={node.few_shot}: dataset {cfg.dataset.name!r} with run.split="
            f"{cfg.run.split} has {len(train)} train questions to take examples from; use 0 to "
            f"{len(train)}"
        ]


register_schema("strategy", "prompt", PromptConfig)


@dataclass
class PromptStrategy:
    """Ask the model directly; few-shot examples come from the train split."""

    model: ChatModel
    config: PromptConfig
    examples: list[tuple[str, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The strategy's name in run folders and reports."""
        return self.config.name

    @property
    def capabilities(self) -> Capabilities:
        """Prompting only; with the dataset's policy, the prompt is engineered (`prompting`)."""
        return Capabilities(prompting=self.config.with_policy)

    def system_prompt(self) -> str:
        """The dataset's system prompt, then its policy when the strategy shows it."""
        config = self.config
        return system_prompt_with_policy(config.system_prompt, config.with_policy, config.policy)

    def prepare(self, train: list[Question], corpus: list[Document]) -> SetupReport:
        """Choose the few-shot examples (no other setup)."""
        started = time.perf_counter()
        chosen = pick_examples(train, self.config.few_shot, self.config.seed)
        self.examples = [(q.question, answer_text(q, self.config.abstain_answer)) for q in chosen]
        self._check_examples_fit()
        seconds = time.perf_counter() - started
        return SetupReport(
            seconds=seconds,
            build_seconds=seconds,
            details={"few_shot_ids": [q.id for q in chosen]},
        )

    def _check_examples_fit(self) -> None:
        """The system prompt and the few-shot examples, before any question, must leave room in
        the model's context window for a question and the answer (`model.max_new_tokens`)."""
        if not self.examples or self.model is None:
            return
        system, template = self.system_prompt(), self.config.user_template

        def tokens(count: int) -> int:
            turns = conversation(system, template, "", self.examples[:count])
            return self.model.prompt_tokens(turns)

        budget = self.model.context_window - self.model.max_new_tokens
        taken = tokens(len(self.examples))
        if taken < budget:
            return
        fits, low, high = 0, 0, len(self.examples)  # the most examples that fit, by bisection
        while low <= high:
            middle = (low + high) // 2
            if tokens(middle) < budget:
                fits, low = middle, middle + 1
            else:
                high = middle - 1
        raise HarnessError(
            f"strategy.few_shot={self.config.few_shot}: the system prompt and "
            f"{len(self.examples)} examples take {taken:,} tokens, and model {self.model.name}'s "
            f"{self.model.context_window:,}-token window less model.max_new_tokens="
            f"{self.model.max_new_tokens} leaves {budget:,} for the whole prompt; use at most "
            f"{fits} examples"
        )

    def answer(self, batch: list[Question]) -> list[Answer]:
        """One batched generation call for the whole batch."""
        system, template = self.system_prompt(), self.config.user_template
        conversations = [conversation(system, template, q.question, self.examples) for q in batch]
        return [
            Answer(g.text, g.prompt_tokens, g.completion_tokens)
            for g in self.model.generate(conversations)
        ]


def build(model: ChatModel, **settings: Any) -> PromptStrategy:
    """Builder for `conf/strategy/prompt.yaml` and `prompt_policy.yaml`."""
    return PromptStrategy(model, settings_from(PromptConfig, settings))
