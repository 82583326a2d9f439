"""The nodes generated from the example inventory are the real applications' nodes:
each node.toml loads with its application's settings class, the terminal and the call
button come up on MockFactory pins (the terminal with a simulated printer) and react to
their buttons on the inventory's pins, and each role's program runs under the systemd
unit provisioning writes (config from the unit's environment, Type=notify, watchdog
pings within WatchdogSec, a clean stop on SIGTERM)."""

from __future__ import annotations

import configparser
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory

from contract.mqtt import ButtonAction, ButtonPress, NodeRole
from firmware.call_button.app import CallButtonApp
from firmware.call_button.settings import CallButtonSettings
from firmware.common.settings import NodeSettings, load_node_settings
from firmware.display_node.app import DisplayNode
from firmware.display_node.audio import NullSink
from firmware.display_node.settings import DisplayNodeSettings
from firmware.ticket_terminal.app import TicketTerminalApp
from firmware.ticket_terminal.printer import SimulatedPrinter
from firmware.ticket_terminal.settings import TerminalSettings
from firmware.ticket_terminal.terminal import Signal, Step
from provisioning.center import GeneratedCenter, generate_center
from provisioning.inventory import NODE_CONFIG_FILE, load_inventory
from tests.brokers import free_port, wait_until
from tests.provisioning.conftest import EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
# Written out here rather than taken from provisioning.roles: this is what is checked.
APPLICATION_SETTINGS: dict[str, type[NodeSettings]] = {
    "ticket_terminal": TerminalSettings, "display": DisplayNodeSettings,
    "call_button": CallButtonSettings}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedCenter:
    return generate_center(load_inventory(EXAMPLE),
                           tmp_path_factory.mktemp("generated") / "center")


def node_settings(generated: GeneratedCenter, node_id: str, cls: type[Any],
                  tmp_path: Path) -> Any:
    """The node's file as its application loads it, with this machine's CA and data dir
    in place of /etc/kezek/ca.crt and /var/lib/kezek-node (nothing else changes)."""
    return load_node_settings(cls, generated.node_dir(node_id) / "node.toml",
                              ca_file=generated.root / "ca" / "ca.crt",
                              data_dir=tmp_path / node_id)


def test_every_generated_node_loads_with_its_applications_settings(
        generated: GeneratedCenter, tmp_path: Path) -> None:
    inventory = load_inventory(EXAMPLE)
    for node in inventory.nodes:
        node_file = generated.node_dir(node.node_id) / "node.toml"
        role = tomllib.loads(node_file.read_text())["role"]
        settings = load_node_settings(APPLICATION_SETTINGS[role], node_file)
        assert settings.role is node.role
        assert settings.model_dump(exclude={"password", "username"}) == \
            node.settings.model_dump(exclude={"password", "username"})
    terminal = load_node_settings(TerminalSettings,
                                  generated.node_dir("terminal-1") / "node.toml")
    assert (terminal.buttons.kazakh, terminal.buttons.russian) == (17, 27)
    assert terminal.printer.kind == "usb" and terminal.printer.usb_product == 0x0202
    desk = load_node_settings(CallButtonSettings,
                              generated.node_dir("desk-window-1") / "node.toml")
    assert desk.buzzer.pin == 20 and desk.lamps.pins() == {"serving": 26, "fault": 21}


def test_the_terminal_comes_up_on_mock_pins_and_a_simulated_printer(
        generated: GeneratedCenter, tmp_path: Path) -> None:
    settings = node_settings(generated, "terminal-1", TerminalSettings, tmp_path)
    pins = MockFactory()
    app = TicketTerminalApp(settings, pin_factory=pins,
                            printer_factory=lambda section: SimulatedPrinter(
                                profile=section.profile))
    try:
        assert [str(button.pin) for button in app.buttons.devices] == [
            "GPIO17", "GPIO27", "GPIO22", "GPIO23", "GPIO24", "GPIO25", "GPIO5"]
        assert {name: str(led.pin) for name, led in app.lamps.devices.items()} == {
            "busy": "GPIO12", "fault": "GPIO16"}
        pins.pin(17).drive_low()  # Қазақша
        pins.pin(17).drive_high()
        wait_until(lambda: app.terminal.step is Step.PURPOSE, what="the language chosen")
        pins.pin(25).drive_low()  # complaint
        pins.pin(25).drive_high()
        # Never connected and no lease yet: the terminal says it has no numbers.
        wait_until(lambda: app.terminal.signal is Signal.NO_NUMBERS, what="no numbers")
        assert app.terminal.step is Step.LANGUAGE
    finally:
        app.stop()


def test_the_call_button_comes_up_on_mock_pins(generated: GeneratedCenter,
                                               tmp_path: Path) -> None:
    settings = node_settings(generated, "desk-window-1", CallButtonSettings, tmp_path)
    pins = MockFactory()
    app = CallButtonApp(settings, factory=pins, environ={})
    try:
        assert sorted(app.panel.buttons) == ["done", "next", "no_show", "recall"]
        pins.pin(5).drive_low()  # Next: taken into the outbox while the broker is away
        pins.pin(5).drive_high()
        wait_until(lambda: len(app.runtime.outbox) == 1, what="the press in the outbox")
        request = app.runtime.outbox.head()
        assert isinstance(request, ButtonPress)
        assert (request.desk, request.action) == ("window-1", ButtonAction.NEXT)
        assert app.panel.buzzer is not None and str(app.panel.buzzer.pin) == "GPIO20"
    finally:
        app.stop()


