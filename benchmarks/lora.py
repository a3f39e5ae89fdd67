"""Bench section: LoRA training throughput and peak memory, through `harness.training`.

Each repeat trains in a fresh child process, so its peak resident memory is the model's and the
training's, not what the bench process loaded before (the FAISS corpora, the embedder) nor what an
earlier repeat left allocated. The peak is read from `VmHWM` on Linux, else from getrusage.
"""

from __future__ import annotations

import dataclasses
import resource
import tempfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm import tqdm

from benchmarks.common import Settings, figure


def lora(settings: Settings) -> dict[str, Any]:
    """Tokens/s and peak RSS of short trainings (`lora_steps` optimizer steps), fresh cache each."""
    runs = []
    for _ in tqdm(range(settings.repeats), desc="lora", unit="training"):
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            runs.append(pool.submit(train_once, settings).result())
    first = runs[0]
    return {
        "steps": first["steps"],
        "examples": "the finetune strategy's closed-book train prompts and default knobs",
        "settings": first["settings"],
        "tokens_per_run": first["tokens"],
        "train_seconds": figure([r["train_seconds"] for r in runs]),
        "tokens_per_second": figure([r["tokens"] / r["train_seconds"] for r in runs]),
        "peak_rss_mb": figure([r["peak_rss_mb"] for r in runs]),
        "rss_before_training_mb": figure([r["rss_before_mb"] for r in runs]),
        "peak_rss_reported_by_training_mb": first["reported_peak_rss_mb"],
        "peak_measured_by": first["peak_measured_by"],
    }


def train_once(settings: Settings) -> dict[str, Any]:
    """In a child process: load the model, train `lora_steps` steps into a temporary cache."""
    from benchmarks.common import compose
    from harness import adapters
    from harness.runner import instantiate

    cfg = compose(settings, "strategy=finetune")
    dataset = instantiate(cfg.dataset)
    model = instantiate(cfg.model)
    strategy = instantiate(cfg.strategy, model=model)
    questions = strategy.training_questions(dataset.split("train"))
    examples = [(strategy.conversation(q.question), strategy.reply(q)) for q in questions]
    # no validation passes: they would count forward-only time against training throughput
    knobs = dataclasses.replace(
        strategy.config.training.resolved(model.device),
        max_steps=settings.lora_steps,
        validation_fraction=0.0,
    )
    reset = _reset_peak_rss()
    before = _memory_mb("VmRSS")
    with tempfile.TemporaryDirectory(prefix="ragbench-bench-") as cache:
        meta = adapters.load_or_train(model.model, model.tokenizer, examples, knobs, cache).meta
    return {
        "steps": meta["steps"],
        "tokens": meta["tokens"],
        "train_seconds": meta["train_seconds"],
        "peak_rss_mb": _memory_mb("VmHWM") if reset else meta["peak_rss_mb"],
        "rss_before_mb": before,
        "reported_peak_rss_mb": meta["peak_rss_mb"],
        "settings": dataclasses.asdict(knobs),
        "peak_measured_by": "VmHWM" if reset else "getrusage ru_maxrss",
    }


def _reset_peak_rss() -> bool:
    """Reset the resident-memory high-water mark to the current RSS (Linux); False elsewhere."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _memory_mb(field: str) -> float:
    """A memory line of /proc/self/status in MB, or the getrusage high-water mark elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
