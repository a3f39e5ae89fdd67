"""`strategy=rag` end to end on fakes: setup report, batching, extras, trimming, bad settings."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pytest

from harness.datasets import Question
from harness.errors import HarnessError
from strategies import rag
from tests.fakes import CORPUS, FakeChatModel, FakeEmbedder

TEMPLATE = "Context:\n{context}\n\nUsing only the context, answer.\n\nQuestion: {question}"
QUESTIONS = [
    Question("q1", "How many devices can a Pebble account link?", ("3 devices",), "test", ("d4",)),
    Question("q2", "How long do deleted files stay in the trash?", ("30 days",), "test", ("d3",)),
    Question("q3", "Who founded Acme?", (), "test"),
]


@pytest.fixture
def embedders(monkeypatch: pytest.MonkeyPatch) -> list[FakeEmbedder]:
    """Every embedder the strategy loads, in order; stands in for sentence-transformers."""
    made: list[FakeEmbedder] = []

    def fake_load(
        embedder: str, trust_remote_code: bool = False, device: str = "auto"
    ) -> FakeEmbedder:
        made.append(FakeEmbedder())
        return made[-1]

    monkeypatch.setattr(rag, "load_embedder", fake_load)
    return made


def make(model: FakeChatModel, tmp_path: Path, **settings: Any) -> rag.RagStrategy:
    """The strategy with test defaults: whole documents, Flat index, top 2."""
    values: dict[str, Any] = {
        "system_prompt": "Answer briefly.",
        "user_template": TEMPLATE,
        "abstain_answer": "I don't know.",
        "embedder": "fake",
        "chunk_size": None,
        "chunk_overlap": 0,
        "index": "Flat",
        "top_k": 2,
        "cache_dir": str(tmp_path),
    }
    return rag.build(model, **{**values, **settings})


def test_setup_builds_once_then_reports_the_cached_build(
    embedders: list[FakeEmbedder], tmp_path: Path
) -> None:
    first = make(FakeChatModel(), tmp_path).prepare([], CORPUS)
    second = make(FakeChatModel(), tmp_path).prepare([], CORPUS)
    assert (first.cache_hit, second.cache_hit) == (False, True)
    assert len(embedders[0].calls) == 1 and embedders[1].calls == []
    assert second.build_seconds == first.build_seconds > 0
    assert first.tokens == second.tokens == sum(len(f"{d.title} {d.text}".split()) for d in CORPUS)
    assert first.details["chunks"] == 4 and first.details["index_built"] == "Flat"
    assert first.details["cache_key"] == second.details["cache_key"]


def test_answer_batches_retrieval_and_generation_and_scores_retrieval(
    embedders: list[FakeEmbedder], tmp_path: Path
) -> None:
    model = FakeChatModel()
    strategy = make(model, tmp_path)
    strategy.prepare([], CORPUS)
    started = time.perf_counter()
    answers = strategy.answer(QUESTIONS)
    wall = time.perf_counter() - started
    assert len(embedders[0].calls) == 2 and len(embedders[0].calls[1]) == 3  # one query batch
    assert len(model.batches) == 1 and len(model.batches[0]) == 3  # one generation call
    first, _, unanswerable = (a.measures for a in answers)
    assert answers[0].retrieved_doc_ids[0] == "d4" and len(answers[0].retrieved_doc_ids) == 2
    assert (first["recall_at_k"], first["reciprocal_rank"]) == (1.0, 1.0)
    assert answers[1].retrieved_doc_ids[0] == "d3"
    assert unanswerable["recall_at_k"] is None and unanswerable["reciprocal_rank"] is None
    assert all(a.measures["retrieval_seconds"] > 0 for a in answers)
    # each question's share of the batch's two phases: together, the batch's time at most
    shares = {a.measures["retrieval_seconds"] + a.measures["generation_seconds"] for a in answers}
    assert len(shares) == 1 and 0 < shares.pop() * len(answers) <= wall
    user_turn = model.batches[0][0][-1]["content"]
    assert user_turn.startswith("Context:\n" + CORPUS[3].text + "\n\n")
    assert user_turn.endswith("Question: How many devices can a Pebble account link?")
    assert answers[0].prompt_tokens == model.prompt_tokens(model.batches[0][0])
    texts = {d.id: d.text for d in CORPUS}
    assert first["context_chunks"] == 2
    assert first["context_tokens"] == sum(
        model.count_tokens(texts[d]) for d in answers[0].retrieved_doc_ids
    )


def test_prompts_fit_a_small_context_window(embedders: list[FakeEmbedder], tmp_path: Path) -> None:
    model = FakeChatModel(context_window=40, max_new_tokens=8)
    strategy = make(model, tmp_path, top_k=4)
    strategy.prepare([], CORPUS)
    answers = strategy.answer(QUESTIONS)
    assert all(model.prompt_tokens(c) + 8 <= 40 for c in model.batches[0])
    assert any(a.measures["context_chunks"] < 4 for a in answers)  # trimming did happen
    # what the model saw, not what was retrieved, decides a retrieval miss
    assert all(set(a.shown_doc_ids) <= set(a.retrieved_doc_ids) for a in answers)
    assert any(len(a.shown_doc_ids) < len(a.retrieved_doc_ids) for a in answers)


def test_no_room_for_context_is_refused(embedders: list[FakeEmbedder], tmp_path: Path) -> None:
    strategy = make(FakeChatModel(context_window=40, max_new_tokens=40), tmp_path)
    with pytest.raises(HarnessError, match=r"^model\.max_new_tokens=40 leaves no room"):
        strategy.prepare([], CORPUS)


def test_chunks_and_context_template_reach_the_prompt(
    embedders: list[FakeEmbedder], tmp_path: Path
) -> None:
    model = FakeChatModel()
    strategy = make(
        model, tmp_path, chunk_size=4, chunk_overlap=1, chunk_template="[{title}] {text}"
    )
    report = strategy.prepare([], CORPUS)
    assert report.details["chunks"] > len(CORPUS)
    strategy.answer(QUESTIONS[:1])
    assert "[Devices] " in model.batches[0][0][-1]["content"]


def test_top_k_above_the_chunk_count_is_clamped_with_a_warning(
    embedders: list[FakeEmbedder], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    strategy = make(FakeChatModel(), tmp_path, top_k=10)
    with caplog.at_level(logging.WARNING):
        report = strategy.prepare([], CORPUS)
    assert "strategy.top_k=10 is more than the 4 chunks" in caplog.text
    assert report.details["top_k"] == 4
    assert len(strategy.answer(QUESTIONS[:1])[0].retrieved_doc_ids) == 4


def test_bad_input_gives_one_line_errors(embedders: list[FakeEmbedder], tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="needs a corpus"):
        make(FakeChatModel(), tmp_path).prepare([], [])
    with pytest.raises(HarnessError, match=r"strategy\.index='IVF-oops'.*try Flat"):
        make(FakeChatModel(), tmp_path, index="IVF-oops").prepare([], CORPUS)
    with pytest.raises(HarnessError) as error:
        make(FakeChatModel(), tmp_path, user_template="{question}", top_k=0, chunk_size=-5)
    message = str(error.value)
    assert "\n" not in message
    for expected in ("{context}", "strategy.top_k=0", "strategy.chunk_size=-5"):
        assert expected in message
