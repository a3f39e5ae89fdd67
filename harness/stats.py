"""The statistics a comparison rests on: confidence intervals, paired tests, break-even volume."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

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


def _z(probability: float) -> float:
    """Standard normal quantile (inverse CDF) at `probability`, which must lie in (0, 1)."""
    if not 0 < probability < 1:
        raise ValueError(f"probability must lie strictly between 0 and 1, got {probability}")
    return NormalDist().inv_cdf(probability)


def wilson_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion; informative at 0 and 1, (nan, nan) for 0 trials."""
    if trials < 0 or not 0 <= successes <= max(trials, 0):
        raise ValueError(f"need 0 <= successes <= trials, got {successes}/{trials}")
    if trials == 0:
        return (math.nan, math.nan)
    z = _z(1 - (1 - level) / 2)
    p = successes / trials
    z2_n = z * z / trials
    center = (p + z2_n / 2) / (1 + z2_n)
    half = z / (1 + z2_n) * math.sqrt(p * (1 - p) / trials + z2_n / (4 * trials))
    low = 0.0 if successes == 0 else max(0.0, center - half)  # exact at the ends, no 1e-17
    high = 1.0 if successes == trials else min(1.0, center + half)
    return (low, high)


def paired_bootstrap_difference(
    first: Sequence[bool | float],
    second: Sequence[bool | float],
    level: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Mean of second minus first over the same questions, with a paired percentile bootstrap CI."""
    if len(first) != len(second):
        raise ValueError("paired outcomes must cover the same questions")
    if len(first) == 0:
        return (math.nan, math.nan, math.nan)
    differences = np.asarray(second, dtype=float) - np.asarray(first, dtype=float)
    rng = np.random.default_rng(seed)
    indexes = rng.integers(0, len(differences), size=(resamples, len(differences)))
    means = differences[indexes].mean(axis=1)
    tail = 100 * (1 - level) / 2
    return (
        float(differences.mean()),
        float(np.percentile(means, tail)),
        float(np.percentile(means, 100 - tail)),
    )


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni step-down adjusted p-values, returned in the input order."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    scaled = (m - np.arange(m)) * p[order]
    adjusted_sorted = np.minimum(1.0, np.maximum.accumulate(scaled))
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    return [float(x) for x in adjusted]


def minimum_detectable_difference(
    n: int,
    accuracy: float,
    alpha: float = 0.05,
    power: float = 0.8,
    discordant_rate: float | None = None,
) -> float:
    """Smallest true paired accuracy difference a two-sided test detects at `alpha` with `power`.

    Normal approximation for a paired (McNemar-type) comparison on the same n questions:
    MDD = (z_{1-alpha/2} + z_power) * sqrt(psi / n), psi the discordant proportion. Without
    `discordant_rate`, psi = 2 * accuracy * (1 - accuracy), the discordance of two independent
    strategies at that accuracy (conservative: correlated strategies disagree less). psi is
    floored at 1/n (at least one discordant question) so the result is never 0. nan for n == 0.
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}")
    if n == 0:
        return math.nan
    psi = 2 * accuracy * (1 - accuracy) if discordant_rate is None else discordant_rate
    psi = max(psi, 1 / n)
    return (_z(1 - alpha / 2) + _z(power)) * math.sqrt(psi / n)


def questions_to_detect(
    difference: float, discordant_rate: float, alpha: float = 0.05, power: float = 0.8
) -> int:
    """About how many paired questions a two-sided test needs to detect `difference` at `alpha`
    with `power`, the inverse of `minimum_detectable_difference` at the discordance observed
    (floored at `difference`: at least the questions on which the two must disagree)."""
    if not 0 < difference <= 1:
        raise ValueError(f"difference must lie in (0, 1], got {difference}")
    psi = max(discordant_rate, difference)
    return math.ceil(((_z(1 - alpha / 2) + _z(power)) / difference) ** 2 * psi)
