"""People ahead and the estimated wait: hub.domain.estimate."""

from __future__ import annotations

import math
from datetime import datetime, time
from fractions import Fraction
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.calendar import WorkCalendar, WorkingHours
from hub.domain.estimate import (
    LONGEST_VISIT_MINUTES,
    MIN_SAMPLES,
    RECENT_VISITS,
    SHORTEST_VISIT_MINUTES,
    WaitEstimate,
    desk_share,
    desks_for_zone,
    estimate_wait,
    plausible_visit,
    through_breaks,
    typical_service_minutes,
)

# --------------------------------------------------------------------------- typical time


def test_constants() -> None:
    assert MIN_SAMPLES == 3
    assert RECENT_VISITS == 20


@pytest.mark.parametrize("durations", [[], [5.0], [5.0, 7.0], [-1.0, 4.0, 6.0]])
def test_too_few_samples_give_the_default(durations: list[float]) -> None:
    assert typical_service_minutes(durations, 15.0) == 15.0


def test_mean_of_three() -> None:
    assert typical_service_minutes([5.0, 9.0, 7.0], 15.0) == 7.0


def test_skewed_visits_count_by_their_mean_not_their_median() -> None:
    # Short questions and a long complaint: the queue waits for all of them.
    assert typical_service_minutes([4.0, 4.0, 5.0, 5.0, 32.0], 15.0) == 10.0


def test_a_long_visit_counts_one_left_open_does_not() -> None:
    assert typical_service_minutes([10.0, 12.0, 120.0], 15.0) == pytest.approx(142 / 3)
    assert typical_service_minutes([10.0, 12.0, 11.0, 600.0, 900.0], 15.0) == 11.0


def test_negative_durations_are_ignored() -> None:
    assert typical_service_minutes([-5.0, 2.0, 4.0, 6.0], 15.0) == 4.0  # mean of 2, 4, 6
    assert typical_service_minutes([-5.0, -1.0, 4.0, 6.0], 15.0) == 15.0


def test_mis_presses_are_not_service_times() -> None:
    # Done pressed at the call (0 s), 10 s later, a visit left open overnight.
    assert typical_service_minutes([0.0, 0.0, 3.0], 15.0) == 15.0
    assert typical_service_minutes([0.0] * 30 + [8.0, 10.0, 12.0], 15.0) == 10.0
    assert typical_service_minutes([10 / 60, 9.0, 11.0, 13.0, 600.0], 15.0) == 11.0


def test_the_limits_are_half_a_minute_and_three_hours() -> None:
    assert SHORTEST_VISIT_MINUTES == 0.5
    assert LONGEST_VISIT_MINUTES == 180
    assert plausible_visit(0.5) and plausible_visit(180.0)
    assert not plausible_visit(29 / 60) and not plausible_visit(180.1)


def test_mis_presses_do_not_push_real_visits_out_of_the_window() -> None:
    # 20 real visits, then 25 mis-presses: the 20 real ones are still the window.
    durations = [12.0] * 20 + [0.0] * 25
    assert typical_service_minutes(durations, 5.0) == 12.0


def test_only_the_recent_window_counts() -> None:
    # 10 long visits in the morning, then 20 short ones: only the short ones matter.
    durations = [60.0] * 10 + [5.0] * 20
    assert typical_service_minutes(durations, 15.0) == 5.0
    # 19 short and one long one still in the window.
    durations = [60.0] * 10 + [5.0] * 19
    assert typical_service_minutes(durations, 15.0) == pytest.approx((19 * 5 + 60) / 20)
    mixed = [1.0] * 5 + [float(n) for n in range(1, 21)]
    assert typical_service_minutes(mixed, 15.0) == 10.5


def test_result_is_a_float() -> None:
    result = typical_service_minutes([1, 2, 3, 4], 15.0)
    assert result == 2.5
    assert isinstance(typical_service_minutes([3, 3, 3], 15.0), float)


def test_works_with_a_tuple() -> None:
    assert typical_service_minutes((3.0, 4.0, 5.0), 9.0) == 4.0


@given(durations=st.lists(st.floats(-10, 300, allow_nan=False), max_size=40),
       default=st.floats(1, 60))
