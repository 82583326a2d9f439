"""How many numbers a ticket terminal may take (issue 16): a flood of lease requests
reserves one block and is refused past its limit, a range too small for the day
refuses the lease in both languages and alerts staff once, and blocks carry the
center's time zone (the terminal reads their service day off `valid_until`).

The clock stands on Monday 23 November 2026 at 10:00 in Almaty (05:00 UTC).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from contract.mqtt import LeaseRequest
from hub.console.web import LANG_COOKIE
from hub.domain.leases import LEASE_REQUESTS_PER_HOUR
from hub.domain.roles import Role
from hub.services.clock import ManualClock
from hub.services.events import QueueEvent
from hub.storage.models import AuditRow, TicketCounterRow, TicketRow
from hub.wiring import Hub
from tests.hub.test_console_check_in import signed_in
from tests.hub.test_terminal_requests import ask, lease, offline, terminal, walk_in


def counter(hub: Hub, zone: str) -> int:
    with hub.db.read() as session:
        return int(session.scalar(select(TicketCounterRow.last_sequence).where(
            TicketCounterRow.zone == zone)) or 0)


def audit_rows(hub: Hub, action: str) -> int:
    with hub.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(AuditRow)
                                  .where(AuditRow.action == action)) or 0)


def test_a_flood_of_lease_requests_reserves_one_block_and_is_refused_past_its_limit(
        hub: Hub, clock: ManualClock) -> None:
    terminal(hub)
    answers = [ask(hub, LeaseRequest(node="terminal-1", zones=["consultation"]))
               for _ in range(1000)]
    answered = [a for a in answers if a.ok]
    refused = [a for a in answers if not a.ok]
    assert len(answered) == LEASE_REQUESTS_PER_HOUR
    assert {a.lease[0].lease_id for a in answered if a.lease} == {answered[0].lease[0].lease_id}  # type: ignore[index]
    assert counter(hub, "consultation") == 20  # one block (was 1000 blocks: 20,000)
    assert audit_rows(hub, "lease") == 1  # (was 1000)
    problem = refused[0].problem
    assert problem is not None and problem.code == "lease_too_often"
    assert problem.text.kk != problem.text.ru and "часто" in problem.text.ru
    # Another terminal is not held back by this one; the flooder is, until the hour passed.
    terminal(hub, "terminal-2")
    assert lease(hub, "consultation", node_id="terminal-2").lease
    clock.advance(hours=1)
    assert ask(hub, LeaseRequest(node="terminal-1", zones=["consultation"])).ok
    assert counter(hub, "consultation") == 40


def test_a_range_too_small_for_the_day_refuses_the_lease_and_alerts_staff_once(
        hub: Hub) -> None:
    def narrow(doc: dict[str, Any]) -> None:
        next(z for z in doc["zones"] if z["code"] == "self_service")["range"] = [800, 819]

    hub.centers.edit(narrow, actor="test", action="put_zone")
    events: list[QueueEvent] = []
    hub.bus.subscribe(events.append)
    terminal(hub)
    block = lease(hub, "self_service").lease[0]  # type: ignore[index]
    assert block.numbers == [800, 801, 802, 803, 804]  # a quarter of the range at most
    # Thirty visitors for twenty numbers: the hub keeps numbering until none is free.
    issued = [walk_in(hub, "appeal_help") for _ in range(30)]
    numbers = [r.ticket.number for r in issued if r.ok and r.ticket]
    assert numbers == list(range(805, 820))
    for number in block.numbers:  # the terminal's visitors join the queue
        assert ask(hub, offline(block.lease_id, number, zone="self_service")).ok
    for _ in range(3):
        refusal = ask(hub, LeaseRequest(node="terminal-1", zones=["self_service"]))
        assert not refusal.ok and refusal.problem is not None
        assert refusal.problem.code == "lease_range_short"
    problem = refusal.problem
    assert problem is not None
    text = problem.text
    assert "800–819" in text.kk and "800–819" in text.ru
    assert "«Самообслуживание»" in text.ru
    # Staff hear of it once a day, in both languages; nothing was lost or given twice.
    (alert,) = hub.leases.range_alerts()
    assert alert.zone == "self_service"
    # The walk-ins refused first raised it; the terminal's refusal adds no second one.
    assert "800–819" in alert.text.kk and "800–819" in alert.text.ru
    assert [e.extra for e in events if e.kind == "range_short"] == [
        {"kk": alert.text.kk, "ru": alert.text.ru}]
    assert audit_rows(hub, "range_short") == 1
    with hub.db.read() as session:
        waiting = session.scalars(select(TicketRow.number).where(
            TicketRow.zone == "self_service")).all()
    assert sorted(waiting) == list(range(800, 820))


def test_a_terminal_holding_a_block_keeps_it_when_the_range_runs_short(hub: Hub) -> None:
    def narrow(doc: dict[str, Any]) -> None:
        next(z for z in doc["zones"] if z["code"] == "self_service")["range"] = [800, 819]

    hub.centers.edit(narrow, actor="test", action="put_zone")
    terminal(hub)
    block = lease(hub, "self_service").lease[0]  # type: ignore[index]
    for _ in range(15):
        assert walk_in(hub, "appeal_help").ok
    for number in block.numbers[:3]:
        assert ask(hub, offline(block.lease_id, number, zone="self_service")).ok
    # Two left (nearly used), none free for a spare: the block it holds, and an alert.
    again = lease(hub, "self_service").lease
    assert again is not None and [b.numbers for b in again] == [[803, 804]]
    assert len(hub.leases.range_alerts()) == 1


def test_blocks_carry_the_center_time_zone(hub: Hub) -> None:
    terminal(hub)
    first = lease(hub, "consultation").lease[0]  # type: ignore[index]
    again = lease(hub, "consultation").lease[0]  # type: ignore[index]
    for block in (first, again):
        assert block.valid_until.utcoffset() == timedelta(hours=5)
        assert block.valid_until.date() == block.service_day


def test_a_zone_short_of_numbers_does_not_keep_the_terminal_from_its_other_zones(
        hub: Hub) -> None:
    def narrow(doc: dict[str, Any]) -> None:
        next(z for z in doc["zones"] if z["code"] == "self_service")["range"] = [800, 809]

    hub.centers.edit(narrow, actor="test", action="put_zone")
    terminal(hub)
    for _ in range(9):
        assert walk_in(hub, "appeal_help").ok  # one self-service number left: none to spare
    reply = lease(hub, "consultation", "self_service")
    assert [b.zone for b in reply.lease or []] == ["consultation"]
    assert [a.zone for a in hub.leases.range_alerts()] == ["self_service"]
    refused = ask(hub, LeaseRequest(node="terminal-1", zones=["self_service"]))
    assert refused.problem is not None and refused.problem.code == "lease_range_short"


def test_a_visitor_refused_for_a_full_range_alerts_staff_once_and_the_board_says_so(
        hub: Hub) -> None:
    def narrow(doc: dict[str, Any]) -> None:
        next(z for z in doc["zones"] if z["code"] == "self_service")["range"] = [800, 809]

    hub.centers.edit(narrow, actor="test", action="put_zone")
    terminal(hub)
    answers = [walk_in(hub, "appeal_help") for _ in range(12)]
    assert [r.ticket.number for r in answers if r.ok and r.ticket] == list(range(800, 810))
    refusals = [r.problem for r in answers if not r.ok]
    assert [p.code for p in refusals if p] == ["range_exhausted", "range_exhausted"]
    (alert,) = hub.leases.range_alerts()  # one alert for both refusals
    assert alert.zone == "self_service"
    assert "800–809" in alert.text.kk and "Расширьте диапазон" in alert.text.ru
    assert audit_rows(hub, "range_short") == 1
    browser = signed_in(hub, "reception1", Role.RECEPTION)
    browser.cookies.set(LANG_COOKIE, "ru")
    assert alert.text.ru in browser.get("/console/board/fragment").text
    browser.cookies.set(LANG_COOKIE, "kk")
    assert alert.text.kk in browser.get("/console/board/fragment").text
