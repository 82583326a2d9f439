"""Number leases for ticket terminals and the tickets they printed from them while
the hub was unreachable (issue 4; the rules are in hub.domain.leases).

A terminal asking again gets back the blocks it holds, and a new one only when those
are nearly used (rules L1-L6 of hub.domain.leases): a flood of requests reserves
nothing more, is audited once per block handed out, and is refused past its limit.
A new block moves the zone's day counter past it in the same transaction that
stores it, under the same lock issuing takes, so the hub never hands out a
leased number itself. A reported ticket is stored with the sequence of its leased
number (the unique sequence index holds even against a second hub process) and
joins the queue at its arrival time. Every change takes a `claim` first: the
bridge records the node's request id in the same transaction, so a resent
request finds it and changes nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.domain.center import CenterConfig, Zone
from hub.domain.errors import ValidationFailed
from hub.domain.leases import (
    RATE_WINDOW,
    Lease,
    LeaseRangeShort,
    LiveBlock,
    NumberUsedTwice,
    arrival_time,
    block_cap,
    block_size,
    check_lease_rate,
    check_offline_ticket,
    lease_until,
    plan_lease,
    reserve_numbers,
)
from hub.domain.text import Bilingual, Language
from hub.domain.tickets import TicketState
from hub.services import audit
from hub.services.center_store import CenterStore
from hub.services.clock import Clock
from hub.services.events import EventBus, QueueEvent
from hub.services.queue import QueueService, ticket_info
from hub.services.range_alerts import RangeAlert, RangeAlerts
from hub.services.views import IssuedTicket, TicketInfo
from hub.storage.db import Database
from hub.storage.lease_models import LeasedNumberRow, NumberLeaseRow
from hub.storage.models import TicketRow
from hub.storage.queue_queries import advance_sequences, held_among, numbers_held, set_sequence

log = logging.getLogger("kezek.leases")

Claim = Callable[[Session], None]
# Replacements older than this cannot meet their ticket request any more.
REPLACEMENT_MEMORY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class LeaseBlock:
    lease_id: int
    zone: str
    zone_name: Bilingual
    service_day: date
    valid_until: datetime
    numbers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class OfflineTicketIn:
    """A ticket a terminal printed from its lease, as reported."""

    lease_id: int
    zone: str
    number: int
    language: str
    purpose: str | None
    out_of_turn: str | None
    needs_escort: bool
    printed_at: datetime
    replaces: str | None  # the id of a ticket request the terminal gave up waiting for


@dataclass(frozen=True, slots=True)
class OfflineOutcome:
    issued: IssuedTicket
    cancelled: TicketInfo | None  # the ticket of the replaced request, if there was one


def _leasable(config: CenterConfig, code: str) -> Zone:
    zone = config.zone(code)  # NotFound names the field
    if not zone.serving or zone.number_range is None:
        raise ValidationFailed(f"zone {code!r} does not issue tickets",
                               Bilingual(kk=f"«{zone.name.kk}» аймағына талон берілмейді",
                                         ru=f"В зону «{zone.name.ru}» талоны не выдаются"),
                               field="zones")
    return zone


class LeaseService:
    def __init__(self, db: Database, centers: CenterStore, clock: Clock, bus: EventBus,
                 queue: QueueService, numbers_per_lease: int,
                 alerts: RangeAlerts | None = None) -> None:
        self._db = db
        self._centers = centers
        self._clock = clock
        self._bus = bus
        self._queue = queue
        self.numbers_per_lease = numbers_per_lease
        # (scoped key of a ticket request) -> the offline ticket that replaced it: a
        # request still being issued when its replacement arrives is cancelled as
        # soon as it is answered (see `cancel_if_replaced`).
        self._replaced: set[str] = set()
        self._replaced_lock = threading.Lock()
        # node -> the hub times of its recent lease requests (L5; kept in memory: a
        # restart forgives a flood, and the claim store keeps resends out of it).
        self._requests: dict[str, deque[datetime]] = {}
        self._rate_lock = threading.Lock()
        self.alerts = alerts or RangeAlerts(db, centers, clock, bus)

    # Leasing ---------------------------------------------------------------------

    def lease(self, node_id: str, zones: Sequence[str], *, actor: str, request_id: str,
              claim: Claim | None = None) -> list[LeaseBlock]:
        """The node's blocks of each zone for today by the rules L1-L5 of
        hub.domain.leases: the live ones it holds, and a new one only when those are
        nearly used. Only a new block moves the zone's counter and is audited."""
        snap = self._centers.snapshot()
        now = self._clock.now()
        until = lease_until(snap.calendar, now)
        day = snap.calendar.service_day(now)
        wanted = [_leasable(snap.config, code) for code in dict.fromkeys(zones)]
        blocks: list[LeaseBlock] = []
        short: list[tuple[Zone, LeaseRangeShort]] = []
        try:
            with self._db.write() as session:
                if claim is not None:
                    claim(session)  # a resent request stops here, before it is counted
                self._count_request(node_id, now)
                # Lock every zone's counter first, in one order (as issuing does).
                last = advance_sequences(session, day, {zone.code: 0 for zone in wanted})
                for zone in wanted:
                    assert zone.number_range is not None
                    cap = block_cap(zone.number_range, self.numbers_per_lease)
                    live = _live_blocks(session, node_id, zone.code, day, now)
                    plan = plan_lease([LiveBlock(lease_id=row.id, unreported=len(numbers))
                                       for row, numbers in live], cap)
                    blocks.extend(_block(row, numbers, zone, snap.calendar.tz)
                                  for row, numbers in live)
                    if not plan.new_block:
                        continue
                    held = numbers_held(session, zone.code, day)
                    try:
                        size = block_size(zone.number_range, cap, held, zone_name=zone.name)
                    except LeaseRangeShort as error:
                        # The terminal keeps what it holds of this zone and gets its other
                        # zones' blocks; refused only when nothing at all is given.
                        short.append((zone, error))
                        continue
                    reserved = reserve_numbers(zone.number_range, last[zone.code], held, size)
                    set_sequence(session, zone.code, day, reserved[-1].sequence)
                    row = NumberLeaseRow(node_id=node_id, request_id=request_id,
                                         zone=zone.code, service_day=day, created_at=now,
                                         valid_until=until, replaced_at=None)
                    session.add(row)
                    session.flush()
                    session.add_all(LeasedNumberRow(lease_id=row.id, node_id=node_id,
                                                    sequence=n.sequence, number=n.number,
                                                    position=i, ticket_id=None)
                                    for i, n in enumerate(reserved))
                    numbers = tuple(n.number for n in reserved)
                    audit.record(session, actor=actor, action="lease", entity="number_lease",
                                 entity_id=row.id, at=now, before=None,
                                 after={"node": node_id, "zone": zone.code,
                                        "service_day": day.isoformat(),
                                        "first": numbers[0], "last": numbers[-1],
                                        "count": len(numbers)})
                    blocks.append(LeaseBlock(lease_id=row.id, zone=zone.code,
                                             zone_name=zone.name, service_day=day,
                                             valid_until=until, numbers=numbers))
                if short and not blocks:
                    raise short[0][1]
        finally:
            # Also when the refusal rolled the lease back: staff must hear of it.
            for zone, shortage in short:
                try:
                    self._alert_range_short(zone, day, now, shortage)
                except Exception:  # it must not replace the terminal's refusal
                    log.exception("the range alert of zone %s failed", zone.code)
        return blocks

    def _count_request(self, node_id: str, now: datetime) -> None:
        """L5: refuse a node asking too often; count the request otherwise."""
        with self._rate_lock:
            recent = self._requests.setdefault(node_id, deque())
            while recent and now - recent[0] >= RATE_WINDOW:
                recent.popleft()
            check_lease_rate(recent, now)
            recent.append(now)

    def live_blocks(self, node_id: str, zones: Sequence[str]) -> list[LeaseBlock]:
        """The node's live blocks of those zones now, with their unreported numbers."""
        snap = self._centers.snapshot()
        now = self._clock.now()
        day = snap.calendar.service_day(now)
        blocks: list[LeaseBlock] = []
        with self._db.read() as session:
            for code in dict.fromkeys(zones):
                zone = snap.config.zone(code)
                blocks.extend(_block(row, numbers, zone, snap.calendar.tz)
                              for row, numbers in _live_blocks(session, node_id, code, day, now))
        return blocks

    def blocks_of_request(self, node_id: str, request_id: str,
                          zones: Sequence[str] = ()) -> list[LeaseBlock]:
        """A lease request's answer again, when the stored reply was lost (the hub
        stopped between acting and storing the reply): the blocks it made, whole, and
        the node's other live blocks of the zones it asked for."""
        snap = self._centers.snapshot()
        config, tz = snap.config, snap.calendar.tz
        with self._db.read() as session:
            leases = session.scalars(select(NumberLeaseRow).where(
                NumberLeaseRow.node_id == node_id, NumberLeaseRow.request_id == request_id)
                .order_by(NumberLeaseRow.id)).all()
            made = []
            for lease in leases:
                numbers = session.scalars(select(LeasedNumberRow.number).where(
                    LeasedNumberRow.lease_id == lease.id)
                    .order_by(LeasedNumberRow.position)).all()
                made.append(_block(lease, list(numbers), config.zone(lease.zone), tz))
        by_id = {block.lease_id: block for block in self.live_blocks(node_id, zones)}
        by_id.update((block.lease_id, block) for block in made)
        return [by_id[lease_id] for lease_id in sorted(by_id)]

    # Staff alerts ----------------------------------------------------------------------

    def _alert_range_short(self, zone: Zone, day: date, now: datetime,
                           error: LeaseRangeShort) -> None:
        self.alerts.raise_alert(RangeAlert(zone=zone.code, service_day=day, at=now,
                                           text=error.text, detail=error.detail))

    def range_alerts(self) -> list[RangeAlert]:
        """Today's zones whose range ran short of numbers, for the console."""
        return self.alerts.today()

    # Tickets printed from a lease ---------------------------------------------------

    def accept_offline(self, node_id: str, ticket: OfflineTicketIn, *, actor: str,
                       request_id: str, claim: Claim | None = None) -> OfflineOutcome:
        """Put a ticket printed from the node's lease into today's queue at its
        arrival; cancel the ticket of the request it replaces, if that was issued."""
        snap = self._centers.snapshot()
        config, now = snap.config, self._clock.now()
        today = snap.calendar.service_day(now)
        language = _language(ticket.language)
        with self._db.write() as session:
            if claim is not None:
                claim(session)
            row = session.get(NumberLeaseRow, ticket.lease_id)
            lease = (Lease(lease_id=row.id, node_id=row.node_id, zone=row.zone,
                           service_day=row.service_day, created_at=row.created_at)
                     if row is not None else None)
            leased = session.scalars(select(LeasedNumberRow).where(
                LeasedNumberRow.lease_id == ticket.lease_id,
                LeasedNumberRow.number == ticket.number)).first()
            check_offline_ticket(lease, lease_id=ticket.lease_id, node_id=node_id,
                                 zone=ticket.zone, number=ticket.number, today=today,
                                 leased=leased is not None,
                                 used=leased is not None and leased.ticket_id is not None)
            assert lease is not None and leased is not None
            self._check_choices(config, ticket)
            if held_among(session, today, [(ticket.zone, ticket.number)]):
                # The zone's range wrapped onto the leased number meanwhile.
                raise NumberUsedTwice(
                    f"number {ticket.number} of {ticket.zone} is held by a visitor in the queue",
                    Bilingual(kk=f"{ticket.number} нөмірі кезекте тұрған басқа келушіде",
                              ru=f"Номер {ticket.number} уже у другого посетителя в очереди"),
                    field="number")
            arrival = arrival_time(ticket.printed_at.astimezone(UTC), lease, now)
            new = TicketRow(service_day=today, issued_zone=ticket.zone, sequence=leased.sequence,
                            number=ticket.number, zone=ticket.zone, purpose=ticket.purpose,
                            language=language.value, out_of_turn=ticket.out_of_turn,
                            needs_escort=ticket.needs_escort, state=TicketState.WAITING.value,
                            desk=None, target_desk=None, booked_for=None, recalls=0,
                            transfers=0, issued_at=arrival, queued_at=arrival, called_at=None,
                            started_at=None, finished_at=None, updated_at=now,
                            source=f"lease:{node_id}", idempotency_key=None)
            session.add(new)
            session.flush()
            leased.ticket_id = new.id
            leased.request_id = request_id
            leased.replaces = ticket.replaces
            audit.record(session, actor=actor, action="issue_offline", entity="ticket",
                         entity_id=new.id, at=now, before=None,
                         after={"number": new.number, "zone": new.zone, "state": new.state,
                                "lease_id": lease.lease_id, "printed_at":
                                    ticket.printed_at.isoformat(),
                                "arrival": arrival.isoformat(), "language": new.language,
                                "out_of_turn": new.out_of_turn,
                                "needs_escort": new.needs_escort,
                                "replaces": ticket.replaces})
            info = ticket_info(new)
            cancelled = None
            remember: str | None = None
            if ticket.replaces is not None:
                key = f"{actor}|{ticket.replaces}"
                cancelled = _cancel_replaced(session, key, new.number, actor=actor, now=now)
                if cancelled is None:
                    remember = key
        # Only once committed: a failed commit must not cancel the online ticket later.
        if remember is not None:
            with self._replaced_lock:
                self._replaced.add(remember)
        self._publish("issued", info)
        if cancelled is not None:
            self._publish("cancelled", cancelled)
        estimate = self._queue.estimate(info.id)
        return OfflineOutcome(issued=IssuedTicket(ticket=info, estimate=estimate, note=None),
                              cancelled=cancelled)

    def ticket_of_report(self, node_id: str, request_id: str) -> IssuedTicket | None:
        """The ticket an offline report made, by the report's id (for a resent report
        whose stored reply was lost)."""
        with self._db.read() as session:
            ticket_id = session.scalar(select(LeasedNumberRow.ticket_id).where(
                LeasedNumberRow.node_id == node_id, LeasedNumberRow.request_id == request_id))
        if ticket_id is None:
            return None
        return IssuedTicket(ticket=self._queue.get(ticket_id),
                            estimate=self._queue.estimate(ticket_id), note=None, replayed=True)

    @staticmethod
    def _check_choices(config: CenterConfig, ticket: OfflineTicketIn) -> None:
        if ticket.purpose is not None:
            purpose = config.purpose(ticket.purpose)
            if purpose.zone != ticket.zone:
                raise ValidationFailed(
                    f"purpose {purpose.code!r} leads to zone {purpose.zone!r}, not "
                    f"{ticket.zone!r}",
                    Bilingual(kk="Келу мақсаты мен аймақ сәйкес келмейді",
                              ru="Цель визита не соответствует зоне"), field="purpose")
        if ticket.out_of_turn is not None:
            config.out_of_turn_category(ticket.out_of_turn)

    # Replaced requests ---------------------------------------------------------------

    def load_replacements(self) -> None:
        """Remember the replaced requests of the last day (the bridge, on start)."""
        since = self._clock.now() - REPLACEMENT_MEMORY
        with self._db.read() as session:
            rows = session.execute(select(LeasedNumberRow.node_id, LeasedNumberRow.replaces)
                                   .join(NumberLeaseRow,
                                         NumberLeaseRow.id == LeasedNumberRow.lease_id)
                                   .where(LeasedNumberRow.replaces.is_not(None),
                                          NumberLeaseRow.created_at >= since)).all()
        with self._replaced_lock:
            self._replaced.update(f"node:{node}|{request}" for node, request in rows)

    def cancel_if_replaced(self, ticket: TicketInfo, *, actor: str, request_id: str) -> bool:
        """A ticket request answered after an offline ticket replaced it: cancel its
        ticket, which no visitor holds. True when it was cancelled."""
        key = f"{actor}|{request_id}"
        with self._replaced_lock:
            if key not in self._replaced:
                return False
        now = self._clock.now()
        with self._db.write() as session:
            cancelled = _cancel_replaced(session, key, None, actor=actor, now=now)
        if cancelled is None:
            return False
        self._publish("cancelled", cancelled)
        return True

    def _publish(self, kind: str, info: TicketInfo) -> None:
        self._bus.publish(QueueEvent(kind=kind, at=datetime.now(UTC), zone=info.zone,
                                     number=info.number, desk=info.desk, ticket_id=info.id,
                                     language=info.language, needs_escort=info.needs_escort))


