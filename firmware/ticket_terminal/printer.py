"""The thermal printer: python-escpos on USB, serial, network or a device file, chosen
by `[printer] kind`; `dummy` is a simulated printer that keeps every byte and can play
paper low, paper out, cover open, offline and an unplug in the middle of a ticket.

Faults are read with ESC/POS real-time status (DLE EOT): `paper_status()` and
`is_online()` from python-escpos, and the offline cause byte for the cover. A printer
the service may not open or cannot find is `printer_permission` or `printer_missing`
(contract/node_faults.py); a device file (`/dev/usb/lp0`) has no readable status: it is
there and writable, or not."""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import escpos.capabilities
from escpos.escpos import Escpos
from escpos.printer import Dummy, File, Network, Serial, Usb

from contract.mqtt import Driver, DriverState
from firmware.ticket_terminal.face import Face
from firmware.ticket_terminal.layout import print_as_image, print_as_text, slip
from firmware.ticket_terminal.settings import PrinterSection

log = logging.getLogger(__name__)

KZ1048 = "RK1048"
# DLE EOT 2: the offline cause; bit 2 (0x04) is "cover open".
OFFLINE_CAUSE = b"\x10\x04\x02"
COVER_OPEN_BIT = 0x04


def enable_kz1048() -> None:
    """python-escpos knows code page RK1048 (ESC t 53) but not its Python codec; without
    this `charcode("RK1048")` raises LookupError (HARDWARE.md)."""
    escpos.capabilities.CAPABILITIES["encodings"][KZ1048]["python_encode"] = "kz1048"


class PrinterSettingsError(ValueError):
    """The printer section asks for what the profile cannot do; names the field."""


def profile_has_kz1048(profile: str) -> bool:
    data = escpos.capabilities.get_profile(profile).profile_data
    return KZ1048 in data.get("codePages", {}).values()


def resolve_text_mode(section: PrinterSection) -> str:
    """`kz1048` or `image` for this profile; refuses kz1048 where the profile lacks it."""
    try:
        has_kz1048 = profile_has_kz1048(section.profile)
    except Exception as error:
        raise PrinterSettingsError(f"printer.profile: unknown escpos profile "
                                   f"{section.profile!r}: {error}") from None
    if section.text_mode == "auto":
        return "kz1048" if has_kz1048 else "image"
    if section.text_mode == "kz1048" and not has_kz1048:
        raise PrinterSettingsError(f"printer.text_mode: profile {section.profile} has no "
                                   "KZ-1048 code page; use image")
    return section.text_mode


def width_of(section: PrinterSection) -> int:
    if section.width_dots is not None:
        return section.width_dots
    media = escpos.capabilities.get_profile(section.profile).profile_data.get("media", {})
    pixels = media.get("width", {}).get("pixels")
    return int(pixels) if isinstance(pixels, int) else 384


class SimulatedPrinter(Dummy):  # type: ignore[misc]
    """A Dummy that answers status queries and fails like a real one when told to."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.paper = 2  # 2 adequate, 1 low, 0 out
        self.online = True
        self.cover_open = False
        self.unplugged = False
        self.unplug_after_bytes: int | None = None  # pull the cable mid-ticket
        self._last_query = b""

    def _raw(self, msg: bytes) -> None:
        if self.unplugged:
            raise OSError("printer unplugged")
        if msg in (OFFLINE_CAUSE, b"\x10\x04\x01", b"\x10\x04\x04"):
            self._last_query = msg
            return
        if self.unplug_after_bytes is not None:
            room = self.unplug_after_bytes - len(self.output)
            if len(msg) > room:
                super()._raw(msg[:max(0, room)])
                self.unplugged = True
                raise OSError("printer unplugged mid-ticket")
        super()._raw(msg)

    def _read(self) -> bytes:
        if self.unplugged:
            raise OSError("printer unplugged")
        if self._last_query == b"\x10\x04\x04":  # paper sensor
            return bytes([{2: 0x00, 1: 0x0C, 0: 0x6C}[self.paper] | 0x12])
        if self._last_query == b"\x10\x04\x01":  # printer status, bit 3 offline
            return bytes([0x12 | (0 if self.online and not self.cover_open else 0x08)])
        return bytes([0x12 | (COVER_OPEN_BIT if self.cover_open else 0)])


def make_escpos(section: PrinterSection) -> Escpos:
    """The python-escpos printer the section describes; it connects on first use."""
    profile = section.profile
    if section.kind == "usb":
        assert section.usb_vendor is not None and section.usb_product is not None
        return Usb(section.usb_vendor, section.usb_product, profile=profile)
    if section.kind == "serial":
        return Serial(section.serial_device, baudrate=section.serial_baudrate, profile=profile)
    if section.kind == "network":
        return Network(section.host, port=section.port, profile=profile)
    if section.kind == "file":
        return File(str(section.file), profile=profile)
    return SimulatedPrinter(profile=profile)


def open_failure(error: BaseException) -> str | None:
    """`printer_permission`, `printer_missing` (words of contract/node_faults.py) or None
    for an exception raised while opening a USB, serial or file printer. escpos's Usb
    turns pyusb's errors into its DeviceNotFoundError ("Device not found", whatever the
    cause): the cause is the chained exception, pyusb's USBError with errno 13 ("Access
    denied (insufficient permissions)") or 19 (unplugged), or an AssertionError when no
    device matched."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for link in chain:
        number = getattr(link, "errno", None)
        if number in (errno.EACCES, errno.EPERM) or isinstance(link, PermissionError):
            return "printer_permission"
        if number in (errno.ENOENT, errno.ENODEV) or isinstance(link, FileNotFoundError):
            return "printer_missing"
        if isinstance(link, AssertionError):  # escpos's Usb: usb.core.find found nothing
            return "printer_missing"
    text = " ".join(str(link) for link in chain).lower()
    if "access denied" in text or "permission denied" in text:
        return "printer_permission"
    return None


