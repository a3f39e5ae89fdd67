"""`python -m benchmarks`: how fast the harness and its parts are, as JSON and Markdown.

Sections (`--only` picks some): `overhead` (a prompt run against the same `generate` calls made
plainly, and what length sorting gains), `generation` (throughput by batch size per backend),
`embedding` (chunks/s, index build), `faiss` (query latency and recall at 1k-100k chunks), `lora`
(training tokens/s of each of the trainer's changes against today's trainer, FLOP/s against the
measured peak, peak memory), `profile` (where a training step's time goes), `dtype` (float32
against bfloat16: answering questions/s with the paired accuracy difference, training tokens/s),
`compare` (the compare sweep cold and warm, scaled by `--sweep-scale`; 1 is full size),
`makerun` (`make run` from a fresh clone and an empty cache; not in the default list),
`questions` (`python -m harness.generate` on the example docs in template and answer_first mode,
each from an empty reply cache: seconds per section; not in the default list, it takes minutes).
Everything runs in one process run so ratios are comparable; each figure is the median, min and
max of `--repeats` runs. Writes `bench.json` and `bench.md` to `--out` after every section, so a
failed or interrupted run keeps what it measured.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import logging
import shlex
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import Settings, machine_info
from benchmarks.page import markdown, targets_table
from benchmarks.targets import check_targets
from harness.config import ROOT

SECTIONS = (
    "overhead", "generation", "embedding", "faiss", "lora", "profile", "dtype", "compare",
    "makerun", "questions",
)  # fmt: skip
# makerun installs a fresh clone; questions generates from 14 sections twice (11 min on 2 cores)
DEFAULT_SECTIONS = tuple(s for s in SECTIONS if s not in ("makerun", "questions"))
BACKENDS = ("transformers", "llama.cpp")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections and write the results; 1 if any section failed."""
    args = _parser().parse_args(argv)
    try:
        names = _choices(args.only, SECTIONS, "--only")
        backends = _choices(args.backends, BACKENDS, "--backends")
        if args.repeats < 1:
            raise ValueError(f"--repeats {args.repeats}: use 1 or more")
        if args.lora_steps < 1:
            raise ValueError(f"--lora-steps {args.lora_steps}: use 1 or more")
        if not 0 < args.sweep_scale <= 1:
            raise ValueError(f"--sweep-scale {args.sweep_scale}: use a number in (0, 1]")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    settings = Settings(
        repeats=args.repeats,
        overrides=tuple(args.override),
        logs=args.out,
        backends=backends,
        sweep_scale=args.sweep_scale,
        lora_steps=args.lora_steps,
    )
    if args.quick:
        settings = settings.quick_version()
    given = sys.argv[1:] if argv is None else argv
    command = shlex.join(["python", "-m", "benchmarks", *given])
    logging.basicConfig(level=logging.WARNING)
    results = run(settings, list(names), Path(args.out), command)
    print("\n".join(targets_table(results["targets"])))
    print(f"wrote {args.out}/bench.json and bench.md")
    return 1 if any("error" in s for s in results["sections"].values()) else 0


def run(settings: Settings, names: list[str], out: Path, command: str) -> dict[str, Any]:
    """Measure each section in order, writing the files after each one."""
    started = time.perf_counter()
    machine = machine_info()
    print(_machine_summary(machine))
    results: dict[str, Any] = {
        "command": command,
        "date": datetime.date.today().isoformat(),
        "machine": machine,
        "settings": dataclasses.asdict(settings),
        "sections": {},
    }
    for name in names:
        print(f"== {name}")
        section_started = time.perf_counter()
        try:
            results["sections"][name] = _section(name)(settings)
        except Exception as error:  # keep the other sections' figures
            traceback.print_exc()
            results["sections"][name] = {"error": f"{type(error).__name__}: {error}"}
        results["sections"][name]["section_seconds"] = time.perf_counter() - section_started
        write(results, out, time.perf_counter() - started)
    return results


def write(results: dict[str, Any], out: Path, wall_seconds: float) -> None:
    """Check the targets and write `bench.json` and `bench.md` into `out`."""
    results["wall_seconds"] = wall_seconds
    results["targets"] = [
        {**dataclasses.asdict(t), "status": t.status} for t in check_targets(results)
    ]
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (out / "bench.md").write_text(markdown(results), encoding="utf-8")


def _choices(value: str, choices: tuple[str, ...], flag: str) -> tuple[str, ...]:
    """Comma-separated names, each one of `choices`; a ValueError names the unknown ones."""
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    if unknown := [n for n in names if n not in choices]:
        raise ValueError(f"{flag}: unknown {', '.join(unknown)}; use {', '.join(choices)}")
    return names


def _section(name: str) -> Callable[[Settings], dict[str, Any]]:
    """A section's function, imported only when it runs."""
    if name in ("overhead", "generation"):
        from benchmarks import generation

        return generation.overhead if name == "overhead" else generation.generation
    if name in ("embedding", "faiss"):
        from benchmarks import search

        return search.embedding if name == "embedding" else search.faiss_search
    if name == "lora":
        from benchmarks.lora import lora

        return lora
    if name == "profile":
        from benchmarks.profile import profile

        return profile
    if name == "makerun":
        from benchmarks.makerun import makerun

        return makerun
    if name == "questions":
        from benchmarks.questions import questions

        return questions
    if name == "dtype":
        from benchmarks.precision import precision

        return precision
    from benchmarks.sweep import compare

    return compare


def _machine_summary(machine: dict[str, Any]) -> str:
    units = ", ".join(machine["bfloat16_units"]) or "none"
    return (
        f"machine: {machine['cpu_model']} (bfloat16: {units}"
        f"; device {machine['device']}); os.cpu_count {machine['cpu_count']}, usable "
        f"{machine['usable_cores']}; torch {machine['torch']} with {machine['torch_threads']} "
        f"threads; OMP_NUM_THREADS={machine['omp_num_threads']}; load {machine['load_average']}"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--out",
        default=str(ROOT / "results" / "bench"),
        help="folder for bench.json and bench.md (default: results/bench)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument(
        "--only",
        default=",".join(DEFAULT_SECTIONS),
        help=f"comma-separated sections of {','.join(SECTIONS)} (default: all but makerun, "
        "which times `make run` in a fresh clone, and questions, which times question "
        "generation for minutes)",
    )
    parser.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="generation backends (default: both; llama.cpp is skipped when not installed)",
    )
    parser.add_argument(
        "--lora-steps",
        type=int,
        default=Settings.lora_steps,
        help=f"optimizer steps of each LoRA training (default {Settings.lora_steps})",
    )
    parser.add_argument(
        "--sweep-scale",
        type=float,
        default=Settings.sweep_scale,
        help=f"share of the full compare sweep the compare section runs (default "
        f"{Settings.sweep_scale:g}; 1: full size, which the cold-sweep target needs)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes: a smoke test of every section, not a measurement",
    )
    parser.add_argument(
        "--override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Hydra override for every config and the sweep (repeatable), "
        "e.g. --override run.threads=1",
    )
    return parser
