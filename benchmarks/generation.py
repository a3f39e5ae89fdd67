"""Bench sections on the chat model: the harness's overhead over plain `generate`, and throughput.

Both load the model once and share it; the load is a one-time cost outside every timing.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tqdm import tqdm

from benchmarks.common import Settings, chat_model, compose, figure, timed
from harness.config import CONF_DIR

LLAMACPP_CONFIG = "smollm2-135m-llamacpp"
Plan = Callable[[list[int]], list[list[int]]]  # prompts' token counts -> generate calls' indices


def overhead(settings: Settings) -> dict[str, Any]:
    """A `prompt` run through `harness.run.runner.run` against the same work done plainly.

    The harness side composes the config and runs it into a fresh run folder: dataset loading,
    prompt building, token counting, generation, scoring, writing predictions and metrics. The
    plain side (`plain_run`) renders the same chat template, tokenizes, makes the same generate
    calls (`harness_batches`), calls `model.generate` and decodes. Like for like: both use the
    one loaded model, cast to the harness's answering dtype before anything runs; every side
    runs once untimed first (its first-call costs); repeats alternate which side goes first.
    Apart from the overhead, the same plain work in dataset-order batches against batches sorted
    by prompt tokens over all the questions gives what length sorting gains.
    """
    from harness.run import runner

    size, count = settings.overhead_batch_size, settings.overhead_questions
    chat = chat_model(settings.overrides)
    overrides = ("strategy=prompt", f"run.limit={count}", f"model.batch_size={size}")
    cfg = compose(settings, *overrides)
    questions = [q.question for q in runner.instantiate(cfg.dataset).split("test")[:count]]
    system, flush = cfg.strategy.system_prompt.strip(), cfg.run.batch_size
    plans: dict[str, Plan] = {
        "plain": functools.partial(harness_batches, flush=flush, size=size),
        "dataset_order": lambda lengths: in_order(len(lengths), size),
        "length_sorted": functools.partial(harness_batches, flush=len(questions), size=size),
    }

    chat.batch_size = size
    dtype = answer_in_own_dtype(chat)
    seconds: dict[str, list[float]] = {side: [] for side in ("harness", *plans)}
    with tempfile.TemporaryDirectory(prefix="ragbench-bench-") as tmp:

        def answer(side: str, folder: str) -> Any:
            """One pass of a side: the harness's run summary, or the plain answers."""
            if side != "harness":
                return plain_run(chat, system, questions, plans[side])
            with _quiet():
                cell = compose(settings, *overrides, f"paths.runs_dir={Path(tmp) / folder}")
                return runner.run(cell, model=chat)

        done = {side: answer(side, "warm-up") for side in seconds}  # untimed: first-call costs
        for repeat in tqdm(range(settings.repeats), desc="overhead", unit="repeat"):
            for pair in (("plain", "harness"), ("dataset_order", "length_sorted")):
                for side in pair if repeat % 2 == 0 else pair[::-1]:
                    spent, done[side] = timed(functools.partial(answer, side, f"runs-{repeat}"))
                    seconds[side].append(spent)
        summary = done["harness"]
        predictions = _predictions(Path(summary["folder"]))
    figures = {side: figure(runs) for side, runs in seconds.items()}
    per_repeat = [h / p - 1 for h, p in zip(seconds["harness"], seconds["plain"], strict=True)]
    return {
        "questions": count,
        "batch_size": size,
        "run_batch_size": flush,
        "model": cfg.model.name,
        "dtype": dtype,
        "harness_seconds": figures["harness"],
        "plain_seconds": figures["plain"],
        "overhead": figures["harness"]["median"] / figures["plain"]["median"] - 1,
        "overhead_per_repeat": figure(per_repeat),
        "overhead_by_order": {
            order: figure(per_repeat[first::2])
            for first, order in enumerate(("plain_first", "harness_first"))
            if per_repeat[first::2]
        },
        "identical_predictions": sum(
            p == a for p, a in zip(predictions, done["plain"], strict=True)
        ),
        "completion_tokens": summary["metrics"].get("completion_tokens_mean"),
        "dataset_order_seconds": figures["dataset_order"],
        "length_sorted_seconds": figures["length_sorted"],
        "length_sorting_speedup": figures["dataset_order"]["median"]
        / figures["length_sorted"]["median"],
    }


def answer_in_own_dtype(chat: Any) -> str:
    """Cast the model to the dtype the harness answers in (it would on its first answer)."""
    import torch

    chat.model.to(getattr(torch, chat.dtype))
    return str(chat.dtype)


def in_order(count: int, size: int) -> list[list[int]]:
    """Indices 0..count-1 in dataset order, cut into batches of `size`."""
    return [list(range(start, min(start + size, count))) for start in range(0, count, size)]


def harness_batches(lengths: list[int], flush: int, size: int) -> list[list[int]]:
    """The generate calls a run makes of prompts this many tokens long.

    The runner hands the strategy `flush` (`run.batch_size`) questions at a time in dataset
    order; `TransformersChatModel.generate` sorts each hand-over by prompt tokens (stably) and
    cuts it into calls of `size` (`model.batch_size`).
    """
    calls = []
    for handed in in_order(len(lengths), flush):
        ranked = sorted(handed, key=lengths.__getitem__)
        calls += [ranked[start : start + size] for start in range(0, len(ranked), size)]
    return calls


def plain_run(chat: Any, system: str, questions: list[str], plan: Plan) -> list[str]:
    """Render, count tokens, batch as `plan` says, generate and decode; answers in input order."""
    tokenizer = chat.tokenizer
    prompts = [
        tokenizer.apply_chat_template(
            [{"role": "system", "content": system}, {"role": "user", "content": question}],
            tokenize=False,
            add_generation_prompt=True,
        )
        for question in questions
    ]
    lengths = [len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in prompts]
    answers: dict[int, str] = {}
    for call in plan(lengths):
        texts = plain_generate(chat, [prompts[i] for i in call])
        answers.update(zip(call, texts, strict=True))
    return [answers[i] for i in range(len(prompts))]


def plain_generate(chat: Any, prompts: list[str]) -> list[str]:
    """One batched call: tokenizer, greedy `model.generate` and decode, nothing else."""
    import torch

    tokenizer, model = chat.tokenizer, chat.model
    inputs = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    with torch.inference_mode():
        output = model.generate(
            **inputs,
            max_new_tokens=chat.max_new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
        )
    new = output[:, inputs["input_ids"].shape[1] :]
    return [t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True)]


def generation(settings: Settings) -> dict[str, Any]:
    """Completion tokens/s and questions/s at each batch size, per installed backend."""
    from harness.config import instantiate
    from harness.prompts.templates import conversation

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
    from harness.config import instantiate

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
    from harness.run import results

    return [row["prediction"] for row in results.read_predictions(folder / results.PREDICTIONS)]
