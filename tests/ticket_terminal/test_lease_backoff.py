"""How often the terminal asks for number blocks (issue 16): one request at a time,
never while its blocks are usable above the low-water mark by the hub's time, and
after an answer that did not help (a refusal, the blocks it holds, blocks of another
day) only after a wait that doubles from 5 s to 5 min; a new usable block starts over."""

from __future__ import annotations

from datetime import date

from contract.mqtt import LeaseRequest, OfflineTicket, Problem, Reply, Text
from firmware.ticket_terminal.lease_backoff import FIRST_WAIT, LONGEST_WAIT, LeaseBackoff
from tests.ticket_terminal.conftest import Rig

YESTERDAY = date(2026, 11, 22)


def refusal(request: LeaseRequest) -> Reply:
    return Reply(request_id=request.id, ok=False, problem=Problem(
        code="lease_range_short", detail="no numbers", text=Text(kk="Жоқ", ru="Нет")))


def lease_requests(rig: Rig) -> list[LeaseRequest]:
    return [r for r in rig.link.outbox if isinstance(r, LeaseRequest)]


def test_the_wait_doubles_from_five_seconds_to_five_minutes_and_starts_over() -> None:
    backoff = LeaseBackoff()
    waits = [backoff.failed(0.0) for _ in range(9)]
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300, 300]
    assert (FIRST_WAIT, LONGEST_WAIT) == (5, 300)
    backoff.succeeded()
    assert backoff.may_ask(0.0) and backoff.failed(0.0) == 5


def test_refused_leases_are_asked_for_again_ever_later(rig: Rig) -> None:
    asked_at: list[float] = []
    start = rig.clock.seconds
    while rig.clock.seconds - start < 1800:  # half an hour of ticks, four a second
        rig.terminal.tick()
        for request in lease_requests(rig):
            asked_at.append(rig.clock.seconds - start)
            assert len(lease_requests(rig)) == 1  # never two in flight
            rig.answer(request, refusal(request))
        rig.clock.advance(0.25)
    assert asked_at == [0, 5, 15, 35, 75, 155, 315, 615, 915, 1215, 1515]


def test_blocks_unusable_by_the_hubs_time_count_as_no_answer(rig: Rig) -> None:
    """The issue-16 terminal: the hub's blocks looked unusable, so it asked again at
    once, 3-5 times a second. Now it waits as after a refusal."""
    asked = 0
    lease_id = 1
    start = rig.clock.seconds
    while rig.clock.seconds - start < 1800:
        rig.terminal.tick()
        for request in lease_requests(rig):
            asked += 1
            lease_id += 1
            stale = rig.block(numbers=list(range(300, 320)), lease_id=lease_id,
                              day=YESTERDAY)
            rig.answer(request, Reply(request_id=request.id, ok=True, lease=[stale]))
        rig.clock.advance(0.25)
    assert asked == 11  # (4 a second without backoff: 7,200)
    assert rig.store.remaining("consultation", rig.clock.now) == 0


def test_a_usable_block_above_the_low_water_mark_is_not_asked_for_again(rig: Rig) -> None:
    rig.terminal.tick()
    (request,) = lease_requests(rig)
    rig.answer(request, Reply(request_id=request.id, ok=True, lease=[
        rig.block("consultation", list(range(300, 320)), lease_id=1),
        rig.block("personal", list(range(500, 520)), lease_id=2)]))
    assert rig.terminal.lease_backoff.wait == 0
    for _ in range(100):
        rig.terminal.tick()
        rig.clock.advance(1)
    assert lease_requests(rig) == []


def test_the_block_given_back_keeps_how_far_it_was_used(rig: Rig) -> None:
    rig.lease(numbers=[300, 301, 302, 303, 304, 305])
    rig.link.connected.clear()  # the broker away: two visitors print from the block
    for _ in range(2):
        rig.press("kk")
        rig.clock.advance(4)
    assert [r.number for r in rig.link.outbox if isinstance(r, OfflineTicket)] == [300, 301]
    rig.link.connected.set()
    rig.link.outbox.clear()
    rig.terminal.on_connected()
    (request,) = lease_requests(rig)
    assert request.zones == ["personal"]
    # The hub gives back what it holds for the terminal: the unreported numbers.
    same = rig.block(numbers=[300, 301, 302, 303, 304, 305], lease_id=1)
    personal = rig.block("personal", [500, 501, 502, 503], lease_id=2)
    rig.answer(request, Reply(request_id=request.id, ok=True, lease=[same, personal]))
    assert rig.store.remaining("consultation", rig.clock.now) == 4
    assert rig.store.take_number("consultation", rig.clock.now).number == 302  # type: ignore[union-attr]


def test_a_block_the_hub_no_longer_lists_is_dropped(rig: Rig) -> None:
    rig.lease(numbers=[300], lease_id=1)
    spare = rig.block(numbers=[320, 321, 322, 323], lease_id=2)
    assert rig.store.keep_blocks(["consultation"], [spare]) == {2}
    assert rig.store.take_number("consultation", rig.clock.now).number == 320  # type: ignore[union-attr]


def test_a_lease_refused_for_the_limit_is_asked_for_again_after_the_backoff(rig: Rig) -> None:
    """The hub charges reported offline tickets to the terminal's allowance and refuses
    a lease while it is used up (`rate_limited`, hub.domain.rate_limits): the terminal
    waits as after any refusal and asks again, printing on meanwhile."""
    rig.terminal.tick()
    (request,) = lease_requests(rig)
    rig.answer(request, Reply(request_id=request.id, ok=False, problem=Problem(
        code="rate_limited", detail="node terminal-1 exceeded its tickets limit",
        text=Text(kk="Сұраулар тым жиі", ru="Слишком частые запросы"), field="kind")))
    assert rig.terminal.lease_backoff.wait == FIRST_WAIT
    rig.clock.advance(FIRST_WAIT - 1)
    rig.terminal.tick()
    assert lease_requests(rig) == []
    rig.clock.advance(1)
    rig.terminal.tick()
    (again,) = lease_requests(rig)
    assert again.zones == request.zones
