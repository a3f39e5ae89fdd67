"""`strategy=finetune_rag`: a LoRA adapter trained to answer from retrieved chunks, used with RAG.

"Fine-tune for style and domain, RAG for current data". The adapter is trained on the prompts rag
answers from (each train question under rag's template, with the chunks rag's index retrieves for
it), so it learns to read the context and answer in a few words, while the facts come from the
index at query time. An adapter trained closed-book (strategy=finetune's) answers from memory and
overrides the context: on the revised corpus it kept giving the old values.

`train_corpus` with `strategy.finetune.train_questions` trains on an older corpus and its
questions while answering from the run's corpus (the fresh-data case). The nested nodes are
`conf/strategy/finetune.yaml` and `rag.yaml`; override them as `strategy.finetune.<key>` and
`strategy.rag.<key>`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING

from harness.config import added_setting, keyed_only_when
from harness.datasets import Document, Question, load_jsonl
from harness.errors import HarnessError
from harness.models import ChatModel
from harness.plugins import register_schema
from harness.strategy import Answer, Capabilities, SetupReport, StrategySettings
from strategies import finetune as finetune_strategy
from strategies import rag as rag_strategy


@dataclass
class FinetuneRagConfig(StrategySettings):
    """The schema of `conf/strategy/finetune_rag.yaml`: two strategy nodes, and the corpus."""

    _target_: str = "strategies.finetune_rag.build"
    _recursive_: bool = False  # the builder hands each node to its own strategy's builder
    name: str = "finetune_rag"
    train_corpus: str | None = None  # train on this corpus, answer from the run's (fresh data)
    # dense, bm25 or hybrid: the yaml hands it to the rag node (strategy.rag.retriever), so
    # strategy.retriever is one sweep axis for rag and finetune_rag alike
    retriever: str = added_setting("dense")
    # handed to the rag node the same way (strategy.rag.cite, strategy.rag.context); answering
    # only: the adapter trains on the plain prompts, so it is the one the plain cell trains
    cite: bool = added_setting(False)
    context: str = added_setting("retrieved")
    # handed to the finetune node likewise (strategy.train_facts: one axis for both strategies)
    train_facts: int | None = added_setting(None)
    train_facts_seed: int = added_setting(0)
    # and what the adapter learns (strategy.train_on, as for strategy=finetune): with documents
    # the adapter learns the corpus sections as text, not the grounded prompts
    train_on: str = added_setting("questions")
    paraphrases: int = keyed_only_when(3, "train_on", "documents+paraphrases")
    paraphrase_model: str | None = keyed_only_when(None, "train_on", "documents+paraphrases")
    finetune: Any = MISSING
    rag: Any = MISSING


register_schema("strategy", "finetune_rag", FinetuneRagConfig)


@dataclass
class FinetuneRagStrategy:
    """A finetune strategy and a rag strategy sharing one model: adapter first, then retrieval."""

    finetune: finetune_strategy.FinetuneStrategy
    rag: rag_strategy.RagStrategy
    train_corpus: str | None = None
    name: str = "finetune_rag"

    @property
    def capabilities(self) -> Capabilities:
        """Retrieval and trained weights; prompting too when the rag node shows the policy."""
        prompting = self.rag.config.with_policy
        return Capabilities(prompting=prompting, retrieval=True, trained_weights=True)

    def prepare(self, train: list[Question], corpus: list[Document]) -> SetupReport:
        """Index the training corpus, train the adapter on grounded prompts, index the corpus."""
        started = time.perf_counter()
        finetune_strategy.trainable(self.finetune.model)  # before building any index
        sources = self.finetune.sources
        questions = self.finetune.training_questions(train) if "questions" in sources else []
        training_corpus = self.training_corpus(corpus)
        indexed = self.rag.prepare(questions, training_corpus)
        # exactly what rag will answer from, less the policy, the citation request and the context
        # condition: those are shown when answering only, so every cell shares one adapter
        examples = []
        if questions:
            _, prompts = self.rag.grounded_prompts(questions, show_policy=False, as_set=False)
            replies = [self.finetune.reply(q) for q in questions]
            examples = [(p.conversation, r) for p, r in zip(prompts, replies, strict=True)]
        labels, record = ["questions"] * len(examples), None
        if sources != ["questions"]:
            texts, text_labels, record = self.finetune.text_examples(training_corpus)
            examples, labels = examples + texts, labels + text_labels
        if sources == ["questions"]:
            tuned = self.finetune.adapt(examples)
        else:
            tuned = self.finetune.adapt(examples, labels)
            tuned.details["paraphrasing"] = record
        index_seconds = indexed.build_seconds
        if training_corpus is not corpus:  # then answer from the run's own corpus
            indexed = self.rag.prepare(train, corpus)
            index_seconds += indexed.build_seconds
        return SetupReport(
            seconds=time.perf_counter() - started,
            build_seconds=tuned.build_seconds + index_seconds,
            tokens=tuned.tokens + indexed.tokens,  # tokens trained + tokens embedded
            cache_hit=tuned.cache_hit and indexed.cache_hit,
            loss_curve=tuned.loss_curve,
            forgetting=tuned.forgetting,
            details={
                "finetune": {**tuned.details, "cache_hit": tuned.cache_hit,
                             "build_seconds": tuned.build_seconds, "tokens": tuned.tokens},
                "rag": {**indexed.details, "cache_hit": indexed.cache_hit,
                        "build_seconds": indexed.build_seconds, "tokens": indexed.tokens},
                "train_corpus": self.train_corpus,
                "trained_on": self.finetune.config.train_on,
                "sources": tuned.details.get("sources"),
            },
        )  # fmt: skip

    def answer(self, batch: list[Question]) -> list[Answer]:
        """The rag strategy's answers, generated by the adapted model."""
        return self.rag.answer(batch)

    def training_corpus(self, corpus: list[Document]) -> list[Document]:
        """The run's corpus, or `train_corpus` (checked against the train questions' doc ids)."""
        if not self.train_corpus:
            return corpus
        if not self.finetune.config.train_questions:
            raise HarnessError(
                f"strategy.train_corpus={self.train_corpus} needs the questions that go with it: "
                f"set strategy.finetune.train_questions=<questions.jsonl>"
            )
        keys = ("strategy.finetune.train_questions", "strategy.train_corpus")
        return load_jsonl(
            "train_corpus", self.finetune.config.train_questions, self.train_corpus,
            needed_split="train", keys=keys,
        ).corpus  # fmt: skip


