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
    for group, name, schema in _schemas():
        store.store(group=group, name=name, node=schema)


def _schemas() -> list[tuple[str, str, type]]:
    """(group, name, dataclass) of every schema a YAML in `conf/` extends; each lives beside its
    builder. Importing them imports no heavy library (torch, faiss, peft load when used)."""
    from harness.costs import PricingConfig
    from harness.datasets import AcmeDatasetConfig, JsonlDatasetConfig
    from harness.models.llamacpp import LlamaCppModelConfig
    from harness.models.openai_compatible import OpenAICompatibleModelConfig
    from harness.models.transformers import TransformersModelConfig
    from strategies.external import ExternalConfig
    from strategies.finetune import FinetuneConfig
    from strategies.finetune_rag import FinetuneRagConfig
    from strategies.prompt import PromptConfig
    from strategies.rag import RagConfig

    return [
        ("strategy", "base_prompt", PromptConfig),
        ("strategy", "base_rag", RagConfig),
        ("strategy", "base_finetune", FinetuneConfig),
        ("strategy", "base_finetune_rag", FinetuneRagConfig),
        ("strategy", "base_external", ExternalConfig),
        ("model", "base_transformers", TransformersModelConfig),
        ("model", "base_openai_compatible", OpenAICompatibleModelConfig),
        ("model", "base_llamacpp", LlamaCppModelConfig),
        ("dataset", "base_acme", AcmeDatasetConfig),
        ("dataset", "base_jsonl", JsonlDatasetConfig),
        ("pricing", "base_pricing", PricingConfig),
    ]


def available(group: str, extra_dirs: tuple[Path, ...] = ()) -> list[str]:
    """The choices of a config group: the YAML files in `conf/<group>/` and in `extra_dirs`."""
    folders = (CONF_DIR, *extra_dirs)
    return sorted({path.stem for folder in folders for path in (folder / group).glob("*.yaml")})


def _searchpath_dirs(overrides: list[str]) -> tuple[Path, ...]:
    """Config folders added with `hydra.searchpath=[file://...]` (a strategy kept elsewhere)."""
    for override in overrides:
        key, _, value = override.partition("=")
        if key.lstrip("+") == "hydra.searchpath":
            entries = value.strip("[]").split(",")
            return tuple(Path(e.strip()[7:]) for e in entries if e.strip().startswith("file://"))
    return ()


def check_group_choices(overrides: list[str]) -> None:
    """Fail with one line on an unknown `group=choice` override, suggesting the nearest name."""
    extra_dirs = _searchpath_dirs(overrides)
    for override in overrides:
        key, sep, value = override.partition("=")
        if not sep or key not in GROUPS or "(" in value:
            continue
        choices = available(key, extra_dirs)
        for choice in value.split(","):
            if choice and choice not in choices:
                near = difflib.get_close_matches(choice, choices, n=1)
                hint = f" Did you mean: {near[0]}?" if near else ""
                raise HarnessError(
                    f"Unknown {key} {choice!r}.{hint} Available: {', '.join(choices)}"
                )
