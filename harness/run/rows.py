"""The prediction row: one question's raw record in `predictions.jsonl`, as a versioned type.

The runner writes rows and `harness.run.evaluate` and the report read them through this module only.
A row holds what was asked and generated, never a verdict or a price: those are figured again
from it by `harness.run.evaluate` with the scoring rules and prices of the day.

Versions: 0 is a row written before rows carried `schema_version` (the same fields, so it reads
as it is); 1 adds the field. A row from a newer ragbench is refused with the fix. Optional fields
added since (`prompt_variant`) default to None, so older rows read as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.run import results

SCHEMA_VERSION = 1
_REQUIRED = ("id", "prediction", "answers", "batch", "batch_seconds", "latency_seconds",
             "prompt_tokens", "completion_tokens")  # fmt: skip
# Written only where a strategy gave them, so a row reads as rows did before each existed.
_ONLY_WHERE_GIVEN = ("retrieved_doc_ids", "shown_doc_ids", "shown_chunks", "external_cost_usd",
                     "measures", "checks", "prompt_variant")  # fmt: skip


@dataclass(frozen=True)
class PredictionRow:
    """What one question asked and what the strategy produced for it, with its measured costs."""

    id: str
    prediction: str
    answers: list[str]  # gold answers; empty: unanswerable, abstaining is right
    batch: int
    batch_seconds: float
    latency_seconds: float
    prompt_tokens: int
    completion_tokens: int
    question: str = ""
    split: str | None = None
    strategy: str | None = None
    model: str | None = None
    dataset: str | None = None
    doc_ids: list[str] = field(default_factory=list)  # the gold documents
    retrieved_doc_ids: list[str] | None = None  # what a retrieving strategy found
    shown_doc_ids: list[str] | None = None  # what it put in the prompt, if fewer
    shown_chunks: list[str] | None = None  # that text, as the prompt held it
    external_cost_usd: float | None = None  # an external system's own measured cost
    measures: dict[str, float | None] = field(default_factory=dict)  # e.g. recall_at_k
    checks: list[dict[str, Any]] = field(default_factory=list)  # behaviour checks, stored raw
    # how the prompt departed from the plain one (harness.strategy.Answer): citations asked for,
    # the context left out or changed, and the substitutions made
    prompt_variant: dict[str, Any] | None = None
    schema_version: int = SCHEMA_VERSION

    @property
    def context_doc_ids(self) -> list[str] | None:
        """The documents the model was shown (those retrieved, where a strategy tells no
        shorter list); None for a strategy that retrieves nothing."""
        return self.shown_doc_ids if self.shown_doc_ids is not None else self.retrieved_doc_ids

    def to_json(self) -> dict[str, Any]:
        """The row as one JSON object, leaving out the optional fields a strategy did not give."""
        raw = asdict(self)
        retrieved = raw["retrieved_doc_ids"] is not None
        for key in _ONLY_WHERE_GIVEN:
            # shown_doc_ids=[] (context=none: nothing shown) is kept beside what was retrieved
            kept_empty = key == "shown_doc_ids" and retrieved
            if raw[key] is None or (raw[key] in ({}, []) and not kept_empty):
                del raw[key]
        return raw


def from_json(raw: Mapping[str, Any], where: str = "a prediction row") -> PredictionRow:
    """A row read back (any version up to this one); unknown keys are ignored."""
    version = raw.get("schema_version", 0)
    name = f"{where}, id {raw.get('id')!r}"
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise HarnessError(
            f"{name}: schema_version {version!r} is newer than this ragbench reads "
            f"({SCHEMA_VERSION}); update ragbench, or answer again with run.force=true"
        )
    if missing := [key for key in _REQUIRED if raw.get(key) is None]:
        raise HarnessError(
            f"{name}: lacks {', '.join(missing)} (not a ragbench prediction row, or an older "
            "one); run its cell again with run.force=true to answer afresh"
        )
    known = {f.name for f in fields(PredictionRow)}
    values = {key: value for key, value in raw.items() if key in known and value is not None}
    return PredictionRow(**{**values, "schema_version": SCHEMA_VERSION})


def read(path: Path, repair: bool = True) -> list[PredictionRow]:
    """The rows of a `predictions.jsonl` so far (see `results.read_predictions` for damage)."""
    return [from_json(raw, str(path)) for raw in results.read_predictions(path, repair)]


def append(path: Path, rows: list[PredictionRow]) -> None:
    """Append rows and flush them to disk, so a killed run keeps every finished batch."""
    results.append_predictions(path, [row.to_json() for row in rows])


def as_rows(rows: list[PredictionRow] | list[dict[str, Any]]) -> list[PredictionRow]:
    """Rows as the type, whether read by `read` or given as mappings (answers made elsewhere)."""
    return [row if isinstance(row, PredictionRow) else from_json(row) for row in rows]
