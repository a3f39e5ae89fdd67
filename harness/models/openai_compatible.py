"""Chat models served over an OpenAI-compatible HTTP API (OpenAI, vLLM, llama.cpp server, Ollama).

`conf/model/openai_compatible.yaml` points `_target_` at `load_openai_compatible`. Requests go
through the `openai` client, which retries 429, 408/409, 5xx and connection errors with
exponential backoff (0.5 s doubling to 8 s, with jitter, honouring `Retry-After`). A batch of
conversations is sent `max_concurrency` requests at a time. Token counts come from each
response's `usage`. The API key is read from the environment variable named by `api_key_env` and
is never stored in the config, the results or the logs.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

from harness.config import settings_from
from harness.errors import HarnessError
from harness.models import Conversation, Generation
from harness.models.constrained import Schema, response_format
from harness.plugins import register_schema

log = logging.getLogger(__name__)

# Used only to decide how much retrieved context fits the window when no tokenizer is given: a
# deliberately high estimate (~3 characters per token), so a prompt is never cut too late.
_CHARS_PER_TOKEN_ESTIMATE = 3.0
_NO_KEY = "unused"
# More tokens than any model's window holds today: a usage figure above it is the server's error.
_MAX_TOKENS_PER_REQUEST = 10_000_000


@dataclass
class OpenAICompatibleModelConfig:
    """A chat model behind an OpenAI-compatible HTTP API (hosted, vLLM, llama.cpp server...)."""

    _target_: str = "harness.models.openai_compatible.load_openai_compatible"
    name: str = MISSING
    model: str = MISSING  # the id the server knows the model by
    base_url: str = MISSING
    api_key_env: str | None = None  # the name of the variable holding the key, never the key
    context_window: int = 8192
    max_new_tokens: int = 48
    batch_size: int = 8  # prompts handed to generate at once
    max_concurrency: int = 4  # requests in flight at once
    timeout_seconds: float = 60.0
    max_retries: int = 4  # 429 / 5xx / connection errors, exponential backoff 0.5 s .. 8 s
    tokenizer: str | None = None
    tokenizer_package: str | None = None
    extra_body: dict[str, Any] = field(default_factory=dict)
    seed: int | None = 0
    cache_dir: str = "~/.cache/ragbench"  # a packaged tokenizer is converted here


register_schema("model", "openai_compatible", OpenAICompatibleModelConfig)


class OpenAICompatibleChatModel:
    """Chat completions against an OpenAI-compatible base URL, several requests in flight;
    `generate_json` sends a JSON schema as `response_format`."""

    supports_schema = True

    def __init__(
        self,
        name: str,
        client: Any,
        model: str,
        max_new_tokens: int,
        context_window: int,
        max_concurrency: int,
        batch_size: int = 8,
        tokenizer: Any | None = None,
        seed: int | None = None,
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.client = client
        self.model = model
        self.max_new_tokens = max_new_tokens
        self.context_window = context_window
        self.max_concurrency = max_concurrency
        self.batch_size = batch_size
        self.tokenizer = tokenizer
        self.seed = seed
        self.extra_body = dict(extra_body or {})

    def _redact(self, text: str) -> str:
        return _redacted(str(text), str(self.client.api_key))

    def _not_a_completion(self, body: Any) -> HarnessError:
        return HarnessError(
            f"model.base_url: {self.client.base_url} answered, but not with a chat completion "
            f"({_short(self._redact(str(body)), 80)!r}); point model.base_url at the server's "
            "OpenAI-compatible API (its address usually ends in /v1)"
        )

    def count_tokens(self, text: str) -> int:
        """Tokens in `text`: the configured tokenizer's count, else a high estimate."""
        if self.tokenizer is None:
            return int(len(text) / _CHARS_PER_TOKEN_ESTIMATE) + 1
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def prompt_tokens(self, conversation: Conversation) -> int:
        """Tokens the conversation takes as a prompt (used to fit retrieved context)."""
        if self.tokenizer is None or not getattr(self.tokenizer, "chat_template", None):
            return sum(self.count_tokens(turn["content"]) + 4 for turn in conversation)
        rendered = self.tokenizer.apply_chat_template(
            conversation, tokenize=False, add_generation_prompt=True
        )
        return self.count_tokens(rendered)

    def generate(self, conversations: list[Conversation]) -> list[Generation]:
        """One request per conversation, at most `max_concurrency` at a time, results in order."""
        return self._generate(conversations, {})

    def generate_json(
        self, conversations: list[Conversation], schema: Schema, max_new_tokens: int | None = None
    ) -> list[Generation]:
        """As `generate`, each request with `response_format` holding the reply to `schema`
        (OpenAI's structured outputs; vLLM, llama.cpp's server and Ollama take the same field)."""
        asked: dict[str, Any] = {"response_format": response_format(schema)}
        if max_new_tokens is not None:
            asked["max_tokens"] = max_new_tokens
        return self._generate(conversations, asked)

    def _generate(
        self, conversations: list[Conversation], asked: dict[str, Any]
    ) -> list[Generation]:
        if len(conversations) <= 1 or self.max_concurrency == 1:
            return [self._complete(c, asked) for c in conversations]
        with ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
            return list(pool.map(lambda c: self._complete(c, asked), conversations))

    def _complete(self, conversation: Conversation, asked: dict[str, Any]) -> Generation:
        import openai

        try:
            response = self.client.chat.completions.create(
                **{
                    "model": self.model,
                    "messages": conversation,
                    "max_tokens": self.max_new_tokens,
                    "temperature": 0.0,
                    "seed": self.seed,
                    "extra_body": self.extra_body or None,
                    **asked,
                }
            )
        except openai.AuthenticationError as error:
            raise HarnessError(
                f"model.api_key_env: {self.client.base_url} rejected the API key "
                f"({error.status_code}); export a valid key in the variable model.api_key_env names"
            ) from None
        except openai.PermissionDeniedError as error:
            raise HarnessError(
                f"model.model: the API key may not use {self.model!r} at {self.client.base_url} "
                f"({error.status_code})"
            ) from None
        except openai.NotFoundError:
            raise HarnessError(
                f"model.model: {self.model!r} not found at {self.client.base_url}; "
                f"{_offered_models(self.client)}"
            ) from None
        except openai.APIConnectionError as error:
            raise HarnessError(
                f"model.base_url: no answer from {self.client.base_url} after "
                f"{self.client.max_retries} retries ({type(error).__name__}); is the server up?"
            ) from None
        except openai.APIStatusError as error:
            raise HarnessError(
                f"model.base_url: {self.client.base_url} answered HTTP {error.status_code} after "
                f"{self.client.max_retries} retries: {_short(self._redact(error.message))}"
            ) from None
        except openai.APIResponseValidationError as error:
            raise self._not_a_completion(error.body) from None
        except UnicodeDecodeError as error:  # a 200 whose body is not UTF-8: the client's json
            raise self._not_a_completion(  # decoding fails before anything is returned
                f"a body that is not UTF-8: byte {error.object[error.start]:#04x} at {error.start}"
            ) from None
        if not getattr(response, "choices", None):  # e.g. a web page served with status 200
            raise self._not_a_completion(response)
        text = (response.choices[0].message.content or "").strip()
        usage = response.usage
        if usage is None:
            raise HarnessError(
                f"model.base_url: {self.client.base_url} returned no token usage; ragbench takes "
                f"token counts from the server's `usage` and cannot price this model without it"
            )
        counts = (usage.prompt_tokens, usage.completion_tokens)
        if not all(isinstance(n, int) and 0 <= n <= _MAX_TOKENS_PER_REQUEST for n in counts):
            raise HarnessError(
                f"model.base_url: {self.client.base_url} reported usage of {counts[0]} prompt and "
                f"{counts[1]} completion tokens for one request, which cannot be right; check the "
                "server (ragbench prices API models by these counts)"
            )
        return Generation(text, *counts)


