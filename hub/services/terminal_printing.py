"""Printing on the ticket terminals from the hub's side (issue 4): reception issues a
ticket on a chosen terminal's printer and reprints one; terminals report how each
print went; the console lists tickets that did not print and printer faults.

The hub reaches a terminal through a `PrintSender` the MQTT bridge attaches when it
starts: services and the console never touch MQTT themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.mqtt import DriverState, NodeRole, Presence, PrintJob
from contract.mqtt import IssuedTicket as TicketMessage
from contract.mqtt import Text as TextMessage
from contract.node_faults import CLOCK_DRIVER
from hub.domain.center import CenterConfig
from hub.domain.errors import Conflict, NodeNotAllowed, NotFound
from hub.domain.text import Bilingual
from hub.domain.tickets import TicketState
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.nodes import NodeInfo, NodeRegistry
from hub.services.queue import QueueService, ticket_info
from hub.services.ticket_links import TicketLinks
from hub.services.views import IssuedTicket, TicketInfo
from hub.storage.db import Database
from hub.storage.lease_models import TicketPrintRow
from hub.storage.models import TicketRow

PrintSender = Callable[[str, PrintJob], None]
Claim = Callable[[Session], None]

# What a terminal's printer driver reports in `detail` (firmware: paper_status(),
# is_online()); anything else in warning or fault is shown as it is.
PRINTER_PROBLEMS = ("paper_low", "paper_out", "cover_open", "offline", "error")
ACTIVE = (TicketState.WAITING.value, TicketState.TRANSFERRED.value, TicketState.CALLED.value,
          TicketState.RECALLED.value, TicketState.SERVING.value)


class PrintingUnavailable(Conflict):
    code = "printing_unavailable"


@dataclass(frozen=True, slots=True)
class PrinterAlert:
    node_id: str
    driver: str
    state: str  # warning / fault
    detail: str | None


@dataclass(frozen=True, slots=True)
class UnprintedTicket:
    ticket: TicketInfo
    node_id: str
    state: str  # failed, or sent and not yet reported
    detail: str | None
    at: datetime


def ticket_message(config: CenterConfig, issued: IssuedTicket,
                   status_url: str | None) -> TicketMessage:
    """What a terminal prints for an issued ticket (numbers and codes only)."""
    ticket = issued.ticket
    zone = config.zone(ticket.zone)
    purpose = next((p for p in config.purposes if p.code == ticket.purpose), None)
    return TicketMessage(
        ticket_id=ticket.id, number=ticket.number, zone=ticket.zone,
        zone_name=TextMessage(kk=zone.name.kk, ru=zone.name.ru), purpose=ticket.purpose,
        purpose_name=TextMessage(kk=purpose.name.kk, ru=purpose.name.ru) if purpose else None,
        language=ticket.language, out_of_turn=ticket.out_of_turn,
        needs_escort=ticket.needs_escort, issued_at=ticket.issued_at,
        service_day=ticket.service_day, people_ahead=issued.estimate.people_ahead,
        wait_minutes=float(issued.estimate.minutes),
        note=TextMessage(kk=issued.note.kk, ru=issued.note.ru) if issued.note else None,
        status_url=status_url, replayed=issued.replayed)


def printer_alerts(nodes: list[NodeInfo]) -> list[PrinterAlert]:
    """Drivers of ticket terminals in warning or fault: paper low or out, cover open,
    printer offline."""
    alerts = []
    for node in nodes:
        if node.role != NodeRole.TICKET_TERMINAL.value:
            continue
        for name, driver in sorted(node.drivers.items()):
            if name == CLOCK_DRIVER:
                continue  # a skewed clock does not stop printing: the node uses the hub's
            state = str(driver.get("state", ""))
            if state in (DriverState.WARNING.value, DriverState.FAULT.value):
                detail = driver.get("detail")
                alerts.append(PrinterAlert(node_id=node.node_id, driver=name, state=state,
                                           detail=str(detail) if detail else None))
    return alerts


class TerminalPrinting:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock, queue: QueueService,
                 nodes: NodeRegistry, links: TicketLinks) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._queue = queue
        self._nodes = nodes
        self._links = links
        self._sender: PrintSender | None = None
        self._lock = threading.Lock()

    def attach(self, sender: PrintSender | None) -> None:
        """The bridge hands in how to reach terminals (None when it stops)."""
        with self._lock:
            self._sender = sender

    @property
    def available(self) -> bool:
        return self._sender is not None

    def message(self, issued: IssuedTicket) -> TicketMessage:
        return ticket_message(self._centers.snapshot().config, issued,
                              self._links.url(issued.ticket.id))

    # Reception -------------------------------------------------------------------

    def terminals(self) -> list[NodeInfo]:
        """Ticket terminals online now, where reception may print: those whose printer
        works first."""
        online = [node for node in self._nodes.all()
                  if node.role == NodeRole.TICKET_TERMINAL.value
                  and node.presence == Presence.ONLINE.value and self._nodes.trusted(node.node_id)]
        faulty = {alert.node_id for alert in printer_alerts(online)
                  if alert.state == DriverState.FAULT.value}
        return sorted(online, key=lambda node: (node.node_id in faulty, node.node_id))

    def issue_on(self, node_id: str, *, language: str, purpose: str | None,
                 out_of_turn: str | None, needs_escort: bool, actor: str) -> IssuedTicket:
        """Reception issues a ticket (000 §8) and the chosen terminal prints it."""
        sender = self._ready(node_id)
        issued = self._queue.issue(language=language, purpose=purpose, out_of_turn=out_of_turn,
                                   needs_escort=needs_escort, source="reception", actor=actor)
        self._send(sender, node_id, issued, reprint=False)
        return issued

    def reprint(self, ticket_id: int, node_id: str, *, actor: str) -> TicketInfo:
        """Print an active ticket of today again on a terminal."""
        sender = self._ready(node_id)
        snap = self._centers.snapshot()
        today = snap.calendar.service_day(self._clock.now())
        info = self._queue.get(ticket_id)
        if info.service_day != today or info.state not in ACTIVE:
            raise Conflict(f"ticket {info.number} is not in today's queue",
                           Bilingual(kk=f"{info.number} талоны бүгінгі кезекте жоқ",
                                     ru=f"Талона {info.number} нет в сегодняшней очереди"),
                           field="ticket_id")
        issued = IssuedTicket(ticket=info, estimate=self._queue.estimate(ticket_id), note=None,
                              replayed=True)
        with self._db.write() as session:
            audit.record(session, actor=actor, action="reprint", entity="ticket",
                         entity_id=ticket_id, at=self._clock.now(), before=None,
                         after={"number": info.number, "node": node_id})
        self._send(sender, node_id, issued, reprint=True)
        return info

    def _ready(self, node_id: str) -> PrintSender:
        sender = self._sender
        if sender is None:
            raise PrintingUnavailable(
                "the hub is not connected to the terminals (MQTT is off)",
                Bilingual(kk="Орталық сервер терминалдарға қосылмаған",
                          ru="Центральный сервер не подключён к терминалам"), field="node")
        node = self._nodes.get(node_id)
        if node is None or node.role != NodeRole.TICKET_TERMINAL.value:
            raise NotFound(f"no ticket terminal {node_id!r}",
                           Bilingual(kk="Мұндай талон терминалы жоқ",
                                     ru="Такого терминала талонов нет"), field="node")
        if not self._nodes.trusted(node_id):  # pending, rejected, revoked
            raise NodeNotAllowed(f"terminal {node_id} is not approved",
                                 Bilingual(kk="Терминалды әкімші растамаған",
                                           ru="Терминал не подтверждён администратором"),
                                 field="node")
        if node.presence != Presence.ONLINE.value:
            raise NodeNotAllowed(f"terminal {node_id} is offline",
                                 Bilingual(kk="Терминал желіде жоқ",
                                           ru="Терминал не в сети"), field="node")
        return sender

    def _send(self, sender: PrintSender, node_id: str, issued: IssuedTicket, *,
              reprint: bool) -> None:
        now = self._clock.now()
        with self._db.write() as session:
            row = session.get(TicketPrintRow, issued.ticket.id)
            if row is None:
                row = TicketPrintRow(ticket_id=issued.ticket.id, printed=False, jobs=0)
                session.add(row)
            row.node_id = node_id
            row.state = "sent"
            row.detail = None
            row.jobs = (row.jobs or 0) + 1
            row.updated_at = now
        sender(node_id, PrintJob(ticket=self.message(issued), reprint=reprint))

    # Reports from terminals ----------------------------------------------------------

    def record_report(self, node_id: str, ticket_id: int, *, printed: bool,
                      detail: str | None, claim: Claim | None = None) -> None:
        now = self._clock.now()
        with self._db.write() as session:
            if claim is not None:
                claim(session)
            if session.get(TicketRow, ticket_id) is None:
                raise NotFound(f"no ticket with id {ticket_id}",
                               Bilingual(kk="Талон табылмады", ru="Талон не найден"),
                               field="ticket_id")
            row = session.get(TicketPrintRow, ticket_id)
            if row is None:
                row = TicketPrintRow(ticket_id=ticket_id, printed=False, jobs=0)
                session.add(row)
            row.node_id = node_id
            row.state = "printed" if printed else "failed"
            row.detail = None if printed else (detail or "error")
            row.printed = bool(row.printed) or printed
            row.updated_at = now

    def unprinted(self) -> list[UnprintedTicket]:
        """Today's tickets still in the queue whose last print failed or was never
        confirmed: reception reprints them or hands the number over."""
        snap = self._centers.snapshot()
        today = snap.calendar.service_day(self._clock.now())
        with self._db.read() as session:
            rows = session.execute(
                select(TicketRow, TicketPrintRow).join(
                    TicketPrintRow, TicketPrintRow.ticket_id == TicketRow.id)
                .where(TicketRow.service_day == today, TicketRow.state.in_(ACTIVE),
                       TicketPrintRow.state.in_(("failed", "sent")))
                .order_by(TicketPrintRow.updated_at)).all()
            return [UnprintedTicket(ticket=ticket_info(ticket), node_id=prints.node_id,
                                    state=prints.state, detail=prints.detail,
                                    at=prints.updated_at) for ticket, prints in rows]

    def todays_tickets(self, limit: int = 50) -> list[TicketInfo]:
        """The latest active tickets of today, newest first (to reprint)."""
        snap = self._centers.snapshot()
        today = snap.calendar.service_day(self._clock.now())
        with self._db.read() as session:
            rows = session.scalars(select(TicketRow).where(
                TicketRow.service_day == today, TicketRow.state.in_(ACTIVE))
                .order_by(TicketRow.issued_at.desc(), TicketRow.id.desc()).limit(limit)).all()
            return [ticket_info(row) for row in rows]

    def alerts(self) -> list[PrinterAlert]:
        return printer_alerts(self._nodes.all())
