"""A run's settings, checked before anything loads, and the questions they choose to answer.

Every bad setting is reported at once, each naming its key and the fix; the settings that depend on
the dataset are checked once it loads, before any model does.
"""

from __future__ import annotations

import os
import random

from omegaconf import DictConfig, OmegaConf

from harness import plugins
from harness.costs import pricing_problems
from harness.datasets import SPLITS, Dataset, Question, check_split
from harness.errors import HarnessError
from harness.models import DTYPES, resolve_device
from harness.run.evaluate import scoring_problems
from harness.run.key import VALIDATION
from harness.strategy import StrategySettings


def check_settings(cfg: DictConfig) -> None:
    """Report every bad run setting at once, each naming its key and the fix."""
    if missing := sorted(OmegaConf.missing_keys(cfg)):
        raise HarnessError("; ".join(f"{key} is not set (set {key}=<value>)" for key in missing))
    problems = []
    if cfg.run.split not in (*SPLITS, VALIDATION):
        problems.append(f"run.split={cfg.run.split!r}: use one of {', '.join(SPLITS)}, "
                        f"{VALIDATION}")  # fmt: skip
    if not 0 < cfg.run.validation_fraction < 1:
        problems.append(f"run.validation_fraction={cfg.run.validation_fraction}: use 0 < value < 1")
    if cfg.run.limit is not None and cfg.run.limit < 1:
        problems.append(f"run.limit={cfg.run.limit}: use a positive number or null for all")
    if cfg.run.get("sample") is not None and cfg.run.sample < 1:
        problems.append(f"run.sample={cfg.run.sample}: use a positive number of answerable "
                        "questions, or null for all")  # fmt: skip
    if cfg.run.batch_size < 1:
        problems.append(f"run.batch_size={cfg.run.batch_size}: use a positive number")
    if cfg.run.seed < 0:
        problems.append(f"run.seed={cfg.run.seed}: use 0 or a positive number")
    if cfg.run.threads is not None and cfg.run.threads < 1:
        problems.append(f"run.threads={cfg.run.threads}: use a positive number or null")
    elif cfg.run.threads is not None and cfg.run.threads > (cores := usable_cores()):
        # more threads than cores slows generation many times over (docs)
        problems.append(f"run.threads={cfg.run.threads}: this machine lets the run use {cores} "
                        f"cores; use 1 to {cores}, or null")  # fmt: skip
    for where, node, schema in strategy_nodes(cfg):
        problems += schema.problems(node, where, cfg)
    if cfg.model.max_new_tokens < 1:
        problems.append(f"model.max_new_tokens={cfg.model.max_new_tokens}: use a positive number")
    if cfg.model.get("dtype") not in (None, *DTYPES):
        problems.append(f"model.dtype={cfg.model.dtype!r}: use one of {', '.join(DTYPES)}")
    if cfg.model.get("device") is not None:
        try:
            resolve_device(cfg.model.device)
        except HarnessError as error:
            problems.append(str(error))
    problems += scoring_problems(cfg.scoring) + pricing_problems(cfg.pricing)
    if problems:
        raise HarnessError("; ".join(problems))


def strategy_nodes(cfg: DictConfig) -> list[tuple[str, DictConfig, type[StrategySettings]]]:
    """The strategy node and the strategy nodes inside it (finetune_rag's `finetune` and `rag`),
    each with its key and the schema its `_target_` registered; a node without a schema that
    declares checks (a strategy written before they were part of the contract) is left out."""
    found = []
    pending: list[tuple[str, DictConfig]] = [("strategy", cfg.strategy)]
    while pending:
        where, node = pending.pop(0)
        schema = plugins.schema_for(str(node.get("_target_", "")))
        if isinstance(schema, type) and issubclass(schema, StrategySettings):
            found.append((where, node, schema))
        for key in node:
            child = node._get_node(key)
            if isinstance(child, DictConfig) and "_target_" in child:
                pending.append((f"{where}.{key}", child))
    return found


def schema_needs_model(strategy: DictConfig) -> bool:
    """Whether the strategy's schema wants `cfg.model` loaded (default: yes)."""
    schema = plugins.schema_for(str(strategy.get("_target_", "")))
    return bool(getattr(schema, "needs_model", True))


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, else every core)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def check_against_data(cfg: DictConfig, train: list[Question]) -> None:
    """The settings that depend on the dataset, checked once it loads and before any model does."""
    problems = [
        problem
        for where, node, schema in strategy_nodes(cfg)
        for problem in schema.data_problems(node, where, cfg, train)
    ]
    if problems:
        raise HarnessError("; ".join(problems))


def split_questions(cfg: DictConfig, dataset: Dataset) -> tuple[list[Question], list[Question]]:
    """The questions `run.split` answers and the train questions the strategy prepares on.

    `validation` is a slice of the train split, seeded by `run.seed`, that preparation never sees.
    """
    source = cfg.dataset.get("questions") or f"dataset {dataset.name!r}"
    if cfg.run.split != VALIDATION:
        return check_split(dataset, cfg.run.split, source), dataset.split("train")
    train = check_split(dataset, "train", source)
    held = round(cfg.run.validation_fraction * len(train))
    if not 0 < held < len(train):
        raise HarnessError(
            f"run.validation_fraction={cfg.run.validation_fraction} holds out {held} of "
            f"{len(train)} train questions; use a fraction that leaves some on both sides"
        )
    chosen = set(random.Random(cfg.run.seed).sample(range(len(train)), held))
    validation = [q for i, q in enumerate(train) if i in chosen]
    return validation, [q for i, q in enumerate(train) if i not in chosen]
