"""Stand-ins shared by several test modules: models, an embedder, a corpus, run folders."""

from __future__ import annotations

import functools
import json
import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from harness.datasets import Document
from harness.files import write_json_atomic
from harness.models import Conversation, Generation
from harness.prompts.templates import conversation
from harness.run import results
from harness.run.results import RunSummary
from harness.run.runner import summarize
from tests.helpers import compose_config


class FakeEmbedder:
    """Whitespace tokens; vectors are normalised bags of hashed words, so overlap means similar."""

    identity = "fake-embedder"
    max_tokens = 64
    dimension = 64

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def token_spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in re.finditer(r"\S+", text)]

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        self.calls.append(list(texts))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                vectors[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)


class FakeChatModel:
    """A ChatModel whose tokens are whitespace-separated words; records what it was asked."""

    name = "fake"

    def __init__(self, context_window: int = 2048, max_new_tokens: int = 8) -> None:
        self.context_window = context_window
        self.max_new_tokens = max_new_tokens
        self.batches: list[list[list[dict[str, str]]]] = []

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def prompt_tokens(self, conversation: list[dict[str, str]]) -> int:
        return sum(self.count_tokens(f"{t['role']}: {t['content']}") for t in conversation)

    def generate(self, conversations: list[list[dict[str, str]]]) -> list[Generation]:
        self.batches.append(conversations)
        return [Generation("I don't know", self.prompt_tokens(c), 3) for c in conversations]


CORPUS = [
    Document("d1", "Pebble plan", "The Pebble plan includes 6.5 GB of storage for one user."),
    Document("d2", "Cove plan", "The Cove plan costs 7.35 dollars per month."),
    Document("d3", "Trash", "Deleted files stay in the trash for 30 days before removal."),
    Document("d4", "Devices", "A Pebble account can link at most 3 devices at once."),
]

PAIRS = [  # words of the tiny tokenizer's vocabulary (tests/conftest.py), so every token is real
    ("what is the pro plan upload limit ?", "acme gb"),
    ("how many days retention ?", "few days"),
    ("what is the capital of france ?", "paris"),
    ("who is the acme ceo ?", "i don't know ."),
    ("what is the upload limit ?", "acme gb"),
    ("how many days ?", "few days"),
]


def examples() -> list[tuple[Conversation, str]]:
    """The tiny (prompt, reply) pairs, under a short system prompt."""
    return [(conversation("answer in a few words .", "{question}", q), a) for q, a in PAIRS]


@functools.cache
def _composed(overrides: tuple[str, ...]) -> DictConfig:
    """Composed once per test session (a tenth of a second each); `summarize` only reads it."""
    return compose_config(list(overrides))


def write_summary(folder: Path, rows: list[dict[str, Any]], overrides: list[str]) -> RunSummary:
    """Write `metrics.json` for the rows with the runner's own `summarize`, as a run leaves it.

    `overrides` pick the strategy, model and dataset the summary names; `setup.json`, if the
    folder holds one, is read as the runner reads it.
    """
    cfg = _composed(tuple(overrides))
    plain: dict[str, Any] = OmegaConf.to_container(cfg, resolve=True)  # type: ignore[assignment]
    summary = summarize(cfg, plain, folder, rows, expected=len(rows))
    write_json_atomic(folder / results.METRICS, summary)
    return summary


def write_fake_run(
    root: Path, strategy: str, correct: list[bool], seconds: float, setup: float
) -> Path:
    """A run folder `acme-<strategy>` of model `m`: raw rows (the last one unanswerable).

    `metrics.json` is the runner's summary of those rows with two figures then changed to
    contradict them, so a report that read them back instead of evaluating the rows would fail.
    """
    folder = root / f"acme-{strategy}"
    folder.mkdir(parents=True)
    last = len(correct) - 1
    rows = [
        {"id": f"q{i}", "question": f"question {i}?", "answers": ["75 seats"] if i < last else [],
         "prediction": ("I don't know." if i == last else "75") if ok else "60 seats",
         "batch": i, "batch_seconds": seconds, "latency_seconds": seconds,
         "prompt_tokens": 10, "completion_tokens": 2}
        for i, ok in enumerate(correct)
    ]  # fmt: skip
    (folder / results.PREDICTIONS).write_text("".join(json.dumps(r) + "\n" for r in rows))
    # what the runner records: the strategy's cost and what it declared it is
    prepared = {
        "build_seconds": setup,
        "details": {},
        "capabilities": {
            "needs_model": True,
            "prompting": False,
            "retrieval": "rag" in strategy,
            "trained_weights": "finetune" in strategy,
        },
    }
    if setup:  # the shape training.py records: train loss per logging step, validation per epoch
        prepared["loss_curve"] = {
            "train": [
                {"step": s, "epoch": 1 + (s - 1) // 2, "loss": 3.0 / s} for s in (1, 2, 3, 4)
            ],
            "validation": [{"epoch": e, "loss": 3.0 - e} for e in (0, 1, 2)],
        }
    (folder / results.SETUP).write_text(json.dumps(prepared))
    summary = write_summary(folder, rows, [f"strategy={strategy}", "model.name=m"])
    summary["metrics"]["answerable_accuracy"] = 0.5
    summary["cost"]["per_1k_questions_usd"] = 123.0
    write_json_atomic(folder / results.METRICS, summary)
    return folder
