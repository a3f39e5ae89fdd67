"""The behaviour checks against people: data/acme/labels/behaviour.jsonl, labelled by reading
(data/acme/labels/README.md, "Behaviour labels"), in both directions per check type and per rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.scoring.agreement import (
    BEHAVIOUR_FILE,
    behaviour_agreement,
    load_behaviour_labels,
    load_labels,
)
from harness.scoring.behaviour import CHECK_TYPES
from tests.helpers import write_jsonl

# Bounds on a type's (or rule's) labelled rows, from the measurement (labels README, 230 rows of
# five cells): 1 false accept in 102 (contains: the lead with no answer after it) and no other
# disagreement. 1.5 % lets that one through at 102 rows and none at 56 (not_contains); 0.5 % lets
# no false reject through below 200 rows, so one row a person accepts and a check rejects fails.
MAX_FALSE_ACCEPTS = 0.015
MAX_FALSE_REJECTS = 0.005
# Every type has kept rows since the fine-tuned cells' labels (brand voice and fallback).
NO_KEPT_ROWS_YET: set[str] = set()
ACME_TYPES = set(CHECK_TYPES) - {"regex", "json_schema"}  # the acme behaviour variant's checks


def test_the_labels_cover_every_rule_strategy_and_verdict() -> None:
    rows = load_behaviour_labels()
    assert len(rows) >= 230
    cells = {"prompt", "prompt_policy", "rag", "finetune", "finetune_rag"}
    assert cells <= {row["strategy"] for row in rows}
    table = behaviour_agreement(rows)
    assert set(table) >= ACME_TYPES
    assert {kind for kind in ACME_TYPES if table[kind]["labelled_kept"] == 0} == NO_KEPT_ROWS_YET
    for kind in ACME_TYPES:  # both verdicts, so both directions are measured
        figures = table[kind]
        assert figures["rows"] >= 30, (kind, figures)
        assert figures["rows"] - figures["labelled_kept"] >= 3, (kind, figures)
        assert kind in NO_KEPT_ROWS_YET or figures["labelled_kept"] >= 3, (kind, figures)


def test_the_checks_agree_with_the_labels_in_both_directions() -> None:
    table = behaviour_agreement(load_behaviour_labels())
    assert set(table) - ACME_TYPES == {
        "house format (contains, max_sentences, max_words)",
        "brand voice (starts_with, ends_with)",
    }
    for name, figures in table.items():
        assert figures["false_accepts"] <= MAX_FALSE_ACCEPTS * figures["rows"], (name, figures)
        assert figures["false_rejects"] <= MAX_FALSE_REJECTS * figures["rows"], (name, figures)
        disagreements = figures["false_accepts"] + figures["false_rejects"]
        assert figures["agreements"] + disagreements == figures["rows"], (name, figures)


def test_agreement_counts_each_direction(tmp_path: Path) -> None:
    house = [
        {"type": "contains", "value": "The answer is"},
        {"type": "max_words", "value": 5},
    ]
    rows = [  # (prediction, labels): then a false accept on contains, a false reject on max_words
        ("The answer is 5 GB.", {"contains": True, "max_words": True}),
        ("The answer is: The answer is:", {"contains": False, "max_words": False}),
        ("The answer is five gigabytes now.", {"contains": True, "max_words": True}),
    ]
    path = write_jsonl(
        tmp_path / BEHAVIOUR_FILE,
        [
            {"id": f"q{i}", "strategy": "s", "model": "m", "question": "q?", "prediction": p}
            | {"checks": house, "labels": labels, "note": ""}
            for i, (p, labels) in enumerate(rows)
        ],
    )
    table = behaviour_agreement(load_behaviour_labels(path))
    assert table["contains"] == {
        "rows": 3, "labelled_kept": 2, "agreements": 2, "false_accepts": 1, "false_rejects": 0,
    }  # fmt: skip
    assert table["max_words"] == {
        "rows": 3, "labelled_kept": 2, "agreements": 2, "false_accepts": 0, "false_rejects": 1,
    }  # fmt: skip
    assert list(table) == ["contains", "max_words"]  # no rule has all of its types here


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            {"labels": {"contains": True}},
            "one label per check type of the row: contains, max_words",
        ),
        ({"labels": {"contains": "yes", "max_words": True}}, "holds true or false per check type"),
        ({"checks": [{"type": "polite", "value": 1}]}, "unknown type 'polite'"),
    ],
)
def test_a_bad_label_row_is_one_line(tmp_path: Path, change: dict, says: str) -> None:
    row = {
        "id": "q1", "strategy": "s", "model": "m", "question": "q?", "prediction": "p",
        "checks": [{"type": "contains", "value": "x"}, {"type": "max_words", "value": 3}],
        "labels": {"contains": True, "max_words": True},
    }  # fmt: skip
    path = write_jsonl(tmp_path / BEHAVIOUR_FILE, [row | change])
    with pytest.raises(HarnessError, match="line 1: .*" + says.replace("(", r"\(")):
        load_behaviour_labels(path)
    del row["labels"]
    write_jsonl(path, [row])
    with pytest.raises(HarnessError, match="line 1: field 'labels' is missing"):
        load_behaviour_labels(path)


def test_the_knowledge_labels_leave_the_behaviour_file_out() -> None:
    assert BEHAVIOUR_FILE not in {row["file"] for row in load_labels()}
