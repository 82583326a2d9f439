"""How right the wait estimates were: hub.domain.estimate_quality."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.estimate_quality import (
    estimate_errors,
    estimate_was_right,
    percentile,
)


@pytest.mark.parametrize(("predicted", "actual", "right"), [
    (0, 0, True), (0, 10, True), (12, 2, True), (0, 10.5, False),   # within 10 min
    (60, 90, True), (60, 40, True), (60, 121, False), (30, 61, False),  # within half
    (100, 200, True), (100, 201, False), (250, 100, False),
])
def test_right_is_within_ten_minutes_or_half_the_wait(predicted: float, actual: float,
                                                       right: bool) -> None:
    assert estimate_was_right(predicted, actual) is right


def test_the_field_estimate_of_issue_16_is_wrong() -> None:
    # "≈ 0 min" with 276 waiting: everybody waited hours.
    errors = estimate_errors([0.0] * 10, [120.0 + n for n in range(10)])
    assert errors.within == 0.0
    assert errors.too_short == 1.0
    assert errors.ratio_p50 is not None and errors.ratio_p50 < 0.05
    assert errors.factor_p90 is not None and errors.factor_p90 > 20


def test_summary_of_a_mixed_day() -> None:
    predicted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    actual = [10, 20, 30, 40, 50, 60, 70, 80, 45, 25]
    errors = estimate_errors(predicted, actual)
    assert errors.count == 10
    assert errors.within == 0.8  # 90 against 45 is exactly half: right; 100 against 25 not
    assert errors.too_short == 0.0
    assert errors.ratio_p50 == 1.0
    assert errors.ratio_p90 == 2.0
    assert errors.factor_p90 == 2.0
    assert errors.as_dict()["count"] == 10


def test_short_waits_are_compared_from_five_minutes() -> None:
    errors = estimate_errors([1.0], [0.0])
    assert errors.ratio_p50 == 1.0
    assert errors.factor_p50 == 1.0


def test_no_visitors() -> None:
    errors = estimate_errors([], [])
    assert errors.count == 0
    assert errors.ratio_p50 is None and errors.factor_p90 is None
    assert errors.within == 0.0


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="pair"):
        estimate_errors([1.0], [])
    with pytest.raises(ValueError, match="negative"):
        estimate_errors([-1.0], [3.0])
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(1, 11)]
    assert percentile(values, 0.5) == 5.0
    assert percentile(values, 0.9) == 9.0
    assert percentile(values, 1.0) == 10.0
    assert percentile([7.0], 0.1) == 7.0


minutes = st.floats(0, 600, allow_nan=False)


@given(pairs=st.lists(st.tuples(minutes, minutes), min_size=1, max_size=60))
@settings(max_examples=300)
def test_summary_properties(pairs: list[tuple[float, float]]) -> None:
    predicted = [p for p, _ in pairs]
    actual = [a for _, a in pairs]
    errors = estimate_errors(predicted, actual)
    assert errors.count == len(pairs)
    assert 0.0 <= errors.too_short <= 1.0 - errors.within + 1e-12
    assert errors.factor_p50 is not None and errors.factor_p90 is not None
    assert 1.0 <= errors.factor_p50 <= errors.factor_p90
    assert errors.ratio_p50 is not None and errors.ratio_p90 is not None
    assert errors.ratio_p50 <= errors.ratio_p90
    # Exact estimates are all right and have no error at all.
    exact = estimate_errors(actual, actual)
    assert exact.within == 1.0 and exact.factor_p90 == 1.0 and exact.too_short == 0.0


@given(actual=minutes, miss=st.floats(0, 600, allow_nan=False))
def test_a_bigger_miss_is_never_more_right(actual: float, miss: float) -> None:
    if not estimate_was_right(actual + miss, actual):
        assert not estimate_was_right(actual + miss + 1, actual)
    if estimate_was_right(actual + miss, actual):
        assert estimate_was_right(actual + miss / 2, actual)
