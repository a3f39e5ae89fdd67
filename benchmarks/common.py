"""What every bench section shares: its settings, repeated-timing figures, the machine, configs."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from omegaconf import DictConfig

from harness.models import resolve_device
from harness.run.machine import describe

Figure = dict[str, Any]  # {"median", "min", "max", "runs"}


@dataclass(frozen=True)
class Settings:
    """Sizes of every section; `quick()` shrinks them to a smoke test of a few seconds each."""

    repeats: int = 3
    overrides: tuple[str, ...] = ()  # Hydra overrides for every composed config and the sweep
    quick: bool = False
    logs: str | None = None  # folder for the sweeps' logs
    overhead_questions: int = 32
    overhead_batch_size: int = 8
    generation_questions: int = 16
    batch_sizes: tuple[int, ...] = (1, 4, 8, 16)
    backends: tuple[str, ...] = ("transformers", "llama.cpp")
    corpus_documents: int | None = None  # the first N corpus documents; None: all
    variants: int = 1000  # recombined acme texts embedded to seed the synthetic corpus
    corpus_sizes: tuple[int, ...] = (1_000, 10_000, 100_000)
    queries: int = 300
    lora_steps: int = 10
    dtype_questions: int = 96  # test questions rag answers in each dtype
    sweep_scale: float = 0.1  # share of the full compare sweep's questions and training steps
    sweep_repeats: int = 1  # the cold sweep takes minutes: one run each by default
    question_sections: int | None = None  # the first N example-docs sections; None: all

    def quick_version(self) -> Settings:
        """The same settings at smoke-test sizes (seconds, not minutes)."""
        return Settings(
            repeats=1,
            overrides=self.overrides,
            quick=True,
            logs=self.logs,
            overhead_questions=4,
            overhead_batch_size=2,
            generation_questions=4,
            batch_sizes=(1, 2),
            backends=self.backends,
            corpus_documents=4,
            variants=40,
            corpus_sizes=(300, 600),
            queries=20,
            lora_steps=2,
            dtype_questions=4,
            sweep_scale=0.01,
            sweep_repeats=1,
            question_sections=2,
        )


def figure(values: Sequence[float]) -> Figure:
    """Median, min and max of repeated measurements, with the measurements themselves."""
    runs = [float(v) for v in values]
    return {"median": statistics.median(runs), "min": min(runs), "max": max(runs), "runs": runs}


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of one call (`time.perf_counter`) and what it returned."""
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def machine_info() -> dict[str, Any]:
    """Cores, torch threads and versions: what the absolute figures depend on."""
    import torch

    from harness.run import results

    return {
        # what a run records too: CPU, its bfloat16 units, usable cores, threads, the device
        **describe(resolve_device("auto")),
        "cpu_count": os.cpu_count(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": results.library_versions(),
        "git_commit": results.git_commit(),
    }


def compose(settings: Settings, *overrides: str) -> DictConfig:
    """The harness config with a section's overrides, then the user's `--override`s."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from harness.config import CONF_DIR, register_configs

    register_configs()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return hydra_compose(config_name="config", overrides=[*overrides, *settings.overrides])


@cache
def chat_model(overrides: tuple[str, ...]) -> Any:
    """The configured chat model, loaded once per process and shared by the sections."""
    from harness.config import instantiate

    return instantiate(compose(Settings(overrides=overrides)).model)


@cache
def embedder(name: str, trust_remote_code: bool) -> Any:
    """The retrieval embedder, loaded once per process."""
    from harness.retrieval.embedders import load_embedder

    return load_embedder(name, trust_remote_code)


def printed_verdict(log: str) -> str | None:
    """The recommendation a sweep printed last (`harness.report` logs it), from its output."""
    found = [line.split("recommendation: ", 1)[1] for line in log.splitlines()
             if "recommendation: " in line]  # fmt: skip
    return found[-1] if found else None
