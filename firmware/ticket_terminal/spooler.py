"""The print spooler: every slip is stored before it is printed and forgotten only once
the printer took all of it, so a printer out of paper, with its cover open or unplugged
mid-ticket loses nothing: the slip is printed when the printer is back, oldest first, and
the hub hears of a failed hub ticket (PrintReport) so reception can reprint it elsewhere."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from contract.mqtt import Driver, DriverState, PrintReport
from firmware.ticket_terminal.face import Face
from firmware.ticket_terminal.printer import Health, TicketPrinter
from firmware.ticket_terminal.stores import TerminalStore

log = logging.getLogger(__name__)


class Spooler:
    def __init__(self, printer: TicketPrinter, store: TerminalStore, node_id: str, *,
                 report: Callable[[PrintReport], object],
                 on_health: Callable[[Health], None] = lambda health: None) -> None:
        self.printer = printer
        self.store = store
        self.node_id = node_id
        self._report = report
        self._on_health = on_health
        self.health: Health | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def driver(self) -> Driver:
        return self.health.driver if self.health is not None else Driver(state=DriverState.OK)

    def add(self, face: Face, ticket_id: int | None = None, *, confirm: bool = False) -> None:
        """Keep the slip (durably) and have it printed soon."""
        self.store.add_print(face, ticket_id, confirm=confirm)
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def run_once(self) -> int:
        """Read the printer's health, then print what waits while it works; returns how
        many slips were printed."""
        with self._lock:
            health = self._check()
            printed = 0
            for job in self.store.pending():
                if not health.usable:
                    self._failed(job.seq, job.ticket_id, job.reported,
                                 health.driver.detail or "error")
                    continue
                try:
                    self.printer.print(job.face)
                except Exception as error:
                    log.warning("printing failed", extra={"error": str(error)})
                    health = self._check()
                    detail = health.driver.detail if not health.usable else "error"
                    self._failed(job.seq, job.ticket_id, job.reported, detail or "error")
                    health = Health(Driver(state=DriverState.FAULT, detail=detail))
                    continue
                self.store.printed(job.seq)
                printed += 1
                if job.ticket_id is not None and (job.confirm or job.reported):
                    self._report(PrintReport(node=self.node_id, ticket_id=job.ticket_id,
                                             printed=True))
            return printed

    def _check(self) -> Health:
        health = self.printer.health()
        if health != self.health:
            log.info("printer state", extra={"state": health.driver.state.value,
                                              "detail": health.driver.detail})
            self.health = health
            self._on_health(health)
        return health

    def _failed(self, seq: int, ticket_id: int | None, reported: bool, detail: str) -> None:
        tell = ticket_id is not None and not reported
        self.store.failed(seq, detail, reported or tell)
        if tell:
            assert ticket_id is not None
            self._report(PrintReport(node=self.node_id, ticket_id=ticket_id, printed=False,
                                     detail=detail))

    def start(self, poll_seconds: float) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    log.exception("print spooler step failed")
                self._wake.wait(poll_seconds)
                self._wake.clear()
        self._thread = threading.Thread(target=loop, name="kezek-spooler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(5)
