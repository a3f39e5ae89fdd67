"""`strategy=finetune`: the prompt strategy's questions, asked of a model with a LoRA adapter.

`prepare` trains the adapter on the train split (or loads it from the cache; see
`harness.training.trainer`), measures forgetting on a general question set
(`harness.training.forgetting`: the base
model, adapter disabled, against the adapted one), then merges the adapter into the weights for
speed unless `merge=false`. `answer` is the prompt strategy without few-shot examples. With
`teacher_run` the adapter learns a teacher run's answers instead of the gold ones (distillation,
`harness.training.distillation`). With `train_on` the adapter learns the corpus sections as text
instead of, or besides, the questions (`harness.training.documents`), and with
`documents+paraphrases` the sections' checked rewrites too (`harness.training.paraphrases`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING, DictConfig

from harness.config import added_setting, keyed_only_when, settings_from
from harness.datasets import Document, Question, load_jsonl
from harness.errors import HarnessError
from harness.models import ChatModel, Conversation, TrainableChatModel
from harness.plugins import register_schema
from harness.prompts.templates import (
    answer_text,
    conversation,
    system_prompt_with_policy,
)
from harness.run import subsets
from harness.strategy import (
    Answer,
    Capabilities,
    PromptedSettings,
    SetupReport,
    set_at,
)
from harness.training import adapters, distillation, documents, forgetting, paraphrases
from harness.training.trainer import TrainingSettings


@dataclass
class FinetuneConfig(PromptedSettings):
    """The schema of `conf/strategy/finetune.yaml`; the training knobs are `training.*`.

    `with_policy` adds the dataset's policy to the system prompt when answering, never when
    training: the guide's fine-tuning + prompting (conf/strategy/finetune_policy.yaml), on the
    same adapter.
    """

    _target_: str = "strategies.finetune.build"
    name: str = "finetune"
    train_questions: str | None = None  # a questions.jsonl whose train split replaces the run's
    # train on the questions of this many facts only (paraphrases of a fact stay together), drawn
    # with train_facts_seed: how much data fine-tuning needs (harness/run/subsets.py); null: all
    train_facts: int | None = added_setting(None)
    train_facts_seed: int = added_setting(0)
    # a run folder whose answers to the train split are the targets
    # (harness/training/distillation.py)
    teacher_run: str | None = None
    # what the adapter learns: the train questions, the corpus sections as text (the loss on
    # every token), the sections and `paraphrases` checked rewrites of each by
    # `paraphrase_model` (a conf/model name; null: this cell's model, before training), or the
    # sections and the questions. Each example is seen once per epoch, whatever its source.
    train_on: str = added_setting("questions")
    paraphrases: int = keyed_only_when(3, "train_on", "documents+paraphrases")
    paraphrase_model: str | None = keyed_only_when(None, "train_on", "documents+paraphrases")
    training: TrainingSettings = field(default_factory=TrainingSettings)
    merge: bool = True  # merge the adapter into the weights: faster answers, no adapter toggle
    forgetting_questions: str | None = None  # general questions asked with and without adapter
    cache_dir: str = MISSING

    @classmethod
    def problems(cls, node: DictConfig, where: str, cfg: DictConfig) -> list[str]:
        found = super().problems(node, where, cfg)
        train_on = node.get("train_on", "questions")
        if train_on not in TRAIN_ON:
            found.append(f"{set_at(node, where, 'train_on')}={train_on!r}: use one of "
                         f"{', '.join(TRAIN_ON)}")  # fmt: skip
        elif "paraphrases" in train_on and not 1 <= node.paraphrases <= len(paraphrases.STYLES):
            found.append(f"{set_at(node, where, 'paraphrases')}={node.paraphrases}: use 1 to "
                         f"{len(paraphrases.STYLES)} rewrites per section")  # fmt: skip
        if node.get("teacher_run") and train_on != "questions":
            found.append(f"{set_at(node, where, 'train_on')}={train_on}: distillation "
                         "(teacher_run) trains on questions only")  # fmt: skip
        if node.train_facts is not None and node.train_facts < 1:
            found.append(f"{set_at(node, where, 'train_facts')}={node.train_facts}: use a "
                         "positive number of facts, or null for all of them")  # fmt: skip
        return found

    @classmethod
    def data_problems(
        cls, node: DictConfig, where: str, cfg: DictConfig, train: list[Question]
    ) -> list[str]:
        if node.train_questions or not train or "questions" not in sources_of(node.train_on):
            return []  # another file's train split: checked when read
        if node.train_facts is not None:
            try:  # raises if the split has fewer facts
                subsets.draw_facts(train, node.train_facts, 0, set_at(node, where, "train_facts"))
            except HarnessError as error:
                return [str(error)]
        if node.teacher_run:
            try:  # its problems, empty replies included
                distillation.read_teacher(node.teacher_run, train)
            except HarnessError as error:
                return [str(error)]
        fraction = node.training.get("validation_fraction") or 0
        if round(fraction * len(train)) >= len(train):
            return [
                f"{where}.training.validation_fraction={fraction} holds out every one of the "
                f"{len(train)} train questions; lower it (e.g. 0.1) or set it to 0"
            ]
        return []


register_schema("strategy", "finetune", FinetuneConfig)

TRAIN_ON = ("questions", "documents", "documents+paraphrases", "documents+questions")


def sources_of(train_on: str) -> list[str]:
    """The sources a `train_on` value names: "documents+questions" -> documents, questions."""
    return train_on.split("+")


def section_text(document: Document) -> str:
    """A corpus section as it is trained on: its title on a line of its own, then its text."""
    return f"{document.title}\n{document.text}" if document.title else document.text


@dataclass
class FinetuneStrategy:
    """Train (or load) a LoRA adapter on the train questions; answer with the adapted model."""

    model: ChatModel
    config: FinetuneConfig
    drawn: dict[str, int] | None = None  # the train subset's size, once training_questions ran

    @property
    def capabilities(self) -> Capabilities:
        """Trained weights; with the dataset's policy in the answering prompt, prompting too."""
        return Capabilities(prompting=self.config.with_policy, trained_weights=True)

    @property
    def name(self) -> str:
        """The strategy's name in run folders and reports."""
        return self.config.name

    def prepare(self, train: list[Question], corpus: list[Document]) -> SetupReport:
        """Train or load the adapter on what `train_on` names, check forgetting, merge it."""
        trainable(self.model)  # before anything else fails for another reason
        if self.config.train_on != "questions":
            asked = []
            if "questions" in self.sources:
                asked = self.training_questions(train)
            asked_examples = [(self.conversation(q.question), self.reply(q)) for q in asked]
            texts, labels, record = self.text_examples(corpus)
            report = self.adapt(
                asked_examples + texts, ["questions"] * len(asked_examples) + labels
            )
            report.details["paraphrasing"] = record
            return report
        questions = self.training_questions(train)
        if not self.config.teacher_run:
            return self.adapt([(self.conversation(q.question), self.reply(q)) for q in questions])
        # distillation: the teacher run's answers are the targets, not the gold ones
        teacher = distillation.read_teacher(self.config.teacher_run, questions)
        replies = teacher.replies
        report = self.adapt([(self.conversation(q.question), replies[q.id]) for q in questions])
        report.details["teacher"] = teacher.record
        return report

    @property
    def sources(self) -> list[str]:
        """What the adapter learns from, as `train_on` names it."""
        return sources_of(self.config.train_on)

    def text_examples(
        self, corpus: list[Document]
    ) -> tuple[list[tuple[Conversation, str]], list[str], dict[str, Any] | None]:
        """The corpus sections packed as text examples, with their checked rewrites when
        `train_on` asks for them: the examples, each one's source, and what rewriting kept."""
        chat = trainable(self.model)
        length = self.config.training.max_seq_length
        sections = [(d.id, section_text(d)) for d in corpus]
        examples = documents.examples(chat.tokenizer, sections, length)
        labels = ["documents"] * len(examples)
        if "paraphrases" not in self.sources:
            return examples, labels, None
        model, identity = self.rewriter()
        made = paraphrases.rewrite(
            model, identity, sections, self.config.paraphrases, self.config.cache_dir
        )
        rewritten = [
            (f"{section}~{i}", text)
            for section, texts in made.kept.items()
            for i, text in enumerate(texts)
        ]
        extra = documents.examples(chat.tokenizer, rewritten, length)
        return examples + extra, labels + ["paraphrases"] * len(extra), made.record()

    def rewriter(self) -> tuple[ChatModel, str]:
        """The model that paraphrases, and its fingerprint: `paraphrase_model`, else this cell's
        own model (called before the adapter changes it)."""
        name = self.config.paraphrase_model
        if name:
            from harness.config import instantiate
            from harness.run.judge import compose_judge_config

            model = instantiate(compose_judge_config(name, []).model)
        else:
            model = self.model
        if isinstance(model, TrainableChatModel):
            return model, adapters.model_identity(model.model, model.tokenizer)
        return model, f"{name}:{model.name}"

    def adapt(
        self, examples: list[tuple[Conversation, str]], sources: list[str] | None = None
    ) -> SetupReport:
        """Train or load the adapter on (prompt, reply) examples, each from its source (default
        all questions), check forgetting, merge it."""
        started = time.perf_counter()
        chat = trainable(self.model)
        adapter = adapters.load_or_train(
            chat.model, chat.tokenizer, examples, self.config.training, self.config.cache_dir,
            sources,
        )  # fmt: skip
        chat.use_weights(adapter.model)
        checked = None
        if self.config.forgetting_questions:
            checked = forgetting.check(
                chat, adapter, self.config.forgetting_questions, self.conversation,
                self.config.cache_dir,
            )  # fmt: skip
        if self.config.merge:
            chat.use_weights(adapter.model.merge_and_unload())
        chat.model.eval()
        meta = adapter.meta
        return SetupReport(
            seconds=time.perf_counter() - started,
            build_seconds=meta["train_seconds"],
            tokens=meta["tokens"],
            cache_hit=adapter.cache_hit,
            loss_curve=meta["loss_curve"],
            forgetting=checked,
            details={
                "adapter_key": meta["key"],
                "adapter_folder": str(adapter.folder),
                "merged": self.config.merge,
                "trainable_parameters": meta["trainable_parameters"],
                "examples": meta["examples"],
                "validation_examples": meta["validation_examples"],
                "truncated_examples": meta["truncated"],
                "skipped_examples": meta["skipped"],
                "steps": meta["steps"],
                "peak_rss_mb": meta["peak_rss_mb"],
                "train_subset": self.drawn,
                "trained_on": self.config.train_on,
                "sources": by_source(meta, sources or ["questions"] * len(examples)),
            },
        )

    def answer(self, batch: list[Question]) -> list[Answer]:
        """One batched generation call, prompted exactly as in training."""
        generations = self.model.generate([self.answering(q.question) for q in batch])
        return [Answer(g.text, g.prompt_tokens, g.completion_tokens) for g in generations]

    def reply(self, question: Question) -> str:
        """What the adapter learns to answer (`harness.prompts.templates.answer_text`)."""
        return answer_text(question, self.config.abstain_answer)

    def conversation(self, question: str) -> Conversation:
        """The prompt trained on: system prompt and user turn, no few-shot examples."""
        return conversation(self.config.system_prompt, self.config.user_template, question)

    def answering(self, question: str) -> Conversation:
        """The prompt answered: the trained one, with the dataset's policy when it is shown."""
        config = self.config
        system = system_prompt_with_policy(config.system_prompt, config.with_policy, config.policy)
        return conversation(system, config.user_template, question)

    def training_questions(self, train: list[Question]) -> list[Question]:
        """The run's train split, or the train split of `train_questions` when that is set; with
        `train_facts`, the questions of that many facts of it (drawn with `train_facts_seed`)."""
        path = self.config.train_questions
        if path:
            keys = ("strategy.train_questions", "strategy.train_questions")
            train = load_jsonl("train_questions", path, needed_split="train", keys=keys).split(
                "train"
            )
            where = f"strategy.train_questions={path}"
        else:
            where = "this dataset"
        if not train:
            raise HarnessError(
                f"strategy=finetune needs train questions and {where} has none; mark some "
                f'questions "split": "train", set strategy.train_questions=<questions.jsonl>, '
                f"or train on the corpus: strategy.train_on=documents"
            )
        available = len(subsets.facts(train))
        if self.config.train_facts is not None:
            train = subsets.draw_facts(
                train, self.config.train_facts, self.config.train_facts_seed, "strategy.train_facts"
            )
        self.drawn = {"facts": len(subsets.facts(train)), "of_facts": available,
                      "questions": len(train), "seed": self.config.train_facts_seed}  # fmt: skip
        return train


