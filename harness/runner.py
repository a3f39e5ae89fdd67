"""One run: a strategy answers a dataset's questions; predictions, setup and metrics land on disk.

A run resumes: its folder is keyed by a hash of the config that decides the predictions, every
finished batch is flushed to `predictions.jsonl`, and a rerun answers only what is missing.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import random
import re
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate as hydra_instantiate
from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from harness import machine, results
from harness.caches import file_lock, file_sha256
from harness.costs import Pricing, pricing_problems
from harness.datasets import SPLITS, Question, check_split
from harness.errors import HarnessError
from harness.evaluate import evaluate, scoring_problems, scoring_rules
from harness.files import write_json_atomic, write_text_atomic
from harness.models import DTYPES, SERVING_SETTINGS, ChatModel, resolve_device, resolve_dtype
from harness.results import RunSummary
from harness.strategy import needs_model as builder_needs_model
from harness.strategy import recorded
from harness.threads import set_torch_threads

if TYPE_CHECKING:
    from harness.strategy import Answer

log = logging.getLogger(__name__)

VALIDATION = "validation"  # run.split's third value: held out of the train split

# Config nodes that do not change a prediction, so they stay out of the run folder's hash.
_NOT_HASHED = ("paths", "pricing", "scoring")


def run(cfg: DictConfig, model: ChatModel | None = None) -> RunSummary:
    """Run one cell of the grid and return its summary (also written to `metrics.json`).

    `model` is a chat model already built (the bench times generation apart from loading); by
    default the runner builds `cfg.model`. Either way the run folder is keyed by `cfg`.
    """
    check_settings(cfg)
    if cfg.model.get("device") is not None:  # recorded and loaded as what it resolves to; unkeyed
        cfg.model.device = resolve_device(cfg.model.device)
    if cfg.model.get("dtype") == "auto":  # keyed, recorded and loaded as what it resolves to here
        cfg.model.dtype = resolve_dtype("auto", cfg.model.get("device") or "cpu")
    if cfg.model.get("dtype") == "bfloat16":  # its greedy answers depend on the thread count
        cfg.run.threads = set_torch_threads(cfg.run.threads)
    plain: dict[str, Any] = OmegaConf.to_container(cfg, resolve=True)  # type: ignore[assignment]
    dataset = instantiate(cfg.dataset)
    questions, train = split_questions(cfg, dataset)
    check_against_data(cfg, train)
    run_dir = _run_dir(cfg, plain, dataset)
    try:
        summary = _run_in(run_dir, cfg, plain, dataset, questions[: cfg.run.limit], train, model)
    except OSError as error:
        raise _unusable_folder(error, cfg) from None
    print(results.format_summary(summary))
    return summary


def split_questions(cfg: DictConfig, dataset: Any) -> tuple[list[Question], list[Question]]:
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


def _run_in(
    run_dir: Path,
    cfg: DictConfig,
    plain: dict[str, Any],
    dataset: Any,
    questions: list[Question],
    train: list[Question],
    model: ChatModel | None,
) -> RunSummary:
    """Answer what the run folder lacks and write its summary, holding the folder's lock."""
    predictions_path = run_dir / results.PREDICTIONS
    run_dir.mkdir(parents=True, exist_ok=True)
    # One process per run folder: a second (the same command twice, or cells differing only in
    # unhashed settings) waits, then finds the predictions made and only recomputes the metrics.
    with file_lock(run_dir / results.LOCK, f"running {run_dir.name}"):
        if cfg.run.force:
            _clear(run_dir)
        write_text_atomic(run_dir / results.CONFIG, OmegaConf.to_yaml(cfg, resolve=True))
        rows = results.read_predictions(predictions_path)
        done = {row["id"] for row in rows}
        remaining = [q for q in questions if q.id not in done]
        if remaining:
            log.info("%s: %d questions to answer, %d already done", run_dir, len(remaining),
                     len(done))  # fmt: skip
            rows += _answer(cfg, dataset, train, remaining, run_dir, _next_batch(rows), model)
        else:
            log.info("%s: all %d questions already answered; recomputing metrics", run_dir,
                     len(rows))  # fmt: skip
        wanted = {q.id for q in questions}
        rows = [r for r in rows if r["id"] in wanted]
        summary = summarize(cfg, plain, run_dir, rows, expected=len(questions))
        write_json_atomic(run_dir / results.METRICS, summary)
    return summary