def build(
    model: ChatModel,
    finetune: Any,
    rag: Any,
    train_corpus: str | None = None,
    name: str = "finetune_rag",
    retriever: str = "dense",
    cite: bool = False,
    context: str = "retrieved",
    train_facts: int | None = None,
    train_facts_seed: int = 0,
    train_on: str = "questions",
    paraphrases: int = 3,
    paraphrase_model: str | None = None,
) -> FinetuneRagStrategy:
    """Builder for `conf/strategy/finetune_rag.yaml`: each node goes to its strategy's builder.

    `retriever`, `cite` and `context` reach the rag node through the yaml (`retriever:
    ${..retriever}`), so the resolved config records what was used; the rag builder checks them.
    `train_facts`, `train_facts_seed`, `train_on`, `paraphrases` and `paraphrase_model` reach
    the finetune node the same way.
    """
    if finetune.get("teacher_run"):  # its prepare builds grounded examples from the gold replies
        raise HarnessError(
            "strategy.finetune.teacher_run: distillation is supported by strategy=finetune only; "
            "use strategy=finetune strategy.teacher_run=<run folder>"
        )
    return FinetuneRagStrategy(
        finetune_strategy.build(model, **finetune),
        rag_strategy.build(model, **rag),
        train_corpus,
        name,
    )
