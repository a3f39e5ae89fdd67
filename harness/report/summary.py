"""The report's first table: the few figures a decision needs, one row per cell, in its order.

The figures are the metrics that name a `headline` (answerable accuracy, behaviour kept,
hallucination, p50 latency: `harness/metrics`), then the cost of 1,000 questions and the setup
cost, each with its unit. The recommended cell comes first, then the others as the advice ranks
them: the simplest kind first (prompting, retrieval, fine-tuning, fine-tuning with retrieval),
then the most accurate, then the cheapest. Every other column stays in report.csv and the
report's details table.
"""

from __future__ import annotations

import pandas as pd

from harness.metrics import metrics
from harness.report.decision import Decision, kind_label, kind_of

COSTS = {
    "cost_per_1k_questions_usd": "cost per 1,000 questions",
    "setup_usd": "setup cost",
}


def summary_table(table: pd.DataFrame, decision: Decision) -> pd.DataFrame:
    """One row per cell of the comparison table: its kind, the headline figures and the costs."""
    shown = [
        m for m in metrics() if m.headline and m.column_name in table
        and not (m.optional and table[m.column_name].isna().all())
    ]  # fmt: skip
    records = []
    for cell in ranked(table, decision).itertuples(index=False):
        row = cell._asdict()
        record = {"cell": row["cell"], "kind": kind_label(cell)}
        for metric in shown:
            bounds = [row.get(end) for end in metric.interval_keys or ()]
            record[metric.headline] = metric.text(row[metric.column_name], *bounds)
        record[COSTS["cost_per_1k_questions_usd"]] = _usd(row.get("cost_per_1k_questions_usd"))
        seconds = row.get("setup_seconds")
        record[COSTS["setup_usd"]] = _usd(row.get("setup_usd")) + (
            f" ({seconds:,.0f} s)" if _number(seconds) else ""
        )
        if decision.cell == row["cell"]:
            record["cell"] += " (recommended)"
        records.append(record)
    return pd.DataFrame(records)


def ranked(table: pd.DataFrame, decision: Decision) -> pd.DataFrame:
    """The table's rows in the advice's order (see the module docstring)."""

    def key(cell: object) -> tuple:
        accuracy = getattr(cell, "answerable_accuracy", None)
        cost = getattr(cell, "cost_per_1k_questions_usd", None)
        return (
            getattr(cell, "cell", None) != decision.cell,
            int(kind_of(cell)),
            -(accuracy if _number(accuracy) else -1.0),
            cost if _number(cost) else float("inf"),
        )

    order = sorted(range(len(table)), key=lambda i: key(next(table.iloc[[i]].itertuples())))
    return table.iloc[order].reset_index(drop=True)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and value == value  # NaN is not a number here


def _usd(value: object) -> str:
    return f"${value:,.4f}" if _number(value) else "n/a"
