"""The packaged model, end to end through the CLI, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_prompt_strategy_on_acme_with_the_packaged_model(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "strategy=prompt", "run.limit=6",
         f"paths.results_dir={tmp_path}"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "answerable accuracy" in done.stdout
    (folder,) = (tmp_path / "runs").iterdir()
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    assert len(rows) == 6
    assert all(row["prediction"].strip() for row in rows)  # the chat template is applied
    assert all(0 < row["completion_tokens"] <= 48 for row in rows)
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["complete"] and metrics["model"] == "smollm2-135m"
    assert metrics["versions"]["torch"].startswith("2.")


@pytest.mark.slow  # a fresh interpreter
def test_prompt_strategy_imports_no_retrieval_or_training_library(
    tiny_run_overrides: list[str],
) -> None:
    script = (
        "import sys\n"
        "from tests.helpers import compose_config\n"
        "from harness.run.runner import run\n"
        f"run(compose_config({tiny_run_overrides!r}))\n"
        "print(sorted(m for m in ('faiss', 'peft', 'sentence_transformers') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
