"""The speed figures: latency per question and per batch, throughput and tokens."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.metrics import Judged, Metric, percentile, register


def _batch_seconds(rows: list[Judged]) -> np.ndarray:
    """Each batch's seconds once (every row of a batch carries the batch's time)."""
    seen: dict[int, float] = {}
    for row in rows:
        seen.setdefault(row["batch"], row["batch_seconds"])
    return np.array(list(seen.values()), dtype=float)


def _throughput(rows: list[Judged]) -> float | None:
    total = _batch_seconds(rows).sum()
    return len(rows) / total if total else None


def _batch_percentile(q: float) -> Callable[[list[Judged]], float | None]:
    return lambda rows: percentile(_batch_seconds(rows), q)


def _mean_latency(rows: list[Judged]) -> float | None:
    return float(np.mean([r["latency_seconds"] for r in rows])) if rows else None


def _latency(row: Judged) -> float:
    return row["latency_seconds"]


register(Metric("latency_p50_seconds", "latency p50 per question", row=_latency,
                aggregate="p50", higher_is_better=False, unit="seconds",
                headline="p50 latency per question"))  # fmt: skip
register(Metric("latency_p95_seconds", "latency p95 per question", row=_latency,
                aggregate="p95", higher_is_better=False, unit="seconds"))  # fmt: skip
register(Metric("latency_mean_seconds", "latency mean per question", run=_mean_latency,
                higher_is_better=False, unit="seconds", summary=False, report=False))  # fmt: skip
register(Metric("batch_p50_seconds", "batch p50", run=_batch_percentile(50),
                higher_is_better=False, unit="seconds", summary=False, report=False))  # fmt: skip
register(Metric("batch_p95_seconds", "batch p95", run=_batch_percentile(95),
                higher_is_better=False, unit="seconds", summary=False, report=False))  # fmt: skip
register(Metric("questions_per_second", "questions per second", run=_throughput,
                higher_is_better=True, unit="per_second", report=False))  # fmt: skip
register(Metric("prompt_tokens_mean", "prompt tokens per question",
                row=lambda r: r["prompt_tokens"], higher_is_better=False, unit="tokens",
                column="prompt_tokens"))  # fmt: skip
register(Metric("completion_tokens_mean", "completion tokens per question",
                row=lambda r: r["completion_tokens"], higher_is_better=False, unit="tokens",
                column="completion_tokens"))  # fmt: skip
register(Metric("prompt_tokens_total", "prompt tokens in all", row=lambda r: r["prompt_tokens"],
                aggregate="sum", unit="count", summary=False, report=False))  # fmt: skip
register(Metric("completion_tokens_total", "completion tokens in all",
                row=lambda r: r["completion_tokens"], aggregate="sum", unit="count",
                summary=False, report=False))  # fmt: skip
