"""The electronic queue: issuing tickets and moving them through desks.

Every change runs in one write transaction that also writes the audit row, so
a refused request leaves nothing behind. Ticket numbers are drawn under a lock
on the zone's day counter (a row lock on PostgreSQL, the write lock on
SQLite), so two hub processes never hand out the same number.

Tickets are issued by group commit: requests that arrive while a transaction is
running wait, and the next transaction issues all of them (one statement each
for the counters, the tickets, the audit rows and the people ahead), answering
each request as if it had been issued alone, after the ones before it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from hub.domain.calendar import WorkCalendar
from hub.domain.center import CenterConfig, Desk, NumberRange, Zone
from hub.domain.errors import (
    Conflict,
    DeskBusy,
    DeskClosed,
    DomainError,
    NotFound,
    NothingWaiting,
    RangeExhausted,
    ValidationFailed,
    not_at_desk,
)
from hub.domain.estimate import (
    SAMPLE_ROWS,
    WaitEstimate,
    desks_for_zone,
    estimate_wait,
    through_breaks,
    typical_service_minutes,
)
from hub.domain.issuing import IssuePlan, people_ahead, plan_ticket
from hub.domain.numbering import allocate_number, number_for, range_exhausted_text
from hub.domain.ordering import (
    ServiceClass,
    class_time,
    next_for_desk,
    service_class,
    zone_order,
)
from hub.domain.staffing import Presence, presences
from hub.domain.text import Bilingual, Language
from hub.domain.tickets import (
    AT_DESK_STATES,
    CALLED_STATES,
    WAITING_STATES,
    Ticket,
    TicketState,
    Transition,
)
from hub.services import audit
from hub.services.center_store import CenterSnapshot, CenterStore
from hub.services.clock import Clock
from hub.services.desk_presence import open_shifts, panel_signs, visitors_at_desks
from hub.services.events import EventBus, QueueEvent
from hub.services.group_commit import GroupCommit
from hub.services.range_alerts import RangeAlert, RangeAlerts
from hub.services.views import (
    DeskStatus,
    IssuedTicket,
    QueueState,
    RecentCall,
    TicketInfo,
    WaitingEntry,
    ZoneQueue,
)
from hub.storage.db import Database
from hub.storage.models import TicketRow
from hub.storage.queue_queries import (
    advance_sequences,
    held_among,
    insert_tickets,
    numbers_held,
    people_ahead_count,
    people_ahead_counts,
    people_ahead_of_arrivals,
    set_sequence,
    tickets_by_keys,
)

T = TypeVar("T")
# Runs first inside an action's write transaction; raising there undoes the action.
# The MQTT bridge records a node's request id this way, so the action and the
# record of having done it commit together and a resent request never acts twice.
Claim = Callable[[Session], None]

# Concurrent writers on PostgreSQL may collide on a ticket or a desk; the loser retries.
WRITE_ATTEMPTS = 10
SYSTEM_ACTOR = "system"
RECENT_CALLS = 10
# How long a zone's pace (service time, staffed desks) is reused by estimates.
log = logging.getLogger("kezek.queue")
PACE_SECONDS = 2.0

_WAITING = [s.value for s in WAITING_STATES]
# What ordering and the board need of a waiting ticket (see ordering.Queued).
_QUEUED_COLUMNS = (TicketRow.id, TicketRow.number, TicketRow.zone, TicketRow.state,
                   TicketRow.out_of_turn, TicketRow.target_desk, TicketRow.booked_for,
                   TicketRow.queued_at.label("arrival"), TicketRow.issued_at,
                   TicketRow.language, TicketRow.needs_escort, TicketRow.version)
_AT_DESK = [s.value for s in AT_DESK_STATES]
# A desk panel's Done or Transfer on a visitor only called starts the visit first.
_STARTABLE = frozenset({TicketState.CALLED.value, TicketState.RECALLED.value})


def _last_call(row: TicketRow) -> datetime:
    """When a called or recalled ticket was last called: its last change was that call
    (a recall moves it; `called_at` keeps the first call, which the wait is measured to)."""
    return row.updated_at


def start_of_service_day(calendar: WorkCalendar, moment: datetime) -> datetime:
    local = calendar.local(moment)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def ticket_info(row: TicketRow | Any) -> TicketInfo:
    """A ticket's record from its row (an ORM object or a row of the tickets table)."""
    return TicketInfo(id=row.id, number=row.number, zone=row.zone, issued_zone=row.issued_zone,
                      service_day=row.service_day, language=row.language, purpose=row.purpose,
                      out_of_turn=row.out_of_turn, needs_escort=row.needs_escort,
                      state=row.state, desk=row.desk, target_desk=row.target_desk,
                      booked_for=row.booked_for, recalls=row.recalls, transfers=row.transfers,
                      issued_at=row.issued_at, queued_at=row.queued_at, called_at=row.called_at,
                      started_at=row.started_at, finished_at=row.finished_at)


def _domain(row: TicketRow) -> Ticket:
    return Ticket(number=row.number, zone=row.zone, issued_zone=row.issued_zone,
                  service_day=row.service_day, language=Language(row.language),
                  issued_at=row.issued_at, purpose=row.purpose, out_of_turn=row.out_of_turn,
                  needs_escort=row.needs_escort, queued_at=row.queued_at,
                  target_desk=row.target_desk, booked_for=row.booked_for,
                  state=TicketState(row.state), desk=row.desk, recalls=row.recalls,
                  transfers=row.transfers, id=row.id)