# What an unusable folder raises: a file in the way, no permission, a read-only or full disk.
_FOLDER_ERRORS = {errno.EEXIST, errno.ENOTDIR, errno.EISDIR, errno.EACCES, errno.EPERM,
                  errno.EROFS, errno.ENOSPC, errno.EDQUOT}  # fmt: skip


def _unusable_folder(error: OSError, cfg: DictConfig) -> Exception:
    """A folder ragbench writes to is unusable: one line naming the setting that picks it."""
    if error.errno not in _FOLDER_ERRORS:
        return error
    path = str(error.filename or "")
    in_cache = path.startswith(str(Path(cfg.paths.cache_dir).expanduser()))
    key = "paths.cache_dir" if in_cache else "paths.results_dir"
    full = error.errno in (errno.ENOSPC, errno.EDQUOT)
    kept = " (the answers written so far are kept)" if full else ""
    return HarnessError(
        f"{key}: cannot write {path or 'the folder'} ({error.strerror}){kept}; set "
        f"{key}=<a writable folder> or free the disk, then run again"
    )


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
    if cfg.run.batch_size < 1:
        problems.append(f"run.batch_size={cfg.run.batch_size}: use a positive number")
    if cfg.run.seed < 0:
        problems.append(f"run.seed={cfg.run.seed}: use 0 or a positive number")
    if cfg.run.threads is not None and cfg.run.threads < 1:
        problems.append(f"run.threads={cfg.run.threads}: use a positive number or null")
    elif cfg.run.threads is not None and cfg.run.threads > (cores := usable_cores()):
        # oversubscribed threads made generation about 20x slower here (README)
        problems.append(f"run.threads={cfg.run.threads}: this machine lets the run use {cores} "
                        f"cores; use 1 to {cores}, or null")  # fmt: skip
    few_shot = cfg.strategy.get("few_shot")
    if few_shot is not None and few_shot < 0:
        problems.append(f"strategy.few_shot={few_shot}: use 0 (no examples) or more, up to the "
                        "number of train questions")  # fmt: skip
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
    teacher = OmegaConf.select(cfg, "strategy.teacher_run")
    if teacher and not OmegaConf.select(cfg, "strategy.train_questions"):
        from harness import distillation

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


def _answer(
    cfg: DictConfig,
    dataset: Any,
    train: list[Question],
    remaining: list[Question],
    run_dir: Path,
    next_batch: int,
    model: ChatModel | None,
) -> list[dict[str, Any]]:
    """Prepare the strategy, then answer `remaining` batch by batch, flushing each batch."""
    _seed_everything(cfg.run.seed)
    log.info("torch threads: %d", set_torch_threads(cfg.run.threads))
    # a builder marked `needs_model=False` (strategy=external): no model is loaded
    needs_model = builder_needs_model(cfg.strategy._target_)
    if needs_model and model is None:
        model = instantiate(cfg.model)
    strategy = instantiate(cfg.strategy, model=model if needs_model else None)
    declared = recorded(strategy)  # checked before the setup cost is paid
    setup = strategy.prepare(train, dataset.corpus)
    # a strategy may check what it prepared against the whole dataset (strategy=external's file)
    if (check_dataset := getattr(strategy, "check_dataset", None)) is not None:
        check_dataset(dataset)
    setup_path = run_dir / results.SETUP
    here = machine.describe(getattr(model, "device", None) if needs_model else None)
    if not setup_path.is_file():  # the first preparation is the one whose cost was paid
        write_json_atomic(setup_path, {**asdict(setup), **declared, "machine": here})
    else:
        _warn_if_another_machine(json.loads(setup_path.read_text()).get("machine"), here, run_dir)
    written: list[dict[str, Any]] = []
    size = cfg.run.batch_size
    batches = [remaining[i : i + size] for i in range(0, len(remaining), size)]
    # closed on any exit, so an error or Ctrl-C message starts on a line of its own
    with tqdm(total=len(remaining), desc=f"{strategy.name} on {dataset.name}", unit="q") as bar:
        for offset, batch in enumerate(batches):
            started = time.perf_counter()
            answers = strategy.answer(batch)
            batch_seconds = time.perf_counter() - started
            rows = [
                _row(cfg, q, a, next_batch + offset, batch_seconds, len(batch))
                for q, a in zip(batch, answers, strict=True)
            ]
            results.append_predictions(run_dir / results.PREDICTIONS, rows)
            written += rows
            bar.update(len(batch))
    return written