@settings(max_examples=200)
def test_typical_minutes_is_the_mean_of_the_recent_valid_ones(durations: list[float],
                                                                default: float) -> None:
    window = [d for d in durations if 0.5 <= d <= 180][-20:]
    result = typical_service_minutes(durations, default)
    if len(window) < 3:
        assert result == default
    else:
        assert result == pytest.approx(mean(window))
        assert min(window) - 1e-9 <= result <= max(window) + 1e-9


# --------------------------------------------------------------------------- wait


def test_estimate_wait_examples() -> None:
    assert estimate_wait(0, 15.0, 3) == WaitEstimate(people_ahead=0, minutes=0, staffed_desks=3,
                                                     service_minutes=15.0, desks=3.0)
    assert estimate_wait(3, 15.0, 1).minutes == 45
    assert estimate_wait(3, 15.0, 3).minutes == 15
    assert estimate_wait(3, 15.0, 2).minutes == 23  # 22.5 rounded up
    assert estimate_wait(1, 10.0, 3).minutes == 4  # 3.33 rounded up
    assert estimate_wait(7, 12.5, 2).minutes == 44  # 43.75
    assert estimate_wait(1, 0.01, 1).minutes == 1


def test_estimate_keeps_its_inputs() -> None:
    estimate = estimate_wait(5, 12.5, 2)
    assert estimate.people_ahead == 5
    assert estimate.staffed_desks == 2
    assert estimate.service_minutes == 12.5
    assert estimate.minutes == 32  # 31.25


@pytest.mark.parametrize("desks", [0, -1])
def test_no_staffed_desk_is_estimated_as_one(desks: int) -> None:
    estimate = estimate_wait(4, 10.0, desks)
    assert estimate.minutes == 40
    assert estimate.staffed_desks == desks


def test_negative_people_ahead_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        estimate_wait(-1, 10.0, 2)


def test_estimate_is_frozen() -> None:
    estimate = estimate_wait(1, 10.0, 1)
    with pytest.raises(AttributeError):
        estimate.minutes = 0  # type: ignore[misc]


@given(ahead=st.integers(0, 500), quarters=st.integers(0, 240), desks=st.integers(-2, 12))
@settings(max_examples=300)
def test_wait_is_the_exact_quotient_rounded_up(ahead: int, quarters: int, desks: int) -> None:
    # Quarters of a minute are exact in binary, so the expectation is exact too.
    service = quarters / 4
    exact = Fraction(ahead) * Fraction(quarters, 4) / max(desks, 1)
    estimate = estimate_wait(ahead, service, desks)
    assert estimate.minutes == math.ceil(exact)
    assert estimate.minutes >= 0


@given(ahead=st.integers(0, 200), service=st.floats(0.5, 60), desks=st.integers(1, 6))
@settings(max_examples=200)
def test_more_people_or_fewer_desks_never_wait_less(ahead: int, service: float,
                                                    desks: int) -> None:
    base = estimate_wait(ahead, service, desks).minutes
    assert estimate_wait(ahead + 1, service, desks).minutes >= base
    assert estimate_wait(ahead, service, desks + 1).minutes <= base


@pytest.mark.parametrize(("ahead", "service", "desks", "expected"),
                         [(25, 2.2, 5, 11), (25, 4.4, 2, 55), (15, 16.6, 3, 83)])
def test_a_whole_number_of_minutes_is_not_rounded_up(ahead: int, service: float, desks: int,
                                                     expected: int) -> None:
    # 2.2 minutes is 132 s, a median the hub computes from seconds / 60.
    assert estimate_wait(ahead, service, desks).minutes == expected


# --------------------------------------------------------------------------- shared desks


def test_a_desk_of_one_zone_counts_whole() -> None:
    assert desk_share("c", ["c"], {"c": 40}) == 1.0
    assert desk_share("c", ["o"], {"c": 40}) == 0.0


def test_a_shared_desk_splits_by_who_waits() -> None:
    # 9 wait in c, 29 in o: with the visitor estimated for, 10 of 40 are c's.
    assert desk_share("c", ["c", "o"], {"c": 9, "o": 29}) == 0.25
    # Nobody waits anywhere: equal parts.
    assert desk_share("c", ["c", "o", "p"], {}) == pytest.approx(1 / 3)
    # The other zone is empty: the desk is nearly all this zone's.
    assert desk_share("c", ["c", "o"], {"c": 99}) == pytest.approx(100 / 101)


