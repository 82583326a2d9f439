"""Node requests turned into calls of the same services the web API uses, and their
answers into contract replies. Resent requests never act twice: a ticket request's id
is the queue's idempotency key, a button press's id is claimed in its action's
transaction.

A node acts as the hub's record of it says (hub.domain.node_identity), never as its
status declares: `_allowed` refuses a node whose declaration differs from its record,
then judges the request by the record's role and desk."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

from contract.mqtt import (
    ButtonPress,
    DeskTicket,
    DeskView,
    IssuedTicket,
    NodeRole,
    Problem,
    Reply,
    Text,
    TicketRequest,
)
from hub.domain import node_identity
from hub.domain.desk_actions import DeskAction
from hub.domain.errors import DomainError, NodeNotAllowed
from hub.domain.rate_limits import RateLimited
from hub.domain.text import Bilingual
from hub.services.nodes import AlreadyHandled, NodeInfo
from hub.services.views import IssuedTicket as IssuedTicketView
from hub.wiring import Hub

log = logging.getLogger("kezek.mqtt.requests")


def node_actor(node_id: str) -> str:
    """Who the audit log names for a node's action."""
    return f"node:{node_id}"


def problem_of(error: DomainError) -> Problem:
    return Problem(code=error.code, detail=error.detail[:500],
                   text=Text(kk=error.text.kk, ru=error.text.ru), field=error.field)


def refused(hub: Hub, request_id: str, error: DomainError) -> Reply:
    return Reply(request_id=request_id, ok=False, problem=problem_of(error),
                 at=hub.clock.now())


# Refusals that hold only while something else holds (a declaration the administrator
# may put right, a limit that refills, a node the hub has no record of yet, or one
# whose record an administrator may change: `not_allowed`, NoRecord's and
# NodeNotAllowed's code): not remembered as the request's answer, so the same request
# resent later is judged again. Such a refusal changed nothing, so judging it again
# can act at most once.
PASSING_REFUSALS = frozenset({node_identity.IdentityMismatch.code, RateLimited.code,
                              node_identity.NoRecord.code, NodeNotAllowed.code})


def remembered(reply: Reply) -> bool:
    """Whether a reply is the request's final answer, given again on a resend."""
    return reply.problem is None or reply.problem.code not in PASSING_REFUSALS


def given_again(reply: Reply) -> Reply:
    """A reply given again to a resent request: the same reply (its id, its `at`), a
    ticket in it marked `replayed` as docs/mqtt.md says ("A ticket given again says
    replayed: true")."""
    if reply.ticket is None or reply.ticket.replayed:
        return reply
    return reply.model_copy(update={"ticket": reply.ticket.model_copy(
        update={"replayed": True})})


def _allowed(node: NodeInfo | None, node_id: str, role: NodeRole,
             desk: str | None = None, zones: Iterable[str] = ()) -> None:
    """A node acts only as its record says (a node declaring anything else is refused:
    IdentityMismatch), only in its record's role, a call-button node only at the desk
    its record binds it to, and a terminal only in the zones of its record
    (node_identity.zone_allowed)."""
    if node is None:
        raise NodeNotAllowed(f"node {node_id} has not reported its status yet",
                             Bilingual(kk="Құрылғы әлі тіркелмеген",
                                       ru="Устройство ещё не зарегистрировано"), field="node")
    node_identity.check(node_id, node.record, node.declaration)
    if node.role != role.value:
        raise NodeNotAllowed(f"node {node_id} is a {node.role}, not a {role.value}",
                             Bilingual(kk="Бұл құрылғы мұндай сұрау жібере алмайды",
                                       ru="Это устройство не может отправлять такой запрос"),
                             field="kind")
    if desk is not None and node.desk != desk:
        raise NodeNotAllowed(f"node {node_id} is bound to desk {node.desk}, not {desk}",
                             Bilingual(kk="Құрылғы басқа жұмыс орнына бекітілген",
                                       ru="Устройство закреплено за другим рабочим местом"),
                             field="desk")
    node_identity.check_zones(node_id, node.zones, zones)


def zones_named(hub: Hub, zone: str | None, purpose: str | None) -> list[str]:
    """The zones a terminal's request names: its zone and its purpose's (the center's
    configuration maps each purpose to a zone). An unknown purpose names none: the
    service refuses it as ever."""
    purposes = {p.code: p.zone for p in hub.centers.snapshot().config.purposes}
    named = [zone] if zone is not None else []
    if purpose is not None and purpose in purposes:
        named.append(purposes[purpose])
    return named


