"""LoRA fine-tuning of a local causal LM on (conversation, reply) pairs
(`harness.training.adapters` caches
the result).

An example is the conversation rendered by the model's chat template with the reply as the
assistant turn; the loss covers the reply's tokens only (with the end-of-turn tokens the template
puts after it), never the prompt or padding. Training is a plain AdamW loop over batches that
`harness.training.batches` runs as one forward pass each: the prompt prefix the examples share
once, the
rest left-padded, logits only for the tail that holds replies.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import random
import resource
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

from harness.errors import HarnessError
from harness.models import Conversation
from harness.training.batches import (
    IGNORE,
    WHOLE_TEXT,
    Encoded,
    batch_loss,
    training_kernels,
)

log = logging.getLogger(__name__)

# peft reads transformers' deprecated `is_gradient_checkpointing` each time it wraps a model; the
# FutureWarning is between the two libraries, and `make run` printed it for every trained cell
PEFT_DEPRECATION = r"`is_gradient_checkpointing` is deprecated"
ATTENTION = ("auto", "eager", "sdpa", "model")  # model: the attention the model was loaded with
ALL_LINEAR_LLAMA = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass
class TrainingSettings:
    """Every knob that decides an adapter (all of them go into its cache key).

    This is the schema of the `strategy.training` config node and the one place its defaults live.
    They were chosen on acme with SmolLM2-135M on held-out train questions, never the test split;
    the measurements behind them (and behind dropout 0) are in docs/measured/ (lora-grid.md,
    finetune-speed.md)."""

    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.0  # its random numbers are slow on CPU: docs/measured/finetune-speed.md
    # the layer names differ by architecture; [all-linear] lets peft find them
    target_modules: list[str] = field(default_factory=lambda: list(ALL_LINEAR_LLAMA))
    learning_rate: float = 2e-3
    epochs: int = 5
    max_steps: int | None = None  # optimizer steps; when set, it replaces `epochs`
    batch_size: int = 8
    grad_accumulation: int = 1
    max_seq_length: int = 256  # longer examples are cut (and counted in setup.json)
    warmup_ratio: float = 0.05
    weight_decay: float = 0.0
    validation_fraction: float = 0.1  # held out of the train examples for a validation loss
    logging_steps: int = 10
    seed: int = 0
    # bfloat16 autocast over float32 weights (LoRA weights and optimizer state stay float32),
    # faster where the CPU has bfloat16 units, slower where it is emulated; None: where it has them
    bf16: bool | None = None
    # how a step is computed (harness/training/batches.py); none changes what is learnt beyond
    # rounding
    # (`python -m benchmarks --only lora` times each; docs/measured/finetune-speed.md):
    attention: str = "auto"  # auto: eager on CPU, the model's own on GPU
    share_prefix: bool = True  # the prompt prefix a batch shares runs once, not once per row
    precast: bool = True  # frozen weights cast to bfloat16 once, not at every pass (with bf16)

    def resolved(self, device: str = "cpu") -> TrainingSettings:
        """These settings with `bf16` decided for the torch `device` that trains: where this CPU,
        or on CUDA the GPU, has bfloat16 in hardware (what an adapter is keyed by)."""
        if self.bf16 is not None:
            return self
        from harness.models import cuda_bfloat16, fast_bfloat16

        native = cuda_bfloat16(device) if device.startswith("cuda") else fast_bfloat16()
        return dataclasses.replace(self, bf16=native)

    def check(self, prefix: str = "strategy.training") -> None:
        """Raise one HarnessError listing every bad knob, each named as `<prefix>.<knob>`."""
        positive = ("rank", "alpha", "learning_rate", "epochs", "max_steps", "batch_size",
                    "grad_accumulation", "max_seq_length", "logging_steps")  # fmt: skip
        problems = [
            f"{prefix}.{key}={getattr(self, key)}: use a positive number"
            for key in positive
            if getattr(self, key) is not None and getattr(self, key) <= 0
        ]
        for key in ("dropout", "warmup_ratio", "validation_fraction"):
            if not 0 <= getattr(self, key) < 1:
                problems.append(f"{prefix}.{key}={getattr(self, key)}: use 0 <= value < 1")
        if self.weight_decay < 0:
            problems.append(f"{prefix}.weight_decay={self.weight_decay}: use 0 or more")
        if self.attention not in ATTENTION:
            problems.append(f"{prefix}.attention={self.attention!r}: use one of "
                            f"{', '.join(ATTENTION)}")  # fmt: skip
        if not self.target_modules:
            problems.append(f"{prefix}.target_modules is empty: name at least one layer, e.g. "
                            "[q_proj]")  # fmt: skip
        elif "all-linear" in self.target_modules and len(self.target_modules) > 1:
            problems.append(f"{prefix}.target_modules: use [all-linear] alone or list layer names")
        if problems:
            raise HarnessError("; ".join(problems))


def quiet_peft() -> None:
    """Silence the one library-to-library deprecation warning peft raises when it wraps a model."""
    warnings.filterwarnings("ignore", message=PEFT_DEPRECATION, category=FutureWarning)


def fit(
    model: Any,
    tokenizer: Any,
    examples: list[tuple[Conversation, str]],
    settings: TrainingSettings,
    sources: list[str] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Wrap the model in a fresh LoRA adapter and train it; the peft model and what training
    measured (example counts, steps, tokens, loss curve, seconds, peak memory). `sources` names
    what each example was built from (default: questions); tokens and seconds are also given per
    source."""
    settings = settings.resolved(str(next(model.parameters()).device))
    import torch
    from peft import LoraConfig, get_peft_model

    quiet_peft()
    torch.manual_seed(settings.seed)  # the LoRA initialisation
    targets = settings.target_modules
    lora = LoraConfig(
        r=settings.rank,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules="all-linear" if list(targets) == ["all-linear"] else list(targets),
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, lora)
    labels = sources or ["questions"] * len(examples)
    encoded = [
        encode(tokenizer, c, reply, settings.max_seq_length, source)
        for (c, reply), source in zip(examples, labels, strict=True)
    ]
    train_set, validation_set, counts = _split(encoded, settings)
    if not train_set:
        raise HarnessError(_nothing_left(encoded, settings))
    trained = train(peft_model, train_set, validation_set, settings, tokenizer.pad_token_id)
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    return peft_model, {**counts, "trainable_parameters": trainable, **trained}


