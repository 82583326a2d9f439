"""Which desks are staffed, and which have been empty long enough that the
body that placed the worker must send a replacement (000 §6: more than 3 hours)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.domain.calendar import WorkCalendar
from hub.domain.center import Desk


@dataclass(frozen=True, slots=True)
class DeskShift:
    """An operator signed in to a desk; `ended_at` is None while they still are."""

    desk: str
    operator: str
    started_at: datetime
    ended_at: datetime | None = None

    def covers(self, moment: datetime) -> bool:
        return self.started_at <= moment and (self.ended_at is None or moment < self.ended_at)


@dataclass(frozen=True, slots=True)
class UnstaffedDesk:
    desk: str
    zones: tuple[str, ...]
    since: datetime
    working_seconds: float
    alert: bool


def staffed_desks(shifts: Iterable[DeskShift], now: datetime) -> set[str]:
    return {s.desk for s in shifts if s.covers(now)}


def unstaffed_desks(desks: Sequence[Desk], shifts: Sequence[DeskShift], calendar: WorkCalendar,
                    now: datetime, *, since_default: datetime,
                    alert_after_hours: float) -> list[UnstaffedDesk]:
    """Every active desk nobody is signed in to, with how long it has been empty.

    Emptiness counts in working time only (lunch, nights and holidays do not
    count). A desk never staffed counts from `since_default`, normally the
    opening of the day the hub first knew the desk.
    """
    staffed = staffed_desks(shifts, now)
    result = []
    for desk in desks:
        if not desk.active or desk.code in staffed:
            continue
        ends = [s.ended_at for s in shifts
                if s.desk == desk.code and s.ended_at is not None and s.ended_at <= now]
        since = max(ends, default=since_default)
        seconds = calendar.working_seconds_between(since, now)
        result.append(UnstaffedDesk(desk=desk.code, zones=desk.zones, since=since,
                                    working_seconds=seconds,
                                    alert=seconds > alert_after_hours * 3600))
    return result
