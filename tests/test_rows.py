"""The prediction row as a versioned type: written by the runner, read back by evaluate and the
report through harness/run/rows.py, and old run folders (rows without a version) still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.costs import build_pricing
from harness.errors import HarnessError
from harness.report import load_runs
from harness.run import rows
from harness.run.evaluate import evaluate
from harness.run.rows import SCHEMA_VERSION, PredictionRow
from harness.run.runner import run
from harness.scoring import ScoringRules
from tests.helpers import compose_config, write_jsonl

PRICING = build_pricing("vm", 3.6, "2026-12-01")
ANSWERS = [
    {"id": "q1", "question": "what is the pro plan upload limit ?", "prediction": "37 gb",
     "retrieved_doc_ids": ["d2", "d1"]},
    {"id": "q2", "question": "how many days retention ?", "prediction": "21 days",
     "retrieved_doc_ids": ["d1"]},
    {"id": "q3", "question": "what is the capital of france ?", "prediction": "paris"},
    {"id": "q4", "question": "who is the acme ceo ?", "prediction": "I don't know."},
]  # fmt: skip


@pytest.fixture
def external_cell(tiny_dataset: tuple[Path, Path], tmp_path: Path) -> list[str]:
    """A cell that answers from a file (no model loads), so its rows are known in advance."""
    questions, corpus = tiny_dataset
    answers = write_jsonl(tmp_path / "answers.jsonl", ANSWERS)
    return ["strategy=external", f"strategy.answers_file={answers}", "model.name=prod",
            "dataset=jsonl", f"dataset.questions={questions}", f"dataset.corpus={corpus}",
            f"paths.results_dir={tmp_path / 'results'}",
            f"paths.cache_dir={tmp_path / 'cache'}"]  # fmt: skip


def test_a_run_writes_versioned_rows_that_read_back_as_the_type(external_cell: list[str]) -> None:
    summary = run(compose_config(external_cell))
    path = Path(summary["folder"]) / "predictions.jsonl"
    stored = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["schema_version"] for r in stored] == [SCHEMA_VERSION] * 4
    assert "checks" not in stored[0] and "shown_doc_ids" not in stored[0]  # only where given
    read = rows.read(path)
    assert all(isinstance(row, PredictionRow) for row in read)
    assert [row.to_json() for row in read] == stored  # nothing lost on the way back
    assert read[0].answers == ["37 gb"] and read[0].retrieved_doc_ids == ["d2", "d1"]
    assert read[0].context_doc_ids == ["d2", "d1"]  # no shorter list shown: what was retrieved


def test_an_old_run_folder_without_versions_reads_and_reports_the_same(
    external_cell: list[str],
) -> None:
    first = run(compose_config(external_cell))
    folder = Path(first["folder"])
    path = folder / "predictions.jsonl"
    old = [{k: v for k, v in json.loads(line).items() if k != "schema_version"}
           for line in path.read_text().splitlines()]  # fmt: skip
    path.write_text("".join(json.dumps(row) + "\n" for row in old))
    again = run(compose_config(external_cell))  # nothing to answer: read and figured again
    assert again["metrics"] == first["metrics"]
    assert again["metrics"]["retrieval_misses"] == 1  # q2's gold d2 was not among those shown
    runs, _ = load_runs(folder.parent, rules=ScoringRules(), pricing=PRICING)
    assert runs.iloc[0]["evaluation"].metrics == first["metrics"]


def test_shown_documents_are_read_before_retrieved_ones() -> None:
    raw = {"id": "q1", "prediction": "21 days", "answers": ["14 days"], "doc_ids": ["d2"],
           "batch": 0, "batch_seconds": 1.0, "latency_seconds": 1.0, "prompt_tokens": 1,
           "completion_tokens": 1, "retrieved_doc_ids": ["d1", "d2"]}  # fmt: skip
    shown_fewer = {**raw, "shown_doc_ids": ["d1"]}
    failures = [evaluate([row], {}, ScoringRules(), PRICING, "m").rows[0]["failure"]
                for row in (raw, shown_fewer)]  # fmt: skip
    assert failures == ["reading_error", "retrieval_miss"]


def test_a_row_from_a_newer_ragbench_is_one_line_with_the_fix(
    external_cell: list[str], tmp_path: Path
) -> None:
    summary = run(compose_config(external_cell))
    path = Path(summary["folder"]) / "predictions.jsonl"
    lines = path.read_text().splitlines()
    newer = {**json.loads(lines[1]), "schema_version": SCHEMA_VERSION + 1}
    path.write_text("\n".join([lines[0], json.dumps(newer), *lines[2:]]) + "\n")
    expected = (f"{path}, id 'q2': schema_version {SCHEMA_VERSION + 1} is newer than this "
                f"ragbench reads ({SCHEMA_VERSION}); update ragbench, or answer again with "
                "run.force=true")  # fmt: skip
    with pytest.raises(HarnessError) as raised:
        run(compose_config(external_cell))
    assert str(raised.value) == expected
    with pytest.raises(HarnessError, match="schema_version"):
        load_runs(tmp_path / "results" / "runs", rules=ScoringRules(), pricing=PRICING)


def test_a_row_lacking_a_measured_field_names_it_and_the_fix(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "predictions.jsonl", [
        {"id": "q1", "prediction": "x", "answers": [], "batch": 0, "batch_seconds": 1.0,
         "latency_seconds": 1.0, "completion_tokens": 1}])  # fmt: skip
    with pytest.raises(HarnessError, match=r"id 'q1': lacks prompt_tokens .*run\.force=true"):
        rows.read(path)