def train(
    model: Any,
    train_set: list[Encoded],
    validation_set: list[Encoded],
    settings: TrainingSettings,
    pad_id: int,
) -> dict[str, Any]:
    """Train the adapter in place; return the loss curve, tokens, wall time and peak memory.

    `validation_set` is the slice `load_or_train` held out of the same examples.
    """
    import torch
    from tqdm import tqdm

    if not train_set:
        raise HarnessError("no training examples are left after the validation split")
    started = time.perf_counter()
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        parameters, lr=settings.learning_rate, weight_decay=settings.weight_decay
    )
    per_step = settings.batch_size * settings.grad_accumulation
    steps_per_epoch = _steps_per_epoch(settings, len(train_set))
    total = settings.max_steps or settings.epochs * steps_per_epoch
    warmup = round(settings.warmup_ratio * total)

    def factor(step: int) -> float:  # linear warm-up, then linear decay to zero
        return (step + 1) / warmup if step < warmup else (total - step) / max(1, total - warmup)

    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, factor)
    curve: dict[str, list[dict[str, float]]] = {"train": [], "validation": []}
    step, tokens, computed, window = 0, 0, 0, []
    per_source: dict[str, int] = {}
    progress = tqdm(total=total, desc="fine-tuning", unit="step")
    with training_kernels(model, settings.attention, settings.bf16 and settings.precast):
        _validate(model, validation_set, settings, pad_id, 0, curve)
        for epoch in range(1, math.ceil(total / steps_per_epoch) + 1):
            model.train()
            order = random.Random(settings.seed + epoch).sample(train_set, len(train_set))
            for start in range(0, len(order), per_step):
                group = order[start : start + per_step]
                for micro in range(0, len(group), settings.batch_size):
                    batch = group[micro : micro + settings.batch_size]
                    result = batch_loss(model, batch, pad_id, settings.bf16, settings.share_prefix)
                    (result.loss / result.labelled * len(batch) / len(group)).backward()
                    window.append(result.loss.item() / result.labelled)
                    tokens, computed = tokens + result.tokens, computed + result.computed
                    for example in batch:
                        own = len(example.input_ids)
                        per_source[example.source] = per_source.get(example.source, 0) + own
                optimizer.step()
                schedule.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                rate = tokens / (time.perf_counter() - started)
                progress.set_postfix(loss=f"{window[-1]:.3f}", tokens_per_s=f"{rate:.0f}")
                progress.update()
                if step % settings.logging_steps == 0 or step == total:
                    mean = sum(window) / len(window)
                    curve["train"].append({"step": step, "epoch": epoch, "loss": mean})
                    window = []
                if step == total:
                    break
            _validate(model, validation_set, settings, pad_id, epoch, curve)
            if step == total:
                break
    progress.close()
    model.eval()
    seconds = time.perf_counter() - started
    return {
        "train_seconds": seconds,
        "steps": step,
        "tokens": tokens,  # the examples' own tokens, as often as they were trained on
        "sources": _by_source(per_source, seconds),
        "computed_tokens": computed,  # positions the model ran: shared prefixes once, padding
        "loss_curve": curve,
        # the process's high-water resident memory, loaded model included (Linux reports KiB)
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **_gpu_peak(model),
    }


