"""Context against memory, at `strategy.context=counterfactual`: does the model follow the context?

Over the answerable questions whose shown chunks were changed (the row's
`prompt_variant.substitutions` is not empty: a gold answer value was in them and was replaced),
the share of answers that follow the context (they state the substitute, judged by the same
rules: the scorer `FOLLOWS_CONTEXT` below writes it into the verdict), the share that follow
the weights (they state the original gold answer: the verdict is correct) and the share that do
neither. An answer stating both counts for both. At `strategy.context=none` the plain answerable
accuracy is what the model brings by itself; these figures are then empty.
"""

from __future__ import annotations

from typing import Any

from harness.metrics import Judged, Metric, Scorer, register, register_scorer
from harness.scoring import judge

FOLLOWS_CONTEXT = "follows_context"  # the verdict's field: the answer states the substitutes


def changed(row: Judged) -> bool:
    """An answerable question whose shown chunks had a gold value replaced."""
    variant = row.get("prompt_variant") or {}
    return bool(row["answers"]) and bool(variant.get("substitutions"))


def _context(row: Judged) -> bool:
    return bool(row.get(FOLLOWS_CONTEXT))


def _weights(row: Judged) -> bool:
    return row["outcome"] == "correct"


def _changed_count(rows: list[Judged]) -> int | None:
    counterfactual = any((r.get("prompt_variant") or {}).get("context") == "counterfactual"
                         for r in rows)  # fmt: skip
    return sum(map(changed, rows)) if counterfactual else None


register(Metric("counterfactual_questions", "questions with changed context (counterfactual)",
                run=_changed_count, unit="count", column="changed_context",
                optional=True))  # fmt: skip


def _substitutes(row: Any) -> list[str]:
    return [s["substitute"] for s in (row.prompt_variant or {}).get("substitutions") or []]


def _follows_context(row: Any, text: str, rules: Any) -> bool:
    """Whether the answer states the substitutes, under the rules that judge the gold."""
    return judge(text, _substitutes(row), row.question, rules).correct


register_scorer(Scorer(FOLLOWS_CONTEXT, applies=lambda row: bool(_substitutes(row)),
                       score=_follows_context, metrics=(
    Metric("follows_context_rate", "counterfactual: follows the context (substitute)",
           row=_context, over=changed, interval="wilson", interval_name="follows_context",
           unit="share", column="follows_context", optional=True),
    Metric("follows_weights_rate", "counterfactual: follows the weights (original)",
           row=_weights, over=changed, interval="wilson", interval_name="follows_weights",
           unit="share", column="follows_weights", optional=True),
    Metric("follows_neither_rate", "counterfactual: follows neither",
           row=lambda r: not (_context(r) or _weights(r)), over=changed, unit="share",
           column="follows_neither", optional=True),
)))  # fmt: skip
