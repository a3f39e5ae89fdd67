"""The advice: prompt first, then retrieval, then fine-tuning, decided from the tables.

A cell's kind comes from what its strategy declared (`uses_retrieval`, `trains_weights`), never
from its name: prompting is neither, retrieval reads documents without training, tuning trains
(with or without retrieval). A new strategy takes its place here by declaring what it is.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from harness import stats


def recommendation(table: pd.DataFrame, pairs: pd.DataFrame) -> list[str]:
    """Advice in the usual order (prompt, then retrieval, then fine-tuning), from the numbers."""
    if table.empty:
        return []
    if table["answerable_accuracy"].isna().all():
        return [
            "No cell was asked an answerable question, so accuracy cannot rank them; compare "
            "abstention and hallucination instead.",
            *_hallucination_note(table),
        ]
    ranked = table.sort_values("answerable_accuracy", ascending=False)
    best = ranked.iloc[0]
    lines = [
        f"Most accurate: {best.cell} at {pct(best.answerable_accuracy)} on answerable questions "
        f"({pct(best.accuracy_ci_low)}-{pct(best.accuracy_ci_high)}, 95 % CI), "
        f"${best.cost_per_1k_questions_usd:.4f} per 1,000 questions, setup ${best.setup_usd:.4f}."
    ]
    baseline = _best_of(table, _prompting(table))
    verdict = None if baseline is None else _compare(pairs, baseline.cell, best.cell)
    if baseline is not None and verdict is None:
        lines.append(f"{baseline.cell} and {best.cell} did not answer the same questions.")
    elif baseline is not None and verdict is not None:
        if best.cell == baseline.cell or not verdict["significant"]:
            lines.append(
                f"Start with prompting: {baseline.cell} is not significantly worse than the best "
                f"({pct(baseline.answerable_accuracy)}, McNemar p={verdict['p_value']:.3f}, Holm)."
            )
        else:
            lines.append(
                f"Prompting alone is not enough: {baseline.cell} reaches "
                f"{pct(baseline.answerable_accuracy)}, {_points(verdict['difference'])} below "
                f"{best.cell} (McNemar p={verdict['p_value']:.3g}); the model lacks the knowledge."
            )
    lines += _retrieval_vs_tuning(table, pairs)
    lines += _behaviour_note(table)
    lines += _hallucination_note(table)
    return lines


def _behaviour_note(table: pd.DataFrame) -> list[str]:
    """The second axis, where questions carry behaviour checks: which cell keeps them best."""
    if "behaviour" not in table or table["behaviour"].isna().all():
        return []
    ranked = table[table["behaviour"].notna()].sort_values("behaviour")
    best, worst = ranked.iloc[-1], ranked.iloc[0]
    line = (
        f"Behaviour: {best.cell} keeps every check on {pct(best.behaviour)} of the checked "
        f"questions ({pct(best.behaviour_ci_low)}-{pct(best.behaviour_ci_high)}, 95 % CI)"
    )
    if worst.cell != best.cell:
        line += f", {worst.cell} on {pct(worst.behaviour)}"
    return [line + "; see the behaviour pairs for which differences are significant."]


def _retrieval_vs_tuning(table: pd.DataFrame, pairs: pd.DataFrame) -> list[str]:
    rag = _best_of(table, table["uses_retrieval"] & ~table["trains_weights"])
    tuned = _best_of(table, table["trains_weights"])
    if rag is None or tuned is None:
        return []
    verdict = _compare(pairs, rag.cell, tuned.cell)
    if verdict is None:
        return [f"{rag.cell} and {tuned.cell} did not answer the same questions."]
    volume = stats.break_even_volume(
        rag.setup_usd, rag.cost_per_1k_questions_usd / 1000,
        tuned.setup_usd, tuned.cost_per_1k_questions_usd / 1000,
    )  # fmt: skip
    cheaper_later = (
        f"; {tuned.cell} becomes the cheaper one past {volume:,.0f} questions"
        if volume and tuned.cost_per_1k_questions_usd < rag.cost_per_1k_questions_usd
        else ""
    )
    if verdict["significant"] and verdict["difference"] > 0:
        return [
            f"Fine-tune: {tuned.cell} beats retrieval ({rag.cell}) by "
            f"{_points(verdict['difference'])} (p={verdict['p_value']:.3g}) for a setup of "
            f"{tuned.setup_seconds:.0f}s (${tuned.setup_usd:.4f}){cheaper_later}"
            f"{_forgetting_clause(tuned)}."
        ]
    return [
        f"Prefer retrieval: {rag.cell} ({pct(rag.answerable_accuracy)}) is not significantly "
        f"worse than {tuned.cell} ({pct(tuned.answerable_accuracy)}, p={verdict['p_value']:.3g}) "
        f"and needs no training{cheaper_later}."
    ]


def _forgetting_clause(cell: Any) -> str:
    change = cell.forgetting_change
    if change is None or pd.isna(change):
        return ""
    return f"; the adapter changes accuracy on general questions by {100 * change:+.1f} points"


def _hallucination_note(table: pd.DataFrame) -> list[str]:
    safest = table.sort_values("hallucination_rate").iloc[0]
    worst = table.sort_values("hallucination_rate").iloc[-1]
    if safest.cell == worst.cell:
        return []
    return [
        f"Fewest confident wrong answers: {safest.cell} ({pct(safest.hallucination_rate)} "
        f"hallucinated, {pct(safest.abstention_rate)} abstention on unanswerable) against "
        f"{worst.cell} ({pct(worst.hallucination_rate)})."
    ]


def _prompting(table: pd.DataFrame) -> pd.Series:
    return ~table["uses_retrieval"] & ~table["trains_weights"]


def _best_of(table: pd.DataFrame, kind: pd.Series) -> Any:
    mine = table[kind]
    return None if mine.empty else mine.sort_values("answerable_accuracy").iloc[-1]


def _compare(pairs: pd.DataFrame, first: str, second: str) -> dict[str, Any] | None:
    """The test between two cells (difference = second minus first); None if not paired."""
    if first == second:
        return {"p_value": 1.0, "significant": False, "difference": 0.0}
    for row in pairs.itertuples():
        if (row.first, row.second) in ((first, second), (second, first)):
            sign = 1 if row.first == first else -1
            return {"p_value": row.p_holm, "significant": row.significant,
                    "difference": sign * row.difference}  # fmt: skip
    return None


def _points(value: float) -> str:
    return f"{100 * value:.1f} points"


def pct(value: float | None) -> str:
    """A share as a percentage with one decimal, or n/a."""
    return "n/a" if value is None or pd.isna(value) else f"{100 * value:.1f}%"