def _by_source(tokens: dict[str, int], seconds: float) -> dict[str, dict[str, float]]:
    """Tokens trained on per source, and the training seconds shared out by those tokens (the
    sources are shuffled into the same batches, so no step belongs to one source)."""
    total = sum(tokens.values()) or 1
    return {
        source: {"tokens": count, "seconds": seconds * count / total}
        for source, count in sorted(tokens.items())
    }


def _gpu_peak(model: Any) -> dict[str, float]:
    """The GPU memory high-water mark of this process in MB, when the model trains on CUDA."""
    import torch

    device = next(model.parameters()).device
    if device.type != "cuda":
        return {}
    return {"peak_gpu_memory_mb": torch.cuda.max_memory_allocated(device) / 2**20}


def planned_steps(settings: TrainingSettings, examples: int) -> int:
    """The optimizer steps a training on `examples` usable examples takes; `train` runs this many.

    `max_steps` when it is set, else `epochs` passes over the examples left once the validation
    slice is held out. `examples` counts them before that: those given to `load_or_train`, less
    any cut before their reply (`skipped` in the adapter's meta).
    """
    trained = examples - _held_out(settings, examples)
    return settings.max_steps or settings.epochs * _steps_per_epoch(settings, trained)


def encode(
    tokenizer: Any,
    conversation: Conversation,
    reply: str,
    max_length: int,
    source: str = "questions",
) -> Encoded:
    """Tokenize prompt and reply as the chat template renders them; cut at `max_length` tokens.

    An empty conversation is a text to learn as it is (`harness.training.documents`): no
    template, the end-of-text token as the first token's context, the loss on every token."""
    if not conversation:
        text_ids = tokenizer(reply, add_special_tokens=False)["input_ids"]
        ids, labels = [tokenizer.eos_token_id, *text_ids], [IGNORE, *text_ids]
        return Encoded(ids[:max_length], labels[:max_length], len(ids) > max_length, source)
    prompt = tokenizer.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(
        [*conversation, {"role": "assistant", "content": reply}], tokenize=False
    )
    if not full.startswith(prompt):
        raise HarnessError(
            "the model's chat template renders a conversation with a reply differently from the "
            "prompt alone; fine-tuning needs a template whose prompt is a prefix of the whole"
        )
    # tokenized apart, the prompt gets exactly the tokens it gets at inference
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    reply_ids = tokenizer(full[len(prompt) :], add_special_tokens=False)["input_ids"]
    ids, labels = prompt_ids + reply_ids, [IGNORE] * len(prompt_ids) + reply_ids
    return Encoded(ids[:max_length], labels[:max_length], len(ids) > max_length, source)


