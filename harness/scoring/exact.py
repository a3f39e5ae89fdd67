"""Exact-format figures (SQuAD): how close the wording is to the gold, not whether it is right.

Exact match and token F1 after SQuAD normalisation (lower case, no punctuation, no articles, single
spaces). They reward the gold answer's format, so they are reported beside correctness, never in
its place: "The plan has 75." is correct for "75 seats" and scores 0 on both.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

_PUNCTUATION = set(string.punctuation)


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
