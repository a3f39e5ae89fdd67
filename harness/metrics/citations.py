"""The citation figures, for runs asked to cite (`strategy.cite=true`): who cites, and what.

A row was asked to cite when its `prompt_variant` says `cite: true` (the strategy records it per
answer); the scorer `CITED` then stores in its verdict the ids the raw prediction cites (parsed by
harness/scoring/citations.py), which the metrics below read, and the rules judge the answer with
them taken out. A run never asked has no value here, so the columns show only where some run has
one.
"""

from __future__ import annotations

from typing import Any

from harness.metrics import Judged, Metric, Scorer, register_scorer
from harness.scoring.citations import Citations, cited_ids, grade, without_citations

CITED = "cited"  # the verdict's field: the ids an answer asked to cite cites


def asked(row: Judged) -> bool:
    """Whether the strategy asked this answer for citations (its verdict has the cited ids)."""
    return row.get(CITED) is not None


def _asked_raw(row: Any) -> bool:
    return bool((row.prompt_variant or {}).get("cite"))


def _shown(row: Judged) -> list[str] | None:
    return row.get("shown_doc_ids", row.get("retrieved_doc_ids"))


def _citations(row: Judged) -> Citations:
    return grade(row[CITED], row.get("doc_ids") or [], _shown(row))


def _cites(row: Judged) -> bool:
    return bool(_citations(row).cited)


def _with_gold(row: Judged) -> bool:
    return asked(row) and bool(row.get("doc_ids"))


def _cited(row: Any, text: str, rules: Any) -> list[str]:
    """The ids the raw prediction cites (the rules read it with them taken out)."""
    return cited_ids(row.prediction)


register_scorer(Scorer(CITED, applies=_asked_raw, score=_cited, reads=without_citations, metrics=(
    Metric("citation_rate", "answers citing a document (asked to cite)", row=_cites, over=asked,
           interval="wilson", interval_name="cites", higher_is_better=True, unit="share",
           column="cites", optional=True),
    Metric("citation_precision", "citation precision: cited among gold documents",
           row=lambda r: _citations(r).precision, over=asked, higher_is_better=True,
           unit="share", column="cite_precision", optional=True),
    Metric("citation_recall", "citation recall: gold documents cited",
           row=lambda r: _citations(r).recall, over=_with_gold, higher_is_better=True,
           unit="share", column="cite_recall", optional=True),
    Metric("cited_unshown_rate", "answers citing a document they were not shown",
           row=lambda r: _citations(r).cited_unshown, over=asked, higher_is_better=False,
           unit="share", column="cited_unshown", optional=True),
)))  # fmt: skip
