"""Distillation: a finetune student trained on a teacher run's answers to the train split."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from harness.caches import file_sha256
from harness.config import instantiate
from harness.costs import build_pricing
from harness.errors import HarnessError
from harness.report import write_report
from harness.run import results
from harness.run.runner import run
from harness.scoring import ScoringRules
from tests.helpers import compose_config, write_jsonl

RULES = ScoringRules()
PRICING = build_pricing("test VM", 3.6, "2026-11-29")
TRAIN_QUESTION = "what is the upload limit ?"  # the tiny dataset's one train question, gold "37 gb"


@pytest.fixture
def student(tiny_run_overrides: list[str]) -> list[str]:
    """A plain finetune on the tiny dataset, quick: no forgetting check, two short epochs."""
    return [*tiny_run_overrides, "strategy=finetune", "strategy.forgetting_questions=null",
            "strategy.training.epochs=2", "strategy.training.batch_size=2",
            "strategy.training.validation_fraction=0"]  # fmt: skip


def teacher(overrides: list[str], split: str = "train") -> Path:
    """A run of another configuration (prompting) on `split`; its folder."""
    cfg = compose_config([*overrides, "strategy=prompt", f"run.split={split}"])
    return Path(run(cfg)["folder"])


def predictions(folder: Path) -> list[dict[str, Any]]:
    return results.read_predictions(folder / results.PREDICTIONS, repair=False)


def rewrite(folder: Path, **changes: Any) -> None:
    """Change fields of every row of a run's predictions."""
    rows = [{**row, **changes} for row in predictions(folder)]
    write_jsonl(folder / results.PREDICTIONS, rows)


def test_the_student_learns_the_teachers_answers_not_the_gold_ones(
    tiny_run_overrides: list[str], student: list[str], trained_on: list
) -> None:
    taught = teacher(tiny_run_overrides)
    ((row,),) = [predictions(taught)]
    assert row["question"] == TRAIN_QUESTION and row["prediction"] != "37 gb"
    summary = run(compose_config([*student, f"strategy.teacher_run={taught}"]))
    ((prompt, reply),) = trained_on[-1]
    assert prompt[-1]["content"] == TRAIN_QUESTION and len(prompt) == 2  # the student's prompt
    assert reply == row["prediction"]  # the teacher's raw text, not "37 gb"
    record = summary["setup"]["details"]["teacher"]
    assert record["folder"] == str(taught.resolve())
    assert (record["strategy"], record["model"], record["split"]) == ("prompt", "tiny", "train")
    assert record["predictions_sha256"] == file_sha256(taught / results.PREDICTIONS)

    gold = run(compose_config(student))  # the same student without a teacher
    assert trained_on[-1][0][1] == "37 gb"
    assert gold["folder"] != summary["folder"]
    details = gold["setup"]["details"]
    assert "teacher" not in details
    assert details["adapter_key"] != summary["setup"]["details"]["adapter_key"]


def test_new_teacher_answers_make_a_new_student_run(
    tiny_run_overrides: list[str], student: list[str], trained_on: list
) -> None:
    taught = teacher(tiny_run_overrides)
    overrides = [*student, f"strategy.teacher_run={taught}"]
    first = run(compose_config(overrides))
    assert run(compose_config(overrides))["folder"] == first["folder"]  # unchanged: resumed
    rewrite(taught, prediction="paris")
    second = run(compose_config(overrides))
    assert second["folder"] != first["folder"]
    assert trained_on[-1][0][1] == "paris"
    assert not second["setup"]["cache_hit"]  # another adapter, trained on the new answers
    digest = second["setup"]["details"]["teacher"]["predictions_sha256"]
    assert (
        digest
        == file_sha256(taught / results.PREDICTIONS)
        != (first["setup"]["details"]["teacher"]["predictions_sha256"])
    )


def _prepare(overrides: list[str]) -> None:
    """Build the student and prepare it on the run's train split, as the runner does."""
    cfg = compose_config(overrides)
    dataset = instantiate(cfg.dataset)
    strategy = instantiate(cfg.strategy, model=instantiate(cfg.model))
    strategy.prepare(dataset.split("train"), dataset.corpus)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no folder", "no such folder; set strategy.teacher_run=<the run folder"),
        ("no predictions", "holds no predictions.jsonl, so it is not a run folder"),
        ("test split", "the teacher answered the test split.*run the teacher with run.split=train"),
        ("unanswered", "miss 1 of the student's 1 train questions \\(first: 'q5'\\); finish"),
        ("other dataset", "1 of the student's train questions read differently.*another dataset"),
    ],
)
def test_a_bad_teacher_is_one_line_naming_the_setting(
    tiny_run_overrides: list[str], student: list[str], tmp_path: Path, case: str, expected: str
) -> None:
    overrides = list(student)
    if case == "no folder":
        folder = tmp_path / "no such run"
    elif case == "no predictions":
        folder = tmp_path / "empty"
        folder.mkdir()
    elif case == "test split":
        folder = teacher(tiny_run_overrides, split="test")
    else:
        folder = teacher(tiny_run_overrides)
    if case == "unanswered":
        write_jsonl(folder / results.PREDICTIONS, [{**predictions(folder)[0], "id": "q9"}])
    if case == "other dataset":  # the same id, asked otherwise
        reworded = {"id": "q5", "question": "what is the pro plan upload limit ?",
                    "answers": ["37 gb"], "split": "train"}  # fmt: skip
        moved = write_jsonl(tmp_path / "other.jsonl", [reworded])
        overrides.append(f"strategy.train_questions={moved}")
    with pytest.raises(HarnessError) as raised:
        _prepare([*overrides, f"strategy.teacher_run={folder}"])
    message = str(raised.value)
    assert message.startswith(f"strategy.teacher_run={folder}: ") and "\n" not in message
    assert re.search(expected, message), message


