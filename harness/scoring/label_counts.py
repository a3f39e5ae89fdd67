"""A scorer against hand labels: agreement, false accepts and false rejects, and the rows the
rules judge on a word pattern; shared by the agreement command and the hashed label sets."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.scoring import ScoringRules, judge

LABELS = ("correct", "wrong", "abstained", "empty")


def read_label_files(files: Iterable[Path], fields: Sequence[str]) -> list[dict[str, Any]]:
    """The label rows of JSONL `files`, each with the `fields` it must have and a known label,
    and the name of the file it came from; a bad row is one line naming the file and line."""
    rows = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            for key in fields:
                if key not in row:
                    raise HarnessError(f"{path} line {number}: field {key!r} is missing")
            if row["label"] not in LABELS:
                raise HarnessError(
                    f"{path} line {number}: field 'label' is {row['label']!r}; use one of "
                    f"{', '.join(LABELS)}"
                )
            rows.append({**row, "file": path.name})
    return rows


def agreement(
    rows: list[dict[str, Any]], says_correct: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """Agreement, false accepts and false rejects of `says_correct` with the labels."""
    verdicts = [(says_correct(row), row["label"] == "correct") for row in rows]
    count = len(verdicts)
    return {
        "rows": count,
        "labelled_correct": sum(label for _, label in verdicts),
        "agreement": sum(s == label for s, label in verdicts) / count,
        "false_accepts": sum(s and not label for s, label in verdicts) / count,
        "false_rejects": sum(label and not s for s, label in verdicts) / count,
    }


def rules_say_correct(rules: ScoringRules) -> Callable[[dict[str, Any]], bool]:
    """The rule-based scorer's answer to "is this row correct?"."""

    def decide(row: dict[str, Any]) -> bool:
        verdict = judge(row["prediction"], row["answers"], row["question"], rules)
        return verdict.outcome == "correct"

    return decide


def uncertain_counts(rows: list[dict[str, Any]], rules: ScoringRules) -> dict[str, int]:
    """Per reason, how many rows the rules judge on a word pattern (`uncertain_why`)."""
    counts: dict[str, int] = {}
    for row in rows:
        why = judge(row["prediction"], row["answers"], row["question"], rules).uncertain_why
        if why:
            counts[why] = counts.get(why, 0) + 1
    return counts


def judge_says_correct(
    rows: list[dict[str, Any]], rules: ScoringRules, model_judge: Any
) -> Callable[[dict[str, Any]], bool]:
    """A model judge's answer, as `harness.run.evaluate` takes it: it decides only the rows the
    rules call correct or wrong; an unparsed reply leaves the rules' call."""
    from harness.scoring.model_judge import asks

    verdicts = [judge(r["prediction"], r["answers"], r["question"], rules) for r in rows]
    decided = {id(r): v.outcome == "correct" for r, v in zip(rows, verdicts, strict=True)}
    asked = [
        r
        for r, v in zip(rows, verdicts, strict=True)
        if asks({**r, **v.to_json()}, rules.judge_asks)
    ]
    said = model_judge.grade([(r["question"], r["answers"], r["prediction"]) for r in asked])
    decided.update(
        {id(r): verdict for r, verdict in zip(asked, said, strict=True) if verdict is not None}
    )
    return lambda row: decided[id(row)]


def asked_line(
    rows: list[dict[str, Any]], rules: ScoringRules, says: Callable[[dict[str, Any]], bool]
) -> str:
    """One line: on the rows a judge is asked about, per strategy, how many the rules and the
    judge (`says`) each decide as the labels do."""
    from harness.scoring.model_judge import asks

    verdicts = [judge(r["prediction"], r["answers"], r["question"], rules) for r in rows]
    asked = [
        (r, v.outcome == "correct")
        for r, v in zip(rows, verdicts, strict=True)
        if asks({**r, **v.to_json()}, rules.judge_asks)
    ]
    parts = []
    for name in [*sorted({str(r["strategy"]) for r, _ in asked}), "all"]:
        chosen = [(r, s) for r, s in asked if name in ("all", str(r["strategy"]))]
        by_rules = sum(s == (r["label"] == "correct") for r, s in chosen)
        by_judge = sum(says(r) == (r["label"] == "correct") for r, _ in chosen)
        parts.append(f"{name}: rules {by_rules}, judge {by_judge} of {len(chosen)}")
    return "agreeing with the labels on the rows asked: " + "; ".join(parts)
