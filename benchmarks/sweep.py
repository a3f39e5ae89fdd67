"""Bench section: wall time of `python -m harness -m +sweep=compare`, cold and with warm caches.

The full cold sweep trains two adapters (about 9 + 6 minutes on 2 cores), too long for the bench,
so every cell's work is scaled by `sweep_scale`: questions answered (`run.limit`), optimizer steps
of both trainings and forgetting-check questions. Fixed costs stay whole: process start, the model
conversion on an empty cache, loading the embedder, indexing the whole corpus, writing the report.
The scaled trainings are two strategy configs written to a temporary folder on Hydra's search path
(`bench_finetune`, `bench_finetune_rag`: the real ones with `max_steps` set), because one override
cannot reach `strategy.max_steps` of only some cells.

Three timings, each a subprocess:
- cold: empty cache (`paths.cache_dir`) and results folder; converts the model, builds the index,
  trains both adapters, runs the forgetting checks, answers;
- warm: the same cache, a fresh results folder; loads model, index and adapters, answers again;
- resume: the warm command again in its own results folder; finished cells are skipped.
"""

from __future__ import annotations

import json
import math
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


def compare(settings: Settings) -> dict[str, Any]:
    """Cold, warm-cache and resumed wall times of the scaled compare sweep."""
    plan = scaled_plan(settings)
    cold, warm, resume = [], [], []
    with tempfile.TemporaryDirectory(prefix="ragbench-bench-") as tmp:
        folder = Path(tmp)
        conf = write_strategies(folder / "conf", plan)
        steps = [("cold", r) for r in range(settings.sweep_repeats)]
        steps += [("warm", r) for r in range(settings.sweep_repeats)]
        steps += [("resume", r) for r in range(settings.repeats)]
        before_warm: dict[str, list[str]] = {}
        for phase, repeat in tqdm(steps, desc="compare sweep", unit="sweep"):
            cache = folder / f"cache-{repeat}" if phase == "cold" else folder / "cache-0"
            results = folder / ("warm-0" if phase == "resume" else f"{phase}-{repeat}")
            command = sweep_command(conf, results, cache, plan["limit"], settings.overrides)
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
    shown = sweep_command(
        Path("<tmp>/conf"),
        Path("<tmp>/results"),
        Path("<tmp>/cache"),
        plan["limit"],
        settings.overrides,
    )
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
    from harness.runner import instantiate

    scale = settings.sweep_scale
    tuned = compose(settings, "strategy=finetune").strategy
    grounded = compose(settings, "strategy=finetune_rag").strategy.finetune
    dataset = instantiate(compose(settings).dataset)
    train = len(dataset.split("train"))
    full = {
        "questions": len(dataset.split("test")),
        "finetune_steps": full_steps(tuned, train),
        "finetune_rag_steps": full_steps(grounded, train),
        "forgetting_questions": _count_lines(tuned.forgetting_questions),
    }
    return {
        "full": full,
        "limit": _scaled(full["questions"], scale),
        "finetune_steps": _scaled(full["finetune_steps"], scale),
        "finetune_rag_steps": _scaled(full["finetune_rag_steps"], scale),
        "forgetting_questions": _scaled(full["forgetting_questions"], scale),
        "forgetting_source": tuned.forgetting_questions,
    }


def full_steps(knobs: Any, train_questions: int) -> int:
    """Optimizer steps of a full training, as `harness.training.train` counts them."""
    if knobs.max_steps:
        return int(knobs.max_steps)
    held = round(knobs.validation_fraction * train_questions)
    per_step = knobs.batch_size * knobs.grad_accumulation
    return int(knobs.epochs * math.ceil((train_questions - held) / per_step))


def write_strategies(conf: Path, plan: dict[str, Any]) -> Path:
    """The two scaled training strategies, and a shortened forgetting-question file."""
    (conf / "strategy").mkdir(parents=True)
    forgetting = "null"
    if plan["forgetting_source"]:
        lines = Path(plan["forgetting_source"]).read_text(encoding="utf-8").splitlines(True)
        path = conf / "forgetting.jsonl"
        path.write_text("".join(lines[: plan["forgetting_questions"]]), encoding="utf-8")
        forgetting = json.dumps(str(path))
    (conf / "strategy" / "bench_finetune.yaml").write_text(
        "defaults:\n  - finetune\n  - _self_\n"
        f"max_steps: {plan['finetune_steps']}\nforgetting_questions: {forgetting}\n"
    )
    (conf / "strategy" / "bench_finetune_rag.yaml").write_text(
        "defaults:\n  - finetune_rag\n  - _self_\nfinetune:\n"
        f"  max_steps: {plan['finetune_rag_steps']}\n  forgetting_questions: {forgetting}\n"
    )
    return conf


def sweep_command(
    conf: Path, results: Path, cache: Path, limit: int, overrides: tuple[str, ...]
) -> list[str]:
    """The compare sweep with the scaled strategies and its own results and cache folders."""
    own = ("paths.results_dir=", "paths.cache_dir=", "run.limit=")
    return [
        "python",
        "-m",
        "harness",
        "-m",
        "+sweep=compare",
        f"hydra.searchpath=[file://{conf}]",
        f'hydra.sweeper.params.strategy="{STRATEGIES}"',
        f"run.limit={limit}",
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
    """Each cell's strategy, whether its setup came from the cache, and its setup seconds."""
    found = []
    for metrics in sorted(results.glob("sweeps/compare/*/metrics.json")):
        summary = json.loads(metrics.read_text(encoding="utf-8"))
        setup = summary.get("setup", {})
        found.append(
            {
                "strategy": summary["strategy"],
                "questions": summary["metrics"]["questions"],
                "cache_hit": setup.get("cache_hit"),
                "setup_seconds": setup.get("seconds"),
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


def _count_lines(path: str | None) -> int:
    if not path:
        return 0
    return sum(1 for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip())
