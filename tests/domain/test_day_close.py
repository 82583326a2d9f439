"""The end of a service day for tickets left in the queue: hub.domain.day_close."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.domain.calendar import WorkCalendar
from hub.domain.day_close import (
    ClosedDay,
    closed_at,
    end_of_service_day,
    leftover_outcome,
)
from hub.domain.tickets import ACTIVE_STATES, FINAL_STATES, TicketState, can_transition

CALENDAR = WorkCalendar(timezone="Asia/Almaty")
MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(("state", "outcome"), [
    (TicketState.WAITING, TicketState.CANCELLED),
    (TicketState.TRANSFERRED, TicketState.CANCELLED),
    (TicketState.CALLED, TicketState.NO_SHOW),
    (TicketState.RECALLED, TicketState.NO_SHOW),
    (TicketState.SERVING, TicketState.DONE),
])
def test_each_leftover_gets_the_outcome_that_says_what_happened(
        state: TicketState, outcome: TicketState) -> None:
    assert leftover_outcome(state) is outcome
    assert can_transition(state, outcome)


def test_every_active_state_is_closed_and_a_final_one_refused() -> None:
    assert {leftover_outcome(s) for s in ACTIVE_STATES} <= FINAL_STATES
    for state in FINAL_STATES:
        with pytest.raises(ValueError, match="not left"):
            leftover_outcome(state)


def test_a_day_ends_at_closing_time_or_its_last_change() -> None:
    closing = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # 18:30 in Almaty
    assert end_of_service_day(CALENDAR, MONDAY) == closing
    assert closed_at(CALENDAR, MONDAY, datetime(2026, 11, 23, 6, tzinfo=UTC)) == closing
    late = datetime(2026, 11, 23, 14, 10, tzinfo=UTC)  # served after hours
    assert closed_at(CALENDAR, MONDAY, late) == late


def test_closed_day_counts_the_not_served() -> None:
    day = ClosedDay.of(MONDAY, [TicketState.CANCELLED, TicketState.NO_SHOW,
                                TicketState.DONE, TicketState.CANCELLED])
    assert (day.not_served, day.finished) == (3, 1)
