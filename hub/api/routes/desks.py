"""A desk's own actions: call the next visitor, sign in and out."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from hub.api.deps import DeskWorker, HubDep, Viewer, ensure_at_desk
from hub.api.schemas import TicketOut
from hub.domain.desk_actions import DeskAction

router = APIRouter(prefix="/api/v1/desks", tags=["desks"])


class DeskOut(BaseModel):
    code: str
    operator: str | None
    current: TicketOut | None


@router.post("/{desk}/next", response_model=TicketOut, summary="Call the next visitor")
def call_next(desk: str, hub: HubDep, who: DeskWorker) -> TicketOut:
    ensure_at_desk(hub, who, desk)
    return TicketOut.of(hub.desk_actions.act(desk, DeskAction.NEXT, actor=who.actor))


@router.get("/{desk}", response_model=DeskOut, summary="Who sits at the desk and whom it serves")
def desk_status(desk: str, hub: HubDep, _: Viewer) -> DeskOut:
    current = hub.queue.desk_current(desk)
    operator = next((d.operator for d in hub.queue.state().desks if d.code == desk), None)
    return DeskOut(code=desk, operator=operator,
                   current=TicketOut.of(current) if current else None)


@router.post("/{desk}/sign-in", response_model=DeskOut, summary="Take this desk")
def sign_in(desk: str, hub: HubDep, who: DeskWorker) -> DeskOut:
    hub.staffing.sign_in(desk, who.actor)
    current = hub.queue.desk_current(desk)
    return DeskOut(code=desk, operator=who.actor,
                   current=TicketOut.of(current) if current else None)


@router.post("/{desk}/sign-out", status_code=204, summary="Leave this desk")
def sign_out(desk: str, hub: HubDep, who: DeskWorker) -> None:
    hub.staffing.sign_out(who.actor, desk)
