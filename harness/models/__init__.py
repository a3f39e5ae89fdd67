"""Chat models behind one small protocol; one module per backend, each with its builder.

`conf/model/*.yaml` names a builder in `_target_`: `harness.models.transformers.load_transformers`
(local weights), `harness.models.openai_compatible.load_openai_compatible` (an HTTP API) or
`harness.models.llamacpp.load_llamacpp` (a GGUF file run in-process). Every backend module is
imported at start to register its schema (`harness.plugins`) and imports its heavy libraries
where it uses them, so `model=gpt-4o-mini` never imports torch. A backend may also hold replies
to a JSON schema (`generate_json`, `harness.models.constrained`). How to add a backend:
docs/extending/backend.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from harness.errors import HarnessError

Conversation = list[dict[str, str]]


@dataclass
class Generation:
    """One completion with its token counts, taken from the model's own tokenizer."""

    text: str
    prompt_tokens: int
    completion_tokens: int


DTYPES = ("auto", "float32", "bfloat16")
DEVICES = ("auto", "cpu", "cuda", "cuda:N")


def resolve_device(requested: str, key: str = "model.device") -> str:
    """The torch device for `model.device` (or another `key` with the same choices): `auto` is
    `cuda` where torch sees a CUDA device, else `cpu`; `cuda` or `cuda:N` without one is an
    error, not a silent fall back to the CPU."""
    import torch

    choices = ", ".join(DEVICES)
    index = requested.removeprefix("cuda:")
    if requested not in DEVICES[:3] and not (requested.startswith("cuda:") and index.isdigit()):
        raise HarnessError(f"{key}={requested!r}: use one of {choices}")
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cpu":
        return requested
    if not torch.cuda.is_available():
        raise HarnessError(
            f"{key}={requested!r}: torch sees no CUDA device here (torch {torch.__version__}); "
            f"use {key}=auto or {key}=cpu"
        )
    if index.isdigit() and int(index) >= torch.cuda.device_count():
        raise HarnessError(
            f"{key}={requested!r}: torch sees {torch.cuda.device_count()} CUDA device(s), "
            f"cuda:0 to cuda:{torch.cuda.device_count() - 1}"
        )
    return requested


def resolve_dtype(requested: str, device: str = "cpu") -> str:
    """The weights' dtype for `model.dtype` on a resolved `device`: `auto` is bfloat16 where the
    CPU computes it natively (AVX512-BF16 or AMX), float32 elsewhere (emulated bfloat16 is slower
    than float32); on CUDA, bfloat16 where the GPU has it (Ampere and later), else float32."""
    if requested not in DTYPES:
        raise HarnessError(f"model.dtype={requested!r}: use one of {', '.join(DTYPES)}")
    if requested != "auto":
        return requested
    native = cuda_bfloat16(device) if device.startswith("cuda") else fast_bfloat16()
    return "bfloat16" if native else "float32"


def cuda_bfloat16(device: str = "cuda") -> bool:
    """Whether the CUDA `device` computes bfloat16 in hardware (not emulated)."""
    import contextlib

    import torch

    index = torch.device(device).index  # None: the current device, which torch asks about
    with torch.cuda.device(index) if index is not None else contextlib.nullcontext():
        try:
            return bool(torch.cuda.is_bf16_supported(including_emulation=False))
        except TypeError:  # torch before 2.3 has no `including_emulation` and never emulates
            return bool(torch.cuda.is_bf16_supported())


def fast_bfloat16() -> bool:
    """Whether this CPU has bfloat16 arithmetic in hardware (Linux reports it in /proc/cpuinfo)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


# Settings of a model config that decide where and how fast a model is reached, not what it
# answers: run folders and judge verdicts are keyed without them, so a server that moved to
# another port, or another concurrency, or a model moved to a GPU, finds what was already
# answered (a resumed run warns when its machine or device changed: latencies mix the two).
SERVING_SETTINGS = (
    "base_url",
    "api_key_env",
    "max_concurrency",
    "timeout_seconds",
    "max_retries",
    "threads",
    # where it runs, not what it answers: recorded with the run's machine (harness.run.machine)
    "device",
)


class ChatModel(Protocol):
    """What strategies need from a model."""

    name: str
    context_window: int
    max_new_tokens: int

    def count_tokens(self, text: str) -> int:
        """Number of tokens `text` takes in this model's tokenizer."""
        ...

    def prompt_tokens(self, conversation: Conversation) -> int:
        """Number of tokens the rendered conversation takes as a prompt."""
        ...

    def generate(self, conversations: list[Conversation]) -> list[Generation]:
        """Answer each conversation's last user turn, in order."""
        ...


@runtime_checkable
class TrainableChatModel(ChatModel, Protocol):
    """A chat model whose weights a strategy may adapt: a torch module and its tokenizer.

    A strategy that trains (strategy=finetune) wraps `model` in an adapter and hands the adapted
    module back with `use_weights`; generation then uses it. Local transformers models are
    trainable.
    """

    model: Any
    tokenizer: Any

    def use_weights(self, module: Any) -> None:
        """Generate with `module` from now on (the model's own weights, adapted)."""
        ...
