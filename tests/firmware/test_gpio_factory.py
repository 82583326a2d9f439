"""The pin factory a node's pins go through, judged as the node and the doctor judge it:
gpiozero's native fallback is a fault everywhere, mock is a fault on a real Raspberry Pi
(its device tree says so) and fine on a laptop, a factory that does not load leaves the
node on simulated pins reporting why. Native is forced for real, in a private mount
namespace where /proc/cpuinfo names a Pi 3 and /dev/gpiomem is a plain file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

import firmware.common.raspberry_pi as device_tree
from contract.mqtt import DriverState
from contract.node_faults import NODE_FAULTS
from firmware.call_button.devices import DeskPanel
from firmware.common.gpio_factory import open_pin_factory
from firmware.ticket_terminal.app import TicketTerminalApp
from provisioning.doctor.findings import Level
from provisioning.doctor.gpio import check_gpio
from tests.call_button.conftest import panel_settings
from tests.conftest import unavailable
from tests.ticket_terminal.conftest import terminal_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def raspberry_pi(tmp_path: Path) -> Path:
    model = tmp_path / "model"
    model.write_bytes(b"Raspberry Pi 4 Model B Rev 1.4\x00")
    return model


@pytest.fixture
def laptop(tmp_path: Path) -> Path:
    return tmp_path / "no-device-tree-model"


@pytest.fixture(autouse=True)
def _no_global_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    """gpiozero keeps one factory per process; each test starts without one."""
    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)


def test_mock_is_a_fault_on_a_pi_and_fine_on_a_laptop(raspberry_pi: Path,
                                                     laptop: Path) -> None:
    on_pi = open_pin_factory(MockFactory(), model_file=raspberry_pi)
    assert (on_pi.name, on_pi.fault) == ("mock", "pin_factory_mock")
    assert on_pi.driver().state is DriverState.FAULT
    assert on_pi.driver().detail == "pin_factory_mock"
    on_laptop = open_pin_factory(MockFactory(), model_file=laptop)
    assert (on_laptop.name, on_laptop.fault) == ("mock", None)
    assert on_laptop.driver().state is DriverState.OK


def test_a_factory_that_does_not_load_leaves_simulated_pins(
        monkeypatch: pytest.MonkeyPatch, raspberry_pi: Path) -> None:
    # lgpio is Debian's python3-lgpio on a Pi; in this venv it is not importable.
    if _importable("lgpio"):
        pytest.skip("lgpio is importable here")
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "lgpio")
    pins = open_pin_factory(model_file=raspberry_pi)
    assert isinstance(pins.factory, MockFactory)
    assert pins.fault == "pin_factory_failed"
    assert Device.pin_factory is None  # the simulated pins are not gpiozero's choice


def test_the_call_button_reports_its_factory_as_the_buttons_driver(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raspberry_pi: Path) -> None:
    monkeypatch.setattr(device_tree, "DEVICE_TREE_MODEL", raspberry_pi)
    settings = panel_settings(tmp_path, "mqtt://127.0.0.1:1")  # gpio.pin_factory = mock
    panel = DeskPanel(settings, lambda action: None)
    try:
        driver = panel.driver()
        assert (driver.state, driver.detail) == (DriverState.FAULT, "pin_factory_mock")
    finally:
        panel.close()


def test_the_terminal_keeps_running_on_a_factory_that_does_not_load(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, laptop: Path) -> None:
    if _importable("lgpio"):
        pytest.skip("lgpio is importable here")
    monkeypatch.setattr(device_tree, "DEVICE_TREE_MODEL", laptop)
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "lgpio")  # as the node's unit sets it
    app = TicketTerminalApp(terminal_settings(tmp_path))
    try:
        buttons = app.runtime.driver_states()["buttons"]
        assert (buttons.state, buttons.detail) == (DriverState.FAULT, "pin_factory_failed")
        assert app.runtime.driver_states()["printer"].state is DriverState.OK
    finally:
        app.stop()


def test_the_doctor_judges_the_factory(raspberry_pi: Path, laptop: Path,
                                       tmp_path: Path) -> None:
    on_pi = check_gpio("mock", model_file=raspberry_pi)
    mock = NODE_FAULTS["pin_factory_mock"]
    assert (on_pi.level, on_pi.kk, on_pi.ru) == (Level.FAULT, mock.kk, mock.ru)
    assert on_pi.detail == "mock (Raspberry Pi)"
    on_laptop = check_gpio("mock", model_file=laptop)
    assert (on_laptop.level, on_laptop.ru) == (Level.WARNING, mock.ru)
    # `default` is what the service gets: the factory first boot wrote for it.
    defaults = tmp_path / "kezek-doctor"
    defaults.write_text("KEZEK_DOCTOR_HUB_URL=https://hub\nGPIOZERO_PIN_FACTORY=mock\n")
    assert check_gpio("default", model_file=raspberry_pi,
                      defaults_file=defaults).level is Level.FAULT
    if not _importable("lgpio"):
        defaults.write_text("GPIOZERO_PIN_FACTORY=lgpio\n")
        failed = check_gpio("default", model_file=raspberry_pi, defaults_file=defaults)
        assert (failed.level, failed.ru) == (Level.FAULT, NODE_FAULTS["pin_factory_failed"].ru)
        assert failed.detail.startswith("lgpio: ")
    assert "GPIOZERO_PIN_FACTORY" not in os.environ


NATIVE_PROBE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from firmware.common.gpio_factory import open_pin_factory
    from provisioning.doctor.gpio import check_gpio
    model = Path(sys.argv[1])
    finding = check_gpio("default", model_file=model)
    pins = open_pin_factory(model_file=model)
    pins.factory.close()
    print(json.dumps({"doctor": [finding.level.value, finding.ru, finding.detail],
                      "node": [pins.name, pins.fault]}))
""")


def test_a_forced_native_factory_is_a_fault(tmp_path: Path, raspberry_pi: Path) -> None:
    """GPIOZERO_PIN_FACTORY=native, really loaded: the node and the doctor both say so."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        unavailable("a private mount namespace needs root and unshare (util-linux)")
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nHardware\t: BCM2835\nRevision\t: a02082\n")
    # In the namespace only: a Pi 3's revision, and a plain file for its GPIO registers.
    script = (f"mount --bind {cpuinfo} /proc/cpuinfo && mount -t tmpfs kezek-dev /dev && "
              "truncate -s 4096 /dev/gpiomem && exec \"$@\"")
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
         sys.executable, "-c", NATIVE_PROBE, str(raspberry_pi)],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "GPIOZERO_PIN_FACTORY": "native", "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    native = NODE_FAULTS["pin_factory_native"]
    assert found["doctor"] == ["fault", native.ru, "native (Raspberry Pi)"]
    assert found["node"] == ["native", "pin_factory_native"]


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
