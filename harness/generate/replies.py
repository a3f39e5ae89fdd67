"""Asking the model: strict reply parsing, bounded retries, a content-hashed reply cache, a budget.

A reply is used only if all of it is one JSON array (optionally inside one ```json fence, a habit
of chat models) whose items have exactly the keys asked for, each a non-blank string. Nothing is
fished out of surrounding prose: a preamble line is a malformed reply, not a question. A reply
that does not parse is asked again with the problem named (`generate.retry_prompt`), at most
`generate.max_retries` times, then counted as rejected. What the calls cost, by the server's token
counts, is checked against `generate.max_cost_usd` after every batch.

A request may carry a JSON schema: a backend that supports one (`harness.models.constrained`)
holds the reply to it, so it parses by construction; any other gets the same prompt and its reply
the same parsing and retries. Arrays are asked for as `{"items": [...]}` (OpenAI's schemas need an
object at the top), which the parsers unwrap.

Every reply is stored under `<cache_dir>/generate/<key[:2]>/<key>.json` as soon as its batch
returns, keyed by sha256 of the model's settings (without where it is served), the conversation
and `max_new_tokens`, and the schema when the backend used one; a run killed part way and started
again pays only for replies it lacks.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from harness.errors import HarnessError
from harness.files import write_json_atomic
from harness.models import ChatModel, Conversation
from harness.models.constrained import Schema, schema_key, supports_schema

Parser = Callable[[str], Any]


class ReplyError(ValueError):
    """A reply not in the format asked: `kind` counts it, the message goes into the retry."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def parse_objects(text: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """A JSON array of objects with exactly `keys`, each a non-blank string."""
    items = _json_array(text)
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict) or set(item) != set(keys):
            names = ", ".join(f'"{k}"' for k in keys)
            raise ReplyError(
                "wrong_keys", f"item {number} is not an object with exactly the keys {names}"
            )
        blank = [k for k in keys if not isinstance(item[k], str) or not item[k].strip()]
        if blank:
            raise ReplyError(
                "empty_field", f'item {number}: "{blank[0]}" must be a non-empty string'
            )
    return [{k: item[k].strip() for k in keys} for item in items]


def parse_strings(text: str, count: int) -> list[str]:
    """A JSON array of exactly `count` non-blank strings."""
    items = _json_array(text)
    if len(items) != count or not all(isinstance(i, str) and i.strip() for i in items):
        raise ReplyError("wrong_count", f"give a JSON array of exactly {count} non-empty strings")
    return [item.strip() for item in items]


def _json_array(text: str) -> list[Any]:
    body = _unfenced(text.strip())
    try:
        value = json.loads(body)
    except json.JSONDecodeError as error:
        raise ReplyError(
            "not_json", f"it is not valid JSON ({error.msg} at character {error.pos})"
        ) from None
    except RecursionError:
        raise ReplyError("not_json", "it is nested too deeply") from None
    if isinstance(value, dict) and set(value) == {"items"}:
        value = value["items"]  # the object a schema wraps an array in (`array_schema`)
    if not isinstance(value, list):
        raise ReplyError("not_array", f"it is a JSON {type(value).__name__}, not an array")
    return value


def _unfenced(body: str) -> str:
    """The inside of one ```json (or ```) fence around the whole reply, else the reply.

    Read by its lines, not by a pattern: a pattern with a lazy or greedy middle backtracks over a
    reply of a fence and 60,000 blank lines for hours (8,000 lines took 146 s)."""
    opening, newline, rest = body.partition("\n")
    if not (newline and opening.startswith("```") and opening[3:].strip() in ("", "json")):
        return body
    inside, closing = rest.rstrip(), "```"
    if not inside.endswith(closing):
        return body
    inside = inside[: -len(closing)]
    if inside.strip() and "\n" not in inside[len(inside.rstrip()) :]:
        return body  # the closing fence must start a line of its own
    return inside.strip()


def array_schema(items: Schema, most: int | None = None, least: int = 0) -> Schema:
    """The schema of `{"items": [...]}`: between `least` and `most` items like `items`."""
    array: Schema = {"type": "array", "items": items, "minItems": least}
    if most is not None:
        array["maxItems"] = most
    return object_schema({"items": array})


def object_schema(properties: dict[str, Schema]) -> Schema:
    """An object with exactly `properties`, all required."""
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}  # fmt: skip


def string_schema(most: int = 300) -> Schema:
    """A non-blank string of at most `most` characters, on one line."""
    return {"type": "string", "minLength": 1, "maxLength": most, "pattern": r"^[^\n]*\S[^\n]*$"}


@dataclass
class Reply:
    """The text one conversation got, and what it cost."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    cached: bool = False


@dataclass
class Usage:
    """Calls made and cached so far, and their tokens and seconds (cached replies cost nothing)."""

    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0


