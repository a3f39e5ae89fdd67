"""The split by fact, the files a generation run writes, and its yield table.

`questions.jsonl` is the harness's question format (`harness.datasets`), so `dataset=jsonl` reads
it beside the corpus. The split is by fact, seeded: `test_fraction` of the facts get one of their
phrasings (the question or a paraphrase, drawn) in test and their other phrasings in train; the
other facts have every phrasing in train. A test phrasing is never in train, its paraphrases may
be. `facts.jsonl` lists each fact with its evidence and the ids of its phrasings, and
`unanswerable.jsonl` each unanswerable question with its section and guess, for reading them
against their sections (`python -m harness.generate.review`); `generation.json` holds the
settings, estimate, usage and yield.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.costs import Pricing
from harness.files import write_json_atomic, write_text_atomic
from harness.generate.checks import Fact
from harness.generate.estimate import Estimate
from harness.generate.records import Tally, Unanswerable
from harness.generate.replies import Usage
from harness.generate.settings import GenerateSettings

log = logging.getLogger(__name__)

# The yield table's rows: (key in Tally.counts, label), in the order facts flow through.
FUNNEL = (
    ("sections", "sections"),
    ("candidates", "answers found in code"),
    ("question_replies", "question replies (with retries)"),
    ("questions_parsed", "questions parsed"),
    ("template_questions", "questions written by rules"),
    ("fact_replies", "fact replies (with retries)"),
    ("fact_replies_parsed", "fact replies parsed"),
    ("facts_parsed", "facts parsed"),
    ("facts_verified", "facts verified in their section"),
    ("facts_after_merge", "facts after merging duplicates"),
    ("facts_retrieved", "section retrieved for the question"),
    ("facts_read", "reader answers with the gold"),
    ("facts_kept", "facts kept (per-document cap)"),
    ("paraphrases_kept", "paraphrases kept"),
    ("unanswerable_parsed", "unanswerable proposed"),
    ("unanswerable_kept", "unanswerable kept"),
)
# the rows only one generate.mode has
ONLY = {
    "answer_first": ("candidates", "question_replies", "questions_parsed", "facts_retrieved",
                     "facts_read"),
    "template": ("candidates", "template_questions", "facts_retrieved", "facts_read"),
    "fact_first": ("fact_replies", "fact_replies_parsed", "facts_parsed"),
}  # fmt: skip


def fact_id(fact: Fact) -> str:
    """A content hash: the same fact about the same section has the same id in every run."""
    blob = json.dumps([fact.section_id, fact.question, fact.answer, fact.evidence])
    return "f-" + hashlib.sha256(blob.encode()).hexdigest()[:12]


def question_id(text: str, owner: str) -> str:
    """A content hash of a phrasing and the fact (or section) it belongs to."""
    return "g-" + hashlib.sha256(json.dumps([owner, text]).encode()).hexdigest()[:12]


def split_rows(
    facts: list[Fact], unanswerable: list[Unanswerable], test_fraction: float, seed: int
) -> list[dict[str, Any]]:
    """Question rows in the harness's format, split by fact (see the module docstring)."""
    rng = random.Random(seed)
    test_facts = set(rng.sample(range(len(facts)), round(test_fraction * len(facts))))
    rows = []
    for index, fact in enumerate(facts):
        phrasings = [fact.question, *fact.paraphrases]
        test_phrasing = rng.randrange(len(phrasings)) if index in test_facts else None
        for number, text in enumerate(phrasings):
            rows.append({
                "id": question_id(text, fact_id(fact)), "question": text,
                "answers": [fact.answer], "doc_ids": [fact.section_id],
                "split": "test" if number == test_phrasing else "train",
            })  # fmt: skip
    test_unanswerable = set(
        rng.sample(range(len(unanswerable)), round(test_fraction * len(unanswerable)))
    )
    for index, item in enumerate(unanswerable):
        rows.append({
            "id": question_id(item.question, item.section_id), "question": item.question,
            "answers": [], "split": "test" if index in test_unanswerable else "train",
        })  # fmt: skip
    return rows


