"""Bench section `lora`: LoRA training throughput against today's trainer, FLOP/s against peak.

Every variant trains the same `lora_steps` optimizer steps on the same examples, each repeat in a
fresh child process (so its peak resident memory is the model's and the training's alone). The
variants add the trainer's changes one at a time, starting from the trainer as it was before them
(`TODAY`: SDPA attention, every row runs the whole prompt, frozen weights cast at every pass,
LoRA dropout 0.05); then today's defaults, alone and at batch 16 and 32 (tokens per second at
the same steps: what a larger batch with fewer steps would save). Two kinds of examples: the
finetune strategy's closed-book prompts and finetune_rag's grounded ones (retrieved chunks in
the prompt).

FLOP/s: the arithmetic of one training step, counted by `torch.utils.flop_counter.FlopCounterMode`
(matmuls and attention, forward and backward) on the run's first batch and scaled to the run by
the token positions the model computed, over the measured seconds. The peak it is set against is
measured, not quoted: the best of three 4096 x 4096 x 4096 `torch.matmul`s in the dtype the
matmuls ran in, on the same cores (`peak_flops`).
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from tqdm import tqdm

from benchmarks.common import Settings, figure

TODAY = {"attention": "model", "share_prefix": False, "precast": False, "dropout": 0.05}
VARIANTS: tuple[tuple[str, dict[str, Any]], ...] = (  # cumulative changes to TODAY's knobs
    ("today's trainer", TODAY),
    ("+ eager attention", {**TODAY, "attention": "auto"}),
    ("+ weights cast once", {**TODAY, "attention": "auto", "precast": True}),
    (
        "+ shared prefix (today's settings)",
        {**TODAY, "attention": "auto", "precast": True, "share_prefix": True},
    ),
    ("+ dropout 0 (the defaults)", {}),
    # the defaults with larger batches: do matrix units given more rows per step earn more tokens/s?
    ("the defaults at batch 16", {"batch_size": 16}),
    ("the defaults at batch 32", {"batch_size": 32}),
)
SAME_SETTINGS = "+ shared prefix (today's settings)"  # all the changes, knobs as they were
DEFAULTS = "+ dropout 0 (the defaults)"
SMOKE_MATMUL = 256
EXAMPLES = {"closed-book": "strategy=finetune", "grounded": "strategy=finetune_rag"}


def lora(settings: Settings) -> dict[str, Any]:
    """Tokens/s, FLOP/s and peak RSS of each variant on both kinds of examples."""
    kinds: dict[str, Any] = {}
    examples = ["closed-book"] if settings.quick else list(EXAMPLES)  # a smoke test: one kind
    # a smoke test leaves out the larger batches: the trainer's changes already cover its paths
    names = [name for name, knobs in VARIANTS if not (settings.quick and "batch_size" in knobs)]
    jobs = [(kind, name) for kind in examples for name in names]
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {job: [] for job in jobs}
    for repeat in tqdm(range(settings.repeats), desc="lora", unit="round"):
        # each round runs every variant once, so a slow spell of the host hits all of them
        for kind, name in jobs if repeat % 2 == 0 else jobs[::-1]:
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                runs[kind, name].append(pool.submit(train_once, settings, kind, name).result())
    for kind in examples:
        rows = [_variant_row(name, runs[kind, name]) for name in names]
        today = rows[0]["tokens_per_second"]["median"]
        for row in rows:
            row["speedup"] = row["tokens_per_second"]["median"] / today
        kinds[kind] = {"variants": rows, "settings": runs[kind, DEFAULTS][0]["settings"]}
    # a smoke test's peak is a small matmul: 4096-cubed bfloat16 takes minutes where it is emulated
    size = SMOKE_MATMUL if settings.quick else 4096
    peak = {dtype: peak_flops(dtype, size) for dtype in ("float32", "bfloat16")}
    for kind in kinds.values():
        for row in kind["variants"]:
            row["share_of_peak"] = row["flops_per_second"]["median"] / peak[row["matmul_dtype"]]
    return {
        "steps": settings.lora_steps,
        "kinds": kinds,
        "peak_flops_per_second": peak,
        "peak_measured_by": "best of 3 torch.matmul 4096x4096x4096 in that dtype, same cores",
        "flops_counted_by": "torch.utils.flop_counter.FlopCounterMode on the first batch, "
        "scaled by computed token positions",
    }


def train_once(settings: Settings, kind: str, variant: str) -> dict[str, Any]:
    """In a child process: load the model, train `lora_steps` steps with the variant's knobs."""
    from benchmarks.common import compose
    from harness.training import trainer

    model, examples, knobs = training_examples(compose(settings, EXAMPLES[kind]))
    knobs = dataclasses.replace(
        knobs.resolved(model.device),
        max_steps=settings.lora_steps,
        validation_fraction=0.0,  # validation passes would count forward-only time
        **dict(VARIANTS)[variant],
    )
    before = _memory_mb("VmRSS")
    reset = _reset_peak_rss()
    peft_model, meta = trainer.fit(model.model, model.tokenizer, examples, knobs)
    peak = _memory_mb("VmHWM") if reset else meta["peak_rss_mb"]
    first = [trainer.encode(model.tokenizer, c, r, knobs.max_seq_length) for c, r in examples]
    flops, computed = step_flops(peft_model, first[: knobs.batch_size], model.tokenizer, knobs)
    return {
        "steps": meta["steps"],
        "tokens": meta["tokens"],
        "computed_tokens": meta["computed_tokens"],
        "train_seconds": meta["train_seconds"],
        "flops": flops / computed * meta["computed_tokens"],
        "peak_rss_mb": peak,
        "rss_before_mb": before,
        "matmul_dtype": "bfloat16" if knobs.bf16 else "float32",
        "settings": dataclasses.asdict(knobs),
    }


