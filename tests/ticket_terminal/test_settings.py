"""Settings that cannot work fail at start-up and name the field at fault."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from contract.mqtt import NodeRole
from firmware.common.runtime import NodeRuntime
from firmware.common.settings import NodeSettings, NodeSettingsError, load_node_settings
from firmware.ticket_terminal.app import main
from firmware.ticket_terminal.printer import PrinterSettingsError, resolve_text_mode
from firmware.ticket_terminal.settings import (
    MAX_DECLARED_ZONES,
    PrinterSection,
    TerminalSettings,
)
from tests.ticket_terminal.conftest import terminal_settings

TOML = """
node_id = "terminal-1"
center = "c1"
broker_url = "mqtt://127.0.0.1:1883"
data_dir = "{data}"
[buttons]
kazakh = 5
russian = 6
[[buttons.purposes]]
code = "{purpose}"
pin = {pin}
"""


def write(tmp_path: Path, purpose: str = "appeal_paper", pin: int = 13) -> Path:
    path = tmp_path / "terminal.toml"
    path.write_text(TOML.format(data=tmp_path / "data", purpose=purpose, pin=pin))
    return path


def test_a_good_file_loads(tmp_path: Path) -> None:
    settings = load_node_settings(TerminalSettings, write(tmp_path))
    assert settings.buttons.purposes[0].purpose.zone == "consultation"
    assert settings.lease_zones() == ["consultation"]


def test_unknown_purpose_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(NodeSettingsError) as error:
        load_node_settings(TerminalSettings, write(tmp_path, purpose="get_coffee"))
    assert "buttons.purposes.0.code" in str(error.value)
    assert "get_coffee" in str(error.value)


def test_a_pin_used_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NodeSettingsError, match="pins used twice: 5"):
        load_node_settings(TerminalSettings, write(tmp_path, pin=5))


def test_the_app_refuses_to_start_with_the_field_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(write(tmp_path, purpose="nope"))]) == 2
    assert "buttons.purposes.0.code" in capsys.readouterr().err


def test_kz1048_on_a_printer_without_it_is_refused() -> None:
    with pytest.raises(PrinterSettingsError, match=r"printer\.text_mode"):
        resolve_text_mode(PrinterSection(profile="POS-5890", text_mode="kz1048"))
    assert resolve_text_mode(PrinterSection(profile="POS-5890")) == "image"
    assert resolve_text_mode(PrinterSection(profile="TM-T20II")) == "kz1048"


def test_a_usb_printer_needs_its_ids() -> None:
    with pytest.raises(ValueError, match="usb_vendor, usb_product"):
        PrinterSection(kind="usb")


def test_a_terminal_declares_the_zones_its_purposes_and_settings_give(tmp_path: Path) -> None:
    """What its status says, and provisioning records, so the hub lets it issue there."""
    settings = terminal_settings(tmp_path, zones=["self_service", "personal"])
    assert settings.served_zones() == ["consultation", "personal", "self_service"]
    assert NodeRuntime(settings).status().zones == ["consultation", "personal", "self_service"]
    # Another node declares its `zones` as written.
    board = NodeSettings(node_id="board-1", center="c1", role=NodeRole.DISPLAY,
                         broker_url="mqtt://127.0.0.1:1", zones=["personal"],
                         data_dir=tmp_path / "board")
    assert NodeRuntime(board).status().zones == ["personal"]


def test_more_zones_than_a_status_carries_are_refused(tmp_path: Path) -> None:
    extra = [f"zone-{index}" for index in range(MAX_DECLARED_ZONES)]
    assert len(terminal_settings(tmp_path, zones=extra[:-2]).served_zones()) == 20
    with pytest.raises(ValidationError, match="at most 20 zones"):
        terminal_settings(tmp_path, zones=extra)
