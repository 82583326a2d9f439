"""Working calendar of the center (000 §4).

Offers:

* ``WorkingHours`` — opening and closing times, the lunch break and the working
  weekdays, validated on construction;
* ``WorkCalendar`` — which days are working (weekdays, public holidays of
  Kazakhstan with their observed and transferred days off, days the
  administrator closed or opened), counting in working days for deadlines
  ("within 15 working days from registration"), and whether the center is
  open, at lunch or closed at a given moment, when it opens next and how many
  working seconds lie between two moments;
* ``OpeningState`` and ``OpeningStatus`` — the answer of ``WorkCalendar.status_at``.

Moments are aware datetimes; every moment returned is in the calendar's zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from hub.domain.errors import ValidationFailed
from hub.domain.text import Bilingual

__all__ = [
    "OpeningState",
    "OpeningStatus",
    "WorkCalendar",
    "WorkingHours",
]

_ONE_DAY = timedelta(days=1)


# --------------------------------------------------------------------------- hours


@dataclass(frozen=True, slots=True)
class WorkingHours:
    """Daily hours of the center; the defaults are those of 000 §4."""

    opens: time = time(9, 0)
    closes: time = time(18, 30)
    lunch_starts: time | None = time(13, 0)
    lunch_ends: time | None = time(14, 30)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0

    def __post_init__(self) -> None:
        # The administrator's settings may arrive as a list or a set; keep the
        # value hashable and immutable like the rest of the object.
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        for name in ("opens", "closes", "lunch_starts", "lunch_ends"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is not None:
                # Hours are wall-clock times of the calendar's own zone; an
                # offset here would make comparisons with local times fail.
                raise ValidationFailed(
                    f"{name} must be a time without a timezone",
                    Bilingual(
                        kk="Уақыт уақыт белдеуінсіз көрсетілуі керек.",
                        ru="Время указывается без часового пояса.",
                    ),
                    field=f"hours.{name}",
                )
        if not self.opens < self.closes:
            raise ValidationFailed(
                f"closing time {self.closes} must be after opening time {self.opens}",
                Bilingual(
                    kk="Жабылу уақыты ашылу уақытынан кейін болуы керек.",
                    ru="Время закрытия должно быть позже времени открытия.",
                ),
                field="hours.closes",
            )
        self._validate_lunch()
        self._validate_weekdays()

    def _validate_lunch(self) -> None:
        if (self.lunch_starts is None) != (self.lunch_ends is None):
            missing = "lunch_starts" if self.lunch_starts is None else "lunch_ends"
            raise ValidationFailed(
                "the lunch break needs both a start and an end, or neither",
                Bilingual(
                    kk="Түскі үзілістің басталуы мен аяқталуы бірге көрсетілуі керек.",
                    ru="Начало и конец обеденного перерыва указываются вместе.",
                ),
                field=f"hours.{missing}",
            )
        if self.lunch_starts is None or self.lunch_ends is None:
            return
        inside = Bilingual(
            kk="Түскі үзіліс жұмыс уақытының ішінде болуы керек.",
            ru="Обеденный перерыв должен быть в пределах рабочего времени.",
        )
        if self.lunch_starts < self.opens:
            raise ValidationFailed(
                f"lunch cannot start ({self.lunch_starts}) before opening ({self.opens})",
                inside,
                field="hours.lunch_starts",
            )
        if not self.lunch_starts < self.lunch_ends:
            raise ValidationFailed(
                f"lunch must end ({self.lunch_ends}) after it starts ({self.lunch_starts})",
                Bilingual(
                    kk="Түскі үзілістің аяқталуы оның басталуынан кейін болуы керек.",
                    ru="Конец обеденного перерыва должен быть позже его начала.",
                ),
                field="hours.lunch_ends",
            )
        if self.closes < self.lunch_ends:
            raise ValidationFailed(
                f"lunch cannot end ({self.lunch_ends}) after closing ({self.closes})",
                inside,
                field="hours.lunch_ends",
            )

    def _validate_weekdays(self) -> None:
        if not self.weekdays:
            raise ValidationFailed(
                "at least one weekday must be a working day",
                Bilingual(
                    kk="Кемінде бір жұмыс күні көрсетілуі керек.",
                    ru="Нужно указать хотя бы один рабочий день.",
                ),
                field="hours.weekdays",
            )
        # bool is an int subclass; True as "Tuesday" would be a silent mistake.
        if any(type(day) is not int or not 0 <= day <= 6 for day in self.weekdays):
            raise ValidationFailed(
                f"weekdays must be integers 0 (Monday) to 6 (Sunday), got {sorted(self.weekdays)}",
                Bilingual(
                    kk="Жұмыс күндері 0 (дүйсенбі) мен 6 (жексенбі) аралығындағы сандармен "
                    "көрсетіледі.",
                    ru="Рабочие дни задаются числами от 0 (понедельник) до 6 (воскресенье).",
                ),
                field="hours.weekdays",
            )

    def _open_periods(self) -> tuple[tuple[time, time], ...]:
        """The open intervals [start, end) of a working day, lunch left out."""
        if self.lunch_starts is None or self.lunch_ends is None:
            return ((self.opens, self.closes),)
        # Lunch may touch opening or closing; an empty period would be a moment
        # reported as "open" that is not.
        periods = ((self.opens, self.lunch_starts), (self.lunch_ends, self.closes))
        return tuple((start, end) for start, end in periods if start < end)


# --------------------------------------------------------------------------- status


class OpeningState(StrEnum):
    OPEN = "open"
    LUNCH = "lunch"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class OpeningStatus:
    """Whether the center is open at a moment, and when that changes."""

    state: OpeningState
    # LUNCH: when visitors are received again; CLOSED: the next opening; OPEN: None.
    resumes_at: datetime | None
    # OPEN: when the current open period ends (lunch or closing); otherwise None.
    closes_at: datetime | None


# --------------------------------------------------------------------------- public holidays


@dataclass(frozen=True, slots=True)
class _PublicYear:
    """Days off and transferred working days of one year in Kazakhstan."""

    holiday_names: MappingProxyType[date, str]
    weekend_workdays: frozenset[date]


@lru_cache(maxsize=64)
def _kazakhstan_year(year: int) -> _PublicYear:
    # Building a holidays object is costly compared with a ticket issue; the
    # result never changes for a given package version, so it is kept and
    # shared by every calendar. Bounded because the year may come from input.
    source: Any = holidays.country_holidays("KZ", years=year)
    names = {day: str(name) for day, name in source.items() if day.year == year}
    workdays = frozenset(
        day for day in getattr(source, "weekend_workdays", ()) if day.year == year
    )
    return _PublicYear(holiday_names=MappingProxyType(names), weekend_workdays=workdays)


def _require_date(value: date, what: str = "day") -> date:
    # datetime is a date subclass but never equal to one; letting it through
    # would make it silently miss the configured closed and working days.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{what} must be a date, got {type(value).__name__}")
    return value


# --------------------------------------------------------------------------- calendar


class WorkCalendar:
    """Working days and hours of one center in its local zone."""

    __slots__ = ("_closed", "_hours", "_periods", "_public_holidays", "_tz", "_working")

    def __init__(
        self,
        hours: WorkingHours = WorkingHours(),
        *,
        timezone: str = "Asia/Almaty",
        closed_days: Iterable[date] = (),
        working_days: Iterable[date] = (),
        public_holidays: bool = True,
    ) -> None:
        try:
            self._tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationFailed(
                f"unknown timezone {timezone!r}",
                Bilingual(
                    kk="Белгісіз уақыт белдеуі: {name}.",
                    ru="Неизвестный часовой пояс: {name}.",
                ).format(name=timezone),
                field="timezone",
            ) from error
        closed = frozenset(_require_date(day, "closed day") for day in closed_days)
        working = frozenset(_require_date(day, "working day") for day in working_days)
        both = sorted(closed & working)
        if both:
            listed = ", ".join(day.isoformat() for day in both)
            raise ValidationFailed(
                f"days both closed and working: {listed}",
                Bilingual(
                    kk="Бір күн бір мезгілде демалыс та, жұмыс та күні болып көрсетілген: "
                    "{days}.",
                    ru="Дни указаны одновременно как нерабочие и как рабочие: {days}.",
                ).format(days=listed),
                field="working_days",
            )
        self._hours = hours
        self._periods = hours._open_periods()
        self._closed = closed
        self._working = working
        self._public_holidays = public_holidays

    # ---------------------------------------------------------------- configuration

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    @property
    def hours(self) -> WorkingHours:
        return self._hours

    @property
    def closed_days(self) -> frozenset[date]:
        return self._closed

    @property
    def working_days(self) -> frozenset[date]:
        return self._working

    @property
    def public_holidays(self) -> bool:
        return self._public_holidays

    # ---------------------------------------------------------------- days

    def is_working_day(self, day: date) -> bool:
        _require_date(day)
        # Order of precedence: the administrator's closed days, then their
        # extra working days, then the state calendar, then the weekly rota.
        if day in self._closed:
            return False
        if day in self._working:
            return True
        if self._public_holidays:
            public = _kazakhstan_year(day.year)
            if day in public.holiday_names:
                return False
            if day in public.weekend_workdays:
                return True
        return day.weekday() in self._hours.weekdays

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's name from the holidays package, None on an
        ordinary day or when the calendar ignores public holidays.

        The name is given even if the administrator made that day working."""
        _require_date(day)
        if not self._public_holidays:
            return None
        return _kazakhstan_year(day.year).holiday_names.get(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self._step(_require_date(day), _ONE_DAY)

    def _step(self, day: date, direction: timedelta) -> date:
        # Terminates: at least one weekday works and only finitely many days
        # are closed, so a working day is always within reach.
        day += direction
        while not self.is_working_day(day):
            day += direction
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day`` (before it if ``n`` < 0);
        ``day`` itself is not counted and is returned for ``n`` == 0."""
        _require_date(day)
        direction = _ONE_DAY if n > 0 else -_ONE_DAY
        for _ in range(abs(n)):
            day = self._step(day, direction)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days ``d`` with ``start < d <= end``; if ``end`` is before
        ``start``, minus the count with ``end < d <= start``."""
        _require_date(start, "start")
        _require_date(end, "end")
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for day in _days(start + _ONE_DAY, end) if self.is_working_day(day))

    def registration_day(self, day: date) -> date:
        """The day a request arriving on ``day`` is registered: that day if it
        is working, otherwise the next working day."""
        _require_date(day)
        return day if self.is_working_day(day) else self.next_working_day(day)

    # ---------------------------------------------------------------- moments

    def local(self, moment: datetime) -> datetime:
        """``moment`` in the calendar's zone; a naive datetime is refused
        because its zone could only be guessed."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"naive datetime {moment.isoformat()} given; an aware one is needed")
        return moment.astimezone(self._tz)

    def service_day(self, moment: datetime) -> date:
        return self.local(moment).date()

    def _open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """Open periods of ``day`` as aware datetimes; empty on a day off."""
        if not self.is_working_day(day):
            return []
        return [
            (
                datetime.combine(day, start, tzinfo=self._tz),
                datetime.combine(day, end, tzinfo=self._tz),
            )
            for start, end in self._periods
        ]

    def status_at(self, moment: datetime) -> OpeningStatus:
        here = self.local(moment)
        wall = here.time()
        day = here.date()
        if self.is_working_day(day):
            for start, end in self._periods:
                if start <= wall < end:
                    return OpeningStatus(
                        OpeningState.OPEN,
                        resumes_at=None,
                        closes_at=datetime.combine(day, end, tzinfo=self._tz),
                    )
            lunch_starts, lunch_ends = self._hours.lunch_starts, self._hours.lunch_ends
            if lunch_starts is not None and lunch_ends is not None and (
                lunch_starts <= wall < lunch_ends
            ):
                # Lunch may run into closing time, so "resumes" is the next
                # opening rather than simply the end of lunch.
                return OpeningStatus(
                    OpeningState.LUNCH,
                    resumes_at=self._next_opening_local(here),
                    closes_at=None,
                )
        return OpeningStatus(
            OpeningState.CLOSED, resumes_at=self._next_opening_local(here), closes_at=None
        )

    def next_opening(self, moment: datetime) -> datetime:
        """The first moment at or after ``moment`` when the center is open."""
        return self._next_opening_local(self.local(moment))

    def _next_opening_local(self, here: datetime) -> datetime:
        day = here.date()
        wall = here.time()
        if self.is_working_day(day):
            for start, end in self._periods:
                if wall < end:
                    return here if start <= wall else datetime.combine(day, start, tzinfo=self._tz)
        day = self.next_working_day(day)
        return datetime.combine(day, self._periods[0][0], tzinfo=self._tz)

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Seconds in [start, end) during which the center was open."""
        first, last = self.local(start), self.local(end)
        if last <= first:
            return 0.0
        # Aware datetimes sharing a tzinfo subtract as wall clocks; going
        # through UTC keeps the result right across offset changes.
        lower, upper = first.astimezone(UTC), last.astimezone(UTC)
        total = timedelta()
        for day in _days(first.date(), last.date()):
            for opens, closes in self._open_intervals(day):
                overlap_start = max(lower, opens.astimezone(UTC))
                overlap_end = min(upper, closes.astimezone(UTC))
                if overlap_start < overlap_end:
                    total += overlap_end - overlap_start
        return total.total_seconds()


    def after_working_seconds(self, start: datetime, seconds: float) -> datetime | None:
        """The moment `seconds` of open time after `start` on its own day (the lunch
        break passes without counting), or None when the day closes first."""
        here = self.local(start)
        left = timedelta(seconds=max(seconds, 0.0))
        for opens, closes in self._open_intervals(here.date()):
            begin = max(here, opens)
            if begin >= closes:
                continue
            if begin + left <= closes:
                return begin + left
            left -= closes - begin
        return None


def _days(first: date, last: date) -> Iterator[date]:
    """Every date from ``first`` to ``last`` inclusive."""
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY
