"""Working days and hours of the center (000 §4): hub.domain.calendar."""

from __future__ import annotations

import bisect
import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain import calendar as calendar_module
from hub.domain.calendar import (
    OpeningState,
    OpeningStatus,
    WorkCalendar,
    WorkingHours,
)
from hub.domain.errors import ValidationFailed

ALMATY = ZoneInfo("Asia/Almaty")
CAL = WorkCalendar()
DAY_SECONDS = 8 * 3600  # 09:00-18:30 less 1.5 h of lunch

FIRST, LAST = date(2025, 1, 1), date(2027, 12, 31)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0,
       microsecond: int = 0) -> datetime:
    """A wall-clock moment in Almaty."""
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=ALMATY)


# An oracle built straight from the holidays package, independent of the module:
# weekdays Monday-Friday, minus public holidays, plus transferred working weekends.
_KZ: Any = holidays.country_holidays("KZ", years=range(2024, 2029))


def oracle_is_working(day: date) -> bool:
    if day in _KZ:
        return False
    if day in _KZ.weekend_workdays:
        return True
    return day.weekday() < 5


ORACLE_WORKING_DAYS = [
    date(2024, 6, 1) + timedelta(days=i)
    for i in range((date(2028, 7, 1) - date(2024, 6, 1)).days)
    if oracle_is_working(date(2024, 6, 1) + timedelta(days=i))
]

dates = st.dates(min_value=FIRST, max_value=LAST)
steps = st.integers(min_value=-60, max_value=60)

_BOUNDARIES = [time(0), time(9), time(13), time(14, 30), time(18, 30)]
_NUDGES = [timedelta(0), timedelta(microseconds=-1), timedelta(seconds=-1), timedelta(seconds=1)]
moments = st.one_of(
    st.datetimes(
        min_value=datetime(2025, 1, 1),
        max_value=datetime(2027, 12, 31, 23, 59, 59),
        timezones=st.sampled_from([ALMATY, UTC, ZoneInfo("Europe/Moscow")]),
    ),
    # Most bugs live at the edges of the periods; plain datetimes rarely hit them.
    st.builds(
        lambda day, wall, nudge: datetime.combine(day, wall, tzinfo=ALMATY) + nudge,
        dates,
        st.sampled_from(_BOUNDARIES),
        st.sampled_from(_NUDGES),
    ),
)


# --------------------------------------------------------------------------- working days


@pytest.mark.parametrize(
    "day",
    [date(2026, 3, 14), date(2026, 3, 15), date(2025, 6, 7), date(2025, 6, 8), date(2027, 11, 6)],
)
def test_weekends_are_closed(day: date) -> None:
    assert day.weekday() >= 5
    assert CAL.is_working_day(day) is False


@pytest.mark.parametrize(
    "day", [date(2026, 3, 10), date(2026, 3, 26), date(2026, 5, 12), date(2026, 12, 17),
            date(2025, 1, 6), date(2027, 1, 5)],
)
def test_ordinary_weekdays_are_working(day: date) -> None:
    assert CAL.is_working_day(day) is True
    assert CAL.holiday_name(day) is None


@pytest.mark.parametrize(
    "day",
    [
        # 2025
        date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3), date(2025, 1, 7),
        date(2025, 3, 10), date(2025, 3, 21), date(2025, 3, 24), date(2025, 3, 25),
        date(2025, 5, 1), date(2025, 5, 7), date(2025, 5, 9), date(2025, 7, 7),
        date(2025, 9, 1), date(2025, 10, 27), date(2025, 12, 16),
        # 2026
        date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 7), date(2026, 3, 9),
        date(2026, 3, 23), date(2026, 3, 24), date(2026, 3, 25), date(2026, 5, 1),
        date(2026, 5, 7), date(2026, 5, 11), date(2026, 7, 6), date(2026, 10, 26),
        date(2026, 12, 16),
        # 2027
        date(2027, 1, 1), date(2027, 1, 4), date(2027, 1, 7), date(2027, 3, 8),
        date(2027, 3, 22), date(2027, 3, 23), date(2027, 3, 24), date(2027, 5, 3),
        date(2027, 5, 7), date(2027, 5, 10), date(2027, 7, 6), date(2027, 10, 25),
        date(2027, 12, 16),
    ],
)
def test_public_holidays_and_observed_days_are_closed(day: date) -> None:
    assert day.weekday() < 5, "only weekday holidays prove anything here"
    assert CAL.is_working_day(day) is False
    assert CAL.holiday_name(day)


