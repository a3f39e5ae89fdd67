"""The runner on a tiny random-weight model: files written, resume, and a one-line CLI error."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from omegaconf import OmegaConf

from harness.errors import HarnessError
from harness.run.runner import run
from tests.helpers import compose_config, write_jsonl

ROOT = Path(__file__).resolve().parents[1]


def _run_dir(results: Path) -> Path:
    (folder,) = (results / "runs").iterdir()
    return folder


def test_run_writes_config_predictions_and_metrics(tiny_run_overrides: list[str], tmp_path: Path):
    summary = run(compose_config(tiny_run_overrides))
    folder = _run_dir(tmp_path / "results")
    rows = [json.loads(line) for line in (folder / "predictions.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3", "q4"]
    assert {r["batch"] for r in rows} == {0, 1}  # batch_size 2
    assert all(1 <= r["completion_tokens"] <= 4 for r in rows)  # max_new_tokens 4
    assert all(r["prompt_tokens"] > 5 and r["latency_seconds"] > 0 for r in rows)
    assert yaml.safe_load((folder / "config.yaml").read_text())["model"]["name"] == "tiny"
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics == json.loads(json.dumps(summary, default=str))
    assert metrics["complete"] and metrics["metrics"]["questions"] == 4
    assert metrics["metrics"]["answerable"] == 3
    # rows are raw: verdicts and prices are figured when evaluated, never frozen into the file
    assert not {"correct", "outcome", "cost_usd", "exact_match"} & {k for r in rows for k in r}
    expected_cost = sum(r["latency_seconds"] for r in rows) * 0.10 / 3600  # default price table
    assert metrics["cost"]["query_usd"] == pytest.approx(expected_cost)


def test_killed_run_resumes_with_the_same_predictions(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    run(compose_config(tiny_run_overrides))
    path = _run_dir(tmp_path / "results") / "predictions.jsonl"
    complete = path.read_text().splitlines()
    # What a run killed during its second batch leaves: one flushed batch and a torn line.
    path.write_text("\n".join(complete[:2]) + "\n" + complete[2][:25])
    run(compose_config(tiny_run_overrides))
    resumed = path.read_text().splitlines()
    fields = ("id", "prediction", "completion_tokens")
    assert [{k: json.loads(r)[k] for k in fields} for r in resumed] == [
        {k: json.loads(r)[k] for k in fields} for r in complete
    ]
    assert resumed[:2] == complete[:2]  # the finished batch was kept, not recomputed


def test_finished_run_is_not_recomputed(
    tiny_run_overrides: list[str], tiny_model_dir: Path, tmp_path: Path
) -> None:
    model_copy = shutil.copytree(tiny_model_dir, tmp_path / "model")
    overrides = [*tiny_run_overrides, f"model.pretrained={model_copy}"]
    run(compose_config(overrides))
    path = _run_dir(tmp_path / "results") / "predictions.jsonl"
    before = path.read_text()
    (model_copy / "model.safetensors").unlink()  # loading the model again would now fail
    summary = run(compose_config(overrides))
    assert path.read_text() == before
    assert summary["complete"]
    # A thread count is not part of the run's identity: the same cell, found and not recomputed.
    summary = run(compose_config([*overrides, "run.threads=1"]))
    assert path.read_text() == before and summary["folder"] == str(path.parent)
    # Nor is where caches live (RAGBENCH_CACHE), in the model's or the strategy's settings.
    for strategy in ("prompt", "rag"):
        moved = [*tiny_run_overrides, f"strategy={strategy}"]
        first = run(compose_config(moved))["folder"]
        again = run(compose_config([*moved, f"paths.cache_dir={tmp_path / 'elsewhere'}"]))
        assert again["folder"] == first and again["complete"]


def test_a_sample_is_answered_in_the_run_folder_the_whole_split_then_completes(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    """`make run` answers a sample and `make compare` only the rest: one folder, no answer
    computed twice."""
    sampled = run(compose_config([*tiny_run_overrides, "run.sample=1"]))
    path = Path(sampled["folder"]) / "predictions.jsonl"
    first = path.read_text().splitlines()
    assert sampled["complete"] and sampled["metrics"]["answerable"] == 1
    whole = run(compose_config(tiny_run_overrides))
    assert whole["folder"] == sampled["folder"] and whole["complete"]
    lines = path.read_text().splitlines()
    assert lines[: len(first)] == first and len(lines) == whole["metrics"]["questions"] > len(first)
    assert len({json.loads(line)["id"] for line in lines}) == len(lines)
    with pytest.raises(HarnessError, match=r"run.sample=0: use a positive number"):
        run(compose_config([*tiny_run_overrides, "run.sample=0"]))


def test_a_run_records_the_machine_it_was_measured_on(
    tiny_run_overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    import torch

    from harness.report import write_report
    from harness.run import machine

    run(compose_config([*tiny_run_overrides, "run.limit=2"]))
    folder = _run_dir(tmp_path / "results")
    recorded = json.loads((folder / "setup.json").read_text())["machine"]
    assert recorded["cpu_model"] == machine.cpu_model() != ""
    assert recorded["torch_threads"] == torch.get_num_threads()
    write_report(folder.parent, [folder])
    (label,) = pd.read_csv(folder.parent / "report.csv")["machine"]
    assert label == machine.label(recorded) and recorded["cpu_model"] in label

    # resumed elsewhere: the record stays the first machine's, and the mix is said
    monkeypatch.setattr(machine, "describe", lambda device: {**recorded, "cpu_model": "Other CPU"})
    with caplog.at_level("WARNING"):
        run(compose_config(tiny_run_overrides))
    assert json.loads((folder / "setup.json").read_text())["machine"] == recorded
    assert "resumes on Other CPU" in caplog.text and "mix" in caplog.text


def test_bad_run_settings_are_reported_together(tiny_run_overrides: list[str]) -> None:
    cfg = compose_config([*tiny_run_overrides, "run.limit=0", "run.split=dev"])
    with pytest.raises(HarnessError, match=r"run.split='dev'.*; run.limit=0"):
        run(cfg)


def _cli(*overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness", *overrides],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.slow  # a CLI subprocess each
@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("strategy=promt", "Unknown strategy 'promt'. Did you mean: prompt? Available:"),
        ("model=gpt9", "Unknown model 'gpt9'. Available:"),
        ("dataset=acm", "Unknown dataset 'acm'. Did you mean: acme?"),
    ],
)
def test_cli_unknown_choice_is_one_line(override: str, expected: str) -> None:
    done = _cli(override)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"error: {done.stderr.strip()[7:]}"]
    assert expected in done.stderr


@pytest.mark.slow  # a CLI subprocess
def test_cli_malformed_dataset_is_one_line(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    good = '{"id": "q1", "question": "Why?", "answers": [], "split": "test"}'
    questions.write_text(good + "\n{oops\n")
    done = _cli("dataset=jsonl", f"dataset.questions={questions}", f"paths.results_dir={tmp_path}")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: {questions} line 2: invalid JSON "
        "(Expecting property name enclosed in double quotes)"
    )


def test_edited_dataset_starts_a_new_run(
    tiny_run_overrides: list[str], tiny_dataset: tuple[Path, Path], tmp_path: Path
) -> None:
    run(compose_config(tiny_run_overrides))
    questions, _ = tiny_dataset
    questions.write_text(questions.read_text().replace('"37 gb"', '"38 gb"'))
    run(compose_config(tiny_run_overrides))
    assert len(list((tmp_path / "results" / "runs").iterdir())) == 2


def _ten_train_questions(tmp_path: Path) -> Path:
    rows = [
        {"id": f"t{i}", "question": f"what is code {i} ?", "answers": [f"c{i}"], "split": "train"}
        for i in range(10)
    ]
    rows.append({"id": "x1", "question": "what is code x ?", "answers": ["cx"], "split": "test"})
    return write_jsonl(tmp_path / "ten.jsonl", rows)


def test_the_validation_split_answers_train_questions_preparation_never_saw(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    questions = _ten_train_questions(tmp_path)
    overrides = [*tiny_run_overrides, f"dataset.questions={questions}", "dataset.corpus=null",
                 "strategy.few_shot=7", "run.split=validation",
                 "run.validation_fraction=0.3"]  # fmt: skip
    run(compose_config(overrides))
    folder = _run_dir(tmp_path / "results")
    answered = [json.loads(line)["id"] for line in (folder / "predictions.jsonl").open()]
    shown = json.loads((folder / "setup.json").read_text())["details"]["few_shot_ids"]
    assert len(answered) == 3 and all(a.startswith("t") for a in answered)
    # disjoint, all train: the 7 left once 3 are held out are every example (more is refused)
    assert sorted(answered + shown) == sorted(f"t{i}" for i in range(10))
    # the slice is seeded: another seed holds out other questions, in another run folder
    run(compose_config([*overrides, "run.seed=1"]))
    other = next(f for f in (tmp_path / "results" / "runs").iterdir() if f != folder)
    again = [json.loads(line)["id"] for line in (other / "predictions.jsonl").open()]
    assert len(again) == 3 and again != answered


def test_validation_fraction_keys_only_validation_runs(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    from harness.config import instantiate
    from harness.run.key import run_dir as run_folder

    def folder(*extra: str) -> Path:
        cfg = compose_config([*tiny_run_overrides, "strategy=prompt", *extra])
        plain = OmegaConf.to_container(cfg, resolve=True)
        return run_folder(cfg, plain, instantiate(cfg.dataset))

    assert folder() == folder("run.validation_fraction=0.5")  # a test run ignores it
    assert folder("run.split=validation") != folder(
        "run.split=validation", "run.validation_fraction=0.5"
    )


def test_a_validation_fraction_leaving_nothing_to_train_is_one_line(
    tiny_run_overrides: list[str], tmp_path: Path
) -> None:
    with pytest.raises(HarnessError, match=r"^run\.validation_fraction=0\.01 holds out 0 of 1 "):
        run(compose_config([*tiny_run_overrides, "run.split=validation",
                            "run.validation_fraction=0.01"]))  # fmt: skip
    with pytest.raises(HarnessError, match=r"run\.validation_fraction=1\.5: use 0 < value < 1"):
        run(compose_config([*tiny_run_overrides, "run.validation_fraction=1.5"]))


def test_bfloat16_runs_are_keyed_by_their_thread_count(
    tiny_run_overrides: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # bfloat16 greedy answers change with the thread count (float32 ones did not), so a run
    # answered with one count must not be resumed or skipped by a run with another
    import torch

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)  # else run.threads=null takes it

    before = torch.get_num_threads()
    try:

        def folder(*extra: str) -> Path:
            cfg = compose_config([*tiny_run_overrides, "strategy=prompt", "run.limit=1", *extra])
            return Path(run(cfg)["folder"])

        assert folder("run.threads=1") == folder("run.threads=2")  # float32
        one, two = (folder("model.dtype=bfloat16", f"run.threads={n}") for n in (1, 2))
        assert one != two
        torch.set_num_threads(1)
        unset = folder("model.dtype=bfloat16", "run.threads=null")  # what torch uses is recorded
        assert unset == one
        assert yaml.safe_load((unset / "config.yaml").read_text())["run"]["threads"] == 1
    finally:
        torch.set_num_threads(before)
