"""The fresh-data check: on the test questions whose fact changed in revision 2, how many answers
state the new value and how many the stale old one?

    python data/acme/fresh.py <run folder> [<run folder> ...]

A run folder is one `python -m harness ... dataset.corpus_revision=2` wrote (its
`predictions.jsonl`); answers are judged by the harness's scorer against each revision's gold.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
from harness.scoring import ScoringRules, judge  # noqa: E402


def gold(revision: str) -> dict[str, list[str]]:
    """Question id -> gold answers in one revision."""
    rows = (HERE / revision / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return {row["id"]: row["answers"] for row in map(json.loads, rows)}


def main() -> None:
    """Print, per run folder, new-value and old-value answers on the changed test questions."""
    changed = json.loads((HERE / "stats.json").read_text())["changed_question_ids"]["test"]
    old, new = gold("rev1"), gold("rev2")
    for folder in map(Path, sys.argv[1:]):
        lines = (folder / "predictions.jsonl").read_text(encoding="utf-8").splitlines()
        rows = {row["id"]: row for row in map(json.loads, lines) if row["id"] in changed}
        counts = {"new": 0, "old": 0}
        for qid, row in rows.items():
            for name, answers in (("new", new[qid]), ("old", old[qid])):
                verdict = judge(row["prediction"], answers, row["question"], ScoringRules())
                counts[name] += verdict.outcome == "correct"
        print(f"{folder.name}: {counts['new']} new / {counts['old']} old of {len(rows)} changed")


if __name__ == "__main__":
    main()