def test_holiday_names_come_from_the_holidays_package() -> None:
    assert CAL.holiday_name(date(2026, 3, 9)) == "International Women's Day (observed)"
    assert CAL.holiday_name(date(2026, 12, 16)) == "Independence Day"
    assert "Nowruz" in (CAL.holiday_name(date(2026, 3, 23)) or "")
    assert "Victory" in (CAL.holiday_name(date(2026, 5, 11)) or "")
    assert CAL.holiday_name(date(2026, 3, 10)) is None
    assert CAL.holiday_name(date(2025, 1, 5)) is None


def test_transferred_working_sunday_is_working() -> None:
    # 2025-01-03 (Friday) was given off in exchange for Sunday 2025-01-05.
    assert date(2025, 1, 5).weekday() == 6
    assert CAL.is_working_day(date(2025, 1, 5)) is True
    assert CAL.is_working_day(date(2025, 1, 3)) is False
    assert CAL.is_working_day(date(2025, 1, 4)) is False


def test_every_day_of_2025_to_2027_matches_the_state_calendar() -> None:
    day = FIRST
    while day <= LAST:
        assert CAL.is_working_day(day) is oracle_is_working(day), day
        day += timedelta(days=1)


def test_working_days_per_year() -> None:
    # 2025: 261 weekdays - 16 weekday holidays + 1 working Sunday.
    assert CAL.working_days_between(date(2024, 12, 31), date(2025, 12, 31)) == 246
    # 2026: 261 weekdays - 14 weekday holidays.
    assert CAL.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 247


def test_holiday_years_are_looked_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = holidays.country_holidays

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)

    monkeypatch.setattr(holidays, "country_holidays", counting)
    calendar_module._kazakhstan_year.cache_clear()
    try:
        for offset in range(365):
            WorkCalendar().is_working_day(date(2026, 1, 1) + timedelta(days=offset))
            CAL.holiday_name(date(2026, 1, 1) + timedelta(days=offset))
        assert calls == [2026]
    finally:
        calendar_module._kazakhstan_year.cache_clear()


# --------------------------------------------------------------------------- configuration


def test_configured_closed_day_closes_a_weekday() -> None:
    calendar = WorkCalendar(closed_days=[date(2026, 3, 10)])
    assert calendar.is_working_day(date(2026, 3, 10)) is False
    assert calendar.next_working_day(date(2026, 3, 6)) == date(2026, 3, 11)
    assert calendar.is_working_day(date(2026, 3, 11)) is True


def test_closed_day_overrides_a_transferred_working_sunday() -> None:
    calendar = WorkCalendar(closed_days={date(2025, 1, 5)})
    assert calendar.is_working_day(date(2025, 1, 5)) is False


def test_configured_working_days_open_a_saturday_and_a_holiday() -> None:
    calendar = WorkCalendar(working_days=[date(2026, 3, 14), date(2026, 3, 9)])
    assert calendar.is_working_day(date(2026, 3, 14)) is True
    assert calendar.is_working_day(date(2026, 3, 9)) is True
    assert calendar.holiday_name(date(2026, 3, 9)) == "International Women's Day (observed)"
    assert calendar.next_working_day(date(2026, 3, 6)) == date(2026, 3, 9)
    status = calendar.status_at(at(2026, 3, 14, 10))
    assert status.state is OpeningState.OPEN


def test_a_day_both_closed_and_working_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        WorkCalendar(closed_days=[date(2026, 4, 1)], working_days=[date(2026, 4, 1)])
    assert caught.value.field == "working_days"
    assert "2026-04-01" in caught.value.detail
    assert "2026-04-01" in caught.value.text.ru
    assert "2026-04-01" in caught.value.text.kk


def test_public_holidays_can_be_ignored() -> None:
    calendar = WorkCalendar(public_holidays=False)
    assert calendar.is_working_day(date(2026, 3, 9)) is True
    assert calendar.is_working_day(date(2025, 1, 5)) is False
    assert calendar.holiday_name(date(2026, 3, 9)) is None


