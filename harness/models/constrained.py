"""Constrained decoding: replies that match a JSON schema, token by token (llguidance).

A backend that can constrain its output has `generate_json(conversations, schema)`
(`supports_schema` tells); callers that get JSON from a model use it there and keep the old
prompt-and-parse path elsewhere (the parsers accept the constrained replies too). Schemas are
compiled to compact JSON: no whitespace between tokens (a small model runs away in it), `,` and
`:` as separators, so only the string contents are the model's to choose.

For transformers models, `JsonSchemaProcessor` is a `LogitsProcessor`: before every step it asks
one llguidance matcher per row for the tokens the grammar allows and masks the others; once a
row's JSON is complete only end-of-sequence is allowed. Why llguidance, with the overhead
measured against xgrammar and lm-format-enforcer: docs/documents.md ("Constrained decoding").
"""

from __future__ import annotations

import json
from typing import Any, Protocol, runtime_checkable

from harness.errors import HarnessError
from harness.models import Conversation, Generation

Schema = dict[str, Any]
# compact JSON: no free whitespace anywhere, the separators fixed
COMPILE_OPTIONS = {"whitespace_flexible": False, "item_separator": ",", "key_separator": ":"}


@runtime_checkable
class SchemaChatModel(Protocol):
    """A chat model that can constrain its replies to a JSON schema."""

    def generate_json(
        self, conversations: list[Conversation], schema: Schema, max_new_tokens: int | None = None
    ) -> list[Generation]:
        """Each conversation's reply as JSON valid against `schema` (unless cut off by
        `max_new_tokens`, the model's own limit when None)."""
        ...


def supports_schema(model: Any) -> bool:
    """Whether `model` constrains replies to a schema (a backend may say it cannot)."""
    return isinstance(model, SchemaChatModel) and bool(getattr(model, "supports_schema", True))


def grammar(schema: Schema) -> str:
    """The llguidance grammar of `schema`, compact; an error names what llguidance refused."""
    from llguidance import LLMatcher

    compiled = LLMatcher.grammar_from_json_schema(schema, overrides=COMPILE_OPTIONS)  # type: ignore[arg-type]
    failed, messages = LLMatcher.validate_grammar_with_warnings(compiled)
    if failed:
        raise HarnessError(f"JSON schema not usable for constrained decoding: {messages[0]}")
    return compiled


def response_format(schema: Schema, name: str = "reply") -> dict[str, Any]:
    """The OpenAI `response_format` asking for replies valid against `schema`."""
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


def schema_key(schema: Schema | None) -> str | None:
    """`schema` as one stable string (for cache keys), None without one."""
    return None if schema is None else json.dumps(schema, sort_keys=True)


class JsonSchemaProcessor:
    """A transformers `LogitsProcessor` holding each row of a batch to one grammar.

    Built per `generate` call (one matcher per row); `tokenizer` is an `LLTokenizer`
    (`llguidance.hf.from_tokenizer`), built once per model. A row whose grammar is complete
    allows only end-of-sequence; a finished row (padding) is left alone.
    """

    def __init__(self, tokenizer: Any, compiled: str, rows: int, prompt_length: int) -> None:
        import torch
        from llguidance import LLMatcher

        self.matchers = [LLMatcher(tokenizer, compiled) for _ in range(rows)]
        self.done = [False] * rows
        self.prompt_length = prompt_length
        self.words = (tokenizer.vocab_size + 31) // 32
        self.bitmask = torch.zeros((rows, self.words), dtype=torch.int32)
        self.bits = torch.tensor([1 << i for i in range(31)] + [-(1 << 31)], dtype=torch.int32)

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        """Mask `scores` (rows x vocabulary) to the tokens each row's grammar allows next."""
        import torch
        from llguidance.torch import fill_next_token_bitmask

        step = input_ids.shape[1] - self.prompt_length
        for row, matcher in enumerate(self.matchers):
            if step > 0 and not self.done[row]:
                token = int(input_ids[row, -1])
                if matcher.is_stopped() or not matcher.consume_token(token):
                    self.done[row] = True  # ended (eos, then padding) or cut: no more masks
            if self.done[row]:
                self.bitmask[row] = -1
            else:
                fill_next_token_bitmask(matcher, self.bitmask, row)
        allowed = (self.bitmask.unsqueeze(-1) & self.bits) != 0
        allowed = allowed.reshape(len(self.matchers), -1).to(scores.device)
        vocab = scores.shape[1]
        if allowed.shape[1] < vocab:  # the model's embedding may be padded past the tokenizer
            pad = torch.zeros((allowed.shape[0], vocab - allowed.shape[1]), dtype=torch.bool)
            allowed = torch.cat([allowed, pad.to(scores.device)], dim=1)
        return scores.masked_fill(~allowed[:, :vocab], float("-inf"))

    def problems(self) -> list[str | None]:
        """Per row, the matcher's error (a token it could not take), else None."""
        return [m.get_error() or None if m.is_error() else None for m in self.matchers]