def check_target_modules(model: Any, targets: list[str]) -> None:
    """Raise a one-line HarnessError naming target modules that match no linear layer."""
    import torch

    linear = {
        n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)
    }
    missing = [t for t in targets if t not in linear and t != "all-linear"]
    if missing:
        raise HarnessError(
            f"strategy.training.target_modules: {', '.join(missing)} not in this model; its "
            f"linear layers are {', '.join(sorted(linear)[:12])} (or use [all-linear])"
        )


def _nothing_left(encoded: list[Encoded], settings: TrainingSettings) -> str:
    """Why no example is left to train on, naming the knob that caused it."""
    if not encoded:
        return "no training examples: the train split is empty"
    if not any(any(t != IGNORE for t in e.labels) for e in encoded):
        return (
            f"strategy.training.max_seq_length={settings.max_seq_length} cuts every example "
            f"before its reply; raise it above the prompts' length"
        )
    return (
        f"strategy.training.validation_fraction={settings.validation_fraction} holds out every "
        f"one of the {len(encoded)} examples; lower it (e.g. 0.1) or set it to 0"
    )


def _split(
    encoded: list[Encoded], settings: TrainingSettings
) -> tuple[list[Encoded], list[Encoded], dict[str, int]]:
    """Drop examples cut before their reply, then hold out the seeded validation slice (of the
    question examples: a document held out would be facts never trained on)."""
    usable = [e for e in encoded if any(t != IGNORE for t in e.labels)]
    whole = [e for e in usable if e.source in WHOLE_TEXT]
    truncated = sum(e.truncated for e in encoded)
    if truncated:
        log.warning(
            "%d of %d examples are longer than strategy.training.max_seq_length=%d tokens and "
            "were cut; %d of them lost their whole reply and are skipped",
            truncated, len(encoded), settings.max_seq_length, len(encoded) - len(usable),
        )  # fmt: skip
    holdable = [e for e in usable if e.source not in WHOLE_TEXT]
    shuffled = random.Random(settings.seed).sample(holdable, len(holdable))
    held = _held_out(settings, len(holdable))
    counts = {"examples": len(encoded), "truncated": truncated,
              "skipped": len(encoded) - len(usable), "validation_examples": held}  # fmt: skip
    return shuffled[held:] + whole, shuffled[:held], counts


def _held_out(settings: TrainingSettings, examples: int) -> int:
    """How many of `examples` usable examples the validation slice takes."""
    return round(settings.validation_fraction * examples)


def _steps_per_epoch(settings: TrainingSettings, train_examples: int) -> int:
    return math.ceil(train_examples / (settings.batch_size * settings.grad_accumulation))


def _validate(
    model: Any,
    examples: list[Encoded],
    settings: TrainingSettings,
    pad_id: int,
    epoch: int,
    curve: dict[str, list[dict[str, float]]],
) -> None:
    """Append the mean reply-token loss on the validation slice to the curve."""
    import torch

    if not examples:
        return
    model.eval()
    total, labelled = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(examples), settings.batch_size):
            batch = examples[start : start + settings.batch_size]
            result = batch_loss(model, batch, pad_id, settings.bf16, settings.share_prefix)
            total, labelled = total + result.loss.item(), labelled + result.labelled
    curve["validation"].append({"epoch": epoch, "loss": total / labelled})
    log.info("epoch %d: validation loss %.4f", epoch, total / labelled)