def _live_blocks(session: Session, node_id: str, zone: str, day: date,
                 now: datetime) -> list[tuple[NumberLeaseRow, list[int]]]:
    """The node's blocks of the zone for `day` not expired at `now` with numbers not
    yet reported, each with those numbers in printing order (oldest block first)."""
    rows = session.execute(
        select(NumberLeaseRow, LeasedNumberRow.number)
        .join(LeasedNumberRow, LeasedNumberRow.lease_id == NumberLeaseRow.id)
        .where(NumberLeaseRow.node_id == node_id, NumberLeaseRow.zone == zone,
               NumberLeaseRow.service_day == day, NumberLeaseRow.replaced_at.is_(None),
               NumberLeaseRow.valid_until > now, LeasedNumberRow.ticket_id.is_(None))
        .order_by(NumberLeaseRow.id, LeasedNumberRow.position)).all()
    live: dict[int, tuple[NumberLeaseRow, list[int]]] = {}
    for lease, number in rows:
        live.setdefault(lease.id, (lease, []))[1].append(number)
    return list(live.values())


def _block(row: NumberLeaseRow, numbers: Sequence[int], zone: Zone,
           tz: tzinfo) -> LeaseBlock:
    # In the center's time zone: the terminal reads the service day off `valid_until`.
    return LeaseBlock(lease_id=row.id, zone=row.zone, zone_name=zone.name,
                      service_day=row.service_day, valid_until=row.valid_until.astimezone(tz),
                      numbers=tuple(numbers))


