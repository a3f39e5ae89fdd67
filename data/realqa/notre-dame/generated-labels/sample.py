"""Draw kept generated questions to hand-label (issue 33 item 4), without any verdict.

Sampling only, never labelling. In a `python -m harness.generate` output folder, every kept
phrasing in its `questions.jsonl` is a candidate: a fact's question, each of its kept
paraphrases, each kept unanswerable question. A `random.Random` seeded with
`generated-<source>-<mode>` draws `--count` of them (all of them when fewer were kept), from the
rows sorted by id, so the draw depends only on what the run kept:

    python data/realqa/notre-dame/generated-labels/sample.py OUT --source notre-dame \
        --count 100 > rows.jsonl

Each row: id, source, mode, type (question, paraphrase or unanswerable), question, answer (the
gold; none for an unanswerable question), guess (an unanswerable question's guess), of (the
question a paraphrase rephrases), kind (the answer's kind), section_id and evidence. The label
fields are added by the reader (README.md beside this file). With `--exclude LABELS...` the
questions of those label files are left out and the seed gains "-heldout": a draw of what no
reader has seen, after rules written from those labels.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from random import Random
from typing import Any


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def candidates(out: Path, source: str) -> list[dict[str, Any]]:
    """Every kept phrasing of a generation run, with its fact or unanswerable record joined."""
    mode = json.loads((out / "generation.json").read_text(encoding="utf-8"))["mode"]
    by_question: dict[str, dict[str, Any]] = {}
    for fact in read_jsonl(out / "facts.jsonl"):
        for number, qid in enumerate(fact["question_ids"]):
            by_question[qid] = {
                "type": "question" if number == 0 else "paraphrase",
                "answer": fact["answer"], "guess": None,
                "of": None if number == 0 else fact["question"], "kind": fact["kind"],
                "section_id": fact["section_id"], "evidence": fact["evidence"],
            }  # fmt: skip
    for item in read_jsonl(out / "unanswerable.jsonl"):
        by_question[item["id"]] = {
            "type": "unanswerable", "answer": None, "guess": item["guess"], "of": None,
            "kind": None, "section_id": item["section_id"], "evidence": None,
        }  # fmt: skip
    rows = []
    for row in read_jsonl(out / "questions.jsonl"):
        joined = by_question[row["id"]]
        rows.append({"id": row["id"], "source": source, "mode": mode,
                     "question": row["question"], **joined})  # fmt: skip
    return sorted(rows, key=lambda r: r["id"])


def sample(
    out: Path, source: str, count: int, exclude: Sequence[Path] = ()
) -> list[dict[str, Any]]:
    """`count` seeded kept phrasings of one run (all of them when fewer were kept), less the
    questions already in the label files `exclude` (a held-out draw after new rules)."""
    labelled = {(r["section_id"], r["question"]) for path in exclude for r in read_jsonl(path)}
    rows = [r for r in candidates(out, source) if (r["section_id"], r["question"]) not in labelled]
    mode = rows[0]["mode"] if rows else "none"
    seed = f"generated-{source}-{mode}" + ("-heldout" if exclude else "")
    return Random(seed).sample(rows, min(count, len(rows)))


def main() -> None:
    """Print the drawn rows, then (on stderr) how many were kept and drawn."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="a python -m harness.generate --out folder")
    parser.add_argument("--source", required=True, help="notre-dame or docs")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--exclude", type=Path, nargs="*", default=(),
                        help="label files whose questions are not drawn again")  # fmt: skip
    args = parser.parse_args()
    drawn = sample(args.out, args.source, args.count, args.exclude)
    for row in drawn:
        print(json.dumps(row, ensure_ascii=False))
    kept = len(candidates(args.out, args.source))
    print(f"kept {kept}, drawn {len(drawn)}", file=sys.stderr)


if __name__ == "__main__":
    main()
