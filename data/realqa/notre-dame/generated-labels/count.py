"""Count hand labels of generated questions (issue 33 item 4): pass-all and per criterion.

    python data/realqa/notre-dame/generated-labels/count.py LABELS.jsonl ...

A row passes all when every criterion that applies to it is true: `answerable_from_section`,
`gold_right_and_complete` (questions and paraphrases), `not_given_away` (every row),
`paraphrase_faithful` (paraphrases), `unanswerable_truly` (unanswerable questions); a criterion
that does not apply is null. Prints one Markdown row per file and one per source (all of its
files' rows together), against the target of 90 % passing all.

With `--run OUT` (a `python -m harness.generate` output folder) it counts instead the questions
that run kept, each by every label of it in the files (the same section, question and gold):
how many are labelled, and how many pass where every reader of them passes them and where any
does. A question several files hold (read by more than one reader) counts once:

    python data/realqa/notre-dame/generated-labels/count.py LABELS.jsonl ... --run OUT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

CRITERIA = (
    "answerable_from_section",
    "gold_right_and_complete",
    "not_given_away",
    "paraphrase_faithful",
    "unanswerable_truly",
)
TARGET = 0.9


def passes(row: dict[str, Any]) -> bool:
    """Every criterion that applies to the row (not null) holds."""
    return all(row[c] for c in CRITERIA if row[c] is not None)


def line(name: str, rows: list[dict[str, Any]]) -> str:
    """One Markdown table row: labelled, pass-all (count, %, target met) and each criterion."""
    n = len(rows)
    ok = sum(passes(r) for r in rows)
    share = ok / n if n else 0.0
    cells = [name, str(n), f"{ok} ({100 * share:.0f} %)", "yes" if share >= TARGET else "no"]
    for criterion in CRITERIA:
        applies = [r for r in rows if r[criterion] is not None]
        held = sum(bool(r[criterion]) for r in applies)
        cells.append(f"{held} / {len(applies)}" if applies else "")
    return "| " + " | ".join(cells) + " |"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The rows of a JSONL file."""
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]


def census(out: Path, labels: list[Path]) -> dict[str, int]:
    """The questions the run in `out` kept, counted by their labels in `labels`."""
    verdicts: dict[tuple[str, str, str], list[bool]] = {}
    for path in labels:
        for row in read_jsonl(path):
            key = (row["section_id"], row["question"], row["answer"])
            verdicts.setdefault(key, []).append(passes(row))
    facts = {fact["question_ids"][0]: fact for fact in read_jsonl(out / "facts.jsonl")}
    kept = [q for q in read_jsonl(out / "questions.jsonl") if q["id"] in facts]
    found = [verdicts.get((facts[q["id"]]["section_id"], q["question"], facts[q["id"]]["answer"]))
             for q in kept]  # fmt: skip
    read = [v for v in found if v]
    return {"kept": len(kept), "labelled": len(read), "every_reader_passes": sum(map(all, read)),
            "a_reader_passes": sum(map(any, read))}  # fmt: skip


def main() -> None:
    """Print the table for the label files given, or with --run the census of one run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="+", type=Path)
    parser.add_argument("--run", type=Path, help="a python -m harness.generate --out folder")
    args = parser.parse_args()
    if args.run:
        counts = census(args.run, args.labels)
        print(", ".join(f"{key.replace('_', ' ')} {n}" for key, n in counts.items()))
        return
    header = ["file", "labelled", "pass all", ">= 90 %", *CRITERIA]
    print("| " + " | ".join(header) + " |")
    print("|---" * len(header) + "|")
    by_source: dict[str, list[dict[str, Any]]] = {}
    for path in args.labels:
        rows = read_jsonl(path)
        print(line(str(path), rows))
        for row in rows:
            by_source.setdefault(row["source"], []).append(row)
    for source, rows in by_source.items():
        print(line(f"{source} (all modes)", rows))


if __name__ == "__main__":
    main()
