"""Reliability: a SIGKILLed cell resumes, runs repeat exactly, shared caches are built once."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.caches import entry_lock
from harness.models.transformers import packaged_model_folder
from harness.run.runner import run
from harness.training import adapters, trainer
from strategies import rag
from strategies.prompt import PromptStrategy
from tests.fakes import FakeEmbedder, examples
from tests.helpers import compose_config, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [  # words of the tiny tokenizer's vocabulary
    "what is the pro plan upload limit ?",
    "how many days retention ?",
    "what is the capital of france ?",
    "who is the acme ceo ?",
    "what is the upload limit ?",
    "how many days ?",
    "what is the acme pro plan ?",
    "who is the ceo of acme ?",
]


@pytest.fixture(scope="session")
def varied_model_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with its matrices scaled up, so different questions get different answers."""
    import torch
    from transformers import AutoTokenizer, LlamaForCausalLM

    model = LlamaForCausalLM.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.dim() == 2:
                parameter.mul_(10)
    folder = tmp_path_factory.mktemp("varied-model")
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(folder)
    return folder


@pytest.fixture
def overrides(varied_model_dir: Path, tmp_path: Path) -> list[str]:
    """Eight test questions (two unanswerable) and three train ones, answered one per batch."""
    rows = [
        {"id": f"q{i}", "question": q, "answers": [] if "ceo" in q else ["37 gb"], "split": "test"}
        for i, q in enumerate(QUESTIONS)
    ]
    rows += [{**row, "id": f"t{i}", "split": "train"} for i, row in enumerate(rows[:3])]
    questions = write_jsonl(tmp_path / "questions.jsonl", rows)
    corpus = write_jsonl(
        tmp_path / "corpus.jsonl",
        [{"id": "d1", "title": "Limits", "text": "The pro plan upload limit is 37 gb ."},
         {"id": "d2", "title": "Retention", "text": "Retention is 14 days ."}],
    )  # fmt: skip
    return [
        "model=hf", f"model.pretrained={varied_model_dir}", "model.name=tiny",
        "model.max_new_tokens=4", "model.batch_size=1", "run.threads=1", "dataset=jsonl",
        f"dataset.questions={questions}", f"dataset.corpus={corpus}",
        f"paths.cache_dir={tmp_path / 'cache'}",
    ]  # fmt: skip


def rows_of(runs_dir: Path) -> list[dict[str, Any]]:
    """The whole rows of the one run folder under `runs_dir` (a torn last line is left out)."""
    (path,) = runs_dir.glob("*/predictions.jsonl")
    return [
        json.loads(line) for line in path.read_text().splitlines(keepends=True) if line[-1:] == "\n"
    ]


# A cell as `python -m harness` runs it, except that from its third batch on the model is slow: the
# test kills it after two flushed batches, while the third is answered but not yet written.
SLOW_CELL = """
import runpy, time
from harness.run import results

append, flushed = results.append_predictions, []
def slowly(path, rows):
    if len(flushed) >= 2:
        time.sleep(120)
    append(path, rows)
    flushed.append(rows)
results.append_predictions = slowly
runpy.run_module("harness", run_name="__main__", alter_sys=True)
"""