def test_finetune_rag_refuses_a_teacher_in_one_line(tiny_run_overrides: list[str]) -> None:
    cfg = compose_config([*tiny_run_overrides, "strategy=finetune_rag",
                          "strategy.finetune.teacher_run=results"])  # fmt: skip
    with pytest.raises(HarnessError, match=r"^strategy\.finetune\.teacher_run: .*finetune only"):
        instantiate(cfg.strategy, model=None)


def _section(markdown: str) -> list[str]:
    """The lines of the report's distillation section."""
    start = markdown.index("## Distillation")
    return markdown[start : markdown.index("## Plots")].splitlines()


def test_the_report_puts_each_student_beside_its_teachers_test_split_run(
    tiny_run_overrides: list[str], student: list[str], tmp_path: Path
) -> None:
    taught = teacher(tiny_run_overrides)
    tested = teacher(tiny_run_overrides, split="test")  # the teacher's configuration on test
    distilled = Path(run(compose_config([*student, f"strategy.teacher_run={taught}"]))["folder"])
    report = tmp_path / "report"
    report.mkdir()
    write_report(report, [taught, tested, distilled], RULES, PRICING)
    cells = pd.read_csv(report / "report.csv").set_index("strategy")
    cells = cells[cells["questions"] == 4]  # the test-split runs, not the teacher's train run
    lines = _section((report / "report.md").read_text())
    rows = [line for line in lines if line.startswith("|")]
    assert len(rows) == 4  # header, rule, the student, its teacher
    for row, strategy, role in zip(rows[2:], ("finetune", "prompt"), ("student", "teacher"),
                                   strict=True):  # fmt: skip
        label, cost = cells.loc[strategy, "cell"], cells.loc[strategy, "cost_per_1k_questions_usd"]
        cells_of_row = [part.strip() for part in row.strip("|").split("|")]
        assert cells_of_row[1:3] == [role, label]
        assert float(cells_of_row[-1]) == pytest.approx(cost, rel=1e-3)
    assert "split=" not in rows[3]  # labelled among the test-split runs, the only ones compared
    assert any(line.startswith("- finetune/tiny against its teacher prompt/tiny") for line in lines)
    html = (report / "report.html").read_text()
    assert "<h2>Distillation</h2>" in html

    write_report(report, [taught, distilled], RULES, PRICING)  # no test-split teacher run
    lines = _section((report / "report.md").read_text())
    assert any("prompt/tiny (not among these runs)" in line for line in lines)
    (note,) = [line for line in lines if line.startswith("- ")]
    assert "make it with the teacher's command and run.split=test instead of run.split=train" in (
        note
    )
    assert f"{taught.resolve()}/config.yaml" in note

    shutil.rmtree(taught)  # the teacher's train run gone: the student's record is enough
    write_report(report, [tested, distilled], RULES, PRICING)
    lines = _section((report / "report.md").read_text())
    assert any(line.startswith("| finetune/tiny | teacher | prompt/tiny ") for line in lines)


def test_a_report_without_students_has_no_distillation_section(fake_results: Path) -> None:
    write_report(fake_results, rules=RULES, pricing=PRICING)
    assert "Distillation" not in (fake_results / "report.md").read_text()


def test_a_folder_holding_one_teacher_run_names_it_and_two_are_one_line(
    tiny_run_overrides: list[str], student: list[str], tmp_path: Path
) -> None:
    # conf/behaviour/teacher.yaml gives the teacher a runs folder of its own, named by distilled
    runs_dir = tmp_path / "teacher"
    taught = teacher([*tiny_run_overrides, f"paths.runs_dir={runs_dir}"])
    summary = run(compose_config([*student, f"strategy.teacher_run={runs_dir}"]))
    assert summary["setup"]["details"]["teacher"]["folder"] == str(taught.resolve())
    # the run is keyed by the teacher's answers behind the folder, as with a run folder named
    rewrite(taught, prediction="a different answer")
    again = run(compose_config([*student, f"strategy.teacher_run={runs_dir}"]))
    assert again["folder"] != summary["folder"]
    teacher([*tiny_run_overrides, f"paths.runs_dir={runs_dir}", "run.seed=1"])  # a second run
    with pytest.raises(HarnessError, match=r"^strategy\.teacher_run=\S+: holds 2 runs \("):
        run(compose_config([*student, f"strategy.teacher_run={runs_dir}"]))
