"""`strategy=finetune`: the prompt strategy's questions, asked of a model with a LoRA adapter.

`prepare` trains the adapter on the train split (or loads it from the cache; see
`harness.training`), measures forgetting on a general question set (the base model, adapter
disabled, against the adapted one; cached in the adapter's meta), then merges the adapter into the
weights for speed unless `merge=false`. `answer` is the prompt strategy without few-shot examples.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from harness import training
from harness.datasets import Document, Question, load_jsonl
from harness.errors import HarnessError
from harness.models import ChatModel, Conversation
from harness.models.transformers import TransformersChatModel
from harness.prompts import answer_text, conversation
from harness.training import TrainingSettings
from strategies import Answer, SetupReport

log = logging.getLogger(__name__)

_FORGETTING_FORMAT = 3  # bump when the cached forgetting result changes shape


@dataclass
class FinetuneStrategy:
    """Train (or load) a LoRA adapter on the train questions; answer with the adapted model."""

    model: ChatModel
    system_prompt: str
    user_template: str
    abstain_answer: str
    training: TrainingSettings
    cache_dir: str
    train_questions: str | None = None
    forgetting_questions: str | None = None
    merge: bool = True
    name: str = "finetune"

    def prepare(self, train: list[Question], corpus: list[Document]) -> SetupReport:
        """Train or load the adapter on the train questions, check forgetting, merge it."""
        local_model(self.model)  # before anything else fails for another reason
        questions = self.training_questions(train)
        return self.adapt([(self.conversation(q.question), self.reply(q)) for q in questions])

    def adapt(self, examples: list[tuple[Conversation, str]]) -> SetupReport:
        """Train or load the adapter on (prompt, reply) examples, check forgetting, merge it."""
        started = time.perf_counter()
        chat = local_model(self.model)
        adapter = training.load_or_train(
            chat.model, chat.tokenizer, examples, self.training, self.cache_dir
        )
        chat.model = adapter.model
        forgetting = self.forgetting(chat, adapter)
        if self.merge:
            chat.model = adapter.model.merge_and_unload()
        chat.model.eval()
        meta = adapter.meta
        return SetupReport(
            seconds=time.perf_counter() - started,
            build_seconds=meta["train_seconds"],
            tokens=meta["tokens"],
            cache_hit=adapter.cache_hit,
            details={
                "adapter_key": meta["key"],
                "adapter_folder": str(adapter.folder),
                "merged": self.merge,
                "trainable_parameters": meta["trainable_parameters"],
                "examples": meta["examples"],
                "validation_examples": meta["validation_examples"],
                "truncated_examples": meta["truncated"],
                "skipped_examples": meta["skipped"],
                "steps": meta["steps"],
                "loss_curve": meta["loss_curve"],
                "peak_rss_mb": meta["peak_rss_mb"],
                "forgetting": forgetting,
            },
        )

    def answer(self, batch: list[Question]) -> list[Answer]:
        """One batched generation call, prompted exactly as in training."""
        generations = self.model.generate([self.conversation(q.question) for q in batch])
        return [Answer(g.text, g.prompt_tokens, g.completion_tokens) for g in generations]

    def reply(self, question: Question) -> str:
        """What the adapter learns to answer: the first gold answer, or the abstention."""
        return answer_text(question, self.abstain_answer)

    def conversation(self, question: str) -> Conversation:
        """The prompt for a question: system prompt and user turn, no few-shot examples."""
        return conversation(self.system_prompt, self.user_template, question)

    def training_questions(self, train: list[Question]) -> list[Question]:
        """The run's train split, or the train split of `train_questions` when that is set."""
        if self.train_questions:
            train = load_jsonl(
                "train_questions", self.train_questions, needed_split="train",
                keys=("strategy.train_questions", "strategy.train_questions"),
            ).split("train")  # fmt: skip
            where = f"strategy.train_questions={self.train_questions}"
        else:
            where = "this dataset"
        if not train:
            raise HarnessError(
                f"strategy=finetune needs train questions and {where} has none; mark some "
                f'questions "split": "train" or set strategy.train_questions=<questions.jsonl>'
            )
        return train

    def forgetting(self, chat: TransformersChatModel, adapter: training.Adapter) -> dict[str, Any]:
        """Answers to the general questions without and with the adapter (cached in meta).

        Only the generations are kept; `harness.evaluate.forgetting` judges them with the scoring
        rules in force, like every other answer.
        """
        if not self.forgetting_questions:
            return {}
        questions = load_jsonl("forgetting", self.forgetting_questions).questions
        conversations = [self.conversation(q.question) for q in questions]
        key = _digest([_FORGETTING_FORMAT, conversations, chat.max_new_tokens])
        cached = adapter.meta.get("forgetting", {})
        if cached.get("key") == key:
            return cached
        started = time.perf_counter()
        with adapter.model.disable_adapter():
            base = chat.generate(conversations)
        adapted = chat.generate(conversations)
        result = {
            "key": key,
            "questions_file": self.forgetting_questions,
            "predictions": [
                {
                    "id": q.id,
                    "question": q.question,
                    "answers": list(q.answers),
                    "base": b.text,
                    "adapted": a.text,
                }
                for q, b, a in zip(questions, base, adapted, strict=True)
            ],
            "seconds": time.perf_counter() - started,
        }
        adapter.meta["forgetting"] = result
        training.save_meta(adapter)
        return result


