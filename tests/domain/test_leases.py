"""The rules of number leases (issue 4), without storage: which numbers a block
reserves, until when, which reported tickets are taken and at what arrival; how many
blocks a terminal may hold and how often it may ask (issue 16), and a day of a zone by
these rules in which no number is ever held twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hub.domain.calendar import WorkCalendar
from hub.domain.center import NumberRange
from hub.domain.errors import RangeExhausted
from hub.domain.leases import (
    BLOCKS_PER_ZONE,
    LEASE_REQUESTS_PER_HOUR,
    Lease,
    LeaseClosed,
    LeasedNumber,
    LeaseOfAnotherDay,
    LeasePlan,
    LeaseRangeShort,
    LeaseTooOften,
    LiveBlock,
    NotYourLease,
    NumberNotLeased,
    NumberUsedTwice,
    UnknownLease,
    arrival_time,
    block_cap,
    block_size,
    check_lease_rate,
    check_offline_ticket,
    lease_until,
    plan_lease,
    reserve_numbers,
    spare_threshold,
)
from hub.domain.numbering import allocate_number
from hub.domain.text import Bilingual

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


# How many numbers a terminal may hold (issue 16) -----------------------------------------


def test_asking_again_gives_back_the_blocks_held_and_one_spare_when_nearly_used() -> None:
    cap = block_cap(RANGE, 20)
    assert (cap, spare_threshold(cap)) == (12, 6)  # a quarter of 50 numbers, half of it
    assert plan_lease([], cap) == LeasePlan(keep=(), new_block=True)
    assert plan_lease([LiveBlock(1, 7)], cap) == LeasePlan(keep=(1,), new_block=False)
    assert plan_lease([LiveBlock(1, 6)], cap) == LeasePlan(keep=(1,), new_block=True)
    # Never a third block, however few numbers are left.
    assert plan_lease([LiveBlock(1, 1), LiveBlock(2, 1)], cap) == LeasePlan(
        keep=(1, 2), new_block=False)


def test_a_block_takes_at_most_half_the_free_numbers_and_none_when_none_can_be_spared() -> None:
    name = Bilingual(kk="Кеңес беру", ru="Консультация")
    assert block_size(RANGE, 12, set(), zone_name=name) == 12
    assert block_size(RANGE, 12, set(range(100, 140)), zone_name=name) == 5  # 10 free
    with pytest.raises(LeaseRangeShort) as short:
        block_size(RANGE, 12, set(range(100, 149)), zone_name=name)  # one free: kept
    assert "100–149" in short.value.text.kk and "«Консультация»" in short.value.text.ru


def test_a_terminal_asking_too_often_is_refused_until_the_hour_passed() -> None:
    recent = [TEN + timedelta(seconds=i) for i in range(LEASE_REQUESTS_PER_HOUR)]
    with pytest.raises(LeaseTooOften) as refused:
        check_lease_rate(recent, TEN + timedelta(minutes=59))
    assert refused.value.code == "lease_too_often" and refused.value.text.kk
    check_lease_rate(recent[:-1], TEN + timedelta(minutes=59))
    check_lease_rate(recent, TEN + timedelta(hours=1, seconds=1))


class Center:
    """One zone of a day by the domain rules: the hub numbering walk-ins, terminals
    leasing, printing while away, reporting; tickets finishing. Every number given to a
    visitor is remembered with the sequence the counter stood at."""

    def __init__(self, number_range: NumberRange, terminals: int) -> None:
        self.range = number_range
        self.cap = block_cap(number_range, 20)
        self.last = 0  # the zone's day counter
        self.active: list[int] = []  # numbers of tickets in the queue, oldest first
        self.blocks: list[list[list[LeasedNumber]]] = [[] for _ in range(terminals)]
        self.printed: list[list[int]] = [[] for _ in range(terminals)]  # not reported
        self.given: list[tuple[int, int]] = []  # (number, its sequence of the day)
        self.leased = 0
        self.printed_offline = 0

    def held(self) -> set[int]:
        unreported = {n.number for blocks in self.blocks
                      for block in blocks for n in block} | {
            n for printed in self.printed for n in printed}
        return set(self.active) | unreported

    def walk_in(self) -> None:
        try:
            self.last, number = allocate_number(self.range, self.last, self.held())
        except RangeExhausted:
            return
        self.visitor(number, self.last)
        self.active.append(number)

    def visitor(self, number: int, sequence: int) -> None:
        holding = set(self.active) | {n for printed in self.printed for n in printed}
        assert number not in holding, f"{number} given while a visitor holds it"
        self.given.append((number, sequence))

    def lease(self, t: int) -> None:
        live = [LiveBlock(i + 1, len(block)) for i, block in enumerate(self.blocks[t])]
        if not plan_lease(live, self.cap).new_block:
            return
        held = self.held()
        try:
            size = block_size(self.range, self.cap, held, zone_name=Bilingual(kk="a", ru="a"))
        except LeaseRangeShort:
            return
        block = reserve_numbers(self.range, self.last, held, size)
        self.last = block[-1].sequence
        self.blocks[t].append(block)
        self.leased += len(block)

    def print_offline(self, t: int) -> None:
        blocks = self.blocks[t]
        if blocks:
            leased = blocks[0].pop(0)
            if not blocks[0]:
                blocks.pop(0)
            self.visitor(leased.number, leased.sequence)
            self.printed[t].append(leased.number)
            self.printed_offline += 1

    def report(self, t: int) -> None:
        if self.printed[t]:
            number = self.printed[t].pop(0)
            assert number not in self.active  # NumberUsedTwice never needed
            self.active.append(number)

    def finish(self) -> None:
        if self.active:
            self.active.pop(0)


@settings(max_examples=300, deadline=None)
@example(size=10, steps=[("lease", 0), *[("walk_in", 0)] * 8, *[("finish", 0)] * 8,
                         ("walk_in", 0), ("print", 0)])  # the range wraps onto a lease
@given(size=st.integers(min_value=10, max_value=120),
       steps=st.lists(st.tuples(st.sampled_from(
           ["walk_in", "lease", "print", "report", "finish"]), st.integers(0, 2)),
           max_size=300))
def test_no_number_is_held_twice_and_a_number_is_given_again_only_after_a_wrap(
        size: int, steps: list[tuple[str, int]]) -> None:
    center = Center(NumberRange(100, 100 + size - 1), terminals=3)
    for action, t in steps:
        match action:
            case "walk_in":
                center.walk_in()
            case "lease":
                center.lease(t)
            case "print":
                center.print_offline(t)
            case "report":
                center.report(t)
            case _:
                center.finish()
    # A number given twice that day only when the counter had gone round the range.
    seen: set[int] = set()
    for number, sequence in center.given:
        if number in seen:
            assert sequence > size, f"{number} given twice before the range wrapped"
        seen.add(number)
    # Leased numbers never printed: only those of the blocks terminals hold (rule L6).
    held_back = sum(len(block) for blocks in center.blocks for block in blocks)
    assert center.leased - center.printed_offline == held_back
    for blocks in center.blocks:
        assert len(blocks) <= BLOCKS_PER_ZONE
        assert sum(len(block) for block in blocks) <= BLOCKS_PER_ZONE * center.cap
