"""One desk as its operator sees it: the visitor at the desk, the visitors it may call
(numbers and flags only), whether it is staffed or on a break, and today's figures.
The operator's console page and the call-button node's lamps are both drawn from this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from hub.domain.tickets import TicketState
from hub.services.desk_breaks import desk_breaks
from hub.services.views import DeskStatus, QueueState, WaitingEntry
from hub.storage.models import TicketRow
from hub.wiring import Hub


@dataclass(frozen=True, slots=True)
class DeskFigures:
    """Today's work of a desk."""

    served: int
    no_show: int
    average_minutes: float | None  # from start to finish of the visits it served


@dataclass(frozen=True, slots=True)
class WaitingForDesk:
    zone: str
    entry: WaitingEntry


@dataclass(frozen=True, slots=True)
class DeskSituation:
    status: DeskStatus
    waiting: list[WaitingForDesk]  # each zone in its calling order, the desk's zones in turn
    break_since: datetime | None

    @property
    def code(self) -> str:
        return self.status.code

    @property
    def staffed(self) -> bool:
        return self.status.operator is not None

    @property
    def on_break(self) -> bool:
        return self.break_since is not None


def situation(state: QueueState, desk: str, breaks: dict[str, datetime]) -> DeskSituation:
    """The desk `desk` in `state` (a KeyError for a desk the center does not have)."""
    status = next((d for d in state.desks if d.code == desk), None)
    if status is None:
        raise KeyError(desk)
    waiting = [WaitingForDesk(zone.code, entry)
               for code in status.zones for zone in state.zones if zone.code == code
               for entry in zone.waiting if entry.target_desk in (None, desk)]
    return DeskSituation(status=status, waiting=waiting, break_since=breaks.get(desk))


def desk_situation(hub: Hub, desk: str) -> DeskSituation:
    return situation(hub.queue.state(), desk, desk_breaks(hub).on_break())


def desk_figures(hub: Hub, desk: str) -> DeskFigures:
    snap = hub.centers.snapshot()
    day = snap.calendar.service_day(hub.clock.now())
    with hub.db.read() as session:
        counts = dict(session.execute(
            select(TicketRow.state, func.count()).where(
                TicketRow.service_day == day, TicketRow.desk == desk,
                TicketRow.state.in_([TicketState.DONE.value, TicketState.NO_SHOW.value]))
            .group_by(TicketRow.state)).all())
        spans = session.execute(select(TicketRow.started_at, TicketRow.finished_at).where(
            TicketRow.service_day == day, TicketRow.desk == desk,
            TicketRow.state == TicketState.DONE.value,
            TicketRow.started_at.is_not(None))).all()
    minutes = [(finished - started).total_seconds() / 60 for started, finished in spans
               if started is not None and finished is not None]
    return DeskFigures(served=int(counts.get(TicketState.DONE.value, 0)),
                       no_show=int(counts.get(TicketState.NO_SHOW.value, 0)),
                       average_minutes=round(sum(minutes) / len(minutes), 1) if minutes
                       else None)
