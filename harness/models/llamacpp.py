"""In-process GGUF chat models through llama-cpp-python (the optional `llamacpp` extra).

`conf/model/smollm2-135m-llamacpp.yaml` points `_target_` at `load_llamacpp`, which loads the
GGUF file shipped in a Python package (or any GGUF path) without converting it. Generation is
greedy with no repeat penalty, like the transformers backend, so the two differ only in numerics
and speed. llama-cpp-python answers one conversation at a time; token counts come from its own
tokenizer through each completion's `usage`.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from harness.config import settings_from
from harness.errors import HarnessError
from harness.models import Conversation, Generation
from harness.models.constrained import Schema
from harness.models.transformers import packaged_file
from harness.plugins import register_schema

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "pip install llama-cpp-python==0.3.36 (see docs/configuration.md, 'The llama.cpp extra', for "
    "the CMAKE_ARGS this CPU needs)"
)


@dataclass
class LlamaCppModelConfig:
    """A GGUF model run in-process by llama-cpp-python (optional extra `llamacpp`)."""

    _target_: str = "harness.models.llamacpp.load_llamacpp"
    name: str = MISSING
    package: str | None = None
    gguf_file: str | None = None
    model_path: str | None = None
    context_window: int = 2048
    threads: int | None = None
    max_new_tokens: int = 48
    batch_size: int = 8
    seed: int = 0


register_schema("model", "llamacpp", LlamaCppModelConfig)


class LlamaCppChatModel:
    """A GGUF model run in this process by llama.cpp, greedy, one conversation at a time."""

    supports_schema = True

    def __init__(self, name: str, llama: Any, max_new_tokens: int, batch_size: int) -> None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        self.name = name
        self.llama = llama
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.context_window = llama.n_ctx()
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise HarnessError(f"model {name!r}: the GGUF file carries no chat template")
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=_token_text(llama, llama.token_eos()),
            bos_token=_token_text(llama, llama.token_bos()),
        )

    def count_tokens(self, text: str) -> int:
        """Number of tokens `text` takes in the GGUF's own tokenizer."""
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def prompt_tokens(self, conversation: Conversation) -> int:
        """Number of tokens the conversation takes once the GGUF's chat template renders it."""
        prompt = self._formatter(messages=conversation).prompt
        return len(self.llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True))

    def generate(self, conversations: list[Conversation]) -> list[Generation]:
        """Greedy completions, in order."""
        return [self._complete(c) for c in conversations]

    def generate_json(
        self, conversations: list[Conversation], schema: Schema, max_new_tokens: int | None = None
    ) -> list[Generation]:
        """Greedy completions held to `schema` by llama.cpp's grammar made from it
        (llama-cpp-python's `response_format`; its grammar allows a space between tokens)."""
        asked = {"response_format": {"type": "json_object", "schema": schema}}
        return [self._complete(c, asked, max_new_tokens) for c in conversations]

    def _complete(
        self,
        conversation: Conversation,
        asked: dict[str, Any] | None = None,
        max_new_tokens: int | None = None,
    ) -> Generation:
        # Reusing the previous prompt's cached prefix would make an answer depend on which question
        # came before it, so a resumed run could differ from an uninterrupted one.
        self.llama.reset()
        response = self.llama.create_chat_completion(
            messages=conversation,
            max_tokens=max_new_tokens or self.max_new_tokens,
            temperature=0.0,
            top_k=1,
            repeat_penalty=1.0,
            **(asked or {}),
        )
        usage = response["usage"]
        text = (response["choices"][0]["message"]["content"] or "").strip()
        return Generation(text, usage["prompt_tokens"], usage["completion_tokens"])


def load_llamacpp(name: str, **settings: Any) -> LlamaCppChatModel:
    """Load a GGUF file from a package (`package` + `gguf_file`) or a path (`model_path`).

    The settings are `LlamaCppModelConfig`'s fields, with its defaults.
    """
    config = settings_from(LlamaCppModelConfig, {"name": name, **settings})
    package, model_path = config.package, config.model_path
    try:
        from llama_cpp import Llama
    except ImportError:
        raise HarnessError(
            f"model {name!r} needs llama-cpp-python, which is not installed: {INSTALL_HINT}"
        ) from None
    if bool(package) == bool(model_path):
        raise HarnessError(
            f"model {name!r}: set exactly one of model.package (+ model.gguf_file) or "
            f"model.model_path (a .gguf file)"
        )
    path = (
        packaged_file(package, config.gguf_file) if package else Path(str(model_path)).expanduser()
    )
    if not path.is_file():
        raise HarnessError(f"model.model_path: {path} does not exist")
    started = time.perf_counter()
    llama = Llama(
        model_path=str(path),
        n_ctx=config.context_window,
        n_threads=config.threads or os.cpu_count() or 1,
        seed=config.seed,
        verbose=False,
    )
    log.info("loaded %s with llama.cpp in %.1fs", path.name, time.perf_counter() - started)
    return LlamaCppChatModel(name, llama, config.max_new_tokens, config.batch_size)


def _token_text(llama: Any, token: int) -> str:
    if token < 0:
        return ""
    return llama.detokenize([token], special=True).decode("utf-8", errors="replace")
