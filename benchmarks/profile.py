"""Bench section `profile`: where a LoRA training step's time goes, today's trainer and now.

A few optimizer steps on the finetune strategy's closed-book examples run under
`torch.profiler` after two warm-up steps, in a fresh child process per trainer. Each operator's
self time goes to one category (`CATEGORIES`); what the operators do not account for is the time
between them: Python, autograd's bookkeeping and dispatch. The section also says how many of the
token positions the model computed were padding or a repeated prefix.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from benchmarks.common import Settings
from benchmarks.lora import SMOKE_MATMUL, TODAY, training_examples

CATEGORIES = {  # an operator's name -> its category; the first match wins, else "other ops"
    "matmuls (linear layers, LoRA, attention scores)": ("aten::mm", "aten::bmm", "aten::addmm"),
    "attention kernels (SDPA, softmax)": ("scaled_dot_product", "aten::_softmax"),
    "LoRA dropout (random numbers)": ("aten::bernoulli", "aten::dropout", "aten::native_dropout"),
    "dtype casts and copies": ("aten::copy_", "aten::_to_copy"),
    "loss (log-softmax over the vocabulary)": ("aten::_log_softmax", "aten::nll_loss"),
    "elementwise (norms, activations, rotary, adds)": (
        "aten::mul",
        "aten::add",
        "aten::div",
        "aten::silu",
        "aten::pow",
        "aten::rsqrt",
        "aten::mean",
        "aten::sum",
        "aten::neg",
        "aten::cat",
        "aten::sqrt",
        "aten::lerp",
        "aten::addcmul",
        "aten::addcdiv",
        "aten::fill_",
        "aten::zero_",
        "aten::where",
    ),
}
OUTSIDE = "outside operators (Python, autograd, dispatch)"
TRAINERS = {"today's trainer": TODAY, "the defaults": {}}
PROFILED_STEPS = 4


def profile(settings: Settings) -> dict[str, Any]:
    """Per-category seconds a step for today's trainer and the defaults; generation's FLOP/s."""
    trainers = {}
    for name in TRAINERS:
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            trainers[name] = pool.submit(profile_once, settings, name).result()
    return {
        "examples": "the finetune strategy's closed-book train prompts",
        "trainers": trainers,
        "generation": generation_flops(settings),
    }


def generation_flops(settings: Settings) -> dict[str, Any]:
    """One batch of prompt-strategy questions generated greedily: FLOP/s against the peak.

    The FLOPs of the batch's `generate` call are counted once under `FlopCounterMode`, then the
    same call is timed (best of `repeats`) with nothing counting.
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from benchmarks.common import chat_model, compose
    from benchmarks.generation import answer_in_own_dtype
    from benchmarks.lora import peak_flops
    from harness.config import instantiate
    from harness.prompts.templates import conversation

    cfg = compose(settings, "strategy=prompt")
    chat = chat_model(settings.overrides)
    dtype = answer_in_own_dtype(chat)
    size = chat.batch_size
    questions = instantiate(cfg.dataset).split("test")[:size]
    turns = [conversation(cfg.strategy.system_prompt, cfg.strategy.user_template, q.question)
             for q in questions]  # fmt: skip
    chat.generate(turns)  # warm-up
    with torch.inference_mode(), FlopCounterMode(display=False) as count:
        generated = chat.generate(turns)
    best = float("inf")
    for _ in range(settings.repeats):
        started = time.perf_counter()
        chat.generate(turns)
        best = min(best, time.perf_counter() - started)
    flops = float(count.get_total_flops())
    peak = peak_flops(dtype, SMOKE_MATMUL if settings.quick else 4096)
    return {
        "batch_size": size,
        "dtype": dtype,
        "completion_tokens": sum(g.completion_tokens for g in generated),
        "seconds": best,
        "flops_per_second": flops / best,
        "peak_flops_per_second": peak,
        "share_of_peak": flops / best / peak,
    }


def profile_once(settings: Settings, trainer: str) -> dict[str, Any]:
    """In a child process: warm up, then profile `PROFILED_STEPS` steps of one trainer."""
    import torch
    from peft import LoraConfig, get_peft_model
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    from benchmarks.common import compose
    from harness.training.batches import batch_loss, training_kernels
    from harness.training.trainer import encode

    model, examples, knobs = training_examples(compose(settings, "strategy=finetune"))
    knobs = dataclasses.replace(knobs.resolved(model.device), **TRAINERS[trainer])
    steps = 2 if settings.quick else PROFILED_STEPS
    encoded = [encode(model.tokenizer, c, r, knobs.max_seq_length) for c, r in examples]
    torch.manual_seed(knobs.seed)
    lora = LoraConfig(r=knobs.rank, lora_alpha=knobs.alpha, lora_dropout=knobs.dropout,
                      target_modules=list(knobs.target_modules), task_type="CAUSAL_LM")  # fmt: skip
    peft_model = get_peft_model(model.model, lora)
    optimizer = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad])
    peft_model.train()
    size, counts = knobs.batch_size, {"tokens": 0, "computed": 0}

    def step(index: int) -> None:
        batch = encoded[index * size : (index + 1) * size]
        result = batch_loss(peft_model, batch, model.tokenizer.pad_token_id, knobs.bf16,
                            knobs.share_prefix)  # fmt: skip
        (result.loss / result.labelled).backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        counts["tokens"] += result.tokens
        counts["computed"] += result.computed

    with training_kernels(peft_model, knobs.attention, knobs.bf16 and knobs.precast):
        for index in range(2):
            step(index)
        counts = {"tokens": 0, "computed": 0}
        with torch_profile(activities=[ProfilerActivity.CPU]) as recorded:
            started = time.perf_counter()
            for index in range(2, 2 + steps):
                step(index)
            wall = time.perf_counter() - started
    seconds = categorise(recorded.key_averages())
    seconds[OUTSIDE] = max(0.0, wall - sum(seconds.values()))
    return {
        "steps": steps,
        "knobs": TRAINERS[trainer],
        "seconds_per_step": wall / steps,
        "categories": {name: value / steps for name, value in seconds.items()},
        "tokens": counts["tokens"],
        "computed_tokens": counts["computed"],
    }


def categorise(averages: Any) -> dict[str, float]:
    """Operators' self CPU seconds summed by category (`CATEGORIES`, else "other ops")."""
    totals = dict.fromkeys([*CATEGORIES, "other ops"], 0.0)
    for event in averages:
        if not event.key.startswith("aten::") and "scaled_dot_product" not in event.key:
            continue  # profiler ranges (optimizer step, autograd nodes): their ops are counted
        category = next(
            (name for name, keys in CATEGORIES.items() if any(k in event.key for k in keys)),
            "other ops",
        )
        totals[category] += event.self_cpu_time_total / 1e6
    return totals
