"""The tiny sweep through each parallel launcher: every cell finishes and the report is written."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.run.threads import set_torch_threads

ROOT = Path(__file__).resolve().parents[1]
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
RAY_MISSING = any(
    importlib.util.find_spec(m) is None for m in ("ray", "hydra_plugins.hydra_ray_launcher")
)


def _sweep(overrides: list[str], sweep_dir: Path, **env_vars: str) -> subprocess.CompletedProcess:
    # Without the test session's OMP_NUM_THREADS, so each launcher's own share is what is measured.
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS} | env_vars
    return subprocess.run(
        [sys.executable, "-m", "harness", "-m", *overrides, "strategy.few_shot=0,1",
         f"hydra.sweep.dir={sweep_dir}", f"paths.runs_dir={sweep_dir}"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip


def _check_cells_and_report(done: subprocess.CompletedProcess, sweep_dir: Path) -> None:
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = sorted(sweep_dir.glob("*/metrics.json"))
    assert len(metrics) == 2
    report = (sweep_dir / "report.md").read_text()
    assert "prompt/tiny few_shot=0" in report and "prompt/tiny few_shot=1" in report


def _threads(done: subprocess.CompletedProcess) -> list[int]:
    return [int(n) for n in re.findall(r"torch threads: (\d+)", done.stdout + done.stderr)]


@pytest.mark.slow  # a sweep through the joblib launcher
def test_joblib_cells_share_the_cores(tiny_run_overrides: list[str], tmp_path: Path) -> None:
    import joblib

    sweep_dir = tmp_path / "sweep"
    done = _sweep(
        [*tiny_run_overrides, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], sweep_dir
    )
    _check_cells_and_report(done, sweep_dir)
    assert _threads(done) == [max(1, joblib.cpu_count() // 2)] * 2


@pytest.mark.slow  # a sweep on a local Ray instance
@pytest.mark.skipif(RAY_MISSING, reason="Ray is not installed: pip install -e '.[ray]'")
def test_ray_cells_run_as_tasks_of_a_local_instance(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    """`ray_cluster` with a local instance standing in for the cluster's address."""
    sweep_dir = tmp_path / "sweep"
    done = _sweep(
        [*tiny_run_overrides, "hydra/launcher=ray_cluster", "hydra.launcher.ray.init.address=null",
         "+hydra.launcher.ray.init.num_cpus=2", "+hydra.launcher.ray.init.include_dashboard=false"],
        sweep_dir,
        RAY_DEDUP_LOGS="0",  # the two cells log the same line; Ray would print it once
    )  # fmt: skip
    _check_cells_and_report(done, sweep_dir)
    assert _threads(done) == [1, 1]


@pytest.mark.slow  # a sweep through submitit
def test_submitit_local_cells(tiny_run_overrides: list[str], tmp_path: Path) -> None:
    sweep_dir = tmp_path / "sweep"
    done = _sweep(
        [*tiny_run_overrides, "hydra/launcher=submitit_local",
         f"hydra.launcher.submitit_folder={tmp_path / 'submitit'}"],
        sweep_dir,
        OMP_NUM_THREADS="1",  # what the README advises: it starts every cell at once
    )  # fmt: skip
    _check_cells_and_report(done, sweep_dir)
    logs = "".join(p.read_text() for p in (tmp_path / "submitit").rglob("*_log.out"))
    assert [int(n) for n in re.findall(r"torch threads: (\d+)", logs)] == [1, 1]


@pytest.mark.slow  # a sweep subprocess
def test_slurm_asks_for_the_cell_resources_and_threads(tmp_path: Path) -> None:
    """Everything up to `sbatch`, which is faked: it keeps the script it is given and fails."""
    bin_dir, script = tmp_path / "bin", tmp_path / "submitted.sh"
    bin_dir.mkdir()
    fakes = {"sbatch": f'cp "$1" {script}\necho "no cluster here" >&2\nexit 1', "srun": "exit 1"}
    for name, body in fakes.items():  # submitit looks for srun before it submits
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    done = _sweep(
        ["hydra/launcher=slurm", "hydra.launcher.partition=cpu", "hydra.launcher.cpus_per_task=8",
         f"paths.results_dir={tmp_path / 'results'}"],
        tmp_path / "sweep",
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    )  # fmt: skip
    assert done.returncode != 0 and "no cluster here" in done.stderr
    lines = script.read_text().splitlines()
    flags = ["partition=cpu", "cpus-per-task=8", "time=120", "mem=16GB", "array=0-1%2",
             "job-name=ragbench"]  # fmt: skip
    assert not {f"#SBATCH --{flag}" for flag in flags} - set(lines)
    srun = next(i for i, line in enumerate(lines) if line.startswith("srun"))
    assert lines.index("export OMP_NUM_THREADS=8") < srun


def test_threads_come_from_run_threads_else_from_the_launchers_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torch

    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        assert set_torch_threads(None) == 2
        assert set_torch_threads(1) == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "4,2")  # nested OpenMP levels: left to torch
        assert set_torch_threads(None) == 1
    finally:
        torch.set_num_threads(before)


def test_zero_threads_is_a_one_line_error() -> None:
    from harness.errors import HarnessError
    from harness.run.runner import check_settings
    from tests.helpers import compose_config

    with pytest.raises(HarnessError, match=r"^run\.threads=0: use a positive number or null$"):
        check_settings(compose_config(["run.threads=0"]))
