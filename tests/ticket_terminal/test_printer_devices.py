"""The terminal's real printer paths without a printer: a device file (`kind = "file"`,
the usblp fallback `/dev/usb/lp0`) prints and reports itself missing or forbidden, not
offline; a USB printer that is not plugged in is `printer_missing`."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contract.mqtt import DriverState, Text
from firmware.ticket_terminal.face import TicketFace
from firmware.ticket_terminal.printer import Health, TicketPrinter
from firmware.ticket_terminal.settings import PrinterSection
from provisioning.doctor.service_user import run_as, user_named
from tests.conftest import unavailable

FACE = TicketFace(language="kk", center_name=Text(kk="Орталық", ru="Центр"), number=101,
                  zone_name=Text(kk="Кеңес", ru="Консультация"),
                  issued_at=datetime(2026, 11, 23, 5, 0, tzinfo=UTC))


def file_printer(path: Path) -> TicketPrinter:
    return TicketPrinter(PrinterSection(kind="file", file=path, profile="TM-T88V"),
                         "Asia/Almaty")


def test_a_device_file_prints_and_says_when_it_is_gone(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    device.write_bytes(b"")
    printer = file_printer(device)
    assert printer.health().driver.state is DriverState.OK
    printer.print(FACE)
    printer.close()
    assert b"101" in device.read_bytes()
    device.unlink()  # usblp removes the node when the printer is unplugged
    health = printer.health()
    assert (health.driver.state, health.driver.detail) == (DriverState.FAULT,
                                                           "printer_missing")
    assert not health.usable


def as_nobody(check: Callable[[], Health]) -> str | None:
    """The driver detail `check` gives as user nobody (a forked child when root), as the
    node doctor runs its checks as the service user."""
    return run_as(user_named("nobody"), lambda: check().driver.detail, timeout=30)


def test_a_device_file_the_service_may_not_write() -> None:
    folder = Path(tempfile.mkdtemp(prefix="kezek-lp-"))
    try:
        folder.chmod(0o755)
        device = folder / "lp0"
        device.write_bytes(b"")
        device.chmod(0o644)  # root's, as /dev/usb/lp0 without the udev rule's group
        if os.geteuid() != 0:
            device.chmod(0o444)
        printer = file_printer(device)
        assert as_nobody(printer.health) == "printer_permission"
    finally:
        shutil.rmtree(folder)


def test_a_usb_printer_not_plugged_in_is_missing(tmp_path: Path) -> None:
    usb_core = pytest.importorskip("usb.core", reason="pyusb comes with python-escpos[usb]")
    try:
        usb_core.find()
    except usb_core.NoBackendError:
        unavailable("libusb is missing (Debian package libusb-1.0-0)")
    printer = TicketPrinter(PrinterSection(kind="usb", usb_vendor=0x04B8, usb_product=0x7E57,
                                           profile="TM-T88V"), "Asia/Almaty")
    health = printer.health()
    assert (health.driver.state, health.driver.detail) == (DriverState.FAULT,
                                                           "printer_missing")
