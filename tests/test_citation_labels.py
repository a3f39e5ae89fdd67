"""The citation parser (harness/scoring/citations.py) against hand labels of real answers:
data/acme/labels/citations.jsonl, the ids a careful reader says each answer cites."""

from __future__ import annotations

import json
from pathlib import Path

from harness.scoring.citations import cited_ids

LABELS = Path(__file__).resolve().parents[1] / "data" / "acme" / "labels" / "citations.jsonl"
# What the labels show (data/acme/labels/README.md, "Citation labels"): 450 of 452 answers agree
# and 47 of the 48 that cite by hand; the parser reads 2 bracketed words as ids ("[name]",
# "[box]") and misses none. The margin is one answer each way (a relabelled row), so a parser
# change that misreads two more fails here.
MIN_AGREEING_SHARE = 449 / 452
MAX_EXTRA, MAX_MISSED = 3, 1
MIN_CITING_AGREEING = 46 / 48


def _labels() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line]


def test_the_labels_are_well_formed_and_cover_both_cells() -> None:
    rows = _labels()
    assert len(rows) >= 60
    assert len({(r["cell"], r["id"]) for r in rows}) == len(rows)
    assert {r["cell"] for r in rows} == {"rag", "finetune_rag"}
    assert all(isinstance(r["cited_by_hand"], list) and r["prediction"] for r in rows)


def test_the_parser_agrees_with_the_hand_labels() -> None:
    rows = _labels()
    extra, missed = [], []  # parser-cited the hand did not; hand-cited the parser missed
    for row in rows:
        parsed, hand = set(cited_ids(row["prediction"])), set(row["cited_by_hand"])
        where = f"{row['cell']} {row['id']}: {row['prediction'][:80]!r}"
        extra += [f"{where} parser {sorted(parsed - hand)}"] if parsed - hand else []
        missed += [f"{where} hand {sorted(hand - parsed)}"] if hand - parsed else []
    agreeing = sum(set(cited_ids(r["prediction"])) == set(r["cited_by_hand"]) for r in rows)
    shown = "\n".join(["parser-cited, not by hand:", *extra, "hand-cited, parser missed:", *missed])
    print(f"{agreeing}/{len(rows)} agree; {len(extra)} parser-only, {len(missed)} hand-only")
    print(shown)
    citing = [r for r in rows if r["cited_by_hand"]]
    citing_agreeing = sum(
        set(cited_ids(r["prediction"])) == set(r["cited_by_hand"]) for r in citing
    )
    print(f"of the {len(citing)} answers citing by hand, {citing_agreeing} parsed alike")
    assert agreeing / len(rows) >= MIN_AGREEING_SHARE, shown
    assert citing and citing_agreeing / len(citing) >= MIN_CITING_AGREEING, shown
    assert len(extra) <= MAX_EXTRA, shown
    assert len(missed) <= MAX_MISSED, shown
