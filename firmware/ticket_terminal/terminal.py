"""The ticket terminal's behaviour, without hardware or MQTT: presses, scans and the
hub's answers in; requests, slips and lamp signals out.

A press of a language, then a purpose, asks the hub for a ticket. When the hub does not
answer in time (or the broker is away at the press) the terminal prints a number from
the block the hub leased it for that zone, withdraws the unanswered request, and reports
the ticket (OfflineTicket, naming the withdrawn request) through the same ordered
outbox, so tickets join the queue in the order they were printed. A number is marked
used before it is printed: none is printed twice.

Time is the hub's (`clock`, the runtime's `hub_clock.now` in the application): a leased
block is usable on its service day before its `valid_until` by the hub's clock, and a
ticket printed from it is dated by the hub's clock, whatever the Pi's clock says. After
a boot, until the hub is heard from, the hub's time is unknown and `clock` falls back to
the node's own clock, never earlier than the last hub time it saw (the `clock` driver
says `clock_unknown`): the terminal still prints from its lease then, judging the block
by that fallback, because a visitor must get a number while the hub is away; the hub
checks every such ticket by its own clock when it hears of it.

Leases (issue 16): the terminal asks for the zones whose usable numbers fell below the
low-water mark, one request at a time; the hub answers with the blocks the terminal
holds and a spare when those are nearly used. After an answer that brought no new
block usable by the hub's time (a refusal, an error, the blocks it already holds, a
block of another day) it waits 5 s, doubling to 5 min (`LeaseBackoff`)."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from pydantic import ValidationError

from contract.mqtt import (
    BookingScan,
    ErrorMessage,
    Language,
    LeaseRequest,
    NodeConfig,
    OfflineTicket,
    PrintJob,
    Problem,
    Reply,
    Text,
    TicketRequest,
)
from firmware.common.outbox import OutboxRequest
from firmware.ticket_terminal.face import Labels, NoteFace, TicketFace, face_of
from firmware.ticket_terminal.lease_backoff import LeaseBackoff
from firmware.ticket_terminal.printer import Health
from firmware.ticket_terminal.settings import TerminalSettings
from firmware.ticket_terminal.spooler import Spooler
from firmware.ticket_terminal.stores import TerminalStore, block_usable

log = logging.getLogger(__name__)

SIGNAL_SECONDS = 8.0  # how long "closed", "no numbers" and "refused" stay on the lamps
UNKNOWN_CODES = ("check_in_unknown_code", "not_found")  # the hub's "no such booking"


class Step(StrEnum):
    LANGUAGE = "language"  # waiting for a language
    PURPOSE = "purpose"  # a language chosen, waiting for a purpose


class Signal(StrEnum):
    """What the lamps show, most important first."""
    OUT_OF_SERVICE = "out_of_service"  # the printer cannot print
    CLOSED = "closed"
    NO_NUMBERS = "no_numbers"  # hub away and no leased number left
    REFUSED = "refused"  # a scan that is not a booking code, or a refusal
    BUSY = "busy"
    CHOOSE_PURPOSE = "choose_purpose"
    CHOOSE_LANGUAGE = "choose_language"


class Link(Protocol):
    """The part of NodeRuntime the terminal uses."""
    @property
    def connected(self) -> threading.Event: ...

    def submit(self, request: OutboxRequest) -> str: ...
    def withdraw(self, request_id: str) -> bool: ...


class RateLimit:
    """At most one ticket every `min_between` seconds and `per_minute` in any minute."""

    def __init__(self, min_between: float, per_minute: int,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.min_between = min_between
        self.per_minute = per_minute
        self._monotonic = monotonic
        self._times: deque[float] = deque()

    def allow(self) -> bool:
        now = self._monotonic()
        while self._times and now - self._times[0] >= 60.0:
            self._times.popleft()
        if self._times and now - self._times[-1] < self.min_between:
            return False
        if len(self._times) >= self.per_minute:
            return False
        self._times.append(now)
        return True


@dataclass
class Waiting:
    request: TicketRequest | BookingScan
    deadline: float
    language_chosen: bool = True  # False: a code scanned with no language button pressed


class TicketTerminal:
    def __init__(self, settings: TerminalSettings, link: Link, store: TerminalStore,
                 spooler: Spooler, *, show: Callable[[Signal], None] = lambda signal: None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.link = link
        self.store = store
        self.spooler = spooler
        self._show = show
        self._clock = clock
        self._monotonic = monotonic
        self._lock = threading.RLock()
        self.limit = RateLimit(settings.limits.min_seconds_between, settings.limits.per_minute,
                               monotonic)
        self.center_name = settings.center_name
        self.config: NodeConfig | None = None  # the hub's, once it arrived
        self.step = Step.LANGUAGE
        self.language: Language = settings.default_language
        self._step_deadline = 0.0
        self._waiting: dict[str, Waiting] = {}
        self._signal_until: dict[Signal, float] = {}
        self.hub_away = False  # the hub missed an answer and has not answered since
        self._lease_request: str | None = None
        self.lease_backoff = LeaseBackoff()
        self._printer_fault = False
        self._print_jobs: deque[str] = deque(maxlen=200)
        self.signal = Signal.CHOOSE_LANGUAGE
        self._purposes = {button.code: button.purpose for button in settings.buttons.purposes}

    # Visitor input -----------------------------------------------------------------

    def press_language(self, language: Language) -> None:
        with self._lock:
            if self._printer_fault:
                self._refresh()
                return
            self.language = language
            self.step = Step.PURPOSE
            self._step_deadline = self._monotonic() + self.settings.buttons.choice_seconds
            self._refresh()

    def press_purpose(self, code: str) -> None:
        with self._lock:
            if self.step is not Step.PURPOSE or self._printer_fault:
                self._refresh()
                return
            if not self.limit.allow():
                log.info("press ignored: too many tickets too fast")
                self._refresh()
                return
            request = TicketRequest(node=self.settings.node_id, language=self.language,
                                    purpose=code)
            self.step = Step.LANGUAGE
            if self.hub_away or not self.link.connected.is_set():
                self._issue_offline(request, replaces=None)
            else:
                self._ask(request)
            self._refresh()

    def scan(self, raw: str) -> None:
        """A code read by the scanner: a booking code is sent to the hub, anything else is
        rejected here."""
        with self._lock:
            # A language pressed just before counts; otherwise the last visitor's choice
            # says nothing about this one.
            chosen = self.step is Step.PURPOSE
            try:
                request = BookingScan(node=self.settings.node_id, code=raw.strip(),
                                      language=self.language if chosen
                                      else self.settings.default_language)
            except ValidationError:
                log.warning("scan rejected: not a booking code", extra={"length": len(raw)})
                self._flash(Signal.REFUSED)
                return
            if self._printer_fault or not self.limit.allow():
                self._refresh()
                return
            if self.hub_away or not self.link.connected.is_set():
                # Only the hub knows the bookings: nothing to print from a lease.
                self._flash(Signal.NO_NUMBERS)
                return
            self.step = Step.LANGUAGE
            self._ask(request, language_chosen=chosen)
            self._refresh()

    def _ask(self, request: TicketRequest | BookingScan, *,
             language_chosen: bool = True) -> None:
        self.link.submit(request)
        self._waiting[request.id] = Waiting(
            request, self._monotonic() + self.settings.offline.hub_answer_seconds,
            language_chosen)

    # Time ------------------------------------------------------------------------------

    def tick(self) -> None:
        """Called every fraction of a second: forget a stale language choice, give up
        waiting for the hub, keep leases topped up."""
        with self._lock:
            now = self._monotonic()
            if self.step is Step.PURPOSE and now >= self._step_deadline:
                self.step = Step.LANGUAGE
            for request_id, waiting in list(self._waiting.items()):
                if now < waiting.deadline:
                    continue
                if not self.link.withdraw(request_id):
                    continue  # its answer is on the way
                del self._waiting[request_id]
                self.hub_away = True
                log.warning("hub did not answer in time", extra={"request_id": request_id,
                                                                "kind": waiting.request.kind})
                if isinstance(waiting.request, TicketRequest):
                    self._issue_offline(waiting.request, replaces=request_id)
                else:
                    self._flash(Signal.NO_NUMBERS)
            self._top_up_leases()
            self._refresh()

    # Offline issuing -------------------------------------------------------------------

    def _issue_offline(self, request: TicketRequest, replaces: str | None) -> None:
        purpose = self._purposes[request.purpose or ""]
        self._drop_lease_request()
        now = self._clock()
        leased = self.store.take_number(purpose.zone, now)
        if leased is None:
            log.warning("no leased number left", extra={"zone": purpose.zone})
            self._flash(Signal.NO_NUMBERS)
            return
        self.spooler.add(TicketFace(
            language=request.language, center_name=self.center_name, number=leased.number,
            zone_name=leased.zone_name, purpose_name=purpose.name, issued_at=now,
            out_of_turn=request.out_of_turn is not None, needs_escort=request.needs_escort,
            offline=True))
        self.link.submit(OfflineTicket(
            node=self.settings.node_id, lease_id=leased.lease_id, zone=leased.zone,
            number=leased.number, language=request.language, purpose=request.purpose,
            out_of_turn=request.out_of_turn, needs_escort=request.needs_escort,
            printed_at=now, replaces=replaces))
        log.info("ticket printed from the lease", extra={"zone": leased.zone,
                                                         "number": leased.number})

    def _drop_lease_request(self) -> None:
        """Take back a lease request not sent yet before printing from the present block:
        its answer, made before this ticket was reported, would be stale (and a hub of
        before issue 16 gave the present block's unreported numbers up for a new one)."""
        if self._lease_request is not None and self.link.withdraw(self._lease_request):
            self._lease_request = None

    def _top_up_leases(self) -> None:
        """Ask for blocks of the zones whose usable numbers (by the hub's time) fell
        below the low-water mark: one request at a time, and not before the backoff
        after an answer that did not help has run out."""
        if (self._lease_request is not None or self.hub_away
                or not self.link.connected.is_set()
                or not self.lease_backoff.may_ask(self._monotonic())):
            return
        now = self._clock()
        low = [zone for zone in self.settings.lease_zones()
               if self.store.remaining(zone, now) < self.settings.offline.lease_low_water]
        if low:
            request = LeaseRequest(node=self.settings.node_id, zones=low)
            self._lease_request = self.link.submit(request)

    # The hub's answers (the runtime's callback thread) ---------------------------------

    def on_reply(self, request: OutboxRequest, reply: Reply) -> None:
        with self._lock:
            self.hub_away = False
            if isinstance(request, LeaseRequest):
                if self._lease_request == request.id:
                    self._lease_request = None
                self._leased(request, reply)
            elif isinstance(request, TicketRequest | BookingScan):
                waiting = self._waiting.pop(request.id, None)
                if waiting is None:
                    return  # withdrawn: printed from the lease, the hub cancels this one
                self._answered(request, reply, bilingual=not waiting.language_chosen)
            elif not reply.ok and reply.problem is not None:
                log.error("hub refused a report", extra={"kind": request.kind,
                                                         "code": reply.problem.code})
            self._refresh()

    def _leased(self, request: LeaseRequest, reply: Reply) -> None:
        """Keep the hub's blocks; back off unless a new one is usable by the hub's time
        (a refusal, the blocks already held, or blocks of another day or expired)."""
        if reply.ok and reply.lease is not None:
            new = self.store.keep_blocks(request.zones, reply.lease)
            now = self._clock()
            usable = [block for block in reply.lease
                      if block.lease_id in new and block_usable(block, now)]
            log.info("numbers leased", extra={
                "blocks": {block.zone: len(block.numbers) for block in reply.lease},
                "new": len(new), "usable": len(usable)})
            if usable:
                self.lease_backoff.succeeded()
                return
        wait = self.lease_backoff.failed(self._monotonic())
        log.warning("lease did not help", extra={
            "code": reply.problem.code if reply.problem is not None else None,
            "retry_seconds": wait})

    def _answered(self, request: TicketRequest | BookingScan, reply: Reply, *,
                  bilingual: bool) -> None:
        if reply.ok and reply.ticket is not None:
            self.spooler.add(face_of(reply.ticket, self.center_name),
                             ticket_id=reply.ticket.ticket_id)
            return
        problem = reply.problem
        code = problem.code if problem is not None else "no_ticket"
        log.info("ticket refused", extra={"code": code, "kind": request.kind})
        if code == "center_closed":
            self._flash(Signal.CLOSED)
            if self.settings.printer.closed_note and problem is not None:
                self._note(request.language, Labels.CLOSED, problem, bilingual)
            return
        self._flash(Signal.REFUSED)
        if isinstance(request, BookingScan) and problem is not None:
            # Too early, too late, another day: the code is known, the body says why.
            title = Labels.UNKNOWN_CODE if code in UNKNOWN_CODES else Labels.BOOKING
            self._note(request.language, title, problem, bilingual)

    def _note(self, language: Language, title: Text, problem: Problem,
              bilingual: bool) -> None:
        self.spooler.add(NoteFace(language=language, center_name=self.center_name,
                                  title=title, body=problem.text, at=self._clock(),
                                  bilingual=bilingual))

    def on_error(self, request: OutboxRequest | None, error: ErrorMessage) -> None:
        with self._lock:
            if request is not None:
                self.hub_away = False
                self._waiting.pop(request.id, None)
                if self._lease_request == request.id:
                    self._lease_request = None
                    self.lease_backoff.failed(self._monotonic())
            log.error("hub could not take a message",
                      extra={"code": error.problem.code, "kind": request.kind if request else None})
            self._flash(Signal.REFUSED)

    def on_print(self, job: PrintJob) -> None:
        """Reception issued a ticket on this terminal, or asked for a reprint."""
        with self._lock:
            if job.id in self._print_jobs:
                return  # a second copy (QoS 1)
            self._print_jobs.append(job.id)
            self.spooler.add(face_of(job.ticket, self.center_name, reprint=job.reprint),
                             ticket_id=job.ticket.ticket_id, confirm=True)

    def on_config(self, config: NodeConfig) -> None:
        with self._lock:
            self.config = config
            self.center_name = config.center_name

    def on_connected(self) -> None:
        with self._lock:
            self._top_up_leases()

    def on_printer(self, health: Health) -> None:
        with self._lock:
            self._printer_fault = not health.usable
            if self._printer_fault and self.step is Step.PURPOSE:
                self.step = Step.LANGUAGE
            self._refresh()

    # Lamps ------------------------------------------------------------------------------

    def _flash(self, signal: Signal) -> None:
        self._signal_until[signal] = self._monotonic() + SIGNAL_SECONDS
        self._refresh()

    def _refresh(self) -> None:
        now = self._monotonic()
        flashing = [signal for signal, until in self._signal_until.items() if now < until]
        candidates = flashing + [Signal.OUT_OF_SERVICE] * self._printer_fault
        if self._waiting:
            candidates.append(Signal.BUSY)
        candidates.append(Signal.CHOOSE_PURPOSE if self.step is Step.PURPOSE
                          else Signal.CHOOSE_LANGUAGE)
        order = list(Signal)
        signal = min(candidates, key=order.index)
        if signal != self.signal:
            self.signal = signal
            self._show(signal)
