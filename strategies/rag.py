"""`strategy=rag`: answer from the `top_k` corpus chunks a FAISS index retrieves for the question.

Setup builds (or loads from the cache) the index over the corpus; each batch of questions is
embedded in one call, searched, put into prompts trimmed to the model's window, and answered in
one generation call. Per question it records the retrieved documents, recall@k and reciprocal
rank against the gold `doc_ids` (None for a question without them) and the latency split.
"""

from __future__ import annotations

import logging
import string
import time
from dataclasses import dataclass

from harness.datasets import Document, Question
from harness.embedders import load_embedder
from harness.errors import HarnessError
from harness.models import ChatModel
from harness.prompts import Grounded, grounded_conversation
from harness.retrieval import (
    Chunk,
    Hit,
    Retriever,
    load_or_build,
    ranked_doc_ids,
    recall_at_k,
    reciprocal_rank,
    set_search_parameters,
)
from strategies import Answer, SetupReport

log = logging.getLogger(__name__)

USER_FIELDS = {"question", "context", "abstain_answer"}
CHUNK_FIELDS = {"text", "title", "doc_id"}


@dataclass
class RagStrategy:
    """Retrieve chunks for each question and answer from them under a grounded template."""

    model: ChatModel
    system_prompt: str
    user_template: str
    abstain_answer: str
    embedder: str
    chunk_size: int | None
    chunk_overlap: int
    index: str
    top_k: int
    cache_dir: str
    chunk_template: str = "{text}"
    chunk_separator: str = "\n\n"
    nprobe: int | None = None
    ef_search: int | None = None
    max_context_tokens: int | None = None
    embed_batch_size: int = 64
    trust_remote_code: bool = False
    name: str = "rag"
    retriever: Retriever | None = None

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
        embedder = load_embedder(self.embedder, self.trust_remote_code)
        retriever = load_or_build(
            corpus,
            embedder,
            self.index,
            self.chunk_size,
            self.chunk_overlap,
            self.cache_dir,
            self.embed_batch_size,
        )
        retriever.search_parameters = set_search_parameters(
            retriever.index, self.nprobe, self.ef_search
        )
        if self.top_k > len(retriever.chunks):
            log.warning(
                "strategy.top_k=%d is more than the %d chunks in the index; using %d",
                self.top_k,
                len(retriever.chunks),
                len(retriever.chunks),
            )
            self.top_k = len(retriever.chunks)
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
                "index": meta["index"],
                "index_built": meta["index_built"],
                "embedder": meta["embedder"],
                "cache_key": meta["key"],
                "top_k": self.top_k,
                "search_parameters": retriever.search_parameters,
            },
        )

    def answer(self, batch: list[Question]) -> list[Answer]:
        """One embedding call and one search for the batch, then one generation call.

        `retrieval_seconds` covers embedding the questions, the search and building the prompts.
        """
        started = time.perf_counter()
        hits, prompts = self.grounded_prompts(batch)
        retrieved = time.perf_counter()
        generations = self.model.generate([p.conversation for p in prompts])
        generated = time.perf_counter()
        answers = []
        for question, question_hits, prompt, generation in zip(
            batch, hits, prompts, generations, strict=True
        ):
            doc_ids = ranked_doc_ids(question_hits)
            extras = {
                "retrieved_doc_ids": doc_ids,
                # what the model saw: the chunks that fit the window (a wrong answer is a
                # retrieval miss when no gold document is among them, else a reading error)
                "shown_doc_ids": ranked_doc_ids(question_hits[: prompt.context_chunks]),
                "recall_at_k": recall_at_k(doc_ids, question.doc_ids),
                "reciprocal_rank": reciprocal_rank(doc_ids, question.doc_ids),
                "retrieval_seconds": (retrieved - started) / len(batch),
                "generation_seconds": (generated - retrieved) / len(batch),
                "context_chunks": prompt.context_chunks,
                "context_tokens": prompt.context_tokens,
            }
            answers.append(
                Answer(
                    generation.text, generation.prompt_tokens, generation.completion_tokens, extras
                )
            )
        return answers

    def grounded_prompts(self, batch: list[Question]) -> tuple[list[list[Hit]], list[Grounded]]:
        """Search the index for the batch (one call) and build each question's trimmed prompt."""
        if self.retriever is None:
            raise RuntimeError("RagStrategy used before prepare")
        hits = self.retriever.search([q.question for q in batch], self.top_k, self.embed_batch_size)
        prompts = [
            grounded_conversation(
                self.model,
                self.system_prompt,
                self.user_template,
                question.question,
                [self.chunk_template.format(**_fields(hit.chunk)) for hit in question_hits],
                self.chunk_separator,
                self.max_context_tokens,
                abstain_answer=self.abstain_answer,
            )
            for question, question_hits in zip(batch, hits, strict=True)
        ]
        return hits, prompts


def build(
    model: ChatModel,
    system_prompt: str,
    user_template: str,
    abstain_answer: str,
    embedder: str,
    chunk_size: int | None,
    chunk_overlap: int,
    index: str,
    top_k: int,
    cache_dir: str,
    chunk_template: str = "{text}",
    chunk_separator: str = "\n\n",
    nprobe: int | None = None,
    ef_search: int | None = None,
    max_context_tokens: int | None = None,
    embed_batch_size: int = 64,
    trust_remote_code: bool = False,
    name: str = "rag",
) -> RagStrategy:
    """Builder for `conf/strategy/rag.yaml`; reports every bad setting at once."""
    check_settings(
        user_template, chunk_template, chunk_size, chunk_overlap, top_k, nprobe, ef_search,
        max_context_tokens, embed_batch_size,
    )  # fmt: skip
    return RagStrategy(
        model, system_prompt, user_template, abstain_answer, embedder, chunk_size or None,
        chunk_overlap, index, top_k, cache_dir, chunk_template, chunk_separator, nprobe,
        ef_search, max_context_tokens, embed_batch_size, trust_remote_code, name,
    )  # fmt: skip


def check_settings(
    user_template: str,
    chunk_template: str,
    chunk_size: int | None,
    chunk_overlap: int,
    top_k: int,
    nprobe: int | None,
    ef_search: int | None,
    max_context_tokens: int | None,
    embed_batch_size: int,
) -> None:
    """Raise one HarnessError listing every bad `strategy.*` setting."""
    problems = []
    fields = _template_fields(user_template)
    if not {"question", "context"} <= fields:
        problems.append("strategy.user_template must contain {question} and {context}")
    if fields - USER_FIELDS:
        problems.append(
            f"strategy.user_template: unknown field(s) {sorted(fields - USER_FIELDS)}; "
            f"use {sorted(USER_FIELDS)}"
        )
    if _template_fields(chunk_template) - CHUNK_FIELDS:
        problems.append(f"strategy.chunk_template: use only the fields {sorted(CHUNK_FIELDS)}")
    if chunk_size is not None and chunk_size < 0:
        problems.append(f"strategy.chunk_size={chunk_size}: use a positive number, or null/0 for "
                        "whole documents")  # fmt: skip
    if chunk_size and not 0 <= chunk_overlap < chunk_size:
        problems.append(f"strategy.chunk_overlap={chunk_overlap}: use 0 <= overlap < chunk_size")
    for key, value in (
        ("top_k", top_k),
        ("nprobe", nprobe),
        ("ef_search", ef_search),
        ("max_context_tokens", max_context_tokens),
        ("embed_batch_size", embed_batch_size),
    ):
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
