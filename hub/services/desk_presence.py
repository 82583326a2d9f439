"""The facts `hub.domain.staffing` judges desks by, read from what the hub stores
anyway: today's open shifts, the visitors at desks, and the presses of call-button
panels (the bridge keeps every press a node makes in `node_requests`, acted on or
refused, by its id; a press belongs to the desk the hub's record binds its node to,
never the desk the node declares: hub.domain.node_identity)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contract.mqtt import NodeRole
from hub.domain.staffing import DeskShift, PanelSigns
from hub.domain.tickets import AT_DESK_STATES
from hub.storage.models import DeskShiftRow, NodeRequestRow, NodeRow, TicketRow

_AT_DESK = [s.value for s in AT_DESK_STATES]
_BUTTON = "button"  # the kind of a ButtonPress, as the claim and the reply log store it


def open_shifts(session: Session, day_start: datetime) -> list[DeskShift]:
    """Operators signed in now (a shift left open since an earlier day staffs nothing)."""
    rows = session.scalars(select(DeskShiftRow).where(
        DeskShiftRow.ended_at.is_(None), DeskShiftRow.started_at >= day_start)).all()
    return [shift_of(row) for row in rows]


def shift_of(row: DeskShiftRow) -> DeskShift:
    return DeskShift(desk=row.desk, operator=row.operator, started_at=row.started_at,
                     ended_at=row.ended_at)


def desks_with_visitors(session: Session, day: date) -> dict[str, datetime]:
    """Desks with today's visitor called or being served, and when that visitor was
    last called or started there (its last change)."""
    return visitors_at_desks(session.execute(select(TicketRow.desk, TicketRow.updated_at).where(
        TicketRow.service_day == day, TicketRow.state.in_(_AT_DESK),
        TicketRow.desk.is_not(None))).all())


def visitors_at_desks(rows: Iterable[tuple[str | None, datetime]]) -> dict[str, datetime]:
    """(desk, last change) of tickets at desks, as PanelSigns.visitors_at."""
    return {str(desk): changed for desk, changed in rows if desk is not None}


def last_presses(session: Session, since: datetime) -> dict[str, datetime]:
    """Desk -> the last press of its call-button panel at or after `since` (the panel
    and its desk as the hub's record says)."""
    rows = session.execute(
        select(NodeRow.assigned_desk, func.max(NodeRequestRow.received_at))
        .join(NodeRow, NodeRow.node_id == NodeRequestRow.node_id)
        .where(NodeRequestRow.kind == _BUTTON, NodeRequestRow.received_at >= since,
               NodeRow.assigned_role == NodeRole.CALL_BUTTON.value,
               NodeRow.assigned_desk.is_not(None))
        .group_by(NodeRow.assigned_desk)).all()
    return {str(desk): pressed for desk, pressed in rows if pressed is not None}


def panel_signs(session: Session, day: date, day_start: datetime,
                visitors_at: Mapping[str, datetime] | None = None) -> PanelSigns:
    """Today's signs of the panels (`visitors_at` when the caller has read them)."""
    if visitors_at is None:
        visitors_at = desks_with_visitors(session, day)
    return PanelSigns(visitors_at=visitors_at, last_press=last_presses(session, day_start))