def _audit_view(row: TicketRow | TicketInfo) -> dict[str, Any]:
    return {"number": row.number, "state": row.state, "zone": row.zone, "desk": row.desk,
            "target_desk": row.target_desk, "recalls": row.recalls}


def _store(row: TicketRow, ticket: Ticket, step: Transition) -> None:
    row.state = ticket.state.value
    row.zone = ticket.zone
    row.desk = ticket.desk
    row.target_desk = ticket.target_desk
    row.recalls = ticket.recalls
    row.transfers = ticket.transfers
    row.queued_at = ticket.arrival
    row.updated_at = step.at
    if step.target is TicketState.CALLED:
        row.called_at = step.at
        row.started_at = None
    elif step.target is TicketState.SERVING:
        row.started_at = step.at
    elif step.target in (TicketState.DONE, TicketState.NO_SHOW, TicketState.CANCELLED):
        row.finished_at = step.at
    elif step.target is TicketState.TRANSFERRED:
        row.called_at = None
        row.started_at = None


@dataclass(slots=True)
class _IssueRequest:
    """One call of `issue`, waiting for its turn in a batch."""

    language: str
    purpose: str | None
    zone: str | None
    out_of_turn: str | None
    needs_escort: bool
    idempotency_key: str | None
    source: str | None
    actor: str
    # A booked reception's ticket (check-in): called at its time by that desk only.
    booked_for: datetime | None = None
    target_desk: str | None = None
    done: Future[IssuedTicket] = field(default_factory=Future)

    @property
    def scoped_key(self) -> str | None:
        # Keys are the client's own: two terminals using the same key never collide.
        return (f"{self.actor}|{self.idempotency_key}"
                if self.idempotency_key is not None else None)

    @property
    def body(self) -> dict[str, Any]:
        return {"language": self.language, "purpose": self.purpose, "zone": self.zone,
                "out_of_turn": self.out_of_turn, "needs_escort": self.needs_escort}


@dataclass(slots=True)
class _NewTicket:
    """A ticket being issued in the current batch."""

    request: _IssueRequest
    plan: IssuePlan
    language: str
    position: int
    sequence: int = 0
    number: int = 0
    stored: TicketInfo | None = None

    @property
    def info(self) -> TicketInfo:
        assert self.stored is not None, "the ticket is not inserted yet"
        return self.stored

    @property
    def issued_zone(self) -> str:
        return self.plan.zone.code

    # What `_same_request` compares, as on a stored ticket.
    @property
    def purpose(self) -> str | None:
        return self.plan.purpose.code if self.plan.purpose else None

    @property
    def out_of_turn(self) -> str | None:
        return self.request.out_of_turn

    @property
    def needs_escort(self) -> bool:
        return self.request.needs_escort

    def row(self, now: datetime) -> dict[str, Any]:
        return {"service_day": self.plan.service_day, "issued_zone": self.issued_zone,
                "sequence": self.sequence, "number": self.number, "zone": self.issued_zone,
                "purpose": self.purpose, "language": self.language,
                "out_of_turn": self.out_of_turn, "needs_escort": self.needs_escort,
                "state": TicketState.WAITING.value, "desk": None,
                "target_desk": self.request.target_desk,
                "booked_for": self.request.booked_for, "recalls": 0, "transfers": 0,
                "issued_at": now, "queued_at": now, "called_at": None, "started_at": None,
                "finished_at": None, "updated_at": now, "source": self.request.source,
                "idempotency_key": self.request.scoped_key, "version": 1}

    def ticket_info(self, ticket_id: int, now: datetime) -> TicketInfo:
        return TicketInfo(id=ticket_id, number=self.number, zone=self.issued_zone,
                          issued_zone=self.issued_zone, service_day=self.plan.service_day,
                          language=self.language, purpose=self.purpose,
                          out_of_turn=self.out_of_turn, needs_escort=self.needs_escort,
                          state=TicketState.WAITING.value, desk=None,
                          target_desk=self.request.target_desk,
                          booked_for=self.request.booked_for, recalls=0, transfers=0, issued_at=now,
                          queued_at=now, called_at=None, started_at=None, finished_at=None)


@dataclass(frozen=True, slots=True)
class _Refused:
    """No new ticket for this request; a retry of an earlier one is still answered."""

    refusal: DomainError


def _check_request(snap: CenterSnapshot, now: datetime, request: _IssueRequest,
                   ) -> tuple[Language, IssuePlan] | _Refused | DomainError:
    """What can be decided without the database: the language, the zone, whether open."""
    try:
        language = Language(request.language)
    except ValueError:
        return ValidationFailed(f"language must be kk or ru, not {request.language!r}",
                                Bilingual(kk="Тіл «kk» немесе «ru» болуы керек",
                                          ru="Язык должен быть «kk» или «ru»"),
                                field="language")
    try:
        return language, plan_ticket(snap.config, snap.calendar, now, purpose=request.purpose,
                                     zone=request.zone, out_of_turn=request.out_of_turn)
    except DomainError as refusal:
        # A retry of a ticket issued before closing time still gets its ticket back.
        return _Refused(refusal)


def _range_of(zone: Zone) -> NumberRange:
    assert zone.number_range is not None  # plan_ticket issues only in serving zones
    return zone.number_range


def _same_request(row: Any, request: dict[str, Any]) -> None:
    """A retry must repeat its request; a key reused for another one is a client bug."""
    stored = {"language": row.language, "purpose": row.purpose, "zone": row.issued_zone,
              "out_of_turn": row.out_of_turn, "needs_escort": row.needs_escort}
    # A purpose decides the zone, so the zone is compared only when it was given.
    compared = [k for k in stored if k != "zone" or request["zone"] is not None]
    differs = [k for k in compared if stored[k] != request[k]]
    if differs:
        raise Conflict(
            f"idempotency key already used for a different request ({', '.join(differs)})",
            Bilingual(kk="Бұл сұрау кілті басқа сұрау үшін қолданылған",
                      ru="Этот ключ запроса уже использован для другого запроса"),
            field="Idempotency-Key", differs=", ".join(differs))


