"""`python -m harness.report --compare BEFORE AFTER`: the same cells in two sweeps, side by side.

Cells are matched by their label (strategy/model, plus whatever tells a sweep's cells apart), on
the questions both runs answered. Each quality figure gets its change with a paired interval and
McNemar's test on those shared questions (Holm-corrected across the comparison); latency and cost
get their change. The questions whose verdict flipped are listed, and `answers.html` shows both
sweeps' answers column by column. Both sweeps are evaluated again from their raw rows with today's
rules and prices, like any report.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from harness import stats
from harness.costs import Pricing
from harness.errors import HarnessError
from harness.files import write_text_atomic
from harness.report import load_runs
from harness.report.answers import answers_page
from harness.report.render import csv_safe, markdown_safe, markdown_text
from harness.report.tables import SIGNIFICANCE, comparison_table, dataset_label
from harness.scoring import ScoringRules

# (figure, the per-row boolean it is the mean of, which rows count)
PAIRED = (
    ("answerable_accuracy", "correct", "answerable"),
    ("behaviour_kept", "complies", "checked"),
    ("hallucination_rate", "wrong", "all"),
)
UNPAIRED = ("latency_p50_seconds", "cost_per_1k_questions_usd", "setup_usd")


@dataclass
class Comparison:
    """Two sweeps matched cell by cell: figure changes, flipped questions, and what was left out."""

    changes: pd.DataFrame
    flips: pd.DataFrame
    unmatched: list[str]


def compare_sweeps(
    before: Path, after: Path, out: Path, rules: ScoringRules, pricing: Pricing
) -> Path:
    """Write compare.md, compare.csv, compare.html and answers.html for two sweeps into `out`."""
    check_folders(before, after, out)
    runs_a, rows_a = load_runs(before, rules=rules, pricing=pricing)
    runs_b, rows_b = load_runs(after, rules=rules, pricing=pricing)
    comparison = compare(runs_a, rows_a, runs_b, rows_b)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a file on the way, no permission
        raise HarnessError(
            f"--out {out}: cannot make that folder ({error.strerror or error}); give a folder "
            "you can write to"
        ) from None
    title = f"{before.name} -> {after.name}"
    write_text_atomic(out / "compare.csv", csv_safe(comparison.changes).to_csv(index=False))
    write_text_atomic(out / "compare.md", _markdown(comparison, title))
    write_text_atomic(out / "compare.html", _html(comparison, title))
    matched = sorted(set(comparison.changes["cell"])) if len(comparison.changes) else []
    both = pd.concat(
        [
            rows_a[rows_a["cell"].isin(matched)].assign(cell=lambda f: "before: " + f["cell"]),
            rows_b[rows_b["cell"].isin(matched)].assign(cell=lambda f: "after: " + f["cell"]),
        ]
    )
    columns = [f"{when}: {cell}" for cell in matched for when in ("before", "after")]
    write_text_atomic(out / "answers.html", answers_page(both, columns, f"Answers: {title}"))
    return out / "compare.md"


def check_folders(before: Path, after: Path, out: Path) -> None:
    """Refuse a comparison of a folder with itself, or an `--out` that is a file, before reading."""
    if before.resolve() == after.resolve():
        raise HarnessError(
            f"--compare {after}: that is FOLDER itself ({before}); compare two different sweeps "
            "(say, the sweep before a change and the sweep after it)"
        )
    if out.exists() and not out.is_dir():
        raise HarnessError(
            f"--out {out}: exists and is not a folder; give a folder for compare.md, "
            "compare.csv, compare.html and answers.html"
        )


def compare(
    runs_a: pd.DataFrame, rows_a: pd.DataFrame, runs_b: pd.DataFrame, rows_b: pd.DataFrame
) -> Comparison:
    """Match the cells of two loaded sweeps and compute every change (see the module docstring)."""
    table_a = comparison_table(runs_a).set_index("cell")
    table_b = comparison_table(runs_b).set_index("cell")
    shared = [c for c in table_a.index if c in table_b.index]
    unmatched = sorted(set(table_a.index) ^ set(table_b.index))
    changes, flips = [], []
    for cell in shared:
        if dataset_label(_summary(runs_a, cell)) != dataset_label(_summary(runs_b, cell)):
            unmatched.append(f"{cell} (another dataset)")
            continue
        a = _by_question(rows_a, cell)
        b = _by_question(rows_b, cell)
        ids = a.index.intersection(b.index)
        for figure, column, which in PAIRED:
            first, second = _paired_values(a.loc[ids], b.loc[ids], column, which)
            if not first:
                continue
            difference, low, high = stats.paired_bootstrap_difference(first, second)
            changes.append({
                "cell": cell, "figure": figure, "questions": len(first),
                "before": sum(first) / len(first), "after": sum(second) / len(second),
                "change": difference, "change_ci_low": low, "change_ci_high": high,
                "p_value": stats.mcnemar_p(first, second),
            })  # fmt: skip
        for figure in UNPAIRED:
            old, new = (
                _number(table_a.loc[cell].get(figure)),
                _number(table_b.loc[cell].get(figure)),
            )
            changes.append({
                "cell": cell, "figure": figure, "questions": len(ids), "before": old,
                "after": new, "change": None if old is None or new is None else new - old,
            })  # fmt: skip
        flips += _flips(cell, a.loc[ids], b.loc[ids])
    if not changes:
        raise HarnessError(
            "the two sweeps share no cell on the same dataset: compare sweeps of the same cells "
            f"(before: {', '.join(table_a.index)}; after: {', '.join(table_b.index)})"
        )
    frame = pd.DataFrame(changes)
    tested = frame["p_value"].notna() if "p_value" in frame else pd.Series(False, frame.index)
    frame.loc[tested, "p_holm"] = stats.holm_adjust(frame.loc[tested, "p_value"].tolist())
    frame["significant"] = frame.get("p_holm", pd.Series(dtype=float)) < SIGNIFICANCE
    columns = ["cell", "question", "gold", "before_prediction", "after_prediction", "flip"]
    return Comparison(frame, pd.DataFrame(flips, columns=columns), unmatched)


def _summary(runs: pd.DataFrame, cell: str) -> dict:
    return runs.loc[runs["cell"] == cell, "summary"].iloc[0]


def _by_question(rows: pd.DataFrame, cell: str) -> pd.DataFrame:
    frame = rows[rows["cell"] == cell].drop_duplicates("id").set_index("id")
    frame["answerable"] = frame["answers"].map(lambda answers: len(answers) > 0)
    frame["wrong"] = frame["outcome"] == "wrong"
    return frame


def _paired_values(
    a: pd.DataFrame, b: pd.DataFrame, column: str, which: str
) -> tuple[list[bool], list[bool]]:
    if column not in a or column not in b:
        return [], []
    keep = pd.Series(True, index=a.index)
    if which == "answerable":
        keep = a["answerable"]
    elif which == "checked":
        keep = a[column].notna() & b[column].notna()
    return a.loc[keep, column].astype(bool).tolist(), b.loc[keep, column].astype(bool).tolist()


def _flips(cell: str, a: pd.DataFrame, b: pd.DataFrame) -> list[dict]:
    answerable = a["answerable"]
    was, now = a.loc[answerable, "correct"].astype(bool), b.loc[answerable, "correct"].astype(bool)
    return [
        {
            "cell": cell,
            "question": a.at[qid, "question"],
            "gold": " | ".join(a.at[qid, "answers"]),
            "before_prediction": a.at[qid, "prediction"],
            "after_prediction": b.at[qid, "prediction"],
            "flip": "now right" if now[qid] else "now wrong",
        }
        for qid in was.index[was != now]
    ]


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _shown(changes: pd.DataFrame) -> pd.DataFrame:
    shown = changes.copy()
    for column in ("before", "after", "change", "change_ci_low", "change_ci_high"):
        if column in shown:
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.3g}")
    for column in ("p_value", "p_holm"):
        if column in shown:
            shown[column] = shown[column].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")
    return shown


def _markdown(comparison: Comparison, title: str) -> str:
    def text(frame: pd.DataFrame) -> str:
        return markdown_safe(frame).to_markdown(index=False) if len(frame) else "(none)"

    parts = [
        f"# Comparison: {markdown_text(title)}",
        "",
        "## Changes",
        "",
        text(_shown(comparison.changes)),
    ]
    parts += ["", f"## Flipped verdicts ({len(comparison.flips)})", "", text(comparison.flips)]
    if comparison.unmatched:
        unmatched = markdown_text(", ".join(comparison.unmatched))
        parts += ["", f"Not compared (in one sweep only): {unmatched}"]
    return "\n".join(parts) + "\n"


def _html(comparison: Comparison, title: str) -> str:
    changes = _shown(comparison.changes).to_html(index=False, escape=True, na_rep="")
    flips = comparison.flips.to_html(index=False, escape=True) if len(comparison.flips) else "none"
    unmatched = html.escape(", ".join(comparison.unmatched)) or "none"
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Comparison: "
        f"{html.escape(title)}</title></head><body><h1>Comparison: {html.escape(title)}</h1>"
        f"<h2>Changes</h2>{changes}<h2>Flipped verdicts ({len(comparison.flips)})</h2>{flips}"
        f"<p>Not compared (in one sweep only): {unmatched}</p>"
        "<p>Per question, both sweeps: <a href='answers.html'>answers.html</a> (filter: right "
        "after, wrong before).</p></body></html>"
    )