def _language(value: str) -> Language:
    try:
        return Language(value)
    except ValueError:
        raise ValidationFailed(f"language must be kk or ru, not {value!r}",
                               Bilingual(kk="Тіл «kk» немесе «ru» болуы керек",
                                         ru="Язык должен быть «kk» или «ru»"),
                               field="language") from None


def _cancel_replaced(session: Session, key: str, by_number: int | None, *, actor: str,
                     now: datetime) -> TicketInfo | None:
    """Cancel the waiting ticket issued under the scoped request key, in `session`."""
    row = session.scalars(select(TicketRow).where(TicketRow.idempotency_key == key)).first()
    if row is None or row.state != TicketState.WAITING.value:
        if row is not None:
            log.warning("ticket %s replaced by an offline ticket is already %s; left as is",
                        row.number, row.state)
        return None
    before = {"number": row.number, "state": row.state, "zone": row.zone}
    row.state = TicketState.CANCELLED.value
    row.finished_at = now
    row.updated_at = now
    note = ("replaced by offline ticket " + str(by_number) if by_number is not None
            else "replaced by an offline ticket printed meanwhile")
    session.flush()
    audit.record(session, actor=actor, action="cancel", entity="ticket", entity_id=row.id,
                 at=now, before=before,
                 after={"number": row.number, "state": row.state, "zone": row.zone,
                        "note": note})
    return ticket_info(row)