@dataclass(frozen=True, slots=True)
class Health:
    driver: Driver

    @property
    def usable(self) -> bool:
        return self.driver.state is not DriverState.FAULT


OK = Health(Driver(state=DriverState.OK))


class TicketPrinter:
    """Prints slips and reads the printer's health; after any failure the connection is
    dropped and made again on the next use (a printer unplugged and plugged back)."""

    def __init__(self, section: PrinterSection, timezone: str,
                 factory: Callable[[PrinterSection], Escpos] = make_escpos) -> None:
        enable_kz1048()
        self.section = section
        self.timezone = timezone
        self.mode = resolve_text_mode(section)
        self.width = width_of(section)
        if section.kind == "dummy" and factory is make_escpos:
            # One simulated printer for the node's life: its faults outlive a reconnect.
            self.simulated: SimulatedPrinter | None = SimulatedPrinter(profile=section.profile)
            factory = self._simulated
        else:
            self.simulated = None
        self._factory = factory
        self._device: Escpos | None = None
        self._lock = threading.Lock()

    def _simulated(self, section: PrinterSection) -> Escpos:
        assert self.simulated is not None
        return self.simulated

    @property
    def device(self) -> Escpos:
        if self._device is None:
            self._device = self._factory(self.section)
        return self._device

    def print(self, face: Face) -> None:
        """Print one slip; raises OSError (or the transport's error) when it did not."""
        elements = slip(face, self.timezone)
        with self._lock:
            try:
                if self.mode == "kz1048":
                    print_as_text(self.device, elements, self.width)
                else:
                    print_as_image(self.device, elements, self.width)
                flush = getattr(self.device, "flush", None)
                if callable(flush):
                    flush()
            except Exception:
                self._drop()
                raise

    def health(self) -> Health:
        """Paper, cover and online state; a printer that does not answer is offline, one
        the node may not open or cannot find says so."""
        if self.section.kind == "file":
            return self._file_health()
        with self._lock:
            try:
                device = self.device
                if isinstance(device, Dummy) and not isinstance(device, SimulatedPrinter):
                    return OK  # a plain Dummy cannot be asked
                paper = device.paper_status()
                cover = device.query_status(OFFLINE_CAUSE)
                online = device.is_online()
            except Exception as error:
                log.warning("printer not answering", extra={"error": str(error)})
                self._drop()
                detail = open_failure(error) if self.section.kind != "network" else None
                return Health(Driver(state=DriverState.FAULT, detail=detail or "offline"))
        if cover and cover[0] & COVER_OPEN_BIT:
            return Health(Driver(state=DriverState.FAULT, detail="cover_open"))
        if paper == 0:
            return Health(Driver(state=DriverState.FAULT, detail="paper_out"))
        if not online:
            return Health(Driver(state=DriverState.FAULT, detail="offline"))
        if paper == 1:
            return Health(Driver(state=DriverState.WARNING, detail="paper_low"))
        return OK

    def _file_health(self) -> Health:
        """A device file (the kernel's usblp driver: /dev/usb/lp0) is only written to: its
        paper and cover cannot be read. It is there and writable, or it is not (usblp
        removes it when the printer is unplugged)."""
        path = str(self.section.file)
        if not os.path.exists(path):
            with self._lock:
                self._drop()
            return Health(Driver(state=DriverState.FAULT, detail="printer_missing"))
        if not os.access(path, os.W_OK):
            return Health(Driver(state=DriverState.FAULT, detail="printer_permission"))
        return OK

    def _drop(self) -> None:
        device, self._device = self._device, None
        if device is not None and not isinstance(device, SimulatedPrinter):
            try:
                device.close()
            except Exception:
                log.debug("closing the printer failed", exc_info=True)

    def close(self) -> None:
        with self._lock:
            self._drop()
