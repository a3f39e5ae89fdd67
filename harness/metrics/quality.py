"""The quality figures: how many questions, how often right, wrong, silent or refusing."""

from __future__ import annotations

from collections.abc import Callable

from harness import stats
from harness.metrics import Judged, Metric, register


def answerable(row: Judged) -> bool:
    """A question with gold answers (an unanswerable one has none: abstaining is right)."""
    return bool(row["answers"])


def unanswerable(row: Judged) -> bool:
    """A question without gold answers."""
    return not row["answers"]


def _is(outcome: str) -> Callable[[Judged], bool]:
    return lambda row: row["outcome"] == outcome


def _detectable(rows: list[Judged]) -> float | None:
    # at the run's size, for two cells that disagree as two independent coin flips at 50 % would
    # (the worst case); a pair's own figure, from its real disagreement, is in the report
    count = sum(map(answerable, rows))
    return stats.minimum_detectable_difference(count, 0.5) if count else None


def _retrieving(rows: list[Judged]) -> bool:
    return any(r.get("shown_doc_ids", r.get("retrieved_doc_ids")) is not None for r in rows)


def _failures(kind: str) -> Callable[[list[Judged]], int | None]:
    def count(rows: list[Judged]) -> int | None:
        return sum(r.get("failure") == kind for r in rows) if _retrieving(rows) else None

    return count


register(Metric("questions", "questions", run=len, unit="count"))
register(Metric("answerable", "answerable questions", row=answerable, aggregate="sum",
                unit="count", report=False))  # fmt: skip
register(Metric("unanswerable", "unanswerable questions", row=unanswerable, aggregate="sum",
                unit="count", report=False, summary=False))  # fmt: skip
register(Metric("answerable_accuracy", "answerable accuracy (correct, 95 % Wilson)",
                row=_is("correct"), over=answerable, interval="wilson", interval_name="accuracy",
                higher_is_better=True, unit="share",
                headline="answerable accuracy [95 % CI]"))  # fmt: skip
register(Metric("minimum_detectable_difference", "minimum detectable difference (worst case)",
                run=_detectable, unit="points", summary=False))  # fmt: skip
register(Metric("answerable_exact_match", "exact format: exact match",
                row=lambda r: r["exact_match"], over=answerable, higher_is_better=True,
                unit="share", column="exact_match"))  # fmt: skip
register(Metric("answerable_f1", "exact format: token F1", row=lambda r: r["f1"],
                over=answerable, higher_is_better=True, unit="share", report=False))  # fmt: skip
register(Metric("abstention_rate", "abstention on unanswerable", row=_is("abstained"),
                over=unanswerable, higher_is_better=True, unit="share"))  # fmt: skip
register(Metric("false_abstention_rate", "false abstention", row=_is("abstained"),
                over=answerable, higher_is_better=False, unit="share", report=False))  # fmt: skip
register(Metric("empty_rate", "empty answers", row=_is("empty"), higher_is_better=False,
                unit="share"))  # fmt: skip
register(Metric("hallucination_rate", "confident wrong answers", row=_is("wrong"),
                higher_is_better=False, unit="share",
                headline="hallucination (confident wrong, all questions)"))  # fmt: skip
register(Metric("unanswerable_hallucination_rate", "confident wrong on unanswerable",
                row=_is("wrong"), over=unanswerable, higher_is_better=False, unit="share",
                report=False, summary=False))  # fmt: skip
# Missed answers of a retrieving strategy, told apart by whether a gold document was shown.
register(Metric("retrieval_misses", "missed answers: gold document not retrieved",
                run=_failures("retrieval_miss"), higher_is_better=False, unit="count",
                optional=True))  # fmt: skip
register(Metric("reading_errors", "missed answers: gold document shown, misread",
                run=_failures("reading_error"), higher_is_better=False, unit="count",
                optional=True))  # fmt: skip
# The second axis: answers that keep every behaviour check of their question (by check type:
# metrics.json's `behaviour`).
register(Metric("behaviour_compliance", "behaviour: all checks kept (95 % Wilson)",
                row=lambda r: r["complies"], over=lambda r: r.get("behaviour") is not None,
                interval="wilson", interval_name="behaviour", higher_is_better=True,
                unit="share", column="behaviour", optional=True,
                headline="behaviour kept [95 % CI]"))  # fmt: skip