def test_custom_weekdays() -> None:
    calendar = WorkCalendar(WorkingHours(weekdays=frozenset({5})), public_holidays=False)
    assert calendar.is_working_day(date(2026, 3, 14)) is True
    assert calendar.is_working_day(date(2026, 3, 13)) is False
    assert calendar.next_working_day(date(2026, 3, 14)) == date(2026, 3, 21)


def test_unknown_timezone_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        WorkCalendar(timezone="Asia/Nowhere")
    assert caught.value.field == "timezone"


def test_datetimes_are_not_taken_for_days() -> None:
    # A datetime never equals a date, so it would silently miss configured days.
    with pytest.raises(TypeError):
        CAL.is_working_day(datetime(2026, 3, 10, 10, tzinfo=ALMATY))
    with pytest.raises(TypeError):
        WorkCalendar(closed_days=[datetime(2026, 3, 10)])


def test_timezone_is_almaty_at_utc_plus_5() -> None:
    assert CAL.tz == ALMATY
    assert at(2026, 6, 1, 12).utcoffset() == timedelta(hours=5)


# --------------------------------------------------------------------------- counting days


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 6), date(2026, 3, 10)),  # weekend, then observed Women's Day
        (date(2026, 3, 20), date(2026, 3, 26)),  # weekend, then Nowruz
        (date(2026, 5, 8), date(2026, 5, 12)),  # weekend, then observed Victory Day
        (date(2026, 12, 15), date(2026, 12, 17)),  # Independence Day
        (date(2024, 12, 31), date(2025, 1, 5)),  # New Year, then the working Sunday
        (date(2026, 3, 10), date(2026, 3, 11)),  # strictly after a working day
        (date(2026, 3, 13), date(2026, 3, 16)),  # Friday to Monday
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert CAL.next_working_day(day) == expected


def test_add_working_days_examples() -> None:
    # A booking "within 15 working days" registered on Monday 2 March 2026
    # skips 7-9 March and 21-25 March.
    assert CAL.add_working_days(date(2026, 3, 2), 15) == date(2026, 3, 27)
    assert CAL.add_working_days(date(2026, 3, 27), -15) == date(2026, 3, 2)
    assert CAL.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 10)
    assert CAL.add_working_days(date(2026, 3, 10), -1) == date(2026, 3, 6)
    # A non-working start is not counted in either direction.
    assert CAL.add_working_days(date(2026, 3, 8), 1) == date(2026, 3, 10)
    assert CAL.add_working_days(date(2026, 3, 8), -1) == date(2026, 3, 6)
    assert CAL.add_working_days(date(2026, 3, 8), 0) == date(2026, 3, 8)
    assert CAL.add_working_days(date(2026, 3, 10), 0) == date(2026, 3, 10)


def test_working_days_between_examples() -> None:
    assert CAL.working_days_between(date(2026, 3, 2), date(2026, 3, 27)) == 15
    assert CAL.working_days_between(date(2026, 3, 27), date(2026, 3, 2)) == -15
    assert CAL.working_days_between(date(2026, 3, 10), date(2026, 3, 10)) == 0
    assert CAL.working_days_between(date(2026, 3, 7), date(2026, 3, 9)) == 0
    assert CAL.working_days_between(date(2026, 3, 6), date(2026, 3, 10)) == 1


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 10), date(2026, 3, 10)),
        (date(2026, 3, 7), date(2026, 3, 10)),
        (date(2026, 3, 9), date(2026, 3, 10)),
        (date(2026, 3, 21), date(2026, 3, 26)),
        (date(2025, 1, 1), date(2025, 1, 5)),
        (date(2025, 1, 5), date(2025, 1, 5)),
    ],
)
def test_registration_day(day: date, expected: date) -> None:
    assert CAL.registration_day(day) == expected


@given(day=dates, n=steps)
def test_adding_then_counting_gives_n_back_from_a_working_day(day: date, n: int) -> None:
    start = CAL.registration_day(day)
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


@given(day=dates, n=st.integers(min_value=0, max_value=60))
def test_adding_then_counting_forwards_from_any_day(day: date, n: int) -> None:
    assert CAL.working_days_between(day, CAL.add_working_days(day, n)) == n


