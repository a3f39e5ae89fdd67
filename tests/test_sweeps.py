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


@pytest.mark.slow  # two sweep subprocesses
def test_a_failing_cell_leaves_the_others_and_their_report_and_exits_1(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    sweep_dir = tmp_path / "sweep"
    questions = next(o for o in tiny_run_overrides if o.startswith("dataset.questions="))
    grid = [o for o in tiny_run_overrides if o != questions]
    grid.append(f"{questions},{tmp_path / 'missing.jsonl'}")  # the second cell cannot load
    done = _sweep(grid, sweep_dir)
    assert done.returncode == 1
    assert len(list(sweep_dir.glob("*/predictions.jsonl"))) == 2  # both few_shot cells of one
    assert "prompt/tiny few_shot=1" in (sweep_dir / "report.md").read_text()
    failures = [line for line in done.stderr.splitlines() if line.startswith("error: cell ")]
    assert len(failures) == 2 and all("missing.jsonl" in line for line in failures)
    assert "Traceback" not in done.stderr

    # the report's own failure is an exit status too, not a log line after exit 0
    (sweep_dir / "failed.txt").unlink()
    report_blocked = sweep_dir / "report.md"
    report_blocked.unlink()
    report_blocked.mkdir()  # the report cannot be written over a folder
    again = _sweep([*grid[:-1], questions], sweep_dir)
    assert again.returncode == 1 and "report not written" in again.stderr