class QueueService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock, bus: EventBus, *,
                 issuing: Executor | None = None, issuers: int = 1,
                 range_alerts: RangeAlerts | None = None) -> None:
        """With `issuing`, tickets are issued there by up to `issuers` threads at once,
        each taking every request waiting into one transaction (group commit);
        without it, in the caller's thread, one transaction each."""
        self._db = db
        self._centers = centers
        self._clock = clock
        self._bus = bus
        self._range_alerts = range_alerts
        # (zone, day) -> (when, typical service minutes, staffed desks, the desks' time
        # the zone gets): the pace of a zone, reused for a moment because every
        # issue and board refresh needs it.
        self._pace: dict[tuple[str, date], tuple[float, float, int, float]] = {}
        bus.subscribe(self._forget_pace)
        self._group = (GroupCommit(issuing, self._issue_batch, drains=issuers)
                       if issuing is not None else None)

    # Issuing -------------------------------------------------------------------

    def issue(self, *, language: str, purpose: str | None = None, zone: str | None = None,
              out_of_turn: str | None = None, needs_escort: bool = False,
              idempotency_key: str | None = None, source: str | None = None,
              actor: str, booked_for: datetime | None = None,
              target_desk: str | None = None) -> IssuedTicket:
        """Issue a ticket. With `booked_for` and `target_desk` (a checked-in booking),
        only that desk calls it, ahead of others from its time (see ordering)."""
        request = _IssueRequest(language=language, purpose=purpose, zone=zone,
                                out_of_turn=out_of_turn, needs_escort=needs_escort,
                                idempotency_key=idempotency_key, source=source, actor=actor,
                                booked_for=booked_for, target_desk=target_desk)
        if self._group is None or self._group.inside():
            self._issue_batch([request])
        else:
            self._group.submit(request)
        return request.done.result()

    def submit_issue(self, *, language: str, purpose: str | None = None,
                     zone: str | None = None, out_of_turn: str | None = None,
                     needs_escort: bool = False, idempotency_key: str | None = None,
                     source: str | None = None, actor: str,
                     booked_for: datetime | None = None,
                     target_desk: str | None = None) -> Future[IssuedTicket]:
        """`issue` without waiting: the future holds the ticket or the error. Requests
        that come in together are issued in one transaction (group commit), so an
        async caller should use this instead of running `issue` in a thread."""
        request = _IssueRequest(language=language, purpose=purpose, zone=zone,
                                out_of_turn=out_of_turn, needs_escort=needs_escort,
                                idempotency_key=idempotency_key, source=source, actor=actor,
                                booked_for=booked_for, target_desk=target_desk)
        if self._group is None:
            self._issue_batch([request])
        else:
            self._group.submit(request)
        return request.done

    def _issue_batch(self, batch: list[_IssueRequest]) -> None:
        """Issue every request of `batch` in one transaction and answer each one.
        A request refused before anything is written (a wrong language, a key used
        for another request, the center closed) is answered with its error while
        the others go on; any other failure rolls the transaction back, and then
        each request is tried again on its own, so one bad request fails alone."""
        tries: list[int] = []

        def attempt() -> list[IssuedTicket | DomainError]:
            # Only a retry looks for earlier tickets by key and for held numbers
            # first: see `_issue_together`.
            tries.append(1)
            return self._issue_together(batch, careful=len(tries) > 1)

        try:
            outcomes = self._retrying(attempt)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].done.set_exception(exc)
                if isinstance(exc, RangeExhausted):
                    self._alert_range_exhausted(exc)
                return
            for request in batch:
                self._issue_batch([request])
            return
        for request, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, IssuedTicket):
                if not outcome.replayed:
                    self._publish("issued", outcome.ticket)
                request.done.set_result(outcome)
            else:
                request.done.set_exception(outcome)

    def _alert_range_exhausted(self, exhausted: RangeExhausted) -> None:
        """A visitor was refused because every number of the zone is held: staff must
        widen the range (the same alert a terminal's lease raises)."""
        zone_code = exhausted.extra.get("zone")
        if self._range_alerts is None or not isinstance(zone_code, str):
            return
        try:
            snap = self._centers.snapshot()
            zone = snap.config.zone(zone_code)
            now = self._clock.now()
            self._range_alerts.raise_alert(RangeAlert(
                zone=zone_code, service_day=snap.calendar.service_day(now), at=now,
                text=range_exhausted_text(zone.name, _range_of(zone)),
                detail=exhausted.detail))
        except Exception:  # the visitor has the refusal; the alert must not replace it
            log.exception("the range alert of zone %s failed", zone_code)

    def _issue_together(self, batch: list[_IssueRequest], *,
                        careful: bool) -> list[IssuedTicket | DomainError]:
        """One transaction for the batch. Not `careful` (the first try), it does not
        look for earlier tickets with the batch's idempotency keys, nor for active
        tickets holding the numbers about to be given: both are rare (a client's
        retry; a range that wrapped or changed during the day), and the unique
        indexes on the key and on a zone's active numbers refuse the insert when
        one is there. That failure rolls everything back and the `careful` retry
        looks first, as one ticket at a time always did."""
        snap = self._centers.snapshot()
        now = self._clock.now()
        day = snap.calendar.service_day(now)
        checked = [_check_request(snap, now, request) for request in batch]
        keys = {r.scoped_key for r in batch if r.scoped_key is not None}
        # A refused request with a key may be a retry of a ticket issued before closing.
        look = careful or any(isinstance(c, _Refused) and r.scoped_key is not None
                              for r, c in zip(batch, checked, strict=True))
        with self._db.write() as session:
            known = tickets_by_keys(session, keys) if look else {}
            made: dict[str, _NewTicket] = {}
            fresh: list[_NewTicket] = []
            # Per request: a refusal, a new ticket, or an earlier ticket (with the
            # position after which it is answered).
            steps: list[DomainError | _NewTicket | tuple[Any, int]] = []
            for position, (request, check) in enumerate(zip(batch, checked, strict=True)):
                if isinstance(check, DomainError):  # a wrong language: refused first
                    steps.append(check)
                    continue
                key = request.scoped_key
                earlier: Any = None
                if key is not None:
                    earlier = made.get(key) or known.get(key)
                if earlier is not None:
                    try:
                        _same_request(earlier, request.body)
                    except Conflict as conflict:
                        steps.append(conflict)
                        continue
                    steps.append((earlier, position))
                    continue
                if isinstance(check, _Refused):  # e.g. closed: only a retry is answered
                    steps.append(check.refusal)
                    continue
                language, plan = check
                ticket = _NewTicket(request=request, plan=plan, language=language.value,
                                    position=position)
                fresh.append(ticket)
                steps.append(ticket)
                if key is not None:
                    made[key] = ticket
            if fresh:
                self._number(session, snap.config, day, fresh, careful=careful)
                self._store_new(session, fresh, now)
            return self._answers(session, snap, now, day, steps, fresh)

    def _number(self, session: Session, config: CenterConfig, day: date,
                fresh: list[_NewTicket], *, careful: bool) -> None:
        """Give the new tickets their sequences and numbers: each zone's day counter
        advances by its count of new tickets, all zones in one statement."""
        counts = Counter(t.issued_zone for t in fresh)
        last = advance_sequences(session, day, dict(counts))
        drawn = {zone: last[zone] - count for zone, count in counts.items()}
        for ticket in fresh:
            drawn[ticket.issued_zone] += 1
            ticket.sequence = drawn[ticket.issued_zone]
            ticket.number = number_for(_range_of(ticket.plan.zone), ticket.sequence)
        # Until a range wraps its next numbers are free. The first try counts on that
        # (the index uq_ticket_active_number refuses a held one); a careful one looks.
        candidates = Counter((t.issued_zone, t.number) for t in fresh)
        clashing = {zone for (zone, _), n in candidates.items() if n > 1}
        # Past a full round of the range, a number may be leased to a terminal and not
        # yet reported (no ticket row for the index to refuse): look.
        clashing |= {t.issued_zone for t in fresh if t.sequence > _range_of(t.plan.zone).size}
        if careful:
            clashing |= {zone for zone, _ in held_among(session, day, list(candidates))}
        for zone in sorted(clashing):
            # The range wrapped onto numbers still held: skip them, as one by one.
            in_use = numbers_held(session, zone, day)
            previous = last[zone] - counts[zone]
            for ticket in (t for t in fresh if t.issued_zone == zone):
                try:
                    previous, ticket.number = allocate_number(
                        _range_of(ticket.plan.zone), previous, in_use)
                except RangeExhausted as exhausted:
                    # Staff hear of it once the transaction is rolled back (_issue_batch).
                    exhausted.extra["zone"] = zone
                    raise
                ticket.sequence = previous
                in_use.add(ticket.number)
            if previous != last[zone]:
                set_sequence(session, zone, day, previous)

    @staticmethod
    def _store_new(session: Session, fresh: list[_NewTicket], now: datetime) -> None:
        """Insert the new tickets and their audit rows, one statement each."""
        ids = insert_tickets(session, [t.row(now) for t in fresh])
        for ticket, ticket_id in zip(fresh, ids, strict=True):
            ticket.stored = ticket.ticket_info(ticket_id, now)
        audit.record_many(session, [{
            "actor": t.request.actor, "action": "issue", "entity": "ticket",
            "entity_id": t.info.id, "at": now, "before": None,
            "after": _audit_view(t.info) | {"language": t.info.language,
                                            "out_of_turn": t.info.out_of_turn,
                                            "needs_escort": t.info.needs_escort,
                                            "source": t.request.source}}
            for t in fresh])

    def _answers(self, session: Session, snap: CenterSnapshot, now: datetime, day: date,
                 steps: list[DomainError | _NewTicket | tuple[Any, int]],
                 fresh: list[_NewTicket]) -> list[IssuedTicket | DomainError]:
        """Each request's answer with its estimate. People ahead are counted as each
        request saw the queue: everyone issued before the batch (one statement for
        all), plus the tickets of this batch issued before the request."""
        answers: list[tuple[TicketInfo, int, _NewTicket | None] | DomainError] = []
        for step in steps:
            if isinstance(step, DomainError):
                answers.append(step)
            elif isinstance(step, _NewTicket):
                answers.append((step.info, step.position, step))
            else:
                earlier, position = step
                info = earlier.info if isinstance(earlier, _NewTicket) else ticket_info(earlier)
                answers.append((info, position, None))
        fresh_ids = [t.info.id for t in fresh]
        asked = {a[0].id for a in answers if not isinstance(a, DomainError)
                 and a[0].state in _WAITING}
        # Most new tickets are for any desk of their zone and not booked: everyone
        # of their class or a lower one is ahead of them but those who came with
        # them, which is counted from the back of the queue instead of comparing
        # them with each one waiting.
        arrivals = {t.info.id for t in fresh if t.info.target_desk is None
                    and service_class(t.info, now) is not ServiceClass.BOOKED_DUE}
        before_batch = people_ahead_counts(session, asked - arrivals, now=now,
                                           leaving_out=fresh_ids)
        before_batch |= people_ahead_of_arrivals(session, day, asked & arrivals, now=now,
                                                 leaving_out=fresh_ids)
        out: list[IssuedTicket | DomainError] = []
        for answer in answers:
            if isinstance(answer, DomainError):
                out.append(answer)
                continue
            info, position, new = answer
            ahead = 0
            if info.id in before_batch:
                seen = [t.info for t in fresh
                        if t.position < position and t.info.zone == info.zone]
                ahead = before_batch[info.id] + people_ahead(seen, info, now)
            estimate = self._estimate(session, snap.config, snap.config.zone(info.zone),
                                      info.service_day, ahead)
            out.append(IssuedTicket(ticket=info, estimate=estimate,
                                    note=new.plan.note if new is not None else None,
                                    replayed=new is None))
        return out

    def _estimate_for(self, session: Session, snap: CenterSnapshot,
                      row: TicketRow | TicketInfo) -> WaitEstimate:
        now = self._clock.now()
        zone = snap.config.zone(row.zone)
        ahead = 0
        if row.state in _WAITING:
            klass = service_class(row, now)
            first = class_time(row, klass)
            ahead = people_ahead_count(session, day=row.service_day, zone=row.zone,
                                       ticket_id=row.id, klass=klass, first=first,
                                       issued_at=row.issued_at, target_desk=row.target_desk,
                                       now=now)
        return self._estimate(session, snap.config, zone, row.service_day, ahead)

    def _estimate(self, session: Session, config: CenterConfig, zone: Zone, day: date,
                  ahead: int) -> WaitEstimate:
        key = (zone.code, day)
        cached = self._pace.get(key)
        # Timed on the hub's clock: a day run's simulated minutes pass in real seconds.
        now_seconds = self._clock.now().timestamp()
        if cached is None or now_seconds - cached[0] > PACE_SECONDS:
            durations = self._service_minutes(session, zone.code, day)
            staffed = self._staffed_desks(session, config, zone.code)
            # Only a desk shared with other zones needs their queues (see desk_share).
            shared = {z for d in staffed for z in d.zones} - {zone.code}
            waiting = self._waiting_counts(session, day, [zone.code, *sorted(shared)]) \
                if shared else {}
            cached = (now_seconds,
                      typical_service_minutes(durations, zone.default_service_minutes),
                      len(staffed), desks_for_zone(zone.code, (d.zones for d in staffed),
                                                   waiting))
            self._pace[key] = cached
        snap = self._centers.snapshot()
        return through_breaks(estimate_wait(ahead, cached[1], cached[2], cached[3]),
                              snap.calendar, self._clock.now())

    def _forget_pace(self, event: QueueEvent) -> None:
        # Service times change when a visit ends, staffed desks on sign-in and out.
        # (A desk kept by its panel is seen within PACE_SECONDS: hub.domain.staffing.)
        if event.kind in ("finished", "transferred", "staffing", "config"):
            self._pace.clear()

    @staticmethod
    def _waiting(session: Session, day: date, zones: Sequence[str]) -> Sequence[Any]:
        """The waiting tickets of `zones` as light rows: a queue of hundreds is
        ordered on every issue and call, and full objects would cost milliseconds."""
        return session.execute(select(*_QUEUED_COLUMNS).where(
            TicketRow.service_day == day, TicketRow.zone.in_(zones),
            TicketRow.state.in_(_WAITING))).all()

    @staticmethod
    def _service_minutes(session: Session, zone: str, day: date) -> list[float]:
        """The zone's latest finished visits in minutes, oldest first; enough rows
        for the estimate to drop the implausible ones (hub.domain.estimate)."""
        rows = session.execute(
            select(TicketRow.started_at, TicketRow.finished_at)
            .where(TicketRow.service_day == day, TicketRow.zone == zone,
                   TicketRow.state == TicketState.DONE.value,
                   TicketRow.started_at.is_not(None))
            .order_by(TicketRow.finished_at.desc()).limit(SAMPLE_ROWS)).all()
        return [(finished - started).total_seconds() / 60
                for started, finished in reversed(rows) if started and finished]

    @staticmethod
    def _waiting_counts(session: Session, day: date, zones: Sequence[str]) -> dict[str, int]:
        return {str(zone): int(n) for zone, n in session.execute(
            select(TicketRow.zone, func.count()).where(
                TicketRow.service_day == day, TicketRow.zone.in_(zones),
                TicketRow.state.in_(_WAITING)).group_by(TicketRow.zone)).all()}

    def _staffed_desks(self, session: Session, config: CenterConfig, zone: str) -> list[Desk]:
        """The desks of the zone staffed now, signed in to or worked from their panels
        (hub.domain.staffing: the same rule as the board and the three-hour alert)."""
        desks = {d.code: d for d in config.desks_of_zone(zone)}
        if not desks:
            return []
        now, day_start = self._clock.now(), self._day_start()
        calendar = self._centers.snapshot().calendar
        signs = panel_signs(session, calendar.service_day(now), day_start)
        staffed = presences(list(desks), open_shifts(session, day_start), calendar, now, signs)
        return [desks[code] for code in sorted(staffed)]

    def _day_start(self) -> datetime:
        """Midnight of today's service day: a shift left open since before it is stale."""
        return start_of_service_day(self._centers.snapshot().calendar, self._clock.now())

    # Desk actions --------------------------------------------------------------

    def call_next(self, desk_code: str, *, actor: str, claim: Claim | None = None) -> TicketInfo:
        """Call the next visitor the desk should serve, finishing the current one if allowed."""
        def next_waiting(session: Session, snap: CenterSnapshot, desk: Desk,
                         now: datetime) -> TicketRow:
            day = snap.calendar.service_day(now)
            chosen = next_for_desk(self._waiting(session, day, desk.zones), desk, now)
            if chosen is None:
                raise NothingWaiting(
                    f"nobody is waiting for desk {desk.code}",
                    Bilingual(kk="Кезекте ешкім жоқ", ru="В очереди никого нет"),
                    field="desk", desk=desk.code)
            row = self._ticket(session, chosen.id)
            if row.version != chosen.version:
                # Another desk called it between our look at the queue and now
                # (PostgreSQL reads each statement afresh): pick again.
                raise StaleDataError(f"ticket {row.number} changed while being picked")
            return row

        return self._call_to_desk(desk_code, actor, next_waiting, claim)

    def call(self, ticket_id: int, desk_code: str, *, actor: str,
             claim: Claim | None = None) -> TicketInfo:
        """Call one chosen ticket to the desk, out of the computed order."""
        def chosen(session: Session, snap: CenterSnapshot, desk: Desk,
                   now: datetime) -> TicketRow:
            row = self._ticket(session, ticket_id)
            if row.service_day != snap.calendar.service_day(now):
                raise Conflict(
                    f"ticket {row.number} was issued on {row.service_day}, not today",
                    Bilingual(kk=f"{row.number} талоны басқа күні берілген",
                              ru=f"Талон {row.number} выдан в другой день"),
                    field="ticket_id")
            if row.zone not in desk.zones or (row.target_desk not in (None, desk.code)):
                raise Conflict(
                    f"ticket {row.number} waits in {row.zone!r}, not for desk {desk.code!r}",
                    Bilingual(kk=f"{row.number} талоны бұл жұмыс орнының кезегінде емес",
                              ru=f"Талон {row.number} не стоит в очереди этого рабочего места"),
                    field="ticket_id")
            return row

        return self._call_to_desk(desk_code, actor, chosen, claim)

    def _call_to_desk(self, desk_code: str, actor: str,
                      choose: Callable[[Session, CenterSnapshot, Desk, datetime], TicketRow],
                      claim: Claim | None = None) -> TicketInfo:
        """Free the desk (finishing its visitor where the policy allows) and call the
        ticket `choose` picks, in one transaction: a refusal changes nothing."""
        snap = self._centers.snapshot()
        desk = self._open_desk(snap.config, desk_code)

        def attempt() -> tuple[TicketInfo, TicketInfo | None]:
            now = self._clock.now()
            with self._db.write() as session:
                if claim is not None:
                    claim(session)
                finished = self._clear_desk(session, snap, desk, now, actor=actor)
                row = choose(session, snap, desk, now)
                info = self._transition(session, row, lambda t: t.call(desk.code, now,
                                                                        actor=actor),
                                        actor=actor, action="call")
            return info, finished

        info, finished = self._retrying(attempt)
        if finished is not None:
            self._publish("finished", finished)
        self._publish("called", info)
        return info

    def recall(self, ticket_id: int, *, actor: str,
               at_desk: str | None = None,
               claim: Claim | None = None) -> TicketInfo:
        return self._simple(ticket_id, "recall", "recalled", actor, at_desk,
                            lambda t, now: t.recall(now, actor=actor),
                            claim=claim)

    def start(self, ticket_id: int, *, actor: str,
              at_desk: str | None = None,
              claim: Claim | None = None) -> TicketInfo:
        return self._simple(ticket_id, "start", "started", actor, at_desk,
                            lambda t, now: t.start(now, actor=actor),
                            claim=claim)

    def finish(self, ticket_id: int, *, actor: str,
               at_desk: str | None = None,
               claim: Claim | None = None, start_if_called: bool = False) -> TicketInfo:
        """`start_if_called`: a desk panel has no Start button, so its Done starts a
        called visit first, in the same transaction (and under the same claim). The
        visit began at its last call (the visitor walks up within a minute of it), not
        at the Done: its service time is from the last call to the Done."""
        return self._simple(ticket_id, "finish", "finished", actor, at_desk,
                            lambda t, now: t.finish(now, actor=actor),
                            claim=claim, start_if_called=start_if_called)

    def no_show(self, ticket_id: int, *, actor: str,
                at_desk: str | None = None,
                claim: Claim | None = None) -> TicketInfo:
        return self._simple(ticket_id, "no_show", "no_show", actor, at_desk,
                            lambda t, now: t.no_show(now, actor=actor),
                            claim=claim)

    def cancel(self, ticket_id: int, *, actor: str, note: str | None = None) -> TicketInfo:
        return self._simple(ticket_id, "cancel", "cancelled", actor, None,
                            lambda t, now: t.cancel(now, actor=actor, note=note))

    def transfer(self, ticket_id: int, *, zone: str | None, desk: str | None,
                 note: str | None = None, actor: str,
                 at_desk: str | None = None, claim: Claim | None = None,
                 start_if_called: bool = False) -> TicketInfo:
        """Send a visitor being served on to another zone, or to one desk."""
        snap = self._centers.snapshot()
        config = snap.config
        if zone is None and desk is None:
            raise ValidationFailed("a transfer needs a zone or a desk",
                                   Bilingual(kk="Аймақты немесе жұмыс орнын таңдаңыз",
                                             ru="Выберите зону или рабочее место"),
                                   field="zone")
        target_desk = self._open_desk(config, desk) if desk is not None else None
        target_zone = config.zone(zone) if zone is not None else config.zone(
            target_desk.zones[0])  # type: ignore[union-attr]
        if not target_zone.serving:
            raise ValidationFailed(f"zone {target_zone.code!r} does not serve visitors",
                                   Bilingual(kk=f"«{target_zone.name.kk}» аймағы қызмет "
                                                "көрсетпейді",
                                             ru=f"Зона «{target_zone.name.ru}» не обслуживает "
                                                "посетителей"), field="zone")
        if target_desk is not None and target_zone.code not in target_desk.zones:
            raise ValidationFailed(
                f"desk {target_desk.code!r} does not serve zone {target_zone.code!r}",
                Bilingual(kk=f"«{target_desk.label.kk}» «{target_zone.name.kk}» аймағына "
                             "қызмет көрсетпейді",
                          ru=f"«{target_desk.label.ru}» не обслуживает зону "
                             f"«{target_zone.name.ru}»"), field="desk")
        keep = config.policy.transfer_keeps_arrival
        return self._simple(ticket_id, "transfer", "transferred", actor, at_desk,
                            lambda t, now: t.transfer(
                                now, zone=target_zone.code,
                                desk=target_desk.code if target_desk else None,
                                keep_arrival=keep, actor=actor, note=note),
                            extra={"note": note} if note else None, claim=claim,
                            start_if_called=start_if_called)

    def get(self, ticket_id: int) -> TicketInfo:
        with self._db.read() as session:
            return ticket_info(self._ticket(session, ticket_id))

    def estimate(self, ticket_id: int) -> WaitEstimate:
        snap = self._centers.snapshot()
        with self._db.read() as session:
            return self._estimate_for(session, snap, self._ticket(session, ticket_id))

    def desk_current(self, desk_code: str) -> TicketInfo | None:
        snap = self._centers.snapshot()
        desk = snap.config.desk(desk_code)
        with self._db.read() as session:
            row = self._at_desk(session, desk.code)
            return ticket_info(row) if row else None

    # Board ---------------------------------------------------------------------

    def state(self) -> QueueState:
        """Every serving zone's waiting list and estimate, every desk's current visitor."""
        snap = self._centers.snapshot()
        config, now = snap.config, self._clock.now()
        day = snap.calendar.service_day(now)
        serving_zones = [z.code for z in config.zones if z.serving]
        with self._db.read() as session:
            queued = self._waiting(session, day, serving_zones)
            at_desks = session.scalars(select(TicketRow).where(
                TicketRow.service_day == day, TicketRow.state.in_(_AT_DESK))).all()
            shifts = open_shifts(session, self._day_start())
            panels = panel_signs(session, day, self._day_start(),
                                 visitors_at=visitors_at_desks(
                                     (r.desk, r.updated_at) for r in at_desks))
            served: dict[str, int] = dict(session.execute(
                select(TicketRow.zone, func.count()).where(
                    TicketRow.service_day == day, TicketRow.state == TicketState.DONE.value)
                .group_by(TicketRow.zone)).all())
            recent_rows = session.scalars(
                select(TicketRow).where(TicketRow.service_day == day,
                                        TicketRow.called_at.is_not(None),
                                        TicketRow.desk.is_not(None))
                .order_by(TicketRow.called_at.desc()).limit(RECENT_CALLS)).all()
            # Sent on to one desk: shown as going there until that desk calls it (a ticket
            # sent to a zone shows again when a desk of the zone calls it).
            transferred_rows = session.scalars(
                select(TicketRow).where(TicketRow.service_day == day,
                                        TicketRow.state == TicketState.TRANSFERRED.value,
                                        TicketRow.target_desk.is_not(None))).all()
            zones = []
            for zone in config.zones:
                if not zone.serving:
                    continue
                ordered = zone_order(queued, zone.code, now)
                waiting = [WaitingEntry(id=t.id, number=t.number, language=t.language,
                                        out_of_turn=t.out_of_turn, needs_escort=t.needs_escort,
                                        target_desk=t.target_desk, booked_for=t.booked_for,
                                        queued_at=t.arrival) for t in ordered]
                zones.append(ZoneQueue(code=zone.code, name=zone.name, waiting=waiting,
                                       estimate_for_next=self._estimate(
                                           session, config, zone, day, len(waiting)),
                                       served_today=served.get(zone.code, 0)))
        operators = {s.desk: s.operator for s in shifts}
        kept = presences([d.code for d in config.desks], shifts, snap.calendar, now, panels)
        current = {r.desk: r for r in at_desks if r.desk is not None}
        desks = [DeskStatus(code=d.code, label=d.label, zones=d.zones, active=d.active,
                            operator=operators.get(d.code),
                            current=ticket_info(current[d.code]) if d.code in current else None,
                            panel=kept.get(d.code) is Presence.PANEL)
                 for d in config.desks]
        labels = {d.code: d.label for d in config.desks}
        recent = [RecentCall(number=r.number, desk=r.desk or "",
                             desk_label=labels.get(r.desk or "", Bilingual(kk=r.desk or "?",
                                                                           ru=r.desk or "?")),
                             zone=r.zone, at=r.called_at or now, state=r.state)
                  for r in recent_rows]
        recent += [RecentCall(number=r.number, desk=r.target_desk or "",
                              desk_label=labels.get(r.target_desk or "", Bilingual(
                                  kk=r.target_desk or "?", ru=r.target_desk or "?")),
                              zone=r.zone, at=r.updated_at, state=r.state)
                   for r in transferred_rows]
        recent = sorted(recent, key=lambda call: call.at, reverse=True)[:RECENT_CALLS]
        return QueueState(service_day=day, at=now,
                          opening=snap.calendar.status_at(now).state.value,
                          zones=zones, desks=desks, recent_calls=recent)

    # Internals -----------------------------------------------------------------

    def _simple(self, ticket_id: int, action: str, event: str, actor: str,
                at_desk: str | None, change: Callable[[Ticket, datetime], Transition],
                extra: dict[str, str] | None = None, claim: Claim | None = None,
                start_if_called: bool = False) -> TicketInfo:
        """One transition of one ticket; with `at_desk`, only of a ticket at that desk
        (checked in the transaction, so a ticket moving meanwhile is not touched).
        `start_if_called` starts a called visit first, in the same transaction: a
        refused change leaves the ticket as it was; the visit is taken to have begun at
        the ticket's last call (see `finish`)."""
        def attempt() -> TicketInfo:
            now = self._clock.now()
            with self._db.write() as session:
                if claim is not None:
                    claim(session)
                row = self._ticket(session, ticket_id)
                if at_desk is not None and row.desk != at_desk:
                    raise not_at_desk(f"ticket {row.number} is not at desk {at_desk}")
                if start_if_called and row.state in _STARTABLE:
                    began = min(_last_call(row), now)
                    self._transition(session, row, lambda t: t.start(began, actor=actor),
                                     actor=actor, action="start")
                return self._transition(session, row, lambda t: change(t, now), actor=actor,
                                        action=action)

        info = self._retrying(attempt)
        self._publish(event, info, extra)
        return info

    def _transition(self, session: Session, row: TicketRow,
                    change: Callable[[Ticket], Transition], *, actor: str,
                    action: str) -> TicketInfo:
        before = _audit_view(row)
        ticket = _domain(row)
        step = change(ticket)  # raises IllegalTransition with nothing written
        _store(row, ticket, step)
        session.flush()
        after = _audit_view(row) | ({"note": step.note} if step.note else {})
        audit.record(session, actor=actor, action=action, entity="ticket", entity_id=row.id,
                     at=step.at, before=before, after=after)
        return ticket_info(row)

    def _clear_desk(self, session: Session, snap: CenterSnapshot, desk: Desk, now: datetime,
                    *, actor: str) -> TicketInfo | None:
        """Make the desk free for a new call; return the ticket it finished, if any."""
        current = self._at_desk(session, desk.code)
        if current is None:
            return None
        if current.service_day != snap.calendar.service_day(now):
            # Left over from an earlier day. The desk actions close earlier days first
            # (DayCloseService, the rule for leftovers); this is the last guard for a
            # caller of the queue alone, so the desk is never blocked by yesterday.
            self._transition(session, current,
                             lambda t: (t.no_show(now, actor=SYSTEM_ACTOR)
                                        if t.state in CALLED_STATES
                                        else t.finish(now, actor=SYSTEM_ACTOR)),
                             actor=SYSTEM_ACTOR, action="close_stale")
            return None
        if current.state == TicketState.SERVING.value and snap.config.policy.next_finishes_serving:
            return self._transition(session, current, lambda t: t.finish(now, actor=actor),
                                    actor=actor, action="finish")
        state = TicketState(current.state)
        raise DeskBusy(
            f"desk {desk.code} still has ticket {current.number} ({state.value})",
            Bilingual(kk=f"Бұл жұмыс орнында {current.number} талоны аяқталмаған",
                      ru=f"На этом рабочем месте не завершён талон {current.number}"),
            field="desk", ticket=current.number)

    @staticmethod
    def _at_desk(session: Session, desk: str) -> TicketRow | None:
        return session.scalars(select(TicketRow).where(
            TicketRow.desk == desk, TicketRow.state.in_(_AT_DESK))).first()

    @staticmethod
    def _ticket(session: Session, ticket_id: int) -> TicketRow:
        row = session.get(TicketRow, ticket_id)
        if row is None:
            raise NotFound(f"no ticket with id {ticket_id}",
                           Bilingual(kk="Талон табылмады", ru="Талон не найден"),
                           field="ticket_id")
        return row

    @staticmethod
    def _open_desk(config: CenterConfig, desk_code: str) -> Desk:
        desk = config.desk(desk_code)
        if not desk.active:
            raise DeskClosed(f"desk {desk.code!r} is closed",
                           Bilingual(kk=f"«{desk.label.kk}» жұмыс орны жабық",
                                     ru=f"Рабочее место «{desk.label.ru}» закрыто"),
                           field="desk")
        return desk

    def _retrying(self, attempt: Callable[[], T]) -> T:
        """Run a write again when a concurrent one got there first (PostgreSQL)."""
        for _ in range(WRITE_ATTEMPTS):
            try:
                return attempt()
            except (StaleDataError, IntegrityError):
                continue
        raise Conflict("too many simultaneous changes of the same tickets; try again",
                       Bilingual(kk="Бір уақытта тым көп өзгеріс болды. Қайталап көріңіз.",
                                 ru="Слишком много одновременных изменений. Повторите."),
                       field=None)

    def _publish(self, kind: str, info: TicketInfo, extra: dict[str, str] | None = None) -> None:
        self._bus.publish(QueueEvent(kind=kind, at=datetime.now(UTC), zone=info.zone,
                                     number=info.number, desk=info.desk, ticket_id=info.id,
                                     language=info.language, needs_escort=info.needs_escort,
                                     extra=extra or {}))

