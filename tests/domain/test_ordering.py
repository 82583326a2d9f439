"""Who a desk calls next: hub.domain.ordering."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.center import Desk
from hub.domain.ordering import (
    BOOKING_LEAD,
    ServiceClass,
    call_key,
    call_order,
    eligible_for,
    next_for_desk,
    service_class,
    zone_order,
)
from hub.domain.text import Bilingual, Language
from hub.domain.tickets import Ticket, TicketState

ALMATY = ZoneInfo("Asia/Almaty")
DAY = date(2026, 3, 10)
S = TicketState


def at(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, 10, hour, minute, second, tzinfo=ALMATY)


NOW = at(11)


def desk(code: str, *zones: str) -> Desk:
    return Desk(code=code, label=Bilingual(kk=code, ru=code), zones=zones)


WINDOW_1 = desk("window-1", "consultation")
WINDOW_2 = desk("window-2", "consultation")
OFFICE_105 = desk("office-105", "personal")
BOTH = desk("both", "consultation", "personal")


def ticket(number: int, issued: datetime, *, zone: str = "consultation",
           state: TicketState = S.WAITING, **extra: Any) -> Ticket:
    return Ticket(number=number, zone=zone, issued_zone=zone, service_day=DAY,
                  language=Language.KK, issued_at=issued, state=state, **extra)


def numbers(tickets: list[Ticket]) -> list[int]:
    return [t.number for t in tickets]


# --------------------------------------------------------------------------- classes


def test_booking_lead_is_five_minutes() -> None:
    assert timedelta(minutes=5) == BOOKING_LEAD


def test_service_classes() -> None:
    regular = ticket(1, at(9))
    out_of_turn = ticket(2, at(9), out_of_turn="wwii_veteran")
    booked = ticket(3, at(9), booked_for=at(11, 30))
    booked_veteran = ticket(4, at(9), booked_for=at(11, 30), out_of_turn="disability")
    assert service_class(regular, NOW) is ServiceClass.REGULAR
    assert service_class(out_of_turn, NOW) is ServiceClass.OUT_OF_TURN
    assert service_class(booked, at(11, 24, 59)) is ServiceClass.REGULAR
    assert service_class(booked, at(11, 25)) is ServiceClass.BOOKED_DUE
    assert service_class(booked, at(12)) is ServiceClass.BOOKED_DUE
    assert service_class(booked_veteran, at(11, 24, 59)) is ServiceClass.OUT_OF_TURN
    assert service_class(booked_veteran, at(11, 25)) is ServiceClass.BOOKED_DUE
    assert service_class(booked, at(11, 19), booking_lead=timedelta(minutes=11)) is (
        ServiceClass.BOOKED_DUE)
    assert service_class(booked, at(11, 18, 59), booking_lead=timedelta(minutes=11)) is (
        ServiceClass.REGULAR)
    assert ServiceClass.BOOKED_DUE < ServiceClass.OUT_OF_TURN < ServiceClass.REGULAR


def test_call_key_uses_the_booked_time_only_when_due() -> None:
    booked = ticket(7, at(9), booked_for=at(11, 30), id=42)
    assert call_key(booked, at(10)) == (2, at(9), at(9), 42)
    assert call_key(booked, at(11, 26)) == (0, at(11, 30), at(9), 42)
    assert call_key(ticket(8, at(9, 30)), NOW) == (2, at(9, 30), at(9, 30), 8)


# --------------------------------------------------------------------------- order


def test_out_of_turn_before_regular_then_first_come() -> None:
    tickets = [
        ticket(101, at(9, 0)),
        ticket(102, at(9, 5)),
        ticket(103, at(9, 10), out_of_turn="pregnant"),
        ticket(104, at(9, 15)),
        ticket(105, at(9, 20), out_of_turn="wwii_veteran"),
    ]
    assert numbers(call_order(tickets, WINDOW_1, NOW)) == [103, 105, 101, 102, 104]
    assert next_for_desk(tickets, WINDOW_1, NOW) is tickets[2]


def test_first_come_is_by_arrival_not_by_number_or_issue() -> None:
    # 150 was transferred here keeping its 09:00 arrival, so it precedes 120 issued at 09:30.
    transferred = ticket(150, at(10, 40), state=S.TRANSFERRED, queued_at=at(9))
    later = ticket(120, at(9, 30))
    requeued = ticket(110, at(8, 50), state=S.TRANSFERRED, queued_at=at(10, 45))
    tickets = [later, requeued, transferred]
    assert numbers(call_order(tickets, WINDOW_1, NOW)) == [150, 120, 110]


def test_ties_break_by_issue_time_then_id_then_number() -> None:
    same = at(9)
    a = ticket(130, at(8, 59), queued_at=same)
    b = ticket(120, at(8, 58), queued_at=same)
    assert numbers(call_order([a, b], WINDOW_1, NOW)) == [120, 130]
    c = ticket(111, same, id=9)
    d = ticket(112, same, id=3)
    assert numbers(call_order([c, d], WINDOW_1, NOW)) == [112, 111]
    e = ticket(140, same)
    f = ticket(139, same)
    assert numbers(call_order([e, f], WINDOW_1, NOW)) == [139, 140]


def test_only_waiting_and_transferred_tickets_are_called() -> None:
    tickets = [ticket(i, at(9, i), state=state) for i, state in enumerate(S, start=1)]
    order = call_order(tickets, WINDOW_1, NOW)
    assert [t.state for t in order] == [S.WAITING, S.TRANSFERRED]


def test_only_the_desks_zones() -> None:
    tickets = [ticket(101, at(9)), ticket(501, at(8), zone="personal"),
               ticket(801, at(7), zone="self_service"), ticket(102, at(9, 1))]
    assert numbers(call_order(tickets, WINDOW_1, NOW)) == [101, 102]
    assert numbers(call_order(tickets, OFFICE_105, NOW)) == [501]
    assert numbers(call_order(tickets, BOTH, NOW)) == [501, 101, 102]
    assert next_for_desk(tickets, desk("self-1", "self_service"), NOW) is tickets[2]
    assert next_for_desk(tickets, desk("idle", "nowhere"), NOW) is None


def test_target_desk_is_respected() -> None:
    aimed = ticket(101, at(9), target_desk="window-2")
    free = ticket(102, at(9, 10))
    tickets = [aimed, free]
    assert numbers(call_order(tickets, WINDOW_1, NOW)) == [102]
    assert numbers(call_order(tickets, WINDOW_2, NOW)) == [101, 102]
    assert eligible_for(aimed, WINDOW_2) is True
    assert eligible_for(aimed, WINDOW_1) is False
    assert numbers(zone_order(tickets, "consultation", NOW)) == [101, 102]


def test_booked_ticket_comes_first_from_five_minutes_before() -> None:
    veteran = ticket(103, at(9, 30), out_of_turn="wwii_veteran")
    early = ticket(101, at(9))
    booked = ticket(501, at(10, 50), zone="consultation", booked_for=at(11, 30))
    tickets = [early, booked, veteran]
    assert numbers(call_order(tickets, WINDOW_1, at(11, 24, 59))) == [103, 101, 501]
    assert numbers(call_order(tickets, WINDOW_1, at(11, 25))) == [501, 103, 101]
    assert next_for_desk(tickets, WINDOW_1, at(11, 25)) is booked


def test_booked_tickets_are_ordered_by_booked_time_not_arrival() -> None:
    late_booking = ticket(505, at(9), zone="personal", booked_for=at(11, 30))
    early_booking = ticket(506, at(11, 10), zone="personal", booked_for=at(11, 0))
    walk_in = ticket(507, at(8, 30), zone="personal", out_of_turn="disability")
    tickets = [late_booking, early_booking, walk_in]
    assert numbers(call_order(tickets, OFFICE_105, at(11, 26))) == [506, 505, 507]
    # Before 10:55 neither booking is due; they wait by arrival like everyone else.
    assert numbers(call_order(tickets, OFFICE_105, at(10, 54))) == [507, 505, 506]
    assert numbers(call_order(tickets, OFFICE_105, at(10, 55))) == [506, 507, 505]


def test_zone_order_lists_everyone_waiting_in_the_zone() -> None:
    tickets = [ticket(101, at(9), target_desk="window-3"), ticket(102, at(8, 59)),
               ticket(103, at(8, 58), state=S.CALLED), ticket(501, at(8), zone="personal"),
               ticket(104, at(9, 30), out_of_turn="pregnant")]
    assert numbers(zone_order(tickets, "consultation", NOW)) == [104, 102, 101]
    assert zone_order([], "consultation", NOW) == []


def test_empty_queue() -> None:
    assert call_order([], WINDOW_1, NOW) == []
    assert next_for_desk([], WINDOW_1, NOW) is None


def test_call_order_accepts_a_generator() -> None:
    tickets = [ticket(102, at(9, 1)), ticket(101, at(9))]
    assert numbers(call_order(iter(tickets), WINDOW_1, NOW)) == [101, 102]
    assert next_for_desk(iter(tickets), WINDOW_1, NOW) is tickets[1]


# --------------------------------------------------------------------------- random queues

ALL_DESKS = [WINDOW_1, WINDOW_2, OFFICE_105, BOTH]
BASE = at(9)

# Weighted towards tickets a desk may call, so most examples have a real queue.
ticket_specs = st.fixed_dictionaries({
    "zone": st.sampled_from(["consultation"] * 3 + ["personal"] * 2 + ["self_service"]),
    "state": st.sampled_from([S.WAITING] * 4 + [S.TRANSFERRED] * 2 + list(S)),
    "out_of_turn": st.sampled_from([None, None, "pregnant", "wwii_veteran"]),
    "issued": st.integers(0, 240),
    "queued_shift": st.sampled_from([0, 0, -30, -5, 7, 60]),
    # Seconds from now to the booked time; 300 is exactly the booking lead.
    "booked": st.one_of(st.none(), st.none(), st.integers(-3600, 7200),
                        st.sampled_from([-1, 0, 1, 299, 300, 301, 359, 360])),
    "target_desk": st.sampled_from([None] * 6 + ["window-1", "window-2", "office-105",
                                                 "both"]),
})


def build(specs: list[dict[str, Any]], now: datetime) -> list[Ticket]:
    tickets = []
    for i, spec in enumerate(specs):
        issued = BASE + timedelta(minutes=spec["issued"])
        tickets.append(ticket(
            100 + i, issued, zone=spec["zone"], state=spec["state"],
            out_of_turn=spec["out_of_turn"],
            queued_at=issued + timedelta(minutes=spec["queued_shift"]),
            booked_for=(now + timedelta(seconds=spec["booked"])
                        if spec["booked"] is not None else None),
            target_desk=spec["target_desk"], id=1000 + (i * 7919) % 997))
    return tickets


def reference_order(tickets: list[Ticket], for_desk: Desk, now: datetime) -> list[Ticket]:
    """Selection by pairwise comparison, written from the rules, not from call_key."""
    def eligible(t: Ticket) -> bool:
        return (t.state in (S.WAITING, S.TRANSFERRED) and t.zone in for_desk.zones
                and (t.target_desk is None or t.target_desk == for_desk.code))

    def rank(t: Ticket) -> tuple[int, datetime]:
        if t.booked_for is not None and now >= t.booked_for - timedelta(minutes=5):
            return 0, t.booked_for
        assert t.queued_at is not None
        return (1 if t.out_of_turn else 2), t.queued_at

    def before(a: Ticket, b: Ticket) -> bool:
        if rank(a) != rank(b):
            return rank(a) < rank(b)
        if a.issued_at != b.issued_at:
            return a.issued_at < b.issued_at
        assert a.id is not None and b.id is not None
        return a.id < b.id

    pool = [t for t in tickets if eligible(t)]
    result = []
    while pool:
        best = pool[0]
        for other in pool[1:]:
            if before(other, best):
                best = other
        result.append(best)
        pool.remove(best)
    return result


queues = st.lists(ticket_specs, max_size=25)
moments = st.integers(0, 360).map(lambda m: BASE + timedelta(minutes=m))


@given(specs=queues, now=moments, for_desk=st.sampled_from(ALL_DESKS))
@settings(max_examples=200, deadline=None)
def test_call_order_matches_the_reference(specs: list[dict[str, Any]], now: datetime,
                                          for_desk: Desk) -> None:
    tickets = build(specs, now)
    order = call_order(tickets, for_desk, now)
    assert [t.number for t in order] == numbers(reference_order(tickets, for_desk, now))
    first = next_for_desk(tickets, for_desk, now)
    assert first is (order[0] if order else None)
    classes = [int(service_class(t, now)) for t in order]
    assert classes == sorted(classes)


@given(specs=queues, now=moments, for_desk=st.sampled_from(ALL_DESKS))
@settings(max_examples=150, deadline=None)
def test_calling_repeatedly_calls_every_eligible_ticket_once(
        specs: list[dict[str, Any]], now: datetime, for_desk: Desk) -> None:
    tickets = build(specs, now)
    expected = call_order(tickets, for_desk, now)
    untouched = {t.number: t.state for t in tickets if t not in expected}
    called = []
    for _ in range(len(tickets) + 1):
        chosen = next_for_desk(tickets, for_desk, now)
        if chosen is None:
            break
        chosen.call(for_desk.code, now)
        called.append(chosen)
    assert [t.number for t in called] == [t.number for t in expected]
    assert len({t.number for t in called}) == len(called)
    assert next_for_desk(tickets, for_desk, now) is None
    assert all(t.state is S.CALLED and t.desk == for_desk.code for t in called)
    assert {t.number: t.state for t in tickets if t not in called} == untouched


@given(specs=queues, now=moments)
@settings(max_examples=100, deadline=None)
def test_zone_order_merges_the_desks_orders(specs: list[dict[str, Any]], now: datetime) -> None:
    tickets = build(specs, now)
    whole = zone_order(tickets, "consultation", now)
    assert all(t.zone == "consultation" and t.state in (S.WAITING, S.TRANSFERRED)
               for t in whole)
    # Each desk's order is the zone's order restricted to what that desk may call.
    for for_desk in (WINDOW_1, WINDOW_2):
        mine = call_order(tickets, for_desk, now)
        assert [t for t in whole if eligible_for(t, for_desk)] == mine


def test_tickets_in_other_states_are_never_eligible() -> None:
    for state in S:
        t = ticket(1, at(9), state=state)
        assert eligible_for(t, WINDOW_1) is (state in (S.WAITING, S.TRANSFERRED))


@pytest.mark.parametrize("for_desk", ALL_DESKS, ids=lambda d: d.code)
def test_a_desk_never_takes_a_ticket_aimed_elsewhere(for_desk: Desk) -> None:
    tickets = [ticket(i, at(9, i), zone=z, target_desk=target)
               for i, (z, target) in enumerate(
                   [(z, target) for z in ("consultation", "personal")
                    for target in (None, "window-1", "window-2", "office-105", "both")])]
    for t in call_order(tickets, for_desk, NOW):
        assert t.zone in for_desk.zones
        assert t.target_desk in (None, for_desk.code)
    assert len(call_order(tickets, for_desk, NOW)) == sum(
        1 for t in tickets
        if t.zone in for_desk.zones and t.target_desk in (None, for_desk.code))
