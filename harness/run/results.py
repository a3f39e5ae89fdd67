"""A run is data: one folder holding `config.yaml`, `predictions.jsonl` and `metrics.json`.

The folder name carries a hash of everything that decides the predictions, so running the same
config again finds the same folder and resumes from its last written prediction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, TypedDict

from harness.files import write_text_atomic
from harness.metrics import format_value, metrics
from harness.run import machine

PREDICTIONS = "predictions.jsonl"
METRICS = "metrics.json"
CONFIG = "config.yaml"
SETUP = "setup.json"
LOCK = ".lock"  # held by the process running the folder's cell
CELLS = "cells.txt"  # a sweep folder's list of the run folders its cells answered into

log = logging.getLogger(__name__)


class RunSummary(TypedDict):
    """The shape of `metrics.json`."""

    run: str
    folder: str
    strategy: str
    model: str
    dataset: str
    split: str
    complete: bool
    metrics: dict[str, Any]
    setup: dict[str, Any]
    cost: dict[str, Any]
    forgetting: dict[str, Any] | None
    git_commit: str | None
    versions: dict[str, str]
    config: dict[str, Any]


def run_folders(path: Path) -> list[Path]:
    """The run folders `path` names: itself if it holds predictions, else its subfolders that do
    (a runs folder, e.g. a sweep cell's own `paths.runs_dir`)."""
    if (path / PREDICTIONS).is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(child for child in path.iterdir() if (child / PREDICTIONS).is_file())


def config_hash(config: dict[str, Any]) -> str:
    """A short, stable hash of a (resolved, plain) config."""
    text = json.dumps(config, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def read_predictions(path: Path, repair: bool = True) -> list[dict[str, Any]]:
    """Rows written so far, one per question id, in file order.

    A run killed mid-write leaves its last line cut short: that line is dropped quietly. Any other
    unreadable line, or a second row for an id (two processes once shared the folder), is dropped
    with a warning, so its question is answered again rather than counted twice. With `repair`
    (only the run that owns the folder) the file is rewritten without them before it is appended to.
    """
    if not path.is_file():
        return []
    data = path.read_bytes()
    lines = data.splitlines()
    rows, seen, dropped = [], set(), []
    for number, line in enumerate(lines, start=1):
        try:
            row = json.loads(line.decode("utf-8"))
        except ValueError:  # JSON and UTF-8 errors alike
            row = None
        if not isinstance(row, dict) or "id" not in row or row["id"] in seen:
            dropped.append(number)
            continue
        seen.add(row["id"])
        rows.append(row)
    torn_tail = dropped == [len(lines)] and not data.endswith(b"\n")
    if dropped and not torn_tail:
        log.warning(
            "%s: dropped %d unreadable or repeated rows (lines %s); their questions will be "
            "answered again", path, len(dropped), ", ".join(map(str, dropped[:10])),
        )  # fmt: skip
    if dropped and repair:
        write_text_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return rows


def append_predictions(path: Path, rows: list[dict[str, Any]]) -> None:
    """Append rows and flush them to disk, so a killed run keeps every finished batch."""
    with path.open("a", encoding="utf-8") as stream:
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        stream.flush()
        os.fsync(stream.fileno())


def git_commit() -> str | None:
    """The checkout's commit, or None outside a git checkout."""
    try:
        found = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return found.stdout.strip()


def library_versions() -> dict[str, str]:
    """Versions of the libraries that decide the numbers."""
    names = ["torch", "transformers", "peft", "sentence-transformers", "faiss-cpu", "hydra-core"]
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def format_summary(summary: RunSummary) -> str:
    """A one-screen table: every metric meant for the summary (`harness.metrics`), then costs."""
    figures, cost, setup = summary["metrics"], summary["cost"], summary["setup"]
    lines = [("run", summary["run"]), *_model(summary)]
    for metric in metrics():
        value, ends = figures.get(metric.name), metric.interval_keys or ()
        if metric.summary and not (metric.optional and value is None):
            lines.append((metric.label, metric.text(value, *(figures.get(e) for e in ends))))
    lines += [
        *([("measured on", machine.label(setup["machine"]))] if "machine" in setup else []),
        ("setup", f"{setup.get('seconds', 0):.1f}s, ${cost['setup_usd']:.6f}"),
        ("cost per 1k questions", _usd(cost["per_1k_questions_usd"], 4)),
        ("cost per correct answer", _usd(cost["per_correct_answer_usd"], 6)),
        *[(f"{name} (mean)", format_value(v, "number")) for name, v in figures["measures"].items()],
    ]
    width = max(len(name) for name, _ in lines)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in lines)


def _model(summary: RunSummary) -> list[tuple[str, str]]:
    """The model and the dtype it answered in (python -m harness.rescore has neither)."""
    if "model" not in summary:
        return []
    dtype = summary.get("config", {}).get("model", {}).get("dtype")
    return [("model", f"{summary['model']} ({dtype})" if dtype else summary["model"])]


def _usd(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"${value:.{digits}f}"
