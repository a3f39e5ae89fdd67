"""Bench section: wall time of `python -m harness -m +sweep=compare`, cold and with warm caches.

The full cold sweep trains two adapters (about 9 + 6 minutes on 2 cores), too long for the bench,
so every cell's work is scaled by `sweep_scale`: questions answered (`run.limit`) and optimizer
steps of both trainings. Fixed costs stay whole: process start, the model conversion on an empty
cache, loading the embedder, indexing the whole corpus, writing the report.
The training cells are `benchmarks/conf/strategy/bench_finetune{,_rag}.yaml`, put on Hydra's
search path: the real strategies with `training.max_steps` read from `+bench.finetune_steps` and
`+bench.finetune_rag_steps` (one override cannot reach `strategy.training.max_steps` of only some
cells), checking forgetting on the first 4 general questions (`benchmarks/data/`).

Three timings, each a subprocess:
- cold: empty cache (`paths.cache_dir`) and results folder; converts the model, builds the index,
  trains both adapters, runs the forgetting checks, answers;
- warm: the same cache, a fresh results folder; loads model, index and adapters, answers again;
- resume: the warm command again in its own results folder; finished cells are skipped.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tqdm import tqdm

from benchmarks.common import Settings, compose, figure, timed
from harness.config import ROOT

CACHE_PARTS = ("models", "indexes", "adapters")
STRATEGIES = "prompt,rag,bench_finetune,bench_finetune_rag"
BENCH_CONF = "benchmarks/conf"  # relative to the repo root, where the sweeps run
FORGETTING = ROOT / "benchmarks" / "data" / "forgetting_questions.jsonl"


def compare(settings: Settings) -> dict[str, Any]:
    """Cold, warm-cache and resumed wall times of the scaled compare sweep."""
    plan = scaled_plan(settings)
    cold, warm, resume = [], [], []
    with tempfile.TemporaryDirectory(prefix="ragbench-bench-") as tmp:
        folder = Path(tmp)
        steps = [("cold", r) for r in range(settings.sweep_repeats)]
        steps += [("warm", r) for r in range(settings.sweep_repeats)]
        steps += [("resume", r) for r in range(settings.repeats)]
        before_warm: dict[str, list[str]] = {}
        for phase, repeat in tqdm(steps, desc="compare sweep", unit="sweep"):
            cache = folder / f"cache-{repeat}" if phase == "cold" else folder / "cache-0"
            results = folder / ("warm-0" if phase == "resume" else f"{phase}-{repeat}")
            command = sweep_command(plan, results, cache, settings.overrides)
            log = folder / f"compare-{phase}-{repeat}.log"
            try:
                seconds = run_sweep(command, log)
            finally:
                if settings.logs:
                    Path(settings.logs).mkdir(parents=True, exist_ok=True)
                    shutil.copy(log, Path(settings.logs) / log.name)
            {"cold": cold, "warm": warm, "resume": resume}[phase].append(seconds)
            if phase == "cold" and repeat == 0:
                before_warm = cache_entries(cache)
                cold_cells = cells(results)
        warm_cells = cells(folder / "warm-0")
        after_warm = cache_entries(folder / "cache-0")
    shown = sweep_command(plan, Path("<tmp>/results"), Path("<tmp>/cache"), settings.overrides)
    cold_figure, warm_figure, resume_figure = figure(cold), figure(warm), figure(resume)
    return {
        "command": shlex.join(shown),
        "scale": settings.sweep_scale,
        "reduced": plan,
        "cold_seconds": cold_figure,
        "warm_seconds": warm_figure,
        "resume_seconds": resume_figure,
        "speedup_warm": cold_figure["median"] / warm_figure["median"],
        "speedup_resume": cold_figure["median"] / resume_figure["median"],
        "rebuilt_in_warm": {
            part: sorted(set(after_warm[part]) - set(before_warm[part])) for part in CACHE_PARTS
        },
        "cold_cells": cold_cells,
        "warm_cells": warm_cells,
        "cold_includes": "process start, model conversion (empty cache), index build, both "
        "trainings and forgetting checks, answering, the report",
    }


def scaled_plan(settings: Settings) -> dict[str, Any]:
    """The full sweep's sizes on this dataset, and the scaled ones the bench runs."""
    from harness.config import instantiate

    dataset = instantiate(compose(settings).dataset)
    train = dataset.split("train")
    # built without a model: only their training settings and train questions are read
    tuned = instantiate(compose(settings, "strategy=finetune").strategy, model=None)
    grounded = instantiate(compose(settings, "strategy=finetune_rag").strategy, model=None)
    full = {
        "questions": len(dataset.split("test")),
        "finetune_steps": full_steps(tuned, train),
        "finetune_rag_steps": full_steps(grounded.finetune, train),
        "forgetting_questions": _questions(tuned.config.forgetting_questions),
    }
    scale = settings.sweep_scale
    return {
        "full": full,
        "limit": _scaled(full["questions"], scale),
        "finetune_steps": _scaled(full["finetune_steps"], scale),
        "finetune_rag_steps": _scaled(full["finetune_rag_steps"], scale),
        "forgetting_questions": _questions(str(FORGETTING)),
    }


