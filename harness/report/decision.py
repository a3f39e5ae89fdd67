"""The recommendation as data: the three questions, each answer, the cell chosen and the verdict.

`harness.report.recommendation` computes a `Decision` from the report's tables; the report
renders it last (`Decision.lines`) and reads its verdict from the object, never from text.
A cell's `Kind` comes from the capabilities its strategy declared (`harness.strategy`), ordered
by what it adds to the model: prompting only, retrieval, trained weights, trained weights with
retrieval. A prompt engineered with a policy (`prompting`, a column of the report table) does
not move a cell between kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Literal

from harness.report.overview import pct


class Kind(IntEnum):
    """What a cell adds to the base model, simplest first."""

    PROMPTING = 0
    RETRIEVAL = 1
    FINE_TUNING = 2
    FINE_TUNING_WITH_RETRIEVAL = 3

    @property
    def label(self) -> str:
        """The kind in the advice's words, e.g. "fine-tuning with retrieval"."""
        return self.name.lower().replace("_", " ").replace("fine tuning", "fine-tuning")


def kind_of(cell: Any) -> Kind:
    """A report-table row's kind, from its declared `retrieval` and `trained_weights`."""
    retrieval, trained = bool(cell.retrieval), bool(cell.trained_weights)
    if trained:
        return Kind.FINE_TUNING_WITH_RETRIEVAL if retrieval else Kind.FINE_TUNING
    return Kind.RETRIEVAL if retrieval else Kind.PROMPTING


def kind_label(cell: Any) -> str:
    """A row's kind in words, saying what a trained cell learnt when it was not the train
    questions (its setup's `trained_on`): "fine-tuning on documents"."""
    label = kind_of(cell).label
    trained_on = getattr(cell, "trained_on", None)
    if kind_of(cell) < Kind.FINE_TUNING or not isinstance(trained_on, str):
        return label
    if trained_on in ("", "questions"):
        return label
    return label.replace("fine-tuning", f"fine-tuning on {trained_on.replace('+', ' and ')}", 1)


@dataclass(frozen=True)
class CloseCall:
    """A more capable cell the data cannot tell from the recommended one on one axis."""

    axis: str  # "knowledge" or "behaviour"
    chosen: str
    rival: str
    questions: int  # the questions both answered on this axis
    chosen_value: float
    rival_value: float
    lead_high: float  # the upper end of the rival's lead's paired 95 % interval
    detectable: float  # the smallest true gap this pair detects with 80 % power
    shown_gap: float  # the gap seen, or the tie margin when smaller
    needed: int  # about how many questions would show `shown_gap`

    @property
    def gap(self) -> float:
        """How far the rival is ahead of the chosen cell (negative: behind)."""
        return self.rival_value - self.chosen_value

    def shown(self) -> str:
        """The pair's figures as the verdict says them."""
        what = "answerable questions" if self.axis == "knowledge" else "checked questions"
        return (
            f"on {self.questions} {what}: {self.chosen} {pct(self.chosen_value)} and "
            f"{self.rival} {pct(self.rival_value)} (a gap under {100 * self.detectable:.0f} "
            f"points cannot be seen at this size; about {self.needed:,} questions would show a "
            f"gap of {100 * self.shown_gap:.1f} points)"
        )


@dataclass(frozen=True)
class Certainty:
    """What the data can carry: the close calls of the recommended cell, and whether any pair on
    any axis could be told apart at all."""

    close_calls: tuple[CloseCall, ...] = ()
    anything_told_apart: bool = True

    @property
    def sure(self) -> bool:
        """No more capable cell could be better by a margin the data cannot rule out."""
        return not self.close_calls

    def opening(self) -> str:
        """The verdict's first words when it is not sure ("" when it is)."""
        if self.sure:
            return ""
        calls = "; ".join(call.shown() for call in self.close_calls)
        if not self.anything_told_apart:
            return f"Too small to decide: no two cells can be told apart, {calls}. "
        return f"Too close to call {calls}. "


Reply = Literal["yes", "no", "not asked", "not measured"]


@dataclass(frozen=True)
class Answered:
    """One of the guide's questions with its answer and the cell the answer rests on."""

    number: int  # 1, 2 or 3
    question: str  # e.g. "good enough with prompting?"
    reply: Reply
    cell: str | None  # the cell that answers it (the closer, or the best that falls short)
    kind: Kind | None  # the simplest kind that closes the question's axis
    evidence: str  # the figures and paired tests behind the reply, as one sentence

    def line(self) -> str:
        """The question and its answer as one line of the advice."""
        return f"Question {self.number}, {self.question} {self.evidence}"


@dataclass(frozen=True)
class Decision:
    """The whole recommendation: what the figures show, the questions, and what decided.

    `decided_by` holds the numbers of the questions that decided (empty: none could); `cell`
    is the recommended cell (None when no cell closes every measured axis); `needs` the simplest
    kind that closes each measured axis ("knowledge", "behaviour").
    """

    overview: tuple[str, ...] = ()
    questions: tuple[Answered, ...] = ()
    decided_by: tuple[int, ...] = ()
    cell: str | None = None
    kind: Kind | None = None
    needs: dict[str, Kind] = field(default_factory=dict)
    verdict: str | None = None  # the one-line verdict a sweep prints at its end
    notes: tuple[str, ...] = ()  # what was left out of the comparison, and why
    cautions: tuple[str, ...] = ()  # what may overturn it (seed spread: harness/report/seeds.py)
    # whether the data can tell the chosen cell from more capable ones (harness/report/certainty)
    certainty: Certainty = field(default_factory=Certainty)

    @property
    def sure(self) -> bool:
        """Whether the verdict rests on differences this data can see (no close call)."""
        return self.certainty.sure

    def question(self, number: int) -> Answered:
        """The answer to question `number`."""
        (found,) = [q for q in self.questions if q.number == number]
        return found

    def lines(self) -> list[str]:
        """The advice as the report shows it: notes, overview, questions, the verdict, then
        the cautions."""
        verdict = [self.verdict] if self.verdict else []
        questions = (q.line() for q in self.questions)
        return [*self.notes, *self.overview, *questions, *verdict, *self.cautions]