def load_openai_compatible(
    name: str, model: str, base_url: str, **settings: Any
) -> OpenAICompatibleChatModel:
    """Build a client for an OpenAI-compatible server; the key comes from `$<api_key_env>`.

    The settings are `OpenAICompatibleModelConfig`'s fields, with its defaults; `extra_body`
    carries server-specific request fields (e.g. llama.cpp's `repeat_penalty`).
    """
    import openai

    config = settings_from(
        OpenAICompatibleModelConfig,
        {"name": name, "model": model, "base_url": base_url, **settings},
    )
    max_concurrency, timeout_seconds = config.max_concurrency, config.timeout_seconds
    context_window, max_retries = config.context_window, config.max_retries

    problems = [
        f"model.{key}={value}: use a positive number"
        for key, value in (
            ("max_concurrency", max_concurrency),
            ("timeout_seconds", timeout_seconds),
            ("context_window", context_window),
        )
        if value <= 0
    ]
    if max_retries < 0:
        problems.append(f"model.max_retries={max_retries}: use 0 or more")
    if problems:
        raise HarnessError("; ".join(problems))
    api_key = _api_key(config.api_key_env)
    client = openai.OpenAI(
        base_url=base_url, api_key=api_key, timeout=timeout_seconds, max_retries=max_retries
    )
    counter = _tokenizer(config.tokenizer, config.tokenizer_package, config.cache_dir)
    if counter is None:
        log.info(
            "model %s: no tokenizer configured; retrieved context is fitted to the window with a "
            "high estimate (reported token counts still come from the server's usage)",
            name,
        )
    return OpenAICompatibleChatModel(
        name, client, model, config.max_new_tokens, context_window, max_concurrency,
        config.batch_size, counter, config.seed, config.extra_body,
    )  # fmt: skip


def _api_key(api_key_env: str | None) -> str:
    if not api_key_env:
        return _NO_KEY  # local servers take any key; the client insists on one
    key = os.environ.get(api_key_env)
    if not key:
        raise HarnessError(
            f"model.api_key_env: environment variable {api_key_env} is not set; export it, or "
            f"set model.api_key_env=null for a server that needs no key"
        )
    return key


def _tokenizer(pretrained: str | None, package: str | None, cache_dir: str) -> Any | None:
    """The tokenizer the served model uses, when the config names one (for context fitting)."""
    if pretrained and package:
        raise HarnessError("model.tokenizer / model.tokenizer_package: set at most one of them")
    if package:
        from pathlib import Path

        from harness.models.transformers import packaged_model_folder

        pretrained = packaged_model_folder(package, None, Path(cache_dir).expanduser())
    if not pretrained:
        return None
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(pretrained)


def _offered_models(client: Any) -> str:
    try:
        offered = sorted(m.id for m in client.models.list())
    except Exception:  # the listing is a courtesy; the error that brought us here is the news
        return "check the model id the server serves"
    return f"it serves: {', '.join(offered) or 'nothing'}"


def _redacted(text: str, key: str) -> str:
    """`text` with the API key's value masked: a server may echo the request in its error."""
    return text.replace(key, "***") if key and key != _NO_KEY else text


def _short(message: str, limit: int = 160) -> str:
    flat = " ".join(str(message).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
