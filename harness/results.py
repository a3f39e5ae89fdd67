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

from harness import machine
from harness.files import write_text_atomic

PREDICTIONS = "predictions.jsonl"
METRICS = "metrics.json"
CONFIG = "config.yaml"
SETUP = "setup.json"
LOCK = ".lock"  # held by the process running the folder's cell

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
    """A one-screen table of the figures a reader looks at first."""
    metrics, cost, setup = summary["metrics"], summary["cost"], summary["setup"]
    lines = [
        ("run", summary["run"]),
        *_model(summary),
        ("questions", f"{metrics['questions']} ({metrics['answerable']} answerable)"),
        ("answerable accuracy (correct)", _accuracy(metrics)),
        ("exact format: EM / F1", _pair(metrics, "answerable_exact_match", "answerable_f1")),
        ("abstention on unanswerable", _percent(metrics["abstention_rate"])),
        ("false abstention", _percent(metrics["false_abstention_rate"])),
        ("empty answers", _percent(metrics["empty_rate"])),
        ("confident wrong answers", _percent(metrics["hallucination_rate"])),
        *_behaviour(metrics),
        *_failures(metrics),
        ("latency p50 / p95", _seconds_pair(metrics)),
        ("questions per second", _number(metrics["questions_per_second"], 2)),
        *([("measured on", machine.label(setup["machine"]))] if "machine" in setup else []),
        ("tokens per question", _tokens(metrics)),
        ("setup", f"{setup.get('seconds', 0):.1f}s, ${cost['setup_usd']:.6f}"),
        ("cost per 1k questions", _usd(cost["per_1k_questions_usd"], 4)),
        ("cost per correct answer", _usd(cost["per_correct_answer_usd"], 6)),
        *[(f"{name} (mean)", _number(value, 3)) for name, value in metrics["measures"].items()],
    ]
    width = max(len(name) for name, _ in lines)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in lines)


def _model(summary: RunSummary) -> list[tuple[str, str]]:
    """The model and the dtype it answered in (python -m harness.score has neither)."""
    if "model" not in summary:
        return []
    dtype = summary.get("config", {}).get("model", {}).get("dtype")
    return [("model", f"{summary['model']} ({dtype})" if dtype else summary["model"])]


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _accuracy(metrics: dict[str, Any]) -> str:
    accuracy, low, high = (metrics[k] for k in ("answerable_accuracy", "accuracy_ci_low",
                                                "accuracy_ci_high"))  # fmt: skip
    if accuracy is None:
        return "n/a"
    return f"{_percent(accuracy)} [{_percent(low)}, {_percent(high)}] (95 % Wilson)"


def _behaviour(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    shown = metrics.get("behaviour")
    if not shown:
        return []
    interval = f"[{_percent(shown['ci_low'])}, {_percent(shown['ci_high'])}]"
    return [("behaviour: all checks kept", f"{_percent(shown['compliance'])} {interval} of "
             f"{shown['questions']} questions with checks")]  # fmt: skip


def _failures(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    if metrics.get("retrieval_misses") is None:
        return []
    misses, reading = metrics["retrieval_misses"], metrics["reading_errors"]
    return [("missed answers: retrieval / reading", f"{misses} / {reading}")]


def _usd(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"${value:.{digits}f}"


def _number(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pair(metrics: dict[str, Any], first: str, second: str) -> str:
    return f"{_percent(metrics[first])} / {_percent(metrics[second])}"


def _seconds_pair(metrics: dict[str, Any]) -> str:
    p50, p95 = metrics["latency_p50_seconds"], metrics["latency_p95_seconds"]
    return f"{_number(p50, 3)}s / {_number(p95, 3)}s per question"


def _tokens(metrics: dict[str, Any]) -> str:
    prompt, completion = metrics["prompt_tokens_mean"], metrics["completion_tokens_mean"]
    return f"{_number(prompt, 1)} prompt + {_number(completion, 1)} completion"
