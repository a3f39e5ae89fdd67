"""Retrieval machinery shared by the strategies that read documents at query time.

The corpus is cut into chunks (sizes counted in the embedder's tokens), embedded with
sentence-transformers into normalised vectors and put in a FAISS index built from an
`index_factory` string, searched by inner product (cosine similarity). The built index, its chunk
table and a small meta file are cached under `<cache_dir>/indexes/<key>`, keyed by a sha256 of
everything that decides them; concurrent runs build an entry once, under its lock, and never see
half of one (see `harness.caches`).

Fallbacks, each logged: an IVF/PQ index with too few vectors to train becomes `Flat` (warning); a
damaged cache entry is rebuilt (warning); `nprobe`/`efSearch` apply only to indexes that have them.

This is `strategy.retriever=dense`; BM25 and the hybrid of both, over the same chunks, are in
`harness.retrieval.bm25` and `harness.retrieval.retrievers`.

The index stays on the CPU even where the embedder runs on a GPU (`strategy.embedder_device`):
the faiss-cpu wheel has no GPU code, searching a corpus index is cheap next to generating, and a
GPU index (faiss-gpu) has no HNSW, takes `GpuParameterSpace` for `nprobe` and must be copied back
to the CPU to be cached, so it is not worth a second code path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from harness.caches import entry_problem, read_or_build, write_manifest
from harness.datasets import Document
from harness.errors import HarnessError
from harness.retrieval.embedders import Embedder

log = logging.getLogger(__name__)

INDEX_FILE, CHUNKS_FILE, META_FILE = "index.faiss", "chunks.json", "meta.json"
_CACHE_FORMAT = 1  # bump when the entry layout changes, so old entries are not misread


@dataclass(frozen=True)
class Chunk:
    """A span of one document; `position` counts the document's chunks from 0."""

    doc_id: str
    title: str
    text: str
    position: int = 0

    @property
    def embedding_text(self) -> str:
        """What gets embedded: the title helps a chunk that does not name its own subject."""
        return f"{self.title}\n{self.text}" if self.title else self.text


@dataclass(frozen=True)
class Hit:
    """One search result: a chunk and its score (cosine similarity, BM25 score or fused RRF)."""

    chunk: Chunk
    score: float


@dataclass
class Retriever:
    """A searchable index over chunks, with the meta of its build."""

    embedder: Embedder
    index: Any  # faiss.Index
    chunks: list[Chunk]
    meta: dict[str, Any]
    cache_hit: bool = False
    search_parameters: dict[str, float] = field(default_factory=dict)

    def search(self, queries: list[str], top_k: int, batch_size: int = 64) -> list[list[Hit]]:
        """The `top_k` best chunks for each query: one batched embedding call, one search."""
        vectors = self.embedder.encode(queries, batch_size)
        scores, ids = self.index.search(vectors, top_k)
        rows = zip(ids.tolist(), scores.tolist(), strict=True)
        return [
            [Hit(self.chunks[i], s) for i, s in zip(*row, strict=True) if i >= 0] for row in rows
        ]


def load_or_build(
    corpus: list[Document],
    embedder: Embedder,
    index: str,
    chunk_size: int | None,
    chunk_overlap: int,
    cache_dir: str,
    batch_size: int = 64,
) -> Retriever:
    """The index for this corpus and settings: loaded from the cache, or built and cached."""
    if not corpus:
        raise HarnessError(
            "the corpus is empty: retrieval needs documents; give the dataset a corpus "
            "(e.g. dataset.corpus=<corpus.jsonl>)"
        )
    key = cache_key(corpus, embedder.identity, chunk_size, chunk_overlap, index)
    folder = Path(cache_dir).expanduser() / "indexes" / key[:32]

    def read(repair: bool) -> Retriever | None:
        cached = _read_entry(folder, key, repair)
        return None if cached is None else Retriever(embedder, *cached, cache_hit=True)

    def build() -> Retriever:
        return _build_entry(corpus, embedder, index, chunk_size, chunk_overlap, key, folder,
                            batch_size)  # fmt: skip

    retriever, built = read_or_build(folder, read, build)
    if not built:
        log.info("loaded index %s (%d chunks) from %s", index, len(retriever.chunks), folder)
    return retriever


