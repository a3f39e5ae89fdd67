"""The strategy contract: what a strategy is (`Capabilities`), what it produces, and its protocol.

A strategy lives in its own module (in `strategies/` or in an installed package) and builds on
the harness; the harness knows strategies only through this module and the config's `_target_`.
The runner calls `prepare` once (the setup cost: index build, training) and then `answer` on
batches of test questions. What a strategy is, the report reads from its `capabilities`, never
from its name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.datasets import Document, Question

Builder = TypeVar("Builder", bound=Callable[..., Any])

# setup.json's keys before capabilities were one object: old run folders stay readable
_OLD_KEYS = {"uses_retrieval": "retrieval", "trains_weights": "trained_weights"}


@dataclass(frozen=True)
class Capabilities:
    """What a strategy declares it is; the recommendation places a cell by these alone.

    `prompting`: the prompt carries engineered instructions beyond the dataset's system prompt
    (a policy); `retrieval`: documents are read at query time; `trained_weights`: the model's
    weights are changed (an adapter); `needs_model`: the runner loads `cfg.model` for it.
    """

    needs_model: bool = True
    prompting: bool = False
    retrieval: bool = False
    trained_weights: bool = False


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
    (a wrong answer is then a retrieval miss or a reading error), and `shown_chunks` that text
    as the prompt held it (the answers page shows it). `measures`: per-question numbers
    (e.g. recall@k, seconds spent retrieving); the evaluation averages each one by name.
    `prompt_variant`: how the prompt departed from the strategy's plain one, for the evaluation
    to read (`{"cite": true}`: citations were asked for; `{"context": "none"}`, or
    `"counterfactual"` with the `substitutions` made); None for a plain prompt.
    """

    prediction: str
    prompt_tokens: int
    completion_tokens: int
    retrieved_doc_ids: list[str] | None = None
    shown_doc_ids: list[str] | None = None
    shown_chunks: list[str] | None = None
    measures: dict[str, float | None] = field(default_factory=dict)
    latency_seconds: float | None = None  # measured elsewhere; default: the batch's share
    cost_usd: float | None = None  # measured elsewhere; default: priced from `conf/pricing`
    prompt_variant: dict[str, Any] | None = None


class Strategy(Protocol):
    """The small protocol every strategy implements."""

    name: str
    capabilities: Capabilities

    def prepare(self, train: list[Question], corpus: list[Document]) -> SetupReport:
        """Pay the one-off setup cost (few-shot selection, index build, training)."""
        ...

    def answer(self, batch: list[Question]) -> list[Answer]:
        """Answer a batch of questions, one `Answer` per question, in order."""
        ...


def builder(*, needs_model: bool = True) -> Callable[[Builder], Builder]:
    """Mark a `_target_` builder with what the runner must know before calling it."""

    def mark(function: Builder) -> Builder:
        function.needs_model = needs_model  # type: ignore[attr-defined]
        return function

    return mark


def needs_model(target: str) -> bool:
    """Whether the builder (or class) `target` names wants `cfg.model` loaded (default: yes)."""
    from hydra.utils import get_object

    return bool(getattr(get_object(target), "needs_model", True))


def recorded(strategy: Any) -> dict[str, dict[str, bool]]:
    """A built strategy's capabilities as `setup.json` records them; one line if it declares
    none (a strategy written before they were part of the protocol)."""
    capabilities = getattr(strategy, "capabilities", None)
    if not isinstance(capabilities, Capabilities):
        raise HarnessError(
            f"strategy {getattr(strategy, 'name', type(strategy).__name__)!r} declares no "
            "capabilities; give its class `capabilities = Capabilities(...)` from "
            "harness.strategy (docs/extending/strategy.md)"
        )
    return {"capabilities": asdict(capabilities)}


def capabilities_of(setup: dict[str, Any]) -> Capabilities | None:
    """What a run's `setup.json` says its strategy declared; old runs' keys are mapped, and a run
    from before strategies declared anything gives None."""
    if isinstance(setup.get("capabilities"), dict):
        known = {f.name for f in fields(Capabilities)}  # a key a newer harness added: ignored
        return Capabilities(**{k: bool(v) for k, v in setup["capabilities"].items() if k in known})
    if any(key in setup for key in _OLD_KEYS):
        return Capabilities(**{new: bool(setup.get(old)) for old, new in _OLD_KEYS.items()})
    return None


def capability_columns(setup: dict[str, Any]) -> dict[str, bool]:
    """The report table's columns of what a run's strategy declared (an old run that declared
    nothing: prompting only, as the report warns)."""
    return asdict(capabilities_of(setup) or Capabilities())
