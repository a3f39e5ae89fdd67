"""Strategies answer test questions; each one lives in its own module behind `Strategy`.

A strategy is two files: its module, holding its settings schema (a dataclass whose fields carry
the defaults), its class and its `build` function, and `conf/strategy/<name>.yaml`, which names the
builder in `_target_` and sets what the dataset or run decides. The runner calls `prepare` once
(the setup cost: index build, training) and then `answer` on batches of test questions.

What a strategy is, the report reads from what it declares, never from its name: `uses_retrieval`
(it reads documents at query time) and `trains_weights` (it changes the model) place it in the
recommendation; `SetupReport` and `Answer` carry typed fields the report and the evaluation read
the same way for every strategy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from harness.datasets import Document, Question


@dataclass
class SetupReport:
    """What preparing a strategy cost, and what it produced that the report shows."""

    seconds: float = 0.0
    build_seconds: float = 0.0  # what building the artefact cost, even when this run loaded it
    tokens: int = 0  # tokens trained on or embedded
    cache_hit: bool = False
    loss_curve: dict[str, Any] | None = None  # {"train": [...], "validation": [...]} if trained
    forgetting: dict[str, Any] | None = None  # general-question generations, base and adapted
    details: dict[str, Any] = field(default_factory=dict)  # shown as-is, never interpreted


@dataclass
class Answer:
    """One prediction with the tokens it used, and what it was answered from.

    `shown_doc_ids`: the documents whose text was in the prompt, for a strategy that retrieves
    (a wrong answer is then a retrieval miss or a reading error). `measures`: per-question numbers
    (e.g. recall@k, seconds spent retrieving); the evaluation averages each one by name.
    """

    prediction: str
    prompt_tokens: int
    completion_tokens: int
    retrieved_doc_ids: list[str] | None = None
    shown_doc_ids: list[str] | None = None
    measures: dict[str, float | None] = field(default_factory=dict)
    latency_seconds: float | None = None  # measured elsewhere; default: the batch's share
    cost_usd: float | None = None  # measured elsewhere; default: priced from `conf/pricing`


class Strategy(Protocol):
    """The small protocol every strategy implements."""

    name: str
    uses_retrieval: ClassVar[bool]
    trains_weights: ClassVar[bool]

    def prepare(self, train: list[Question], corpus: list[Document]) -> SetupReport:
        """Pay the one-off setup cost (few-shot selection, index build, training)."""
        ...

    def answer(self, batch: list[Question]) -> list[Answer]:
        """Answer a batch of questions, one `Answer` per question, in order."""
        ...
