"""The rules of number leases (issue 4), without storage: which numbers a block
reserves, until when, which reported tickets are taken and at what arrival."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hub.domain.calendar import WorkCalendar
from hub.domain.center import NumberRange
from hub.domain.errors import RangeExhausted
from hub.domain.leases import (
    Lease,
    LeaseClosed,
    LeaseOfAnotherDay,
    NotYourLease,
    NumberNotLeased,
    NumberUsedTwice,
    UnknownLease,
    arrival_time,
    check_offline_ticket,
    lease_until,
    reserve_numbers,
)

RANGE = NumberRange(100, 149)  # 50 numbers
MONDAY = date(2026, 11, 23)
TEN = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 10:00 in Almaty
LEASE = Lease(lease_id=7, node_id="terminal-1", zone="consultation", service_day=MONDAY,
              created_at=TEN)


def test_a_block_continues_the_day_sequence() -> None:
    block = reserve_numbers(RANGE, 3, set(), 5)
    assert [(n.sequence, n.number) for n in block] == [(4, 103), (5, 104), (6, 105), (7, 106),
                                                       (8, 107)]


def test_a_block_wraps_and_skips_numbers_still_held() -> None:
    block = reserve_numbers(RANGE, 48, {100, 102}, 4)
    assert [n.number for n in block] == [148, 149, 101, 103]
    assert [n.sequence for n in block] == [49, 50, 52, 54]


def test_a_short_range_gives_what_is_free_and_refuses_when_nothing_is() -> None:
    held = set(range(100, 148))
    assert [n.number for n in reserve_numbers(RANGE, 0, held, 10)] == [148, 149]
    with pytest.raises(RangeExhausted):
        reserve_numbers(RANGE, 0, set(range(100, 150)), 10)


def test_a_lease_runs_until_closing_and_not_on_a_closed_day() -> None:
    calendar = WorkCalendar()  # Asia/Almaty, 09:00-18:30 Monday to Friday
    before_opening = datetime(2026, 11, 23, 3, 55, tzinfo=UTC)  # 08:55
    assert lease_until(calendar, before_opening) == datetime(2026, 11, 23, 13, 30, tzinfo=UTC)
    with pytest.raises(LeaseClosed) as closed:
        lease_until(calendar, datetime(2026, 11, 23, 13, 30, tzinfo=UTC))  # 18:30
    assert closed.value.text.kk != closed.value.text.ru
    with pytest.raises(LeaseClosed):
        lease_until(calendar, datetime(2026, 11, 22, 5, 0, tzinfo=UTC))  # Sunday


@pytest.mark.parametrize(("lease", "changes", "error"), [
    (None, {}, UnknownLease),
    (LEASE, {"node_id": "terminal-2"}, NotYourLease),
    (LEASE, {"today": date(2026, 11, 24)}, LeaseOfAnotherDay),
    (LEASE, {"zone": "personal"}, NumberNotLeased),
    (LEASE, {"leased": False}, NumberNotLeased),
    (LEASE, {"used": True}, NumberUsedTwice),
])
def test_an_offline_ticket_is_refused_unless_everything_fits(
        lease: Lease | None, changes: dict[str, object], error: type[Exception]) -> None:
    arguments: dict[str, object] = {"lease_id": 7, "node_id": "terminal-1",
                                    "zone": "consultation", "number": 120, "today": MONDAY,
                                    "leased": True, "used": False} | changes
    with pytest.raises(error):
        check_offline_ticket(lease, **arguments)  # type: ignore[arg-type]


def test_a_fitting_offline_ticket_passes() -> None:
    check_offline_ticket(LEASE, lease_id=7, node_id="terminal-1", zone="consultation",
                         number=120, today=MONDAY, leased=True, used=False)


def test_arrival_is_the_printing_time_within_the_lease_and_now() -> None:
    now = TEN + timedelta(hours=1)
    printed = TEN + timedelta(minutes=20)
    assert arrival_time(printed, LEASE, now) == printed
    assert arrival_time(TEN - timedelta(days=1), LEASE, now) == TEN
    assert arrival_time(now + timedelta(hours=3), LEASE, now) == now