def test_the_display_node_is_built_from_its_generated_file(generated: GeneratedCenter,
                                                           tmp_path: Path) -> None:
    settings = node_settings(generated, "board-hall", DisplayNodeSettings, tmp_path)
    opened: list[str] = []
    node = DisplayNode(settings, sink=NullSink(), environ={},
                       serial_opener=lambda url, **_: opened.append(url))
    try:
        assert [(board.name, board.desk) for board, _ in node.boards] == [
            ("hall", None), ("window-1", "window-1")]
        assert node.tv is not None and node.announcer is not None
    finally:
        node.stop()
    assert opened == []  # nothing is opened before start()


# Under the systemd unit --------------------------------------------------------------


def unit_of(generated: GeneratedCenter, node_id: str) -> tuple[configparser.SectionProxy,
                                                                  dict[str, str]]:
    """The unit's [Service] section, and its environment (Environment= repeats)."""
    user_data = (generated.node_dir(node_id) / "boot" / "user-data").read_text()
    files = {entry["path"]: entry["content"]
             for entry in json.loads(user_data.split("\n", 1)[1])["write_files"]}
    text = files["/etc/systemd/system/kezek-node.service"]
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.read_string(text)
    environment = dict(line.removeprefix("Environment=").split("=", 1)
                       for line in text.splitlines() if line.startswith("Environment="))
    return unit["Service"], environment


def entry_point(program: str) -> str:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    return str(scripts[program])


@pytest.fixture
def notify_socket() -> Iterator[tuple[socket.socket, str]]:
    # A short path: AF_UNIX names are limited to about 100 bytes.
    directory = tempfile.mkdtemp(prefix="kezek-notify-")
    path = os.path.join(directory, "notify")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.settimeout(20)
    yield receiver, path
    receiver.close()
    os.unlink(path)
    os.rmdir(directory)


def wait_for_message(receiver: socket.socket, wanted: str) -> list[str]:
    seen: list[str] = []
    while wanted not in seen:
        seen += receiver.recv(4096).decode().splitlines()
    return seen


# What only this machine needs: its CA, data dir, a closed local port as the broker, and
# fakes in place of the Pi's printer, pins, sound card and serial boards.
MACHINE_ENV = {
    NodeRole.TICKET_TERMINAL: {"KEZEK_NODE_PRINTER__KIND": "dummy",
                               "GPIOZERO_PIN_FACTORY": "mock"},
    NodeRole.CALL_BUTTON: {"KEZEK_NODE_GPIO__PIN_FACTORY": "mock"},
    NodeRole.DISPLAY: {"KEZEK_NODE_TV__PORT": "0", "KEZEK_NODE_VOICE__SINK": "null",
                       "KEZEK_NODE_BOARDS": "[]"},
}


@pytest.mark.parametrize("node_id", ["terminal-1", "desk-window-1", "board-hall"])
def test_each_role_runs_under_its_unit(generated: GeneratedCenter, tmp_path: Path,
                                       notify_socket: tuple[socket.socket, str],
                                       node_id: str) -> None:
    receiver, path = notify_socket
    node = load_inventory(EXAMPLE).node(node_id)
    service, unit_env = unit_of(generated, node_id)
    assert service["Type"] == "notify" and service["NotifyAccess"] == "main"
    variable, config = "KEZEK_NODE_CONFIG", unit_env["KEZEK_NODE_CONFIG"]
    assert config == str(NODE_CONFIG_FILE)
    program = Path(service["ExecStart"]).name
    module, function = entry_point(program).split(":")
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("KEZEK_", "GPIOZERO_", "ESCPOS_"))} | unit_env
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in unit_env:  # the node's state directory here
        env["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(tmp_path / "data" / "escpos")
    env |= {variable: str(generated.node_dir(node_id) / "node.toml"),
            "KEZEK_NODE_CA_FILE": str(generated.root / "ca" / "ca.crt"),
            "KEZEK_NODE_DATA_DIR": str(tmp_path / "data"),
            "KEZEK_NODE_BROKER_URL": f"mqtts://127.0.0.1:{free_port()}",
            "NOTIFY_SOCKET": path,
            "WATCHDOG_USEC": str(int(service["WatchdogSec"]) * 1_000_000),
            "PYTHONPATH": str(ROOT)} | MACHINE_ENV[node.role]
    process = subprocess.Popen(
        [sys.executable, "-c", f"import sys; from {module} import {function}; "
                               f"sys.exit({function}([]))"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seen = wait_for_message(receiver, "READY=1")
        seen += wait_for_message(receiver, "WATCHDOG=1")
        process.send_signal(signal.SIGTERM)
        seen += wait_for_message(receiver, "STOPPING=1")
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    # Each log line once, as JSON: no library's logging.basicConfig() copy beside it.
    assert not re.findall(r"^(?:DEBUG|INFO|WARNING|ERROR|CRITICAL):", output, re.MULTILINE), \
        output
    assert '"level": ' in output
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in unit_env:
        assert list((tmp_path / "data" / "escpos").glob("*.capabilities.pickle"))
    # The first watchdog ping may come just before READY=1: systemd takes it either way.
    assert "WATCHDOG=1" in seen
    assert seen.index("READY=1") < seen.index("STOPPING=1")