@given(day=dates, n=steps)
def test_add_working_days_lands_on_the_nth_working_day(day: date, n: int) -> None:
    result = CAL.add_working_days(day, n)
    if n == 0:
        assert result == day
        return
    assert CAL.is_working_day(result)
    # Against the oracle's list of working days: exactly |n| of them are passed.
    if n > 0:
        expected = ORACLE_WORKING_DAYS[bisect.bisect_right(ORACLE_WORKING_DAYS, day) + n - 1]
    else:
        expected = ORACLE_WORKING_DAYS[bisect.bisect_left(ORACLE_WORKING_DAYS, day) + n]
    assert result == expected


@given(day=dates, n1=steps, n2=steps)
def test_add_working_days_is_strictly_increasing_in_n(day: date, n1: int, n2: int) -> None:
    low, high = sorted((n1, n2))
    if low == high:
        assert CAL.add_working_days(day, low) == CAL.add_working_days(day, high)
    else:
        assert CAL.add_working_days(day, low) < CAL.add_working_days(day, high)


@given(day=dates, n=st.integers(min_value=1, max_value=60))
def test_add_working_days_back_and_forth(day: date, n: int) -> None:
    start = CAL.registration_day(day)
    assert CAL.add_working_days(CAL.add_working_days(start, n), -n) == start
    assert CAL.add_working_days(CAL.add_working_days(start, -n), n) == start


@given(a=dates, b=dates, c=dates)
def test_working_days_between_is_additive_and_antisymmetric(a: date, b: date, c: date) -> None:
    assert CAL.working_days_between(a, b) == -CAL.working_days_between(b, a)
    assert (CAL.working_days_between(a, b) + CAL.working_days_between(b, c)
            == CAL.working_days_between(a, c))


@given(a=dates, b=dates)
def test_working_days_between_counts_like_the_oracle(a: date, b: date) -> None:
    low, high = sorted((a, b))
    count = bisect.bisect_right(ORACLE_WORKING_DAYS, high) - bisect.bisect_right(
        ORACLE_WORKING_DAYS, low)
    assert CAL.working_days_between(low, high) == count


@given(day=dates)
def test_registration_day_is_the_first_working_day_from_day(day: date) -> None:
    registered = CAL.registration_day(day)
    assert registered >= day
    assert CAL.is_working_day(registered)
    assert (registered == day) is CAL.is_working_day(day)
    # No working day in [day, registered), i.e. in (day - 1, registered - 1].
    one = timedelta(days=1)
    assert CAL.working_days_between(day - one, registered - one) == 0


# --------------------------------------------------------------------------- moments


def test_local_and_service_day() -> None:
    moment = datetime(2026, 3, 9, 20, 0, tzinfo=UTC)
    assert CAL.local(moment) == moment
    assert CAL.local(moment).tzinfo == ALMATY
    assert CAL.local(moment).hour == 1
    assert CAL.service_day(moment) == date(2026, 3, 10)
    assert CAL.service_day(datetime(2026, 3, 9, 18, 59, 59, tzinfo=UTC)) == date(2026, 3, 9)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.local(datetime(2026, 3, 10, 10)),
        lambda: CAL.service_day(datetime(2026, 3, 10, 10)),
        lambda: CAL.status_at(datetime(2026, 3, 10, 10)),
        lambda: CAL.next_opening(datetime(2026, 3, 10, 10)),
        lambda: CAL.working_seconds_between(datetime(2026, 3, 10, 10), at(2026, 3, 10, 11)),
        lambda: CAL.working_seconds_between(at(2026, 3, 10, 10), datetime(2026, 3, 10, 11)),
    ],
)
def test_naive_datetimes_are_refused(call: Any) -> None:
    with pytest.raises(ValueError, match="naive"):
        call()


TUESDAY = (2026, 3, 10)


