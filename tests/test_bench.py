"""The bench suite: `--quick` writes both files in the expected shape; targets follow the numbers.

Nothing here checks a timing: the quick mode runs every section on the tiny random model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import main
from benchmarks.report import check_targets
from benchmarks.search import grow, ivf_lists

FIGURE_KEYS = {"median", "min", "max", "runs"}


@pytest.fixture
def tiny_overrides(tiny_model_dir: Path) -> list[str]:
    """`--override` flags that put the tiny random model in place of the packaged one."""
    overrides = [
        "model=hf", f"model.pretrained={tiny_model_dir}", "model.name=tiny",
        "model.max_new_tokens=4", "model.batch_size=2",
    ]  # fmt: skip
    return [f"--override={o}" for o in overrides]


def test_quick_run_writes_json_and_markdown(tiny_overrides: list[str], tmp_path: Path) -> None:
    sections = "overhead,generation,embedding,faiss,lora"
    code = main(["--quick", "--out", str(tmp_path), "--only", sections,
                 "--backends", "transformers", *tiny_overrides])  # fmt: skip
    assert code == 0
    results = json.loads((tmp_path / "bench.json").read_text())
    assert {"cpu_count", "torch_threads", "torch", "cpu_model"} <= set(results["machine"])
    assert list(results["sections"]) == sections.split(",")
    assert not [name for name, s in results["sections"].items() if "error" in s]

    overhead = results["sections"]["overhead"]
    assert _is_figure(overhead["harness_seconds"]) and _is_figure(overhead["raw_seconds"])
    assert overhead["identical_predictions"] == overhead["questions"] == 4
    transformers = results["sections"]["generation"]["backends"]["transformers"]
    assert set(transformers["batch_sizes"]) == {"1", "2"}
    assert _is_figure(transformers["batch_sizes"]["2"]["completion_tokens_per_second"])
    assert _is_figure(results["sections"]["embedding"]["chunks_per_second"])
    faiss = results["sections"]["faiss"]
    assert [s["chunks"] for s in faiss["sizes"]] == [300, 600]
    indexes = [row["index"] for row in faiss["sizes"][0]["indexes"]]
    assert indexes[:2] == ["Flat", "HNSW32"] and indexes[2].startswith("IVF")
    assert all(0 <= row["recall_at_10"] <= 1 for s in faiss["sizes"] for row in s["indexes"])
    lora = results["sections"]["lora"]
    assert lora["steps"] == 2 and lora["tokens_per_run"] > 0 and _is_figure(lora["peak_rss_mb"])

    statuses = {t["name"]: t["status"] for t in results["targets"]}
    assert statuses["harness overhead"] in ("met", "missed")
    assert statuses["warm compare sweep"] == "not measured"
    page = (tmp_path / "bench.md").read_text()
    assert "Machine: " in page and "## Targets" in page and "## FAISS search" in page


def test_unknown_section_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--only", "overhead,faiss,speed"]) == 2
    assert "--only: unknown speed; use overhead" in capsys.readouterr().err


@pytest.mark.slow
def test_quick_compare_sweep_runs_cold_then_warm(tiny_overrides: list[str], tmp_path: Path) -> None:
    assert main(["--quick", "--out", str(tmp_path), "--only", "compare", *tiny_overrides]) == 0
    section = json.loads((tmp_path / "bench.json").read_text())["sections"]["compare"]
    assert sorted(c["strategy"] for c in section["warm_cells"]) == [
        "finetune", "finetune_rag", "prompt", "rag"
    ]  # fmt: skip
    assert all(c["cache_hit"] for c in section["warm_cells"] if c["strategy"] != "prompt")
    assert not any(section["rebuilt_in_warm"].values())
    assert (tmp_path / "compare-cold-0.log").is_file()


def test_targets_are_met_by_good_numbers() -> None:
    targets = check_targets(_results(overhead=0.02, speedup=3.5, warm=6.0, p95=0.4, recall=0.97))
    assert {t.name: t.status for t in targets} == {
        "harness overhead": "met",
        "batched generation (transformers)": "met",
        "warm compare sweep (fresh results folder)": "met",
        "compare sweep rerun (same results folder)": "met",
        "HNSW query latency": "met",
    }


@pytest.mark.parametrize(
    ("numbers", "missed"),
    [
        ({"overhead": 0.08}, "harness overhead"),
        ({"speedup": 2.5}, "batched generation (transformers)"),
        ({"warm": 4.0}, "warm compare sweep (fresh results folder)"),
        ({"rebuilt": ["ab12"]}, "warm compare sweep (fresh results folder)"),
        ({"p95": 2.5}, "HNSW query latency"),
        ({"recall": 0.9}, "HNSW query latency"),
    ],
)
def test_each_target_is_missed_by_bad_numbers(numbers: dict[str, Any], missed: str) -> None:
    good = {"overhead": 0.02, "speedup": 3.5, "warm": 6.0, "p95": 0.4, "recall": 0.97}
    targets = check_targets(_results(**{**good, **numbers}))
    assert [t.name for t in targets if t.status == "missed"] == [missed]


def test_failed_or_missing_sections_are_not_measured() -> None:
    results = _results(overhead=0.02, speedup=3.5, warm=6.0, p95=0.4, recall=0.97)
    results["sections"]["overhead"] = {"error": "RuntimeError: boom"}
    del results["sections"]["faiss"]
    statuses = {t.name: t.status for t in check_targets(results)}
    assert statuses["harness overhead"] == statuses["HNSW query latency"] == "not measured"


def test_synthetic_corpus_keeps_real_vectors_and_unit_norms() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    real = rng.standard_normal((50, 8)).astype(np.float32)
    real /= np.linalg.norm(real, axis=1, keepdims=True)
    grown = grow(real, 500, np.random.default_rng(1))
    assert grown.shape == (500, 8) and grown.dtype == np.float32
    assert np.allclose(np.linalg.norm(grown, axis=1), 1, atol=1e-5)
    assert {tuple(np.round(v, 5)) for v in grown[:50]} == {tuple(np.round(v, 5)) for v in real}
    assert [ivf_lists(n) for n in (300, 1_000, 10_000, 100_000)] == [4, 16, 256, 1024]


def _results(
    overhead: float, speedup: float, warm: float, p95: float, recall: float,
    rebuilt: list[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The smallest results JSON `check_targets` reads, with made-up numbers."""

    def fig(value: float) -> dict[str, Any]:
        return {"median": value, "min": value, "max": value, "runs": [value]}

    hnsw = {"index": "HNSW32", "p95_ms": fig(p95), "recall_at_10": recall,
            "parameter": {"efSearch": 64}}  # fmt: skip
    return {"sections": {
        "overhead": {"overhead": overhead, "harness_seconds": fig(10 * (1 + overhead)),
                     "raw_seconds": fig(10.0), "questions": 32},
        "generation": {"backends": {"transformers": {
            "speedup_over_smallest": speedup, "best_batch_size": 16, "smallest_batch_size": 1}}},
        "compare": {"speedup_warm": warm, "speedup_resume": 50.0, "cold_seconds": fig(200.0),
                    "warm_seconds": fig(200 / warm), "resume_seconds": fig(4.0),
                    "rebuilt_in_warm": {"models": [], "indexes": [], "adapters": rebuilt or []},
                    "warm_cells": [{"strategy": "rag", "cache_hit": True}]},
        "faiss": {"sizes": [
            {"chunks": 1_000, "indexes": [{**hnsw, "p95_ms": fig(99.0)}]},
            {"chunks": 100_000, "indexes": [{"index": "Flat"}, hnsw]},
        ]},
    }}  # fmt: skip


def _is_figure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == FIGURE_KEYS
