"""Scoring of one prediction against its gold answers, and the aggregate over a run.

Normalisation follows SQuAD (lower case, no punctuation, no articles, single spaces). Small instruct
models answer in sentences, so the headline is `contained`: a gold answer appears in the normalised
prediction. A prediction longer than a few times the gold answer (one that dumps the prompt back)
does not count as containing it; those cases are counted as `capped`.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_PUNCTUATION = set(string.punctuation)


# Per-question figures some strategies add (retrieval quality, latency split); averaged over the
# rows that have a value (recall is None for a question without gold documents).
OPTIONAL_MEANS = ("recall_at_k", "reciprocal_rank", "retrieval_seconds", "generation_seconds")


@dataclass(frozen=True)
class ScoringRules:
    """How predictions are judged; built from the `scoring` config node."""

    abstain_phrases: tuple[str, ...]
    max_length_factor: float = 5.0
    min_length_cap: int = 20


def normalize(text: str) -> str:
    """SQuAD normalisation: lower case, drop punctuation and articles, fold white space."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer."""
    return float(any(normalize(prediction) == normalize(a) for a in answers))


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """Best token-overlap F1 against the gold answers (SQuAD definition)."""
    predicted = normalize(prediction).split()
    best = 0.0
    for answer in answers:
        gold = normalize(answer).split()
        common = sum((Counter(predicted) & Counter(gold)).values())
        if common == 0:
            continue
        precision, recall = common / len(predicted), common / len(gold)
        best = max(best, 2 * precision * recall / (precision + recall))
    return best


def is_abstention(prediction: str, rules: ScoringRules) -> bool:
    """Whether the prediction declines to answer (an empty prediction counts as declining)."""
    text = " ".join(prediction.lower().replace("’", "'").split())
    return not text or any(phrase in text for phrase in rules.abstain_phrases)


def score(prediction: str, answers: Sequence[str], rules: ScoringRules) -> dict[str, Any]:
    """Score one prediction; an empty `answers` means the right behaviour is to abstain."""
    abstained = is_abstention(prediction, rules)
    if not answers:
        return {
            "exact_match": float(abstained),
            "f1": float(abstained),
            "contained": False,
            "capped": False,
            "abstained": abstained,
            "correct": abstained,
            "hallucinated": not abstained,
        }
    normalized = normalize(prediction)
    gold_tokens = max(len(normalize(a).split()) for a in answers)
    cap = max(rules.min_length_cap, int(rules.max_length_factor * gold_tokens))
    found = any(_contains(normalized, normalize(a)) for a in answers)
    capped = found and len(normalized.split()) > cap
    contained = found and not capped
    correct = contained and not abstained
    return {
        "exact_match": exact_match(prediction, answers),
        "f1": token_f1(prediction, answers),
        "contained": contained,
        "capped": capped,
        "abstained": abstained,
        "correct": correct,
        "hallucinated": not correct and not abstained,
    }


def _contains(haystack: str, needle: str) -> bool:
    """Whole-token containment, so '5 gb' is not found inside '25 gb'."""
    return bool(needle) and f" {needle} " in f" {haystack} "


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Quality, latency and token figures over a run's prediction rows."""
    answerable = [r for r in rows if r["answers"]]
    unanswerable = [r for r in rows if not r["answers"]]
    latencies = np.array([r["latency_seconds"] for r in rows], dtype=float)
    batch_seconds = _batch_seconds(rows)
    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "accuracy": _mean(r["correct"] for r in rows),
        "answerable_accuracy": _mean(r["correct"] for r in answerable),
        "answerable_exact_match": _mean(r["exact_match"] for r in answerable),
        "answerable_f1": _mean(r["f1"] for r in answerable),
        "abstention_rate": _mean(r["abstained"] for r in unanswerable),
        "false_abstention_rate": _mean(r["abstained"] for r in answerable),
        "hallucination_rate": _mean(r["hallucinated"] for r in rows),
        "capped": sum(bool(r["capped"]) for r in rows),
        "latency_p50_seconds": percentile(latencies, 50),
        "latency_p95_seconds": percentile(latencies, 95),
        "latency_mean_seconds": float(latencies.mean()) if len(rows) else None,
        "batch_p50_seconds": percentile(batch_seconds, 50),
        "batch_p95_seconds": percentile(batch_seconds, 95),
        "questions_per_second": len(rows) / batch_seconds.sum() if batch_seconds.sum() else None,
        "prompt_tokens_mean": _mean(r["prompt_tokens"] for r in rows),
        "completion_tokens_mean": _mean(r["completion_tokens"] for r in rows),
        "prompt_tokens_total": sum(r["prompt_tokens"] for r in rows),
        "completion_tokens_total": sum(r["completion_tokens"] for r in rows),
        **{
            f"{key}_mean": _mean(r[key] for r in rows if r.get(key) is not None)
            for key in OPTIONAL_MEANS
            if any(r.get(key) is not None for r in rows)
        },
    }


def _batch_seconds(rows: list[dict[str, Any]]) -> np.ndarray:
    seen: dict[int, float] = {}
    for row in rows:
        seen.setdefault(row["batch"], row["batch_seconds"])
    return np.array(list(seen.values()), dtype=float)


def _mean(values: Any) -> float | None:
    values = [float(v) for v in values]
    return sum(values) / len(values) if values else None


def percentile(values: np.ndarray, q: float) -> float | None:
    """The q-th percentile (0-100, linear interpolation), or None for no values."""
    return float(np.percentile(values, q)) if len(values) else None