@pytest.mark.slow  # a cell in a subprocess
def test_sigkilled_cell_resumes_and_computes_nothing_twice(
    overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = run(compose_config([*overrides, f"paths.results_dir={tmp_path / 'whole'}"]))
    expected = rows_of(tmp_path / "whole" / "runs")

    cell = [*overrides, f"paths.results_dir={tmp_path / 'killed'}"]
    with (tmp_path / "stderr.txt").open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", SLOW_CELL, *cell], cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=stderr,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while (
                not list((tmp_path / "killed").glob("runs/*/predictions.jsonl"))
                or len(rows_of(tmp_path / "killed" / "runs")) < 2
            ):
                assert process.poll() is None, (tmp_path / "stderr.txt").read_text()[-2000:]
                assert time.monotonic() < deadline, "the cell wrote no predictions in time"
                time.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            assert process.wait(timeout=30) == -signal.SIGKILL
        finally:
            if process.poll() is None:  # the test failed before its kill
                process.kill()
                process.wait(timeout=30)
    (folder,) = (tmp_path / "killed" / "runs").iterdir()
    assert folder.name == Path(reference["folder"]).name  # the same config hash in another process
    kept = rows_of(tmp_path / "killed" / "runs")
    assert len(kept) == 2
    setup = (folder / "setup.json").read_text()

    asked: list[str] = []
    answer = PromptStrategy.answer

    def counted(self: PromptStrategy, batch: list[Any]) -> list[Any]:
        asked.extend(q.id for q in batch)
        return answer(self, batch)

    monkeypatch.setattr(PromptStrategy, "answer", counted)
    summary = run(compose_config(cell))

    final = rows_of(tmp_path / "killed" / "runs")
    fields = ("id", "prediction", "prompt_tokens", "completion_tokens")
    assert [{k: r[k] for k in fields} for r in final] == [
        {k: r[k] for k in fields} for r in expected
    ]
    assert final[: len(kept)] == kept  # the flushed rows were kept as they were
    assert asked == [r["id"] for r in expected[len(kept) :]]  # only the missing ones were answered
    assert [r["batch"] for r in final] == list(range(len(QUESTIONS)))  # one question per batch
    quality = [
        {k: v for k, v in figures.items() if "second" not in k}
        for figures in (summary["metrics"], reference["metrics"])
    ]
    assert summary["complete"] and quality[0] == quality[1]
    assert (folder / "setup.json").read_text() == setup  # the first preparation's cost stays


@pytest.mark.parametrize(
    "strategy",
    [
        ["strategy=prompt", "strategy.few_shot=1"],
        ["strategy=rag", "strategy.chunk_size=4", "strategy.chunk_overlap=1"],
        [
            "strategy=finetune",
            "strategy.forgetting_questions=null",
            "strategy.training.epochs=2",
            "strategy.training.batch_size=2",
            "strategy.training.validation_fraction=0",
            "strategy.training.bf16=false",
        ],
    ],
    ids=["prompt", "rag", "finetune"],
)
def test_same_config_and_seed_give_the_same_predictions(
    overrides: list[str], strategy: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rag, "load_embedder", lambda *args, **kwargs: FakeEmbedder())
    predictions = []
    for attempt in ("first", "second"):  # fresh results and caches: indexes and adapters rebuilt
        cell = [*overrides, *strategy, f"paths.results_dir={tmp_path / attempt}",
                f"paths.cache_dir={tmp_path / attempt / 'cache'}", "run.seed=7"]  # fmt: skip
        summary = run(compose_config(cell))
        assert not summary["setup"].get("cache_hit")
        rows = rows_of(tmp_path / attempt / "runs")
        predictions.append([(r["id"], r["prediction"], r["completion_tokens"]) for r in rows])
    assert len(predictions[0]) == len(QUESTIONS)
    assert len({p for _, p, _ in predictions[0]}) > 1  # the answers differ, so order matters
    assert predictions[0] == predictions[1]


# Two processes that need the same index at the same moment: each waits for the other to be ready,
# then asks for it; the embedder is slow, so without a lock both would build it.
BUILD_INDEX = """
import json, sys, time
from pathlib import Path
from harness.retrieval.dense import load_or_build
from tests.fakes import CORPUS, FakeEmbedder

class SlowEmbedder(FakeEmbedder):
    def encode(self, texts, batch_size):
        time.sleep(1.0 if len(texts) > 1 else 0)  # embedding the corpus, not a query
        return super().encode(texts, batch_size)

cache, me, other = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
(cache / me).touch()
while not (cache / other).exists():
    time.sleep(0.01)
embedder = SlowEmbedder()
built = load_or_build(CORPUS, embedder, "Flat", None, 0, str(cache))
encodes = len(embedder.calls)
hits = built.search(["how many devices can a pebble account link"], top_k=1)
print(json.dumps({"cache_hit": built.cache_hit, "encodes": encodes,
                  "vectors": built.index.ntotal, "chunks": len(built.chunks),
                  "top": hits[0][0].chunk.doc_id, "built_in": built.meta["build_seconds"]}))
"""


