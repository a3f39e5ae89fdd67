"""The report's data curve: how a fine-tuned configuration's two axes grow with its training data.

Runs trained on a seeded subset of the train split (`strategy.train_facts`, `harness.run.subsets`)
record the facts they were shown (`details.train_subset` of their setup). Runs that differ only
in that size are one curve; per size, each axis with its 95 % Wilson interval and McNemar's exact
test against the same configuration trained on every fact, on the questions both answered. The
finding per axis is the smallest size from which no larger size does worse than the full set
(worse: lower, at unadjusted p below 0.05, the stricter reading: no Holm discount for the number
of sizes); a size that does significantly better is named, as a sign of the seed's weight.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from harness import stats
from harness.report.overview import pct, points
from harness.report.sections import Section, key_without, label_without

NOTE = (
    "Each fine-tuned configuration trained on the questions of N facts of its train split (every "
    "paraphrase of a drawn fact, seeded, nested sizes) with the same optimizer steps, beside the "
    "same configuration trained on all of them. p: McNemar's exact test against the full set on "
    "the questions both answered (answerable ones for knowledge, checked ones for behaviour)."
)
SIGNIFICANCE = 0.05
AXES = {  # axis -> (table column, interval prefix, prediction outcome, which predictions)
    "knowledge": ("answerable_accuracy", "accuracy", "correct", "answerable"),
    "behaviour": ("behaviour", "behaviour", "complies", "checked"),
}


@dataclass(frozen=True)
class Point:
    """One run of a curve: its position in the report, the facts it was shown, of how many."""

    position: int
    facts: int
    of_facts: int
    questions: int


def train_subset(setup: dict[str, Any]) -> dict[str, Any] | None:
    """What a fine-tuned run trained on (`details.train_subset`, or its finetune node's)."""
    details = setup.get("details") or {}
    found = details.get("train_subset") or (details.get("finetune") or {}).get("train_subset")
    return found if isinstance(found, dict) and "facts" in found else None


def curves(runs: pd.DataFrame) -> list[list[Point]]:
    """Runs that differ only in `train_facts`, grouped, smallest size first; only groups with
    two sizes or more and a run on every fact."""
    groups: dict[str, list[Point]] = {}
    for position, (summary, setup) in enumerate(zip(runs["summary"], runs["setup"], strict=True)):
        drawn = train_subset(setup or {})
        if drawn is None:
            continue
        key = key_without(summary.get("config", {}), (), {"train_facts"})
        point = Point(position, drawn["facts"], drawn["of_facts"], drawn["questions"])
        groups.setdefault(key, []).append(point)
    found = []
    for group in groups.values():
        group.sort(key=lambda p: p.facts)
        if len({p.facts for p in group}) > 1 and group[-1].facts == group[-1].of_facts:
            found.append(group)
    return found


def data_curve_section(
    runs: pd.DataFrame, table: pd.DataFrame, predictions: pd.DataFrame
) -> Section | None:
    """The curves as one table (a row per run) and a finding per curve and axis; None when no
    configuration was trained on two sizes."""
    found = curves(runs)
    if not found:
        return None
    rows, notes = [], []
    for curve in found:
        full = curve[-1]
        name = curve_label(table, curve)
        tests = {axis: _tests(table, predictions, curve, axis) for axis in AXES}
        for point in curve:
            row: dict[str, Any] = {"configuration": name, "facts": point.facts,
                                   "questions trained on": point.questions}  # fmt: skip
            for axis, (column, interval, _, _) in AXES.items():
                cell = table.iloc[point.position]
                if pd.isna(cell.get(column)):
                    continue
                low, high = cell.get(f"{interval}_ci_low"), cell.get(f"{interval}_ci_high")
                row[axis] = f"{pct(cell[column])} [{pct(low)}, {pct(high)}]"
                p = tests[axis].get(point.facts)
                row[f"{axis} p vs all"] = "n/a" if p is None else f"{p:.3g}"
            rows.append(row)
        for axis in AXES:
            if tests[axis]:
                notes.append(_finding(name, axis, curve, full, tests[axis], table, predictions))
    return Section("Training data", NOTE, pd.DataFrame(rows).fillna("n/a"), notes)


def curve_label(table: pd.DataFrame, curve: list[Point]) -> str:
    """The full-set run's label without its train_facts setting."""
    return label_without(str(table.iloc[curve[-1].position]["cell"]), ("train_facts",))


def plot_points(runs: pd.DataFrame, table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per curve, its sizes with each axis and interval (what the plot draws)."""
    columns = ["answerable_accuracy", "accuracy_ci_low", "accuracy_ci_high",
               "behaviour", "behaviour_ci_low", "behaviour_ci_high"]  # fmt: skip
    drawn = {}
    for curve in curves(runs):
        frame = table.iloc[[p.position for p in curve]].reindex(columns=columns).copy()
        frame.insert(0, "facts", [p.facts for p in curve])
        drawn[curve_label(table, curve)] = frame.reset_index(drop=True)
    return drawn


def _outcomes(table: pd.DataFrame, predictions: pd.DataFrame, point: Point, axis: str) -> pd.Series:
    _, _, outcome, which = AXES[axis]
    rows = predictions[predictions["cell"] == table.iloc[point.position]["cell"]]
    if which == "answerable":
        rows = rows[rows["answers"].map(len) > 0]
    elif outcome in rows:
        rows = rows[rows[outcome].notna()]
    else:
        return pd.Series(dtype=bool)
    return rows.set_index("id")[outcome].astype(bool)


def _tests(
    table: pd.DataFrame, predictions: pd.DataFrame, curve: list[Point], axis: str
) -> dict[int, float]:
    """Facts -> McNemar p against the full set, for every smaller size measured on this axis."""
    full = _outcomes(table, predictions, curve[-1], axis)
    found = {}
    for point in curve[:-1]:
        outcomes = _outcomes(table, predictions, point, axis)
        shared = outcomes.index.intersection(full.index)
        if len(shared):
            found[point.facts] = stats.mcnemar_p(outcomes[shared].tolist(), full[shared].tolist())
    return found


def _finding(
    name: str,
    axis: str,
    curve: list[Point],
    full: Point,
    tests: dict[int, float],
    table: pd.DataFrame,
    predictions: pd.DataFrame,
) -> str:
    column = AXES[axis][0]
    value = {p.facts: table.iloc[p.position][column] for p in curve}
    worse = {
        size for size, p in tests.items() if p < SIGNIFICANCE and value[size] < value[full.facts]
    }
    better = sorted(size for size, p in tests.items() if p < SIGNIFICANCE and size not in worse)
    enough = full.facts
    for size in sorted(tests, reverse=True):  # walk down while no size does worse than all
        if size in worse:
            break
        enough = size
    shared = len(_outcomes(table, predictions, full, axis))
    detectable = stats.minimum_detectable_difference(shared, 0.5) if shared else None
    caveat = ""
    if detectable:  # "cannot tell" is not "equal": say what this many questions could see
        caveat = f" (on {shared} questions a gap under about {points(detectable)} can go unseen)"
    if enough == full.facts:
        line = (f"{name}, {axis}: every smaller size does worse than the {full.facts}-fact set "
                f"(p below {SIGNIFICANCE} at {max(tests)} facts){caveat}.")  # fmt: skip
    else:
        questions = next(p.questions for p in curve if p.facts == enough)
        line = (
            f"{name}, {axis}: from {enough} facts ({questions} questions) on, no size does worse "
            f"than the {full.facts}-fact set (none lower at p below {SIGNIFICANCE}){caveat}."
        )
    for size in better:  # one adapter per size: a lead over all the facts is a warning sign
        line += (
            f" {size} facts did better than all {full.facts} ({pct(value[size])} against "
            f"{pct(value[full.facts])}, p={tests[size]:.3g}): one adapter per size, so compare "
            "the spread between training seeds (+sweep=seeds)."
        )
    return line
