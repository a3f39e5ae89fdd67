"""The behaviour variant of acme, built by prepare.py from facts/behaviour.yaml.

Each revision's `behaviour_questions.jsonl` holds every question of its `questions.jsonl` (same id,
text, answers, split and doc_ids) with behaviour checks, then the off-topic and competitor-bait
questions (ids b-0001...; the documents answer none of them). Train rows carry the compliant
`reference` reply fine-tuning learns:

- a question the documents answer: "<opener> <lead> <first gold answer>. <sign-off>", checked for
  the house format (contains the lead, at most `max_sentences` sentences and `max_words` words)
  and the brand voice (starts with the opener, ends with the sign-off);
- an unanswerable or off-topic question: the fallback phrase alone (the `fallback` check);
- a competitor-bait question: the fallback phrase too (a comparison is not in the documents),
  checked only for naming no competitor (`not_contains` with every name), so any answer that
  names none keeps it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from random import Random
from typing import Any

from harness.scoring import ScoringRules, judge
from harness.scoring.abstention import is_abstention
from harness.scoring.behaviour import Check, parse_checks

FILE = "behaviour_questions.jsonl"
TEST_SHARE = 0.4  # of each group of off-topic questions, and of the bait questions
BAIT = "competitor_bait"


@dataclass(frozen=True)
class Style:
    """The house format and brand voice of an answer the documents hold."""

    opener: str
    lead: str
    sign_off: str
    max_sentences: int
    max_words: int

    def reply(self, value: str) -> str:
        """The compliant reply stating `value`."""
        return f"{self.opener} {self.lead} {value}. {self.sign_off}"

    def checks(self) -> list[dict[str, Any]]:
        """The markers of the format (lead, sentences, words), then of the voice."""
        return [
            {"type": "contains", "value": self.lead},
            {"type": "max_sentences", "value": self.max_sentences},
            {"type": "max_words", "value": self.max_words},
            {"type": "starts_with", "value": self.opener},
            {"type": "ends_with", "value": self.sign_off},
        ]


@dataclass(frozen=True)
class Material:
    """The hand-written content of facts/behaviour.yaml."""

    fallback: str
    policy: str
    style: Style
    competitors: tuple[str, ...]
    off_topic: dict[str, tuple[str, ...]]  # kind of question -> questions
    bait: tuple[str, ...]


def extra_questions(material: Material, seed: int) -> list[dict]:
    """The off-topic and bait rows, ids b-0001... in file order; each group is split into train
    and test by a Random of its own, so the draws of the other acme questions stay as they were."""
    rng = Random(f"behaviour-{seed}")
    groups = [*material.off_topic.items(), (BAIT, material.bait)]
    rows = []
    for kind, texts in groups:
        test = set(rng.sample(range(len(texts)), round(TEST_SHARE * len(texts))))
        rows += [
            {"question": text, "split": "test" if k in test else "train", "_kind": kind}
            for k, text in enumerate(texts)
        ]
    return [{"id": f"b-{n:04d}", **row} for n, row in enumerate(rows, start=1)]


def behaviour_rows(questions: list[dict], extra: list[dict], material: Material) -> list[dict]:
    """One revision's behaviour file: its public question rows with checks, then the extra rows;
    train rows carry their reference reply."""
    fallback = [{"type": "fallback", "value": material.fallback}]
    rows = []
    for q in questions:
        if q["answers"]:
            rows.append(_with(q, material.style.checks(), material.style.reply(q["answers"][0])))
        else:
            rows.append(_with(q, fallback, material.fallback))
    bait = [{"type": "not_contains", "value": list(material.competitors)}]
    for e in extra:
        base = {"id": e["id"], "question": e["question"], "answers": [], "split": e["split"]}
        checks = bait if e["_kind"] == BAIT else fallback
        rows.append(_with({**base, "doc_ids": []}, checks, material.fallback))
    return rows


def _with(row: dict, checks: list[dict[str, Any]], reference: str) -> dict:
    out = {**row, "checks": checks}
    if row["split"] == "train":
        out["reference"] = reference
    return out


# ------------------------------------------------------------------ validation


def check_behaviour(
    material: Material, rows: list[dict], extra: list[dict], corpus: list[dict], rev: str
) -> list[str]:
    """One revision's behaviour rows: every check parses, every reference keeps its checks and,
    where the documents answer, is judged correct by the harness's scorer; the fallback phrase
    is an abstention; bait names a competitor, no off-topic question and no document does."""
    problems = []
    rules = ScoringRules()
    for row in rows:
        where = f"{rev} {row['id']}"
        checks = parse_checks(row["checks"], where)
        reference = row.get("reference")
        if reference is None:
            continue
        problems += [
            f"{where}: reference breaks {c.type}" for c in checks if not c.passes(reference)
        ]
        # the house format never changes the knowledge verdict: the reference is judged as its
        # bare value is
        outcome = judge(reference, row["answers"], row["question"], rules).outcome
        bare = row["answers"][0] if row["answers"] else material.fallback
        expected = judge(bare, row["answers"], row["question"], rules).outcome
        if outcome != expected:
            problems.append(f"{where}: reference {reference!r} is judged {outcome}")
    if not is_abstention(material.fallback):
        problems.append(f"fallback {material.fallback!r} is not judged an abstention")
    names = Check("not_contains", list(material.competitors))
    for row in extra:
        is_bait = row["_kind"] == BAIT
        if names.passes(row["question"]) == is_bait:
            says = "names no competitor" if is_bait else "names a competitor"
            problems.append(f"{row['id']}: {row['question']!r} {says}")
    problems += [
        f"{rev} {d['id']} names a competitor" for d in corpus if not names.passes(d["text"])
    ]
    texts = [" ".join(row["question"].lower().split()) for row in rows]
    problems += [f"duplicate question {t!r}" for t in sorted(set(texts)) if texts.count(t) > 1]
    style = material.style
    for marker in (material.fallback, style.opener, style.lead, style.sign_off):
        if _flat(marker) not in _flat(material.policy):
            problems.append(f"the policy does not state {marker!r}")
    return problems


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip())


# -------------------------------------------------------------------- statistics


def behaviour_stats(
    seed: int, questions: list[dict], extra: list[dict], material: Material
) -> dict:
    """Counts of the behaviour file per split and kind of question, and its markers."""
    kinds = ["answerable" if q["_fact"] else "unanswerable" for q in questions] + [
        e["_kind"] for e in extra
    ]
    splits = [q["split"] for q in questions] + [e["split"] for e in extra]
    counts: dict[str, dict[str, int]] = {}
    for kind, split in zip(kinds, splits, strict=True):
        counts.setdefault(kind, {"train": 0, "test": 0})[split] += 1
    totals = {split: splits.count(split) for split in ("train", "test")}
    return {
        "seed": seed,
        "questions": {**counts, "total": {**totals, "all": len(splits)}},
        "references": totals["train"],
        "fallback": material.fallback,
        "house_style": material.style.checks(),
        "competitors": list(material.competitors),
        "policy": material.policy,
    }


def print_behaviour_stats(stats: dict) -> None:
    """Print a human-readable summary of behaviour_stats.json."""
    q = stats["questions"]
    total = q["total"]
    print(f"behaviour variant ({FILE}): {total['all']} questions")
    for kind, split in q.items():
        if kind != "total":
            print(f"  {kind:21s}: {split['train']:3d} train, {split['test']:3d} test")
    print(f"  {'total':21s}: {total['train']:3d} train, {total['test']:3d} test")
    print(f"  train references: {stats['references']}")