def step_flops(model: Any, batch: list[Any], tokenizer: Any, knobs: Any) -> tuple[float, int]:
    """FLOPs of one training step's forward and backward on `batch`, and its computed positions."""
    from torch.utils.flop_counter import FlopCounterMode

    from harness.training.batches import batch_loss, training_kernels

    model.train()
    with training_kernels(model, knobs.attention, False), FlopCounterMode(display=False) as count:
        result = batch_loss(model, batch, tokenizer.pad_token_id, knobs.bf16, knobs.share_prefix)
        (result.loss / result.labelled).backward()
    model.zero_grad(set_to_none=True)
    return float(count.get_total_flops()), result.computed


def peak_flops(dtype: str, size: int = 4096) -> float:
    """The best of three `size`-cubed matmuls in `dtype`, in FLOP/s: this machine's attainable
    peak for the kind of arithmetic training does."""
    import torch

    a = torch.randn(size, size).to(getattr(torch, dtype))
    b = torch.randn(size, size).to(getattr(torch, dtype))
    a @ b  # warm-up: first-call allocations and kernel selection
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best


def training_examples(cfg: Any) -> tuple[Any, list[Any], Any]:
    """The loaded model, the strategy's training examples exactly as it builds them, its knobs."""
    from harness.config import instantiate

    dataset = instantiate(cfg.dataset)
    model = instantiate(cfg.model)
    strategy = instantiate(cfg.strategy, model=model)
    if hasattr(strategy, "rag"):  # finetune_rag: the grounded prompts rag answers from
        questions = strategy.finetune.training_questions(dataset.split("train"))
        strategy.rag.prepare(questions, dataset.corpus)
        _, prompts = strategy.rag.grounded_prompts(questions)
        examples = [(p.conversation, strategy.finetune.reply(q))
                    for p, q in zip(prompts, questions, strict=True)]  # fmt: skip
        return model, examples, strategy.finetune.config.training
    questions = strategy.training_questions(dataset.split("train"))
    examples = [(strategy.conversation(q.question), strategy.reply(q)) for q in questions]
    return model, examples, strategy.config.training


def _variant_row(name: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    first = runs[0]
    return {
        "variant": name,
        "knobs": dict(VARIANTS)[name],
        "tokens": first["tokens"],
        "computed_tokens": first["computed_tokens"],
        "matmul_dtype": first["matmul_dtype"],
        "train_seconds": figure([r["train_seconds"] for r in runs]),
        "tokens_per_second": figure([r["tokens"] / r["train_seconds"] for r in runs]),
        "flops_per_second": figure([r["flops"] / r["train_seconds"] for r in runs]),
        "peak_rss_mb": figure([r["peak_rss_mb"] for r in runs]),
    }


def _reset_peak_rss() -> bool:
    """Reset the resident-memory high-water mark to the current RSS (Linux); False elsewhere."""
    from pathlib import Path

    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _memory_mb(field: str) -> float:
    """A memory line of /proc/self/status in MB, or the getrusage high-water mark elsewhere."""
    import resource
    from pathlib import Path

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
