"""The doctor opens the printer as the node's service user: run as root, a device only
root may open is `printer_permission`, a device that is not there `printer_missing`,
each in Kazakh and Russian. `nobody` stands in for kezek-node here; the device is a
file in a folder everyone may enter, and a USB printer that is not plugged in."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract.node_faults import NODE_FAULTS
from firmware.ticket_terminal.printer import open_failure
from firmware.ticket_terminal.settings import TerminalSettings
from provisioning.doctor.findings import Level, Options
from provisioning.doctor.printer import check_printer
from tests.conftest import unavailable
from tests.ticket_terminal.conftest import terminal_settings

SERVICE = "nobody"


@pytest.fixture
def as_root() -> None:
    if os.geteuid() != 0:
        unavailable("opening the printer as another user needs root")


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder the service user can enter (pytest's own are root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="kezek-printer-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def settings(tmp_path: Path, **printer: Any) -> TerminalSettings:
    return terminal_settings(tmp_path, printer=printer)


def test_a_device_file_only_root_may_open(as_root: None, open_folder: Path,
                                          tmp_path: Path) -> None:
    device = open_folder / "lp0"
    device.write_bytes(b"")
    device.chmod(0o600)  # root's: as without the udev rule
    config = settings(tmp_path, kind="file", file=str(device), profile="TM-T88V")
    found = check_printer(config, Options(), service_user=SERVICE)
    text = NODE_FAULTS["printer_permission"]
    assert (found.level, found.kk, found.ru) == (Level.FAULT, text.kk, text.ru)
    assert f"as {SERVICE}" in found.detail and "Permission denied" in found.detail
    device.chmod(0o666)
    found = check_printer(config, Options(), service_user=SERVICE)
    assert (found.level, found.ru) == (Level.OK, "Файл принтера открыт (состояние не читается)")
    device.unlink()
    found = check_printer(config, Options(), service_user=SERVICE)
    missing = NODE_FAULTS["printer_missing"]
    assert (found.level, found.ru) == (Level.FAULT, missing.ru)
    assert found.detail.endswith("lp0 does not exist")


def test_a_usb_printer_that_is_not_plugged_in(as_root: None, tmp_path: Path) -> None:
    usb_core = pytest.importorskip("usb.core", reason="pyusb comes with python-escpos[usb]")
    try:
        usb_core.find()
    except usb_core.NoBackendError:
        unavailable("libusb is missing (Debian package libusb-1.0-0)")
    config = settings(tmp_path, kind="usb", usb_vendor=0x04B8, usb_product=0x7E57,
                      profile="TM-T88V")
    found = check_printer(config, Options(), service_user=SERVICE)
    assert (found.level, found.ru) == (Level.FAULT, NODE_FAULTS["printer_missing"].ru)
    assert f"as {SERVICE}" in found.detail


def test_without_root_the_doctor_opens_it_itself(
        open_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    device = open_folder / "lp0"
    device.write_bytes(b"")
    config = settings(tmp_path, kind="file", file=str(device), profile="TM-T88V")
    found = check_printer(config, Options(), service_user=SERVICE)
    assert found.level is Level.OK and "as uid 1000" in found.detail


def test_pyusb_errors_are_told_apart() -> None:
    usb_core = pytest.importorskip("usb.core", reason="pyusb comes with python-escpos[usb]")
    from escpos.exceptions import DeviceNotFoundError

    def opened(cause: BaseException) -> BaseException:
        """As escpos's Usb.open raises: its own error, pyusb's as the context."""
        try:
            try:
                raise cause
            except (AssertionError, usb_core.USBError) as error:
                raise DeviceNotFoundError(f"Unable to open USB printer:\n{error}") from None
        except DeviceNotFoundError as raised:
            raised.__context__ = cause
            return raised

    denied = usb_core.USBError("Access denied (insufficient permissions)", -3, 13)
    assert open_failure(opened(denied)) == "printer_permission"
    assert open_failure(opened(AssertionError("not found or cable not plugged in"))) == \
        "printer_missing"
    assert open_failure(opened(usb_core.USBError("No such device", -4, 19))) == \
        "printer_missing"
    assert open_failure(ConnectionRefusedError(111, "Connection refused")) is None
