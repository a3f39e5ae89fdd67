"""The `strategy.retriever` choices over one corpus's chunks, and the function that opens them.

- `dense` (the default): the FAISS index of embedded chunks (`harness.retrieval.dense`).
- `bm25`: a BM25 index of the same chunks (`harness.retrieval.bm25`, which documents the
  tokenisation); it finds the exact product codes, ids and numbers that embeddings blur.
- `hybrid`: both rankings of the batch fused by reciprocal rank (Cormack et al., 2009): a chunk
  scores the sum of 1 / (`rrf_k` + rank) over the rankings it is in, each ranking cut at
  `FUSION_DEPTH` chunks. A larger `rrf_k` flattens the weight of the top ranks.

Each index is cached on its own and keyed by what produced it, so hybrid reuses the dense and
BM25 runs' indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.datasets import Document
from harness.registry import Registry
from harness.retrieval.dense import Chunk, Hit, Retriever, load_or_build
from harness.retrieval.embedders import Embedder

# chunks each ranking contributes to the fusion: past ~50, 1 / (60 + rank) barely moves a chunk
FUSION_DEPTH = 50


class Searcher(Protocol):
    """What a strategy needs from an index of chunks, whichever `strategy.retriever` built it."""

    chunks: list[Chunk]
    meta: dict[str, Any]  # build_seconds, embedding_tokens, chunks, documents, index, key...
    cache_hit: bool
    search_parameters: dict[str, float]

    @property
    def index(self) -> Any:
        """The FAISS index searched, if any (FAISS search parameters are set on it)."""
        ...

    def search(self, queries: list[str], top_k: int, batch_size: int = 64) -> list[list[Hit]]:
        """The `top_k` best chunks for each query, the batch searched at once."""
        ...


def load_retriever(
    retriever: str,
    corpus: list[Document],
    embedder: Embedder,
    index: str,
    chunk_size: int | None,
    chunk_overlap: int,
    cache_dir: str,
    batch_size: int = 64,
    rrf_k: int = 60,
) -> Searcher:
    """The `strategy.retriever` index over the corpus (dense, bm25 or hybrid), cached."""
    build = RETRIEVERS.get(retriever)
    return build(Chunking(corpus, embedder, index, chunk_size, chunk_overlap, cache_dir, batch_size,
                          rrf_k))  # fmt: skip


def retriever_problem(retriever: str) -> str | None:
    """What is wrong with a `strategy.retriever` value, naming the choices, or None."""
    return RETRIEVERS.problem(retriever)


@dataclass(frozen=True)
class Chunking:
    """What every kind of retriever builds its index from: the corpus, cut and embedded so."""

    corpus: list[Document]
    embedder: Embedder
    index: str
    chunk_size: int | None
    chunk_overlap: int
    cache_dir: str
    batch_size: int
    rrf_k: int


def _dense(how: Chunking) -> Searcher:
    return load_or_build(how.corpus, how.embedder, how.index, how.chunk_size, how.chunk_overlap,
                         how.cache_dir, how.batch_size)  # fmt: skip


def _bm25(how: Chunking) -> Searcher:
    from harness.retrieval.bm25 import load_or_build_bm25

    return load_or_build_bm25(how.corpus, how.embedder, how.chunk_size, how.chunk_overlap,
                              how.cache_dir)  # fmt: skip


def _hybrid(how: Chunking) -> Searcher:
    return HybridRetriever(_dense(how), _bm25(how), how.rrf_k)  # type: ignore[arg-type]


# strategy.retriever: each kind's builder over the same chunks
RETRIEVERS: Registry[Callable[[Chunking], Searcher]] = Registry(
    "retriever", setting="strategy.retriever"
)
RETRIEVERS.add("dense", _dense)
RETRIEVERS.add("bm25", _bm25)
RETRIEVERS.add("hybrid", _hybrid)


@dataclass
class HybridRetriever:
    """Dense and BM25 rankings of the same chunks, fused by reciprocal rank (`rrf_k`)."""

    dense: Retriever
    lexical: Searcher
    rrf_k: int = 60
    search_parameters: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dense.chunks != self.lexical.chunks:  # both cut by chunk_corpus with one setting
            raise RuntimeError("the dense and BM25 indexes hold different chunks")
        self.chunks = self.dense.chunks
        self.cache_hit = self.dense.cache_hit and self.lexical.cache_hit
        dense, lexical = self.dense.meta, self.lexical.meta
        self.meta = {
            **dense,
            "key": f"{dense['key']}+{lexical['key']}",
            "index": f"{dense['index']}+bm25",
            "index_built": f"{dense['index_built']}+bm25",
            "rrf_k": self.rrf_k,
            "build_seconds": dense["build_seconds"] + lexical["build_seconds"],
        }

    @property
    def index(self) -> Any:
        """The dense ranking's FAISS index."""
        return self.dense.index

    def search(self, queries: list[str], top_k: int, batch_size: int = 64) -> list[list[Hit]]:
        """Both rankings to `FUSION_DEPTH` chunks for the batch, fused; the top `top_k` kept."""
        depth = min(len(self.chunks), max(top_k, FUSION_DEPTH))
        dense = self.dense.search(queries, depth, batch_size)
        lexical = self.lexical.search(queries, depth, batch_size)
        return [
            reciprocal_rank_fusion([d, w], self.rrf_k)[:top_k]
            for d, w in zip(dense, lexical, strict=True)
        ]


def reciprocal_rank_fusion(rankings: Sequence[Sequence[Hit]], k: int = 60) -> list[Hit]:
    """Chunks ordered by the sum over rankings of 1 / (k + rank), rank counted from 1.

    Ties keep the order in which chunks first appear (the first ranking's first). The hits'
    scores become the fused scores.
    """
    fused: dict[tuple[str, int], float] = {}
    chunks: dict[tuple[str, int], Chunk] = {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            name = (hit.chunk.doc_id, hit.chunk.position)
            chunks.setdefault(name, hit.chunk)
            fused[name] = fused.get(name, 0.0) + 1.0 / (k + rank)
    order = sorted(fused, key=lambda name: -fused[name])  # stable: ties keep first appearance
    return [Hit(chunks[name], fused[name]) for name in order]