def submit_ticket(hub: Hub, node: NodeInfo | None, node_id: str,
                  request: TicketRequest) -> Future[IssuedTicketView]:
    """Ask the queue for the ticket without waiting: requests of many terminals that
    arrive together are issued in one transaction (group commit). The future holds
    the issued ticket or the domain error that refused it."""
    try:
        _allowed(node, node_id, NodeRole.TICKET_TERMINAL,
                 zones=zones_named(hub, request.zone, request.purpose))
    except DomainError as error:
        refused_now: Future[IssuedTicketView] = Future()
        refused_now.set_exception(error)
        return refused_now
    return hub.queue.submit_issue(language=request.language, purpose=request.purpose,
                                  zone=request.zone, out_of_turn=request.out_of_turn,
                                  needs_escort=request.needs_escort,
                                  idempotency_key=request.id, source=f"mqtt:{node_id}",
                                  actor=node_actor(node_id))


def ticket_reply(hub: Hub, request: TicketRequest, outcome: Future[IssuedTicketView]) -> Reply:
    """The reply to a ticket request once the queue has decided."""
    try:
        issued = outcome.result()
    except DomainError as error:
        return refused(hub, request.id, error)
    config = hub.centers.snapshot().config
    ticket = issued.ticket
    zone = config.zone(ticket.zone)
    purpose = next((p for p in config.purposes if p.code == ticket.purpose), None)
    return Reply(request_id=request.id, ok=True, at=hub.clock.now(), ticket=IssuedTicket(
        ticket_id=ticket.id, number=ticket.number, zone=ticket.zone,
        zone_name=Text(kk=zone.name.kk, ru=zone.name.ru), purpose=ticket.purpose,
        purpose_name=Text(kk=purpose.name.kk, ru=purpose.name.ru) if purpose else None,
        language=ticket.language,
        out_of_turn=ticket.out_of_turn, needs_escort=ticket.needs_escort,
        issued_at=ticket.issued_at, service_day=ticket.service_day,
        people_ahead=issued.estimate.people_ahead,
        wait_minutes=float(issued.estimate.minutes),
        note=Text(kk=issued.note.kk, ru=issued.note.ru) if issued.note else None,
        status_url=hub.links.url(ticket.id), replayed=issued.replayed))


def handle_button(hub: Hub, node: NodeInfo | None, node_id: str, press: ButtonPress) -> Reply:
    """Apply a desk button once: the request id is claimed in the action's own
    transaction, so a resent press finds it and changes nothing. The desk's rules
    (breaks, an empty desk, Done without Start) are `DeskActions`'."""
    claim = hub.nodes.claimer(node_id, press.id, "button")
    try:
        # The claim inside the action stops a second change; this read first gives a
        # resent press its first answer, not a judgement of the desk as it is now.
        hub.nodes.raise_if_handled(node_id, press.id)
        _allowed(node, node_id, NodeRole.CALL_BUTTON, press.desk)
        hub.desk_actions.act(press.desk, DeskAction(press.action.value),
                             actor=node_actor(node_id), target_zone=press.to_zone,
                             target_desk=press.to_desk, claim=claim, panel=True)
    except AlreadyHandled as seen:
        if seen.reply is not None:
            return given_again(Reply.model_validate(seen.reply))
        # Done before the hub could store its answer (it stopped in between): the
        # desk as it is now is the answer.
        log.info("button request %s of %s was applied before; answering with the desk",
                 press.id, node_id)
    except DomainError as error:
        return refused(hub, press.id, error)
    return Reply(request_id=press.id, ok=True, desk=desk_view(hub, press.desk),
                 at=hub.clock.now())


def desk_view(hub: Hub, desk: str) -> DeskView:
    state = hub.queue.state()
    status = next((d for d in state.desks if d.code == desk), None)
    zones = set(status.zones) if status else set()
    waiting = sum(1 for zone in state.zones if zone.code in zones
                  for entry in zone.waiting if entry.target_desk in (None, desk))
    current = status.current if status else None
    return DeskView(desk=desk, waiting=waiting, current=DeskTicket(
        number=current.number, zone=current.zone, state=current.state,
        language=current.language,
        out_of_turn=current.out_of_turn, needs_escort=current.needs_escort,
    ) if current else None)


def reply_json(reply: Reply) -> dict[str, Any]:
    return reply.model_dump(mode="json")
