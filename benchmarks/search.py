"""Bench sections on retrieval: embedding throughput and index builds, then FAISS at scale.

Embedding 100k chunks with MiniLM on 2 cores would take many minutes, so the large corpora are
grown from real embeddings (see `grow`): the real acme chunks and recombined variants of them are
embedded, and synthetic vectors are made around those. Queries are real acme questions, embedded.
"""

from __future__ import annotations

import math
import random
import re
import tempfile
from typing import Any

import numpy as np
from tqdm import tqdm

from benchmarks.common import Settings, compose, embedder, figure, timed
from harness.metrics import percentile

TOP_K = 10
RECALL_GOAL = 0.95
EF_SEARCH = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
NPROBE = (1, 2, 4, 8, 16, 32, 64, 128, 256)
MIN_POINTS_PER_LIST = 39  # FAISS warns below this many training points per IVF centroid
NOISE = 0.25  # norm of the Gaussian noise added to each synthetic vector (unit vectors)
GROWTH_METHOD = (
    "The first vectors are real MiniLM embeddings: the acme chunks and {variants} recombined "
    "variants (3 shuffled sentences of one document plus 1 of another), in random order. Each "
    "further vector is a real one moved a uniform 0-50 % of the way towards another random real "
    "one, plus Gaussian noise of norm {noise}, renormalised. Queries: {queries} real acme "
    "questions (test split first), embedded. Latency: one query per search call, one thread."
)


def embedding(settings: Settings) -> dict[str, Any]:
    """Chunks embedded per second, and the RAG index build (cold cache) and load (warm)."""
    from harness.config import instantiate
    from harness.retrieval.dense import chunk_corpus, load_or_build

    cfg = compose(settings, "strategy=rag")
    strategy = cfg.strategy
    corpus = instantiate(cfg.dataset).corpus[: settings.corpus_documents]
    model = embedder(strategy.embedder, strategy.trust_remote_code)
    chunks = chunk_corpus(corpus, model.token_spans, strategy.chunk_size, strategy.chunk_overlap)
    texts = [c.embedding_text for c in chunks]
    batch = strategy.embed_batch_size
    model.encode(texts[:batch], batch)  # warm-up
    embed_seconds, build_seconds, load_seconds = [], [], []
    for _ in tqdm(range(settings.repeats), desc="embedding", unit="repeat"):
        embed_seconds.append(timed(lambda: model.encode(texts, batch))[0])
        with tempfile.TemporaryDirectory(prefix="ragbench-bench-") as cache:

            def build(cache: str = cache) -> Any:
                return load_or_build(
                    corpus,
                    model,
                    strategy.index,
                    strategy.chunk_size,
                    strategy.chunk_overlap,
                    cache,
                    batch,
                )

            seconds, built = timed(build)
            build_seconds.append(seconds)
            seconds, loaded = timed(build)
            load_seconds.append(seconds)
            assert not built.cache_hit and loaded.cache_hit
    return {
        "embedder": model.identity,
        "chunks": len(chunks),
        "chunk_size": strategy.chunk_size,
        "index": strategy.index,
        "embed_seconds": figure(embed_seconds),
        "chunks_per_second": figure([len(chunks) / s for s in embed_seconds]),
        "index_build_seconds": figure(build_seconds),
        "index_load_seconds": figure(load_seconds),
        "build_includes": "chunking, embedding, index build and writing the cache entry",
    }


def faiss_search(settings: Settings) -> dict[str, Any]:
    """Per-query latency p50/p95 and recall@10 against Flat, by corpus size and index type."""
    import faiss

    from harness.config import instantiate
    from harness.retrieval.dense import chunk_corpus

    cfg = compose(settings, "strategy=rag")
    strategy = cfg.strategy
    dataset = instantiate(cfg.dataset)
    model = embedder(strategy.embedder, strategy.trust_remote_code)
    corpus = dataset.corpus[: settings.corpus_documents]
    chunks = chunk_corpus(corpus, model.token_spans, strategy.chunk_size, strategy.chunk_overlap)
    rng = np.random.default_rng(0)
    texts = [c.embedding_text for c in chunks] + recombined(chunks, settings.variants, rng)
    seconds, real = timed(lambda: model.encode(texts, strategy.embed_batch_size))
    asked = [*dataset.split("test"), *dataset.split("train")][: settings.queries]
    queries = model.encode([q.question for q in asked], strategy.embed_batch_size)
    vectors = grow(real, max(settings.corpus_sizes), rng)
    threads = faiss.omp_get_max_threads()
    sizes = []
    for size in settings.corpus_sizes:
        data = vectors[:size]
        scores, truth = _built(data, "Flat").search(queries, TOP_K)
        rows = [
            measure_index(data, queries, truth, spec, settings.repeats, threads)
            for spec in ("Flat", "HNSW32", f"IVF{ivf_lists(size)},Flat")
        ]
        # how close the neighbours are: a corpus of near-duplicates would make recall too easy
        similarity = {
            "top1": float(np.median(scores[:, 0])),
            "top10": float(np.median(scores[:, -1])),
        }
        sizes.append({"chunks": size, "query_similarity_median": similarity, "indexes": rows})
    faiss.omp_set_num_threads(threads)
    return {
        "method": GROWTH_METHOD.format(variants=settings.variants, noise=NOISE, queries=len(asked)),
        "real_vectors": len(real),
        "variant_embed_seconds": seconds,
        "queries": len(asked),
        "top_k": TOP_K,
        "recall_goal": RECALL_GOAL,
        "build_threads": threads,
        "sizes": sizes,
    }


