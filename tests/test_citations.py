"""Citation parsing: what counts as a citation, and what it is measured against."""

from __future__ import annotations

import pytest

from harness.scoring.citations import citations, cited_ids, without_citations


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("The Cove plan costs $7.35 [doc-014].", ["doc-014"]),
        ("$7.35 [doc-014, doc-020] and 22 GB [doc-020]", ["doc-014", "doc-020"]),
        ("See [doc-3][doc-1].", ["doc-3", "doc-1"]),
        ("It costs $7.35 [see the pricing page].", []),  # prose in brackets
        ("It costs $7.35 [doc-014, the pricing page].", []),  # one entry is prose: no citation
        ("It costs $7.35 (doc-014).", []),  # not the documented format
        ("It costs $7.35 [].", []),
        ("Array [1, 2] of items", ["1", "2"]),  # ids may be numbers: the format cannot tell
    ],
)
def test_what_counts_as_a_citation(answer: str, expected: list[str]) -> None:
    assert cited_ids(answer) == expected


def test_citations_are_taken_out_before_the_answer_is_judged() -> None:
    assert without_citations("The Cove plan costs $7.35 [doc-014].") == "The Cove plan costs $7.35."
    assert without_citations("It costs $7.35 [see below].") == "It costs $7.35 [see below]."


def test_precision_recall_and_an_id_never_shown() -> None:
    measured = citations("A [d1] and B [d2, d9].", ["d1", "d3"], shown_doc_ids=["d1", "d2"])
    assert measured.cited == ["d1", "d2", "d9"]
    assert measured.precision == pytest.approx(1 / 3) and measured.recall == pytest.approx(1 / 2)
    assert measured.cited_unshown  # d9 was not among the documents shown
    nothing = citations("A.", ["d1"], shown_doc_ids=["d1"])
    assert nothing.precision is None and nothing.recall == 0 and not nothing.cited_unshown
    assert citations("A [d1].", [], shown_doc_ids=None).recall is None
