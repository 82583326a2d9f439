"""Fixtures of the aarch64 tier: the emulated Pi (cached between runs), each role's
installed wheels, this tree's kezek wheel, and one center for the whole tier: the
broker as provisioning configures it (TLS, a password per node, the contract's ACL) and
a hub process, both on this machine."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioning.center import GeneratedCenter
from provisioning.inventory import Inventory
from tests.aarch64.emulation import (
    ROLES,
    Emulator,
    cache_dir,
    debian_root,
    install_size,
    kezek_site,
    role_site,
    unavailable_reason,
)
from tests.brokers import mosquitto_binary
from tests.conftest import unavailable
from tests.display_node.conftest import KK_CONFIG, RU_CONFIG, tiny_piper_model
from tests.e2e.hub_process import HubProcess
from tests.provisioning.conftest import generate_local
from tests.provisioning.running import RunningCenter

# What the tier measured, shown at the end of the run (the lead quotes these numbers).
MEASURED: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if MEASURED:
        terminalreporter.section("aarch64 (emulated Raspberry Pi OS bookworm)")
        for name, value in MEASURED.items():
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Emulator:
    reason = unavailable_reason()
    if reason is not None:
        unavailable(f"cannot emulate a Raspberry Pi: {reason}")
    started = time.monotonic()
    root = debian_root()
    MEASURED["cache"] = str(cache_dir())
    MEASURED["debian root"] = f"{time.monotonic() - started:.1f} s to have it ready"
    return Emulator(root, tmp_path_factory.mktemp("emulator"))


@pytest.fixture(scope="session")
def sites(emulator: Emulator) -> dict[str, Path]:
    """Each role's aarch64 wheels (`doctor` is the doctor's own extra, used beside a
    role's); sizes are recorded as an installer's disk would see them."""
    started = time.monotonic()
    built = {role: role_site(role) for role in ROLES}
    MEASURED["role sites"] = f"{time.monotonic() - started:.1f} s to have them ready"
    for role, site in built.items():
        MEASURED[f"installed size kezek[{role}]"] = f"{install_size(site) / 2**20:.0f} MiB"
    return built


@pytest.fixture(scope="session")
def kezek(tmp_path_factory: pytest.TempPathFactory, emulator: Emulator) -> Path:
    """This tree's kezek wheel, installed: what first boot installs on a Pi."""
    started = time.monotonic()
    site = kezek_site(tmp_path_factory.mktemp("kezek"))
    MEASURED["kezek wheel"] = f"{time.monotonic() - started:.1f} s to build and install"
    MEASURED["installed size kezek itself"] = f"{install_size(site) / 2**20:.1f} MiB"
    return site


@pytest.fixture(scope="session")
def tiny_voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny Piper-shaped model per language beside the real voices' configs."""
    folder = tmp_path_factory.mktemp("voices")
    voices = {}
    for language, config in (("kk", KK_CONFIG), ("ru", RU_CONFIG)):
        model = tiny_piper_model(folder / f"{language}-tiny.onnx")
        shutil.copy(config, f"{model}.json")
        voices[language] = model
    return voices


class Center:
    """The generated center running here: Mosquitto with its generated configuration
    and the hub as its own process, connected over TLS with its generated password."""

    def __init__(self, root: Path, binary: str) -> None:
        self.inventory: Inventory
        self.generated: GeneratedCenter
        self.inventory, self.generated = generate_local(root)
        self.ca_file = self.generated.root / "ca" / "ca.crt"
        self.broker_url = f"mqtts://localhost:{self.inventory.broker.port}"
        self.broker = RunningCenter(binary, self.inventory, self.generated)
        (root / "hub").mkdir()
        self.hub = HubProcess(root / "hub", center=self.inventory.center.id,
                              mqtt_url=self.broker_url, username=self.inventory.hub.user,
                              password=self.generated.hub_password)
        self.hub.env["KEZEK_HUB_MQTT_CA_FILE"] = str(self.ca_file)

    def start(self) -> None:
        self.hub.start()

    def stop(self) -> None:
        self.hub.stop()
        self.broker.stop()

    def query(self, sql: str, *parameters: object) -> list[tuple[object, ...]]:
        """The hub's database as it stands (SQLite, read beside the running hub)."""
        with sqlite3.connect(self.hub.data_dir / "kezek.sqlite3", timeout=10) as connection:
            return connection.execute(sql, parameters).fetchall()

    def presence(self) -> dict[str, str]:
        return {str(node): str(presence)
                for node, presence in self.query("SELECT node_id, presence FROM nodes")}


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Center]:
    binary = mosquitto_binary()
    if binary is None:
        unavailable("mosquitto is not installed")
        raise AssertionError
    running = Center(tmp_path_factory.mktemp("center"), binary)
    try:
        running.start()
        yield running
    finally:
        running.stop()
