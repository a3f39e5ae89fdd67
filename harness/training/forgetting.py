"""The forgetting check: does an adapter cost the model what it knew before?

A strategy that trains weights asks a set of general questions twice, with its adapter disabled
and enabled, before it merges the adapter. Only the generations are kept (cached under
`<cache_dir>/forgetting/<key>.json`, keyed by the adapter, the prompts and the answer length);
`harness.run.evaluate.forgetting` judges them with the scoring rules in force, like every answer.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.datasets import load_jsonl
from harness.files import write_json_atomic
from harness.models import Conversation, TrainableChatModel

log = logging.getLogger(__name__)

_FORMAT = 4  # bump when the stored record changes shape


def check(
    chat: TrainableChatModel,
    adapter: Any,
    questions_file: str,
    prompt: Callable[[str], Conversation],
    cache_dir: str,
) -> dict[str, Any]:
    """Generations for the general questions without and with the adapter (a `adapters.Adapter`).

    `chat.model` must be the unmerged peft model, so its adapter can be switched off.
    """
    keys = ("strategy.forgetting_questions", "strategy.forgetting_questions")
    questions = load_jsonl("forgetting", questions_file, keys=keys).questions
    conversations = [prompt(q.question) for q in questions]
    # what decides the generations: the adapter, the prompts, their length and the dtype answering
    answering = getattr(chat, "dtype", "float32")
    key = _digest([_FORMAT, adapter.meta["key"], conversations, chat.max_new_tokens, answering])
    path = Path(cache_dir).expanduser() / "forgetting" / f"{key[:32]}.json"
    cached = _read(path, key)
    if cached is not None:
        return cached
    started = time.perf_counter()
    with adapter.model.disable_adapter():
        base = chat.generate(conversations)
    adapted = chat.generate(conversations)
    record = {
        "key": key,
        "questions_file": questions_file,
        "predictions": [
            {"id": q.id, "question": q.question, "answers": list(q.answers),
             "base": b.text, "adapted": a.text}
            for q, b, a in zip(questions, base, adapted, strict=True)
        ],
        "seconds": time.perf_counter() - started,
    }  # fmt: skip
    try:
        write_json_atomic(path, record)
    except OSError as error:  # an unwritable cache costs only the caching
        log.warning("could not cache the forgetting check in %s (%s)", path, error.strerror)
    return record


def _read(path: Path, key: str) -> dict[str, Any] | None:
    """The cached record, or None when absent or unreadable (it is then generated again)."""
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        log.warning("%s is damaged; generating the forgetting check again", path)
        return None
    return record if record.get("key") == key else None


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
