"""The report's distillation section: each student trained on a teacher's answers, beside it.

A student is a reported run whose `setup.json` records a teacher (`details.teacher`, written by
`harness.training.distillation`). The teacher's figures come from its cell: a reported run with the
teacher's strategy, model and dataset names, on the student's split, whose config is the
teacher's but for `run.split` and the settings that never decide an answer (equal
`harness.training.distillation.configuration_key`). The first such run in report order is the one
shown;
without one, the section says which command makes it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from harness.report.recommendation import pct
from harness.report.sections import Section
from harness.training.distillation import TEACHER_SPLIT, configuration_key

NOTE = (
    "Each student was fine-tuned on its teacher's answers to the train split instead of the gold "
    "answers. Beside it, the teacher's run of the same configuration on the student's split: "
    "answerable accuracy with its 95 % Wilson interval, behaviour (every check kept, where "
    "questions carry checks), p50 latency per question and cost per 1,000 questions."
)


def distillation_section(runs: pd.DataFrame, table: pd.DataFrame) -> Section | None:
    """Students beside their teachers, from the runs and their comparison table (same order);
    None when no reported run was distilled."""
    teachers = [teacher_of(setup) for setup in runs["setup"]]
    if not any(teachers):
        return None
    keys = [configuration_key(summary.get("config", {})) for summary in runs["summary"]]
    checked = "behaviour" in table and table["behaviour"].notna().any()
    rows: list[dict[str, Any]] = []
    notes = []
    for position, teacher in enumerate(teachers):
        if not teacher:
            continue
        student, summary = table.iloc[position], runs["summary"].iloc[position]
        rows.append(_figures(student.cell, "student", student, checked))
        found = _teacher_cell(runs, keys, teacher, summary["split"])
        label = f"{teacher.get('strategy')}/{teacher.get('model')}"
        if found is None:
            rows.append({"student": student.cell, "role": "teacher",
                         "cell": f"{label} (not among these runs)"})  # fmt: skip
            notes.append(
                f"{student.cell}: no {summary['split']}-split run of its teacher {label} is among "
                f"these runs; make it with the teacher's command and run.split={summary['split']} "
                f"instead of run.split={TEACHER_SPLIT} (its settings: {teacher.get('folder')}/"
                f"config.yaml), then report on a folder holding both runs."
            )
            continue
        rows.append(_figures(student.cell, "teacher", table.iloc[found], checked))
        notes.append(_comparison(student, table.iloc[found]))
    shown = pd.DataFrame(rows).astype(object).fillna("n/a")
    return Section("Distillation", NOTE, shown, notes)


def teacher_of(setup: Any) -> dict[str, Any] | None:
    """The teacher a run's setup records, if it was distilled."""
    details = setup.get("details") if isinstance(setup, dict) else None
    teacher = details.get("teacher") if isinstance(details, dict) else None
    return teacher if isinstance(teacher, dict) else None


def _teacher_cell(
    runs: pd.DataFrame, keys: list[str], teacher: dict[str, Any], split: str
) -> int | None:
    """The position of the teacher's cell on `split`, if it is among the runs."""
    for position, summary in enumerate(runs["summary"]):
        names = (summary.get("strategy"), summary.get("model"), summary.get("dataset"))
        if (
            names == (teacher.get("strategy"), teacher.get("model"), teacher.get("dataset"))
            and summary.get("split") == split
            and keys[position] == teacher.get("configuration")
        ):
            return position
    return None


def _figures(student: str, role: str, cell: pd.Series, checked: bool) -> dict[str, Any]:
    interval = f"[{pct(cell.accuracy_ci_low)}, {pct(cell.accuracy_ci_high)}]"
    figures = {
        "student": student,
        "role": role,
        "cell": cell.cell,
        "answerable_accuracy": f"{pct(cell.answerable_accuracy)} {interval}",
    }
    if checked:
        figures["behaviour"] = pct(cell.behaviour)
    figures["latency_p50_seconds"] = _rounded(cell.latency_p50_seconds, 3)
    figures["cost_per_1k_questions_usd"] = _rounded(cell.cost_per_1k_questions_usd, 6)
    return figures


def _comparison(student: pd.Series, teacher: pd.Series) -> str:
    """One line: the accuracy the student keeps and what it costs against the teacher."""
    line = f"{student.cell} against its teacher {teacher.cell}: "
    if pd.isna(student.answerable_accuracy) or pd.isna(teacher.answerable_accuracy):
        line += "answerable accuracy n/a"
    else:
        points = 100 * (student.answerable_accuracy - teacher.answerable_accuracy)
        line += f"{points:+.1f} points of answerable accuracy"
    ours, theirs = student.cost_per_1k_questions_usd, teacher.cost_per_1k_questions_usd
    if pd.notna(ours) and pd.notna(theirs) and theirs > 0:
        line += f", at {ours / theirs:.2f} times the teacher's cost per 1,000 questions"
    return line + "."


def _rounded(value: Any, digits: int) -> Any:
    return "n/a" if value is None or pd.isna(value) else round(float(value), digits)
