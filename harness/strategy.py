"""The strategy contract: its settings, what it is (`Capabilities`), what it produces, its protocol.

A strategy lives in its own module (in `strategies/` or in an installed package) and builds on
the harness; the harness knows strategies only through this module and the config's `_target_`.
The runner calls `prepare` once (the setup cost: index build, training) and then `answer` on
batches of test questions. What a strategy is, the report reads from its `capabilities`, never
from its name.

A strategy's settings schema says the rest about it, so the runner, the run key and the checks
never name a strategy or one of its settings: `StrategySettings.needs_model` (whether the runner
loads `cfg.model`), `problems` and `data_problems` (its early checks, before any model loads),
and, per field, `added_setting` (a setting added after runs were made, left out of the run key
at its default so those runs resume), `unkeyed_setting` (where something runs, never keyed) and
`keyed_only_when` (a setting that decides answers only at another setting's value), all three
in `harness.config`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from omegaconf import MISSING, DictConfig, OmegaConf

from harness.config import added_setting
from harness.errors import HarnessError
from harness.prompts.templates import policy_problem

if TYPE_CHECKING:
    from harness.datasets import Document, Question


# setup.json's keys before capabilities were one object: old run folders stay readable
_OLD_KEYS = {"uses_retrieval": "retrieval", "trains_weights": "trained_weights"}


@dataclass(frozen=True)
class Capabilities:
    """What a strategy declares it is; the recommendation places a cell by these alone.

    `prompting`: the prompt carries engineered instructions beyond the dataset's system prompt
    (a policy); `retrieval`: documents are read at query time; `trained_weights`: the model's
    weights are changed (an adapter); `needs_model`: the runner loads `cfg.model` for it, as the
    strategy's schema declares (`StrategySettings.needs_model`; the runner records it here).
    """

    needs_model: bool = True
    prompting: bool = False
    retrieval: bool = False
    trained_weights: bool = False


@dataclass
class StrategySettings:
    """The base of a strategy's schema: what the runner asks of a strategy before building it.

    Override `needs_model` (False: the runner loads no model) and the two checks; each returns
    one line per problem, naming the setting as `where.<key>` and the fix.
    """

    needs_model: ClassVar[bool] = True

    @classmethod
    def problems(cls, node: DictConfig, where: str, cfg: DictConfig) -> list[str]:
        """What the node sets wrong, found before the dataset or the model loads."""
        return []

    @classmethod
    def data_problems(
        cls, node: DictConfig, where: str, cfg: DictConfig, train: list[Question]
    ) -> list[str]:
        """What the node sets wrong for this dataset's train questions, before the model loads."""
        return []


@dataclass
class PromptedSettings(StrategySettings):
    """The base of a strategy that prompts the model with the dataset's templates and, when
    `with_policy` is set, the dataset's policy in the system prompt (the guide's prompting)."""

    name: str = MISSING
    system_prompt: str = MISSING
    user_template: str = "{question}"
    abstain_answer: str = MISSING
    # the dataset's policy (format, tone, topics, fallback phrase) added to the system prompt
    # (the *_policy configs set both); a setting added after runs were made
    with_policy: bool = added_setting(False)
    policy: str | None = added_setting(None)

    def __post_init__(self) -> None:
        if problem := policy_problem(self.name, self.with_policy, self.policy):
            raise HarnessError(problem)

    @classmethod
    def problems(cls, node: DictConfig, where: str, cfg: DictConfig) -> list[str]:
        if not node.get("with_policy") or (node.get("policy") or "").strip():
            return []
        if (cfg.dataset.get("policy") or "").strip():
            return [
                f"{where}.with_policy=true but {where}.policy is not set (only the *_policy "
                f"configs set it); use strategy={cfg.strategy.name}_policy, or add "
                f"{where}.policy='${{dataset.policy}}'"
            ]
        return [str(policy_problem(cfg.strategy.name, True, None))]


def set_at(node: DictConfig, where: str, key: str) -> str:
    """The key a user sets for `node.key`: the parent's where the value is handed down from it
    (`train_facts: ${..train_facts}`), so a message names the override that was typed."""
    raw = OmegaConf.to_container(node, resolve=False).get(key)  # type: ignore[union-attr]
    if isinstance(raw, str) and raw == f"${{..{key}}}" and "." in where:
        return f"{where.rpartition('.')[0]}.{key}"
    return f"{where}.{key}"


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


def recorded(strategy: Any, needs_model: bool = True) -> dict[str, dict[str, bool]]:
    """A built strategy's capabilities as `setup.json` records them, `needs_model` as its schema
    declares it; one line if it declares none (a strategy written before they were part of the
    protocol)."""
    capabilities = getattr(strategy, "capabilities", None)
    if not isinstance(capabilities, Capabilities):
        raise HarnessError(
            f"strategy {getattr(strategy, 'name', type(strategy).__name__)!r} declares no "
            "capabilities; give its class `capabilities = Capabilities(...)` from "
            "harness.strategy (docs/extending/strategy.md)"
        )
    return {"capabilities": {**asdict(capabilities), "needs_model": needs_model}}


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