def by_source(meta: dict[str, Any], sources: list[str]) -> dict[str, dict[str, float]]:
    """Examples, tokens trained on and training seconds per source (an adapter cached before
    sources were counted: all of it from questions)."""
    measured = meta.get("sources") or {
        "questions": {"tokens": meta["tokens"], "seconds": meta["train_seconds"]}
    }
    return {
        source: {"examples": sources.count(source), **measured.get(source, {})}
        for source in dict.fromkeys(sources)
    }


def trainable(model: ChatModel) -> TrainableChatModel:
    """The model, if its weights can be adapted; else a one-line error naming models that can."""
    if not isinstance(model, TrainableChatModel):
        raise HarnessError(
            f"model={model.name}: fine-tuning is not supported for {type(model).__name__} models; "
            f"it needs a local transformers model (e.g. model=smollm2-135m or model=hf "
            f"model.pretrained=<id or path>)"
        )
    return model


def build(model: ChatModel, **settings: Any) -> FinetuneStrategy:
    """Builder for `conf/strategy/finetune.yaml`; reports every bad training knob at once."""
    config: FinetuneConfig = settings_from(FinetuneConfig, settings)
    if not isinstance(config.training, TrainingSettings):  # a plain mapping when nested
        config.training = TrainingSettings(**config.training)
    config.training.check()
    return FinetuneStrategy(model, config)
