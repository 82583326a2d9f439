"""Which stretches of simulated time a day run plays: each working day of the center's
calendar (its opening hours, lunch, days off and holidays: hub/domain/calendar.py) from
a little before opening to a little after closing; the nights and days off between
them are jumped over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from hub.center_schema import read_center_file
from hub.domain.calendar import WorkCalendar
from hub.domain.reception.deadlines import reference_note_due
from hub.domain.reception.profiles import get_profile

MARGIN = timedelta(minutes=30)
# Working days searched for after the first day asked for (a run from a holiday week).
SEARCH_DAYS = 60


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One working day of the run: the window played and the center's hours."""

    day: date
    opens: datetime
    closes: datetime
    lunch: tuple[datetime, datetime] | None

    @property
    def window(self) -> tuple[datetime, datetime]:
        return self.opens - MARGIN, self.closes + MARGIN


def center_calendar(center_file: Path) -> WorkCalendar:
    """The calendar the hub builds from the same center file (CenterStore)."""
    document = read_center_file(center_file)
    return WorkCalendar(document.hours.to_domain(), timezone=document.timezone,
                        closed_days=document.calendar.closed_days,
                        working_days=document.calendar.working_days)


def working_days(calendar: WorkCalendar, first: date, count: int) -> list[date]:
    """The first `count` working days on or after `first`."""
    days: list[date] = []
    day = first
    for _ in range(count + SEARCH_DAYS):
        if len(days) == count:
            return days
        if calendar.is_working_day(day):
            days.append(day)
        day += timedelta(days=1)
    raise ValueError(f"fewer than {count} working days within {SEARCH_DAYS} days "
                     f"after {first}")


def plan_days(calendar: WorkCalendar, first: date, count: int) -> list[DayPlan]:
    hours = calendar.hours
    plans = []
    for day in working_days(calendar, first, count):
        def at(moment: time, day: date = day) -> datetime:
            return datetime.combine(day, moment, tzinfo=calendar.tz)
        lunch = ((at(hours.lunch_starts), at(hours.lunch_ends))
                 if hours.lunch_starts is not None and hours.lunch_ends is not None else None)
        plans.append(DayPlan(day=day, opens=at(hours.opens), closes=at(hours.closes),
                             lunch=lunch))
    return plans


def windows(plans: list[DayPlan]) -> list[tuple[datetime, datetime]]:
    return [plan.window for plan in plans]


# Reception books a day's personal receptions when the reference note proposing it is
# due, 5 working days ahead (002 §22). For each day of the run whose due day is not
# itself played, a stretch of that morning before opening is played first, so every
# day of the run has its booked receptions. 80 simulated minutes: at speed 300 the
# staff's sign-ins (a password hash each) and the bookings need their 16 real seconds.
BOOKING_WINDOW = (time(7, 30), time(8, 50))


def booking_windows(calendar: WorkCalendar,
                    plans: list[DayPlan]) -> list[tuple[datetime, datetime]]:
    """The mornings reception books the run's receptions on (each day's last day for
    its reference note), those before the run's first day, in order."""
    played = {plan.day for plan in plans}
    dues = sorted({reference_note_due(plan.day, get_profile(), calendar)
                   for plan in plans} - played)
    start, end = BOOKING_WINDOW
    return [(datetime.combine(due, start, tzinfo=calendar.tz),
             datetime.combine(due, end, tzinfo=calendar.tz))
            for due in dues if due < plans[0].day]
