"""`python -m harness.generate.review OUT [--sample 20] [--seed 0]`: read generated questions
against their sections by hand, and count the verdicts.

The first run writes `OUT/review.csv`: a seeded sample of the generated questions (fact
questions, paraphrases and unanswerable questions, in proportion), each with its section's text,
answer and evidence, and empty verdict columns. A person fills them with `y` or `n`:

- `answerable_from_section`: the section answers the question (fact questions and paraphrases);
- `answer_right`: the generated answer is the section's answer to it;
- `paraphrase_faithful`: a paraphrase asks what its fact's question asks;
- `truly_unanswerable`: no section of the corpus answers it (unanswerable questions).

A later run, with the file filled in, prints the counts per verdict and writes them to
`OUT/review.json`; it never overwrites a review.csv. The sheet may come back as a spreadsheet
program saves it (Windows-1252, semicolons); a cell that would start a formula ("=HYPERLINK(...)")
is written with a leading quote, as report.csv's are.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from harness.datasets.jsonl_file import read_jsonl
from harness.errors import HarnessError
from harness.files import spreadsheet_safe, write_json_atomic

VERDICTS = ("answerable_from_section", "answer_right", "paraphrase_faithful", "truly_unanswerable")
APPLIES = {  # which verdicts a person gives for each kind of question
    "question": ("answerable_from_section", "answer_right"),
    "paraphrase": ("answerable_from_section", "answer_right", "paraphrase_faithful"),
    "unanswerable": ("truly_unanswerable",),
}
FIELDS = ("id", "kind", "question", "answer", "evidence", "section_id", "section", *VERDICTS)


def main(argv: list[str] | None = None) -> None:
    """Write the sample to fill in, or count a filled one."""
    parser = argparse.ArgumentParser(prog="python -m harness.generate.review")
    parser.add_argument("out", type=Path, help="the folder python -m harness.generate wrote")
    parser.add_argument("--corpus", type=Path, help="default: OUT/corpus.jsonl")
    parser.add_argument("--sample", type=int, default=20, help="questions to read")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    sheet = args.out / "review.csv"
    try:
        if sheet.exists():
            counts = count(sheet)
            write_json_atomic(args.out / "review.json", counts)
            print(json.dumps(counts, indent=2))
            return
        corpus = args.corpus or args.out / "corpus.jsonl"
        rows = sample(args.out, corpus, args.sample, args.seed)
        with sheet.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, FIELDS)
            writer.writeheader()
            writer.writerows({k: spreadsheet_safe(v) for k, v in row.items()} for row in rows)
        print(f"wrote {len(rows)} questions to {sheet}: fill the verdict columns with y or n "
              "(blank where a verdict does not apply), then run this command again")  # fmt: skip
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)


def sample(out: Path, corpus: Path, size: int, seed: int) -> list[dict[str, Any]]:
    """A seeded sample of the generated questions, each with what a reader needs to judge it."""
    sections = {str(r["id"]): r.get("text", "") for _, r in read_jsonl(corpus, "--corpus")}
    candidates: list[dict[str, Any]] = []
    for _, fact in _rows(out / "facts.jsonl"):
        phrasings = [fact["question"], *fact["paraphrases"]]
        for number, (text, qid) in enumerate(zip(phrasings, fact["question_ids"], strict=True)):
            candidates.append({
                "id": qid, "kind": "paraphrase" if number else "question", "question": text,
                "answer": fact["answer"], "evidence": fact["evidence"],
                "section_id": fact["section_id"], "section": sections.get(fact["section_id"], ""),
            })  # fmt: skip
    for _, item in _rows(out / "unanswerable.jsonl"):
        candidates.append({
            "id": item["id"], "kind": "unanswerable", "question": item["question"],
            "answer": f"(a reader might guess: {item['guess']})", "evidence": "",
            "section_id": item["section_id"], "section": sections.get(item["section_id"], ""),
        })  # fmt: skip
    if not candidates:
        raise HarnessError(f"{out}: no generated questions to review; run python -m "
                           "harness.generate with a model that yields some first")  # fmt: skip
    chosen = random.Random(seed).sample(candidates, min(size, len(candidates)))
    return [{**row, **dict.fromkeys(VERDICTS, "")} for row in chosen]


def count(sheet: Path) -> dict[str, Any]:
    """Per verdict, how many rows a person marked y and n, and how many are still blank."""
    rows = read_sheet(sheet)
    counts: dict[str, Any] = {
        "questions": len(rows),
        "by_kind": dict(Counter(r["kind"] for r in rows)),
    }
    for verdict in VERDICTS:
        marks = Counter()
        for line, row in enumerate(rows, start=2):
            if verdict not in APPLIES.get(row.get("kind", ""), ()):
                continue
            mark = (row.get(verdict) or "").strip().lower()
            if mark not in ("y", "n", ""):
                raise HarnessError(f"{sheet} line {line}: {verdict}={mark!r}; use y, n or blank")
            marks[{"y": "yes", "n": "no", "": "blank"}[mark]] += 1
        counts[verdict] = {k: marks.get(k, 0) for k in ("yes", "no", "blank")}
    return counts


def read_sheet(sheet: Path) -> list[dict[str, str]]:
    """The rows of review.csv as written, or as a spreadsheet program saved it back: in UTF-8
    (with or without its mark) or Windows-1252, separated by commas, semicolons or tabs."""
    data = sheet.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # what a spreadsheet on Western Windows saves as "CSV"
        except UnicodeDecodeError:
            raise HarnessError(
                f"{sheet}: neither UTF-8 nor Windows-1252 text; save it again as CSV UTF-8"
            ) from None
    header = text.partition("\n")[0]
    delimiter = max(",;\t", key=header.count)  # the header names every column: no quotes
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    missing = [name for name in ("kind", *VERDICTS) if rows and name not in rows[0]]
    if missing:
        raise HarnessError(
            f"{sheet}: no column {missing[0]!r}; keep the header row this command wrote "
            f"({', '.join(FIELDS)})"
        )
    return rows


def _rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file() or not path.read_text(encoding="utf-8").strip():
        return []
    return read_jsonl(path, str(path))


if __name__ == "__main__":
    main()