@pytest.mark.parametrize(
    ("wall", "expected"),
    [
        (time(0, 0), OpeningStatus(OpeningState.CLOSED, at(*TUESDAY, 9), None)),
        (time(8, 59, 59), OpeningStatus(OpeningState.CLOSED, at(*TUESDAY, 9), None)),
        (time(8, 59, 59, 999999), OpeningStatus(OpeningState.CLOSED, at(*TUESDAY, 9), None)),
        (time(9, 0), OpeningStatus(OpeningState.OPEN, None, at(*TUESDAY, 13))),
        (time(12, 59), OpeningStatus(OpeningState.OPEN, None, at(*TUESDAY, 13))),
        (time(12, 59, 59), OpeningStatus(OpeningState.OPEN, None, at(*TUESDAY, 13))),
        (time(13, 0), OpeningStatus(OpeningState.LUNCH, at(*TUESDAY, 14, 30), None)),
        (time(14, 29, 59), OpeningStatus(OpeningState.LUNCH, at(*TUESDAY, 14, 30), None)),
        (time(14, 30), OpeningStatus(OpeningState.OPEN, None, at(*TUESDAY, 18, 30))),
        (time(18, 29, 59), OpeningStatus(OpeningState.OPEN, None, at(*TUESDAY, 18, 30))),
        (time(18, 30), OpeningStatus(OpeningState.CLOSED, at(2026, 3, 11, 9), None)),
        (time(23, 59, 59), OpeningStatus(OpeningState.CLOSED, at(2026, 3, 11, 9), None)),
    ],
)
def test_status_at_each_boundary_of_a_working_day(wall: time, expected: OpeningStatus) -> None:
    status = CAL.status_at(datetime.combine(date(*TUESDAY), wall, tzinfo=ALMATY))
    assert status == expected
    for moment in (status.resumes_at, status.closes_at):
        if moment is not None:
            assert moment.tzinfo == ALMATY


@pytest.mark.parametrize(
    ("moment", "resumes_at"),
    [
        (at(2026, 3, 13, 18, 30), at(2026, 3, 16, 9)),  # Friday evening -> Monday
        (at(2026, 3, 14, 12), at(2026, 3, 16, 9)),  # Saturday noon -> Monday
        (at(2026, 3, 6, 18, 45), at(2026, 3, 10, 9)),  # before Women's Day (observed)
        (at(2026, 3, 9, 12), at(2026, 3, 10, 9)),  # on the holiday itself
        (at(2026, 3, 20, 19), at(2026, 3, 26, 9)),  # before Nowruz
        (at(2026, 5, 8, 18, 30), at(2026, 5, 12, 9)),  # before Victory Day (observed)
        (at(2026, 12, 15, 20), at(2026, 12, 17, 9)),  # before Independence Day
        (at(2024, 12, 31, 18, 30), at(2025, 1, 5, 9)),  # New Year -> working Sunday
    ],
)
def test_closed_periods_resume_at_the_next_opening(moment: datetime,
                                                   resumes_at: datetime) -> None:
    assert CAL.status_at(moment) == OpeningStatus(OpeningState.CLOSED, resumes_at, None)
    assert CAL.next_opening(moment) == resumes_at


def test_status_of_a_moment_given_in_utc() -> None:
    assert CAL.status_at(datetime(2026, 3, 10, 3, 59, 59, tzinfo=UTC)).state is OpeningState.CLOSED
    opened = CAL.status_at(datetime(2026, 3, 10, 4, 0, tzinfo=UTC))
    assert opened == OpeningStatus(OpeningState.OPEN, None, at(*TUESDAY, 13))
    assert opened.closes_at == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def test_next_opening_examples() -> None:
    open_moment = at(*TUESDAY, 10, 15, 30)
    assert CAL.next_opening(open_moment) == open_moment
    assert CAL.next_opening(datetime(2026, 3, 10, 5, 15, 30, tzinfo=UTC)) == open_moment
    assert CAL.next_opening(datetime(2026, 3, 10, 5, tzinfo=UTC)).tzinfo == ALMATY
    assert CAL.next_opening(at(*TUESDAY, 13, 45)) == at(*TUESDAY, 14, 30)
    assert CAL.next_opening(at(*TUESDAY, 7)) == at(*TUESDAY, 9)
    assert CAL.next_opening(at(*TUESDAY, 18, 30)) == at(2026, 3, 11, 9)


