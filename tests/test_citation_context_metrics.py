"""The citation and context-against-memory figures (harness/metrics/citations.py, context.py),
computed by the one evaluation path from hand-made raw rows."""

from __future__ import annotations

from typing import Any

import pytest

from harness.costs import build_pricing
from harness.run.evaluate import evaluate
from harness.scoring import ScoringRules

CITE = {"cite": True}


def _row(qid: str, answers: list[str], prediction: str, **extra: Any) -> dict[str, Any]:
    return {"id": qid, "question": "?", "answers": answers, "prediction": prediction, "batch": 0,
            "batch_seconds": 1.0, "latency_seconds": 0.1, "prompt_tokens": 10,
            "completion_tokens": 3, **extra}  # fmt: skip


def _evaluated(rows: list[dict[str, Any]], rules: ScoringRules | None = None) -> Any:
    pricing = build_pricing("vm", 0.1, "2026-12-02")
    return evaluate(rows, {}, rules or ScoringRules(), pricing, "m")


def _cited(qid: str, gold_doc: str, prediction: str, shown: list[str], answers: list[str]):
    return _row(qid, answers, prediction, doc_ids=[gold_doc] if gold_doc else [],
                retrieved_doc_ids=shown, shown_doc_ids=shown, prompt_variant=CITE)  # fmt: skip


def test_citation_figures_on_hand_made_rows() -> None:
    rows = [
        _cited("q1", "d1", "The plan has 5 GB [d1].", ["d1", "d2"], ["5 GB"]),  # right doc
        _cited("q2", "d2", "7 days [d1, d9]", ["d1", "d2"], ["7 days"]),  # wrong, d9 unshown
        _cited("q3", "d3", "30 days", ["d3"], ["30 days"]),  # cites nothing
        _cited("q4", "", "I don't know [see the docs].", ["d1"], []),  # prose in brackets
    ]
    evaluation = _evaluated(rows)
    metrics = evaluation.metrics
    assert metrics["citation_rate"] == pytest.approx(2 / 4)
    assert metrics["citation_precision"] == pytest.approx((1 + 0) / 2)  # over citing answers
    assert metrics["citation_recall"] == pytest.approx((1 + 0 + 0) / 3)  # over gold documents
    assert metrics["cited_unshown_rate"] == pytest.approx(1 / 4)
    assert [r["cited"] for r in evaluation.rows] == [["d1"], ["d1", "d9"], [], []]
    assert metrics["answerable_accuracy"] == 1.0


def test_a_run_never_asked_to_cite_has_no_citation_figures() -> None:
    metrics = _evaluated([_row("q1", ["5 GB"], "5 GB [d1]", doc_ids=["d1"])]).metrics
    for name in ("citation_rate", "citation_precision", "citation_recall", "cited_unshown_rate"):
        assert metrics[name] is None


def test_citing_never_changes_a_verdict() -> None:
    rules = ScoringRules(max_answer_words=2)  # "5 GB [d1]" is three words with its citation
    checks = [{"type": "ends_with", "value": "Thanks."}]
    asked = [_cited("q1", "d1", "5 GB [d1]", ["d1"], ["5 GB"]),
             _row("q2", [], "Sorry. Thanks. [d1]", checks=checks, prompt_variant=CITE)]  # fmt: skip
    plain = [_row("q1", ["5 GB"], "5 GB [d1]"),
             _row("q2", [], "Sorry. Thanks. [d1]", checks=checks)]  # fmt: skip
    judged_asked = _evaluated(asked, rules).rows
    judged_plain = _evaluated(plain, rules).rows
    assert judged_asked[0]["outcome"] == "correct" != judged_plain[0]["outcome"]
    assert judged_asked[1]["complies"] is True and judged_plain[1]["complies"] is False
    same = _evaluated([_cited("q1", "d1", "5 GB", ["d1"], ["5 GB"])], rules).rows[0]
    assert same["outcome"] == judged_asked[0]["outcome"]


def _changed(qid: str, prediction: str, substitutions: list[dict[str, Any]] | None = None,
             answers: tuple[str, ...] = ("3 devices",)) -> dict[str, Any]:  # fmt: skip
    if substitutions is None:
        substitutions = [{"original": "3 devices", "substitute": "8 devices", "occurrences": 1}]
    variant = {"context": "counterfactual", "substitutions": substitutions}
    return _row(qid, list(answers), prediction, prompt_variant=variant)


def test_context_against_memory_figures_on_hand_made_rows() -> None:
    rows = [
        _changed("q1", "8 devices"),  # follows the context
        _changed("q2", "You can link 8 devices."),  # follows the context
        _changed("q3", "3 devices"),  # follows the weights
        _changed("q4", "5 devices"),  # neither
        _changed("q5", "3 devices", substitutions=[]),  # gold value not shown: not counted
        _changed("q6", "I don't know.", substitutions=[], answers=()),  # unanswerable
    ]
    evaluation = _evaluated(rows)
    metrics = evaluation.metrics
    assert metrics["counterfactual_questions"] == 4
    assert metrics["follows_context_rate"] == pytest.approx(2 / 4)
    assert metrics["follows_weights_rate"] == pytest.approx(1 / 4)
    assert metrics["follows_neither_rate"] == pytest.approx(1 / 4)
    assert metrics["follows_context_ci_low"] < 0.5 < metrics["follows_context_ci_high"]
    assert [r.get("follows_context") for r in evaluation.rows] == [True, True, False, False,
                                                                    None, None]  # fmt: skip


def test_without_counterfactual_rows_the_context_figures_are_empty() -> None:
    none = {"context": "none"}
    rows = [_row("q1", ["3 devices"], "3 devices", prompt_variant=none),
            _row("q2", ["5 GB"], "7 GB", prompt_variant=none)]  # fmt: skip
    metrics = _evaluated(rows).metrics
    assert metrics["answerable_accuracy"] == 0.5  # what the model brings by itself
    for name in ("counterfactual_questions", "follows_context_rate", "follows_weights_rate"):
        assert metrics[name] is None
