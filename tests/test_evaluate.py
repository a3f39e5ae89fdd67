"""One evaluation path: every figure follows today's prices and scoring rules, nothing is frozen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import stats
from harness.costs import build_pricing
from harness.report import comparison_table, load_runs, significance_table, write_report
from harness.run.evaluate import evaluate
from harness.run.runner import run
from harness.scoring import ScoringRules
from tests.fakes import write_summary
from tests.helpers import compose_config

RULES = ScoringRules()


def _rows(predictions: list[str], answers: list[list[str]], seconds: float) -> list[dict]:
    return [
        {"id": f"q{i}", "question": f"How many seats does plan {i} need?", "answers": gold,
         "doc_ids": ["d1"] if gold else [], "prediction": text, "batch": i // 2,
         "batch_seconds": 2 * seconds, "latency_seconds": seconds, "prompt_tokens": 100,
         "completion_tokens": 10}
        for i, (text, gold) in enumerate(zip(predictions, answers, strict=True))
    ]  # fmt: skip


def _write_run(root: Path, strategy: str, rows: list[dict], build_seconds: float) -> None:
    folder = root / strategy
    folder.mkdir(parents=True)
    (folder / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (folder / "setup.json").write_text(json.dumps({"build_seconds": build_seconds}))
    write_summary(folder, rows, [f"strategy={strategy}", "model.name=m"])


GOLD = [["75 seats"]] * 9 + [[]]
BARE = ["75"] * 6 + ["60 seats"] * 3 + ["I don't know."]  # rag-like: right facts, bare numbers
FORMATTED = ["75 seats"] * 3 + ["60 seats"] * 6 + ["Acme has 3."]  # finetune-like: gold format


@pytest.fixture
def two_runs(tmp_path: Path) -> Path:
    _write_run(tmp_path, "rag", _rows(BARE, GOLD, seconds=0.5), build_seconds=10.0)
    _write_run(tmp_path, "finetune", _rows(FORMATTED, GOLD, seconds=0.2), build_seconds=600.0)
    return tmp_path


def test_prices_times_ten_give_every_cost_times_ten(two_runs: Path) -> None:
    cheap = build_pricing("vm", 0.10, "2026-11-29")
    dear = build_pricing("vm", 1.00, "2026-11-29")
    runs_cheap, _ = load_runs(two_runs, rules=RULES, pricing=cheap)
    runs_dear, _ = load_runs(two_runs, rules=RULES, pricing=dear)
    for a, b in zip(runs_cheap["evaluation"], runs_dear["evaluation"], strict=True):
        for key in ("setup_usd", "query_usd", "per_1k_questions_usd", "per_correct_answer_usd",
                    "per_correct_answer_with_setup_usd"):  # fmt: skip
            assert b.cost[key] == pytest.approx(10 * a.cost[key]), key
        assert sum(r["cost_usd"] for r in b.rows) == pytest.approx(b.cost["query_usd"])
    # by hand: rag's 10 questions x 0.5 s at $0.10/h; setup 10 s
    rag = runs_cheap.set_index("cell").loc["rag/m", "evaluation"]
    assert rag.cost["query_usd"] == pytest.approx(10 * 0.5 * 0.10 / 3600)
    assert rag.cost["setup_usd"] == pytest.approx(10 * 0.10 / 3600)
    # break-even volume = setup difference / per-query difference: the same at any price level,
    # because both lines scale; a price on one side only moves it
    volumes = []
    for runs in (runs_cheap, runs_dear):
        table = comparison_table(runs).set_index("strategy")
        rag, tuned = table.loc["rag"], table.loc["finetune"]
        volumes.append(
            stats.break_even_volume(
                rag.setup_usd,
                rag.cost_per_1k_questions_usd / 1000,
                tuned.setup_usd,
                tuned.cost_per_1k_questions_usd / 1000,
            )
        )
    assert volumes[0] == pytest.approx((600 - 10) / (0.5 - 0.2))  # seconds: the price cancels
    assert volumes[1] == pytest.approx(volumes[0])


def test_a_token_price_moves_only_that_models_cost(two_runs: Path) -> None:
    priced = build_pricing(
        "vm", 0.10, "2026-11-29", {"m": {"input": 1.0, "output": 2.0, "taken": "today"}}
    )
    runs, _ = load_runs(two_runs, rules=RULES, pricing=priced)
    rag = runs.set_index("cell").loc["rag/m", "evaluation"]
    assert rag.cost["query_usd"] == pytest.approx(10 * (100 * 1.0 + 10 * 2.0) / 1e6)
    assert rag.cost["billing"] == "per token"


def test_a_scoring_change_moves_intervals_and_paired_tests(two_runs: Path) -> None:
    pricing = build_pricing("vm", 0.10, "2026-11-29")
    runs, predictions = load_runs(two_runs, rules=RULES, pricing=pricing)
    table = comparison_table(runs).set_index("strategy")
    assert table.loc["rag", "answerable_accuracy"] == pytest.approx(6 / 9)
    assert table.loc["finetune", "answerable_accuracy"] == pytest.approx(3 / 9)
    assert (table.loc["rag", "accuracy_ci_low"], table.loc["rag", "accuracy_ci_high"]) == (
        pytest.approx(stats.wilson_interval(6, 9))
    )
    (pair,) = significance_table(runs, predictions).itertuples()
    assert abs(pair.difference) == pytest.approx(3 / 9)
    assert pair.p_value == pytest.approx(stats.mcnemar_p([True] * 6 + [False] * 3,
                                                         [True] * 3 + [False] * 6))  # fmt: skip

    # a cap that rejects every answer of more than one word: rag's bare "75" stays correct,
    # finetune's "75 seats" no longer is; the interval and the paired test follow the accuracy
    strict = ScoringRules(max_answer_words=1)
    runs, predictions = load_runs(two_runs, rules=strict, pricing=pricing)
    table = comparison_table(runs).set_index("strategy")
    assert table.loc["finetune", "answerable_accuracy"] == 0.0
    assert table.loc["finetune", "accuracy_ci_high"] == pytest.approx(
        stats.wilson_interval(0, 9)[1]
    )
    (pair,) = significance_table(runs, predictions).itertuples()
    assert abs(pair.difference) == pytest.approx(6 / 9)
    assert pair.p_value == pytest.approx(2 * 0.5**6)
    write_report(two_runs, rules=strict, pricing=pricing)  # plots draw at 0 % (no negative bars)
    assert "0.0% [0.0%, 29.9%]" in (two_runs / "report.md").read_text()


def test_retrieval_misses_and_reading_errors_are_told_apart() -> None:
    rows = _rows(["60 seats", "60 seats", "75 seats"], [["75 seats"]] * 3, seconds=0.1)
    rows[0]["shown_doc_ids"] = ["d9"]  # the gold document d1 was not shown: retrieval miss
    rows[1]["shown_doc_ids"] = ["d1", "d9"]  # it was shown and misread: reading error
    rows[2]["shown_doc_ids"] = ["d1"]
    result = evaluate(rows, {}, RULES, build_pricing("vm", 0.1, "2026-11-29"), "m")
    assert [r["failure"] for r in result.rows] == ["retrieval_miss", "reading_error", None]
    assert (result.metrics["retrieval_misses"], result.metrics["reading_errors"]) == (1, 1)
    plain = evaluate(_rows(["60 seats"], [["75 seats"]], 0.1), {}, RULES,
                     build_pricing("vm", 0.1, "2026-11-29"), "m")  # fmt: skip
    assert plain.metrics["retrieval_misses"] is None  # no retrieval, no split


def test_forgetting_is_judged_from_stored_generations() -> None:
    record = {"predictions": [
        {"id": "g1", "question": "Capital of France?", "answers": ["Paris"], "base": "Paris.",
         "adapted": "I don't know."},
        {"id": "g2", "question": "2 + 2?", "answers": ["4"], "base": "5", "adapted": "It is 4."},
        {"id": "g3", "question": "Largest ocean?", "answers": ["Pacific"], "base": "Pacific",
         "adapted": "The Pacific."},
    ]}  # fmt: skip
    setup = {"forgetting": record}
    result = evaluate([], setup, RULES, build_pricing("vm", 0.1, "2026-11-29"), "m").forgetting
    assert result["base_accuracy"] == pytest.approx(2 / 3)
    assert result["adapted_accuracy"] == pytest.approx(2 / 3)
    assert (result["lost"], result["gained"]) == (["g1"], ["g2"])


def test_a_finished_run_rerun_at_new_prices_recomputes_every_cost(
    tiny_run_overrides: list[str],
) -> None:
    first = run(compose_config(tiny_run_overrides))
    again = run(compose_config([*tiny_run_overrides, "pricing.hardware_usd_per_hour=1.0"]))
    assert again["folder"] == first["folder"]  # nothing generated again
    assert again["cost"]["query_usd"] == pytest.approx(10 * first["cost"]["query_usd"])
    assert again["cost"]["per_1k_questions_usd"] == pytest.approx(
        10 * first["cost"]["per_1k_questions_usd"]
    )
    saved = json.loads((Path(first["folder"]) / "metrics.json").read_text())
    assert saved["cost"]["hardware_usd_per_hour"] == 1.0


def test_the_summary_counts_uncertain_verdicts_and_those_the_judge_gave() -> None:
    from dataclasses import replace

    base = {"answers": ["Riverside Park"], "question": "Where did the club move?", "batch": 0,
            "batch_seconds": 0.1, "latency_seconds": 0.1, "prompt_tokens": 9,
            "completion_tokens": 4}  # fmt: skip
    rows = [
        {**base, "id": "q1", "prediction": "The club did not move to Riverside Park."},  # negation
        {**base, "id": "q2", "prediction": "It moved to Riverside Park."},
        {**base, "id": "q3", "prediction": "It moved to Lakeside."},
    ]
    pricing = build_pricing("vm", 3.6, "2026-12-02")
    rules = ScoringRules()
    by_rules = evaluate(rows, {}, rules, pricing, "m").metrics
    assert (by_rules["uncertain_verdicts"], by_rules["judge_verdicts"]) == (1, 0)

    class Judge:  # says "correct" to every row it is asked about
        name = "stub-judge"

        def grade(self, items: list) -> list[bool | None]:
            return [True for _ in items]

    judged = evaluate(rows, {}, replace(rules, model_judge=Judge()), pricing, "m").metrics
    assert (judged["uncertain_verdicts"], judged["judge_verdicts"]) == (1, 1)  # asked: q1 only
    everything = replace(rules, model_judge=Judge(), judge_asks="all")
    assert evaluate(rows, {}, everything, pricing, "m").metrics["judge_verdicts"] == 3
