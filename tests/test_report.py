"""Statistics on hand-checked cases, and the report built from a tiny fake results folder."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from harness import stats
from harness.costs import build_pricing
from harness.report import (
    comparison_table,
    dataset_of,
    load_runs,
    recommendation,
    significance_table,
    write_report,
)
from harness.scoring import ScoringRules
from tests.fakes import write_fake_run, write_summary

RULES = ScoringRules()
PRICING = build_pricing("test VM", 3.6, "2026-11-29")  # $0.001 per second


def test_bootstrap_ci_brackets_the_mean_and_collapses_on_constant_data() -> None:
    values = [1.0] * 30 + [0.0] * 70
    low, high = stats.bootstrap_ci(values, seed=1)
    assert 0.2 < low < 0.3 < high < 0.4  # binomial sd at n=100 is 0.046 -> about +-0.09
    assert stats.bootstrap_ci([1.0] * 10) == (1.0, 1.0)


def test_mcnemar_exact_by_hand() -> None:
    # 6 discordant pairs, all favouring the second: p = 2 * 0.5**6 = 0.03125
    first = [False] * 6 + [True] * 4
    second = [True] * 6 + [True] * 4
    assert stats.mcnemar_p(first, second) == pytest.approx(0.03125)
    # 1 vs 3 discordant: p = 2 * (C(4,0) + C(4,1)) / 16 = 0.625
    assert stats.mcnemar_p([True, False, False, False], [False, True, True, True]) == 0.625
    assert stats.mcnemar_p([True, False], [True, False]) == 1.0


def test_break_even_volume_by_hand() -> None:
    # A: $10 setup + $0.001/q; B: $0 setup + $0.003/q -> equal at 10 / 0.002 = 5,000 questions
    assert stats.break_even_volume(10.0, 0.001, 0.0, 0.003) == pytest.approx(5000)
    assert stats.break_even_volume(0.0, 0.001, 10.0, 0.003) is None  # A cheaper at every volume
    assert stats.break_even_volume(1.0, 0.002, 2.0, 0.002) is None  # parallel


def test_pareto_front() -> None:
    # (cost, accuracy): the second is dominated by the first (dearer and worse)
    assert stats.pareto_front([1, 2, 3], [0.5, 0.4, 0.9]) == [True, False, True]


def test_report_builds_from_a_fake_results_folder(fake_results: Path) -> None:
    write_report(fake_results, rules=RULES, pricing=PRICING)
    markdown = (fake_results / "report.md").read_text()
    assert "| rag/m " in markdown and "80.0% [" in markdown
    for name in ("accuracy_vs_cost", "latency", "tokens", "cost_vs_volume", "loss_curves"):
        assert (fake_results / f"{name}.png").stat().st_size > 5000
    html = (fake_results / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 5


def test_recommendation_follows_the_numbers(fake_results: Path) -> None:
    runs, predictions = load_runs(fake_results, rules=RULES, pricing=PRICING)
    pairs = significance_table(runs, predictions)
    (pair,) = pairs.itertuples()
    assert pair.p_value == pytest.approx(2 * 0.5**8)  # 8 discordant answerable questions
    decision = recommendation(comparison_table(runs), pairs)
    advice = decision.lines()
    assert (decision.decided_by, decision.cell) == ((2,), "rag/m")
    assert advice[0].startswith("Most accurate: rag/m at 80.0%")
    (first,) = [line for line in advice if line.startswith("Question 1,")]
    assert "No: on knowledge the best prompting cell, prompt/m (0.0%" in first
    assert "trails rag/m by 80.0 points" in first
    assert advice[-1].startswith("Decided by question 2: retrieval for knowledge: rag/m")

    # When retrieval stops helping, the advice changes with it: a scoring rule that rejects
    # rag's bare "75" (here: a one-word cap, so no answer counts) re-judges the stored rows.
    strict = ScoringRules(max_answer_words=0)
    runs, predictions = load_runs(fake_results, rules=strict, pricing=PRICING)
    table = comparison_table(runs)
    assert table["answerable_accuracy"].tolist() == [0.0, 0.0]
    decision = recommendation(table, significance_table(runs, predictions))
    assert (decision.decided_by, decision.cell) == ((1,), "prompt/m")
    assert decision.verdict.startswith("Decided by question 1: prompting is good enough: prompt/m")


def test_a_sweep_folder_reports_on_the_cells_it_lists(fake_results: Path, tmp_path: Path) -> None:
    sweep = tmp_path / "multirun" / "an ad-hoc grid"  # cells live elsewhere, as with `-m`
    sweep.mkdir(parents=True)
    (sweep / "cells.txt").write_text(f"{fake_results / 'acme-rag'}\n")
    write_report(sweep, rules=RULES, pricing=PRICING)
    markdown = (sweep / "report.md").read_text()
    assert "| rag/m " in markdown and "prompt/m" not in markdown


def test_a_run_from_before_strategies_declared_their_kind_is_flagged(
    fake_results: Path, caplog: pytest.LogCaptureFixture
) -> None:
    setup = fake_results / "acme-rag" / "setup.json"
    old = {k: v for k, v in json.loads(setup.read_text()).items() if k != "capabilities"}
    setup.write_text(json.dumps(old))
    with caplog.at_level(logging.WARNING, logger="harness.report"):
        runs, _ = load_runs(fake_results, rules=RULES, pricing=PRICING)
    table = comparison_table(runs).set_index("strategy")
    assert not table.loc["rag", "retrieval"]  # what the advice then assumes
    assert "acme-rag was run before strategies declared what they are" in caplog.text
    assert "acme-prompt was run before" not in caplog.text


def test_behaviour_checks_make_a_second_axis_in_the_report(fake_results: Path) -> None:
    # prompt answers "60 seats" (too long for a one-word cap) on 10 questions, rag "75" on 8
    short = [{"type": "max_words", "value": 1}]
    for cell in ("acme-prompt", "acme-rag"):
        path = fake_results / cell / "predictions.jsonl"
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        path.write_text("".join(json.dumps({**r, "checks": short}) + "\n" for r in rows))
    write_report(fake_results, rules=RULES, pricing=PRICING)
    table = pd.read_csv(fake_results / "report.csv").set_index("strategy")
    # prompt: "60 seats" x10 break the cap, "I don't know." breaks it: 0 of 11 kept
    # rag: "75" x8 keep it, "60 seats" x2 and "I don't know." break it: 8 of 11
    assert table.loc["prompt", "behaviour"] == 0.0
    assert table.loc["rag", "behaviour"] == pytest.approx(8 / 11)
    markdown = (fake_results / "report.md").read_text()
    assert "## Paired differences (behaviour: every check kept)" in markdown
    assert "Behaviour: rag/m keeps every check on 72.7% of the checked questions" in markdown
    assert (fake_results / "knowledge_vs_behaviour.png").stat().st_size > 5000


def test_without_checks_the_report_has_no_behaviour_axis(fake_results: Path) -> None:
    write_report(fake_results, rules=RULES, pricing=PRICING)
    markdown = (fake_results / "report.md").read_text()
    # the one mention: the advice's third question, which has nothing to answer from
    (mention,) = [line for line in markdown.splitlines() if "behaviour" in line.lower()]
    assert mention.startswith("- Question 3,")
    assert mention.endswith("Not measured: no question carries behaviour checks.")
    assert not (fake_results / "knowledge_vs_behaviour.png").exists()


def test_a_run_on_another_split_is_named_but_not_compared(fake_results: Path) -> None:
    # a distillation teacher answering its own train questions must not outrank the test cells
    teacher = write_fake_run(fake_results, "finetune_rag", [True] * 11, seconds=0.1, setup=1.0)
    write_summary(teacher, [json.loads(line) for line in (teacher / "predictions.jsonl").open()],
                  ["strategy=finetune_rag", "model.name=m", "run.split=train"])  # fmt: skip
    report = write_report(fake_results, rules=RULES, pricing=PRICING).read_text()
    table = pd.read_csv(fake_results / "report.csv")
    assert sorted(table["cell"]) == ["prompt/m", "rag/m"]
    assert "Not compared, as they answered another split than the test split" in report
    assert "finetune_rag/m" in report  # named in the note


def test_runs_of_another_dataset_are_named_but_not_ranked_with_the_others(
    fake_results: Path,
) -> None:
    # every question right: ranked with acme's cells it would decide the advice on its own
    other = write_fake_run(fake_results, "finetune", [True] * 11, seconds=0.1, setup=1.0)
    write_summary(other, [json.loads(line) for line in (other / "predictions.jsonl").open()],
                  ["strategy=finetune", "model.name=m", "dataset=jsonl",
                   "dataset.questions=/data/other.jsonl"])  # fmt: skip
    report = write_report(fake_results, rules=RULES, pricing=PRICING).read_text()
    table = pd.read_csv(fake_results / "report.csv")
    assert sorted(table["cell"]) == ["prompt/m", "rag/m"]
    assert (
        "Not compared, as they answered another dataset than the acme dataset the others "
        "answered: finetune/m."
    ) in report
    # every dataset=jsonl run is called jsonl: its questions file tells them apart
    one, two = ({"dataset": "jsonl", "config": {"dataset": {"questions": f"{name}.jsonl"}}}
                for name in ("a", "b"))  # fmt: skip
    assert dataset_of(one) == "jsonl (a.jsonl)" != dataset_of(two)


def test_cells_told_apart_only_by_a_long_path_keep_a_row_each(fake_results: Path) -> None:
    # finetune trained on people's train questions and on questions generated from documents:
    # the two differ only in strategy.train_questions, a path too long for a label
    first = write_fake_run(fake_results, "finetune", [True] * 2 + [False] * 8 + [True],
                           seconds=0.1, setup=1.0)  # fmt: skip
    rows = [json.loads(line) for line in (first / "predictions.jsonl").open()]
    second = fake_results / "acme-finetune-generated"
    second.mkdir()
    for name in ("predictions.jsonl", "setup.json"):
        (second / name).write_text((first / name).read_text())
    for folder, path in ((first, "/data/people/written-by-people/questions.jsonl"),
                         (second, "/tmp/generated-from-our-docs/questions.jsonl")):  # fmt: skip
        write_summary(folder, rows, ["strategy=finetune", "model.name=m",
                                     f"strategy.train_questions={path}"])  # fmt: skip
    write_report(fake_results, rules=RULES, pricing=PRICING)
    cells = sorted(c for c in pd.read_csv(fake_results / "report.csv")["cell"] if "finetune" in c)
    assert cells == [
        "finetune/m train_questions=generated-from-our-docs/questions.jsonl",
        "finetune/m train_questions=written-by-people/questions.jsonl",
    ]