def measure_index(
    data: np.ndarray,
    queries: np.ndarray,
    truth: np.ndarray,
    spec: str,
    repeats: int,
    threads: int,
) -> dict[str, Any]:
    """Build `spec` `repeats` times, tune its search knob to the recall goal, time queries."""
    import faiss

    from harness.retrieval.dense import set_search_parameters

    builds = []
    for _ in range(repeats):
        faiss.omp_set_num_threads(threads)
        seconds, index = timed(lambda: _built(data, spec))
        builds.append(seconds)
    knob, value, recall = _tune(index, queries, truth, spec)
    if knob:
        set_search_parameters(
            index, value if knob == "nprobe" else None, value if knob == "efSearch" else None
        )
    # One query at a time: FAISS threads over queries, so more threads only add OpenMP overhead.
    faiss.omp_set_num_threads(1)
    p50, p95 = [], []
    for _ in range(repeats):
        latencies = [
            timed(lambda i=i: index.search(queries[i : i + 1], TOP_K))[0]
            for i in range(len(queries))
        ]
        p50.append(1000 * percentile(np.asarray(latencies), 50))
        p95.append(1000 * percentile(np.asarray(latencies), 95))
    faiss.omp_set_num_threads(threads)
    return {
        "index": spec,
        "build_seconds": figure(builds),
        "p50_ms": figure(p50),
        "p95_ms": figure(p95),
        "recall_at_10": recall,
        "parameter": {knob: value} if knob else {},
    }


def recombined(chunks: list[Any], count: int, rng: np.random.Generator) -> list[str]:
    """New chunk-like texts: three shuffled sentences of one document and one of another."""
    sentences: dict[str, list[str]] = {}
    titles = {}
    for chunk in chunks:
        parts = [s for s in re.split(r"(?<=[.!?])\s+", chunk.text) if s.strip()]
        sentences.setdefault(chunk.doc_id, []).extend(parts)
        titles[chunk.doc_id] = chunk.title
    documents = sorted(sentences)
    shuffler = random.Random(int(rng.integers(1 << 31)))
    texts = []
    for _ in range(count):
        own, other = shuffler.choice(documents), shuffler.choice(documents)
        pool = sentences[own]
        picked = [*shuffler.sample(pool, min(3, len(pool))), shuffler.choice(sentences[other])]
        shuffler.shuffle(picked)
        texts.append(f"{titles[own]}\n{' '.join(picked)}")
    return texts


def grow(real: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """`size` unit vectors: the real ones in random order, then synthetic ones around them."""
    real = real[rng.permutation(len(real))]
    extra = max(0, size - len(real))
    source = real[rng.integers(0, len(real), extra)]
    toward = real[rng.integers(0, len(real), extra)]
    share = rng.uniform(0.0, 0.5, (extra, 1)).astype(np.float32)
    noise = rng.standard_normal((extra, real.shape[1])).astype(np.float32)
    noise *= NOISE / math.sqrt(real.shape[1])
    made = source + share * (toward - source) + noise
    made /= np.linalg.norm(made, axis=1, keepdims=True)
    return np.ascontiguousarray(np.concatenate([real, made])[:size], dtype=np.float32)


def ivf_lists(size: int) -> int:
    """IVF centroids: a power of two, at most 1024, with enough points to train each."""
    return max(1, min(1024, 2 ** int(math.log2(max(1, size // MIN_POINTS_PER_LIST)))))


def _tune(index: Any, queries: np.ndarray, truth: np.ndarray, spec: str) -> tuple[str, int, float]:
    """The smallest efSearch / nprobe whose recall@10 meets the goal (else the largest tried)."""
    from harness.retrieval.dense import set_search_parameters

    if spec.startswith("HNSW"):
        knob, grid = "efSearch", EF_SEARCH
    elif spec.startswith("IVF"):
        import faiss

        lists = faiss.extract_index_ivf(index).nlist
        knob, grid = "nprobe", [n for n in NPROBE if n <= lists]
    else:
        return "", 0, recall_at_k(_search(index, queries), truth)
    for value in grid:
        set_search_parameters(
            index, value if knob == "nprobe" else None, value if knob == "efSearch" else None
        )
        recall = recall_at_k(_search(index, queries), truth)
        if recall >= RECALL_GOAL:
            break
    return knob, value, recall


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each query's true top-k that the index found."""
    hits = [
        len(set(f) & set(t)) / len(t) for f, t in zip(found.tolist(), truth.tolist(), strict=True)
    ]
    return float(np.mean(hits))


def _built(data: np.ndarray, spec: str) -> Any:
    from harness.retrieval.dense import build_index

    index, built_as = build_index(data, spec)
    if built_as != spec:
        raise RuntimeError(f"{spec} fell back to {built_as} on {len(data)} vectors")
    return index


def _search(index: Any, queries: np.ndarray) -> np.ndarray:
    return index.search(queries, TOP_K)[1]
