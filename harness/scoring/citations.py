"""Citations: which documents an answer says it came from, and whether those are the right ones.

The format a retrieving strategy asks for (`strategy.cite=true`) is a document id in square
brackets right after what it supports, several ids separated by commas:
`The Cove plan costs $7.35 [doc-014].` or `... [doc-014, doc-020]`. A bracket group counts as a
citation only when every entry in it is an id (letters, digits and `-_.:/#`, no spaces); anything
else in brackets is prose and is left alone. The answer is scored for correctness with its
citations taken out, so citing never changes a verdict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_GROUP = re.compile(r"\[([^\[\]\n]{1,200})\]")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/#-]*")


@dataclass(frozen=True)
class Citations:
    """What one answer cited, against its question's gold documents and what it was shown."""

    cited: list[str]
    precision: float | None  # cited ids among the gold ones; None when nothing was cited
    recall: float | None  # gold ids that were cited; None for a question without gold documents
    cited_unshown: bool  # an id the strategy was never shown: invented or remembered


def cited_ids(answer: str) -> list[str]:
    """The ids cited in `answer`, in order of first appearance, each once."""
    found: list[str] = []
    for group in _GROUP.finditer(answer):
        entries = [entry.strip() for entry in group.group(1).split(",")]
        if entries and all(_ID.fullmatch(entry) for entry in entries):
            found += [entry for entry in entries if entry not in found]
    return found


def without_citations(answer: str) -> str:
    """`answer` with its citation groups taken out (what the correctness rules judge)."""

    def keep_prose(group: re.Match[str]) -> str:
        entries = [entry.strip() for entry in group.group(1).split(",")]
        return "" if all(_ID.fullmatch(entry) for entry in entries) else group.group(0)

    return re.sub(r"\s+([.,;:!?])", r"\1", _GROUP.sub(keep_prose, answer)).strip()


def citations(answer: str, gold_doc_ids: list[str], shown_doc_ids: list[str] | None) -> Citations:
    """Cited ids, precision and recall against `gold_doc_ids`, and whether one was never shown."""
    return grade(cited_ids(answer), gold_doc_ids, shown_doc_ids)


def grade(cited: list[str], gold_doc_ids: list[str], shown_doc_ids: list[str] | None) -> Citations:
    """Precision and recall of `cited` ids against `gold_doc_ids`, and whether one was unshown."""
    gold = set(gold_doc_ids)
    right = len(gold.intersection(cited))
    return Citations(
        cited=cited,
        precision=right / len(cited) if cited else None,
        recall=right / len(gold) if gold else None,
        cited_unshown=shown_doc_ids is not None and any(c not in shown_doc_ids for c in cited),
    )
