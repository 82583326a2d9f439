"""The one place that builds the hub's collaborators for a process."""

from __future__ import annotations

from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.center_schema import read_center_file
from hub.domain.calendar import OpeningState
from hub.letters import RecordingSms
from hub.services.appeal_desk import AppealDesk, build_appeal_desk
from hub.services.center_store import CenterStore
from hub.services.check_in import CheckInService
from hub.services.clock import Clock, ShiftedClock, SystemClock
from hub.services.connection_faults import ConnectionFaultLog
from hub.services.day_close import DayCloseService
from hub.services.desk_actions import DeskActions
from hub.services.desk_breaks import DeskBreaks
from hub.services.desk_work import DeskWork
from hub.services.events import EventBus
from hub.services.leases import LeaseService
from hub.services.letters import LetterOutbox, LetterSender, build_dispatcher
from hub.services.nodes import NodeRegistry
from hub.services.protocols import ProtocolService
from hub.services.queue import QueueService
from hub.services.range_alerts import RangeAlerts
from hub.services.reception import ReceptionService
from hub.services.staffing import StaffingService
from hub.services.terminal_printing import TerminalPrinting
from hub.services.ticket_links import TicketLinks
from hub.services.users import LoginLimiter, UserService
from hub.settings import HubSettings
from hub.storage.db import Database, make_engine
from hub.storage.migrate import upgrade

# Threads issuing tickets on PostgreSQL: one batch commits while the next is built.
# More threads make smaller batches that wait on each other's counter rows
# (bench/tickets_api.py at 16 in flight: 8 threads 375-432 tickets/s, p99 85-120 ms;
# 2 threads 483-520 tickets/s, p99 53 ms). SQLite takes writers one at a time: one.
POSTGRES_ISSUERS = 2


@dataclass
class Hub:
    settings: HubSettings
    db: Database
    clock: Clock
    bus: EventBus
    centers: CenterStore
    queue: QueueService
    staffing: StaffingService
    # A desk's breaks, its actions (whoever asks: panel, console, API) and its view.
    breaks: DeskBreaks
    desk_actions: DeskActions
    desks: DeskWork
    users: UserService
    nodes: NodeRegistry
    login_limiter: LoginLimiter
    # Where tickets are issued. SQLite takes one writer at a time anyway, and one
    # thread doing them in turn beats sixteen threads fighting over the lock and
    # the interpreter (benchmark: 276 -> 320 tickets/s, p99 98 -> 67 ms at 16 in
    # flight). PostgreSQL locks per zone, so there a few threads issue at once.
    # Each thread issues every request waiting in one transaction (group commit,
    # QueueService.submit_issue).
    issuing: Executor
    reception: ReceptionService
    check_in: CheckInService
    protocols: ProtocolService
    letters: LetterOutbox
    letter_sender: LetterSender
    appeals: AppealDesk  # the appeals register, consultations, survey and control (issue 8)
    # Ticket terminals (issue 4): status-page links, number leases, printing.
    links: TicketLinks
    leases: LeaseService
    printing: TerminalPrinting
    # Closes the tickets an earlier service day left in the queue (issue 16).
    day_close: DayCloseService
    # What the broker's log says of nodes' connections: MQTT version, takeovers (issue 17).
    connection_faults: ConnectionFaultLog
    sms: RecordingSms | None = None  # sms_channel "record": the messages it kept

    def close(self) -> None:
        self.issuing.shutdown(wait=True)
        self.db.dispose()


def build_hub(settings: HubSettings, *, clock: Clock | None = None,
              migrate: bool = True, load_default_center: bool = True) -> Hub:
    """Connect to the database, apply migrations and, on an empty database, load
    the configured center file so a fresh machine runs without further steps."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    if migrate:
        upgrade(engine)
    db = Database(engine)
    if clock is None:
        if settings.timeline is not None:
            # A day run's shared simulated time: demonstrations and tests only (refused
            # in production), so a hub in service never imports the simulation package.
            from simulation.timeline import Timeline

            clock = Timeline.from_env(settings.timeline)
        elif settings.clock_start is not None or settings.demo_clock:
            clock = ShiftedClock(settings.clock_start or datetime.now(UTC))
        else:
            clock = SystemClock()
    bus = EventBus()
    centers = CenterStore(db, clock, bus)
    if load_default_center and not centers.is_configured():
        centers.replace(read_center_file(settings.center_file), actor="system",
                        action="load_center")
    if settings.demo_clock and isinstance(clock, ShiftedClock):
        calendar = centers.snapshot().calendar
        if calendar.status_at(clock.now()).state is OpeningState.CLOSED:
            clock.jump_to(calendar.next_opening(clock.now()))
    issuing = ThreadPoolExecutor(max_workers=1 if db.dialect == "sqlite" else POSTGRES_ISSUERS,
                                 thread_name_prefix="kezek-issue")
    # One record of ranges too small, raised by issuing and by terminals' leases.
    range_alerts = RangeAlerts(db, centers, clock, bus)
    queue = QueueService(db, centers, clock, bus, issuing=issuing,
                         issuers=1 if db.dialect == "sqlite" else POSTGRES_ISSUERS,
                         range_alerts=range_alerts)
    # A real SMS gateway is not wired yet: "record" keeps the messages (demo, tests).
    sms = RecordingSms() if settings.sms_channel == "record" else None
    letters = LetterOutbox(db, centers, clock, mail_enabled=settings.mail is not None,
                           sms_enabled=sms is not None)
    protocols = ProtocolService(db, centers, clock)
    nodes = NodeRegistry(db, clock, lambda: centers.snapshot().config,
                         approval_required=settings.nodes_need_approval)
    links = TicketLinks(settings.session_secret(), settings.public_base_url)
    breaks = DeskBreaks(db, centers, clock, bus)
    day_close = DayCloseService(db, centers, clock, bus)
    return Hub(settings=settings, db=db, clock=clock, bus=bus, centers=centers, queue=queue,
               day_close=day_close, connection_faults=ConnectionFaultLog(db, clock),
               staffing=StaffingService(db, centers, clock, bus),
               breaks=breaks, desk_actions=DeskActions(queue, breaks, day_close),
               desks=DeskWork(db, centers, clock, queue, breaks),
               users=UserService(db, clock),
               nodes=nodes,
               login_limiter=LoginLimiter(
                   settings.login_attempts, settings.login_window_seconds,
                   per_address=settings.login_attempts_per_address),
               issuing=issuing,
               reception=ReceptionService(db, centers, clock, settings.reception_profile,
                                          letters=letters),
               check_in=CheckInService(db, centers, clock, queue, settings.check_in),
               protocols=protocols,
               letters=letters,
               letter_sender=LetterSender(db, clock,
                                          build_dispatcher(db, clock, settings.mail, sms)),
               appeals=build_appeal_desk(db, centers, clock, protocols, settings.appeals,
                                         settings.data_dir),
               links=links,
               leases=LeaseService(db, centers, clock, bus, queue, settings.lease_numbers,
                                   alerts=range_alerts),
               printing=TerminalPrinting(db, centers, clock, queue, nodes, links),
               sms=sms)
