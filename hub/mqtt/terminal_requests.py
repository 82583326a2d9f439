"""The ticket terminal's other requests (issue 4) turned into service calls and their
answers into contract replies: number leases, tickets printed from a lease while the
hub was away, scanned booking codes and print reports.

Each request that changes something claims its id in the action's own transaction
(as a button press does): a request resent after the hub restarted finds the claim
in the database and is answered with the reply stored then, or rebuilt from what
it made; it never acts twice.
"""

from __future__ import annotations

import logging

from contract.mqtt import (
    AnyRequest,
    BookingScan,
    LeaseRequest,
    NodeRole,
    NumberBlock,
    OfflineTicket,
    PrintReport,
    Reply,
    Text,
    TicketRequest,
)
from hub.domain.errors import DomainError
from hub.mqtt.requests import _allowed, given_again, node_actor, refused, zones_named
from hub.services.leases import LeaseBlock, OfflineTicketIn
from hub.services.nodes import AlreadyHandled, NodeInfo
from hub.services.views import IssuedTicket
from hub.wiring import Hub

log = logging.getLogger("kezek.mqtt.terminal")


def number_block(block: LeaseBlock) -> NumberBlock:
    return NumberBlock(lease_id=block.lease_id, zone=block.zone,
                       zone_name=Text(kk=block.zone_name.kk, ru=block.zone_name.ru),
                       service_day=block.service_day, valid_until=block.valid_until,
                       numbers=list(block.numbers))


def ticket_answer(hub: Hub, request_id: str, issued: IssuedTicket) -> Reply:
    return Reply(request_id=request_id, ok=True, ticket=hub.printing.message(issued),
                 at=hub.clock.now())


def handle_lease(hub: Hub, node: NodeInfo | None, node_id: str, request: LeaseRequest) -> Reply:
    """The node's blocks of the zones (the ones it holds, a new one when those are nearly
    used), or a refusal: closed, range too short, asked too often."""
    claim = hub.nodes.claimer(node_id, request.id, "lease")
    try:
        _allowed(node, node_id, NodeRole.TICKET_TERMINAL, zones=request.zones)
        blocks = hub.leases.lease(node_id, request.zones, actor=node_actor(node_id),
                                  request_id=request.id, claim=claim)
    except AlreadyHandled as seen:
        if seen.reply is not None:
            return given_again(Reply.model_validate(seen.reply))
        blocks = hub.leases.blocks_of_request(node_id, request.id, request.zones)
    except DomainError as error:
        return refused(hub, request.id, error)
    return Reply(request_id=request.id, ok=True, lease=[number_block(b) for b in blocks],
                 at=hub.clock.now())


def handle_offline_ticket(hub: Hub, node: NodeInfo | None, node_id: str,
                          report: OfflineTicket) -> Reply:
    claim = hub.nodes.claimer(node_id, report.id, "offline_ticket")
    try:
        _allowed(node, node_id, NodeRole.TICKET_TERMINAL,
                 zones=zones_named(hub, report.zone, report.purpose))
        outcome = hub.leases.accept_offline(node_id, OfflineTicketIn(
            lease_id=report.lease_id, zone=report.zone, number=report.number,
            language=report.language, purpose=report.purpose, out_of_turn=report.out_of_turn,
            needs_escort=report.needs_escort, printed_at=report.printed_at,
            replaces=report.replaces), actor=node_actor(node_id), request_id=report.id,
            claim=claim)
    except AlreadyHandled as seen:
        if seen.reply is not None:
            return given_again(Reply.model_validate(seen.reply))
        again = hub.leases.ticket_of_report(node_id, report.id)
        if again is None:  # pragma: no cover - a claim is only stored with its ticket
            raise
        return ticket_answer(hub, report.id, again)
    except DomainError as error:
        return refused(hub, report.id, error)
    if outcome.cancelled is not None:
        log.info("offline ticket %s of %s replaced ticket %s", report.number, node_id,
                 outcome.cancelled.number)
    return ticket_answer(hub, report.id, outcome.issued)


def handle_booking_scan(hub: Hub, node: NodeInfo | None, node_id: str,
                        scan: BookingScan) -> Reply:
    """Check the booked visitor in; the same code again gives the same ticket. Its
    ticket waits in the official's reception zone: a terminal not recorded for that
    zone checks nobody in."""
    try:
        _allowed(node, node_id, NodeRole.TICKET_TERMINAL)
        result = hub.check_in.check_in(
            scan.code, actor=node_actor(node_id), source="terminal",
            zone_check=lambda zone: _allowed(node, node_id, NodeRole.TICKET_TERMINAL,
                                             zones=[zone]))
        issued = IssuedTicket(ticket=result.ticket,
                              estimate=hub.queue.estimate(result.ticket.id), note=None,
                              replayed=result.replayed)
    except DomainError as error:
        return refused(hub, scan.id, error)
    return ticket_answer(hub, scan.id, issued)


def handle_print_report(hub: Hub, node: NodeInfo | None, node_id: str,
                        report: PrintReport) -> Reply:
    claim = hub.nodes.claimer(node_id, report.id, "print_report")
    try:
        _allowed(node, node_id, NodeRole.TICKET_TERMINAL)
        hub.printing.record_report(node_id, report.ticket_id, printed=report.printed,
                                   detail=report.detail, claim=claim)
    except AlreadyHandled:
        pass  # recorded before: the same plain acknowledgement
    except DomainError as error:
        return refused(hub, report.id, error)
    return Reply(request_id=report.id, ok=True, at=hub.clock.now())


def terminal_reply(hub: Hub, node: NodeInfo | None, node_id: str, request: AnyRequest) -> Reply:
    """The reply to any terminal request other than a ticket or a button press."""
    match request:
        case LeaseRequest():
            return handle_lease(hub, node, node_id, request)
        case OfflineTicket():
            return handle_offline_ticket(hub, node, node_id, request)
        case BookingScan():
            return handle_booking_scan(hub, node, node_id, request)
        case PrintReport():
            return handle_print_report(hub, node, node_id, request)
        case TicketRequest() | _:  # pragma: no cover - the bridge handles these itself
            raise AssertionError(f"not a terminal request: {request.kind}")
