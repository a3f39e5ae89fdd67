"""A run's settings, checked before anything loads, and the questions they choose to answer.

Every bad setting is reported at once, each naming its key and the fix; the settings that depend on
the dataset are checked once it loads, before any model does.
"""

from __future__ import annotations

import os
import random

from omegaconf import DictConfig, OmegaConf

from harness.costs import pricing_problems
from harness.datasets import SPLITS, Dataset, Question, check_split
from harness.errors import HarnessError
from harness.models import DTYPES, resolve_device
from harness.prompts.substitutes import context_problem, load_table
from harness.prompts.templates import policy_problem
from harness.run import subsets
from harness.run.evaluate import scoring_problems
from harness.run.key import VALIDATION


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
    few_shot = cfg.strategy.get("few_shot")
    if few_shot is not None and few_shot < 0:
        problems.append(f"strategy.few_shot={few_shot}: use 0 (no examples) or more, up to the "
                        "number of train questions")  # fmt: skip
    # the strategy's node, and finetune_rag's rag node inside it
    for key, node in (("strategy", cfg.strategy), ("strategy.rag", cfg.strategy.get("rag"))):
        if isinstance(node, DictConfig):
            problems += strategy_problems(key, node, cfg)
    train_facts = cfg.strategy.get("train_facts")  # finetune's, or finetune_rag's pass-through
    if train_facts is not None and train_facts < 1:
        problems.append(f"strategy.train_facts={train_facts}: use a positive number of facts, or "
                        "null for all of them")  # fmt: skip
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


def strategy_problems(key: str, node: DictConfig, cfg: DictConfig) -> list[str]:
    """What a strategy node (`key`) sets wrong that would otherwise surface only once the model
    has loaded: the context and its substitution table, the retriever, the policy."""
    from harness.retrieval.retrievers import retriever_problem

    problems = []
    if "substitutes" in node and "context" in node:
        where = f"dataset {cfg.dataset.name!r}"
        if problem := context_problem(node.context, node.substitutes, where):
            problems.append(problem)
        elif node.context == "counterfactual":
            try:
                load_table(node.substitutes)  # read again when answering: a small file
            except HarnessError as error:
                problems.append(str(error))
    if "retriever" in node and (problem := retriever_problem(node.retriever)):
        problems.append(problem.replace("strategy.", f"{key}.", 1))
    if node.get("with_policy") and not (node.get("policy") or "").strip():
        problems.append(
            f"{key}.with_policy=true but {key}.policy is not set (only the *_policy configs "
            f"set it); use strategy={cfg.strategy.name}_policy, or add "
            f"{key}.policy='${{dataset.policy}}'"
            if (cfg.dataset.get("policy") or "").strip()
            else str(policy_problem(cfg.strategy.name, True, None))
        )
    return problems


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, else every core)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def check_against_data(cfg: DictConfig, train: list[Question]) -> None:
    """The settings that depend on the dataset, checked once it loads and before any model does."""
    few_shot = cfg.strategy.get("few_shot")
    if few_shot is not None and few_shot > len(train):
        raise HarnessError(
            f"strategy.few_shot={few_shot}: dataset {cfg.dataset.name!r} with run.split="
            f"{cfg.run.split} has {len(train)} train questions to take examples from; use 0 to "
            f"{len(train)}"
        )
    train_facts = cfg.strategy.get("train_facts")
    trained_on = OmegaConf.select(cfg, "strategy.train_questions") or OmegaConf.select(
        cfg, "strategy.finetune.train_questions"
    )
    if train_facts is not None and train and not trained_on:  # another file's: drawn later
        subsets.draw_facts(train, train_facts, 0, "strategy.train_facts")  # raises if too many
    teacher = OmegaConf.select(cfg, "strategy.teacher_run")
    if teacher and not OmegaConf.select(cfg, "strategy.train_questions"):
        from harness.training import distillation

        distillation.read_teacher(teacher, train)  # its problems, empty replies included
    for path in ("strategy.training", "strategy.finetune.training"):
        knobs = OmegaConf.select(cfg, path)
        trained_on = OmegaConf.select(cfg, f"{path.rsplit('.', 1)[0]}.train_questions")
        if knobs is None or trained_on or not train:  # another file's train split: counted later
            continue
        fraction = knobs.get("validation_fraction") or 0
        if round(fraction * len(train)) >= len(train):
            raise HarnessError(
                f"{path}.validation_fraction={fraction} holds out every one of the {len(train)} "
                f"train questions; lower it (e.g. 0.1) or set it to 0"
            )


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
