"""Bootstrap intervals of benchmark figures (reportgen.intervals): resampling encounters, deterministic."""

from __future__ import annotations

from statistics import mean

import pytest

from reportgen.intervals import mean_interval, ratio_interval

SCORES = [0.42, 0.51, 0.38, 0.47, 0.55, 0.44, 0.49, 0.36, 0.58, 0.45]


def test_a_constant_sample_has_a_zero_width_interval_at_its_value() -> None:
    low, high = mean_interval([0.5] * 7)
    assert low == high == pytest.approx(0.5)


def test_the_interval_contains_the_mean_and_lies_within_the_values() -> None:
    low, high = mean_interval(SCORES)
    assert min(SCORES) < low < mean(SCORES) < high < max(SCORES)


def test_more_encounters_give_a_narrower_interval() -> None:
    low, high = mean_interval(SCORES)
    low_4, high_4 = mean_interval(SCORES * 4)
    assert high_4 - low_4 < high - low


def test_the_interval_is_deterministic_and_follows_the_seed() -> None:
    assert mean_interval(SCORES) == mean_interval(SCORES)
    assert ratio_interval([1, 2, 3], [2, 2, 4]) == ratio_interval([1, 2, 3], [2, 2, 4])
    assert mean_interval(SCORES, seed=1) != mean_interval(SCORES)


def test_a_ratio_resamples_encounters_not_items() -> None:
    # Two encounters: 9 of 10 listed problems right, and 0 of 2. Each draw takes 0, 1 or 2 copies of the
    # first: pooled 0/4, 9/12 or 18/20; the 2.5th and 97.5th percentiles fall on the two extremes.
    low, high = ratio_interval([9, 0], [10, 2])
    assert (low, high) == pytest.approx((0.0, 0.9))
    # A per-item bootstrap (12 problems, 9 right) would never reach 0: encounters are drawn whole.


def test_a_ratio_leaves_out_draws_without_a_denominator() -> None:
    # Recall over encounters where one has no labelled problems: draws of only that one have no ratio.
    low, high = ratio_interval([0, 3], [0, 4])
    assert low == high == pytest.approx(0.75)


@pytest.mark.parametrize("call", [lambda: mean_interval([]), lambda: ratio_interval([], [])], ids=["mean", "ratio"])
def test_an_empty_sample_is_an_error(call) -> None:
    with pytest.raises(ValueError, match="empty"):
        call()


def test_a_ratio_needs_a_denominator_and_one_per_numerator() -> None:
    with pytest.raises(ValueError, match="sum to 0"):
        ratio_interval([0, 0], [0, 0])
    with pytest.raises(ValueError, match="2 numerators for 1"):
        ratio_interval([1, 2], [3])
