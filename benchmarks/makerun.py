"""Bench section `makerun`: `make run` as a new user runs it, from a fresh clone and an empty cache.

The repository's committed HEAD is cloned into a temporary folder and `make run` runs there with
`RAGBENCH_CACHE` pointing at an empty folder, so the figure includes creating the virtual
environment, installing everything (`make setup`), converting the packaged model, indexing,
training both adapters and answering. Setup is timed apart as `make setup` first, then `make run`
(which finds the environment made), both inside the total. pip's own download cache is not
emptied: packages come from the registry's files cached on this machine, as on a second install.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import Settings, printed_verdict, timed
from harness.config import ROOT
from harness.run.results import CELLS


def makerun(settings: Settings) -> dict[str, Any]:
    """Wall seconds of `make setup` and `make run` in a fresh clone, and what the run answered."""
    with tempfile.TemporaryDirectory(prefix="ragbench-makerun-") as tmp:
        clone, cache = Path(tmp) / "clone", Path(tmp) / "cache"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        environment = {**os.environ, "RAGBENCH_CACHE": str(cache)}
        log = Path(settings.logs or tmp) / "makerun.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        setup_seconds = _make(["setup"], clone, environment, log)
        run_seconds = _make(["run"], clone, environment, log)
        cells = _cells(clone / "results" / "sweeps" / "quick")
        verdict = printed_verdict(log.read_text(encoding="utf-8"))
    answerable = {c["answerable"] for c in cells}
    return {
        "command": "git clone <repo> <tmp> && cd <tmp> && RAGBENCH_CACHE=<empty> make run",
        "seconds": setup_seconds + run_seconds,
        "setup_seconds": setup_seconds,
        "run_seconds": run_seconds,
        "cells": cells,
        "answerable": min(answerable) if answerable else 0,
        "verdict": verdict,  # the line make run printed last
    }


def _make(targets: list[str], clone: Path, environment: dict[str, str], log: Path) -> float:
    """Run `make <targets>` in the clone, appending to the log; its wall seconds."""
    with log.open("a", encoding="utf-8") as stream:
        seconds, done = timed(
            lambda: subprocess.run(["make", *targets], cwd=clone, env=environment,
                                   stdout=stream, stderr=subprocess.STDOUT, check=False)
        )  # fmt: skip
    if done.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-30:])
        raise RuntimeError(f"make {' '.join(targets)} failed in {clone}:\n{tail}")
    return seconds


def _cells(sweep: Path) -> list[dict[str, Any]]:
    """Each cell's strategy, questions, answerable questions and accuracy (the run folders the
    sweep folder lists: +sweep=quick's live among +sweep=compare's)."""
    found = []
    listed = (sweep / CELLS).read_text(encoding="utf-8").splitlines()
    for folder in sorted({line for line in listed if line.strip()}):
        summary = json.loads((Path(folder) / "metrics.json").read_text(encoding="utf-8"))
        figures = summary["metrics"]
        found.append({"strategy": summary["strategy"], "questions": figures["questions"],
                      "answerable": figures["answerable"],
                      "answerable_accuracy": figures["answerable_accuracy"]})  # fmt: skip
    return found
