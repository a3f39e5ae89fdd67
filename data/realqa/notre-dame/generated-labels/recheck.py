"""Re-apply today's question rules to hand-labelled questions: which labelled rows they remove.

    python data/realqa/notre-dame/generated-labels/recheck.py \
        data/realqa/notre-dame/generated-labels/template.jsonl \
        data/realqa/notre-dame/generated-labels/answer_first.jsonl [--template-run]

For every labelled question (not paraphrases, not unanswerable questions), in the order a run
meets the rules:

1. candidates: `section_candidates` re-run on the row's section (`--corpus`, the Notre Dame
   corpus by default) must still give the row's answer, with its kind, in its evidence; else the
   row is removed as `candidate: dropped` (no candidate overlaps the answer any more),
   `candidate: kind changed` (same answer, another kind: another wh-word, another question) or
   `candidate: span changed` (a candidate overlaps it with another answer);
2. `questions.question_problem(question, candidate)`, the check both modes share: its reason.

Prints one line per removed row (for one removed at step 1, also what the question check alone
says of it, as if its answer were still a candidate of its kind), then per file and in all: the
failing and the passing rows removed (a row passes when every criterion that applies holds, as
in count.py) and the pass rate before and of what remains. Development figures when the rules
were written looking at these labels; only a held-out labelled sample confirms them. A removed
candidate can let another answer of its section be chosen in a real run: that question is new
and unlabelled, not counted. `--template-run` first lists the template questions of the whole
corpus (default caps) that the question check rejects, labelled or not.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))  # this checkout's harness, not an installed one
from harness.generate.candidates import Candidate, candidates, section_candidates  # noqa: E402
from harness.generate.pipeline import read_sections  # noqa: E402
from harness.generate.questions import question_problem  # noqa: E402
from harness.generate.records import Section  # noqa: E402
from harness.generate.template import template_question  # noqa: E402

CRITERIA = ("answerable_from_section", "gold_right_and_complete", "not_given_away")


def passes(row: dict[str, Any]) -> bool:
    """Every criterion that applies to a question holds."""
    return all(row[c] for c in CRITERIA if row[c] is not None)


def removed_by(row: dict[str, Any], section: Section) -> tuple[str | None, str | None]:
    """Why today's rules would not keep the row's question (None when they would), and what the
    question check alone says of it, as if its answer were still a candidate of its kind."""
    evidence_start = section.text.index(row["evidence"])
    start = evidence_start + row["evidence"].index(row["answer"])
    end = start + len(row["answer"])
    as_labelled = Candidate(row["answer"], row["kind"], row["evidence"], start, end,
                            evidence_start, section.id, section.document, (), 0.0)  # fmt: skip
    alone = question_problem(row["question"], as_labelled)
    found = [c for c in section_candidates(section) if c.evidence_start == evidence_start]
    overlapping = [c for c in found if c.start < end and start < c.end]
    if not overlapping:
        return "candidate: dropped", alone
    if not any((c.start, c.end) == (start, end) for c in overlapping):
        return "candidate: span changed", alone
    if not any((c.start, c.end, c.kind) == (start, end, row["kind"]) for c in overlapping):
        return "candidate: kind changed", alone
    return alone, alone


def rate(passing: int, total: int) -> str:
    return f"{passing} / {total} ({100 * passing / total:.0f} %)" if total else "none"


def main() -> None:
    """Print the removed rows and the table for the label files given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="*", type=Path)
    parser.add_argument("--corpus", type=Path, default=HERE.parent / "corpus.jsonl")
    parser.add_argument("--template-run", action="store_true",
                        help="also print the template questions of the whole corpus (default "
                        "caps, 100 characters) that the question check rejects")  # fmt: skip
    args = parser.parse_args()
    sections = {s.id: s for s in read_sections(args.corpus, "#")}
    if args.template_run:
        template_run(list(sections.values()))
    if not args.labels:
        return
    table = ["| file | questions | failing removed | passing removed | pass rate before | "
             "pass rate of what remains |", "|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    reasons: Counter[str] = Counter()
    totals = [0, 0, 0, 0, 0]  # questions, passing, failing removed, passing removed, kept passing
    for path in args.labels:
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
        rows = [r for r in rows if r["type"] == "question"]
        counts = [len(rows), sum(map(passes, rows)), 0, 0, 0]
        for row in rows:
            reason, alone = removed_by(row, sections[row["section_id"]])
            if reason is None:
                counts[4] += passes(row)
                continue
            verdict = "passing" if passes(row) else "failing"
            counts[3 if passes(row) else 2] += 1
            reasons[f"{reason} ({verdict})"] += 1
            also = f" (the question check alone: {alone})" if alone != reason else ""
            print(f"{path.name}: {verdict} removed by {reason}{also}: {row['question']!r} -> "
                  f"{row['answer']!r} ({row['kind']})")  # fmt: skip
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        table.append(_row(path.name, counts))
    table.append(_row("all", totals))
    print("\nremoved, by reason:")
    print("\n".join(f"  {reason}: {n}" for reason, n in sorted(reasons.items())) or "  none")
    print("\n" + "\n".join(table))


def template_run(sections: list[Section]) -> None:
    """Every template question a run makes of `sections` that `question_problem` rejects, and
    how many, unlabelled: what the rules do beyond the labelled rows."""
    found = candidates(sections)
    rejected: Counter[str] = Counter()
    for candidate in found:
        question = template_question(candidate, 100)
        if reason := question_problem(question, candidate):
            rejected[reason] += 1
            print(f"template run: {reason}: {question!r} -> {candidate.answer!r}")
    print(f"template run: {sum(rejected.values())} of {len(found)} rejected: {dict(rejected)}\n")


def _row(name: str, counts: list[int]) -> str:
    total, passing, failing_removed, passing_removed, kept_passing = counts
    kept = total - failing_removed - passing_removed
    return (f"| {name} | {total} | {failing_removed} of {total - passing} | {passing_removed} of "
            f"{passing} | {rate(passing, total)} | {rate(kept_passing, kept)} |")  # fmt: skip


if __name__ == "__main__":
    main()
