"""Mean, median and 90th percentile of durations."""

from __future__ import annotations

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.reports.stats import Durations, percentile


def test_nothing_measured_has_no_figures() -> None:
    assert Durations.of([]) == Durations(0, None, None, None)


def test_one_value_is_its_own_mean_median_and_p90() -> None:
    assert Durations.of([120.0]) == Durations(1, 120.0, 120.0, 120.0)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    assert Durations.of([60, 10, 30, 20]).median == 25.0


def test_ten_values_one_to_ten() -> None:
    figures = Durations.of(range(1, 11))
    assert figures.count == 10
    assert figures.mean == 5.5
    assert figures.median == 5.5
    assert figures.p90 == pytest.approx(9.1)  # 0.9 * 9 = 8.1 -> between 9 and 10


def test_one_long_wait_moves_the_p90_and_mean_not_the_median() -> None:
    usual = [300.0] * 9
    figures = Durations.of([*usual, 3600.0])
    assert figures.median == 300.0
    assert figures.mean == pytest.approx(630.0)
    assert figures.p90 == pytest.approx(300.0 + (3600.0 - 300.0) * 0.1)


def test_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        Durations.of([5.0, -1.0])


@pytest.mark.parametrize("share", [-0.1, 1.1])
def test_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0, 2.0], share)


def test_percentile_of_nothing_is_refused() -> None:
    with pytest.raises(ValueError, match="undefined"):
        percentile([], 0.5)


values = st.lists(st.floats(min_value=0, max_value=86_400, allow_nan=False), min_size=2,
                  max_size=60)


@given(values)
def test_agrees_with_the_standard_library(seconds: list[float]) -> None:
    figures = Durations.of(seconds)
    deciles = statistics.quantiles(seconds, n=10, method="inclusive")
    assert figures.count == len(seconds)
    assert figures.median == pytest.approx(statistics.median(seconds), abs=1e-6)
    assert figures.mean == pytest.approx(statistics.fmean(seconds), abs=1e-6)
    assert figures.p90 == pytest.approx(deciles[8], abs=1e-6)


@given(values)
def test_order_of_figures(seconds: list[float]) -> None:
    figures = Durations.of(seconds)
    assert figures.median is not None and figures.p90 is not None
    assert min(seconds) <= figures.median <= figures.p90 <= max(seconds)
