"""The bench suite: `--quick` writes both files in the expected shape; targets follow the numbers.

Nothing here checks a timing: the quick mode runs every section on the tiny random model, and a
target's status is checked against the thresholds applied to the figures the run wrote.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from omegaconf import OmegaConf

from benchmarks import main
from benchmarks.common import Settings, chat_model, compose
from benchmarks.generation import harness_batches, in_order
from benchmarks.lora import SAME_SETTINGS, VARIANTS
from benchmarks.page import TITLES
from benchmarks.precision import DTYPES, TRAINING_VARIANTS
from benchmarks.profile import CATEGORIES, OUTSIDE
from benchmarks.questions import MODES
from benchmarks.search import grow, ivf_lists
from benchmarks.sweep import FORGETTING, sweep_command
from benchmarks.targets import (
    BATCHING_MIN,
    BF16_TRAINING_MIN,
    COMPARE_COLD_MAX_S,
    HNSW_P95_MAX_MS,
    HNSW_RECALL_MIN,
    MAKE_RUN_ANSWERABLE_MIN,
    MAKE_RUN_MAX_S,
    NOISE_P,
    OVERHEAD_MAX,
    QUESTIONS_SECTION_MAX_S,
    TRAINING_SPEEDUP_MIN,
    WARM_SWEEP_MIN,
    check_targets,
)
from harness.config import ROOT
from tests.chat_server import ScriptedServer
from tests.fakes import FakeEmbedder

FIGURE_KEYS = {"median", "min", "max", "runs"}
STATUSES = {"met", "missed", "not measured"}
GOOD = {
    "overhead": 0.02,
    "speedup": 3.5,
    "warm": 6.0,
    "p95": 0.4,
    "recall": 0.97,
    "train_speedup": 3.2,
    "compare_cold": 540.0,
    "make_run": 580.0,
    "answerable": 162,
    "per_section": 30.0,
}


@pytest.fixture
def tiny_overrides(tiny_model_dir: Path) -> list[str]:
    """`--override` flags that put the tiny random model in place of the packaged one."""
    overrides = [
        "model=hf", f"model.pretrained={tiny_model_dir}", "model.name=tiny",
        "model.max_new_tokens=4", "model.batch_size=2",
    ]  # fmt: skip
    return [f"--override={o}" for o in overrides]


def test_quick_run_writes_json_and_markdown(tiny_overrides: list[str], tmp_path: Path) -> None:
    sections = "overhead,generation,embedding,faiss,lora,profile,dtype"
    code = main(["--quick", "--out", str(tmp_path), "--only", sections,
                 "--backends", "transformers", *tiny_overrides])  # fmt: skip
    assert code == 0
    results = json.loads((tmp_path / "bench.json").read_text())
    settings = results["settings"]
    assert settings["quick"] and settings["repeats"] == 1
    assert {"cpu_count", "torch_threads", "torch", "cpu_model"} <= set(results["machine"])
    assert list(results["sections"]) == sections.split(",")
    assert not [name for name, s in results["sections"].items() if "error" in s]
    assert all(s["section_seconds"] > 0 for s in results["sections"].values())

    overhead = results["sections"]["overhead"]
    seconds = ("harness_seconds", "plain_seconds", "dataset_order_seconds", "length_sorted_seconds")
    assert all(_timed(overhead[key], settings) for key in seconds)
    assert overhead["overhead"] == pytest.approx(
        overhead["harness_seconds"]["median"] / overhead["plain_seconds"]["median"] - 1
    )
    assert overhead["length_sorting_speedup"] == pytest.approx(
        overhead["dataset_order_seconds"]["median"] / overhead["length_sorted_seconds"]["median"]
    )
    assert list(overhead["overhead_by_order"]) == ["plain_first"]  # one repeat: one order
    assert overhead["dtype"] in DTYPES
    # the same model, prompts, dtype, batches and greedy decoding on both sides: the same answers
    assert overhead["identical_predictions"] == overhead["questions"]
    assert overhead["questions"] == settings["overhead_questions"]

    transformers = results["sections"]["generation"]["backends"]["transformers"]
    rows = transformers["batch_sizes"]
    assert set(rows) == {str(size) for size in settings["batch_sizes"]}
    assert all(_timed(row["questions_per_second"], settings) for row in rows.values())
    assert all(_timed(row["seconds"], settings) for row in rows.values())
    rate = {int(size): row["questions_per_second"]["median"] for size, row in rows.items()}
    assert transformers["best_batch_size"] == max(rate, key=rate.__getitem__)
    assert transformers["speedup_over_smallest"] == pytest.approx(
        rate[transformers["best_batch_size"]] / rate[min(rate)]
    )

    embedding = results["sections"]["embedding"]
    assert embedding["chunks"] > 0
    for key in ("chunks_per_second", "embed_seconds", "index_build_seconds"):
        assert _timed(embedding[key], settings), key

    faiss = results["sections"]["faiss"]
    assert [s["chunks"] for s in faiss["sizes"]] == settings["corpus_sizes"]
    indexes = [row["index"] for row in faiss["sizes"][0]["indexes"]]
    assert indexes[:2] == ["Flat", "HNSW32"] and indexes[2].startswith("IVF")
    assert all(0 <= row["recall_at_10"] <= 1 for s in faiss["sizes"] for row in s["indexes"])
    assert all(row["recall_at_10"] == 1 for s in faiss["sizes"] for row in s["indexes"]
               if row["index"] == "Flat")  # fmt: skip  # exact search is its own ground truth

    lora = results["sections"]["lora"]
    assert lora["steps"] == settings["lora_steps"] and list(lora["kinds"]) == ["closed-book"]
    rows = lora["kinds"]["closed-book"]["variants"]
    # the smoke test leaves out the larger batches (their tokens per step differ)
    assert [r["variant"] for r in rows] == [n for n, knobs in VARIANTS if "batch_size" not in knobs]
    assert any("batch_size" in knobs for _, knobs in VARIANTS)
    assert rows[0]["speedup"] == 1 and all(_timed(r["tokens_per_second"], settings) for r in rows)
    # the same examples and steps in every variant; sharing the prefix computes fewer positions
    assert len({r["tokens"] for r in rows}) == 1
    assert rows[-1]["computed_tokens"] < rows[0]["computed_tokens"]
    assert all(r["share_of_peak"] > 0 for r in rows)

    profiled = results["sections"]["profile"]["trainers"]
    for trainer in profiled.values():
        assert set(trainer["categories"]) == {*CATEGORIES, "other ops", OUTSIDE}
        assert sum(trainer["categories"].values()) == pytest.approx(trainer["seconds_per_step"])
    assert (
        profiled["today's trainer"]["categories"]["matmuls (linear layers, LoRA, attention scores)"]
        > 0
    )

    precision = results["sections"]["dtype"]
    answering = precision["answering"]
    assert answering["questions"] == settings["dtype_questions"]
    assert all(_timed(answering["questions_per_second"][d], settings) for d in DTYPES)
    assert 0 <= answering["identical_answers"] <= answering["questions"]
    assert answering["difference"] == pytest.approx(
        answering["accuracy"]["bfloat16"] - answering["accuracy"]["float32"]
    )
    variants = precision["training"]["variants"]
    assert [(v["weights"], v["autocast"]) for v in variants] == list(TRAINING_VARIANTS)
    assert all(v["steps"] == settings["lora_steps"] and v["tokens_per_second"] > 0
               for v in variants)  # fmt: skip
    ratio = max(v["tokens_per_second"] for v in variants[1:]) / variants[0]["tokens_per_second"]

    assert results["targets"] == [
        {"name": t.name, "goal": t.goal, "measured": t.measured, "met": t.met, "status": t.status}
        for t in check_targets(results)
    ]
    statuses = {t["name"]: t["status"] for t in results["targets"]}
    assert set(statuses.values()) <= STATUSES
    largest = max(faiss["sizes"], key=lambda s: s["chunks"])
    hnsw = next(row for row in largest["indexes"] if row["index"].startswith("HNSW"))
    assert statuses == {
        "harness overhead": _status(overhead["overhead"] < OVERHEAD_MAX),
        "batched generation (transformers)": _status(
            transformers["speedup_over_smallest"] >= BATCHING_MIN
        ),
        "warm compare sweep": "not measured",
        "HNSW query latency": _status(
            hnsw["p95_ms"]["median"] < HNSW_P95_MAX_MS and hnsw["recall_at_10"] >= HNSW_RECALL_MIN
        ),
        "bfloat16 training": _status(ratio >= BF16_TRAINING_MIN)
        if precision["native_bfloat16"]
        else "not measured",
        "bfloat16 accuracy": _status(answering["mcnemar_p"] >= NOISE_P),
        "LoRA training speed": _status(
            next(r for r in rows if r["variant"] == SAME_SETTINGS)["speedup"]
            >= TRAINING_SPEEDUP_MIN
        ),
        "full-size compare, cold": "not measured",  # the section did not run
        "make run, cold": "not measured",
        "question generation": "not measured",
    }

    page = (tmp_path / "bench.md").read_text()
    assert "Machine: " in page and "## Targets" in page and "Failed:" not in page
    speedup = overhead["length_sorting_speedup"]
    assert f"| speedup (dataset order / sorted) | {speedup:.2f}x |" in page
    assert all(f"## {TITLES[name]}" in page for name in sections.split(","))
    assert all(f"| {name} |" in page and f"**{status}**" in page
               for name, status in statuses.items())  # fmt: skip


class QuestionServer(ScriptedServer):
    """Plays `harness.generate`'s model: a wh-question for each answer found, and for the reader
    the section it was shown (which states the gold answer)."""

    def answer(self, body: dict[str, Any]) -> str:
        asked = body["messages"][-1]["content"]
        if wh := re.search(r'Start the question with "([^"]+)"', asked):
            return json.dumps({"question": f"{wh[1]} does the quoted sentence state here?"})
        return asked.split("\n\nUsing only the context")[0].split(": ", 1)[-1]


def test_quick_questions_section_times_each_mode_from_an_empty_reply_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("harness.retrieval.embedders.load_embedder", lambda *a, **k: FakeEmbedder())
    user_cache = tmp_path / "user-cache"
    with QuestionServer() as server:
        overrides = [
            "model=openai_compatible",
            "model.model=scripted",
            "model.max_retries=0",
            f"model.base_url={server.base_url}",
            f"paths.cache_dir={user_cache}",
        ]
        code = main(["--quick", "--out", str(tmp_path / "bench"), "--only", "questions",
                     *(f"--override={o}" for o in overrides)])  # fmt: skip
    assert code == 0
    results = json.loads((tmp_path / "bench" / "bench.json").read_text())
    section = results["sections"]["questions"]
    assert section["quick"] and not section["default_settings"] and section["runs_per_mode"] == 1
    assert (section["corpus"], section["sections"]) == ("data/examples/docs", 2)
    knobs = section["settings"]
    assert knobs["paraphrases"] == knobs["unanswerable_per_section"] == 0
    assert section["weights_cache"] == str(user_cache)  # the weights stay in the user's cache,
    assert not (user_cache / "generate").exists()  # the replies go to an empty one per mode
    assert list(section["modes"]) == list(MODES)
    for row in section["modes"].values():
        assert row["sections"] == 2 and row["seconds"] > 0 and row["model_seconds"] >= 0
        assert row["seconds_per_section"] == pytest.approx(row["seconds"] / row["sections"])
        assert row["answers_found"] >= row["facts_kept"] > 0
        assert row["questions_written"] == row["facts_kept"]  # no paraphrases nor unanswerable
    # every request the server answered is a model call of one mode: none came from a cache
    assert len(server.requests) == sum(row["model_calls"] for row in section["modes"].values())
    targets = {t["name"]: t for t in results["targets"] if t["name"].startswith("question")}
    assert list(targets) == [f"question generation ({mode})" for mode in MODES]
    assert all(t["status"] == "not measured" and "not at the default settings" in t["measured"]
               for t in targets.values())  # fmt: skip
    page = (tmp_path / "bench" / "bench.md").read_text()
    template = section["modes"]["template"]
    assert "## Question generation per section" in page
    assert f"| template | 2 | {template['answers_found']} | {template['facts_kept']} |" in page


@pytest.mark.parametrize("flush", [2, 4])  # run.batch_size; model.batch_size is 2
def test_overhead_reference_makes_the_harness_calls_in_its_dtype(
    tiny_model_dir: Path, flush: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch

    from benchmarks import generation
    from harness.run import runner

    overrides = ("model=hf", f"model.pretrained={tiny_model_dir}", "model.name=tiny",
                 "model.max_new_tokens=4", "model.dtype=bfloat16",
                 f"run.batch_size={flush}")  # fmt: skip
    settings = dataclasses.replace(Settings(overrides=overrides).quick_version(), repeats=2)
    chat = chat_model(overrides)
    chat.model.to(torch.float32)  # as loaded: the harness casts on its first answer
    passes: list[tuple[str, list[Any]]] = []  # (side, its generate calls' inputs and dtype)

    def tagged(side: str, function: Any) -> Any:
        def pass_of(*args: Any, **kwargs: Any) -> Any:
            passes.append((side, []))
            return function(*args, **kwargs)

        return pass_of

    def recorded(function: Any) -> Any:
        def call(**inputs: Any) -> Any:
            dtype = next(chat.model.parameters()).dtype
            passes[-1][1].append((inputs["input_ids"].tolist(), dtype))
            return function(**inputs)

        return call

    monkeypatch.setattr(runner, "run", tagged("harness", runner.run))
    monkeypatch.setattr(generation, "plain_run", tagged("plain", generation.plain_run))
    monkeypatch.setattr(chat.model, "generate", recorded(chat.model.generate))
    section = generation.overhead(settings)

    assert section["dtype"] == "bfloat16" and section["run_batch_size"] == flush
    assert {dtype for _, calls in passes for _, dtype in calls} == {torch.bfloat16}
    harness = [calls for side, calls in passes if side == "harness"]
    plain = [calls for side, calls in passes if side == "plain"]
    assert len(harness) == 1 + settings.repeats  # warm-up, then one per repeat
    assert all(calls == harness[0] for calls in harness)
    # the reference makes the harness's calls, warm-up and every repeat; sorting matters here
    assert sum(calls == harness[0] for calls in plain) >= 1 + settings.repeats
    assert any(calls != harness[0] for calls in plain)
    assert list(section["overhead_by_order"]) == ["plain_first", "harness_first"]
    assert section["identical_predictions"] == section["questions"]


def test_harness_batches_sort_each_flush_by_tokens_then_cut_it() -> None:
    lengths = [5, 3, 9, 1, 3]
    assert harness_batches(lengths, flush=4, size=2) == [[3, 1], [0, 2], [4]]
    assert harness_batches(lengths, flush=2, size=2) == [[1, 0], [3, 2], [4]]
    assert harness_batches(lengths, flush=5, size=3) == [[3, 1, 4], [0, 2]]  # ties stay in order
    assert in_order(5, 2) == [[0, 1], [2, 3], [4]]


def test_overhead_target_is_the_like_for_like_figure() -> None:
    results = _results(**{**GOOD, "overhead": 0.06})
    section = results["sections"]["overhead"]
    # batches in dataset order take 1.5x: against those, the harness would look 29 % faster
    section.update(dataset_order_seconds=_fig(15.0), length_sorting_speedup=1.5)
    target = next(t for t in check_targets(results) if t.name == "harness overhead")
    assert "like for like (same dtype, same batches, warmed up)" in target.goal
    assert target.measured == "+6.0% (10.60 s vs 10.00 s plain, bfloat16, 32 questions)"
    assert target.status == "missed"


def test_unknown_section_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--only", "overhead,faiss,speed"]) == 2
    err = capsys.readouterr().err
    assert "--only: unknown speed; use overhead" in err and len(err.splitlines()) == 1


def test_bench_strategies_are_the_real_ones_with_the_scaled_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)  # the sweeps run there; the search path is relative to it
    plan = {"finetune_steps": 3, "finetune_rag_steps": 2, "limit": 1}
    command = sweep_command(plan, Path("results"), Path("cache"), ())
    shared = [o for o in command if o.startswith(("hydra.searchpath=", "+bench."))]
    tuned = _plain(compose(Settings(), "strategy=bench_finetune", *shared).strategy)
    grounded = _plain(compose(Settings(), "strategy=bench_finetune_rag", *shared).strategy)
    assert (tuned["name"], tuned["training"]["max_steps"]) == ("finetune", 3)
    assert (grounded["name"], grounded["finetune"]["training"]["max_steps"]) == ("finetune_rag", 2)
    assert tuned["forgetting_questions"] == str(FORGETTING)
    assert grounded["finetune"]["forgetting_questions"] == str(FORGETTING)
    # everything else is the real strategies' config
    real = _plain(compose(Settings(), "strategy=finetune").strategy)
    real_grounded = _plain(compose(Settings(), "strategy=finetune_rag").strategy)
    for bench, same in ((tuned, real), (grounded["finetune"], real_grounded["finetune"])):
        bench["training"]["max_steps"] = bench["forgetting_questions"] = None
        same["training"]["max_steps"] = same["forgetting_questions"] = None
    assert (tuned, grounded) == (real, real_grounded)


def test_bench_forgetting_questions_are_the_first_general_ones() -> None:
    short = FORGETTING.read_text(encoding="utf-8").splitlines()
    full = (ROOT / "data" / "general" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    assert 0 < len(short) < len(full) and short == full[: len(short)]


@pytest.mark.slow
def test_quick_compare_sweep_runs_cold_then_warm(tiny_overrides: list[str], tmp_path: Path) -> None:
    assert main(["--quick", "--out", str(tmp_path), "--only", "compare", *tiny_overrides]) == 0
    section = json.loads((tmp_path / "bench.json").read_text())["sections"]["compare"]
    plan = section["reduced"]
    assert 0 < plan["finetune_steps"] < plan["full"]["finetune_steps"]
    steps = {"finetune": plan["finetune_steps"], "finetune_rag": plan["finetune_rag_steps"]}
    for cells in (section["cold_cells"], section["warm_cells"]):
        assert sorted(c["strategy"] for c in cells) == ["finetune", "finetune_rag", "prompt", "rag"]
        assert all(c["questions"] == plan["limit"] for c in cells)
        trained = {c["strategy"]: c["training_steps"] for c in cells if c["strategy"] in steps}
        assert trained == steps
    assert not any(c["cache_hit"] for c in section["cold_cells"] if c["strategy"] != "prompt")
    assert all(c["cache_hit"] for c in section["warm_cells"] if c["strategy"] != "prompt")
    assert not any(section["rebuilt_in_warm"].values())
    assert section["speedup_warm"] > 0 and section["speedup_resume"] > 0
    assert (tmp_path / "compare-cold-0.log").is_file()


def test_targets_are_met_by_good_numbers() -> None:
    targets = check_targets(_results(**GOOD))
    assert {t.name: t.status for t in targets} == {
        "harness overhead": "met",
        "batched generation (transformers)": "met",
        "warm compare sweep (fresh results folder)": "met",
        "compare sweep rerun (same results folder)": "met",
        "HNSW query latency": "met",
        "bfloat16 training": "met",
        "bfloat16 accuracy": "met",
        "LoRA training speed": "met",
        "full-size compare, cold": "met",
        "make run, cold": "met",
        "question generation (template)": "met",
        "question generation (answer_first)": "met",
    }


@pytest.mark.parametrize(
    ("numbers", "missed"),
    [
        ({"overhead": 0.08}, "harness overhead"),
        ({"overhead": OVERHEAD_MAX}, "harness overhead"),  # the goal is strictly below
        ({"speedup": 2.5}, "batched generation (transformers)"),
        ({"warm": 4.0}, "warm compare sweep (fresh results folder)"),
        ({"rebuilt": ["ab12"]}, "warm compare sweep (fresh results folder)"),
        ({"warm_miss": True}, "warm compare sweep (fresh results folder)"),
        ({"resume": 4.0}, "compare sweep rerun (same results folder)"),
        ({"p95": 2.5}, "HNSW query latency"),
        ({"p95": HNSW_P95_MAX_MS}, "HNSW query latency"),
        ({"recall": 0.9}, "HNSW query latency"),
        ({"bf16_ratio": 1.5}, "bfloat16 training"),
        ({"bf16_p": 0.01}, "bfloat16 accuracy"),
        ({"train_speedup": 2.9}, "LoRA training speed"),
        ({"compare_cold": 601.0}, "full-size compare, cold"),
        ({"make_run": 601.0}, "make run, cold"),
        ({"answerable": 149}, "make run, cold"),
        ({"per_section": 75.0}, "question generation (answer_first)"),
        # the goal is strictly below; template takes half of answer_first's seconds here
        ({"per_section": QUESTIONS_SECTION_MAX_S}, "question generation (answer_first)"),
    ],
)
def test_each_target_is_missed_by_bad_numbers(numbers: dict[str, Any], missed: str) -> None:
    targets = check_targets(_results(**{**GOOD, **numbers}))
    assert [t.name for t in targets if t.status == "missed"] == [missed]
    assert {t.status for t in targets if t.name != missed} == {"met"}


def test_targets_at_their_thresholds_are_met() -> None:
    edge = {"speedup": BATCHING_MIN, "warm": WARM_SWEEP_MIN, "resume": WARM_SWEEP_MIN,
            "recall": HNSW_RECALL_MIN, "bf16_ratio": BF16_TRAINING_MIN,
            "bf16_p": NOISE_P, "train_speedup": TRAINING_SPEEDUP_MIN,
            "compare_cold": COMPARE_COLD_MAX_S, "make_run": MAKE_RUN_MAX_S,
            "answerable": MAKE_RUN_ANSWERABLE_MIN}  # fmt: skip
    assert {t.status for t in check_targets(_results(**{**GOOD, **edge}))} == {"met"}


def test_failed_skipped_or_missing_sections_are_not_measured() -> None:
    results = _results(**GOOD)
    results["sections"]["overhead"] = {"error": "RuntimeError: boom"}
    results["sections"]["generation"]["backends"]["llama.cpp"] = {"skipped": "not installed"}
    del results["sections"]["faiss"]
    statuses = {t.name: t.status for t in check_targets(results)}
    assert statuses["harness overhead"] == statuses["HNSW query latency"] == "not measured"
    assert statuses["batched generation (llama.cpp)"] == "not measured"
    assert statuses["batched generation (transformers)"] == "met"
    emulated = _results(**GOOD)
    emulated["sections"]["dtype"]["native_bfloat16"] = False  # no goal where it is emulated
    statuses = {t.name: t.status for t in check_targets(emulated)}
    assert statuses["bfloat16 training"] == "not measured"
    scaled = _results(**GOOD)
    scaled["sections"]["compare"]["scale"] = 0.1  # a scaled sweep says nothing of full size
    assert {t.name: t.status for t in check_targets(scaled)}["full-size compare, cold"] == (
        "not measured"
    )


def test_question_target_is_measured_only_at_the_default_settings() -> None:
    results = _results(**{**GOOD, "per_section": 75.0})
    targets = {t.name: t for t in check_targets(results)}
    missed = targets["question generation (answer_first)"]
    assert missed.status == "missed"
    assert missed.measured == "75.0 s a section (1050 s for 14 sections, 40 model calls)"
    assert f"< {QUESTIONS_SECTION_MAX_S:g} s a section" in missed.goal
    results["sections"]["questions"]["default_settings"] = False  # --quick, generate.* overrides
    statuses = {t.name: t.status for t in check_targets(results)}
    assert statuses["question generation (answer_first)"] == "not measured"
    assert statuses["question generation (template)"] == "not measured"


def test_training_speed_target_is_the_slowest_kind_at_the_same_settings() -> None:
    results = _results(**GOOD)
    grounded = results["sections"]["lora"]["kinds"]["closed-book"]
    results["sections"]["lora"]["kinds"]["grounded"] = {
        "variants": [{**row, "speedup": 2.0 if row["variant"] == SAME_SETTINGS else 9.0}
                     for row in grounded["variants"]]}  # fmt: skip
    target = next(t for t in check_targets(results) if t.name == "LoRA training speed")
    # the defaults' 9x does not count: the goal is at today's settings, on every kind
    assert target.status == "missed" and "grounded 2.00x" in target.measured


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
    rebuilt: list[str] | None = None, warm_miss: bool = False, resume: float = 50.0,
    bf16_ratio: float = 2.5, bf16_p: float = 0.6, train_speedup: float = 3.2,
    compare_cold: float = 540.0, make_run: float = 580.0, answerable: int = 162,
    per_section: float = 30.0,
) -> dict[str, Any]:  # fmt: skip
    """The smallest results JSON `check_targets` reads, with made-up numbers."""

    fig = _fig
    hnsw = {"index": "HNSW32", "p95_ms": fig(p95), "recall_at_10": recall,
            "parameter": {"efSearch": 64}}  # fmt: skip
    return {"sections": {
        "overhead": {"overhead": overhead, "harness_seconds": fig(10 * (1 + overhead)),
                     "plain_seconds": fig(10.0), "dtype": "bfloat16", "questions": 32,
                     "dataset_order_seconds": fig(10.0), "length_sorted_seconds": fig(10.0),
                     "length_sorting_speedup": 1.0},
        "generation": {"backends": {"transformers": {
            "speedup_over_smallest": speedup, "best_batch_size": 16, "smallest_batch_size": 1}}},
        "compare": {"speedup_warm": warm, "speedup_resume": resume, "scale": 1.0,
                    "cold_seconds": fig(compare_cold), "warm_seconds": fig(compare_cold / warm),
                    "resume_seconds": fig(compare_cold / resume),
                    "rebuilt_in_warm": {"models": [], "indexes": [], "adapters": rebuilt or []},
                    "warm_cells": [{"strategy": "prompt", "cache_hit": None},
                                   {"strategy": "rag", "cache_hit": not warm_miss}]},
        "faiss": {"sizes": [
            {"chunks": 1_000, "indexes": [{**hnsw, "p95_ms": fig(99.0)}]},
            {"chunks": 100_000, "indexes": [{"index": "Flat"}, hnsw]},
        ]},
        "dtype": {"native_bfloat16": True, "training": {"variants": [
            {"weights": "float32", "autocast": False, "tokens_per_second": 200.0},
            {"weights": "float32", "autocast": True, "tokens_per_second": 200.0 * bf16_ratio},
            {"weights": "bfloat16", "autocast": True, "tokens_per_second": 150.0}]},
            "answering": {"mcnemar_p": bf16_p, "difference": -0.01,
                          "difference_ci": [-0.04, 0.02], "answerable": 162}},
        "lora": {"kinds": {"closed-book": {"variants": [
            {"variant": name, "speedup": 1.0 if i == 0 else train_speedup + 0.01 * i,
             "tokens_per_second": fig(100.0 * (train_speedup if i else 1.0))}
            for i, (name, _) in enumerate(VARIANTS)]}}},
        "makerun": {"seconds": make_run, "setup_seconds": 100.0, "answerable": answerable},
        "questions": {"default_settings": True, "modes": {
            mode: {"sections": 14, "seconds": 14 * seconds, "seconds_per_section": seconds,
                   "model_calls": 40}
            for mode, seconds in (("template", per_section / 2), ("answer_first", per_section))}},
    }}  # fmt: skip


def _fig(value: float) -> dict[str, Any]:
    return {"median": value, "min": value, "max": value, "runs": [value]}


def _plain(node: Any) -> dict[str, Any]:
    return OmegaConf.to_container(node, resolve=True)  # type: ignore[return-value]


def _status(met: bool) -> str:
    return "met" if met else "missed"


def _timed(value: Any, settings: dict[str, Any]) -> bool:
    """A figure of `repeats` positive, finite measurements, median within min and max."""
    return (
        isinstance(value, dict)
        and set(value) == FIGURE_KEYS
        and len(value["runs"]) == settings["repeats"]
        and all(math.isfinite(v) and v > 0 for v in value["runs"])
        and value["min"] <= value["median"] <= value["max"]
    )


def test_the_gpu_script_stops_in_one_line_without_cuda(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import gpu

    monkeypatch.setattr(gpu, "gpu_name", lambda: None)
    assert gpu.main(["--out", "unused"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: no CUDA device")


def test_the_verdict_a_sweep_printed_is_its_last_recommendation_line() -> None:
    from benchmarks.common import printed_verdict

    log = "x\n[INFO] recommendation: Too close to call\n[INFO] recommendation: Decided by q2\nend"
    assert printed_verdict(log) == "Decided by q2" and printed_verdict("nothing") is None
