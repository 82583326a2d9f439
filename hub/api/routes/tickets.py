"""Issuing tickets and moving them through the states of the queue. The desk's own
actions go through `DeskActions`, as the console's and the call buttons' do."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from hub.api.deps import DeskWorker, HubDep, Issuer, Viewer, desk_binding, ensure_at_desk
from hub.api.schemas import (
    CallIn,
    CancelIn,
    EstimateOut,
    IssuedTicketOut,
    IssueTicketIn,
    TicketId,
    TicketOut,
    TransferIn,
)
from hub.domain.desk_actions import DeskAction
from hub.services.users import Principal
from hub.wiring import Hub

router = APIRouter(prefix="/api/v1/tickets", tags=["tickets"])

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=120,
    description="a retry with the same key returns the same ticket instead of a new one")]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=IssuedTicketOut,
             summary="Issue a ticket")
async def issue_ticket(body: IssueTicketIn, hub: HubDep, principal: Issuer,
                       idempotency_key: IdempotencyKey = None) -> Response:
    # Issued on the hub's issuing threads, together with the requests arriving meanwhile.
    issued = await asyncio.wrap_future(hub.queue.submit_issue(
        language=body.language.value, purpose=body.purpose, zone=body.zone,
        out_of_turn=body.out_of_turn, needs_escort=body.needs_escort,
        idempotency_key=idempotency_key, source=f"api:{principal.actor}",
        actor=principal.actor))
    # The body is already a validated model: serialise it once, skip FastAPI's
    # second validation pass (this is the hottest route of the hub).
    answer = IssuedTicketOut.of(issued, hub.links.url(issued.ticket.id))
    return Response(answer.model_dump_json(), media_type="application/json",
                    status_code=status.HTTP_200_OK if issued.replayed
                    else status.HTTP_201_CREATED)


@router.get("/{ticket_id}", response_model=TicketOut, summary="A ticket")
def get_ticket(ticket_id: TicketId, hub: HubDep, _: Viewer) -> TicketOut:
    return TicketOut.of(hub.queue.get(ticket_id))


@router.get("/{ticket_id}/estimate", response_model=EstimateOut,
            summary="People ahead and the estimated wait")
def get_estimate(ticket_id: TicketId, hub: HubDep, _: Viewer) -> EstimateOut:
    return EstimateOut.of(hub.queue.estimate(ticket_id))


@router.post("/{ticket_id}/call", response_model=TicketOut, summary="Call this ticket to a desk")
def call_ticket(ticket_id: TicketId, body: CallIn, hub: HubDep, who: DeskWorker) -> TicketOut:
    ensure_at_desk(hub, who, body.desk)
    return TicketOut.of(hub.desk_actions.act(body.desk, DeskAction.CALL, actor=who.actor,
                                             ticket_id=ticket_id))


def _on_visitor(hub: Hub, who: Principal, ticket_id: int, action: DeskAction,
                transfer: TransferIn | None = None) -> TicketOut:
    """An action on a ticket at the caller's desk (any desk for one bound to none)."""
    return TicketOut.of(hub.desk_actions.act(
        desk_binding(hub, who), action, actor=who.actor, ticket_id=ticket_id,
        target_zone=transfer.zone if transfer else None,
        target_desk=transfer.desk if transfer else None,
        note=transfer.note if transfer else None))


@router.post("/{ticket_id}/recall", response_model=TicketOut, summary="Call again")
def recall_ticket(ticket_id: TicketId, hub: HubDep, who: DeskWorker) -> TicketOut:
    return _on_visitor(hub, who, ticket_id, DeskAction.RECALL)


@router.post("/{ticket_id}/start", response_model=TicketOut, summary="The visitor arrived")
def start_ticket(ticket_id: TicketId, hub: HubDep, who: DeskWorker) -> TicketOut:
    return _on_visitor(hub, who, ticket_id, DeskAction.START)


@router.post("/{ticket_id}/finish", response_model=TicketOut, summary="Service finished")
def finish_ticket(ticket_id: TicketId, hub: HubDep, who: DeskWorker) -> TicketOut:
    return _on_visitor(hub, who, ticket_id, DeskAction.DONE)


@router.post("/{ticket_id}/no-show", response_model=TicketOut, summary="The visitor did not come")
def no_show_ticket(ticket_id: TicketId, hub: HubDep, who: DeskWorker) -> TicketOut:
    return _on_visitor(hub, who, ticket_id, DeskAction.NO_SHOW)


@router.post("/{ticket_id}/transfer", response_model=TicketOut,
             summary="Send the visitor to another zone or desk")
def transfer_ticket(ticket_id: TicketId, body: TransferIn, hub: HubDep,
                    who: DeskWorker) -> TicketOut:
    return _on_visitor(hub, who, ticket_id, DeskAction.TRANSFER, body)


@router.post("/{ticket_id}/cancel", response_model=TicketOut, summary="Cancel a waiting ticket")
def cancel_ticket(ticket_id: TicketId, hub: HubDep, who: Issuer,
                  body: CancelIn | None = None) -> TicketOut:
    return TicketOut.of(hub.queue.cancel(ticket_id, actor=who.actor,
                                         note=body.note if body else None))
