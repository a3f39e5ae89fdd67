"""Draw the answers about the 2024 news quiz to hand-label, and write the labels without its text.

Sampling only, never scoring: rows come out without any verdict. For a finished run folder
(`python -m harness dataset=jsonl dataset.questions=<shared>/questions.jsonl ...`), a
`random.Random` seeded with `realtimeqa-2024-<strategy>` orders its test rows (with the default
`--per-strategy 241` every test question is drawn; the seed fixes the order only):

    python data/realqa/realtimeqa-2024/labels/sample.py results/runs/jsonl-rag-smollm2-135m-<hash>

prints, for reading, per row: id, question, gold answers, the gold paragraph and the prediction.
That text is the news set's (no licence): read it, never store it in the project.

    python data/realqa/realtimeqa-2024/labels/sample.py <run> --labels reader.txt > rag.jsonl

turns the reader's labels (a line per row: `<id> <label> [uncertain] [| note]`, the label one of
correct, wrong, abstained, empty) into the label file: id, strategy, model, prediction_sha256
(of the prediction as the run wrote it), label, uncertain and note; no question, gold or answer.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from random import Random
from typing import Any

SEED = "realtimeqa-2024"
PER_STRATEGY = 241  # the test split: every test question by default
SHARED = Path(__file__).resolve().parents[5] / "shared" / "realqa" / "realtimeqa-2024"
LABELS = ("correct", "wrong", "abstained", "empty")


def sample(run: Path, count: int = PER_STRATEGY) -> list[dict[str, Any]]:
    """`count` seeded test rows of one run folder, as the run wrote them (verdicts left out)."""
    path = run / "predictions.jsonl"
    if not path.is_file():
        sys.exit(f"error: {path} not found: give the folder of a finished run")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    rows = sorted((r for r in rows if r.get("split", "test") == "test"), key=lambda r: r["id"])
    return Random(f"{SEED}-{rows[0]['strategy']}").sample(rows, min(count, len(rows)))


def for_reading(row: dict[str, Any], corpus: dict[str, str]) -> dict[str, Any]:
    """What the reader needs: the question, the gold, the gold paragraph and the prediction."""
    paragraphs = [corpus.get(doc, "") for doc in row.get("doc_ids", [])]
    fields = ("id", "question", "answers", "prediction")
    return {**{k: row[k] for k in fields}, "paragraph": " ".join(paragraphs)}


def label_rows(rows: list[dict[str, Any]], reader: Path) -> list[dict[str, Any]]:
    """The reader's labels, each tied to the exact prediction it judged by its SHA-256."""
    by_id = {row["id"]: row for row in rows}
    out = []
    for line in reader.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        head, _, note = line.partition("|")
        words = head.split()
        row = by_id[words[0]]
        if words[1] not in LABELS:
            sys.exit(f"error: {line!r}: the label is one of {', '.join(LABELS)}")
        out.append(
            {
                "id": row["id"],
                "strategy": row["strategy"],
                "model": row.get("model"),
                "prediction_sha256": hashlib.sha256(row["prediction"].encode()).hexdigest(),
                "label": words[1],
                "uncertain": "uncertain" in words[2:],
                "note": note.strip(),
            }
        )
    return out


def main() -> None:
    """Print the drawn rows for reading, or with --labels the label file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a run folder (results/runs/...)")
    parser.add_argument("--per-strategy", type=int, default=PER_STRATEGY)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the news questions/corpus")
    parser.add_argument("--labels", type=Path, help="the reader's labels: write the label file")
    args = parser.parse_args()
    rows = sample(args.run, args.per_strategy)
    if args.labels:
        printed = label_rows(rows, args.labels)
    else:
        lines = (args.shared / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
        corpus = {d["id"]: d["text"] for d in map(json.loads, filter(None, lines))}
        printed = [for_reading(row, corpus) for row in rows]
    for row in printed:
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
