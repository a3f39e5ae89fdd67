"""`strategy=external`: answers made elsewhere, read from a JSONL file and scored like a run.

The file has the format `python -m harness.rescore` reads (`harness.rescore.read_answers`); its
`answers` field is optional here, since the dataset gives the gold. No model is loaded
(`ExternalConfig.needs_model`), so a run costs only the lookup.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from omegaconf import MISSING

from harness.datasets import Document, Question
from harness.errors import HarnessError
from harness.plugins import register_schema
from harness.scoring.exact import normalize
from harness.strategy import Answer, Capabilities, SetupReport, StrategySettings

log = logging.getLogger(__name__)

CONFIG_KEY = "strategy.answers_file"


@dataclass
class ExternalConfig(StrategySettings):
    """The schema of `conf/strategy/external.yaml`: no model is loaded for it."""

    needs_model: ClassVar[bool] = False

    _target_: str = "strategies.external.build"
    name: str = "external"
    answers_file: str = MISSING


register_schema("strategy", "external", ExternalConfig)


@dataclass
class ExternalStrategy:
    """Look each question's prediction up by id in `answers_file`.

    The file's `latency_seconds` (else the runner's measured lookup time, about 0, stands),
    `cost_usd` (it replaces the priced cost) and `retrieved_doc_ids` (splits misses into
    retrieval and reading errors) are passed on where given. What the external system is, the
    harness cannot know: it counts as neither retrieving nor trained in the recommendation.
    """

    # what the external system is, it does not say
    capabilities: ClassVar[Capabilities] = Capabilities()

    answers_file: str
    name: str = "external"
    rows: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def prepare(self, train: list[Question], corpus: list[Document]) -> SetupReport:
        """Read and validate the answers file (no setup cost)."""
        from harness.rescore import read_answers  # it imports the report (pandas, matplotlib)

        rows = read_answers(self.answers_file, require_answers=False, config_key=CONFIG_KEY)
        self.rows = {row["id"]: row for row in rows}
        path = str(Path(self.answers_file).resolve())
        return SetupReport(details={"answers_file": path, "rows": len(rows)})

    def check_dataset(self, dataset: Any) -> None:
        """One warning line for rows whose id the dataset lacks (never scored) and one for rows
        whose `answers` contradict the dataset's gold (scored against the dataset's gold);
        the runner calls it after `prepare`, before any question is answered."""
        gold = {question.id: question.answers for question in dataset.questions}
        extra = [key for key in self.rows if key not in gold]
        if extra:
            log.warning(
                "%s: %s has %d rows whose ids are not in dataset %r (first: %r); they are not "
                "scored", CONFIG_KEY, self.answers_file, len(extra), dataset.name, extra[0],
            )  # fmt: skip
        differing = [
            key for key, row in self.rows.items()
            if key in gold and "answers" in row and _golds(row["answers"]) != _golds(gold[key])
        ]  # fmt: skip
        if differing:
            first = differing[0]
            given, golds = list(self.rows[first]["answers"]), list(gold[first])
            log.warning(
                "%s: %s has %d rows whose answers differ from the dataset's gold (first: id %r, "
                "%s, the dataset's %s); they are scored against the dataset's gold", CONFIG_KEY,
                self.answers_file, len(differing), first, _clip(str(given)), _clip(str(golds)),
            )  # fmt: skip

    def answer(self, batch: list[Question]) -> list[Answer]:
        """The file's prediction for each question, checked to answer the same question."""
        return [self._answer(question) for question in batch]

    def _answer(self, question: Question) -> Answer:
        row = self.rows.get(question.id)
        if row is None:
            raise HarnessError(
                f"{CONFIG_KEY}: {self.answers_file} has no row for question id {question.id!r} "
                f"({len(self.rows)} rows); add its prediction to the file, or check that the file "
                "answers this dataset and split"
            )
        if _squash(row["question"]) != _squash(question.question):
            raise HarnessError(
                f"{CONFIG_KEY}: {self.answers_file} id {question.id!r} has question "
                f"{_clip(row['question'])!r} but the dataset's is {_clip(question.question)!r}; "
                "the file must answer the dataset's questions under the dataset's ids"
            )
        return Answer(
            row["prediction"],
            row.get("prompt_tokens", 0),
            row.get("completion_tokens", 0),
            retrieved_doc_ids=row.get("retrieved_doc_ids"),
            latency_seconds=row.get("latency_seconds"),
            cost_usd=row.get("cost_usd"),
        )


def build(answers_file: str, name: str = "external", model: Any = None) -> ExternalStrategy:
    """Builder for `conf/strategy/external.yaml`; `model` is accepted and never used."""
    return ExternalStrategy(answers_file, name)


def _golds(answers: Any) -> set[str]:
    """Gold answers as scoring compares them (case, punctuation and articles folded)."""
    return {normalize(answer) for answer in answers}


def _squash(text: str) -> str:
    """The text with runs of whitespace as one space: line breaks are not a different question."""
    return " ".join(text.split())


def _clip(text: str, limit: int = 80) -> str:
    text = _squash(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."
