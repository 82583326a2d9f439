"""The period a report covers: one service day or one calendar quarter.

Written as people write them: ``2026-11-23`` for a day, ``2026-Q4`` for a
quarter. The working days of a period come from the center's calendar
(weekends, public holidays of Kazakhstan and the administrator's extra days),
so "visitors per working day" divides by days the center was open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from hub.domain.calendar import WorkCalendar
from hub.domain.errors import ValidationFailed
from hub.domain.text import Bilingual

_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INVALID = Bilingual(
    kk="Есеп кезеңі дұрыс емес: күнді (2026-11-23) немесе тоқсанды (2026-Q4) көрсетіңіз.",
    ru="Неверный период отчета: укажите день (2026-11-23) или квартал (2026-Q4).")
FIRST_YEAR = 2000
LAST_YEAR = 2100


class PeriodKind(StrEnum):
    DAY = "day"
    QUARTER = "quarter"


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    kind: PeriodKind
    first: date
    last: date  # inclusive

    @property
    def code(self) -> str:
        """How the period is written in URLs and file names."""
        if self.kind is PeriodKind.DAY:
            return self.first.isoformat()
        return f"{self.first.year}-Q{quarter_number(self.first)}"

    @property
    def title(self) -> Bilingual:
        if self.kind is PeriodKind.DAY:
            shown = self.first.strftime("%d.%m.%Y")
            return Bilingual(kk=f"{shown} күнгі есеп", ru=f"Отчет за {shown}")
        number, year = quarter_number(self.first), self.first.year
        return Bilingual(kk=f"{year} жылғы {number}-тоқсандағы есеп",
                         ru=f"Отчет за {number} квартал {year} года")

    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def working_days(self, calendar: WorkCalendar) -> list[date]:
        return [day for day in self.days() if calendar.is_working_day(day)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def previous(self) -> ReportPeriod:
        if self.kind is PeriodKind.DAY:
            return day_period(self.first - timedelta(days=1))
        return quarter_period(self.first - timedelta(days=1))

    def following(self) -> ReportPeriod:
        if self.kind is PeriodKind.DAY:
            return day_period(self.first + timedelta(days=1))
        return quarter_period(self.last + timedelta(days=1))


def quarter_number(day: date) -> int:
    return (day.month - 1) // 3 + 1


def day_period(day: date) -> ReportPeriod:
    return ReportPeriod(PeriodKind.DAY, day, day)


def quarter_period(day: date) -> ReportPeriod:
    """The quarter `day` falls in."""
    first_month = (quarter_number(day) - 1) * 3 + 1
    first = date(day.year, first_month, 1)
    after = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return ReportPeriod(PeriodKind.QUARTER, first, after - timedelta(days=1))


def parse_period(value: str) -> ReportPeriod:
    """``2026-11-23`` or ``2026-Q4``; anything else is refused in both languages."""
    text = value.strip()
    quarter = _QUARTER.match(text)
    if quarter is not None:
        year, number = int(quarter.group(1)), int(quarter.group(2))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValidationFailed(f"year {year} is outside {FIRST_YEAR}..{LAST_YEAR}",
                                   _INVALID, field="period")
        return quarter_period(date(year, (number - 1) * 3 + 1, 1))
    if _DAY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError as error:
            raise ValidationFailed(f"no such day {text!r}", _INVALID, field="period") from error
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValidationFailed(f"year {day.year} is outside {FIRST_YEAR}..{LAST_YEAR}",
                                   _INVALID, field="period")
        return day_period(day)
    raise ValidationFailed(f"period {value!r} is neither YYYY-MM-DD nor YYYY-Qn", _INVALID,
                           field="period")
