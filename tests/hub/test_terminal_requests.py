"""The hub's side of the ticket terminal (issue 4), on SQLite and PostgreSQL, through
the same handlers the MQTT bridge calls: number leases, tickets printed from a lease
while the hub was away (arrival order, replaced requests, every refusal, a resent
report after a hub restart), scanned booking codes and print reports.

The clock stands on Monday 23 November 2026 at 10:00 in Almaty (05:00 UTC).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from contract.mqtt import (
    BookingScan,
    LeaseRequest,
    NodeRole,
    NodeStatus,
    OfflineTicket,
    Presence,
    PrintReport,
    Reply,
    TicketRequest,
)
from hub.mqtt.requests import submit_ticket, ticket_reply
from hub.mqtt.terminal_requests import terminal_reply
from hub.services.clock import ManualClock
from hub.services.nodes import NodeInfo
from hub.settings import HubSettings
from hub.storage.lease_models import NumberLeaseRow
from hub.storage.models import AuditRow, TicketRow
from hub.storage.queue_queries import set_sequence
from hub.wiring import Hub, build_hub
from tests.conftest import WORKING_MOMENT
from tests.hub.test_api_check_in import add_akim, at, booked

TERMINAL = "terminal-1"


def terminal(hub: Hub, node_id: str = TERMINAL,
             role: NodeRole = NodeRole.TICKET_TERMINAL) -> NodeInfo:
    info, _ = hub.nodes.record_status(NodeStatus(node=node_id, state=Presence.ONLINE,
                                                 role=role, software="test"))
    return info


def ask(hub: Hub, request: LeaseRequest | OfflineTicket | BookingScan | PrintReport,
        node_id: str = TERMINAL) -> Reply:
    return terminal_reply(hub, hub.nodes.get(node_id), node_id, request)


def lease(hub: Hub, *zones: str, node_id: str = TERMINAL) -> Reply:
    reply = ask(hub, LeaseRequest(node=node_id, zones=list(zones)), node_id)
    assert reply.ok, reply.problem
    assert reply.lease is not None
    return reply


def walk_in(hub: Hub, purpose: str = "appeal_paper", node_id: str = TERMINAL,
            request: TicketRequest | None = None) -> Reply:
    request = request or TicketRequest(node=node_id, language="kk", purpose=purpose)
    return ticket_reply(hub, request, submit_ticket(hub, hub.nodes.get(node_id), node_id,
                                                    request))


def offline(lease_id: int, number: int, *, zone: str = "consultation",
            printed_at: datetime = WORKING_MOMENT, **more: object) -> OfflineTicket:
    return OfflineTicket.model_validate({
        "node": TERMINAL, "lease_id": lease_id, "zone": zone, "number": number,
        "language": "ru", "purpose": "appeal_paper" if zone == "consultation" else None,
        "printed_at": printed_at} | more)


def tickets(hub: Hub) -> list[TicketRow]:
    with hub.db.read() as session:
        return list(session.scalars(select(TicketRow).order_by(TicketRow.id)))


@pytest.fixture
def terminal_hub(hub: Hub) -> Hub:
    terminal(hub)
    return hub


def test_a_lease_reserves_numbers_the_hub_then_skips(terminal_hub: Hub) -> None:
    hub = terminal_hub
    assert walk_in(hub).ticket.number == 100  # type: ignore[union-attr]
    reply = lease(hub, "consultation", "self_service")
    consultation, self_service = reply.lease  # type: ignore[misc]
    assert consultation.zone == "consultation"
    assert consultation.zone_name.ru == "Консультация"
    assert consultation.numbers == list(range(101, 121))  # lease_numbers = 20
    assert consultation.service_day.isoformat() == "2026-11-23"
    assert consultation.valid_until == datetime(2026, 11, 23, 13, 30, tzinfo=UTC)  # 18:30
    assert self_service.numbers[0] == 800
    # The hub never issues a leased number itself.
    assert walk_in(hub).ticket.number == 121  # type: ignore[union-attr]
    with hub.db.read() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.action == "lease")).all()
    assert {a.after["zone"] for a in audit if a.after} == {"consultation", "self_service"}


def test_asking_again_gives_back_the_block_held_and_a_spare_only_when_nearly_used(
        terminal_hub: Hub) -> None:
    hub = terminal_hub
    first = lease(hub, "consultation").lease[0]  # type: ignore[index]
    again = lease(hub, "consultation").lease  # the terminal's block, nothing reserved
    assert again == [first]
    assert walk_in(hub).ticket.number == 120  # type: ignore[union-attr]
    for number in range(100, 110):  # ten printed while the hub was away, reported
        assert ask(hub, offline(first.lease_id, number)).ok
    # Ten numbers left of twenty (at the mark): one spare, the held block given back too.
    held, spare = lease(hub, "consultation").lease  # type: ignore[misc]
    assert (held.lease_id, held.numbers) == (first.lease_id, list(range(110, 120)))
    assert spare.numbers == list(range(121, 141))
    # Never a third block, however often asked.
    assert lease(hub, "consultation").lease == [held, spare]
    with hub.db.read() as session:
        assert session.scalar(select(func.count()).select_from(NumberLeaseRow)) == 2
        leases = session.scalars(select(AuditRow).where(AuditRow.action == "lease")).all()
    assert len(leases) == 2  # one audit row per block handed out, not per request
    # A block used up is no longer given back.
    for number in range(110, 120):
        assert ask(hub, offline(first.lease_id, number)).ok
    assert [b.lease_id for b in lease(hub, "consultation").lease or []] == [spare.lease_id]


def test_offline_tickets_join_the_queue_in_arrival_order(terminal_hub: Hub,
                                                         clock: ManualClock) -> None:
    hub = terminal_hub
    block = lease(hub, "consultation").lease[0]  # type: ignore[index]
    clock.advance(minutes=10)  # 10:10: the hub was away from 10:01 to 10:09
    online = walk_in(hub).ticket
    assert online is not None
    printed = ask(hub, offline(block.lease_id, block.numbers[0],
                               printed_at=WORKING_MOMENT + timedelta(minutes=2)))
    assert printed.ok and printed.ticket is not None
    assert printed.ticket.people_ahead == 0  # came before the 10:10 visitor
    assert printed.ticket.language == "ru"
    assert printed.ticket.status_url == hub.links.url(printed.ticket.ticket_id)
    later = ask(hub, offline(block.lease_id, block.numbers[1],
                             printed_at=WORKING_MOMENT + timedelta(minutes=5)))
    assert later.ticket is not None and later.ticket.people_ahead == 1
    order = [w.number for z in hub.queue.state().zones if z.code == "consultation"
             for w in z.waiting]
    assert order == [block.numbers[0], block.numbers[1], online.number]
    # A node clock running ahead cannot put a ticket in the future, nor before its lease.
    future = ask(hub, offline(block.lease_id, block.numbers[2],
                              printed_at=WORKING_MOMENT + timedelta(hours=5)))
    past = ask(hub, offline(block.lease_id, block.numbers[3],
                            printed_at=WORKING_MOMENT - timedelta(hours=5)))
    assert future.ticket is not None and past.ticket is not None
    queued = {t.number: t.queued_at for t in tickets(hub)}
    assert queued[block.numbers[2]] == clock.now()
    assert queued[block.numbers[3]] == WORKING_MOMENT


def test_every_wrong_offline_ticket_is_refused_in_both_languages(
        terminal_hub: Hub, clock: ManualClock) -> None:
    hub = terminal_hub
    terminal(hub, "terminal-2")
    mine = lease(hub, "consultation").lease[0]  # type: ignore[index]
    theirs = lease(hub, "consultation", node_id="terminal-2").lease[0]  # type: ignore[index]
    cases = [
        (offline(999, 100), "lease_unknown", "lease_id"),
        (offline(theirs.lease_id, theirs.numbers[0]), "lease_not_yours", "lease_id"),
        (offline(mine.lease_id, theirs.numbers[0]), "number_not_leased", "number"),
        (offline(mine.lease_id, mine.numbers[0], zone="self_service"), "number_not_leased",
         "zone"),
        (offline(mine.lease_id, mine.numbers[0], purpose="booked_reception"), "invalid_value",
         "purpose"),
        (offline(mine.lease_id, mine.numbers[0], out_of_turn="nobody"), "not_found", None),
    ]
    for message, code, field in cases:
        reply = ask(hub, message)
        assert not reply.ok and reply.problem is not None, message
        assert reply.problem.code == code, (message, reply.problem)
        if field is not None:
            assert reply.problem.field == field
        assert reply.problem.text.kk and reply.problem.text.ru
        assert reply.problem.text.kk != reply.problem.text.ru
    assert tickets(hub) == []
    # The same number reported by another message: refused, one ticket only.
    assert ask(hub, offline(mine.lease_id, mine.numbers[0])).ok
    twice = ask(hub, offline(mine.lease_id, mine.numbers[0]))
    assert twice.problem is not None and twice.problem.code == "number_used_twice"
    assert "уже был выдан" in twice.problem.text.ru
    # Yesterday's lease does not feed today's queue.
    clock.set(WORKING_MOMENT + timedelta(days=1))
    stale = ask(hub, offline(mine.lease_id, mine.numbers[1]))
    assert stale.problem is not None and stale.problem.code == "lease_other_day"
    assert len(tickets(hub)) == 1


def test_no_lease_when_closed_nor_for_a_zone_without_tickets_nor_for_other_nodes(
        terminal_hub: Hub, clock: ManualClock) -> None:
    hub = terminal_hub
    refused = ask(hub, LeaseRequest(node=TERMINAL, zones=["waiting"]))
    assert refused.problem is not None and refused.problem.field == "zones"
    terminal(hub, "buttons-1", NodeRole.CALL_BUTTON)
    other = ask(hub, LeaseRequest(node="buttons-1", zones=["consultation"]), "buttons-1")
    assert other.problem is not None and other.problem.code == "not_allowed"
    clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # 19:00, closed
    closed = ask(hub, LeaseRequest(node=TERMINAL, zones=["consultation"]))
    assert closed.problem is not None and closed.problem.code == "lease_closed"
    with hub.db.read() as session:
        assert session.scalar(select(func.count()).select_from(NumberLeaseRow)) == 0


def test_a_resent_request_acts_once_even_across_a_hub_restart(
        settings: HubSettings, clock: ManualClock) -> None:
    def started() -> Hub:
        the_hub = build_hub(settings, clock=clock)
        terminal(the_hub)
        return the_hub

    first_hub = started()
    request = LeaseRequest(node=TERMINAL, zones=["consultation"])
    leased = ask(first_hub, request)
    report = offline(leased.lease[0].lease_id, 105)  # type: ignore[index]
    printed = ask(first_hub, report)
    resent = ask(first_hub, report)  # no reply stored (no bridge here): rebuilt
    assert printed.ok and printed.ticket is not None and resent.ticket is not None
    assert resent.ticket.ticket_id == printed.ticket.ticket_id and resent.ticket.replayed
    first_hub.close()

    second_hub = started()
    try:
        again = ask(second_hub, request)
        assert again.lease == leased.lease
        reprinted = ask(second_hub, report)
        assert reprinted.ticket is not None and printed.ticket is not None
        assert reprinted.ticket.ticket_id == printed.ticket.ticket_id
        assert reprinted.ticket.replayed
        assert len(tickets(second_hub)) == 1
        with second_hub.db.read() as session:
            assert session.scalar(select(func.count()).select_from(NumberLeaseRow)) == 1
    finally:
        second_hub.close()


def test_an_offline_ticket_cancels_the_request_it_replaces(terminal_hub: Hub) -> None:
    hub = terminal_hub
    block = lease(hub, "consultation").lease[0]  # type: ignore[index]
    given_up = TicketRequest(node=TERMINAL, language="kk", purpose="appeal_paper")
    ghost = walk_in(hub, request=given_up).ticket
    assert ghost is not None
    reply = ask(hub, offline(block.lease_id, block.numbers[0], replaces=given_up.id))
    assert reply.ok
    states = {t.number: t.state for t in tickets(hub)}
    assert states == {ghost.number: "cancelled", block.numbers[0]: "waiting"}
    with hub.db.read() as session:
        cancel = session.scalars(select(AuditRow).where(AuditRow.action == "cancel")).one()
    assert cancel.after is not None and "replaced" in cancel.after["note"]

    # The other way round: the request is answered after its replacement arrived.
    late = TicketRequest(node=TERMINAL, language="kk", purpose="appeal_paper")
    assert ask(hub, offline(block.lease_id, block.numbers[1], replaces=late.id)).ok
    answered = walk_in(hub, request=late).ticket
    assert answered is not None
    assert hub.leases.cancel_if_replaced(hub.queue.get(answered.ticket_id),
                                         actor=f"node:{TERMINAL}", request_id=late.id)
    assert hub.queue.get(answered.ticket_id).state == "cancelled"
    # A request nobody replaced is left alone.
    kept = walk_in(hub).ticket
    assert kept is not None
    assert not hub.leases.cancel_if_replaced(hub.queue.get(kept.ticket_id),
                                             actor=f"node:{TERMINAL}", request_id="x1")


def test_print_reports_are_kept_and_failed_prints_listed(terminal_hub: Hub) -> None:
    hub = terminal_hub
    ticket = walk_in(hub).ticket
    assert ticket is not None
    failed = PrintReport(node=TERMINAL, ticket_id=ticket.ticket_id, printed=False,
                         detail="paper_out")
    assert ask(hub, failed).ok
    assert ask(hub, failed).ok  # resent: the same acknowledgement
    [unprinted] = hub.printing.unprinted()
    assert (unprinted.ticket.number, unprinted.state, unprinted.detail) == (
        ticket.number, "failed", "paper_out")
    assert ask(hub, PrintReport(node=TERMINAL, ticket_id=ticket.ticket_id, printed=True)).ok
    assert hub.printing.unprinted() == []
    unknown = ask(hub, PrintReport(node=TERMINAL, ticket_id=99999, printed=True))
    assert unknown.problem is not None and unknown.problem.code == "not_found"


@pytest.fixture
def reception_client(hub: Hub, admin_token: str) -> Iterator[TestClient]:
    from hub.api.app import create_app

    with TestClient(create_app(hub.settings, hub),
                    headers={"Authorization": f"Bearer {admin_token}"}) as client:
        yield client


def test_a_scanned_booking_code_gives_the_personal_reception_ticket(
        terminal_hub: Hub, reception_client: TestClient, clock: ManualClock) -> None:
    hub = terminal_hub
    add_akim(reception_client)
    _, code = booked(reception_client)
    garbage = ask(hub, BookingScan(node=TERMINAL, code="NOSUCHCODE", language="kk"))
    assert garbage.problem is not None and garbage.problem.code == "check_in_unknown_code"
    assert "Мұндай жазылу коды табылмады" in garbage.problem.text.kk
    clock.set(at("08:30"))
    early = ask(hub, BookingScan(node=TERMINAL, code=code, language="kk"))
    assert early.problem is not None and early.problem.code == "check_in_too_early"
    clock.set(at("09:30"))
    scan = BookingScan(node=TERMINAL, code=code, language="kk")
    reply = ask(hub, scan)
    assert reply.ok and reply.ticket is not None
    assert reply.ticket.zone == "personal" and reply.ticket.number == 500
    assert reply.ticket.status_url is not None
    again = ask(hub, BookingScan(node=TERMINAL, code=code.lower(), language="kk"))
    assert again.ticket is not None and again.ticket.ticket_id == reply.ticket.ticket_id
    assert again.ticket.replayed
    clock.set(at("09:30", day=2))
    other_day = ask(hub, BookingScan(node=TERMINAL, code=code, language="ru"))
    assert other_day.ok  # checked in before: the same ticket, whatever the day


def test_a_terminal_not_recorded_for_personal_reception_checks_nobody_in(
        hub: Hub, reception_client: TestClient, clock: ManualClock) -> None:
    """The booking's ticket waits in the personal reception zone: a terminal recorded for
    self_service only is refused before anything is written, also for a booking
    checked in before; a terminal recorded for it checks the visitor in."""
    hub.nodes.record_status(NodeStatus(node="terminal-hall", state=Presence.ONLINE,
                                       role=NodeRole.TICKET_TERMINAL, software="test",
                                       zones=["self_service"]))
    hub.nodes.record_status(NodeStatus(node="terminal-2", state=Presence.ONLINE,
                                       role=NodeRole.TICKET_TERMINAL, software="test",
                                       zones=["consultation", "personal"]))
    add_akim(reception_client)
    _, code = booked(reception_client)
    clock.set(at("09:30"))
    for _ in range(2):  # before the visitor is checked in, and after
        refused = ask(hub, BookingScan(node="terminal-hall", code=code, language="kk"),
                      "terminal-hall")
        assert refused.problem is not None and refused.problem.code == "not_allowed"
        assert refused.problem.field == "zone"
        assert refused.problem.text.ru == "Устройство не закреплено за этой зоной"
        if not tickets(hub):
            checked = ask(hub, BookingScan(node="terminal-2", code=code, language="kk"),
                          "terminal-2")
            assert checked.ok and checked.ticket is not None
            assert checked.ticket.zone == "personal"
    assert len(tickets(hub)) == 1


def test_after_a_full_round_of_the_range_the_hub_skips_numbers_still_leased(
        terminal_hub: Hub) -> None:
    hub = terminal_hub
    block = lease(hub, "consultation").lease[0]  # type: ignore[index]
    assert block.numbers == list(range(100, 120))
    # 280 visitors later (all served), the day's count stands at a full round: 300.
    with hub.db.write() as session:
        set_sequence(session, "consultation", WORKING_MOMENT.date(), 300)
    # Number 100 is leased and not reported yet: a visitor may hold it. Skipped.
    assert walk_in(hub).ticket.number == 120  # type: ignore[union-attr]
    # Reported, they join the queue; the spare block skips the held numbers too.
    for number in range(100, 110):
        assert ask(hub, offline(block.lease_id, number)).ok
    held, spare = lease(hub, "consultation", node_id=TERMINAL).lease  # type: ignore[misc]
    assert held.lease_id == block.lease_id
    assert spare.numbers[0] == 121 and not set(range(100, 121)) & set(spare.numbers)
