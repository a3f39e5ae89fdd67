"""Interval, paired-difference, multiple-testing and power helpers on hand-computed cases."""

from __future__ import annotations

import math

import pytest

from harness import stats

Z_975 = 1.959964  # standard normal quantile at 0.975 (table value)
Z_95 = 1.644854  # at 0.95
Z_80 = 0.841621  # at 0.80


def test_wilson_matches_textbook_values() -> None:
    # 8/10 at 95 %: the textbook Wilson interval is (0.4902, 0.9433).
    low, high = stats.wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_does_not_collapse_at_zero_or_one() -> None:
    # At p = 0 the Wilson upper bound simplifies to (z^2/n) / (1 + z^2/n).
    # 95 %: z^2/20 = 3.841459/20 = 0.192073 -> 0.192073/1.192073 = 0.16113.
    low, high = stats.wilson_interval(0, 20)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(0.16113, abs=1e-4)
    # 90 %: z^2/20 = 2.705543/20 = 0.135277 -> 0.135277/1.135277 = 0.11916.
    assert stats.wilson_interval(0, 20, level=0.90)[1] == pytest.approx(0.11916, abs=1e-4)
    # 20/20 mirrors 0/20.
    low, high = stats.wilson_interval(20, 20)
    assert low == pytest.approx(1 - 0.16113, abs=1e-4)
    assert high == pytest.approx(1.0, abs=1e-12)


def test_wilson_against_the_formula_and_edge_cases() -> None:
    # Independent evaluation of the score-interval formula for 37/50 at 95 %.
    n, p, z = 50, 37 / 50, Z_975
    center = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert stats.wilson_interval(37, 50) == pytest.approx((center - half, center + half), abs=1e-6)
    assert all(math.isnan(x) for x in stats.wilson_interval(0, 0))
    with pytest.raises(ValueError):
        stats.wilson_interval(5, 3)


def test_holm_hand_example_in_input_order() -> None:
    # Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> running max 0.06.
    adjusted = stats.holm_adjust([0.01, 0.04, 0.03, 0.005])
    assert adjusted == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_handles_empty() -> None:
    # 0.4*3 = 1.2 -> 1, 0.5*2 = 1.0, 0.9*1 = 0.9 -> running max keeps 1.0.
    assert stats.holm_adjust([0.9, 0.4, 0.5]) == pytest.approx([1.0, 1.0, 1.0])
    # A single p-value is not adjusted.
    assert stats.holm_adjust([0.2]) == pytest.approx([0.2])
    assert stats.holm_adjust([]) == []


def test_paired_bootstrap_identical_inputs_give_zero() -> None:
    outcomes = [True, False, True, True, False] * 6
    assert stats.paired_bootstrap_difference(outcomes, outcomes) == (0.0, 0.0, 0.0)


def test_paired_bootstrap_second_always_right() -> None:
    assert stats.paired_bootstrap_difference([False] * 25, [True] * 25) == (1.0, 1.0, 1.0)
    # The sign is second minus first.
    assert stats.paired_bootstrap_difference([True] * 25, [False] * 25) == (-1.0, -1.0, -1.0)


def test_paired_bootstrap_is_narrower_than_unpaired_on_correlated_data() -> None:
    # 100 questions: first is right on 60, second right on those 60 and 10 more.
    # True difference 0.10; per-question differences are 10 ones and 90 zeros.
    n = 100
    first = [True] * 60 + [False] * 40
    second = [True] * 70 + [False] * 30
    diff, low, high = stats.paired_bootstrap_difference(first, second, seed=3)
    assert diff == pytest.approx(0.10)
    assert low < 0.10 < high
    # Paired normal width: 2 * 1.96 * sqrt(0.1 * 0.9 / 100) = 2 * 1.96 * 0.03 = 0.1176.
    paired_width = 2 * Z_975 * math.sqrt(0.1 * 0.9 / n)
    # Unpaired width: 2 * 1.96 * sqrt(0.6*0.4/100 + 0.7*0.3/100) = 2 * 1.96 * 0.0671 = 0.263.
    unpaired_width = 2 * Z_975 * math.sqrt(0.6 * 0.4 / n + 0.7 * 0.3 / n)
    assert high - low == pytest.approx(paired_width, rel=0.25)
    assert high - low < 0.6 * unpaired_width
    # An unpaired test would not exclude 0 here; the paired interval does.
    assert low > 0


def test_paired_bootstrap_validates_and_handles_empty() -> None:
    with pytest.raises(ValueError):
        stats.paired_bootstrap_difference([True, False], [True])
    assert all(math.isnan(x) for x in stats.paired_bootstrap_difference([], []))


def test_mdd_hand_value_at_n100_accuracy_half() -> None:
    # psi = 2 * 0.5 * 0.5 = 0.5; (1.959964 + 0.841621) * sqrt(0.5 / 100) = 2.801585 * 0.0707107.
    assert stats.minimum_detectable_difference(100, 0.5) == pytest.approx(0.19810, abs=1e-4)
    # Explicit discordance 0.2: 2.801585 * sqrt(0.002) = 0.12529.
    assert stats.minimum_detectable_difference(100, 0.5, discordant_rate=0.2) == pytest.approx(
        0.12529, abs=1e-4
    )
    # Two-sided alpha = 0.10 uses z_0.95: (1.644854 + 0.841621) * 0.0707107 = 0.17582.
    assert stats.minimum_detectable_difference(100, 0.5, alpha=0.10) == pytest.approx(
        (Z_95 + Z_80) * math.sqrt(0.005), abs=1e-5
    )


def test_mdd_shrinks_with_n_like_one_over_root_n() -> None:
    small = stats.minimum_detectable_difference(100, 0.7)
    large = stats.minimum_detectable_difference(400, 0.7)
    assert large == pytest.approx(small / 2)
    assert stats.minimum_detectable_difference(1000, 0.7) < large


def test_mdd_never_zero_at_the_extremes_and_nan_for_no_questions() -> None:
    # psi = 2*a*(1-a) = 0 is floored at 1/n = 0.01: 2.801585 * sqrt(0.01 / 100) = 0.028016.
    for accuracy in (0.0, 1.0):
        mdd = stats.minimum_detectable_difference(100, accuracy)
        assert mdd > 0
        assert mdd == pytest.approx((Z_975 + Z_80) * 0.01, abs=1e-5)
    assert math.isnan(stats.minimum_detectable_difference(0, 0.5))
