"""Each metric on cases checked by hand."""

from __future__ import annotations

import pytest

from harness.costs import build_pricing
from harness.errors import HarnessError
from harness.metrics import (
    ScoringRules,
    aggregate,
    exact_match,
    is_abstention,
    normalize,
    score,
    token_f1,
)

RULES = ScoringRules(abstain_phrases=("i don't know", "not mentioned"), max_length_factor=5.0,
                     min_length_cap=8)  # fmt: skip


def test_normalize_drops_case_punctuation_articles_and_extra_space() -> None:
    assert normalize("  The  Pro-plan's LIMIT is: 37 GB! ") == "proplans limit is 37 gb"


def test_exact_match_uses_any_gold_answer() -> None:
    assert exact_match("37GB.", ["37 GB", "37GB"]) == 1.0
    assert exact_match("37 GB per file", ["37 GB"]) == 0.0


def test_token_f1_by_hand() -> None:
    # prediction tokens {cat, sat}; gold {cat, sat, on, mat}: precision 1, recall 1/2 -> F1 2/3
    assert token_f1("the cat sat", ["cat sat on mat"]) == pytest.approx(2 / 3)
    assert token_f1("dog", ["cat"]) == 0.0
    assert token_f1("cat sat", ["dog", "cat sat"]) == 1.0


def test_contained_matches_whole_tokens_only() -> None:
    assert score("The Pro plan allows 37 GB per file.", ["37 GB"], RULES)["contained"]
    assert not score("The Pro plan allows 137 GB per file.", ["37 GB"], RULES)["contained"]


def test_long_prediction_is_capped_not_credited() -> None:
    gold = ["37 GB"]  # 2 tokens -> cap max(8, 5 * 2) = 10 tokens
    ten = "uploads on pro plan limited to 37 gb per file"  # 10 tokens
    eleven = "uploads on pro plan limited to 37 gb per single file"  # 11
    assert score(ten, gold, RULES)["contained"]
    long = score(eleven, gold, RULES)
    assert long["capped"] and not long["contained"] and not long["correct"]
    assert long["hallucinated"]


def test_abstention_is_right_on_unanswerable_and_a_miss_on_answerable() -> None:
    assert is_abstention("I don’t know.", RULES)  # curly apostrophe
    assert is_abstention("", RULES)
    unanswerable = score("That is not mentioned anywhere.", [], RULES)
    assert unanswerable["correct"] and not unanswerable["hallucinated"]
    invented = score("The CEO is Jane Roe.", [], RULES)
    assert not invented["correct"] and invented["hallucinated"]
    missed = score("I don't know.", ["37 GB"], RULES)
    assert missed["abstained"] and not missed["correct"] and not missed["hallucinated"]


def _row(answers: list[str], prediction: str, batch: int, batch_seconds: float) -> dict:
    return {
        "answers": answers,
        **score(prediction, answers, RULES),
        "batch": batch,
        "batch_seconds": batch_seconds,
        "latency_seconds": batch_seconds / 2,
        "prompt_tokens": 10,
        "completion_tokens": 4,
    }


def test_aggregate_by_hand() -> None:
    rows = [
        _row(["37 GB"], "It is 37 GB.", 0, 2.0),  # correct
        _row(["14 days"], "I don't know.", 0, 2.0),  # false abstention
        _row(["Paris"], "Lyon.", 1, 4.0),  # hallucination
        _row([], "I don't know.", 1, 4.0),  # correct abstention
    ]
    figures = aggregate(rows)
    assert figures["answerable_accuracy"] == pytest.approx(1 / 3)
    assert figures["accuracy"] == pytest.approx(2 / 4)
    assert figures["abstention_rate"] == 1.0
    assert figures["false_abstention_rate"] == pytest.approx(1 / 3)
    assert figures["hallucination_rate"] == pytest.approx(1 / 4)
    assert figures["questions_per_second"] == pytest.approx(4 / 6.0)  # two batches, 2 s + 4 s
    assert figures["latency_p50_seconds"] == pytest.approx(1.5)  # of 1, 1, 2, 2
    assert figures["prompt_tokens_total"] == 40


def test_optional_means_skip_rows_without_a_value() -> None:
    rows = [_row(["37 GB"], "37 GB", 0, 1.0), _row([], "I don't know", 0, 1.0)]
    rows[0]["recall_at_k"], rows[1]["recall_at_k"] = 0.5, None
    assert aggregate(rows)["recall_at_k_mean"] == 0.5
    assert "reciprocal_rank_mean" not in aggregate(rows)


def test_costs_by_hand() -> None:
    prices = {"api-model": {"input": 1.0, "output": 2.0, "taken": "2026-11-25"}}
    pricing = build_pricing("vm", 3.6, "2026-11-25", prices)
    assert pricing.compute_cost(10.0) == pytest.approx(0.01)  # 10 s at $3.60/h
    assert pricing.query_cost("local", 10.0, 100, 100) == pytest.approx(0.01)
    # 1000 input tokens at $1/M + 500 output at $2/M
    assert pricing.query_cost("api-model", 10.0, 1000, 500) == pytest.approx(0.002)
    with pytest.raises(HarnessError, match=r"pricing\.token_prices\.api-model: missing taken"):
        build_pricing("vm", 3.6, "2026-11-25", {"api-model": {"input": 1.0, "output": 2.0}})