def test_lunch_touching_opening_or_closing() -> None:
    early = WorkCalendar(WorkingHours(lunch_starts=time(9), lunch_ends=time(10)))
    assert early.status_at(at(*TUESDAY, 9)) == OpeningStatus(
        OpeningState.LUNCH, at(*TUESDAY, 10), None)
    assert early.status_at(at(*TUESDAY, 8)).resumes_at == at(*TUESDAY, 10)
    assert early.status_at(at(*TUESDAY, 10)) == OpeningStatus(
        OpeningState.OPEN, None, at(*TUESDAY, 18, 30))

    late = WorkCalendar(WorkingHours(lunch_starts=time(17), lunch_ends=time(18, 30)))
    assert late.status_at(at(*TUESDAY, 16)).closes_at == at(*TUESDAY, 17)
    # Lunch runs into closing time: nothing resumes until the next morning.
    assert late.status_at(at(*TUESDAY, 17, 30)) == OpeningStatus(
        OpeningState.LUNCH, at(2026, 3, 11, 9), None)


def test_hours_without_lunch() -> None:
    calendar = WorkCalendar(WorkingHours(lunch_starts=None, lunch_ends=None))
    assert calendar.status_at(at(*TUESDAY, 13, 30)) == OpeningStatus(
        OpeningState.OPEN, None, at(*TUESDAY, 18, 30))
    assert calendar.working_seconds_between(at(*TUESDAY), at(2026, 3, 11)) == 9.5 * 3600


@given(moment=moments)
def test_next_opening_is_the_first_open_moment(moment: datetime) -> None:
    opening = CAL.next_opening(moment)
    status = CAL.status_at(moment)
    assert opening >= moment
    assert CAL.status_at(opening).state is OpeningState.OPEN
    # Nothing open in between: otherwise it would not be the *next* opening.
    assert CAL.working_seconds_between(moment, opening) == 0
    assert (opening == moment) is (status.state is OpeningState.OPEN)
    if status.state is OpeningState.OPEN:
        assert status.resumes_at is None
        assert status.closes_at is not None
        assert status.closes_at > moment
        assert CAL.status_at(status.closes_at).state is not OpeningState.OPEN
        # Open right up to the end of the period.
        assert CAL.working_seconds_between(moment, status.closes_at) == pytest.approx(
            (status.closes_at - moment).total_seconds())
    else:
        assert status.closes_at is None
        assert status.resumes_at == opening
    assert (status.state is OpeningState.LUNCH) is (
        CAL.is_working_day(CAL.service_day(moment))
        and time(13) <= CAL.local(moment).time() < time(14, 30)
    )


# --------------------------------------------------------------------------- working seconds


@pytest.mark.parametrize(
    ("start", "end", "seconds"),
    [
        (at(*TUESDAY), at(2026, 3, 11), DAY_SECONDS),
        (at(*TUESDAY, 9), at(*TUESDAY, 18, 30), DAY_SECONDS),
        (at(*TUESDAY, 9), at(*TUESDAY, 13), 4 * 3600),
        (at(*TUESDAY, 12), at(*TUESDAY, 15), 3600 + 1800),
        (at(*TUESDAY, 13), at(*TUESDAY, 14, 30), 0),
        (at(*TUESDAY, 18, 30), at(2026, 3, 11, 9), 0),
        (at(*TUESDAY, 18, 29, 59), at(2026, 3, 11, 9, 0, 1), 2),
        (at(2026, 3, 14), at(2026, 3, 16), 0),  # a weekend
        (at(2026, 3, 9), at(2026, 3, 10), 0),  # a holiday
        # Friday 17:00 to Monday 10:00 across a weekend: 1.5 h + 1 h.
        (at(2026, 3, 13, 17), at(2026, 3, 16, 10), 9000),
        # A desk idle from Friday 16:30 reaches 3 working hours on Monday at 10:00 (000 §6).
        (at(2026, 3, 13, 16, 30), at(2026, 3, 16, 10), 3 * 3600),
        (at(2026, 3, 16), at(2026, 3, 23), 5 * DAY_SECONDS),  # an ordinary week
        (at(2026, 3, 23), at(2026, 3, 30), 2 * DAY_SECONDS),  # Nowruz week
        (at(2026, 1, 1), at(2027, 1, 1), 247 * DAY_SECONDS),  # all of 2026
        (at(*TUESDAY, 12), at(*TUESDAY, 11), 0),  # end before start
        (at(*TUESDAY, 12), at(*TUESDAY, 12), 0),
        # Moments in other zones count by their instant.
        (datetime(2026, 3, 10, 3, tzinfo=UTC), at(*TUESDAY, 10), 3600),
    ],
)
def test_working_seconds_between(start: datetime, end: datetime, seconds: float) -> None:
    assert CAL.working_seconds_between(start, end) == seconds