def local_model(model: ChatModel) -> TransformersChatModel:
    """The model as a local transformers model, or a one-line error saying fine-tuning needs one."""
    if not isinstance(model, TransformersChatModel):
        raise HarnessError(
            f"model={model.name}: fine-tuning is not supported for {type(model).__name__} models; "
            f"it needs a local transformers model (e.g. model=smollm2-135m or model=hf "
            f"model.pretrained=<id or path>)"
        )
    return model


def build(
    model: ChatModel,
    system_prompt: str,
    abstain_answer: str,
    cache_dir: str,
    user_template: str = "{question}",
    train_questions: str | None = None,
    rank: int = 16,
    alpha: float = 32.0,
    dropout: float = 0.05,
    target_modules: tuple[str, ...] = training.ALL_LINEAR_LLAMA,
    learning_rate: float = 2e-3,
    epochs: int = 5,
    max_steps: int | None = None,
    batch_size: int = 8,
    grad_accumulation: int = 1,
    max_seq_length: int = 256,
    warmup_ratio: float = 0.05,
    weight_decay: float = 0.0,
    validation_fraction: float = 0.1,
    logging_steps: int = 10,
    seed: int = 0,
    bf16: bool = True,
    merge: bool = True,
    forgetting_questions: str | None = None,
    name: str = "finetune",
) -> FinetuneStrategy:
    """Builder for `conf/strategy/finetune.yaml`; reports every bad training knob at once."""
    settings = TrainingSettings(
        rank=rank, alpha=alpha, dropout=dropout, target_modules=tuple(target_modules),
        learning_rate=learning_rate, epochs=epochs, max_steps=max_steps, batch_size=batch_size,
        grad_accumulation=grad_accumulation, max_seq_length=max_seq_length,
        warmup_ratio=warmup_ratio, weight_decay=weight_decay,
        validation_fraction=validation_fraction, logging_steps=logging_steps, seed=seed, bf16=bf16,
    )  # fmt: skip
    check_settings(settings)
    return FinetuneStrategy(
        model, system_prompt, user_template, abstain_answer, settings, cache_dir,
        train_questions, forgetting_questions, merge, name,
    )  # fmt: skip


def check_settings(settings: TrainingSettings) -> None:
    """Raise one HarnessError listing every bad `strategy.*` training knob."""
    positive = ("rank", "alpha", "learning_rate", "epochs", "max_steps", "batch_size",
                "grad_accumulation", "max_seq_length", "logging_steps")  # fmt: skip
    problems = [
        f"strategy.{key}={getattr(settings, key)}: use a positive number"
        for key in positive
        if getattr(settings, key) is not None and getattr(settings, key) <= 0
    ]
    for key in ("dropout", "warmup_ratio", "validation_fraction"):
        if not 0 <= getattr(settings, key) < 1:
            problems.append(f"strategy.{key}={getattr(settings, key)}: use 0 <= value < 1")
    if settings.weight_decay < 0:
        problems.append(f"strategy.weight_decay={settings.weight_decay}: use 0 or more")
    if not settings.target_modules:
        problems.append("strategy.target_modules is empty: name at least one layer, e.g. [q_proj]")
    elif "all-linear" in settings.target_modules and len(settings.target_modules) > 1:
        problems.append("strategy.target_modules: use [all-linear] alone or list layer names")
    if problems:
        raise HarnessError("; ".join(problems))


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
