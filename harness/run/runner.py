"""One run: a strategy answers a dataset's questions; predictions, setup and metrics land on disk.

A run resumes: its folder is keyed by what decides the predictions (`harness.run.key`), every
finished batch of rows (`harness.run.rows`) is flushed to `predictions.jsonl`, and a rerun answers
only
what is missing. The settings are checked before anything loads (`harness.run.settings`).
"""

from __future__ import annotations

import json
import logging
import random
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omegaconf import DictConfig, OmegaConf
from tqdm import tqdm

from harness.caches import file_lock
from harness.config import instantiate
from harness.costs import Pricing
from harness.datasets import Dataset, Question
from harness.files import write_json_atomic, write_text_atomic
from harness.models import ChatModel, resolve_device, resolve_dtype
from harness.run import folder as run_folder
from harness.run import machine, results, rows, subsets
from harness.run.evaluate import evaluate, scoring_rules
from harness.run.key import run_dir as keyed_run_dir
from harness.run.results import RunSummary
from harness.run.rows import PredictionRow
from harness.run.settings import (
    check_against_data,
    check_settings,
    schema_needs_model,
    split_questions,
)
from harness.run.threads import set_torch_threads
from harness.strategy import recorded

if TYPE_CHECKING:
    from harness.strategy import Answer

log = logging.getLogger(__name__)


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
    run_dir = keyed_run_dir(cfg, plain, dataset)
    try:
        if cfg.run.sample is not None:
            questions = subsets.sample_questions(questions, cfg.run.sample)
        summary = _run_in(run_dir, cfg, plain, dataset, questions[: cfg.run.limit], train, model)
    except OSError as error:
        raise run_folder.unusable_folder(error, cfg) from None
    print(results.format_summary(summary))
    return summary


def _run_in(
    run_dir: Path,
    cfg: DictConfig,
    plain: dict[str, Any],
    dataset: Dataset,
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
            run_folder.clear(run_dir)
        write_text_atomic(run_dir / results.CONFIG, OmegaConf.to_yaml(cfg, resolve=True))
        written = rows.read(predictions_path)
        done = {row.id for row in written}
        remaining = [q for q in questions if q.id not in done]
        if remaining:
            log.info("%s: %d questions to answer, %d already done", run_dir, len(remaining),
                     len(done))  # fmt: skip
            written += _answer(cfg, dataset, train, remaining, run_dir, _next_batch(written), model)
        else:
            log.info("%s: all %d questions already answered; recomputing metrics", run_dir,
                     len(written))  # fmt: skip
        wanted = {q.id for q in questions}
        answered = [row for row in written if row.id in wanted]
        summary = summarize(cfg, plain, run_dir, answered, expected=len(questions))
        write_json_atomic(run_dir / results.METRICS, summary)
    return summary


def _answer(
    cfg: DictConfig,
    dataset: Dataset,
    train: list[Question],
    remaining: list[Question],
    run_dir: Path,
    next_batch: int,
    model: ChatModel | None,
) -> list[PredictionRow]:
    """Prepare the strategy, then answer `remaining` batch by batch, flushing each batch."""
    _seed_everything(cfg.run.seed)
    log.info("torch threads: %d", set_torch_threads(cfg.run.threads))
    # a schema that says `needs_model = False` (strategy=external): no model is loaded
    needs_model = schema_needs_model(cfg.strategy)
    if needs_model and model is None:
        model = instantiate(cfg.model)
    strategy = instantiate(cfg.strategy, model=model if needs_model else None)
    declared = recorded(strategy, needs_model)  # checked before the setup cost is paid
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
    written: list[PredictionRow] = []
    size = cfg.run.batch_size
    batches = [remaining[i : i + size] for i in range(0, len(remaining), size)]
    # closed on any exit, so an error or Ctrl-C message starts on a line of its own
    with tqdm(total=len(remaining), desc=f"{strategy.name} on {dataset.name}", unit="q") as bar:
        for offset, batch in enumerate(batches):
            started = time.perf_counter()
            answers = strategy.answer(batch)
            batch_seconds = time.perf_counter() - started
            made = [
                _row(cfg, q, a, next_batch + offset, batch_seconds, len(batch))
                for q, a in zip(batch, answers, strict=True)
            ]
            rows.append(run_dir / results.PREDICTIONS, made)
            written += made
            bar.update(len(batch))
    return written


def _row(
    cfg: DictConfig,
    question: Question,
    answer: Answer,
    batch: int,
    batch_seconds: float,
    batch_size: int,
) -> PredictionRow:
    """The raw record of one answer: what was asked and generated, never a verdict or a price."""
    return PredictionRow(
        id=question.id,
        split=question.split,
        strategy=cfg.strategy.name,
        model=cfg.model.name,
        dataset=cfg.dataset.name,
        question=question.question,
        answers=list(question.answers),
        doc_ids=list(question.doc_ids),
        prediction=answer.prediction,
        batch=batch,
        batch_seconds=batch_seconds,
        # a strategy that timed each answer itself (strategy=external) gives its own latency
        latency_seconds=(
            batch_seconds / batch_size if answer.latency_seconds is None else answer.latency_seconds
        ),
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
        external_cost_usd=answer.cost_usd,
        retrieved_doc_ids=_listed(answer.retrieved_doc_ids),
        shown_doc_ids=_listed(answer.shown_doc_ids),
        shown_chunks=_listed(answer.shown_chunks),
        measures=dict(answer.measures or {}),
        prompt_variant=answer.prompt_variant,
        # what the answer is checked against, stored raw like the gold answers
        checks=[asdict(check) for check in question.checks],
    )


def summarize(
    cfg: DictConfig,
    plain: dict[str, Any],
    run_dir: Path,
    answered: list[PredictionRow] | list[dict[str, Any]],
    expected: int,
) -> RunSummary:
    """Evaluate the rows with the setup report (`harness.run.evaluate`) into the run summary."""
    setup_path = run_dir / results.SETUP
    setup = json.loads(setup_path.read_text()) if setup_path.is_file() else {}
    pricing: Pricing = instantiate(cfg.pricing)
    rules = scoring_rules(cfg.scoring, cfg.paths.cache_dir)
    figures = evaluate(answered, setup, rules, pricing, cfg.model.name)
    return RunSummary(
        run=run_dir.name,
        folder=str(run_dir),
        strategy=cfg.strategy.name,
        model=cfg.model.name,
        dataset=cfg.dataset.name,
        split=cfg.run.split,
        complete=len(answered) == expected,
        metrics=figures.metrics,
        setup=setup,
        cost=figures.cost,
        forgetting=figures.forgetting,
        git_commit=results.git_commit(),
        versions=results.library_versions(),
        config=plain,
    )


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


def _next_batch(written: list[PredictionRow]) -> int:
    return max((row.batch for row in written), default=-1) + 1


def _listed(ids: Any) -> list[str] | None:
    return None if ids is None else list(ids)


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
