"""The end of a service day for the visitors still in the queue.

Ticket numbers start again every service day, so a visitor of yesterday still
"waiting" today holds a number that today's visitors are given too: calling
them by number would call two people, and they are not in today's queue at
all. A real center does not carry them over: whoever was not served by the
closing went home and comes again for a new ticket. So when a service day is
over, its tickets still in the queue are closed, each with the outcome that
says what happened to it:

- still waiting (or sent on to another zone and waiting there): cancelled,
  with the reason DAY_ENDED — not served;
- called, and not come to the desk (or not marked as come): no-show — not served;
- at a desk being served: done — the service happened, only the Done press is
  missing.

Each is closed at the end of its own day (the closing time of the center's
hours, or the ticket's last change if that was later), not at the moment the
hub noticed, so the reports' times of that day stay that day's. The rows stay:
nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from hub.domain.calendar import WorkCalendar
from hub.domain.tickets import (
    CALLED_STATES,
    WAITING_STATES,
    TicketState,
    can_transition,
)

# The reason written on a waiting ticket cancelled because its day ended.
DAY_ENDED = "day_ended"
NOT_SERVED = frozenset({TicketState.CANCELLED, TicketState.NO_SHOW})


def leftover_outcome(state: TicketState) -> TicketState:
    """The final state of a ticket left in `state` when its day ended (see above)."""
    if state in WAITING_STATES:
        target = TicketState.CANCELLED
    elif state in CALLED_STATES:
        target = TicketState.NO_SHOW
    elif state is TicketState.SERVING:
        target = TicketState.DONE
    else:
        raise ValueError(f"a {state.value} ticket is not left in the queue")
    assert can_transition(state, target), (state, target)
    return target


def end_of_service_day(calendar: WorkCalendar, day: date) -> datetime:
    """When `day` ended for its visitors: the closing time of the center's hours."""
    return datetime.combine(day, calendar.hours.closes, tzinfo=calendar.tz)


def closed_at(calendar: WorkCalendar, day: date, last_change: datetime) -> datetime:
    """When a leftover ticket of `day` is closed: its day's end, or its last change
    if that came later (a visitor served after hours stays in order)."""
    return max(end_of_service_day(calendar, day), last_change)


@dataclass(frozen=True, slots=True)
class ClosedDay:
    """What the end of one service day did to the tickets left in its queue."""

    day: date
    not_served: int  # cancelled as waiting, or no-show as called
    finished: int  # at a desk: closed as served

    @classmethod
    def of(cls, day: date, outcomes: Iterable[TicketState]) -> ClosedDay:
        done = list(outcomes)
        return cls(day=day, not_served=sum(1 for s in done if s in NOT_SERVED),
                   finished=sum(1 for s in done if s is TicketState.DONE))