class Asker:
    """Sends conversations to the model in batches, through the cache, within `max_calls`."""

    def __init__(
        self,
        model: ChatModel,
        model_identity: dict[str, Any],
        cache_dir: Path,
        retry_prompt: str,
        max_retries: int,
        max_calls: int | None = None,
        batch_size: int = 8,
        max_cost_usd: float | None = None,
        spent: Callable[[Usage], float] | None = None,
    ) -> None:
        self.model = model
        self.identity = model_identity
        self.folder = cache_dir / "generate"
        self.retry_prompt = retry_prompt
        self.max_retries = max_retries
        self.max_calls = max_calls
        self.batch_size = max(1, batch_size)
        self.usage = Usage()
        # the cost of the usage so far (the server's token counts priced), checked after each
        # batch against `max_cost_usd`: the estimate before the run trusts max_new_tokens, and a
        # server may report far more than that
        self.max_cost_usd = max_cost_usd
        self.spent = spent

    def key(self, conversation: Conversation, schema: Schema | None = None) -> str:
        """sha256 of what decides a reply: the model's settings, the conversation and the
        schema the backend holds it to (none when it cannot: the reply is the unconstrained one)."""
        decisive: dict[str, Any] = {"model": self.identity, "conversation": conversation}
        if schema is not None and supports_schema(self.model):
            decisive["schema"] = schema_key(schema)
        blob = json.dumps(decisive, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def cached(self, conversation: Conversation, schema: Schema | None = None) -> Reply | None:
        """The stored reply to `conversation`, or None (a damaged entry counts as none)."""
        path = self._path(self.key(conversation, schema))
        try:
            row = json.loads(path.read_text(encoding="utf-8"))
            return Reply(row["text"], row["prompt_tokens"], row["completion_tokens"],
                         row["seconds"], cached=True)  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def ask_parsed(
        self,
        conversations: list[Conversation],
        parse: Parser,
        label: str,
        schema: Schema | None = None,
    ) -> tuple[list[Any | None], int, dict[str, int]]:
        """Each conversation's parsed reply (None: still unparsable after the retries), the
        number of replies received, and the problems of the replies that failed, by kind;
        held to `schema` where the backend can."""
        results: list[Any | None] = [None] * len(conversations)
        current = list(enumerate(conversations))
        replies, problems = 0, {}
        for attempt in range(self.max_retries + 1):
            if not current:
                break
            tag = label if attempt == 0 else f"{label} (retry {attempt})"
            answers = self.ask([c for _, c in current], tag, schema)
            replies += len(answers)
            again = []
            for (index, conv), reply in zip(current, answers, strict=True):
                try:
                    results[index] = parse(reply.text)
                except ReplyError as error:
                    problems[error.kind] = problems.get(error.kind, 0) + 1
                    retry = {"role": "user", "content": self.retry_prompt.format(problem=error)}
                    again.append((index, [*conv, {"role": "assistant", "content": reply.text},
                                          retry]))  # fmt: skip
            current = again
        return results, replies, problems

    def ask(
        self, conversations: list[Conversation], label: str, schema: Schema | None = None
    ) -> list[Reply]:
        """Replies in order: cached ones read, the others generated a batch at a time (held
        to `schema` where the backend can)."""
        constrained = schema is not None and supports_schema(self.model)
        replies: list[Reply | None] = [self.cached(c, schema) for c in conversations]
        missing = [i for i, r in enumerate(replies) if r is None]
        self.usage.cached += len(conversations) - len(missing)
        if self.max_calls is not None and self.usage.calls + len(missing) > self.max_calls:
            raise HarnessError(
                f"generate.max_calls={self.max_calls}: {label} needs {len(missing)} more calls "
                f"after {self.usage.calls}; raise generate.max_calls (replies so far are cached)"
            )
        with tqdm(total=len(missing), desc=label, unit="call", disable=not missing) as bar:
            for start in range(0, len(missing), self.batch_size):
                batch = missing[start : start + self.batch_size]
                started = time.perf_counter()
                asked = [conversations[i] for i in batch]
                generations = (
                    self.model.generate_json(asked, schema)  # type: ignore[attr-defined]
                    if constrained
                    else self.model.generate(asked)
                )
                seconds = (time.perf_counter() - started) / len(batch)
                for index, generation in zip(batch, generations, strict=True):
                    reply = Reply(generation.text, generation.prompt_tokens,
                                  generation.completion_tokens, seconds)  # fmt: skip
                    self._store(conversations[index], reply, schema)
                    replies[index] = reply
                    self._count(reply)
                bar.update(len(batch))
                self._check_cost(label)
        return [r for r in replies if r is not None]

    def _check_cost(self, label: str) -> None:
        """Stop the run once what it has spent passes `max_cost_usd` (its replies are kept)."""
        if self.max_cost_usd is None or self.spent is None:
            return
        cost = self.spent(self.usage)
        if cost > self.max_cost_usd:
            usage = self.usage
            raise HarnessError(
                f"generate.max_cost_usd={self.max_cost_usd}: stopped during {label} after "
                f"spending ${cost:.4f} on {usage.calls} calls (the server reported "
                f"{usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion "
                "tokens); check the server's token counts, or raise generate.max_cost_usd and "
                "run the same command again (the replies so far are cached)"
            )

    def _count(self, reply: Reply) -> None:
        self.usage.calls += 1
        self.usage.prompt_tokens += reply.prompt_tokens
        self.usage.completion_tokens += reply.completion_tokens
        self.usage.seconds += reply.seconds

    def _store(self, conversation: Conversation, reply: Reply, schema: Schema | None) -> None:
        row = {"conversation": conversation, "model": self.identity, "text": reply.text,
               "prompt_tokens": reply.prompt_tokens, "seconds": reply.seconds,
               "completion_tokens": reply.completion_tokens}  # fmt: skip
        write_json_atomic(self._path(self.key(conversation, schema)), row)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"
