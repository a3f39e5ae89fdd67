"""BM25 retrieval over the same chunks as the FAISS index (`strategy.retriever=bm25`), with bm25s.

Tokenisation (`bm25_tokens`) keeps product codes, ids, versions and numbers whole: a token is a
run of letters, digits or `_` joined by `-`, `.`, `/`, `:` or `@` with no space, so "AX-220",
"6.5", "v2.1.3", "TCP/IP", "12:30" and "help@acme.com" are one token each. A joined token is also
indexed by its parts ("ax-220", "ax", "220"), so "AX 220" still matches "AX-220", less strongly.
Text is case-folded; English stopwords (bm25s's list) are dropped unless part of a joined token;
there is no stemming ("devices" does not match "device"). Scoring is bm25s's defaults: Lucene's
BM25 with k1=1.5, b=0.75.

Chunks are cut exactly as for the dense index (in the embedder's tokens, `chunk_corpus`), so the
two rankings of `strategy.retriever=hybrid` are over the same chunks. The built index is cached
under `<cache_dir>/bm25/<key>` (NumPy arrays and JSON, no pickles), keyed by a sha256 of the
corpus, the chunking, the tokeniser and the bm25s version, and shared by concurrent runs as the
FAISS index is (`harness.caches`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from harness.caches import entry_problem, read_or_build
from harness.datasets import Document
from harness.errors import HarnessError
from harness.retrieval.dense import (
    CHUNKS_FILE,
    META_FILE,
    Chunk,
    Hit,
    chunk_corpus,
    discard_entry,
    write_entry,
)
from harness.retrieval.embedders import Embedder

log = logging.getLogger(__name__)

INDEX_FILES = (
    "data.csc.index.npy",
    "indices.csc.index.npy",
    "indptr.csc.index.npy",
    "vocab.index.json",
    "params.index.json",
)
_CACHE_FORMAT = 1  # bump when the entry layout changes, so old entries are not misread
_TOKENISER = 1  # bump when `bm25_tokens` changes: its output is what the index stores
_TOKEN = re.compile(r"\w+(?:[-./:@]\w+)*")
_PROGRESS_FROM = 2000  # chunks; below this, indexing takes about a second


@dataclass
class Bm25Retriever:
    """A BM25 index over chunks, with the meta of its build; searched like `Retriever`."""

    model: Any  # bm25s.BM25
    chunks: list[Chunk]
    meta: dict[str, Any]
    cache_hit: bool = False
    search_parameters: dict[str, float] = field(default_factory=dict)
    index: None = None  # no FAISS index: FAISS search parameters do not apply

    def search(self, queries: list[str], top_k: int, batch_size: int = 64) -> list[list[Hit]]:
        """The `top_k` best chunks for each query, all queries in one call; a chunk sharing no
        token with the query is never returned, so a query may get fewer than `top_k`."""
        k = min(top_k, len(self.chunks))
        ids, scores = self.model.retrieve(
            [bm25_tokens(q) for q in queries], k=k, show_progress=False, n_threads=0
        )
        rows = zip(ids.tolist(), scores.tolist(), strict=True)
        return [
            [Hit(self.chunks[i], s) for i, s in zip(*row, strict=True) if s > 0] for row in rows
        ]


def bm25_tokens(text: str) -> list[str]:
    """The terms BM25 indexes for `text`: case-folded tokens, joined ones also by their parts."""
    from bm25s.stopwords import STOPWORDS_EN

    terms: list[str] = []
    for match in _TOKEN.finditer(text.casefold()):
        token = match.group()
        parts = re.findall(r"\w+", token)
        if len(parts) > 1:
            terms.append(token)
            terms.extend(parts)
        elif token not in STOPWORDS_EN:
            terms.append(token)
    return terms


def load_or_build_bm25(
    corpus: list[Document],
    embedder: Embedder,
    chunk_size: int | None,
    chunk_overlap: int,
    cache_dir: str,
) -> Bm25Retriever:
    """The BM25 index for this corpus and chunking: loaded from the cache, or built and cached.

    `embedder` only cuts the chunks (its tokenizer), as for the dense index; nothing is embedded.
    """
    if not corpus:
        raise HarnessError(
            "the corpus is empty: retrieval needs documents; give the dataset a corpus "
            "(e.g. dataset.corpus=<corpus.jsonl>)"
        )
    key = bm25_cache_key(corpus, embedder.identity, chunk_size, chunk_overlap)
    folder = Path(cache_dir).expanduser() / "bm25" / key[:32]

    def read(repair: bool) -> Bm25Retriever | None:
        cached = _read_entry(folder, key, repair)
        return None if cached is None else Bm25Retriever(*cached, cache_hit=True)

    def build() -> Bm25Retriever:
        return _build_entry(corpus, embedder, chunk_size, chunk_overlap, key, folder)

    retriever, built = read_or_build(folder, read, build)
    if not built:
        log.info("loaded BM25 index (%d chunks) from %s", len(retriever.chunks), folder)
    return retriever


def bm25_cache_key(
    corpus: list[Document], chunker_identity: str, chunk_size: int | None, chunk_overlap: int
) -> str:
    """sha256 of everything that decides a BM25 index: corpus content, chunking, tokeniser."""
    digest = hashlib.sha256()
    settings = {
        "format": _CACHE_FORMAT,
        "tokeniser": _TOKENISER,
        "bm25s": version("bm25s"),
        "chunker": chunker_identity,  # chunks are cut in this embedder's tokens
        "chunk_size": chunk_size or None,
        "chunk_overlap": chunk_overlap if chunk_size else 0,
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for doc in corpus:
        digest.update(json.dumps([doc.id, doc.title, doc.text]).encode())
    return digest.hexdigest()


def _build_entry(
    corpus: list[Document],
    embedder: Embedder,
    chunk_size: int | None,
    chunk_overlap: int,
    key: str,
    folder: Path,
) -> Bm25Retriever:
    """Chunk, tokenise and index the corpus, then write the cache entry."""
    import bm25s

    started = time.perf_counter()
    chunks = chunk_corpus(corpus, embedder.token_spans, chunk_size, chunk_overlap)
    model = bm25s.BM25()
    model.index(
        [bm25_tokens(c.embedding_text) for c in chunks],
        show_progress=len(chunks) >= _PROGRESS_FROM,
    )
    meta = {
        "format": _CACHE_FORMAT,
        "key": key,
        "index": "bm25",
        "index_built": "bm25",
        "embedder": embedder.identity,  # the tokenizer the chunks were cut with
        "chunk_size": chunk_size,
        "chunk_overlap": chunk_overlap,
        "chunks": len(chunks),
        "documents": len(corpus),
        "vocabulary": len(model.vocab_dict),
        "embedding_tokens": 0,
        "build_seconds": time.perf_counter() - started,
    }

    def save(staging: Path) -> None:
        model.save(str(staging), allow_pickle=False, show_progress=False)

    write_entry(folder, save, chunks, meta, what="BM25 index")
    log.info("built BM25 index over %d chunks in %.1fs", len(chunks), meta["build_seconds"])
    return Bm25Retriever(model, chunks, meta, cache_hit=False)


def _read_entry(
    folder: Path, key: str, repair: bool
) -> tuple[Any, list[Chunk], dict[str, Any]] | None:
    """A cache entry, or None when it is missing or damaged (discarded, with `repair`)."""
    import bm25s

    if not folder.exists():
        return None
    try:
        if problem := entry_problem(folder, (META_FILE, CHUNKS_FILE, *INDEX_FILES)):
            raise ValueError(problem)
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
        if meta.get("key") != key:
            raise ValueError("its key does not match")
        rows = json.loads((folder / CHUNKS_FILE).read_text(encoding="utf-8"))
        chunks = [Chunk(**row) for row in rows]
        model = bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False)
        if model.scores["num_docs"] != len(chunks):
            raise ValueError(f"{model.scores['num_docs']} indexed chunks for {len(chunks)}")
    except (OSError, ValueError, TypeError, KeyError) as error:
        if repair:
            log.warning("BM25 cache entry %s is damaged (%s); rebuilding it", folder, error)
            discard_entry(folder)
        return None
    return model, chunks, meta