def _build_entry(
    corpus: list[Document],
    embedder: Embedder,
    index: str,
    chunk_size: int | None,
    chunk_overlap: int,
    key: str,
    folder: Path,
    batch_size: int,
) -> Retriever:
    """Chunk, embed and index the corpus, then write the cache entry."""
    started = time.perf_counter()
    chunks = chunk_corpus(corpus, embedder.token_spans, chunk_size, chunk_overlap)
    texts = [c.embedding_text for c in chunks]
    lengths = [len(embedder.token_spans(t)) for t in texts]
    if truncated := sum(n > embedder.max_tokens for n in lengths):
        log.info("%d chunks exceed the embedder's %d tokens: their tail is not embedded (see "
                 "strategy.chunk_size)", truncated, embedder.max_tokens)  # fmt: skip
    log.info("embedding %d chunks with %s", len(chunks), embedder.identity)
    built, built_as = build_index(embedder.encode(texts, batch_size), index)
    meta = {
        "format": _CACHE_FORMAT,
        "key": key,
        "index": index,
        "index_built": built_as,
        "embedder": embedder.identity,
        "chunk_size": chunk_size,
        "chunk_overlap": chunk_overlap,
        "chunks": len(chunks),
        "documents": len(corpus),
        "embedding_tokens": sum(min(n, embedder.max_tokens) for n in lengths),
        "build_seconds": time.perf_counter() - started,
    }
    write_entry(folder, lambda staging: _save_faiss(built, staging), chunks, meta)
    log.info("built index %s over %d chunks in %.1fs", built_as, len(chunks), meta["build_seconds"])
    return Retriever(embedder, built, chunks, meta, cache_hit=False)


def chunk_corpus(
    corpus: list[Document],
    token_spans: Callable[[str], list[tuple[int, int]]],
    chunk_size: int | None,
    chunk_overlap: int = 0,
) -> list[Chunk]:
    """Cut documents into windows of `chunk_size` tokens overlapping by `chunk_overlap`.

    `chunk_size` None or 0 keeps whole documents. Chunk text is a slice of the original text (not
    decoded tokens), so casing and spacing survive.
    """
    if chunk_size and not 0 <= chunk_overlap < chunk_size:
        raise HarnessError(
            f"strategy.chunk_overlap={chunk_overlap}: use 0 <= chunk_overlap < chunk_size "
            f"({chunk_size})"
        )
    chunks: list[Chunk] = []
    for doc in corpus:
        if not doc.text.strip():
            raise HarnessError(f"corpus document {doc.id!r} has no text; give it some or drop it")
        spans = token_spans(doc.text) if chunk_size else []
        if not spans:
            chunks.append(Chunk(doc.id, doc.title, doc.text.strip()))
            continue
        step = chunk_size - chunk_overlap
        # stop where the rest is already inside the previous chunk's overlap
        starts = range(0, max(len(spans) - chunk_overlap, 1), step)
        for position, start in enumerate(starts):
            window = spans[start : start + chunk_size]
            text = doc.text[window[0][0] : window[-1][1]]
            chunks.append(Chunk(doc.id, doc.title, text, position))
    return chunks


