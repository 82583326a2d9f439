"""The state of the queue and of staffing, for boards and dashboards."""

from __future__ import annotations

from fastapi import APIRouter

from hub.api.deps import HubDep, Viewer
from hub.domain.staffing import UnstaffedDesk
from hub.services.views import QueueState

router = APIRouter(prefix="/api/v1", tags=["queue"])


@router.get("/queue", response_model=QueueState,
            summary="Waiting lists, estimates and desks of every serving zone")
def queue_state(hub: HubDep, _: Viewer) -> QueueState:
    return hub.queue.state()


@router.get("/staffing", response_model=list[UnstaffedDesk],
            summary="Desks nobody is signed in to, and those empty over the limit (000 §6)")
def staffing(hub: HubDep, _: Viewer) -> list[UnstaffedDesk]:
    return hub.staffing.unstaffed()