def write(
    out_dir: Path,
    rows: list[dict[str, Any]],
    facts: list[Fact],
    unanswerable: list[Unanswerable],
    tally: Tally,
    plan: Estimate,
    usage: Usage,
    pricing: Pricing,
    model_name: str,
    settings: GenerateSettings,
) -> dict[str, Any]:
    """Write questions.jsonl, facts.jsonl, unanswerable.jsonl (when any question was kept) and
    generation.json; return generation.json's data."""
    fact_rows = [
        {"id": fact_id(f), **asdict(f),
         "question_ids": [question_id(q, fact_id(f)) for q in (f.question, *f.paraphrases)]}
        for f in facts
    ]  # fmt: skip
    unanswerable_rows = [
        {"id": question_id(u.question, u.section_id), **asdict(u)} for u in unanswerable
    ]
    if rows:  # a run that kept nothing leaves an earlier run's questions as they were
        write_text_atomic(out_dir / "questions.jsonl", _jsonl(rows))
        write_text_atomic(out_dir / "facts.jsonl", _jsonl(fact_rows))
        write_text_atomic(out_dir / "unanswerable.jsonl", _jsonl(unanswerable_rows))
    if rows and not any(r["split"] == "test" and r["answers"] for r in rows):
        log.warning("no answerable question is in the test split (%d questions in all): the "
                    "harness cannot score answerable accuracy on this set", len(rows))  # fmt: skip
    questions = {
        f"{split}_{kind}": sum(
            r["split"] == split and bool(r["answers"]) == (kind == "answerable") for r in rows
        )
        for split in ("train", "test")
        for kind in ("answerable", "unanswerable")
    }
    other = {k for keys in ONLY.values() for k in keys} - set(ONLY[settings.mode])
    cost = pricing.query_cost(model_name, usage.seconds, usage.prompt_tokens,
                              usage.completion_tokens)  # fmt: skip
    report = {
        "model": model_name,
        "mode": settings.mode,
        "yield": {
            key: tally.counts.get(key, 0)
            for key, _ in FUNNEL
            if key not in other and (key != "facts_read" or key in tally.counts)
        },
        "rejected": dict(sorted((k, v) for k, v in tally.rejected.items() if v)),
        "reply_problems": dict(sorted(tally.reply_problems.items())),
        "questions": questions,
        "estimate": plan.as_dict(),
        "usage": {**asdict(usage), "cost_usd": cost},
        "settings": {k: v for k, v in asdict(settings).items() if not k.endswith("prompt")},
        "prompts": {k: v for k, v in asdict(settings).items() if k.endswith("prompt")},
    }
    write_json_atomic(out_dir / "generation.json", report)
    return report


def yield_table(report: dict[str, Any]) -> str:
    """The yield, rejections and questions of a run as a plain-text table."""
    labels = dict(FUNNEL)
    lines = [f"yield of {report['model']}:"]
    lines += [f"  {labels[key]:<34} {count:>6}" for key, count in report["yield"].items()]
    lines.append("rejected, by reason:")
    lines += [f"  {reason:<42} {n:>6}" for reason, n in report["rejected"].items()] or ["  none"]
    if report["reply_problems"]:
        lines.append("unparsable replies (each attempt), by problem:")
        lines += [f"  {kind:<42} {n:>6}" for kind, n in report["reply_problems"].items()]
    lines.append("questions written:")
    lines += [f"  {key:<34} {n:>6}" for key, n in report["questions"].items()]
    usage = report["usage"]
    lines.append(
        f"calls made: {usage['calls']} (+{usage['cached']} from the cache), "
        f"{usage['prompt_tokens']:,} prompt + {usage['completion_tokens']:,} completion tokens, "
        f"{usage['seconds']:.1f} s, ${usage['cost_usd']:.4f}"
    )
    return "\n".join(lines)


def _jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
