"""Draw the predictions on the Notre Dame article to hand-label (labels/*.jsonl beside this file).

Sampling only, never labelling: rows come out without any verdict, as the run wrote them. For each
run folder given (a finished `python -m harness dataset=jsonl ...` run on this article), a
`random.Random` seeded with `notre-dame-<strategy>` draws `--per-strategy` test questions, so
adding a strategy later never changes the rows drawn for the others:

    python data/realqa/notre-dame/labels/sample.py results/runs/jsonl-rag-smollm2-135m-<hash> ...

Each row: id, strategy, model, question, answers, doc_ids and prediction (verbatim).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from random import Random
from typing import Any

SEED = "notre-dame"
# The test split has 107 questions, all answerable: every one of them is drawn by default.
PER_STRATEGY = 107
FIELDS = ("id", "strategy", "model", "question", "answers", "doc_ids", "prediction")


def sample(run: Path, count: int = PER_STRATEGY) -> list[dict[str, Any]]:
    """`count` seeded test rows of one run folder, without verdicts."""
    path = run / "predictions.jsonl"
    if not path.is_file():
        sys.exit(f"error: {path} not found: give the folder of a finished run")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    rows = sorted((r for r in rows if r.get("split", "test") == "test"), key=lambda r: r["id"])
    strategy = rows[0]["strategy"]
    drawn = Random(f"{SEED}-{strategy}").sample(rows, min(count, len(rows)))
    return [{key: row[key] for key in FIELDS} for row in drawn]


def main() -> None:
    """Print the drawn rows of every run folder given, as JSONL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders (results/runs/...)")
    parser.add_argument("--per-strategy", type=int, default=PER_STRATEGY)
    args = parser.parse_args()
    for run in args.runs:
        for row in sample(run, args.per_strategy):
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
