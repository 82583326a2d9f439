"""The doctor opens the printer as the node's service user: run as root, a device only
root may open is `printer_permission`, a device that is not there `printer_missing`,
each in Kazakh and Russian. `nobody` stands in for kezek-node here; the device is a
file in a folder everyone may enter, and a USB printer that is not plugged in. The
service user is whom the node's unit names (a desktop image's drop-in changes it)."""

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
from provisioning.doctor.service_user import ServiceUser, user_named
from tests.conftest import unavailable
from tests.ticket_terminal.conftest import terminal_settings

SERVICE = "nobody"


def service() -> ServiceUser | None:
    return user_named(SERVICE)


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
    found = check_printer(config, Options(), user=service)
    text = NODE_FAULTS["printer_permission"]
    assert (found.level, found.kk, found.ru) == (Level.FAULT, text.kk, text.ru)
    assert f"as {SERVICE}" in found.detail and "Permission denied" in found.detail
    device.chmod(0o666)
    found = check_printer(config, Options(), user=service)
    assert (found.level, found.ru) == (Level.OK, "Файл принтера открыт (состояние не читается)")
    device.unlink()
    found = check_printer(config, Options(), user=service)
    missing = NODE_FAULTS["printer_missing"]
    assert (found.level, found.ru) == (Level.FAULT, missing.ru)
    assert found.detail.endswith("lp0 does not exist")


def test_the_printer_is_opened_as_the_units_user(
        as_root: None, open_folder: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """By default the user is the unit's User= (as the audio check's), not kezek-node
    by name: on a desktop image the node runs as the kiosk user."""
    unit = {"User": SERVICE, "Environment": "KEZEK_NODE_CONFIG=/etc/kezek/node.toml"}
    monkeypatch.setattr("provisioning.doctor.service_user.unit_property",
                        lambda name, unit_name="": unit.get(name, ""))
    device = open_folder / "lp0"
    device.write_bytes(b"")
    device.chmod(0o600)
    config = settings(tmp_path, kind="file", file=str(device), profile="TM-T88V")
    found = check_printer(config, Options())
    assert found.level is Level.FAULT and f"as {SERVICE}" in found.detail
    assert found.ru == NODE_FAULTS["printer_permission"].ru


def test_a_usb_printer_that_is_not_plugged_in(as_root: None, tmp_path: Path) -> None:
    usb_core = pytest.importorskip("usb.core", reason="pyusb comes with python-escpos[usb]")
    try:
        usb_core.find()
    except usb_core.NoBackendError:
        unavailable("libusb is missing (Debian package libusb-1.0-0)")
    config = settings(tmp_path, kind="usb", usb_vendor=0x04B8, usb_product=0x7E57,
                      profile="TM-T88V")
    found = check_printer(config, Options(), user=service)
    assert (found.level, found.ru) == (Level.FAULT, NODE_FAULTS["printer_missing"].ru)
    assert f"as {SERVICE}" in found.detail


def test_without_root_the_doctor_opens_it_itself(
        open_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    device = open_folder / "lp0"
    device.write_bytes(b"")
    config = settings(tmp_path, kind="file", file=str(device), profile="TM-T88V")
    found = check_printer(config, Options(), user=service)
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