def _row(
    cfg: DictConfig,
    question: Question,
    answer: Answer,
    batch: int,
    batch_seconds: float,
    batch_size: int,
) -> dict[str, Any]:
    """The raw record of one answer: what was asked and generated, never a verdict or a price."""
    row = {
        "id": question.id,
        "split": question.split,
        "strategy": cfg.strategy.name,
        "model": cfg.model.name,
        "dataset": cfg.dataset.name,
        "question": question.question,
        "answers": list(question.answers),
        "doc_ids": list(question.doc_ids),
        "prediction": answer.prediction,
        "batch": batch,
        "batch_seconds": batch_seconds,
        "latency_seconds": batch_seconds / batch_size,
        "prompt_tokens": answer.prompt_tokens,
        "completion_tokens": answer.completion_tokens,
    }
    if answer.latency_seconds is not None:
        row["latency_seconds"] = answer.latency_seconds
    if answer.cost_usd is not None:
        row["external_cost_usd"] = answer.cost_usd
    for key in ("retrieved_doc_ids", "shown_doc_ids"):
        if getattr(answer, key) is not None:
            row[key] = list(getattr(answer, key))
    if answer.measures:
        row["measures"] = dict(answer.measures)
    if question.checks:  # what the answer is checked against, stored raw like the gold answers
        row["checks"] = [asdict(check) for check in question.checks]
    return row


def summarize(
    cfg: DictConfig,
    plain: dict[str, Any],
    run_dir: Path,
    rows: list[dict[str, Any]],
    expected: int,
) -> RunSummary:
    """Evaluate the rows with the setup report (`harness.evaluate`) into the run summary."""
    setup_path = run_dir / results.SETUP
    setup = json.loads(setup_path.read_text()) if setup_path.is_file() else {}
    pricing: Pricing = instantiate(cfg.pricing)
    rules = scoring_rules(cfg.scoring, cfg.paths.cache_dir)
    figures = evaluate(rows, setup, rules, pricing, cfg.model.name)
    return RunSummary(
        run=run_dir.name,
        folder=str(run_dir),
        strategy=cfg.strategy.name,
        model=cfg.model.name,
        dataset=cfg.dataset.name,
        split=cfg.run.split,
        complete=len(rows) == expected,
        metrics=figures.metrics,
        setup=setup,
        cost=figures.cost,
        forgetting=figures.forgetting,
        git_commit=results.git_commit(),
        versions=results.library_versions(),
        config=plain,
    )


def instantiate(node: DictConfig, **kwargs: Any) -> Any:
    """Hydra's instantiate, letting our own one-line errors through unwrapped; `kwargs` go to
    the builder as they are (Hydra would merge a dataclass, e.g. a model, into the config)."""
    try:
        if kwargs:
            return hydra_instantiate(node, _partial_=True)(**kwargs)
        return hydra_instantiate(node)
    except InstantiationException as error:
        if isinstance(error.__cause__, HarnessError):
            raise error.__cause__ from None
        raise


def _run_dir(cfg: DictConfig, plain: dict[str, Any], dataset: Any) -> Path:
    decisive = _without_unkeyed({k: v for k, v in plain.items() if k not in _NOT_HASHED})
    # The data's content, not just its path: an edited file must not resume stale predictions.
    decisive["data"] = [_content(item) for item in (*dataset.questions, *dataset.corpus)]
    # Likewise the files a strategy reads (answers made elsewhere, train questions, a corpus).
    decisive["files"] = {
        path: file_sha256(Path(path)) for path in _file_settings(plain["strategy"])
    }
    # `limit` stays out too: a larger limit extends the same run instead of starting over.
    # `threads` as well in float32, where the compare sweep gave the same 744 predictions at 1 and
    # 2 threads, so a parallel launcher finds the cells a sequential sweep answered. Not in
    # bfloat16: the behaviour sweep's prompt cell gave 11 of 24 answers alike at 1 and 2 threads.
    unhashed_run_keys: tuple[str, ...] = ("force", "limit")
    if cfg.model.get("dtype") != "bfloat16":
        unhashed_run_keys += ("threads",)
    if cfg.run.split != VALIDATION:  # the fraction decides nothing then
        unhashed_run_keys += ("validation_fraction",)
    decisive["run"] = {k: v for k, v in decisive["run"].items() if k not in unhashed_run_keys}
    decisive["model"] = {k: v for k, v in decisive["model"].items() if k not in SERVING_SETTINGS}
    parts = (cfg.dataset.name, cfg.strategy.name, cfg.model.name, results.config_hash(decisive))
    return Path(cfg.paths.runs_dir) / "-".join(_folder_safe(str(part)) for part in parts)


