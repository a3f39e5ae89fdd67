"""A multirun grid on the tiny model: one sweep folder, a report at the end, reruns skip cells."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _sweep(overrides: list[str], sweep_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", "-m", *overrides, "strategy.few_shot=0,1",
         f"hydra.sweep.dir={sweep_dir}", f"paths.runs_dir={sweep_dir}"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )  # fmt: skip


@pytest.mark.slow  # two sweep subprocesses
def test_sweep_reports_and_reruns_skip_finished_cells(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    sweep_dir = tmp_path / "sweep with space"  # cells.txt once split paths on white space
    done = _sweep(tiny_run_overrides, sweep_dir)
    assert done.returncode == 0, done.stderr[-2000:]
    cells = sorted(p.parent for p in sweep_dir.glob("*/predictions.jsonl"))
    assert len(cells) == 2
    report = (sweep_dir / "report.md").read_text()
    assert "prompt/tiny few_shot=0" in report and "prompt/tiny few_shot=1" in report
    before = {c: (c / "predictions.jsonl").stat().st_mtime_ns for c in cells}

    again = _sweep(tiny_run_overrides, sweep_dir)
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.count("all 4 questions already answered; recomputing metrics") == 2
    assert {c: (c / "predictions.jsonl").stat().st_mtime_ns for c in cells} == before
