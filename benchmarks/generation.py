"""Bench sections on the chat model: the harness's overhead over raw `generate`, and throughput.

Both load the model once and share it; the load is a one-time cost outside every timing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from benchmarks.common import Settings, chat_model, compose, figure, timed
from harness.config import CONF_DIR

LLAMACPP_CONFIG = "smollm2-135m-llamacpp"


def overhead(settings: Settings) -> dict[str, Any]:
    """A `prompt` run through `harness.runner.run` against the same `generate` calls made directly.

    The harness side composes the config and runs it into a fresh run folder: dataset loading,
    prompt building, token counting, generation, scoring, writing predictions and metrics. The
    raw side renders the same chat template, tokenizes, calls `model.generate` on the same
    batches and decodes. Both use the one loaded model (the harness gets it as `run`'s `model`);
    repeats alternate which side goes first.
    """
    from harness import runner

    size, count = settings.overhead_batch_size, settings.overhead_questions
    chat = chat_model(settings.overrides)
    cfg = compose(settings, "strategy=prompt")
    questions = runner.instantiate(cfg.dataset).split("test")[:count]
    system = cfg.strategy.system_prompt.strip()
    batches = [[q.question for q in questions[i : i + size]] for i in range(0, count, size)]
    overrides = ("strategy=prompt", f"run.limit={count}", f"model.batch_size={size}")

    def harness_run(folder: Path) -> Any:
        with _quiet():
            cell = compose(settings, *overrides, f"paths.runs_dir={folder}")
            return runner.run(cell, model=chat)

    chat.batch_size = size
    raw_generate(chat, system, batches[:1])  # warm-up: first-call allocations, on both's behalf
    harness_seconds, raw_seconds = [], []
    with tempfile.TemporaryDirectory(prefix="ragbench-bench-") as tmp:
        for repeat in tqdm(range(settings.repeats), desc="overhead", unit="repeat"):
            sides = ["raw", "harness"] if repeat % 2 == 0 else ["harness", "raw"]
            for side in sides:
                if side == "raw":
                    seconds, raw = timed(lambda: raw_generate(chat, system, batches))
                    raw_seconds.append(seconds)
                else:
                    folder = Path(tmp) / f"runs-{repeat}"
                    seconds, summary = timed(lambda folder=folder: harness_run(folder))
                    harness_seconds.append(seconds)
        predictions = _predictions(Path(summary["folder"]))
    harness_figure, raw_figure = figure(harness_seconds), figure(raw_seconds)
    return {
        "questions": count,
        "batch_size": size,
        "model": cfg.model.name,
        "harness_seconds": harness_figure,
        "raw_seconds": raw_figure,
        "overhead": harness_figure["median"] / raw_figure["median"] - 1,
        "overhead_per_repeat": figure(
            [h / r - 1 for h, r in zip(harness_seconds, raw_seconds, strict=True)]
        ),
        "identical_predictions": sum(p == r for p, r in zip(predictions, raw, strict=True)),
        "completion_tokens": summary["metrics"].get("completion_tokens_mean"),
    }


def raw_generate(chat: Any, system: str, batches: list[list[str]]) -> list[str]:
    """The baseline: chat template, tokenizer, `model.generate` and decode, nothing else."""
    import torch

    tokenizer, model = chat.tokenizer, chat.model
    texts = []
    for batch in batches:
        prompts = [
            tokenizer.apply_chat_template(
                [{"role": "system", "content": system}, {"role": "user", "content": question}],
                tokenize=False,
                add_generation_prompt=True,
            )
            for question in batch
        ]
        inputs = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                max_new_tokens=chat.max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
        new = output[:, inputs["input_ids"].shape[1] :]
        texts += [t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True)]
    return texts


def generation(settings: Settings) -> dict[str, Any]:
    """Completion tokens/s and questions/s at each batch size, per installed backend."""
    from harness.prompts import conversation
    from harness.runner import instantiate

    cfg = compose(settings, "strategy=prompt")
    questions = instantiate(cfg.dataset).split("test")[: settings.generation_questions]
    conversations = [
        conversation(cfg.strategy.system_prompt, cfg.strategy.user_template, q.question)
        for q in questions
    ]
    backends: dict[str, Any] = {}
    loaders = {"transformers": _transformers, "llama.cpp": _llamacpp}
    for backend in settings.backends:
        model, skipped = loaders[backend](settings)
        if model is None:
            backends[backend] = {"skipped": skipped}
            print(f"generation: {backend} skipped: {skipped}")
            continue
        backends[backend] = {
            "threads": _threads(model),
            **throughput(model, conversations, settings, backend),
        }
    return {"questions": len(conversations), "backends": backends}


def throughput(
    model: Any, conversations: list[Any], settings: Settings, label: str
) -> dict[str, Any]:
    """Answer all conversations at each batch size, repeats interleaved to cancel drift."""
    original = model.batch_size
    seconds: dict[int, list[float]] = {size: [] for size in settings.batch_sizes}
    tokens: dict[int, list[int]] = {size: [] for size in settings.batch_sizes}
    try:
        model.batch_size = 1
        model.generate(conversations[:1])  # warm-up
        steps = [(r, size) for r in range(settings.repeats) for size in settings.batch_sizes]
        for _, size in tqdm(steps, desc=f"generation ({label})", unit="pass"):
            model.batch_size = size
            elapsed, generations = timed(lambda: model.generate(conversations))
            seconds[size].append(elapsed)
            tokens[size].append(sum(g.completion_tokens for g in generations))
    finally:
        model.batch_size = original
    count = len(conversations)
    rows = {
        size: {
            "seconds": figure(seconds[size]),
            "questions_per_second": figure([count / s for s in seconds[size]]),
            "completion_tokens_per_second": figure(
                [t / s for t, s in zip(tokens[size], seconds[size], strict=True)]
            ),
            "completion_tokens": figure(tokens[size]),
        }
        for size in settings.batch_sizes
    }
    rate = {size: row["questions_per_second"]["median"] for size, row in rows.items()}
    best = max(rate, key=rate.__getitem__)
    smallest = min(rate)
    return {
        "batch_sizes": {str(size): row for size, row in rows.items()},
        "best_batch_size": best,
        "speedup_over_smallest": rate[best] / rate[smallest],
        "smallest_batch_size": smallest,
    }


def _transformers(settings: Settings) -> tuple[Any, str | None]:
    return chat_model(settings.overrides), None


def _llamacpp(settings: Settings) -> tuple[Any, str | None]:
    """The llama.cpp backend's model, or None and why it is skipped."""
    from harness.runner import instantiate

    if importlib.util.find_spec("llama_cpp") is None:
        return None, "llama_cpp is not installed (pip install llama-cpp-python)"
    if not (CONF_DIR / "model" / f"{LLAMACPP_CONFIG}.yaml").is_file():
        return None, f"conf/model/{LLAMACPP_CONFIG}.yaml does not exist yet"
    user = tuple(o for o in settings.overrides if not o.startswith("model"))
    return instantiate(compose(Settings(overrides=user), f"model={LLAMACPP_CONFIG}").model), None


def _threads(model: Any) -> int | None:
    """The threads a backend computes with: torch's, or llama.cpp's own setting."""
    llama = getattr(model, "llama", None)
    if llama is not None:
        return getattr(llama, "n_threads", None)
    import torch

    return torch.get_num_threads()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep a run's summary and progress bar out of the bench's output (they are still made)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def _predictions(folder: Path) -> list[str]:
    from harness import results

    return [row["prediction"] for row in results.read_predictions(folder / results.PREDICTIONS)]
