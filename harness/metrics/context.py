"""Context against memory, at `strategy.context=counterfactual`: does the model follow the context?

Over the answerable questions whose shown chunks were changed (the row's
`prompt_variant.substitutions` is not empty: a gold answer value was in them and was replaced),
the share of answers that follow the context (they state the substitute, judged by the same
rules: `follows_context` of the verdict), the share that follow the weights (they state the
original gold answer: the verdict is correct) and the share that do neither. An answer stating
both counts for both. At `strategy.context=none` the plain answerable accuracy is what the model
brings by itself; these figures are then empty.
"""

from __future__ import annotations

from harness.metrics import Judged, Metric, register


def changed(row: Judged) -> bool:
    """An answerable question whose shown chunks had a gold value replaced."""
    variant = row.get("prompt_variant") or {}
    return bool(row["answers"]) and bool(variant.get("substitutions"))


def _context(row: Judged) -> bool:
    return bool(row.get("follows_context"))


def _weights(row: Judged) -> bool:
    return row["outcome"] == "correct"


def _changed_count(rows: list[Judged]) -> int | None:
    counterfactual = any((r.get("prompt_variant") or {}).get("context") == "counterfactual"
                         for r in rows)  # fmt: skip
    return sum(map(changed, rows)) if counterfactual else None


register(Metric("counterfactual_questions", "questions with changed context (counterfactual)",
                run=_changed_count, unit="count", column="changed_context",
                optional=True))  # fmt: skip
register(Metric("follows_context_rate", "counterfactual: follows the context (substitute)",
                row=_context, over=changed, interval="wilson", interval_name="follows_context",
                unit="share", column="follows_context", optional=True))  # fmt: skip
register(Metric("follows_weights_rate", "counterfactual: follows the weights (original)",
                row=_weights, over=changed, interval="wilson", interval_name="follows_weights",
                unit="share", column="follows_weights", optional=True))  # fmt: skip
register(Metric("follows_neither_rate", "counterfactual: follows neither",
                row=lambda r: not (_context(r) or _weights(r)), over=changed, unit="share",
                column="follows_neither", optional=True))  # fmt: skip
