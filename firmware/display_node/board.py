"""An LED board on a serial line (RS-232, or RS-485 through pyserial's RS485Settings).

The port is opened with `serial.serial_for_url`, so the same code drives `/dev/ttyUSB0`
on a Pi and `loop://` or `socket://127.0.0.1:PORT` in tests and the demonstration. Writes
happen on the board's own thread: a slow or vanished port never holds up the node. A port
that disappears is closed, reported as a fault in telemetry, and reopened every
`retry_seconds`; the rows last asked for are written again once it is back."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import serial
import serial.rs485

from contract.mqtt import Driver, DriverState
from firmware.display_node.led import LedProtocol

log = logging.getLogger(__name__)

SerialOpener = Callable[..., Any]


class SerialBoard:
    def __init__(self, name: str, url: str, protocol: LedProtocol, *, baudrate: int = 9600,
                 rs485: bool = False, retry_seconds: float = 2.0,
                 refresh_seconds: float = 30.0,
                 opener: SerialOpener = serial.serial_for_url) -> None:
        self.name = name
        self.url = url
        self.protocol = protocol
        self.baudrate = baudrate
        self.rs485 = rs485
        self.retry_seconds = retry_seconds
        self.refresh_seconds = refresh_seconds
        self._opener = opener
        self._port: Any = None
        self._condition = threading.Condition()
        self._rows: list[str] | None = None
        self._written: list[str] | None = None
        self._closing = False
        self._state = Driver(state=DriverState.WARNING, detail="not_opened")
        self.frames_written = 0
        self._thread = threading.Thread(target=self._run, name=f"kezek-board-{name}",
                                        daemon=True)

    def __repr__(self) -> str:
        return (f"<SerialBoard {self.name} {self.protocol.name} at {self.url}: "
                f"{self._state.state.value}>")

    def start(self) -> None:
        self._thread.start()

    def show(self, rows: Sequence[str]) -> None:
        """Ask for `rows`; returns at once. Only the latest rows matter: a board that falls
        behind skips straight to them."""
        with self._condition:
            self._rows = list(rows)
            self._condition.notify_all()

    def state(self) -> Driver:
        return self._state

    @property
    def written(self) -> list[str] | None:
        """The rows the board last received, None before the first frame."""
        return self._written

    def close(self, timeout: float = 5.0) -> None:
        with self._condition:
            self._closing = True
            self._condition.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._drop_port()

    def _run(self) -> None:
        while True:
            with self._condition:
                changed = self._condition.wait_for(
                    lambda: self._closing or (self._rows is not None
                                              and self._rows != self._written),
                    timeout=self.refresh_seconds if self._port is not None
                    else self.retry_seconds)
                if self._closing:
                    return
                rows = self._rows
            if self._port is None and not self._open():
                continue
            # Nothing new for a while: write the same rows again, which both repaints a
            # board that was power-cycled and finds out whether the port is still there.
            if rows is None or (changed and rows == self._written):
                continue
            try:
                self._port.write(self.protocol.frame(rows))
                self._port.flush()
            except Exception as error:
                # Not only SerialException/OSError: a port's driver may raise anything
                # (pyserial's loop:// raises queue.Full), and a writer thread that died of
                # it would leave the board frozen on one frame for the rest of the day.
                self._lost(error)
                continue
            self._written = rows
            self.frames_written += 1

    def _open(self) -> bool:
        try:
            port = self._opener(self.url, baudrate=self.baudrate, timeout=1,
                                write_timeout=2)
            if self.rs485:
                port.rs485_mode = serial.rs485.RS485Settings()
        except (serial.SerialException, OSError, ValueError) as error:
            if self._state.detail != "port_missing":
                log.warning("LED board port cannot be opened", extra={
                    "board": self.name, "url": self.url, "error": str(error)})
            self._state = Driver(state=DriverState.FAULT, detail="port_missing")
            return False
        self._port = port
        self._written = None  # a board that was away has lost what it showed
        if self._state.state is not DriverState.OK:
            log.info("LED board port open", extra={"board": self.name, "url": self.url})
        self._state = Driver(state=DriverState.OK)
        return True

    def _lost(self, error: Exception) -> None:
        log.warning("LED board port lost; reopening", extra={
            "board": self.name, "url": self.url, "error": str(error)})
        self._state = Driver(state=DriverState.FAULT, detail="port_lost")
        self._drop_port()

    def _drop_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()
