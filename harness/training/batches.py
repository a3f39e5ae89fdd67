"""One training batch as one forward pass: the shared prompt prefix once, the rest left-padded.

Every example of a batch usually starts with the same tokens (the chat template and the system
prompt: 44 of the 71 tokens of a median acme closed-book example). `batch_loss` runs that prefix
once, copies its keys and values to every row, and runs only each example's own tokens on top,
left-padded so that every reply ends at the last position and logits are computed only for the
tail that holds replies. The result is the same per-example loss as running each example alone
(a test checks it); the arithmetic saved is the prefix's share of every row but one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

IGNORE = -100  # the label of a token the loss skips (prompt, padding)
# What an example can be built from; examples of `WHOLE_TEXT` sources are never held out for
# validation, since a held-out section would be a fact never trained on.
TRAINING_SOURCES = ("questions", "documents", "paraphrases")
WHOLE_TEXT = ("documents", "paraphrases")
MIN_SHARED_PREFIX = 8  # below this many tokens, a second forward pass costs more than it saves


@dataclass(frozen=True)
class Encoded:
    """One tokenized example; its labels are IGNORE except on the reply tokens."""

    input_ids: list[int]
    labels: list[int]
    truncated: bool = False
    source: str = "questions"  # what the example was built from (`TRAINING_SOURCES`)

    @property
    def reply_start(self) -> int:
        """The position of the first labelled token (`len(labels)` when none is labelled)."""
        return next((i for i, t in enumerate(self.labels) if t != IGNORE), len(self.labels))


@dataclass(frozen=True)
class BatchLoss:
    """What one batch cost and gave: summed reply-token loss and its token counts."""

    loss: Any  # a scalar tensor, summed over reply tokens
    labelled: int  # reply tokens the loss covers
    tokens: int  # the examples' own tokens, padding excluded (what tokens/s counts)
    computed: int  # token positions the model actually ran, the shared prefix once and padding


def batch_loss(
    model: Any, batch: list[Encoded], pad_id: int, bf16: bool = False, share_prefix: bool = True
) -> BatchLoss:
    """Summed reply-token cross-entropy of a batch, its prompt prefix computed once."""
    import torch
    import torch.nn.functional as F

    device = next(model.parameters()).device
    prefix = shared_prefix(batch) if share_prefix else 0
    if prefix < MIN_SHARED_PREFIX or len(batch) < 2:
        prefix = 0
    rows = [e.input_ids[prefix:] for e in batch]
    width = max(len(r) for r in rows)
    pads = [width - len(r) for r in rows]
    ids = torch.tensor([[pad_id] * p + r for p, r in zip(pads, rows, strict=True)], device=device)
    labels = torch.tensor(
        [[IGNORE] * p + e.labels[prefix:] for p, e in zip(pads, batch, strict=True)],
        device=device,
    )
    own = torch.tensor([[0] * p + [1] * (width - p) for p in pads], device=device)
    # logits are needed only from the position before the longest reply's first token
    keep = 1 + max(len(e.labels) - e.reply_start for e in batch)
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
        cache = None
        if prefix:
            head = torch.tensor([batch[0].input_ids[:prefix]], device=device)
            output = model(input_ids=head, use_cache=True, logits_to_keep=1)
            cache = output["cache"] if "cache" in output else output["past_key_values"]
            cache.batch_repeat_interleave(len(batch))  # differentiable: gradients sum back
        mask = torch.cat([own.new_ones(len(batch), prefix), own], dim=1)
        positions = prefix + (own.cumsum(-1) - 1).clamp(min=0)
        logits = model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            use_cache=prefix > 0,
            **{_cache_keyword(model): cache},
            logits_to_keep=keep,
        ).logits
    targets = labels[:, width - keep + 1 :]
    loss = F.cross_entropy(
        logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
        targets.reshape(-1),
        ignore_index=IGNORE,
        reduction="sum",
    )
    return BatchLoss(
        loss,
        labelled=int((targets != IGNORE).sum()),
        tokens=int(own.sum()) + prefix * len(batch),
        computed=prefix + ids.numel(),
    )


def _cache_keyword(model: Any) -> str:
    """`cache` in transformers 5.24 and later, `past_key_values` before."""
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return (
        "cache"
        if "cache" in inspect.signature(type(base).forward).parameters
        else ("past_key_values")
    )


def shared_prefix(batch: list[Encoded]) -> int:
    """Tokens every example starts with, stopping before the last prompt token of the shortest
    prompt (its logits predict the first reply token, so it must be in every row)."""
    first = batch[0].input_ids
    limit = min(e.reply_start for e in batch) - 1
    length = 0
    while length < limit and all(e.input_ids[length] == first[length] for e in batch):
        length += 1
    return max(length, 0)


@contextlib.contextmanager
def training_kernels(model: Any, attention: str, precast: bool) -> Iterator[None]:
    """Run the block with the attention kernel asked for and, with `precast`, every frozen linear
    weight cast to bfloat16 once; then put the model back as it was.

    `attention="auto"` is eager on CPU: at these lengths (tens to a few hundred tokens) PyTorch's
    CPU flash-attention backward took 14 ms a layer against a few for the plain matmuls. Under
    bfloat16 autocast every frozen weight is otherwise cast at every forward pass; autocast rounds
    it the same way, so precasting changes no arithmetic.
    """
    import torch

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    loaded = getattr(base.config, "_attn_implementation", None)
    device = next(model.parameters()).device.type
    wanted = {"auto": "eager" if device == "cpu" else loaded, "model": loaded}.get(
        attention, attention
    )
    if wanted != loaded:
        base.set_attn_implementation(wanted)
    swapped: list[tuple[Any, Any]] = []
    if precast:
        for module in model.modules():
            weight = getattr(module, "weight", None)
            if (
                isinstance(module, torch.nn.Linear)
                and weight is not None
                and not weight.requires_grad
                and weight.dtype == torch.float32
            ):
                # a new parameter, not new data: a tied embedding keeps its float32 weight
                swapped.append((module, weight))
                module.weight = torch.nn.Parameter(weight.to(torch.bfloat16), requires_grad=False)
    try:
        yield
    finally:
        for module, weight in swapped:
            module.weight = weight
        if wanted != loaded:
            base.set_attn_implementation(loaded)
