"""The figures the recommendation's questions rest on, one line each, and how shares are shown."""

from __future__ import annotations

import pandas as pd


def figures(table: pd.DataFrame, knowledge: bool, behaviour: bool) -> list[str]:
    """The figures the questions rest on: the most accurate, the most compliant, the safest
    (`knowledge`, `behaviour`: whether that axis was measured)."""
    lines = []
    if knowledge:
        best = table.sort_values("answerable_accuracy", ascending=False).iloc[0]
        lines.append(
            f"Most accurate: {best.cell} at {pct(best.answerable_accuracy)} on answerable "
            f"questions ({pct(best.accuracy_ci_low)}-{pct(best.accuracy_ci_high)}, 95 % CI), "
            f"${best.cost_per_1k_questions_usd:.4f} per 1,000 questions, setup "
            f"${best.setup_usd:.4f}."
        )
    else:
        lines.append(
            "No cell was asked an answerable question, so accuracy cannot rank them; "
            "compare abstention and hallucination instead."
        )
    if behaviour:
        ranked = table[table["behaviour"].notna()].sort_values("behaviour")
        best, worst = ranked.iloc[-1], ranked.iloc[0]
        line = (
            f"Behaviour: {best.cell} keeps every check on {pct(best.behaviour)} of the "
            f"checked questions ({pct(best.behaviour_ci_low)}-{pct(best.behaviour_ci_high)}, "
            "95 % CI)"
        )
        if worst.cell != best.cell:
            line += f", {worst.cell} on {pct(worst.behaviour)}"
        lines.append(line + ".")
    return lines + _hallucination_note(table)


def _hallucination_note(table: pd.DataFrame) -> list[str]:
    safest = table.sort_values("hallucination_rate").iloc[0]
    worst = table.sort_values("hallucination_rate").iloc[-1]
    if safest.hallucination_rate == worst.hallucination_rate:  # one cell, or all alike
        return []
    abstention = (
        f", {pct(safest.abstention_rate)} abstention on unanswerable"
        if not pd.isna(safest.abstention_rate)
        else ""
    )
    return [
        f"Fewest confident wrong answers: {safest.cell} ({pct(safest.hallucination_rate)} "
        f"hallucinated{abstention}) against {worst.cell} ({pct(worst.hallucination_rate)})."
    ]


def pct(value: float | None) -> str:
    """A share as a percentage with one decimal, or n/a."""
    return "n/a" if value is None or pd.isna(value) else f"{100 * value:.1f}%"


def points(value: float) -> str:
    """A difference of shares in percentage points, one decimal."""
    return f"{100 * value:.1f} points"