# Settings left out of the run folder's key at any depth (a strategy node may sit inside another,
# as strategy=finetune_rag's rag node does): where things are kept or run, not what is answered.
_UNKEYED_ANYWHERE = ("cache_dir", "embedder_device")


def _without_unkeyed(node: Any) -> Any:
    """The config without its `cache_dir` and `embedder_device` settings at any depth: where
    converted models, indexes and adapters are kept (each keyed by what produced it) never
    changes an answer, so another `RAGBENCH_CACHE` finds the runs already answered. The device
    the embedder runs on is left out as `model.device` is (SERVING_SETTINGS): where it runs, not
    what it is asked, though a GPU's rounding may order near-tied chunks otherwise."""
    if isinstance(node, dict):
        return {k: _without_unkeyed(v) for k, v in node.items() if k not in _UNKEYED_ANYWHERE}
    if isinstance(node, list):
        return [_without_unkeyed(v) for v in node]
    return node


def _content(item: Any) -> dict[str, Any]:
    """A question's or document's fields as hashed; a question without behaviour checks or a
    reference hashes as before those fields existed, so its earlier runs still resume."""
    fields = asdict(item)
    if not fields.get("checks", True):
        del fields["checks"]
    if "reference" in fields and fields["reference"] is None:
        del fields["reference"]
    return fields


def _folder_safe(name: str) -> str:
    """A name as one folder name: "../x" or "org/model" must not leave or nest the runs folder."""
    return re.sub(r"[^A-Za-z0-9._+-]", "_", name).lstrip(".") or "_"


def _file_settings(node: Any) -> list[str]:
    """Every setting in a config node that names an existing file; a setting naming a run folder
    (`strategy.teacher_run`), or a folder holding one run, stands for its predictions, so new
    teacher answers make a new run."""
    if isinstance(node, dict):
        return [path for value in node.values() for path in _file_settings(value)]
    if isinstance(node, list):
        return [path for value in node for path in _file_settings(value)]
    if not isinstance(node, str) or not node.strip():  # "" would name the current folder
        return []
    if _is_file(node):
        return [node]
    try:
        folders = results.run_folders(Path(node)) if "\n" not in node else []
    except (OSError, ValueError):  # a prompt too long for a file name, a NUL character
        return []
    return [str(folders[0] / results.PREDICTIONS)] if len(folders) == 1 else []


def _is_file(text: str) -> bool:
    try:
        return "\n" not in text and Path(text).is_file()
    except (OSError, ValueError):  # a prompt too long for a file name, a NUL character
        return False


def _clear(run_dir: Path) -> None:
    """Empty the run folder for `run.force`, keeping the lock file this process holds."""
    for path in run_dir.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
        elif path.name != results.LOCK:
            path.unlink()


def _warn_if_another_machine(
    first: dict[str, Any] | None, here: dict[str, Any], run_dir: Path
) -> None:
    """A resumed run's latencies mix two machines when the one answering now differs."""
    keys = ("cpu_model", "torch_threads", "bfloat16_native", "device", "gpu_model")
    # a key the first record lacks (recorded before ragbench knew it) says nothing either way
    if first and any(key in first and first[key] != here.get(key) for key in keys):
        log.warning("%s was started on %s and resumes on %s: its latency and cost figures mix "
                    "the two; run.force=true answers every question here", run_dir,
                    machine.label(first), machine.label(here))  # fmt: skip


def _next_batch(rows: list[dict[str, Any]]) -> int:
    return max((row["batch"] for row in rows), default=-1) + 1


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
