"""Bench section `dtype`: float32 against bfloat16, in one process run.

Answering: the rag strategy (the packaged model's best closed-book-free cell: it answers from
retrieved chunks) answers the same test questions with the model in float32 and in bfloat16,
alternating which goes first; questions/s of each, how many answers are identical, and the
accuracy difference with its paired bootstrap interval and McNemar's exact p-value.

Training: the same LoRA steps on the finetune strategy's examples with float32 weights (no
autocast, and under bfloat16 autocast, the default where the CPU has it) and with bfloat16
weights; tokens/s of each.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from tqdm import tqdm

from benchmarks.common import Settings, compose, figure, timed

DTYPES = ("float32", "bfloat16")
TRAINING_VARIANTS = (  # (weights, bfloat16 autocast)
    ("float32", False),
    ("float32", True),
    ("bfloat16", True),
)


def precision(settings: Settings) -> dict[str, Any]:
    """Answering and training figures for float32 and bfloat16 (see the module docstring)."""
    from harness.models import fast_bfloat16

    return {
        "native_bfloat16": fast_bfloat16(),
        "answering": answering(settings),
        "training": training_throughput(settings),
    }


def answering(settings: Settings) -> dict[str, Any]:
    """Questions/s and the paired accuracy difference of rag answering in each dtype."""
    from harness import stats
    from harness.config import instantiate
    from harness.run.evaluate import scoring_rules
    from harness.scoring import judge

    cfg = compose(settings, "strategy=rag")
    questions = instantiate(cfg.dataset).split("test")[: settings.dtype_questions]
    rules = scoring_rules(cfg.scoring, cfg.paths.cache_dir)
    strategies = {dtype: _rag(settings, dtype) for dtype in DTYPES}
    seconds: dict[str, list[float]] = {dtype: [] for dtype in DTYPES}
    answers: dict[str, list[str]] = {}
    size = cfg.run.batch_size
    batches = [questions[i : i + size] for i in range(0, len(questions), size)]
    for repeat in tqdm(range(settings.repeats), desc="dtype: answering", unit="repeat"):
        for dtype in DTYPES if repeat % 2 == 0 else DTYPES[::-1]:
            strategy = strategies[dtype]
            spent, said = timed(lambda s=strategy: [a for b in batches for a in s.answer(b)])
            seconds[dtype].append(spent)
            answers[dtype] = [a.prediction for a in said]
    correct = {
        dtype: [
            judge(text, list(q.answers), q.question, rules).correct
            for q, text in zip(questions, answers[dtype], strict=True)
            if q.answers
        ]
        for dtype in DTYPES
    }
    difference, low, high = stats.paired_bootstrap_difference(
        correct["float32"], correct["bfloat16"]
    )
    return {
        "strategy": "rag",
        "questions": len(questions),
        "answerable": len(correct["float32"]),
        "questions_per_second": {
            dtype: figure([len(questions) / s for s in seconds[dtype]]) for dtype in DTYPES
        },
        "accuracy": {dtype: sum(c) / max(1, len(c)) for dtype, c in correct.items()},
        "difference": difference,  # bfloat16 minus float32
        "difference_ci": [low, high],
        "mcnemar_p": stats.mcnemar_p(correct["float32"], correct["bfloat16"]),
        "identical_answers": sum(
            a == b for a, b in zip(answers["float32"], answers["bfloat16"], strict=True)
        ),
    }


def training_throughput(settings: Settings) -> dict[str, Any]:
    """Tokens/s of `lora_steps` LoRA steps for each (weights dtype, autocast) variant."""
    import torch

    from harness.config import instantiate
    from harness.training import trainer

    cfg = compose(settings, "strategy=finetune")
    dataset = instantiate(cfg.dataset)
    rows = []
    for weights, autocast in tqdm(TRAINING_VARIANTS, desc="dtype: training", unit="variant"):
        chat = instantiate(cfg.model)  # a fresh float32 model: each training starts the same
        strategy = instantiate(cfg.strategy, model=chat)
        questions = strategy.training_questions(dataset.split("train"))
        examples = [(strategy.conversation(q.question), strategy.reply(q)) for q in questions]
        knobs = dataclasses.replace(
            strategy.config.training, max_steps=settings.lora_steps, validation_fraction=0.0,
            bf16=autocast,
        )  # fmt: skip
        chat.model.to(getattr(torch, weights))
        _, measured = trainer.fit(chat.model, chat.tokenizer, examples, knobs)
        rows.append(
            {
                "weights": weights,
                "autocast": autocast,
                "steps": measured["steps"],
                "tokens": measured["tokens"],
                "train_seconds": measured["train_seconds"],
                "tokens_per_second": measured["tokens"] / measured["train_seconds"],
            }
        )
    return {"examples": "the finetune strategy's closed-book train prompts", "variants": rows}


def _rag(settings: Settings, dtype: str) -> Any:
    """A prepared rag strategy whose model answers in `dtype`."""
    from harness.config import instantiate

    cfg = compose(settings, "strategy=rag", f"model.dtype={dtype}")
    dataset = instantiate(cfg.dataset)
    strategy = instantiate(cfg.strategy, model=instantiate(cfg.model))
    strategy.prepare(dataset.split("train"), dataset.corpus)
    return strategy
