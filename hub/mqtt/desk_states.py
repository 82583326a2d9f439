"""The retained `down/desk` message of a call-button node, built from the desk's
situation (the same numbers the operator's page shows), and the announcement of a
visitor transferred to a desk."""

from __future__ import annotations

from contract.mqtt import Announcement, AnnouncementKind, DeskState, DeskTicket, Text
from hub.domain.center import CenterConfig
from hub.services.desk_work import DeskSituation
from hub.services.events import QueueEvent
from hub.wiring import Hub


def desk_state(desk: DeskSituation) -> DeskState:
    current = desk.status.current
    return DeskState(
        # The contract's `staffed` is "an operator is signed in" (a panel-kept desk is not).
        desk=desk.code, waiting=len(desk.waiting), staffed=desk.signed_in, paused=desk.on_break,
        current=DeskTicket(number=current.number, zone=current.zone, state=current.state,
                           language=current.language, out_of_turn=current.out_of_turn,
                           needs_escort=current.needs_escort) if current else None)


def transfer_announcement(hub: Hub, event: QueueEvent, config: CenterConfig
                          ) -> Announcement | None:
    """'Ticket N, please go to desk D' for a visitor transferred to one desk. A transfer to
    a zone is announced when a desk of the zone calls the visitor."""
    if event.ticket_id is None or event.number is None or event.language is None:
        return None
    ticket = hub.queue.get(event.ticket_id)
    if ticket.target_desk is None:
        return None
    desk = config.desk(ticket.target_desk)
    return Announcement(kind=AnnouncementKind.TRANSFER, number=event.number, zone=ticket.zone,
                        desk=desk.code, desk_label=Text(kk=desk.label.kk, ru=desk.label.ru),
                        language=ticket.language)
