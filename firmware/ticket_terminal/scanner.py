"""The optional barcode/QR scanner: a serial device (USB CDC or RS-232) that sends each
code as one line. Opened with pyserial's `serial_for_url`, so `socket://` and `loop://`
stand in for it in tests. A scanner that goes away is opened again."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import serial

from firmware.ticket_terminal.settings import ScannerSection

log = logging.getLogger(__name__)

MAX_LINE = 256  # a booking code is at most 64: longer lines are garbage anyway
REOPEN_SECONDS = 2.0


class Scanner:
    def __init__(self, section: ScannerSection, on_code: Callable[[str], None]) -> None:
        self.section = section
        self._on_code = on_code
        self._stop = threading.Event()
        self._port: serial.SerialBase | None = None
        self._thread = threading.Thread(target=self._run, name="kezek-scanner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._port = serial.serial_for_url(self.section.url,
                                                   baudrate=self.section.baudrate, timeout=0.2)
                self._read(self._port)
            except (serial.SerialException, OSError) as error:
                log.warning("scanner unavailable", extra={"error": str(error)})
                self._stop.wait(REOPEN_SECONDS)
            finally:
                if self._port is not None:
                    self._port.close()
                    self._port = None

    def _read(self, port: serial.SerialBase) -> None:
        buffer = bytearray()
        while not self._stop.is_set():
            chunk = port.read(64)
            if not chunk:
                continue
            buffer += chunk
            while (end := next((i for i, byte in enumerate(buffer) if byte in b"\r\n"),
                               None)) is not None:
                line, buffer = bytes(buffer[:end]), buffer[end + 1:]
                if line:
                    self._deliver(line)
            if len(buffer) > MAX_LINE:
                self._deliver(bytes(buffer))
                buffer.clear()

    def _deliver(self, line: bytes) -> None:
        try:
            self._on_code(line.decode("ascii", errors="replace"))
        except Exception:
            log.exception("scan handler failed")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(3)
