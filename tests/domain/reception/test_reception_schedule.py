"""Officials' reception hours, slots and placement in order of arrival:
hub.domain.reception.schedule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.calendar import WorkCalendar
from hub.domain.errors import Conflict, ValidationFailed
from hub.domain.reception.errors import NonWorkingDay, OutsideReceptionHours, SlotTaken
from hub.domain.reception.schedule import (
    PLACEMENT_MAX_DAYS,
    ExtraReception,
    ReceptionHours,
    ReceptionSchedule,
    Slot,
    WaitingRequest,
    book_slot,
    place_in_arrival_order,
    placement_days,
)

ALMATY = ZoneInfo("Asia/Almaty")
CAL = WorkCalendar()
ORDER = "№ 12-р, 25.03.2026"
# The akim receives on Tuesdays 15:00-17:00, on Friday 27 March 2026 by the
# approved schedule, and on Thursday 2 April 2026 10:00-11:00 by order (002 §9).
AKIM = ReceptionSchedule(
    official="akim",
    hours=ReceptionHours(time(15), time(17)),
    weekdays=frozenset({1}),
    dates=frozenset({date(2026, 3, 27)}),
    extra=(ExtraReception(date(2026, 4, 2), ReceptionHours(time(10), time(11)), ORDER),),
)


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ALMATY)


def slot(y: int, m: int, d: int, hh: int, mm: int = 0, minutes: int = 30,
         official: str = "akim") -> Slot:
    start = at(y, m, d, hh, mm)
    return Slot(start, start + timedelta(minutes=minutes), official)


def starts(slots: list[Slot]) -> list[str]:
    return [s.starts_at.strftime("%H:%M") for s in slots]


# --------------------------------------------------------------------------- slots


def test_slots_of_a_scheduled_tuesday() -> None:
    assert starts(AKIM.slots(date(2026, 3, 31), CAL)) == ["15:00", "15:30", "16:00", "16:30"]


def test_slots_of_a_scheduled_date_and_an_extra_day() -> None:
    assert starts(AKIM.slots(date(2026, 3, 27), CAL)) == ["15:00", "15:30", "16:00", "16:30"]
    assert starts(AKIM.slots(date(2026, 4, 2), CAL)) == ["10:00", "10:30"]


def test_no_slots_on_other_days_and_holidays() -> None:
    assert AKIM.slots(date(2026, 4, 1), CAL) == []  # a Wednesday
    assert AKIM.slots(date(2026, 3, 24), CAL) == []  # Tuesday of Nauryz
    assert AKIM.sessions(date(2026, 3, 24), CAL) == []


def test_extra_reception_on_a_holiday_gives_nothing() -> None:
    schedule = ReceptionSchedule(
        "deputy", ReceptionHours(time(10), time(12)),
        extra=(ExtraReception(date(2026, 3, 23), ReceptionHours(time(10), time(12)), ORDER),))
    assert schedule.slots(date(2026, 3, 23), CAL) == []
    with pytest.raises(NonWorkingDay):
        schedule.check(slot(2026, 3, 23, 10, official="deputy"), CAL)


def test_last_slot_fits_inside_the_hours() -> None:
    schedule = ReceptionSchedule("deputy", ReceptionHours(time(10), time(11, 50)),
                                 weekdays=frozenset({0}), slot_minutes=40)
    assert starts(schedule.slots(date(2026, 3, 30), CAL)) == ["10:00", "10:40"]


# --------------------------------------------------------------------------- one slot


def test_a_slot_in_the_hours_is_accepted() -> None:
    booked = slot(2026, 3, 31, 15)
    assert book_slot(booked, AKIM, CAL, taken=[]) is booked
    # Any time inside the hours will do, not only the grid.
    assert book_slot(slot(2026, 3, 31, 16, 10, minutes=20), AKIM, CAL, taken=[booked])


def test_the_slot_in_another_zone_is_read_in_the_centers() -> None:
    start = datetime(2026, 3, 31, 10, tzinfo=UTC)  # 15:00 in Almaty
    AKIM.check(Slot(start, start + timedelta(minutes=30), "akim"), CAL)


@pytest.mark.parametrize("bad", [
    slot(2026, 3, 31, 14, 30),  # before the hours
    slot(2026, 3, 31, 16, 45),  # runs past the end
    slot(2026, 4, 1, 15),  # a Wednesday
    slot(2026, 4, 2, 15),  # the extra day has other hours
    slot(2026, 3, 31, 23, 45),  # runs into the next day
])
def test_outside_the_hours(bad: Slot) -> None:
    with pytest.raises(OutsideReceptionHours) as caught:
        book_slot(bad, AKIM, CAL, taken=[])
    error = caught.value
    assert error.code == "reception_outside_hours"
    assert error.field == "slot.starts_at"
    assert "кестесінен" in error.text.kk


@pytest.mark.parametrize("bad", [
    slot(2026, 3, 24, 15),  # Nauryz (observed)
    slot(2026, 4, 4, 15),  # a Saturday
    slot(2026, 12, 16, 15),  # Independence Day
])
def test_on_a_non_working_day(bad: Slot) -> None:
    with pytest.raises(NonWorkingDay) as caught:
        book_slot(bad, AKIM, CAL, taken=[])
    error = caught.value
    assert error.code == "reception_non_working_day"
    assert "жұмыс күні емес" in error.text.kk
    assert "нерабочий день" in error.text.ru


def test_double_booking_is_refused() -> None:
    first = slot(2026, 3, 31, 15)
    for second in (slot(2026, 3, 31, 15), slot(2026, 3, 31, 15, 15),
                   slot(2026, 3, 31, 15, 29, minutes=1)):
        with pytest.raises(SlotTaken) as caught:
            book_slot(second, AKIM, CAL, taken=[first])
        assert isinstance(caught.value, Conflict)
        assert caught.value.code == "reception_slot_taken"
        assert "31.03.2026 15:00" in caught.value.text.ru
    # Touching is not overlapping; another official's slot is no obstacle.
    assert book_slot(slot(2026, 3, 31, 15, 30), AKIM, CAL, taken=[first])
    assert book_slot(first, AKIM, CAL, taken=[slot(2026, 3, 31, 15, official="deputy")])


def test_a_slot_of_another_official() -> None:
    with pytest.raises(ValidationFailed) as caught:
        book_slot(slot(2026, 3, 31, 15, official="deputy"), AKIM, CAL, taken=[])
    assert caught.value.field == "official"


# --------------------------------------------------------------------------- validation


def test_value_validation() -> None:
    with pytest.raises(ValidationFailed) as caught:
        ReceptionHours(time(12), time(10))
    assert caught.value.field == "hours.ends"
    with pytest.raises(ValidationFailed) as caught:
        ReceptionHours(time(10, tzinfo=UTC), time(12))
    assert caught.value.field == "hours"
    with pytest.raises(ValidationFailed) as caught:
        ExtraReception(date(2026, 4, 2), ReceptionHours(time(10), time(11)), "  ")
    assert caught.value.field == "order"
    with pytest.raises(ValidationFailed) as caught:
        ReceptionSchedule("akim", ReceptionHours(time(10), time(11)), weekdays=frozenset({7}))
    assert caught.value.field == "weekdays"
    with pytest.raises(ValidationFailed) as caught:
        ReceptionSchedule("akim", ReceptionHours(time(10), time(11)), slot_minutes=61)
    assert caught.value.field == "slot_minutes"
    with pytest.raises(ValidationFailed) as caught:
        ReceptionSchedule("akim", ReceptionHours(time(10), time(11)), slot_minutes=0)
    assert caught.value.field == "slot_minutes"
    with pytest.raises(ValidationFailed) as caught:
        ReceptionSchedule(" ", ReceptionHours(time(10), time(11)))
    assert caught.value.field == "official"
    with pytest.raises(ValidationFailed) as caught:
        Slot(datetime(2026, 3, 31, 15), at(2026, 3, 31, 16), "akim")
    assert caught.value.field == "slot.starts_at"
    with pytest.raises(ValidationFailed) as caught:
        Slot(at(2026, 3, 31, 15), at(2026, 3, 31, 15), "akim")
    assert caught.value.field == "slot.ends_at"


def test_weekdays_given_as_a_list_are_kept_immutable() -> None:
    schedule = ReceptionSchedule("akim", ReceptionHours(time(10), time(11)),
                                 weekdays=[0, 2])  # type: ignore[arg-type]
    assert schedule.weekdays == frozenset({0, 2})
    hash(schedule)


# --------------------------------------------------------------------------- placement


def test_placement_in_order_of_arrival() -> None:
    waiting = [
        WaitingRequest("R-3", at(2026, 3, 3, 11)),
        WaitingRequest("R-1", at(2026, 3, 2, 9)),
        WaitingRequest("R-2", at(2026, 3, 2, 17)),
        WaitingRequest("R-4", at(2026, 3, 3, 11)),  # same moment as R-3: by key
    ]
    taken = [slot(2026, 3, 27, 15)]
    placement = place_in_arrival_order(waiting, AKIM, CAL, first_day=date(2026, 3, 24),
                                       last_day=date(2026, 3, 31), taken=taken)
    assert [(key, s.starts_at) for key, s in placement.assigned] == [
        ("R-1", at(2026, 3, 27, 15, 30)),  # Tuesday 24 March is Nauryz; 15:00 is taken
        ("R-2", at(2026, 3, 27, 16)),
        ("R-3", at(2026, 3, 27, 16, 30)),
        ("R-4", at(2026, 3, 31, 15)),
    ]
    assert placement.unplaced == ()
    assert placement.slot_of("R-2") == slot(2026, 3, 27, 16)
    assert placement.slot_of("R-9") is None


def test_placement_leaves_the_rest_unplaced() -> None:
    waiting = [WaitingRequest(f"R-{i}", at(2026, 3, 2, 9, i)) for i in range(7)]
    placement = place_in_arrival_order(waiting, AKIM, CAL, first_day=date(2026, 4, 1),
                                       last_day=date(2026, 4, 3))
    assert [key for key, _ in placement.assigned] == ["R-0", "R-1"]  # 2 April only
    assert placement.unplaced == ("R-2", "R-3", "R-4", "R-5", "R-6")


def test_placement_refuses_a_request_twice() -> None:
    waiting = [WaitingRequest("R-1", at(2026, 3, 2, 9)), WaitingRequest("R-1", at(2026, 3, 2, 9))]
    with pytest.raises(ValidationFailed) as caught:
        place_in_arrival_order(waiting, AKIM, CAL, first_day=date(2026, 3, 30),
                               last_day=date(2026, 3, 31))
    assert caught.value.field == "waiting"


@settings(max_examples=100, deadline=None)
@given(
    arrivals=st.lists(st.integers(0, 10_000), max_size=25),
    taken_starts=st.lists(st.sampled_from(range(0, 120, 15)), max_size=6),
)
def test_placement_properties(arrivals: list[int], taken_starts: list[int]) -> None:
    base = at(2026, 3, 2, 9)
    waiting = [WaitingRequest(f"R-{i:02d}", base + timedelta(minutes=m))
               for i, m in enumerate(arrivals)]
    taken = [Slot(at(2026, 3, 31, 15) + timedelta(minutes=m),
                  at(2026, 3, 31, 15) + timedelta(minutes=m + 10), "akim")
             for m in taken_starts]
    placement = place_in_arrival_order(waiting, AKIM, CAL, first_day=date(2026, 3, 23),
                                       last_day=date(2026, 4, 10), taken=taken)
    slots = [s for _, s in placement.assigned]
    # Every request is placed or left over, once.
    assert sorted([k for k, _ in placement.assigned] + list(placement.unplaced)) == sorted(
        w.key for w in waiting)
    # Earlier arrivals get earlier slots.
    assert slots == sorted(slots)
    arrived = {w.key: (w.arrived_at, w.key) for w in waiting}
    order = [arrived[k] for k, _ in placement.assigned]
    assert order == sorted(order)
    if placement.unplaced:
        assert min(arrived[k] for k in placement.unplaced) > max(order, default=(base, ""))
    # No slot twice, none over a taken one, each a bookable slot.
    for i, s in enumerate(slots):
        book_slot(s, AKIM, CAL, taken=taken + slots[:i])


def test_placement_days_start_no_earlier_than_the_first_open_day() -> None:
    today = date(2026, 3, 23)
    assert placement_days(date(1, 1, 1), date(2026, 4, 30), earliest=today) == (
        today, date(2026, 4, 30))
    assert placement_days(date(2026, 4, 1), date(2026, 4, 30), earliest=today) == (
        date(2026, 4, 1), date(2026, 4, 30))


def test_placement_days_refuse_a_window_backwards_or_over_a_year() -> None:
    today = date(2026, 3, 23)
    with pytest.raises(ValidationFailed) as backwards:
        placement_days(date(2026, 4, 30), date(2026, 4, 1), earliest=today)
    assert backwards.value.field == "last_day"
    with pytest.raises(ValidationFailed) as too_long:
        placement_days(today, date(9999, 12, 31), earliest=today)
    assert too_long.value.field == "last_day"
    assert placement_days(today, today + timedelta(days=PLACEMENT_MAX_DAYS - 1),
                          earliest=today)[1] == today + timedelta(days=PLACEMENT_MAX_DAYS - 1)