def full_steps(strategy: Any, train: list[Any]) -> int:
    """Optimizer steps of a finetune strategy's full training on the run's train questions."""
    from harness.training.trainer import planned_steps

    # assumes no example is cut before its reply (none are at the default max_seq_length)
    return planned_steps(strategy.config.training, len(strategy.training_questions(train)))


def sweep_command(
    plan: dict[str, Any], results: Path, cache: Path, overrides: tuple[str, ...]
) -> list[str]:
    """The compare sweep with the scaled strategies and its own results and cache folders."""
    own = ("paths.results_dir=", "paths.cache_dir=", "run.limit=")
    return [
        "python",
        "-m",
        "harness",
        "-m",
        "+sweep=compare",
        f"hydra.searchpath=[file://{BENCH_CONF}]",
        f'hydra.sweeper.params.strategy="{STRATEGIES}"',
        f"+bench.finetune_steps={plan['finetune_steps']}",
        f"+bench.finetune_rag_steps={plan['finetune_rag_steps']}",
        f"run.limit={plan['limit']}",
        f"paths.results_dir={results}",
        f"paths.cache_dir={cache}",
        *(o for o in overrides if not o.startswith(own)),
    ]


def run_sweep(command: list[str], log: Path) -> float:
    """Run one sweep in a subprocess; its wall seconds. A failure raises with the log's tail."""
    with log.open("w", encoding="utf-8") as stream:
        seconds, done = timed(
            lambda: subprocess.run(
                [sys.executable, *command[1:]],
                cwd=ROOT,
                stdout=stream,
                stderr=subprocess.STDOUT,
                check=False,
            )
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-30:])
        raise RuntimeError(f"the sweep failed ({shlex.join(command)}):\n{tail}")
    return seconds


def cells(results: Path) -> list[dict[str, Any]]:
    """Each cell's strategy, whether its setup came from the cache, its setup seconds and steps."""
    found = []
    for metrics in sorted(results.glob("sweeps/compare/*/metrics.json")):
        summary = json.loads(metrics.read_text(encoding="utf-8"))
        setup = summary.get("setup", {})
        details = setup.get("details", {})
        found.append(
            {
                "strategy": summary["strategy"],
                "questions": summary["metrics"]["questions"],
                "cache_hit": setup.get("cache_hit"),
                "setup_seconds": setup.get("seconds"),
                # the adapter's optimizer steps (finetune_rag nests its finetune's setup)
                "training_steps": details.get("finetune", details).get("steps"),
            }
        )
    return found


def cache_entries(cache: Path) -> dict[str, list[str]]:
    """The finished entries of each cache part (staging folders start with a dot)."""
    return {
        part: sorted(p.name for p in (cache / part).glob("[!.]*"))
        if (cache / part).is_dir()
        else []
        for part in CACHE_PARTS
    }


def _scaled(value: int, scale: float) -> int:
    return max(1, round(value * scale))


def _questions(path: str | None) -> int:
    """How many questions a forgetting-check file holds; 0 when the check is off."""
    from harness.datasets import load_jsonl

    return len(load_jsonl("forgetting", path).questions) if path else 0