def build_index(vectors: np.ndarray, index: str) -> tuple[Any, str]:
    """A trained, filled inner-product FAISS index and the factory string it was built from."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    built = _new_index(vectors.shape[1], index)
    built_as = index
    if not built.is_trained:
        try:
            built.train(vectors)
        except RuntimeError as error:
            log.warning("strategy.index=%r cannot be trained on %d vectors (%s); falling back to "
                        "Flat", index, len(vectors), _faiss_reason(error))  # fmt: skip
            built_as = "Flat"
            built = faiss.index_factory(vectors.shape[1], built_as, faiss.METRIC_INNER_PRODUCT)
    try:
        built.add(vectors)
    except RuntimeError as error:  # e.g. IDMap,Flat: it takes vectors only with explicit ids
        raise HarnessError(
            f"strategy.index={index!r} cannot be filled by ragbench ({_faiss_reason(error)}); "
            "try Flat, HNSW32, IVF16,Flat or IVF16,PQ8"
        ) from None
    return built, built_as


def set_search_parameters(
    index: Any, nprobe: int | None, ef_search: int | None
) -> dict[str, float]:
    """Apply `nprobe` (IVF) and `efSearch` (HNSW) where the index has them; return what was set.

    `index` None (a BM25 retriever has no FAISS index) sets nothing."""
    import faiss

    if index is None:
        return {}

    space = faiss.ParameterSpace()
    applied: dict[str, float] = {}
    for name, value in (("nprobe", nprobe), ("efSearch", ef_search)):
        if value is None:
            continue
        try:
            space.set_index_parameter(index, name, value)
            applied[name] = value
        except RuntimeError:
            log.debug("%s=%s does not apply to this index; ignored", name, value)
    return applied


def cache_key(
    corpus: list[Document],
    embedder_identity: str,
    chunk_size: int | None,
    chunk_overlap: int,
    index: str,
) -> str:
    """sha256 of everything that decides an index: corpus content, embedder, chunking, index."""
    digest = hashlib.sha256()
    settings = {
        "format": _CACHE_FORMAT,
        "embedder": embedder_identity,
        "chunk_size": chunk_size or None,
        "chunk_overlap": chunk_overlap if chunk_size else 0,
        "index": index,
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for doc in corpus:
        digest.update(json.dumps([doc.id, doc.title, doc.text]).encode())
    return digest.hexdigest()


def ranked_doc_ids(hits: Sequence[Hit]) -> list[str]:
    """Document ids in order of their best chunk, without repeats."""
    return list(dict.fromkeys(hit.chunk.doc_id for hit in hits))


def recall_at_k(retrieved: Sequence[str], gold: Sequence[str]) -> float | None:
    """Share of the gold documents among the retrieved ones; None without gold documents."""
    if not gold:
        return None
    return len(set(gold) & set(retrieved)) / len(set(gold))


def reciprocal_rank(retrieved: Sequence[str], gold: Sequence[str]) -> float | None:
    """1 / rank of the first gold document retrieved, 0 if none; None without gold documents."""
    if not gold:
        return None
    return next((1 / rank for rank, d in enumerate(retrieved, start=1) if d in gold), 0.0)


def _new_index(dimension: int, index: str) -> Any:
    import faiss

    try:
        return faiss.index_factory(dimension, index, faiss.METRIC_INNER_PRODUCT)
    except RuntimeError as error:
        raise HarnessError(
            f"strategy.index={index!r} is not a FAISS index_factory string for {dimension}-dim "
            f"vectors ({_faiss_reason(error)}); try Flat, HNSW32, IVF16,Flat or IVF16,PQ8"
        ) from None


def _faiss_reason(error: Exception) -> str:
    """The message of a FAISS error without its C++ location prefix."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return re.sub(r"^Error in .*? at \S+:\d+: (Error: )?", "", text)


def _read_entry(
    folder: Path, key: str, repair: bool
) -> tuple[Any, list[Chunk], dict[str, Any]] | None:
    """A cache entry, or None when it is missing or damaged.

    With `repair` (only under the entry's lock) a damaged entry is discarded with a warning.
    """
    import faiss

    if not folder.exists():
        return None
    try:
        if problem := entry_problem(folder, (META_FILE, CHUNKS_FILE, INDEX_FILE)):
            raise ValueError(problem)
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        if meta.get("key") != key:
            raise ValueError("its key does not match")
        rows = json.loads((folder / CHUNKS_FILE).read_text(encoding="utf-8"))
        chunks = [Chunk(**row) for row in rows]
        index = faiss.read_index(str(folder / INDEX_FILE))
        if index.ntotal != len(chunks):
            raise ValueError(f"{index.ntotal} vectors for {len(chunks)} chunks")
    except (OSError, ValueError, TypeError, RuntimeError) as error:
        if repair:
            reason = _faiss_reason(error) if isinstance(error, RuntimeError) else error
            log.warning("index cache entry %s is damaged (%s); rebuilding it", folder, reason)
            discard_entry(folder)
        return None
    return index, chunks, meta


def write_entry(
    folder: Path,
    save_index: Callable[[Path], None],
    chunks: list[Chunk],
    meta: dict[str, Any],
    what: str = "index",
) -> None:
    """Write an entry (`save_index(staging)`, chunks, meta, manifest) into a staging folder
    beside `folder`, then rename it into place."""
    staging: Path | None = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".building-"))
        save_index(staging)
        rows = [asdict(c) for c in chunks]
        (staging / CHUNKS_FILE).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        (staging / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        write_manifest(staging)
        os.replace(staging, folder)  # atomic: a concurrent run sees no entry or a whole one
    except OSError as error:
        if folder.is_dir():
            log.info("another run cached this %s first; using the one built here", what)
        else:
            log.warning("could not cache the %s in %s (%s); continuing without", what, folder,
                        error)  # fmt: skip
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)


def _save_faiss(index: Any, staging: Path) -> None:
    import faiss

    faiss.write_index(index, str(staging / INDEX_FILE))


def discard_entry(folder: Path) -> None:
    """Move a damaged entry aside atomically, then delete it."""
    trash = folder.with_name(f".discarded-{folder.name}-{os.getpid()}")
    try:
        os.replace(folder, trash)
    except OSError:
        return
    shutil.rmtree(trash, ignore_errors=True)
