"""Provisioning fixtures: the example inventory as data, and a whole center generated
into a temporary folder with its broker configured to run here (free port, files in the
folder, the current user)."""

from __future__ import annotations

import copy
import getpass
import tomllib
from pathlib import Path
from typing import Any

import pytest

from provisioning.center import GeneratedCenter, generate_center
from provisioning.inventory import Inventory, parse_inventory
from tests.brokers import free_port, mosquitto_binary
from tests.conftest import unavailable

EXAMPLE = Path(__file__).resolve().parents[2] / "provisioning" / "examples" / "borodulikha.toml"
_EXAMPLE_DATA = tomllib.loads(EXAMPLE.read_text())


def example_data() -> dict[str, Any]:
    return copy.deepcopy(_EXAMPLE_DATA)


def local_broker(data: dict[str, Any], root: Path, *, client_certificates: bool = False
                 ) -> dict[str, Any]:
    """The inventory, with its broker on this machine: files under `root/center`."""
    data["broker"] |= {
        "host": "localhost", "addresses": ["127.0.0.1"], "port": free_port(),
        "client_certificates": client_certificates,
        "config_dir": str(root / "center" / "broker"),
        "persistence_dir": str(root / "mosquitto-data"),
        "pid_file": str(root / "mosquitto.pid"),
        # Tests run as root: Mosquitto would drop to `mosquitto` and lose the temp dir.
        "run_as": getpass.getuser()}
    (root / "mosquitto-data").mkdir(exist_ok=True)
    return data


@pytest.fixture
def require_mosquitto() -> str:
    binary = mosquitto_binary()
    if binary is None:
        unavailable("mosquitto is not installed")
        raise AssertionError
    return binary


def generate_local(tmp_path: Path, *, client_certificates: bool = False
                   ) -> tuple[Inventory, GeneratedCenter]:
    data = local_broker(example_data(), tmp_path, client_certificates=client_certificates)
    inventory = parse_inventory(data, EXAMPLE)
    return inventory, generate_center(inventory, tmp_path / "center")
