"""The statistics a comparison rests on: confidence intervals, paired tests, break-even volume."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def bootstrap_ci(
    values: Sequence[float], level: float = 0.95, resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean."""
    data = np.asarray(values, dtype=float)
    if len(data) == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(resamples, len(data)))].mean(axis=1)
    tail = 100 * (1 - level) / 2
    return (float(np.percentile(means, tail)), float(np.percentile(means, 100 - tail)))


def mcnemar_p(first_correct: Sequence[bool], second_correct: Sequence[bool]) -> float:
    """Exact two-sided McNemar test on paired right/wrong outcomes for the same questions."""
    if len(first_correct) != len(second_correct):
        raise ValueError("paired outcomes must cover the same questions")
    only_first = sum(a and not b for a, b in zip(first_correct, second_correct, strict=True))
    only_second = sum(b and not a for a, b in zip(first_correct, second_correct, strict=True))
    discordant = only_first + only_second
    if discordant == 0:
        return 1.0
    smaller = min(only_first, only_second)
    tail = sum(math.comb(discordant, k) for k in range(smaller + 1)) / 2**discordant
    return min(1.0, 2 * tail)


def break_even_volume(
    setup_a: float, per_query_a: float, setup_b: float, per_query_b: float
) -> float | None:
    """Query volume at which the total costs (setup + volume x per-query) of A and B are equal.

    None when the lines never cross at a positive volume (one is cheaper at every volume).
    """
    if per_query_a == per_query_b:
        return None
    volume = (setup_b - setup_a) / (per_query_a - per_query_b)
    return volume if volume > 0 else None


def pareto_front(costs: Sequence[float], accuracies: Sequence[float]) -> list[bool]:
    """Marks points no other point beats on both cost (lower) and accuracy (higher)."""
    points = list(zip(costs, accuracies, strict=True))
    return [
        not any(
            (c2 <= c and a2 >= a) and (c2 < c or a2 > a)
            for j, (c2, a2) in enumerate(points)
            if j != i
        )
        for i, (c, a) in enumerate(points)
    ]