@pytest.mark.slow  # two subprocesses
def test_two_processes_needing_one_index_build_it_once(tmp_path: Path) -> None:
    children = [
        subprocess.Popen(
            [sys.executable, "-c", BUILD_INDEX, str(tmp_path), me, other],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for me, other in (("a", "b"), ("b", "a"))
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    assert sorted(r["cache_hit"] for r in reports) == [False, True]  # one build, one load
    assert sum(r["encodes"] for r in reports) == 1
    assert all(r["vectors"] == r["chunks"] == 4 and r["top"] == "d4" for r in reports)
    assert reports[0]["built_in"] == reports[1]["built_in"]  # both hold the one entry
    entries = [p.name for p in (tmp_path / "indexes").iterdir() if p.suffix != ".lock"]
    assert len(entries) == 1  # no staging folder left behind


def race(build: Any, arrive: Any) -> list[Any]:
    """Run `build` in two threads; the second starts while the first is inside its slow part."""
    results: list[Any] = [None, None]
    errors: list[BaseException] = []

    def call(slot: int) -> None:
        try:
            results[slot] = build(slot)
        except BaseException as error:  # surfaced to the test below
            errors.append(error)

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert arrive.wait(timeout=60), "the first builder never reached its slow part"
    second = threading.Thread(target=call, args=(1,))
    second.start()
    first.join(timeout=120)
    second.join(timeout=120)
    assert not errors, errors
    return results


def test_two_runs_needing_one_adapter_train_it_once(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.models.transformers import load_transformers

    arrived, trained = threading.Event(), []
    real_train = trainer.train

    def slow_train(*args: Any, **kwargs: Any) -> dict[str, Any]:
        trained.append(1)
        arrived.set()
        time.sleep(0.5)  # the second run asks for the adapter meanwhile
        return real_train(*args, **kwargs)

    monkeypatch.setattr(trainer, "train", slow_train)
    settings = trainer.TrainingSettings(target_modules=["q_proj"], max_steps=2, batch_size=3,
                                         validation_fraction=0)  # fmt: skip
    models = [
        load_transformers("tiny", pretrained=str(tiny_model_dir), dtype="float32") for _ in range(2)
    ]
    both = race(
        lambda slot: adapters.load_or_train(
            models[slot].model, models[slot].tokenizer, examples(), settings, str(tmp_path)
        ),
        arrived,
    )
    assert len(trained) == 1
    assert [a.cache_hit for a in both] == [False, True]
    assert both[1].meta["key"] == both[0].meta["key"]
    assert both[1].meta["train_seconds"] == both[0].meta["train_seconds"]


@dataclass
class Conversions:
    """How often the stand-in GGUF was converted; each conversion takes `delay` seconds."""

    count: int = 0
    delay: float = 0.0
    started: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def fake_gguf(tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Conversions:
    """A "packaged GGUF" whose conversion loads the tiny model (transformers reads no GGUF here)."""
    import transformers

    from harness.models import transformers as models

    gguf = tmp_path / "package" / "tiny.gguf"
    gguf.parent.mkdir()
    gguf.write_bytes(b"GGUF stand-in")
    monkeypatch.setattr(models, "packaged_file", lambda package, filename: gguf)
    conversions = Conversions()
    real_model = transformers.AutoModelForCausalLM

    class FromGguf:
        def __init__(self, real: Any) -> None:
            self.real = real

        def from_pretrained(self, source: Any, gguf_file: str | None = None, **kwargs: Any) -> Any:
            if gguf_file is None:
                return self.real.from_pretrained(source, **kwargs)
            if self.real is real_model:
                conversions.count += 1
                conversions.started.set()
                time.sleep(conversions.delay)
            return self.real.from_pretrained(tiny_model_dir, **kwargs)

    monkeypatch.setattr(transformers, "AutoModelForCausalLM", FromGguf(real_model))
    monkeypatch.setattr(transformers, "AutoTokenizer", FromGguf(transformers.AutoTokenizer))
    return conversions


def test_two_runs_needing_one_converted_model_convert_it_once(
    fake_gguf: Conversions, tmp_path: Path
) -> None:
    fake_gguf.delay = 0.5  # the second run asks for the model meanwhile
    folders = race(
        lambda slot: packaged_model_folder("tiny_pkg", None, tmp_path / "cache"),
        fake_gguf.started,
    )
    assert folders[0] == folders[1]
    assert fake_gguf.count == 1


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        ("truncate weights", "model.safetensors changed since the entry was written"),
        ("drop tokenizer config", "tokenizer_config.json is missing"),
        ("garble config", "config.json changed since the entry was written"),
        ("edit tokenizer", "tokenizer.json changed since the entry was written"),
    ],
)
def test_a_damaged_converted_model_is_converted_again(
    fake_gguf: Conversions,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: str,
    problem: str,
) -> None:
    from harness.models.transformers import load_transformers

    folder = Path(packaged_model_folder("tiny_pkg", None, tmp_path / "cache"))
    assert packaged_model_folder("tiny_pkg", None, tmp_path / "cache") == str(folder)
    assert fake_gguf.count == 1  # the second call found the converted folder
    if damage == "truncate weights":
        weights = folder / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    elif damage == "drop tokenizer config":
        (folder / "tokenizer_config.json").unlink()
    elif damage == "edit tokenizer":  # still valid JSON: only the digest tells
        tokenizer = json.loads((folder / "tokenizer.json").read_text())
        tokenizer["added_tokens"] = []
        (folder / "tokenizer.json").write_text(json.dumps(tokenizer))
    else:
        (folder / "config.json").write_text('{"model_type": ')
    with caplog.at_level(logging.WARNING, logger="harness.models.transformers"):
        model = load_transformers(
            "tiny", package="tiny_pkg", cache_dir=str(tmp_path / "cache"), dtype="float32"
        )
    assert fake_gguf.count == 2
    assert f"converted model {folder} is unusable ({problem}" in caplog.text
    assert model.generate([[{"role": "user", "content": "what is the upload limit ?"}]])[0].text


# Holds an entry's lock, says so, and waits to be killed.
HOLD_LOCK = """
import sys, time
from pathlib import Path
from harness.caches import entry_lock

with entry_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(120)
"""


@pytest.mark.slow  # a subprocess
def test_the_lock_of_a_killed_builder_is_released(tmp_path: Path) -> None:
    entry = tmp_path / "indexes" / "entry"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(entry)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    taken = threading.Event()

    def take() -> None:
        with entry_lock(entry):
            taken.set()

    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        threading.Thread(target=take, daemon=True).start()
        assert not taken.wait(timeout=0.3)  # held by the live process
    finally:
        holder.kill()
        holder.wait(timeout=30)
    assert taken.wait(timeout=30)  # the OS dropped the dead process's lock


def test_two_processes_running_one_cell_answer_each_question_once(
    overrides: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.run import results

    asked: list[str] = []
    answer, append = PromptStrategy.answer, results.append_predictions

    def counted(self: PromptStrategy, batch: list[Any]) -> list[Any]:
        asked.extend(q.id for q in batch)
        return answer(self, batch)

    def slowly(path: Path, rows: list[dict[str, Any]]) -> None:
        time.sleep(0.1)
        append(path, rows)

    monkeypatch.setattr(PromptStrategy, "answer", counted)
    monkeypatch.setattr(results, "append_predictions", slowly)
    # the same cell twice, as a sweep whose cells differ only in prices would run it
    configs = [
        compose_config([*overrides, f"paths.results_dir={tmp_path}", f"pricing.price_date={day}"])
        for day in ("2026-01-01", "2026-01-02")
    ]

    def first_row_written() -> bool:
        return any(p.stat().st_size for p in tmp_path.glob("runs/*/predictions.jsonl"))

    class FirstRow:
        def wait(self, timeout: float) -> bool:
            deadline = time.monotonic() + timeout
            while not first_row_written() and time.monotonic() < deadline:
                time.sleep(0.01)
            return first_row_written()

    summaries = race(lambda slot: run(configs[slot]), FirstRow())
    assert sorted(asked) == sorted(f"q{i}" for i in range(len(QUESTIONS)))  # each once
    ids = [r["id"] for r in rows_of(tmp_path / "runs")]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == len(QUESTIONS)
    assert all(s["complete"] for s in summaries)
    assert summaries[0]["folder"] == summaries[1]["folder"]


def test_forced_rerun_starts_over_under_its_lock(overrides: list[str], tmp_path: Path) -> None:
    cell = [*overrides, f"paths.results_dir={tmp_path}"]
    first = run(compose_config(cell))
    folder = Path(first["folder"])
    (folder / "stale.txt").write_text("from an earlier run")
    second = run(compose_config([*cell, "run.force=true"]))
    assert second["folder"] == first["folder"] and second["complete"]
    assert sorted(p.name for p in folder.iterdir()) == [
        ".lock",
        "config.yaml",
        "metrics.json",
        "predictions.jsonl",
        "setup.json",
    ]
    assert [r["batch"] for r in rows_of(tmp_path / "runs")] == list(range(len(QUESTIONS)))


def test_prediction_rows_keep_unicode_line_separators_and_damage_is_dropped_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from harness.run.results import append_predictions, read_predictions

    path = tmp_path / "predictions.jsonl"
    rows = [{"id": f"q{i}", "prediction": f"answer\u2028{i}\x85end"} for i in range(3)]
    append_predictions(path, rows)
    assert read_predictions(path) == rows  # str.splitlines would cut each of these rows in two
    lines = path.read_bytes().splitlines(keepends=True)
    torn = lines[2][:20]
    path.write_bytes(b"".join([lines[0], b"\xff{oops\n", lines[1], lines[0], torn]))
    with caplog.at_level(logging.WARNING, logger="harness.run.results"):
        assert read_predictions(path, repair=False) == rows[:2]
    assert path.read_bytes().endswith(torn)  # a reader that does not own the run changes nothing
    assert "dropped 3 unreadable or repeated rows (lines 2, 4, 5)" in caplog.text
    assert read_predictions(path) == rows[:2]
    assert path.read_bytes() == lines[0] + lines[1]  # repaired before anything is appended
    caplog.clear()
    path.write_bytes(lines[0] + torn)  # what a kill leaves: dropped without a warning
    with caplog.at_level(logging.WARNING, logger="harness.run.results"):
        assert read_predictions(path) == rows[:1]
    assert caplog.text == ""


@pytest.mark.slow  # a cell in a subprocess
def test_ctrl_c_is_one_line_and_the_run_resumes(overrides: list[str], tmp_path: Path) -> None:
    cell = [*overrides, f"paths.results_dir={tmp_path / 'interrupted'}"]
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_CELL, *cell], cwd=ROOT, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        runs = tmp_path / "interrupted" / "runs"
        while not list(runs.glob("*/predictions.jsonl")) or len(rows_of(runs)) < 2:
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == 130, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = [line for line in stderr.splitlines() if line.startswith("interrupted:")]
    assert lines == ["interrupted: every batch answered so far is kept; run the same command to "
                     "resume"]  # fmt: skip
    assert len(rows_of(runs)) == 2  # kept for the resume