def test_working_seconds_over_three_years_is_quick_and_exact() -> None:
    days = CAL.working_days_between(date(2024, 12, 31), date(2027, 12, 31))
    assert days == len([d for d in ORACLE_WORKING_DAYS if FIRST <= d <= LAST])
    assert CAL.working_seconds_between(at(2025, 1, 1), at(2028, 1, 1)) == days * DAY_SECONDS


def test_working_seconds_use_real_elapsed_time_across_a_clock_change() -> None:
    # Berlin moves clocks from 02:00 to 03:00 on 29 March 2026: 00:00-06:00 lasts 5 h.
    night = WorkCalendar(
        WorkingHours(opens=time(0), closes=time(6), lunch_starts=None, lunch_ends=None,
                     weekdays=frozenset(range(7))),
        timezone="Europe/Berlin",
        public_holidays=False,
    )
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 3, 29, tzinfo=berlin)
    assert night.working_seconds_between(start, start + timedelta(days=1)) == 5 * 3600


@settings(max_examples=150)
@given(a=moments, b=moments, c=moments)
def test_working_seconds_are_additive_over_a_split_point(a: datetime, b: datetime,
                                                          c: datetime) -> None:
    first, middle, last = sorted((a, b, c))
    whole = CAL.working_seconds_between(first, last)
    parts = CAL.working_seconds_between(first, middle) + CAL.working_seconds_between(middle, last)
    assert math.isclose(whole, parts, abs_tol=1e-6)
    assert 0 <= whole <= (last - first).total_seconds() + 1e-6
    assert CAL.working_seconds_between(last, first) == (0 if last > first else whole)


@given(day=dates)
def test_a_whole_day_is_eight_hours_or_nothing(day: date) -> None:
    start = datetime.combine(day, time(), tzinfo=ALMATY)
    seconds = CAL.working_seconds_between(start, start + timedelta(days=1))
    assert seconds == (DAY_SECONDS if oracle_is_working(day) else 0)


# --------------------------------------------------------------------------- hours validation


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"opens": time(18, 30), "closes": time(9)}, "hours.closes"),
        ({"opens": time(9), "closes": time(9)}, "hours.closes"),
        ({"lunch_starts": None}, "hours.lunch_starts"),
        ({"lunch_ends": None}, "hours.lunch_ends"),
        ({"lunch_starts": time(8, 30)}, "hours.lunch_starts"),
        ({"lunch_ends": time(12)}, "hours.lunch_ends"),
        ({"lunch_ends": time(13)}, "hours.lunch_ends"),
        ({"lunch_ends": time(19)}, "hours.lunch_ends"),
        ({"weekdays": frozenset()}, "hours.weekdays"),
        ({"weekdays": frozenset({0, 7})}, "hours.weekdays"),
        ({"weekdays": frozenset({-1})}, "hours.weekdays"),
        ({"opens": time(9, tzinfo=UTC)}, "hours.opens"),
        ({"lunch_ends": time(14, 30, tzinfo=UTC)}, "hours.lunch_ends"),
    ],
)
def test_invalid_hours_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        WorkingHours(**changes)
    error = caught.value
    assert error.field == field
    assert error.code == "invalid_value"
    assert isinstance(error, ValueError)
    assert error.text.kk.strip()
    assert error.text.ru.strip()
    assert error.text.kk != error.text.ru


def test_valid_hours_edges() -> None:
    assert WorkingHours() == WorkingHours(time(9), time(18, 30), time(13), time(14, 30),
                                          frozenset({0, 1, 2, 3, 4}))
    WorkingHours(lunch_starts=time(9), lunch_ends=time(18, 30))
    WorkingHours(lunch_starts=None, lunch_ends=None)
    hours = WorkingHours(weekdays=[0, 6])  # type: ignore[arg-type]
    assert hours.weekdays == frozenset({0, 6})
    with pytest.raises(AttributeError):
        hours.opens = time(8)  # type: ignore[misc]
