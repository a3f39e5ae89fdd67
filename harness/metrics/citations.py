"""The citation figures, for runs asked to cite (`strategy.cite=true`): who cites, and what.

A row was asked to cite when its `prompt_variant` says `cite: true` (the strategy records it per
answer); the evaluation then stores the ids the raw prediction cites (`cited`, parsed by
harness/scoring/citations.py) and judges the answer with them taken out. A run never asked has
no value here, so the columns show only where some run has one.
"""

from __future__ import annotations

from harness.metrics import Judged, Metric, register
from harness.scoring.citations import Citations, citations


def asked(row: Judged) -> bool:
    """Whether the strategy asked this answer for citations."""
    return bool((row.get("prompt_variant") or {}).get("cite"))


def _shown(row: Judged) -> list[str] | None:
    return row.get("shown_doc_ids", row.get("retrieved_doc_ids"))


def _citations(row: Judged) -> Citations:
    return citations(row["prediction"], row.get("doc_ids") or [], _shown(row))


def _cites(row: Judged) -> bool:
    return bool(_citations(row).cited)


def _with_gold(row: Judged) -> bool:
    return asked(row) and bool(row.get("doc_ids"))


register(Metric("citation_rate", "answers citing a document (asked to cite)", row=_cites,
                over=asked, interval="wilson", interval_name="cites", higher_is_better=True,
                unit="share", column="cites", optional=True))  # fmt: skip
register(Metric("citation_precision", "citation precision: cited among gold documents",
                row=lambda r: _citations(r).precision, over=asked, higher_is_better=True,
                unit="share", column="cite_precision", optional=True))  # fmt: skip
register(Metric("citation_recall", "citation recall: gold documents cited",
                row=lambda r: _citations(r).recall, over=_with_gold, higher_is_better=True,
                unit="share", column="cite_recall", optional=True))  # fmt: skip
register(Metric("cited_unshown_rate", "answers citing a document they were not shown",
                row=lambda r: _citations(r).cited_unshown, over=asked, higher_is_better=False,
                unit="share", column="cited_unshown", optional=True))  # fmt: skip
