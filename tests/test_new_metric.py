"""A metric is one module: the one on docs/extending/metric.md, added as that page says, must reach
metrics.json, the printed summary, report.csv, report.md and report.html with no other change."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import harness.metrics
from harness import stats
from harness.errors import HarnessError
from harness.metrics import Metric, format_value, register
from harness.report import write_report
from harness.run.runner import run
from tests.helpers import compose_config, write_jsonl

PAGE = Path(__file__).parents[1] / "docs" / "extending" / "metric.md"
MODULE = "gold_in_answer"

# Predictions for the tiny dataset's test questions: q1 and q3 contain their gold answer, q2 does
# not, q4 is unanswerable (not counted): 2 of 3.
ANSWERS = [
    {"id": "q1", "question": "what is the pro plan upload limit ?", "prediction": "It is 37 GB."},
    {"id": "q2", "question": "how many days retention ?", "prediction": "About two weeks."},
    {"id": "q3", "question": "what is the capital of france ?", "prediction": "Paris, France."},
    {"id": "q4", "question": "who is the acme ceo ?", "prediction": "I don't know."},
]


@pytest.fixture
def metric_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on the metrics package's path, with the registry restored afterwards."""
    folder = tmp_path / "more_metrics"
    folder.mkdir()
    harness.metrics.metrics()  # the built-in ones, registered before the registry is copied
    for registry in (harness.metrics.METRICS, harness.metrics.SCORERS):
        monkeypatch.setattr(registry, "_items", dict(registry._items))
    monkeypatch.setattr(harness.metrics, "__path__", [*harness.metrics.__path__, str(folder)])
    yield folder
    for module in folder.glob("*.py"):
        sys.modules.pop(f"harness.metrics.{module.stem}", None)


def test_a_metric_from_the_docs_page_reaches_every_output(
    tiny_dataset: tuple[Path, Path],
    tmp_path: Path,
    metric_folder: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    questions, corpus = tiny_dataset
    answers = write_jsonl(tmp_path / "answers.jsonl", ANSWERS)
    cell = compose_config(["strategy=external", f"strategy.answers_file={answers}",
                           "model.name=prod", "dataset=jsonl", f"dataset.questions={questions}",
                           f"dataset.corpus={corpus}", f"paths.results_dir={tmp_path / 'results'}",
                           f"paths.cache_dir={tmp_path / 'cache'}"])  # fmt: skip
    before = run(cell)
    assert MODULE not in before["metrics"]  # what the checks below would otherwise find anyway

    (code,) = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.DOTALL)
    (metric_folder / f"{MODULE}.py").write_text(code)
    capsys.readouterr()
    after = run(cell)  # the same run folder: nothing answered again, the figures recomputed
    assert after["folder"] == before["folder"]

    low, high = stats.wilson_interval(2, 3)
    stored = json.loads((Path(after["folder"]) / "metrics.json").read_text())["metrics"]
    assert stored[MODULE] == pytest.approx(2 / 3)
    assert (stored["gold_in_answer_ci_low"], stored["gold_in_answer_ci_high"]) == pytest.approx(
        (low, high)
    )
    shown = f"{format_value(2 / 3, 'share')} [{format_value(low, 'share')}, "
    shown += f"{format_value(high, 'share')}]"
    assert re.search(rf"gold answer found verbatim +{re.escape(shown)}", capsys.readouterr().out)

    report = tmp_path / "results" / "runs"
    write_report(report)
    table = pd.read_csv(report / "report.csv")
    assert table[MODULE].tolist() == pytest.approx([2 / 3])
    assert table["gold_in_answer_ci_high"].tolist() == pytest.approx([high])
    for page in ("report.md", "report.html"):
        text = (report / page).read_text()
        assert MODULE in text and shown in text, page
        assert re.search(rf"Higher is better: [^.]*\b{MODULE}\b", text), page  # its direction


def test_a_per_run_metric_and_its_unit_reach_the_summary(metric_folder: Path) -> None:
    from harness.costs import build_pricing
    from harness.run.evaluate import evaluate
    from harness.run.results import format_summary
    from harness.scoring import ScoringRules

    (metric_folder / "longest.py").write_text(
        "from harness.metrics import Metric, register\n"
        "register(Metric('longest_answer_words', 'longest answer in words', unit='count',\n"
        "                run=lambda rows: max(len(r['prediction'].split()) for r in rows)))\n"
    )
    row = {"answers": ["5"], "batch": 0, "batch_seconds": 1.0, "latency_seconds": 1.0,
           "prompt_tokens": 1, "completion_tokens": 1}  # fmt: skip
    rows = [{**row, "id": "a", "prediction": "it is 5"}, {**row, "id": "b", "prediction": "5"}]
    result = evaluate(rows, {}, ScoringRules(), build_pricing("vm", 1.0, "2026-12-01"), "m")
    assert result.metrics["longest_answer_words"] == 3
    summary = {"run": "r", "metrics": result.metrics, "cost": result.cost, "setup": {}}
    assert re.search(r"longest answer in words +3\n", format_summary(summary))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"row": len, "run": len}, "give exactly one of row= (per row) or run= (per run)"),
        ({"run": len, "unit": "percent"}, "unit='percent'; use one of share, count"),
        ({"run": len, "interval": "wilson"}, "a Wilson interval needs row="),
        ({"row": len, "aggregate": "median"}, "aggregate='median'; use one of mean, sum"),
    ],
)
def test_a_badly_declared_metric_is_one_line_naming_it(settings: dict, expected: str) -> None:
    with pytest.raises(HarnessError, match=re.escape(f"metric 'odd': {expected}")):
        Metric("odd", "odd", **settings)


def test_two_metrics_of_one_name_or_column_are_refused(metric_folder: Path) -> None:
    with pytest.raises(HarnessError, match="metric 'questions' is registered twice"):
        register(Metric("questions", "questions again", run=len))
    with pytest.raises(
        HarnessError, match="column 'exact_match' is metric 'answerable_exact_match'"
    ):
        register(Metric("exact", "exact", run=len, column="exact_match"))


@pytest.mark.parametrize(
    "first", ["harness.run.evaluate", "harness.report", "harness.metrics.quality"]
)
def test_the_built_in_figures_lead_whatever_is_imported_first(first: str) -> None:
    """The report's columns keep their order (quality, then speed, then the rest) whichever of
    the commands' modules, or the first built-in metric module, is imported first."""
    import subprocess

    script = (f"import {first}\nfrom harness.metrics import metrics\n"
              "print(' '.join(m.name for m in metrics()))")  # fmt: skip
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=root)  # fmt: skip
    names = done.stdout.split()
    assert names.index("answerable_accuracy") < names.index("latency_p50_seconds")
    assert names.index("latency_p50_seconds") < names.index("citation_rate")
