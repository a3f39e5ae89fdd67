"""Chat models behind one small protocol; one module per backend, each with its builder.

`conf/model/*.yaml` names a builder in `_target_`: `harness.models.transformers.load_transformers`
(local weights), `harness.models.openai_compatible.load_openai_compatible` (an HTTP API) or
`harness.models.llamacpp.load_llamacpp` (a GGUF file run in-process). Backends are imported only
when a config names them, so `model=gpt-4o-mini` never imports torch.
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


def resolve_dtype(requested: str) -> str:
    """The weights' dtype for `model.dtype`: `auto` is bfloat16 where the CPU computes it natively
    (AVX512-BF16 or AMX), float32 elsewhere (emulated bfloat16 is slower than float32)."""
    if requested not in DTYPES:
        raise HarnessError(f"model.dtype={requested!r}: use one of {', '.join(DTYPES)}")
    if requested != "auto":
        return requested
    return "bfloat16" if fast_bfloat16() else "float32"


def fast_bfloat16() -> bool:
    """Whether this CPU has bfloat16 arithmetic in hardware (Linux reports it in /proc/cpuinfo)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


# Settings of a model config that decide where and how fast a model is reached, not what it
# answers: run folders and judge verdicts are keyed without them, so a server that moved to
# another port, or another concurrency, finds what was already answered.
SERVING_SETTINGS = (
    "base_url",
    "api_key_env",
    "max_concurrency",
    "timeout_seconds",
    "max_retries",
    "threads",
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
