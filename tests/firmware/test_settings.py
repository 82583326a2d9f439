"""Node settings: a TOML file overridden by the environment, errors that name the file and
the field, node applications adding their own sections, broker URLs checked."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from contract.broker import BrokerAddress
from contract.mqtt import NodeRole
from firmware.common.settings import (
    NodeSettings,
    NodeSettingsError,
    load_node_settings,
)

BASE_FILE = """
node_id = "terminal-1"
center = "borodulikha"
role = "ticket_terminal"
broker_url = "mqtt://127.0.0.1:1883"
heartbeat_seconds = 10
zones = ["a", "b"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(text)
    return path


def test_file_values_and_defaults(tmp_path: Path) -> None:
    settings = load_node_settings(NodeSettings, write(tmp_path, BASE_FILE))

    assert settings.node_id == "terminal-1"
    assert settings.role is NodeRole.TICKET_TERMINAL
    assert settings.zones == ["a", "b"]
    assert settings.heartbeat_seconds == 10
    assert settings.username == "terminal-1"  # the broker user is the node unless told
    assert settings.request_retry_seconds == 5
    assert settings.data_dir == Path("/var/lib/kezek-node")
    assert settings.broker == BrokerAddress(host="127.0.0.1", port=1883, tls=False)
    assert settings.software


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEZEK_NODE_CONFIG", str(write(tmp_path, BASE_FILE)))
    monkeypatch.setenv("KEZEK_NODE_HEARTBEAT_SECONDS", "3.5")
    monkeypatch.setenv("KEZEK_NODE_PASSWORD", "s3cret")

    settings = load_node_settings(NodeSettings)

    assert settings.heartbeat_seconds == 3.5
    assert settings.center == "borodulikha"  # from the file
    assert settings.password is not None
    assert settings.password.get_secret_value() == "s3cret"


def test_error_names_the_file_and_every_field(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, BASE_FILE.replace('role = "ticket_terminal"\n', "")
                 .replace("heartbeat_seconds = 10", "heartbeat_seconds = -1")
                 + 'password = "do-not-print-me"\n')
    monkeypatch.setenv("KEZEK_NODE_DESK", "desk 1")

    with pytest.raises(NodeSettingsError) as caught:
        load_node_settings(NodeSettings, path)

    message = str(caught.value)
    assert str(path) in message
    assert "role (KEZEK_NODE_ROLE): Field required" in message
    assert "heartbeat_seconds (KEZEK_NODE_HEARTBEAT_SECONDS): Input should be greater" in message
    assert "desk (KEZEK_NODE_DESK)" in message
    assert "do-not-print-me" not in message


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NodeSettingsError, match=r"heartbeat_secs \(KEZEK_NODE_HEARTBEAT_SECS\)"):
        load_node_settings(NodeSettings, write(tmp_path, BASE_FILE + "heartbeat_secs = 3\n"))


def test_missing_and_broken_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(NodeSettingsError, match="does not exist"):
        load_node_settings(NodeSettings, tmp_path / "absent.toml")
    with pytest.raises(NodeSettingsError, match="is not valid TOML"):
        load_node_settings(NodeSettings, write(tmp_path, "node_id = \n"))


class PrinterSection(BaseModel):
    port: str = Field(description="serial device of the printer")
    baud: int = Field(9600, gt=0)


class TerminalSettings(NodeSettings):
    printer: PrinterSection


def test_a_node_application_adds_its_own_section(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, BASE_FILE + '[printer]\nport = "/dev/ttyUSB0"\n')
    monkeypatch.setenv("KEZEK_NODE_PRINTER__BAUD", "19200")

    settings = load_node_settings(TerminalSettings, path)

    assert settings.printer == PrinterSection(port="/dev/ttyUSB0", baud=19200)
    assert settings.node_id == "terminal-1"


def test_a_bad_field_in_the_section_is_named(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEZEK_NODE_PRINTER__BAUD", "fast")
    with pytest.raises(NodeSettingsError, match=r"printer\.baud \(KEZEK_NODE_PRINTER__BAUD\)"):
        load_node_settings(TerminalSettings,
                           write(tmp_path, BASE_FILE + '[printer]\nport = "/dev/ttyUSB0"\n'))


@pytest.mark.parametrize(("url", "expected"), [
    ("mqtt://hub.local", BrokerAddress("hub.local", 1883, tls=False)),
    ("mqtts://hub.local", BrokerAddress("hub.local", 8883, tls=True)),
    ("mqtts://10.0.0.2:18883/", BrokerAddress("10.0.0.2", 18883, tls=True)),
])
def test_broker_urls(tmp_path: Path, url: str, expected: BrokerAddress) -> None:
    path = write(tmp_path, BASE_FILE.replace("mqtt://127.0.0.1:1883", url))
    assert load_node_settings(NodeSettings, path).broker == expected


@pytest.mark.parametrize(("url", "complaint"), [
    ("http://hub.local:1883", "must start with mqtt:// or mqtts://"),
    ("hub.local:1883", "must start with mqtt:// or mqtts://"),
    ("mqtt://", "has no host"),
    ("mqtt://hub.local:99999", "invalid port"),
    ("mqtt://hub.local:0", "invalid port"),
    ("mqtt://node:pw@hub.local", "not in the URL"),
    ("mqtt://hub.local/kezek", "no path or query"),
])
def test_bad_broker_urls_are_refused(tmp_path: Path, url: str, complaint: str) -> None:
    path = write(tmp_path, BASE_FILE.replace("mqtt://127.0.0.1:1883", url))
    with pytest.raises(NodeSettingsError) as caught:
        load_node_settings(NodeSettings, path)
    assert "broker_url (KEZEK_NODE_BROKER_URL)" in str(caught.value)
    assert complaint in str(caught.value)
