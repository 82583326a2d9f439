"""Handing out a ticket: hub.domain.issuing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.calendar import OpeningState, WorkCalendar, WorkingHours
from hub.domain.center import CenterConfig
from hub.domain.errors import CenterClosed, NotFound, ValidationFailed
from hub.domain.issuing import IssuePlan, people_ahead, plan_ticket, spoken_date
from hub.domain.ordering import zone_order
from hub.domain.text import Language
from hub.domain.tickets import Ticket, TicketState

ALMATY = ZoneInfo("Asia/Almaty")
S = TicketState


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0,
       second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=ALMATY)


def tue(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """Tuesday 10 March 2026, an ordinary working day."""
    return at(2026, 3, 10, hour, minute, second)


@pytest.fixture
def plan(borodulikha: CenterConfig, borodulikha_calendar: WorkCalendar) -> Any:
    def planner(now: datetime, *, purpose: str | None = None, zone: str | None = None,
                out_of_turn: str | None = None) -> IssuePlan:
        return plan_ticket(borodulikha, borodulikha_calendar, now, purpose=purpose, zone=zone,
                           out_of_turn=out_of_turn)
    return planner


# --------------------------------------------------------------------------- where to


@pytest.mark.parametrize(
    ("purpose", "zone"),
    [("complaint", "consultation"), ("appeal_paper", "consultation"),
     ("book_reception", "consultation"), ("booked_reception", "personal"),
     ("appeal_help", "self_service")],
)
def test_purpose_leads_to_its_zone(plan: Any, purpose: str, zone: str) -> None:
    result = plan(tue(10), purpose=purpose)
    assert result.zone.code == zone
    assert result.purpose is not None
    assert result.purpose.code == purpose
    assert result.service_day == date(2026, 3, 10)
    assert result.note is None


def test_purpose_that_calls_staff_is_kept(plan: Any) -> None:
    assert plan(tue(10), purpose="appeal_help").purpose.calls_staff is True


@pytest.mark.parametrize("zone", ["consultation", "personal", "self_service"])
def test_zone_given_directly(plan: Any, zone: str) -> None:
    result = plan(tue(10), zone=zone)
    assert result.zone.code == zone
    assert result.purpose is None


def test_purpose_and_its_own_zone_together(plan: Any) -> None:
    result = plan(tue(10), purpose="booked_reception", zone="personal")
    assert result.zone.code == "personal"
    assert result.purpose.code == "booked_reception"


def test_purpose_and_another_zone_are_refused(plan: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan(tue(10), purpose="complaint", zone="personal")
    error = caught.value
    assert error.field == "zone"
    assert "'complaint'" in error.detail
    assert "'consultation'" in error.detail
    assert error.text.ru == "Цель визита не соответствует зоне"
    assert error.text.kk.strip()


def test_neither_purpose_nor_zone_is_refused(plan: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan(tue(10))
    assert caught.value.field == "purpose"
    assert caught.value.text.ru == "Выберите цель визита"
    assert caught.value.text.kk == "Келу мақсатын таңдаңыз"


@pytest.mark.parametrize("zone", ["reception", "waiting"])
def test_non_serving_zone_is_refused(plan: Any, borodulikha: CenterConfig, zone: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan(tue(10), zone=zone)
    error = caught.value
    assert error.field == "zone"
    assert borodulikha.zone(zone).name.ru in error.text.ru
    assert borodulikha.zone(zone).name.kk in error.text.kk


def test_unknown_purpose_zone_and_out_of_turn(plan: Any) -> None:
    with pytest.raises(NotFound) as caught:
        plan(tue(10), purpose="tea")
    assert caught.value.field == "purpose"
    with pytest.raises(NotFound) as caught:
        plan(tue(10), zone="roof")
    assert caught.value.field == "zone"
    with pytest.raises(NotFound) as caught:
        plan(tue(10), purpose="complaint", out_of_turn="vip")
    assert caught.value.field == "out_of_turn"
    assert caught.value.code == "not_found"
    assert "«vip»" in caught.value.text.ru


def test_known_out_of_turn_is_accepted(plan: Any) -> None:
    assert plan(tue(10), purpose="complaint", out_of_turn="wwii_veteran").zone.code == (
        "consultation")


def test_a_refused_request_is_refused_even_when_closed(plan: Any) -> None:
    # The request itself is checked first; "closed" is only said of a sound request.
    with pytest.raises(ValidationFailed):
        plan(at(2026, 3, 14, 12), zone="reception")
    with pytest.raises(NotFound):
        plan(at(2026, 3, 14, 12), purpose="complaint", out_of_turn="vip")


# --------------------------------------------------------------------------- opening hours


@pytest.mark.parametrize(
    ("now", "opens", "kk", "ru"),
    [
        # Friday evening to Monday morning.
        (at(2026, 3, 13, 19), at(2026, 3, 16, 9), "16 наурыз, 09:00", "16 марта, 09:00"),
        # Friday evening before the observed Women's Day on Monday 9 March.
        (at(2026, 3, 6, 19), at(2026, 3, 10, 9), "10 наурыз, 09:00", "10 марта, 09:00"),
        # Closing time itself, the evening before Independence Day.
        (at(2026, 12, 15, 18, 30), at(2026, 12, 17, 9), "17 желтоқсан, 09:00",
         "17 декабря, 09:00"),
        # New Year's Eve: 1-2 January off, then the weekend.
        (at(2025, 12, 31, 19), at(2026, 1, 5, 9), "5 қаңтар, 09:00", "5 января, 09:00"),
        # Early on a working morning: same day.
        (tue(8, 59, 59), tue(9), "10 наурыз, 09:00", "10 марта, 09:00"),
        # Saturday noon.
        (at(2026, 3, 14, 12), at(2026, 3, 16, 9), "16 наурыз, 09:00", "16 марта, 09:00"),
        # Before Nowruz: Friday 20 March, then 21-25 March off.
        (at(2026, 3, 20, 18, 45), at(2026, 3, 26, 9), "26 наурыз, 09:00", "26 марта, 09:00"),
    ],
)
def test_closed_names_the_next_opening(plan: Any, now: datetime, opens: datetime, kk: str,
                                       ru: str) -> None:
    with pytest.raises(CenterClosed) as caught:
        plan(now, purpose="complaint")
    error = caught.value
    assert error.code == "center_closed"
    assert error.status == 409
    assert error.field is None
    assert error.extra == {"opens_at": opens.isoformat()}
    assert datetime.fromisoformat(str(error.extra["opens_at"])) == opens
    assert kk in error.text.kk
    assert ru in error.text.ru
    assert error.text.ru.startswith("Центр сейчас закрыт.")
    assert error.text.kk.startswith("Орталық қазір жабық.")


def test_opens_at_is_local_even_for_a_utc_moment(plan: Any) -> None:
    with pytest.raises(CenterClosed) as caught:
        plan(datetime(2026, 3, 13, 14, 0, tzinfo=UTC), purpose="complaint")  # 19:00 Almaty
    assert caught.value.extra["opens_at"] == "2026-03-16T09:00:00+05:00"


@pytest.mark.parametrize("now", [tue(9), tue(12, 59, 59), tue(14, 30), tue(18, 29, 59)])
def test_open_moments_give_no_note(plan: Any, now: datetime) -> None:
    assert plan(now, purpose="complaint").note is None


@pytest.mark.parametrize("now", [tue(13), tue(13, 45), tue(14, 29, 59)])
def test_lunch_gives_a_note_with_the_resumption(plan: Any, now: datetime) -> None:
    result = plan(now, purpose="complaint")
    assert result.zone.code == "consultation"
    assert result.note is not None
    assert "14:30" in result.note.kk
    assert "14:30" in result.note.ru
    assert result.note.ru == "Обеденный перерыв. Приём возобновится в 14:30."
    assert result.note.kk.startswith("Түскі үзіліс.")
    assert result.service_day == date(2026, 3, 10)


def test_service_day_is_the_local_date(plan: Any) -> None:
    # 04:30 UTC is 09:30 in Almaty.
    assert plan(datetime(2026, 3, 10, 4, 30, tzinfo=UTC), zone="personal").service_day == (
        date(2026, 3, 10))


def test_lunch_with_other_hours(borodulikha: CenterConfig) -> None:
    calendar = WorkCalendar(WorkingHours(lunch_starts=time(12), lunch_ends=time(13, 15)))
    result = plan_ticket(borodulikha, calendar, tue(12, 30), purpose="complaint", zone=None,
                         out_of_turn=None)
    assert result.note is not None
    assert "13:15" in result.note.ru
    assert "13:15" in result.note.kk


def test_no_lunch_no_note(borodulikha: CenterConfig) -> None:
    calendar = WorkCalendar(WorkingHours(lunch_starts=None, lunch_ends=None))
    result = plan_ticket(borodulikha, calendar, tue(13, 30), purpose="complaint", zone=None,
                         out_of_turn=None)
    assert result.note is None


def test_lunch_running_into_closing_is_closed(borodulikha: CenterConfig) -> None:
    calendar = WorkCalendar(WorkingHours(lunch_starts=time(17), lunch_ends=time(18, 30)))
    with pytest.raises(CenterClosed) as caught:
        plan_ticket(borodulikha, calendar, tue(17, 30), purpose="complaint", zone=None,
                    out_of_turn=None)
    assert caught.value.extra["opens_at"] == "2026-03-11T09:00:00+05:00"


@given(minute=st.integers(0, 60 * 24 * 21 - 1))
@settings(max_examples=200, deadline=None)
def test_plan_follows_the_calendar(borodulikha: CenterConfig,
                                   borodulikha_calendar: WorkCalendar, minute: int) -> None:
    # Three weeks around Nowruz and Women's Day, minute by minute at random.
    now = at(2026, 3, 5) + timedelta(minutes=minute)
    status = borodulikha_calendar.status_at(now)
    if status.state is OpeningState.CLOSED:
        with pytest.raises(CenterClosed) as caught:
            plan_ticket(borodulikha, borodulikha_calendar, now, purpose="complaint", zone=None,
                        out_of_turn=None)
        assert status.resumes_at is not None
        assert caught.value.extra["opens_at"] == status.resumes_at.isoformat()
        spoken = spoken_date(status.resumes_at)
        assert spoken.kk in caught.value.text.kk
        assert spoken.ru in caught.value.text.ru
        assert status.resumes_at > now
    else:
        result = plan_ticket(borodulikha, borodulikha_calendar, now, purpose="complaint",
                             zone=None, out_of_turn=None)
        assert result.service_day == now.date()
        assert (result.note is not None) is (status.state is OpeningState.LUNCH)


# --------------------------------------------------------------------------- spoken dates

MONTHS = [("қаңтар", "января"), ("ақпан", "февраля"), ("наурыз", "марта"), ("сәуір", "апреля"),
          ("мамыр", "мая"), ("маусым", "июня"), ("шілде", "июля"), ("тамыз", "августа"),
          ("қыркүйек", "сентября"), ("қазан", "октября"), ("қараша", "ноября"),
          ("желтоқсан", "декабря")]


@pytest.mark.parametrize("month", range(1, 13))
def test_spoken_date_names_every_month(month: int) -> None:
    spoken = spoken_date(at(2026, month, 4, 9, 5))
    kk, ru = MONTHS[month - 1]
    assert spoken.kk == f"4 {kk}, 09:05"
    assert spoken.ru == f"4 {ru}, 09:05"


def test_spoken_date_example() -> None:
    spoken = spoken_date(at(2026, 11, 24, 9))
    assert spoken.as_dict() == {"kk": "24 қараша, 09:00", "ru": "24 ноября, 09:00"}
    assert spoken.get(Language.KK) == "24 қараша, 09:00"


# --------------------------------------------------------------------------- people ahead


def ticket(number: int, queued: datetime, *, zone: str = "consultation",
           state: TicketState = S.WAITING, **extra: Any) -> Ticket:
    return Ticket(number=number, zone=zone, issued_zone=zone, service_day=date(2026, 3, 10),
                  language=Language.RU, issued_at=queued, state=state, **extra)


NOW = tue(10, 0)


@pytest.fixture
def queue() -> list[Ticket]:
    return [
        ticket(101, tue(9, 10)),
        ticket(102, tue(9, 20)),
        ticket(103, tue(9, 30)),
        ticket(104, tue(9, 40), out_of_turn="disability"),
        ticket(105, tue(9, 0), state=S.CALLED),
        ticket(106, tue(9, 0), state=S.SERVING),
        ticket(107, tue(9, 0), state=S.DONE),
        ticket(108, tue(9, 0), state=S.NO_SHOW),
        ticket(501, tue(9, 0), zone="personal"),
        ticket(109, tue(9, 45), state=S.TRANSFERRED, queued_at=tue(9, 5)),
    ]


def test_regular_newcomer_waits_behind_everyone(queue: list[Ticket]) -> None:
    newcomer = ticket(110, tue(9, 50))
    # 101, 102, 103, the transferred 109 (queued 09:05) and the out-of-turn 104.
    assert people_ahead(queue, newcomer, NOW) == 5
    assert people_ahead([*queue, newcomer], newcomer, NOW) == 5


def test_out_of_turn_newcomer_waits_behind_earlier_out_of_turn_only(queue: list[Ticket]) -> None:
    newcomer = ticket(110, tue(9, 50), out_of_turn="pregnant")
    assert people_ahead(queue, newcomer, NOW) == 1
    early = ticket(111, tue(9, 35), out_of_turn="pregnant")
    assert people_ahead(queue, early, NOW) == 0


def test_booked_ticket_due_is_ahead_of_everyone(queue: list[Ticket]) -> None:
    booked = ticket(120, tue(9, 58), booked_for=tue(10, 3))
    regular = ticket(110, tue(9, 50))
    veteran = ticket(111, tue(9, 50), out_of_turn="wwii_veteran")
    queue.append(booked)
    assert people_ahead(queue, regular, NOW) == 6
    assert people_ahead(queue, veteran, NOW) == 2
    assert people_ahead(queue, booked, NOW) == 0
    # Not yet due at 09:57: it waits by arrival, behind everyone who came before it.
    assert people_ahead(queue, booked, tue(9, 57)) == 5
    assert people_ahead(queue, regular, tue(9, 57)) == 5


def test_first_in_line_has_nobody_ahead(queue: list[Ticket]) -> None:
    first = queue[0]
    # Only the out-of-turn 104 and the transferred 109 (09:05) go before 101 (09:10).
    assert people_ahead(queue, first, NOW) == 2
    assert people_ahead([], ticket(110, tue(9)), NOW) == 0


def test_other_zones_and_states_do_not_count(queue: list[Ticket]) -> None:
    newcomer = ticket(502, tue(9, 50), zone="personal")
    assert people_ahead(queue, newcomer, NOW) == 1


def test_tickets_aimed_at_desks(queue: list[Ticket]) -> None:
    aimed_105 = ticket(510, tue(9, 1), zone="personal", target_desk="office-105")
    aimed_106 = ticket(511, tue(9, 2), zone="personal", target_desk="office-106")
    queue += [aimed_105, aimed_106]
    # An untargeted newcomer may be called by any desk: everyone earlier counts.
    assert people_ahead(queue, ticket(512, tue(9, 50), zone="personal"), NOW) == 3
    # One aimed at office-105 waits only behind untargeted ones and those for office-105.
    mine = ticket(513, tue(9, 50), zone="personal", target_desk="office-105")
    assert people_ahead(queue, mine, NOW) == 2
    other = ticket(514, tue(9, 50), zone="personal", target_desk="office-107")
    assert people_ahead(queue, other, NOW) == 1


queue_specs = st.lists(st.tuples(st.integers(0, 120), st.booleans(),
                                 st.sampled_from([S.WAITING, S.WAITING, S.TRANSFERRED,
                                                  S.CALLED, S.DONE]),
                                 st.sampled_from(["consultation", "personal"])),
                       min_size=1, max_size=20)


@given(specs=queue_specs, data=st.data())
@settings(max_examples=150, deadline=None)
def test_people_ahead_is_the_place_in_the_zone_order(specs: list[Any],
                                                     data: st.DataObject) -> None:
    tickets = [ticket(100 + i, tue(9) + timedelta(minutes=m), zone=zone, state=state,
                      out_of_turn="pregnant" if flagged else None)
               for i, (m, flagged, state, zone) in enumerate(specs)]
    mine = data.draw(st.sampled_from(tickets))
    if mine.state not in (S.WAITING, S.TRANSFERRED):
        return
    order = zone_order(tickets, mine.zone, NOW)
    assert people_ahead(tickets, mine, NOW) == order.index(mine)
