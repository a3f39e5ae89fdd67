"""Strategies answer test questions; each one lives in its own module behind `Strategy`.

A strategy is built by the `build` function its `conf/strategy/<name>.yaml` names in `_target_`.
The runner calls `prepare` once (the setup cost: index build, training) and then `answer` on
batches of test questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.datasets import Document, Question


@dataclass
class SetupReport:
    """What preparing a strategy cost: wall time, tokens processed and strategy-specific details."""

    seconds: float = 0.0
    build_seconds: float = 0.0  # what building the artefact cost, even when this run loaded it
    tokens: int = 0
    cache_hit: bool = False
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answer:
    """One prediction with the tokens it used and strategy-specific extras (e.g. retrieved ids)."""

    prediction: str
    prompt_tokens: int
    completion_tokens: int
    extras: dict[str, Any] = field(default_factory=dict)


class Strategy(Protocol):
    """The small protocol every strategy implements."""

    name: str

    def prepare(self, train: list[Question], corpus: list[Document]) -> SetupReport:
        """Pay the one-off setup cost (few-shot selection, index build, training)."""
        ...

    def answer(self, batch: list[Question]) -> list[Answer]:
        """Answer a batch of questions, one `Answer` per question, in order."""
        ...
