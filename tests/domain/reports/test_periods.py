"""Report periods: a day or a quarter, written 2026-11-23 or 2026-Q4."""

from __future__ import annotations

from datetime import date

import pytest

from hub.domain.calendar import WorkCalendar
from hub.domain.errors import ValidationFailed
from hub.domain.reports.periods import (
    PeriodKind,
    day_period,
    parse_period,
    quarter_period,
)


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026-q3", date(2026, 7, 1), date(2026, 9, 30)),
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2028-Q1", date(2028, 1, 1), date(2028, 3, 31)),
])
def test_quarters(text: str, first: date, last: date) -> None:
    period = parse_period(text)
    assert (period.kind, period.first, period.last) == (PeriodKind.QUARTER, first, last)
    assert period.code == text.upper()
    assert len(period.days()) == (last - first).days + 1


def test_a_day() -> None:
    period = parse_period(" 2026-11-23 ")
    assert (period.kind, period.first, period.last) == (PeriodKind.DAY, date(2026, 11, 23),
                                                        date(2026, 11, 23))
    assert period.code == "2026-11-23"
    assert period.title.ru == "Отчет за 23.11.2026"
    assert period.title.kk == "23.11.2026 күнгі есеп"


def test_titles_of_a_quarter() -> None:
    period = parse_period("2026-Q4")
    assert period.title.ru == "Отчет за 4 квартал 2026 года"
    assert period.title.kk == "2026 жылғы 4-тоқсандағы есеп"


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2026, 2, 14), date(2026, 3, 31)])
def test_every_day_of_a_quarter_finds_it(day: date) -> None:
    assert quarter_period(day) == parse_period("2026-Q1")
    assert day in quarter_period(day)


def test_previous_and_following_cross_years() -> None:
    assert parse_period("2026-Q1").previous() == parse_period("2025-Q4")
    assert parse_period("2025-Q4").following() == parse_period("2026-Q1")
    assert day_period(date(2026, 1, 1)).previous() == day_period(date(2025, 12, 31))
    assert day_period(date(2026, 2, 28)).following() == day_period(date(2026, 3, 1))


def test_working_days_of_a_quarter_skip_weekends_and_holidays() -> None:
    calendar = WorkCalendar()
    q1 = parse_period("2026-Q1").working_days(calendar)
    assert date(2026, 1, 1) not in q1  # New Year
    assert date(2026, 3, 9) not in q1  # 8 March on a Sunday is observed on Monday 9th
    assert date(2026, 3, 23) not in q1  # Nauryz
    assert date(2026, 1, 5) in q1
    assert all(day.weekday() < 5 for day in q1)
    assert len(q1) == sum(1 for day in parse_period("2026-Q1").days()
                          if calendar.is_working_day(day))


def test_an_extra_closed_day_is_not_a_working_day() -> None:
    calendar = WorkCalendar(closed_days=[date(2026, 11, 23)])
    assert day_period(date(2026, 11, 23)).working_days(calendar) == []
    assert day_period(date(2026, 11, 24)).working_days(calendar) == [date(2026, 11, 24)]


@pytest.mark.parametrize("text", ["", "2026", "2026-Q5", "2026-Q0", "2026-13-01",
                                  "2026-02-30", "23.11.2026", "1999-Q1", "2101-01-01",
                                  "2026-Q4; drop table"])
def test_bad_periods_are_refused_in_both_languages(text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_period(text)
    assert refused.value.field == "period"
    assert "тоқсан" in refused.value.text.kk
    assert "квартал" in refused.value.text.ru