def test_desks_for_zone_sums_the_shares() -> None:
    staffed = [("c",), ("c", "o"), ("o",)]
    assert desks_for_zone("c", staffed, {"c": 9, "o": 29}) == 1.25
    assert desks_for_zone("o", staffed, {"c": 9, "o": 29}) == 1.75


def test_shared_desks_lengthen_the_wait() -> None:
    # 10 ahead, 12 min each, one desk shared half and half: as if half a desk.
    assert estimate_wait(10, 12.0, 1, desks=0.5).minutes == 240
    assert estimate_wait(10, 12.0, 2, desks=1.5).minutes == 80
    # Nobody staffed: as if one desk, whatever the share says.
    assert estimate_wait(10, 12.0, 0, desks=0.0).minutes == 120


zone_names = st.sampled_from(["a", "b", "c", "d"])


@given(zone=zone_names,
       desks=st.lists(st.lists(zone_names, min_size=1, max_size=4), max_size=8),
       waiting=st.dictionaries(zone_names, st.integers(0, 300)))
@settings(max_examples=300)
def test_shares_are_fair(zone: str, desks: list[list[str]], waiting: dict[str, int]) -> None:
    total = desks_for_zone(zone, desks, waiting)
    serving = [d for d in desks if zone in d]
    # Never more than the desks that serve the zone, never nothing if one does.
    assert 0 <= total <= len(serving) + 1e-9
    assert (total > 0) == bool(serving)
    # Every desk's time is given out whole among its zones.
    for d in desks:
        assert sum(desk_share(z, d, waiting) for z in set(d)) == pytest.approx(1.0)


@given(ahead=st.integers(0, 200), service=st.floats(0.5, 60),
       desks=st.lists(st.lists(zone_names, min_size=1, max_size=3), min_size=1, max_size=5),
       waiting=st.dictionaries(zone_names, st.integers(0, 100)))
@settings(max_examples=200)
def test_sharing_a_desk_never_shortens_the_wait(ahead: int, service: float,
                                                desks: list[list[str]],
                                                waiting: dict[str, int]) -> None:
    serving = [d for d in desks if "a" in d]
    whole = estimate_wait(ahead, service, len(serving))
    shared = estimate_wait(ahead, service, len(serving),
                           desks=desks_for_zone("a", desks, waiting))
    assert shared.minutes >= whole.minutes


# --------------------------------------------------------------------------- breaks


def _calendar() -> WorkCalendar:
    return WorkCalendar(WorkingHours(opens=time(9), closes=time(18, 30),
                                     lunch_starts=time(13), lunch_ends=time(14, 30)),
                        timezone="Asia/Almaty")


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 8, hour, minute, tzinfo=ZoneInfo("Asia/Almaty"))


def test_a_wait_into_lunch_is_longer_by_the_break() -> None:
    calendar = _calendar()
    # 40 working minutes from 12:40: 20 before lunch, 20 after it (14:30 + 20).
    waited = through_breaks(estimate_wait(4, 10.0, 1), calendar, _at(12, 40))
    assert waited.minutes == 40 + 90
    # Before lunch it ends in time: unchanged.
    assert through_breaks(estimate_wait(4, 10.0, 1), calendar, _at(10)).minutes == 40
    # Issued at lunch: nobody is called before 14:30.
    assert through_breaks(estimate_wait(1, 10.0, 1), calendar, _at(13, 30)).minutes == 70


def test_a_wait_past_closing_keeps_its_working_minutes() -> None:
    late = through_breaks(estimate_wait(30, 10.0, 1), _calendar(), _at(17))
    assert late.minutes == 300


def test_after_working_seconds_is_the_inverse_of_working_seconds_between() -> None:
    calendar = _calendar()
    start = _at(11, 15)
    for minutes in (0, 30, 105, 106, 200, 300):
        end = calendar.after_working_seconds(start, minutes * 60)
        if end is None:
            assert minutes * 60 > calendar.working_seconds_between(start, _at(18, 30))
        else:
            assert calendar.working_seconds_between(start, end) == minutes * 60
