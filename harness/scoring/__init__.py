"""Verdicts on one prediction: what a careful reader concludes, and how exact its format is.

Every figure the harness prints goes through `judge` (via `harness.run.evaluate`), so changing a
rule
in `conf/config.yaml`'s `scoring` node changes every figure of every stored run the same way.

A prediction's `outcome` is one of:
- `correct`: it states the gold answer (answerable questions only; see `correctness`);
- `abstained`: it declines to answer (the right outcome for an unanswerable question);
- `empty`: it says nothing at all (never counted as a correct abstention);
- `wrong`: it asserts something else (on an unanswerable question: a hallucination).

`uncertain` (with `uncertain_why`) marks a correct or wrong verdict that rests on a word pattern
around the value (a negation, a list, a longer name, a second value read as another event's) or
on a near miss of the gold (a name one letter off, a less specific word, a more specific place):
those are the rows a model judge is asked about (`model_judge.asks`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.scoring.abstention import is_abstention
from harness.scoring.correctness import read_answer
from harness.scoring.exact import exact_match, normalize, token_f1

OUTCOMES = ("correct", "wrong", "abstained", "empty")

__all__ = ["OUTCOMES", "Judgement", "ScoringRules", "judge", "normalize"]


@dataclass(frozen=True)
class ScoringRules:
    """How predictions are judged; built from the `scoring` config node."""

    extra_abstain_phrases: tuple[str, ...] = field(default_factory=tuple)
    max_answer_words: int | None = None  # longer predictions are wrong (dumping, not answering)
    # A `model_judge.ModelJudge` re-judging the correct/wrong outcomes in `harness.run.evaluate`
    model_judge: Any = field(default=None, compare=False, repr=False)
    judge_asks: str = "uncertain"  # or "all": which correct/wrong rows the judge is asked about


@dataclass(frozen=True)
class Judgement:
    """The rules' verdict on one prediction's text: its outcome, and how exact its form is."""

    outcome: str  # one of OUTCOMES
    correct: bool  # the right outcome: the gold stated, or an unanswerable question declined
    exact_match: float
    f1: float
    # why a correct or wrong outcome rests on a word pattern or a near miss, else None
    uncertain_why: str | None = None

    @property
    def uncertain(self) -> bool:
        """Whether a model judge may be asked about it (`model_judge.asks`)."""
        return self.uncertain_why is not None

    def to_json(self) -> dict[str, Any]:
        """Its fields as a judged row holds them, `uncertain` included."""
        return {**asdict(self), "uncertain": self.uncertain}


def judge(prediction: str, answers: Sequence[str], question: str, rules: ScoringRules) -> Judgement:
    """The verdict on one prediction; an empty `answers` means the right outcome is to abstain."""
    text = prediction.strip()
    why = None
    if not text:
        outcome = "empty"
    elif is_abstention(text, rules.extra_abstain_phrases):
        outcome = "abstained"
    elif not answers or (
        rules.max_answer_words is not None and len(text.split()) > rules.max_answer_words
    ):
        outcome = "wrong"
    else:
        found = read_answer(text, answers, question)
        outcome, why = ("correct" if found.states else "wrong"), found.uncertain
    return Judgement(
        outcome=outcome,
        correct=outcome == "correct" or (not answers and outcome == "abstained"),
        exact_match=exact_match(text, answers) if answers else float(outcome == "abstained"),
        f1=token_f1(text, answers) if answers else float(outcome == "abstained"),
        uncertain_why=why,
    )
