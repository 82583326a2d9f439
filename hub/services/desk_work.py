"""One desk as its operator sees it: the visitor at the desk, the visitors it may call
(numbers and flags only), whether it is staffed or on a break, and today's figures.
The operator's console page and the call-button node's lamps are both drawn from this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from hub.domain.tickets import TicketState
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.desk_breaks import DeskBreaks
from hub.services.queue import QueueService
from hub.services.views import DeskStatus, QueueState, WaitingEntry
from hub.storage.db import Database
from hub.storage.models import TicketRow


@dataclass(frozen=True, slots=True)
class DeskFigures:
    """Today's work of a desk."""

    served: int
    no_show: int
    # From start to finish of the visits it served (a visit a panel finished without a
    # Start began at its last call: hub.services.desk_actions).
    average_minutes: float | None


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
    def signed_in(self) -> bool:
        """An operator is signed in to the desk."""
        return self.status.operator is not None

    @property
    def staffed(self) -> bool:
        """Signed in to, or worked from its call-button panel (hub.domain.staffing)."""
        return self.signed_in or self.status.panel

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


class DeskWork:
    """The desk page's and the panel lamps' view of one desk."""

    def __init__(self, db: Database, centers: CenterStore, clock: Clock, queue: QueueService,
                 breaks: DeskBreaks) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._queue = queue
        self._breaks = breaks

    def situation(self, desk: str) -> DeskSituation:
        return situation(self._queue.state(), desk, self._breaks.on_break())

    def figures(self, desk: str) -> DeskFigures:
        snap = self._centers.snapshot()
        day = snap.calendar.service_day(self._clock.now())
        with self._db.read() as session:
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
